"""The TMDB provider against the fake TMDB server: search, shows with external ids and images,
season episodes, unknown shows, keys, 429s and the rate limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import anyio
import attrs
import httpx
import pytest
from aniworld_tmdb import TMDB

from aniworld_core import (
    ArtworkKind,
    ProviderError,
    ProviderIds,
    ProviderRef,
    ProviderSettings,
    ProviderUnavailable,
    open_provider,
)
from aniworld_testing import DEFAULT_API_KEY, RunningFake

pytestmark = pytest.mark.anyio

BEBOP = ProviderRef("tmdb", "30991")
ATTACK_ON_TITAN = ProviderRef("tmdb", "1429")
UNKNOWN = ProviderRef("tmdb", "987654321")


def configured(fake: RunningFake, **changes: Any) -> ProviderSettings:
    """Settings that point TMDB at ``fake`` with a key it accepts, plus ``changes``."""
    return attrs.evolve(ProviderSettings(url=fake.api_url, api_key=DEFAULT_API_KEY), **changes)


@pytest.fixture
async def tmdb(fake_tmdb: RunningFake) -> AsyncIterator[TMDB]:
    async with open_provider(TMDB, configured(fake_tmdb)) as provider:
        yield provider


def paths(fake: RunningFake) -> list[str]:
    return [record.path for record in fake.stats.records]


async def test_search(tmdb: TMDB, fake_tmdb: RunningFake, fake_images: RunningFake) -> None:
    """Search results carry the TMDB id, the original title and a poster under the image base
    that ``/configuration`` names, which is asked for only once."""
    results = await tmdb.search("Cowboy Bebop")
    again = await tmdb.search("Attack on Titan")
    best = results[0]
    assert (best.ref, best.title, best.year) == (BEBOP, "Cowboy Bebop", 1998)
    assert best.alt_titles == ("カウボーイビバップ",)
    assert best.ids == ProviderIds(tmdb="30991")
    assert best.poster_url is not None
    assert best.poster_url.startswith(f"{fake_images.url}/t/p/original/")
    assert again[0].ref == ATTACK_ON_TITAN
    assert sorted(paths(fake_tmdb)) == ["/3/configuration", "/3/search/tv", "/3/search/tv"]


async def test_series_metadata_carries_tvdb_and_imdb_ids(tmdb: TMDB,
                                                         fake_tmdb: RunningFake) -> None:
    """One request per show yields its metadata with TMDB, TVDB and IMDb ids and its artwork;
    an unknown show is left out."""
    found = await tmdb.fetch_series([BEBOP, UNKNOWN])
    assert list(found) == ["30991"]
    info = found["30991"]
    assert (info.title, info.original_title) == ("Cowboy Bebop", "カウボーイビバップ")
    assert (info.premiered, info.year, info.status) == (dt.date(1998, 4, 3), 1998, "Ended")
    assert info.ids == ProviderIds(tmdb="30991", tvdb="76885", imdb="tt0213338")
    assert (info.studios, info.genres[0], info.episode_count) == (("Sunrise",), "Animation", 26)
    assert info.plot
    assert info.rating is not None
    assert {art.kind for art in info.artwork} == {ArtworkKind.POSTER, ArtworkKind.FANART,
                                                  ArtworkKind.SEASON_POSTER}
    details = [r for r in fake_tmdb.stats.records if r.path == "/3/tv/30991"]
    assert "append_to_response=external_ids%2Cimages" in details[0].query


async def test_episodes_of_every_season(tmdb: TMDB, fake_tmdb: RunningFake) -> None:
    """Episodes come from every season TMDB lists (Attack on Titan: four), one request each."""
    episodes = await tmdb.fetch_episodes(ATTACK_ON_TITAN)
    show = fake_tmdb.dataset.show_by_tmdb(1429)
    assert show is not None
    expected = [(e.season, e.number, e.episode.title) for e in show.episodes()]
    assert [(e.season, e.number, e.title) for e in episodes] == expected
    assert all(e.air_date is not None and e.runtime for e in episodes)
    assert paths(fake_tmdb) == ["/3/tv/1429", *(f"/3/tv/1429/season/{n}" for n in (1, 2, 3, 4))]


async def test_artwork_with_languages_and_season_posters(tmdb: TMDB) -> None:
    """Posters, backdrops (fanart) and logos (clearlogo) keep their language and vote average;
    every season has its poster."""
    artwork = await tmdb.fetch_artwork(ATTACK_ON_TITAN)
    kinds = [art.kind for art in artwork]
    assert kinds.count(ArtworkKind.FANART) == 3
    assert sorted(a.language or "" for a in artwork if a.kind is ArtworkKind.CLEARLOGO) == [
        "en", "ja"]
    assert [a.season for a in artwork if a.kind is ArtworkKind.SEASON_POSTER] == [1, 2, 3, 4]
    assert all(art.score > 0 for art in artwork if art.kind is not ArtworkKind.SEASON_POSTER)
    assert all(art.url.endswith((".jpg", ".png")) for art in artwork)


async def test_an_unknown_show_has_nothing(tmdb: TMDB, fake_tmdb: RunningFake) -> None:
    """TMDB's 404 is an answer (nothing there), not an error; an id that is not a number is
    never asked for."""
    assert await tmdb.fetch_episodes(UNKNOWN) == ()
    assert await tmdb.fetch_artwork(UNKNOWN) == ()
    assert await tmdb.fetch_series([ProviderRef("tmdb", "tt0213338")]) == {}
    assert [record.status for record in fake_tmdb.stats.records] == [404, 404]


async def test_without_a_key_tmdb_is_unavailable(fake_tmdb: RunningFake) -> None:
    """Without a key TMDB is never started and says how to set one."""
    with pytest.raises(ProviderUnavailable) as caught:
        async with open_provider(TMDB, configured(fake_tmdb, api_key=None)):
            pass
    assert caught.value.reason == ("TMDB needs an API key: set ANIWORLD_TMDB_API_KEY or "
                                   "[providers.tmdb] api_key")
    assert fake_tmdb.stats.count == 0


async def test_a_wrong_key_is_a_provider_error(fake_tmdb: RunningFake) -> None:
    """A key TMDB refuses fails the request with TMDB's own message, without retrying."""
    fake_tmdb.options.api_keys = frozenset({"the-right-key"})
    async with open_provider(TMDB, configured(fake_tmdb, api_key="a-wrong-key")) as tmdb:
        with pytest.raises(ProviderError, match="Invalid API key") as caught:
            await tmdb.fetch_series([BEBOP])
    assert caught.value.status == 401
    assert fake_tmdb.stats.count == 1


async def test_a_429_pauses_until_retry_after(tmdb: TMDB, fake_tmdb: RunningFake) -> None:
    """A 429 (``status_code`` 25) pauses TMDB for its Retry-After, then the request is sent
    again and answers."""
    fake_tmdb.options.force_429(1, retry_after=1)
    found = await tmdb.fetch_series([BEBOP])
    assert list(found) == ["30991"]
    refused, answered = (r for r in fake_tmdb.stats.records if r.path == "/3/tv/30991")
    assert (refused.status, answered.status) == (429, 200)
    assert answered.time - refused.time >= 1.0


async def test_keeps_to_tmdbs_rate_limit(fake_tmdb: RunningFake) -> None:
    """Many requests at once never put more into one of TMDB's windows than it allows (the
    fake runs twice as fast here, the provider 1.8 times). The fake is called in this
    process, as each request is sent: served from its own thread, it stamped a request when
    that thread got to it, and on a busy machine that delay bunched requests sent apart."""
    fake_tmdb.options.scale_rate_limits(2)  # 50 per half second
    in_process = httpx.ASGITransport(app=fake_tmdb.app)
    async with open_provider(TMDB, configured(fake_tmdb, rate_scale=1.8),
                             transport=in_process) as tmdb, \
            anyio.create_task_group() as group:
        for _ in range(60):
            group.start_soon(tmdb.fetch_artwork, BEBOP)
    assert (fake_tmdb.stats.count, fake_tmdb.stats.count_429) == (61, 0)
    assert fake_tmdb.stats.max_requests_in_any_window(0.5) <= 50
