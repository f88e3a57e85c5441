"""The fanart.tv provider against the fake fanart.tv server: artwork by TVDB id, series with
none, keys, 429s and a rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import attrs
import pytest
from aniworld_fanart import Fanart

from aniworld_core import (
    ArtworkKind,
    ProviderError,
    ProviderRef,
    ProviderSettings,
    ProviderUnavailable,
    RateLimit,
    open_provider,
)
from aniworld_testing import DEFAULT_API_KEY, RunningFake

pytestmark = pytest.mark.anyio

BEBOP = ProviderRef("fanart", "76885")
ATTACK_ON_TITAN = ProviderRef("fanart", "267440")
ONE_PIECE = ProviderRef("fanart", "81797")
LAIN = ProviderRef("fanart", "78872")  # fanart.tv has nothing for it


def configured(fake: RunningFake, **changes: Any) -> ProviderSettings:
    """Settings that point fanart.tv at ``fake`` with a key it accepts, plus ``changes``."""
    return attrs.evolve(ProviderSettings(url=fake.api_url, api_key=DEFAULT_API_KEY), **changes)


@pytest.fixture
async def fanart(fake_fanart: RunningFake) -> AsyncIterator[Fanart]:
    async with open_provider(Fanart, configured(fake_fanart)) as provider:
        yield provider


async def test_artwork_by_tvdb_id(fanart: Fanart, fake_images: RunningFake) -> None:
    """HD logos become clearlogos, backgrounds fanart, TV posters posters, each with its
    language and likes; the one season has its poster."""
    artwork = await fanart.fetch_artwork(BEBOP)
    kinds = [art.kind for art in artwork]
    assert (kinds.count(ArtworkKind.CLEARLOGO), kinds.count(ArtworkKind.FANART)) == (2, 3)
    assert (kinds.count(ArtworkKind.POSTER), kinds.count(ArtworkKind.BANNER)) == (1, 0)
    assert [(a.season, a.kind) for a in artwork if a.season is not None] == [
        (1, ArtworkKind.SEASON_POSTER)]
    assert [a.language for a in artwork if a.kind is ArtworkKind.CLEARLOGO] == ["en", "ja"]
    assert all(art.url.startswith(fake_images.url) for art in artwork)
    assert any(art.score > 0 for art in artwork)


async def test_season_posters_of_a_franchise(fanart: Fanart) -> None:
    """Every TVDB season of a franchise (Attack on Titan: four) gets its season poster."""
    artwork = await fanart.fetch_artwork(ATTACK_ON_TITAN)
    assert [a.season for a in artwork if a.kind is ArtworkKind.SEASON_POSTER] == [1, 2, 3, 4]


async def test_an_hd_logo_hides_the_sd_logo_of_its_language(fanart: Fanart,
                                                            fake_fanart: RunningFake) -> None:
    """fanart.tv's older SD clearlogo is left out when an HD logo exists in its language."""
    show = fake_fanart.dataset.show_by_tvdb(81797)
    assert show is not None
    document = fake_fanart.service.artwork(show)
    assert [i["lang"] for i in document["hdtvlogo"]] == [i["lang"] for i in document["clearlogo"]]
    logos = [a for a in await fanart.fetch_artwork(ONE_PIECE) if a.kind is ArtworkKind.CLEARLOGO]
    assert [logo.url for logo in logos] == [item["url"] for item in document["hdtvlogo"]]


async def test_a_series_without_artwork_has_none(fanart: Fanart,
                                                 fake_fanart: RunningFake) -> None:
    """fanart.tv's 404 means it has nothing for the series: no artwork, not an error; an id
    that is not a TVDB number is never asked for."""
    assert await fanart.fetch_artwork(LAIN) == ()
    assert await fanart.fetch_artwork(ProviderRef("fanart", "tt0213338")) == ()
    assert [record.status for record in fake_fanart.stats.records] == [404]


async def test_without_a_key_fanart_is_unavailable(fake_fanart: RunningFake) -> None:
    """Without a key fanart.tv is never started and says how to set one."""
    with pytest.raises(ProviderUnavailable) as caught:
        async with open_provider(Fanart, configured(fake_fanart, api_key=None)):
            pass
    assert caught.value.reason == ("fanart.tv needs an API key: set ANIWORLD_FANART_API_KEY or "
                                   "[providers.fanart] api_key")
    assert fake_fanart.stats.count == 0


async def test_a_wrong_key_is_a_provider_error(fake_fanart: RunningFake) -> None:
    """A key fanart.tv refuses fails the request as unauthorized, without retrying."""
    fake_fanart.options.api_keys = frozenset({"the-right-key"})
    async with open_provider(Fanart, configured(fake_fanart, api_key="a-wrong-key")) as fanart:
        with pytest.raises(ProviderError, match=r"^fanart: artwork of TVDB 76885: HTTP 401 "
                                                r"Unauthorized") as caught:
            await fanart.fetch_artwork(BEBOP)
    assert caught.value.status == 401
    assert fake_fanart.stats.count == 1


async def test_a_429_pauses_until_retry_after(fanart: Fanart,
                                              fake_fanart: RunningFake) -> None:
    """A 429 pauses fanart.tv for its Retry-After, then the request is sent again."""
    fake_fanart.options.force_429(1, retry_after=1)
    assert await fanart.fetch_artwork(BEBOP)
    refused, answered = fake_fanart.stats.records
    assert (refused.status, answered.status) == (429, 200)
    assert answered.time - refused.time >= 1.0


async def test_keeps_to_its_rate_limit(fake_fanart: RunningFake) -> None:
    """Many requests at once never put more than ten into any second at the server (which
    here refuses an eleventh within half a second: the margin is for wake-up jitter on a busy
    machine, where 0.9 s was seen to catch two requests a loaded event loop sent late)."""
    fake_fanart.options.rate_limits = (RateLimit(10, 0.5),)
    async with open_provider(Fanart, configured(fake_fanart)) as fanart, \
            anyio.create_task_group() as group:
        for _ in range(15):
            group.start_soon(fanart.fetch_artwork, BEBOP)
    assert (fake_fanart.stats.count, fake_fanart.stats.count_429) == (15, 0)
    assert fake_fanart.stats.max_requests_in_any_window(0.5) <= 10
