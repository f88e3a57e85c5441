"""``/api/wanted``, ``/api/downloads``, offers, sources and imports through the real app: a
library missing two episodes, the ``http`` source pointed at a fake file server."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from .asgi_driver import scope_for, websocket
from .conftest import assert_error
from .download_shows import (  # the fixtures are used by name
    MISSING,
    SIZE,
    TITLE,
    Shop,
    file_server_fixture,  # noqa: F401
    shop_fixture,  # noqa: F401
)
from .schema_check import answer_schema, problems

pytestmark = pytest.mark.anyio
HTML = {"Accept": "text/html"}


def settled(path: Path) -> Path:
    """A finished video naming no show: written an hour ago (the importer leaves files that
    are still changing alone)."""
    path.write_bytes(b"\x1aE\xdf\xa3" + bytes(4096))
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    return path


async def check(client: httpx.AsyncClient, response: httpx.Response, path: str, method: str,
                status: int) -> dict[str, Any]:
    """The answer has ``status`` and exactly the documented shape."""
    assert response.status_code == status, response.text
    spec = (await client.get("/openapi.json")).json()
    body: dict[str, Any] = response.json()
    assert problems(body, answer_schema(spec, path, method, status), spec) == []
    return body


async def test_wanted_lists_the_missing_episodes_by_show(shop: Shop) -> None:
    """The show's two missing episodes, in order, with no download yet; one show asked by
    id gives the same, an unknown one 404."""
    response = await shop.client.get("/api/wanted")
    body = await check(shop.client, response, "/api/wanted", "get", 200)
    [show] = body["series"]
    assert (show["series_id"], show["title"]) == (shop.series_id, TITLE)
    assert [(e["season"], e["number"]) for e in show["episodes"]] == MISSING
    assert all(e["download_id"] is None for e in show["episodes"])
    one = await shop.client.get("/api/wanted", params={"series_id": shop.series_id})
    assert one.json() == body
    assert_error(await shop.client.get("/api/wanted", params={"series_id": "nobody"}),
                 404, "not_found")


async def test_a_download_is_queued_runs_and_lands_in_the_library(shop: Shop) -> None:
    """POST answers 202 with the queued download and where to follow it; it completes with
    every byte, the file is in the series folder, and the episode is no longer wanted."""
    response = await shop.client.post("/api/downloads", json={
        "series_id": shop.series_id, "season": 1, "episode": 3})
    queued = await check(shop.client, response, "/api/downloads", "post", 202)
    assert response.headers["Location"] == f"/api/downloads/{queued['id']}"
    assert (queued["season"], queued["episodes"], queued["source"]) == (1, [3], "http")
    done = await shop.wait_for(queued["id"], "completed", "failed")
    assert done["state"] == "completed", done["error"]
    assert done["bytes_done"] == SIZE
    assert (shop.library / TITLE / done["path"]).stat().st_size == SIZE
    answer = await shop.client.get(f"/api/downloads/{queued['id']}")
    await check(shop.client, answer, "/api/downloads/{download_id}", "get", 200)
    wanted = (await shop.client.get("/api/wanted")).json()["series"]
    assert [(e["season"], e["number"]) for s in wanted for e in s["episodes"]] == [(1, 4)]
    listed = await shop.client.get("/api/downloads", params={"state": "completed"})
    body = await check(shop.client, listed, "/api/downloads", "get", 200)
    assert [item["id"] for item in body["downloads"]] == [queued["id"]]
    none = await shop.client.get("/api/downloads", params={"state": "failed,cancelled"})
    assert none.json() == {"downloads": []}


async def test_all_missing_queues_every_offered_episode(shop: Shop) -> None:
    """``all_missing`` queues both missing episodes of season 1 and answers them."""
    response = await shop.client.post("/api/downloads", json={
        "series_id": shop.series_id, "season": 1, "all_missing": True})
    body = await check(shop.client, response, "/api/downloads", "post", 202)
    assert sorted(item["episodes"][0] for item in body["downloads"]) == [3, 4]
    for item in body["downloads"]:
        assert (await shop.wait_for(item["id"], "completed", "failed"))["state"] == "completed"


async def test_pause_resume_and_cancel(shop: Shop) -> None:
    """A slow download pauses keeping its bytes, resumes (202), and cancels for good; a
    cancelled one cannot be paused (409)."""
    shop.files[1, 3].rate = 256 << 10
    queued = (await shop.client.post("/api/downloads", json={
        "series_id": shop.series_id, "season": 1, "episode": 3})).json()
    path = f"/api/downloads/{queued['id']}"
    await shop.wait_for(queued["id"], "downloading")
    paused = await shop.client.post(f"{path}/pause")
    await check(shop.client, paused, "/api/downloads/{download_id}/pause", "post", 200)
    assert (await shop.wait_for(queued["id"], "paused"))["state"] == "paused"
    resumed = await shop.client.post(f"{path}/resume")
    await check(shop.client, resumed, "/api/downloads/{download_id}/resume", "post", 202)
    await shop.wait_for(queued["id"], "queued", "downloading")
    cancelled = await shop.client.post(f"{path}/cancel")
    await check(shop.client, cancelled, "/api/downloads/{download_id}/cancel", "post", 200)
    assert (await shop.wait_for(queued["id"], "cancelled"))["state"] == "cancelled"
    assert_error(await shop.client.post(f"{path}/pause"), 409, "conflict")


async def test_progress_reaches_a_websocket_client(shop: Shop) -> None:
    """A page's live connection gets ``download_update`` events carrying bytes, up to the
    completed one with every byte."""
    shop.files[1, 4].rate = 2 << 20
    cookie = shop.client.cookies["aniworld_session"]
    scope = scope_for("websocket", "/ws", shop.web.state, cookie=cookie)
    async with websocket(shop.web.asgi, scope) as ws:
        queued = (await shop.client.post("/api/downloads", json={
            "series_id": shop.series_id, "season": 1, "episode": 4})).json()
        seen: list[dict[str, Any]] = []
        with anyio.fail_after(30):
            while not seen or seen[-1]["state"] != "completed":
                event = await ws.receive_json()
                if event["type"] == "download_update" and event["id"] == queued["id"]:
                    assert event["state"] != "failed", event["error"]
                    seen.append(event)
    assert any(0 < event["bytes_done"] < SIZE for event in seen)
    assert seen[-1]["bytes_done"] == SIZE
    assert {"speed", "eta", "bytes_total", "series_title"} <= set(seen[0])


async def test_bad_requests_name_what_is_wrong(shop: Shop) -> None:
    """Numbers that are none, missing fields, unknown ids and sources: 422 naming the field,
    404 for what does not exist, and nothing is queued."""
    client, series_id = shop.client, shop.series_id
    for body, field in [({"series_id": series_id, "season": "1", "episode": 3}, "season"),
                        ({"series_id": series_id, "season": 1, "episode": True}, "episode"),
                        ({"series_id": series_id, "season": 1}, "episode"),
                        ({"series_id": series_id, "episode": 3, "all_missing": True},
                         "episode"),
                        ({"season": 1, "episode": 3}, "series_id")]:
        response = await client.post("/api/downloads", json=body)
        assert_error(response, 422, "invalid_input")
        assert response.json()["error"]["field"] == field
    assert_error(await client.post("/api/downloads", json={"series": 1}), 422, "invalid_body")
    assert_error(await client.post("/api/downloads", content=b"x"), 415,
                 "unsupported_media_type")
    assert_error(await client.post("/api/downloads", json={
        "series_id": "nobody", "season": 1, "episode": 3}), 404, "not_found")
    assert_error(await client.get("/api/downloads/999999"), 404, "not_found")
    assert_error(await client.post("/api/downloads/999999/cancel"), 404, "not_found")
    assert_error(await client.get("/api/downloads/abc"), 422, "invalid_input")
    assert_error(await client.get("/api/downloads", params={"limit": "0"}), 422,
                 "invalid_input")
    assert_error(await client.get(f"/api/series/{series_id}/offers", params={"season": 1}),
                 422, "invalid_input")
    assert_error(await client.get(f"/api/series/{series_id}/sources/nope"), 404, "not_found")
    assert (await client.get("/api/downloads")).json() == {"downloads": []}


async def test_writes_need_the_csrf_token_and_reads_a_login(shop: Shop) -> None:
    """A session without the CSRF header cannot queue; an anonymous caller reads nothing."""
    token = shop.client.headers.pop("X-CSRF-Token")
    try:
        assert_error(await shop.client.post("/api/downloads", json={
            "series_id": shop.series_id, "season": 1, "episode": 3}), 403, "csrf_failed")
    finally:
        shop.client.headers["X-CSRF-Token"] = token
    async with shop.web.client() as anonymous:
        for path in ("/api/wanted", "/api/downloads", "/api/sources", "/api/imports"):
            assert_error(await anonymous.get(path), 401, "unauthorized")


async def test_find_offers_and_sources(shop: Shop) -> None:
    """Find gives the http source's offer (its URL from the template); the sources are
    listed; a show's source setting reads, changes and goes."""
    client, series_id = shop.client, shop.series_id
    response = await client.get(f"/api/series/{series_id}/offers",
                                params={"season": 1, "episode": 3})
    body = await check(client, response, "/api/series/{series_id}/offers", "get", 200)
    [offer] = body["offers"]
    assert offer["source"] == "http"
    assert offer["url"] == shop.files[1, 3].url
    sources = await check(client, await client.get("/api/sources"), "/api/sources", "get", 200)
    assert "http" in [source["name"] for source in sources["sources"]]
    path = f"/api/series/{series_id}/sources/http"
    read = await check(client, await client.get(path), "/api/series/{series_id}/sources/{source}",
                       "get", 200)
    assert read["config"] == {"url": f"{shop.server.url}/files/mob-{{season}}-{{episode}}.mkv"}
    new = {"url": "https://nas.example/mob/{season}x{episode}.mkv"}
    changed = await client.put(path, json={"config": new})
    assert (await check(client, changed, "/api/series/{series_id}/sources/{source}", "put",
                        200))["config"] == new
    assert_error(await client.put(path, json={"config": "x"}), 422, "invalid_input")
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).json() == {"source": "http", "config": None}


async def test_imports_list_scan_and_manual_import(shop: Shop) -> None:
    """A file named for no show waits after a scan; a manual import puts it into the library
    as the episode a person names, and it waits no more."""
    stray = settled(shop.incoming / "holiday video.mkv")
    scanned = await shop.client.post("/api/imports/scan")
    report = await check(shop.client, scanned, "/api/imports/scan", "post", 200)
    assert [item["path"] for item in report["pending"]] == [str(stray)]
    pending = await check(shop.client, await shop.client.get("/api/imports"), "/api/imports",
                          "get", 200)
    assert [item["path"] for item in pending["pending"]] == [str(stray)]
    imported = await shop.client.post("/api/imports", json={
        "path": str(stray), "series_id": shop.series_id, "season": 1, "episodes": [4]})
    body = await check(shop.client, imported, "/api/imports", "post", 200)
    assert (shop.library / TITLE / body["target"]).is_file()
    assert (await shop.client.get("/api/imports")).json() == {"pending": []}
    assert_error(await shop.client.post("/api/imports", json={
        "path": "x\x00y", "series_id": shop.series_id, "season": 1, "episodes": [4]}),
        422, "invalid_input")
    assert_error(await shop.client.post("/api/imports", json={
        "path": str(stray), "series_id": shop.series_id, "season": 1, "episodes": []}),
        422, "invalid_input")



async def test_an_import_scan_stays_inside_the_downloads_folder(shop: Shop,
                                                                tmp_path: Path) -> None:
    """The API imports from the downloads folder (or a folder in it) only: a folder elsewhere
    on the machine is refused, and nothing in it is moved."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    video = settled(elsewhere / "Mob Psycho 100 - S01E03.mkv")
    for path in (str(elsewhere), str(shop.incoming / ".."), str(shop.library / TITLE)):
        refused = await shop.client.post("/api/imports/scan", json={"path": path})
        assert_error(refused, 422, "path_not_allowed")
    assert video.is_file()
    inner = shop.incoming / "complete"
    inner.mkdir()
    scanned = await shop.client.post("/api/imports/scan", json={"path": str(inner)})
    assert scanned.status_code == 200


async def test_pages_show_wanted_downloads_and_the_series_buttons(shop: Shop) -> None:
    """The Wanted page lists the episodes with Find and Download, the Downloads page a
    finished download and the pending files, the series page a Download button per missing
    episode; the navigation links both pages."""
    queued = (await shop.client.post("/api/downloads", json={
        "series_id": shop.series_id, "season": 1, "episode": 3})).json()
    await shop.wait_for(queued["id"], "completed", "failed")
    wanted = (await shop.client.get("/wanted", headers=HTML)).text
    assert 'href="/downloads">Downloads</a>' in wanted
    assert f"Download {TITLE} S01E04" in wanted
    assert f"Find {TITLE} S01E04" in wanted
    assert "S01E03" not in wanted
    settled(shop.incoming / "unknown thing.mkv")
    await shop.client.post("/api/imports/scan")
    downloads = (await shop.client.get("/downloads", headers=HTML)).text
    assert f'data-download-id="{queued["id"]}" data-state="completed"' in downloads
    assert "unknown thing.mkv" in downloads
    assert 'class="manual-import"' in downloads
    series = (await shop.client.get(f"/series/{shop.series_id}", headers=HTML)).text
    assert 'data-action="download-episode" data-season="1" data-episode="4"' in series
