"""Conditional requests: an answer with an entity tag is asked about again with
``If-None-Match``; ``304 Not Modified`` costs no body and gives the kept answer; a changed
answer replaces it; errors are never kept."""

from __future__ import annotations

from typing import Any

import attrs
import httpx
import pytest

from aniworld_core import ProviderRef, ProviderSettings, open_provider
from aniworld_core.providers.conditional import ConditionalCache, request_key
from aniworld_core.providers.jikan import Jikan
from aniworld_testing import Dataset

pytestmark = pytest.mark.anyio
BEBOP = ProviderRef("jikan", "1")


def settings_for(fake: Any) -> ProviderSettings:
    return ProviderSettings(url=fake.api_url, rate_scale=60.0)


async def test_an_unchanged_episode_list_comes_back_as_304_without_a_body(
        fake_jikan: Any) -> None:
    answered_304 = fake_jikan.service.etags.not_modified
    async with open_provider(Jikan, settings_for(fake_jikan)) as jikan:
        first = await jikan.fetch_episodes(BEBOP)
        second = await jikan.fetch_episodes(BEBOP)
        metrics = jikan.context.http.metrics  # type: ignore[attr-defined]
    assert second == first
    assert len(first) == 26
    assert metrics.not_modified == 1
    assert fake_jikan.stats.count == 2  # still a request each time
    assert fake_jikan.service.etags.not_modified == answered_304 + 1


async def test_a_changed_list_is_read_again(fake_jikan: Any) -> None:
    dataset = fake_jikan.service.dataset
    try:
        async with open_provider(Jikan, settings_for(fake_jikan)) as jikan:
            before = await jikan.fetch_episodes(BEBOP)
            bebop = dataset.by_anilist(1)
            fake_jikan.service.dataset = Dataset(
                [r for r in dataset if r.anilist_id != 1]
                + [attrs.evolve(bebop, episode_titles=("Asteroid Blues (remastered)",))])
            after = await jikan.fetch_episodes(BEBOP)
            metrics = jikan.context.http.metrics  # type: ignore[attr-defined]
    finally:
        fake_jikan.service.dataset = dataset
    assert before[0].title == "Asteroid Blues"
    assert after[0].title == "Asteroid Blues (remastered)"
    assert metrics.not_modified == 0


def answer(status: int, content: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=content, headers=headers)


def test_the_cache_keeps_tagged_successes_within_its_budget() -> None:
    cache = ConditionalCache(budget=10, largest=6)
    cache.keep("a", answer(200, b"12345", ETag='"a"'))
    cache.keep("b", answer(200, b"678", **{"Last-Modified": "Sat, 05 Dec 2026 10:00:00 GMT"}))
    assert cache.get("a") is not None
    cache.keep("c", answer(200, b"abcd", ETag='"c"'))  # over budget: "b" was used longest ago
    assert (cache.get("b"), len(cache), cache.size) == (None, 2, 9)
    cache.keep("d", answer(200, b"too large", ETag='"d"'))
    cache.keep("e", answer(200, b"x"))  # nothing to ask with
    cache.keep("a", answer(404, b"{}", ETag='"gone"'))  # an error is never data
    assert (cache.get("d"), cache.get("e"), cache.get("a")) == (None, None, None)
    kept = cache.get("c")
    assert kept is not None
    assert kept.validators() == {"If-None-Match": '"c"'}


def test_requests_are_told_apart_by_path_and_parameters() -> None:
    assert request_key("/anime/1/episodes", {"page": 2}) == request_key(
        "/anime/1/episodes", {"page": "2"})
    assert request_key("/anime/1/episodes", {"page": 1}) != request_key(
        "/anime/1/episodes", {"page": 2})
    assert request_key("/anime/1", None) == "/anime/1"
