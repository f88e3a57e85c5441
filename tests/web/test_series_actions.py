"""Refresh, cancel and identify over the API: queued states without a loader, and the real
loader against the fake providers for loads that run, stop mid-step and fail to identify."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core import ProviderRef

from .conftest import Web, assert_error

pytestmark = pytest.mark.anyio

ACTIONS = ["refresh", "cancel", "identify"]
BEBOP = {"provider": "anilist", "id": "1"}


async def wait_idle(web: Web) -> None:
    with anyio.fail_after(30):
        await web.core.wait_idle()


async def wait_for_message(web: Web, series_id: str, message: str) -> None:
    """Until the loader reports ``message`` for the series (it is in that step then)."""
    async with web.core.events.subscribe() as events:
        with anyio.fail_after(10):
            async for event in events:
                data = event.to_json()
                if data.get("series_id") == series_id and data.get("message") == message:
                    return


# -- without a loader: what the request does to the stored state ---------------------------------


async def test_refresh_queues_the_series_again(script: httpx.AsyncClient, web: Web) -> None:
    """Refresh answers 202 with the series pending, its progress reset."""
    series = await web.core.add_series("Trigun")
    response = await script.post(f"/api/series/{series.id}/refresh")
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["id"], body["loading_status"]) == (series.id, "pending")
    assert not body["episodes_loaded"]


async def test_cancel_a_queued_series_then_conflict(script: httpx.AsyncClient, web: Web) -> None:
    """A queued series is cancelled at once (202); cancelling it again is 409, saying why."""
    series = await web.core.add_series("Trigun")
    response = await script.post(f"/api/series/{series.id}/cancel")
    assert response.status_code == 202, response.text
    assert response.json()["loading_status"] == "cancelled"
    again = await script.post(f"/api/series/{series.id}/cancel")
    assert_error(again, 409, "conflict")
    assert "is not loading" in again.json()["error"]["message"]


async def test_identify_sets_the_id_and_queues(script: httpx.AsyncClient, web: Web) -> None:
    """Identify stores the provider id and queues the series (202)."""
    series = await web.core.add_series("Bebop")
    response = await script.post(f"/api/series/{series.id}/identify",
                                 json={"provider": "anilist", "id": 1})
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["ids"], body["loading_status"]) == ({"anilist": "1"}, "pending")


async def test_identify_as_another_series_entry_is_409(script: httpx.AsyncClient,
                                                       web: Web) -> None:
    """Two series cannot be the same provider entry: 409 naming the one that is."""
    bebop = await web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    other = await web.core.add_series("Something else")
    response = await script.post(f"/api/series/{other.id}/identify", json=BEBOP)
    assert_error(response, 409, "series_exists")
    assert response.json()["error"]["series_id"] == bebop.id


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid_input"),
        ({"provider": "anilist"}, "invalid_input"),
        ({"id": 1}, "invalid_input"),
        ({"provider": "anilist", "id": "abc"}, "invalid_input"),
        ({"provider": "AniList!", "id": 1}, "invalid_input"),
        ({"provider": None, "id": 1}, "invalid_input"),
        ({"provider": "anilist", "id": {"x": 1}}, "invalid_input"),
        ({"provider": "anilist", "id": 1, "title": "Bebop"}, "invalid_body"),
        ([BEBOP], "invalid_body"),
    ],
)
async def test_identify_with_a_bad_body_is_422(script: httpx.AsyncClient, web: Web,
                                               body: Any, code: str) -> None:
    """A malformed reference is 422 and changes nothing."""
    series = await web.core.add_series("Bebop")
    response = await script.post(f"/api/series/{series.id}/identify", content=json.dumps(body),
                                 headers={"Content-Type": "application/json"})
    assert_error(response, 422, code)
    assert (await web.core.get_series(series.id)).ids.to_dict() == {}


async def test_identify_needs_a_json_body(script: httpx.AsyncClient, web: Web) -> None:
    """A form post is 415, like every JSON endpoint."""
    series = await web.core.add_series("Bebop")
    response = await script.post(f"/api/series/{series.id}/identify", data=BEBOP)
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("series_id", ["nope", "00000000-0000-0000-0000-000000000000"])
async def test_actions_on_unknown_series_are_404(script: httpx.AsyncClient, action: str,
                                                 series_id: str) -> None:
    """Refresh, cancel and identify of a series that does not exist are 404."""
    response = await script.post(f"/api/series/{series_id}/{action}", json=BEBOP)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("action", ACTIONS)
async def test_actions_need_authentication(anonymous: httpx.AsyncClient, web: Web,
                                           action: str) -> None:
    """Without a session or key every action is 401 and nothing changes."""
    series = await web.core.add_series("Trigun")
    response = await anonymous.post(f"/api/series/{series.id}/{action}", json=BEBOP)
    assert_error(response, 401, "unauthorized")
    assert (await web.core.get_series(series.id)).loading_status == "pending"


async def test_browser_actions_need_the_csrf_token(browser_like: httpx.AsyncClient,
                                                   web: Web) -> None:
    """A session without the page's CSRF token cannot cancel; with it, it can."""
    series = await web.core.add_series("Trigun")
    token = browser_like.headers.pop("X-CSRF-Token")
    assert_error(await browser_like.post(f"/api/series/{series.id}/cancel"), 403, "csrf_failed")
    response = await browser_like.post(f"/api/series/{series.id}/cancel",
                                       headers={"X-CSRF-Token": token})
    assert response.status_code == 202


# -- with the loader running against the fake providers ----------------------------------------


async def test_refresh_loads_a_completed_series_again(loading_script: httpx.AsyncClient,
                                                      loading_web: Web) -> None:
    """A completed series refreshed loads again: two completed runs in its history."""
    added = (await loading_script.post("/api/series", json=BEBOP)).json()
    await wait_idle(loading_web)
    response = await loading_script.post(f"/api/series/{added['id']}/refresh")
    assert response.status_code == 202
    assert response.json()["loading_status"] == "pending"
    await wait_idle(loading_web)
    body = (await loading_script.get(f"/api/series/{added['id']}")).json()
    assert body["loading_status"] == "completed"
    assert [run["status"] for run in body["load_runs"]] == ["completed", "completed"]


async def test_cancel_mid_load(fakes: Any, loading_script: httpx.AsyncClient,
                               loading_web: Web) -> None:
    """A series stuck in its episodes step stops when cancelled and ends ``cancelled``;
    cancelling a series that is done is 409."""
    fakes.jikan.options.latency = 30
    added = (await loading_script.post("/api/series", json=BEBOP)).json()
    await wait_for_message(loading_web, added["id"], "Loading episodes...")
    response = await loading_script.post(f"/api/series/{added['id']}/cancel")
    assert response.status_code == 202, response.text
    await wait_idle(loading_web)
    body = (await loading_script.get(f"/api/series/{added['id']}")).json()
    assert body["loading_status"] == "cancelled"
    assert body["load_runs"][0]["status"] == "cancelled"
    assert_error(await loading_script.post(f"/api/series/{added['id']}/cancel"), 409, "conflict")


async def test_identify_while_loading_is_409(fakes: Any, loading_script: httpx.AsyncClient,
                                             loading_web: Web) -> None:
    """A series cannot be identified while it loads (cancel first)."""
    fakes.jikan.options.latency = 30
    added = (await loading_script.post("/api/series", json=BEBOP)).json()
    await wait_for_message(loading_web, added["id"], "Loading episodes...")
    response = await loading_script.post(f"/api/series/{added['id']}/identify",
                                         json={"provider": "anilist", "id": 5})
    assert_error(response, 409, "conflict")
    assert (await loading_script.post(f"/api/series/{added['id']}/cancel")).status_code == 202
    await wait_idle(loading_web)


async def test_failed_identification_then_pick_a_candidate(
        loading_script: httpx.AsyncClient, loading_web: Web) -> None:
    """A title no provider matches fails in the identify step with the candidates named (a
    failed series, not an API error); searching and identifying with a candidate loads it."""
    response = await loading_script.post("/api/series", json={"title": "Bebop Cowboy Space "
                                                                       "Western Thing"})
    assert response.status_code == 202
    series_id = response.json()["id"]
    await wait_idle(loading_web)
    failed = (await loading_script.get(f"/api/series/{series_id}")).json()
    assert failed["loading_status"] == "failed"
    assert failed["loading_error"].startswith("Identify: no confident match")

    results = (await loading_script.get("/api/search", params={"q": "Cowboy Bebop"})).json()
    pick = next(r for r in results["results"] if r["title"] == "Cowboy Bebop")
    response = await loading_script.post(f"/api/series/{series_id}/identify", json=pick["ref"])
    assert response.status_code == 202, response.text
    await wait_idle(loading_web)
    body = (await loading_script.get(f"/api/series/{series_id}")).json()
    assert body["loading_status"] == "completed", body["loading_error"]
    assert body["ids"]["anilist"] == "1"
    assert len(body["episodes"]) == 26
    assert [run["status"] for run in body["load_runs"]] == ["completed", "failed"]
