"""The series API against the real app and database: shapes, statuses and error bodies."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import attrs
import httpx
import pytest

from aniworld_core import Settings
from aniworld_web import create_app
from aniworld_web.bodies import MAX_BODY_BYTES

from .conftest import Web, assert_error, keyed_client

pytestmark = pytest.mark.anyio

SERIES_FIELDS = {"id", "title", "year", "folder", "ids", "loading_status", "message",
                 "episodes_loaded", "nfo_loaded", "logo_loaded", "images_loaded",
                 "loading_error", "poster_url", "folder_missing", "episodes_known",
                 "episodes_present"}
DETAIL_FIELDS = SERIES_FIELDS | {"episodes", "missing_episodes", "missing_unknown_reason",
                                 "seasons", "unplaced_files", "season_note", "next_episode",
                                 "load_runs"}


async def test_add_by_title_is_202_and_pending(script: httpx.AsyncClient) -> None:
    """Adding answers 202 at once with the series, pending, nothing loaded, and its location."""
    response = await script.post("/api/series", json={"title": "Cowboy Bebop", "year": 1998})
    assert response.status_code == 202
    body = response.json()
    assert set(body) == SERIES_FIELDS | {"files"}
    assert body["title"] == "Cowboy Bebop"
    assert body["year"] == 1998
    assert body["loading_status"] == "pending"
    assert not any(body[f"{item}_loaded"] for item in ("episodes", "nfo", "logo", "images"))
    assert response.headers["location"] == f"/api/series/{body['id']}"
    assert (await script.get(response.headers["location"])).status_code == 200


async def test_add_by_provider_id_then_conflict(script: httpx.AsyncClient) -> None:
    """Adding by AniList id stores the id; the same id again is 409 naming the existing series."""
    first = await script.post("/api/series", json={"provider": "anilist", "id": 1})
    assert first.status_code == 202
    assert first.json()["ids"] == {"anilist": "1"}
    again = await script.post("/api/series", json={"provider": "anilist", "id": "1"})
    assert_error(again, 409, "series_exists")
    assert again.json()["error"]["series_id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_input"),
        ({"title": ""}, "invalid_input"),
        ({"title": "   "}, "invalid_input"),
        ({"title": 42}, "invalid_input"),
        ({"title": None}, "invalid_input"),
        ({"title": "x" * 256}, "invalid_input"),
        ({"title": "two\nlines"}, "invalid_input"),
        ({"title": "Akira", "year": "1988"}, "invalid_input"),
        ({"title": "Akira", "year": 1800}, "invalid_input"),
        ({"title": "Akira", "year": True}, "invalid_input"),
        ({"provider": "anilist"}, "invalid_input"),
        ({"id": 5}, "invalid_input"),
        ({"provider": "anilist", "id": "abc"}, "invalid_input"),
        ({"provider": "AniList!", "id": 1}, "invalid_input"),
        ({"provider": "anilist", "id": [1]}, "invalid_input"),
        ({"title": "Akira", "extra": 1}, "invalid_body"),
        ([{"title": "Akira"}], "invalid_body"),
        ("Akira", "invalid_body"),
        (None, "invalid_body"),
    ],
)
async def test_invalid_bodies_are_422(script: httpx.AsyncClient, web: Web, body: object,
                                      code: str) -> None:
    """Every malformed body is a 422 with an error code and message, and nothing is added."""
    response = await script.post("/api/series", content=json.dumps(body),
                                 headers={"Content-Type": "application/json"})
    assert_error(response, 422, code)
    assert await web.core.list_series() == []


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b"", b"[" * 100_000 + b"]" * 100_000,
                                 b'{"year": 1' + b"0" * 5000 + b"}", b"NaN"])
async def test_broken_json_is_422(script: httpx.AsyncClient, raw: bytes) -> None:
    """Bytes that are not a JSON object never cause a 500."""
    response = await script.post("/api/series", content=raw,
                                 headers={"Content-Type": "application/json"})
    assert response.status_code in (413, 422), response.text
    assert "error" in response.json()


async def test_wrong_content_type_is_415(script: httpx.AsyncClient) -> None:
    """Only JSON bodies are read."""
    response = await script.post("/api/series", data={"title": "Akira"})
    assert_error(response, 415, "unsupported_media_type")


async def test_oversized_body_is_413(script: httpx.AsyncClient) -> None:
    """A body over the limit is refused before it is read."""
    response = await script.post("/api/series", json={"title": "x" * MAX_BODY_BYTES})
    assert_error(response, 413, "too_large")


async def test_list_is_sorted_by_title(script: httpx.AsyncClient) -> None:
    """The list holds every series, by title."""
    for title in ("Trigun", "Akira", "Monster"):
        await script.post("/api/series", json={"title": title})
    body = (await script.get("/api/series")).json()
    assert [series["title"] for series in body["series"]] == ["Akira", "Monster", "Trigun"]


async def test_add_by_title_and_provider_id_together(script: httpx.AsyncClient) -> None:
    """What the add dialog sends for a picked search result (title, provider and id) adds the
    series under that title with that id."""
    response = await script.post("/api/series", json={"title": "Cowboy Bebop", "year": 1998,
                                                      "provider": "anilist", "id": "1"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["title"], body["year"], body["ids"]) == ("Cowboy Bebop", 1998, {"anilist": "1"})


async def test_missing_episodes_are_not_known_before_loading(script: httpx.AsyncClient,
                                                             web: Web) -> None:
    """Before the episode list has loaded, a series has no episodes, seasons or counts, and
    ``missing_episodes`` is null (not known yet, and the answer says why), not an error."""
    series = await web.core.add_series("Cowboy Bebop")
    response = await script.get(f"/api/series/{series.id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == DETAIL_FIELDS
    assert (body["episodes"], body["missing_episodes"], body["load_runs"]) == ([], None, [])
    assert (body["seasons"], body["unplaced_files"], body["season_note"]) == ([], [], None)
    assert body["next_episode"] is None
    assert (body["episodes_known"], body["episodes_present"], body["folder_missing"]) == (
        None, None, False)
    assert "has not been loaded yet" in body["missing_unknown_reason"]


async def test_get_series_with_episodes_missing_ones_and_history(
        fake_settings: Settings, tmp_path: Path) -> None:
    """After a scan found one file and the loader loaded the episode list, a series comes with
    every episode, the aired ones without a file as missing, its one season, its "1/26"
    episode counts (in the list too) and its load history."""
    folder = tmp_path / "library" / "Cowboy Bebop (1998)"
    folder.mkdir(parents=True)
    (folder / "Cowboy Bebop - 01 [1080p].mkv").write_bytes(b"")
    settings = attrs.evolve(fake_settings, library=[tmp_path / "library"])
    app = create_app(settings, loader=True)
    async with app.router.lifespan_context(app) as state:
        web = Web(app, dict(state))
        await web.core.scan()
        with anyio.fail_after(30):
            await web.core.wait_idle()
        async with keyed_client(web) as client:
            [series] = (await client.get("/api/series")).json()["series"]
            body = (await client.get(f"/api/series/{series['id']}")).json()
    assert body["loading_status"] == "completed", body["loading_error"]
    assert len(body["episodes"]) == 26
    assert [e["number"] for e in body["episodes"] if e["present"]] == [1]
    assert [e["number"] for e in body["missing_episodes"]] == list(range(2, 27))
    assert body["episodes"][1]["title"]
    assert [run["status"] for run in body["load_runs"]] == ["completed"]
    assert (body["episodes_known"], body["episodes_present"]) == (26, 1)
    assert body["missing_unknown_reason"] is None
    assert [(s["number"], s["present"], s["known"]) for s in body["seasons"]] == [(1, 1, 26)]
    assert series["episodes_known"] == 26


async def test_loading_status(script: httpx.AsyncClient, web: Web) -> None:
    """The loading status has the status, progress, start time, message, error and whether
    the user must pick the entry."""
    series = await web.core.add_series("Trigun")
    body = (await script.get(f"/api/series/{series.id}/loading-status")).json()
    assert body == {
        "series_id": series.id, "loading_status": "pending",
        "progress": {"episodes": False, "nfo": False, "logo": False, "images": False},
        "started_at": None, "completed_at": None, "message": "Waiting to load...",
        "error": None, "needs_choice": False,
    }


async def test_delete_then_gone(script: httpx.AsyncClient, web: Web) -> None:
    """A deleted series is 404 afterwards, and deleting it again is 404 too."""
    series = await web.core.add_series("Trigun")
    assert (await script.delete(f"/api/series/{series.id}")).status_code == 204
    assert_error(await script.get(f"/api/series/{series.id}"), 404, "not_found")
    assert_error(await script.delete(f"/api/series/{series.id}"), 404, "not_found")


@pytest.mark.parametrize("series_id", ["nope", "00000000-0000-0000-0000-000000000000", "%00",
                                       "..%2F..%2Fetc", "6FA459EA-EE8A-3CA4-894E-DB77E160355E"])
@pytest.mark.parametrize("suffix", ["", "/loading-status"])
async def test_unknown_ids_are_404(script: httpx.AsyncClient, series_id: str,
                                   suffix: str) -> None:
    """Whatever the shape of an unknown id, the answer is 404 with the error body."""
    assert_error(await script.get(f"/api/series/{series_id}{suffix}"), 404, "not_found")


async def test_unknown_path_and_wrong_method(script: httpx.AsyncClient) -> None:
    """Unknown paths are 404 and unsupported methods 405, both with the error body."""
    assert_error(await script.get("/api/nothing"), 404, "not_found")
    assert_error(await script.put("/api/series", json={}), 405, "method_not_allowed")
