"""``GET /api/search``: candidates from the fake providers, marked when already in the library;
bad queries are 422, a provider that cannot answer 502/503, never a 500."""

from __future__ import annotations

from typing import Any

import anyio
import attrs
import httpx
import pytest

from aniworld_core import Capability, ProviderRef, Settings
from aniworld_web import create_app

from .conftest import Web, assert_error, keyed_client

pytestmark = pytest.mark.anyio


async def test_candidates_with_what_the_dialog_shows(script: httpx.AsyncClient) -> None:
    """Each candidate has its provider ref, title, year, format, episode count and poster, and
    none is in the (empty) library."""
    response = await script.get("/api/search", params={"q": "Cowboy"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["ref"], r["title"], r["year"], r["format"], r["episodes"]) for r in results] == [
        ({"provider": "anilist", "id": "1"}, "Cowboy Bebop", 1998, "TV", 26),
        ({"provider": "anilist", "id": "5"}, "Cowboy Bebop: The Movie", 2001, "MOVIE", 1),
    ]
    assert all(r["poster_url"].startswith("http://127.0.0.1:") for r in results)
    assert results[0]["ids"] == {"anilist": "1", "mal": "1"}
    assert [r["series_id"] for r in results] == [None, None]


async def test_candidates_already_in_the_library_name_their_series(
        script: httpx.AsyncClient, web: Web) -> None:
    """A candidate whose provider id a library series has carries that series' id."""
    bebop = await web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    results = (await script.get("/api/search", params={"q": "Cowboy"})).json()["results"]
    assert [r["series_id"] for r in results] == [bebop.id, None]


async def test_a_provider_is_matched_by_its_own_id_type(loading_script: httpx.AsyncClient,
                                                        loading_web: Web) -> None:
    """Jikan's candidates are MyAnimeList ids: once loading has learnt a series' MAL id, a
    Jikan search marks it too."""
    bebop = await loading_web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    response = await loading_script.get("/api/search", params={"q": "Cowboy Bebop",
                                                               "provider": "jikan"})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results[0]["ref"] == {"provider": "jikan", "id": "1"}
    assert results[0]["series_id"] == bebop.id


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "query"),
        ({"q": "   "}, "query"),
        ({"q": "a\x00b"}, "query"),
        ({"q": "x" * 256}, "query"),
        ({"q": "Akira", "year": "1988a"}, "year"),
        ({"q": "Akira", "year": "-1988"}, "year"),
        ({"q": "Akira", "year": "1800"}, "year"),
        ({"q": "Akira", "year": "١٩٨٨"}, "year"),
        ({"q": "Akira", "provider": "nope"}, "provider"),
        ({"q": "Akira", "provider": "AniList!"}, "provider"),
    ],
)
async def test_bad_queries_are_422(script: httpx.AsyncClient, params: dict[str, str],
                                   field: str) -> None:
    """A missing or bad query, year or provider is 422 naming the parameter."""
    response = await script.get("/api/search", params=params)
    assert_error(response, 422, "invalid_input")
    assert response.json()["error"]["field"] == field


async def test_a_failing_provider_is_502(fakes: Any, script: httpx.AsyncClient) -> None:
    """A provider answering garbage is a 502 with the provider's error, not a 500."""
    fakes.anilist.options.malformed_rate = 1.0
    response = await script.get("/api/search", params={"q": "Cowboy"})
    assert_error(response, 502, "provider_error")


async def test_a_provider_switched_off_is_503(fake_settings: Settings) -> None:
    """Searching a provider that is switched off is 503 saying so."""
    providers = {**fake_settings.providers,
                 "anilist": attrs.evolve(fake_settings.providers["anilist"], enabled=False)}
    app = create_app(attrs.evolve(fake_settings, providers=providers), loader=False)
    async with app.router.lifespan_context(app) as state, \
            keyed_client(Web(app, dict(state))) as client:
        response = await client.get("/api/search", params={"q": "Cowboy",
                                                           "provider": "anilist"})
    assert_error(response, 503, "provider_unavailable")
    assert "switched off" in response.json()["error"]["message"]


async def test_a_provider_that_cannot_search_is_422_and_not_offered_by_the_document(
        fake_settings: Settings) -> None:
    """fanart.tv has artwork, not a search: asking it to search is the caller's mistake (422
    naming the field), not a server that is unavailable (it was a 503, which schemathesis
    counts a server error), and the document's provider list leaves it out."""
    app = create_app(attrs.evolve(fake_settings, load_entry_points=True), loader=False)
    async with app.router.lifespan_context(app) as state, \
            keyed_client(Web(app, dict(state))) as client:
        unable = [status.name for status in Web(app, dict(state)).core.providers()
                  if Capability.SEARCH not in status.capabilities]
        assert unable, "the installed plugins include a provider that cannot search"
        spec = (await client.get("/openapi.json")).json()
        response = await client.get("/api/search", params={"q": "Cowboy",
                                                           "provider": unable[0]})
    [schema] = [parameter["schema"] for parameter in spec["paths"]["/api/search"]["get"]
                ["parameters"] if parameter["name"] == "provider"]
    assert set(unable).isdisjoint(schema["enum"])
    assert "anilist" in schema["enum"]
    assert_error(response, 422, "invalid_input")
    assert "cannot search" in response.json()["error"]["message"]


async def test_search_needs_authentication(anonymous: httpx.AsyncClient) -> None:
    """Anonymous callers cannot use the providers through aniworld."""
    assert_error(await anonymous.get("/api/search", params={"q": "Cowboy"}), 401, "unauthorized")
