"""SeriesApp's provider side: search, the provider list, rate-limit waits as events, and refs
whose id type comes from the provider."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import attrs
import httpx
import pytest

from aniworld_core import (
    InvalidInput,
    ProviderError,
    ProviderRef,
    ProviderSettings,
    ProviderUnavailable,
    ProviderWaiting,
    SeriesApp,
    Settings,
    __version__,
)

from .provider_fakes import AniListApi, JikanApi, anilist_media, jikan_anime, json_response

pytestmark = pytest.mark.anyio


@pytest.fixture
async def app(settings: Settings, anilist_api: AniListApi,
              jikan_api: JikanApi) -> AsyncIterator[SeriesApp]:
    """An app whose AniList and Jikan requests reach the stand-ins."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "graphql.anilist.co":
            return anilist_api.handle(request)
        return jikan_api.handle(request)

    anilist_api.add(anilist_media(1))
    jikan_api.anime[1] = jikan_anime(1, title_english=None)
    async with SeriesApp.open(settings, transport=httpx.MockTransport(route)) as opened:
        yield opened


async def test_search_asks_the_first_provider_that_can(app: SeriesApp) -> None:
    """Without a provider, search asks the first available searching provider in
    ``providers.order`` (AniList by default)."""
    results = await app.search("  Cowboy Bebop ")
    assert [(r.ref, r.title) for r in results] == [(ProviderRef("anilist", "1"), "Cowboy Bebop")]


async def test_search_can_name_the_provider(app: SeriesApp) -> None:
    """``provider="jikan"`` asks Jikan."""
    results = await app.search("Cowboy", provider="jikan", year=1998)
    assert [(r.ref, r.title) for r in results] == [(ProviderRef("jikan", "1"), "Cowboy Bebop")]


@pytest.mark.parametrize(
    ("query", "provider", "error", "message"),
    [
        ("", None, InvalidInput, "The query is empty."),
        ("a\nb", None, InvalidInput, "The query contains a control character"),
        ("Bebop", "Not A Name", InvalidInput, "'Not A Name' is not a provider name."),
        ("Bebop", "tvdb", ProviderUnavailable, "tvdb is unavailable: no such provider"),
    ],
)
async def test_search_rejects_bad_input(app: SeriesApp, query: str, provider: str | None,
                                        error: type[Exception], message: str) -> None:
    """A bad query or provider is refused with a clear message before any request."""
    with pytest.raises(error, match=f"^{message}"):
        await app.search(query, provider=provider)


async def test_search_failures_surface_as_provider_errors(app: SeriesApp,
                                                          anilist_api: AniListApi) -> None:
    """A failing provider raises ProviderError; nothing is cached from the error."""
    anilist_api.scripted.append(json_response(404, {"errors": [{"message": "Not Found."}]}))
    with pytest.raises(ProviderError, match=r"^anilist: search 'Bebop': HTTP 404 Not Found"):
        await app.search("Bebop")
    assert [r.title for r in await app.search("Bebop")] == ["Cowboy Bebop"]


async def test_search_without_any_searching_provider(settings: Settings) -> None:
    """When every searching provider is switched off, search says so instead of crashing."""
    off = attrs.evolve(settings, providers={"anilist": ProviderSettings(enabled=False),
                                            "jikan": ProviderSettings(enabled=False)})
    async with SeriesApp.open(off) as app:
        with pytest.raises(ProviderUnavailable, match="no available provider can search"):
            await app.search("Bebop")
        assert [(s.name, s.available) for s in app.providers()] == [("anilist", False),
                                                                     ("jikan", False)]


async def test_providers_lists_every_provider(app: SeriesApp) -> None:
    """providers() lists each provider with package, version and availability, in order."""
    statuses = app.providers()
    assert [(s.name, s.package, s.version, s.available) for s in statuses] == [
        ("anilist", "aniworld", __version__, True),
        ("jikan", "aniworld", __version__, True),
    ]


async def test_a_jikan_ref_is_a_mal_id(app: SeriesApp) -> None:
    """Adding by ``ProviderRef("jikan", "1")`` stores MAL id 1, since Jikan's refs are MAL ids."""
    series = await app.add_series(provider_ref=ProviderRef("jikan", "1"))
    assert series.ids.mal == "1"
    assert series.ids.extra == {}


async def test_rate_limit_waits_become_events(app: SeriesApp, anilist_api: AniListApi) -> None:
    """A 429 from AniList is published as a ProviderWaiting event for frontends."""
    anilist_api.scripted.append(json_response(
        429, {"data": None, "errors": [{"message": "Too Many Requests.", "status": 429}]},
        {"Retry-After": "0.05"},
    ))
    async with app.events.subscribe(snapshot=False) as events:
        with anyio.fail_after(5):
            await app.search("Bebop")
            # The loader may go idle meanwhile (LoaderIdle): the wait is the next of its kind.
            event = await events.__anext__()
            while not isinstance(event, ProviderWaiting):
                event = await events.__anext__()
    assert isinstance(event, ProviderWaiting)
    assert (event.provider, event.reason) == ("anilist", "AniList asked to wait (HTTP 429)")
    assert event.seconds == pytest.approx(0.05)
