"""``GET /api/metrics``: the loader's and providers' figures in Prometheus' text format, read
fresh from each app on each scrape."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from aniworld_core import ProviderRef

from .conftest import Web, assert_error

pytestmark = pytest.mark.anyio


async def scrape(client: httpx.AsyncClient) -> dict[str, list[Sample]]:
    response = await client.get("/api/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    return {family.name: family.samples for family in text_string_to_metric_families(
        response.text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    [found] = [s.value for s in samples if s.name == name and s.labels == labels]
    return found


async def test_metrics_after_a_load(loading_script: httpx.AsyncClient,
                                    loading_web: Web) -> None:
    """After one series loads: one completed, nothing queued or in flight, one observation per
    step, and AniList's requests counted with their latency."""
    await loading_web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    families = await scrape(loading_script)

    queue = families["aniworld_loader_queue_depth"]
    assert {s.labels["priority"]: s.value for s in queue} == {"user": 0, "resume": 0,
                                                               "scheduled": 0}
    assert value(families["aniworld_loader_series_in_flight"],
                 "aniworld_loader_series_in_flight") == 0
    finished = families["aniworld_loader_series_finished"]
    assert {s.labels["status"]: s.value for s in finished} == {"completed": 1, "failed": 0,
                                                                "cancelled": 0}
    steps = families["aniworld_loader_step_duration_seconds"]
    name = "aniworld_loader_step_duration_seconds"
    assert value(steps, f"{name}_count", step="episodes") == 1
    assert value(steps, f"{name}_bucket", step="episodes", le="+Inf") == 1
    assert value(steps, f"{name}_sum", step="episodes") > 0

    requests = value(families["aniworld_provider_requests"], "aniworld_provider_requests_total",
                     provider="anilist")
    assert requests >= 1
    assert value(families["aniworld_provider_rate_limited"],
                 "aniworld_provider_rate_limited_total", provider="anilist") == 0
    latency = families["aniworld_provider_request_duration_seconds"]
    name = "aniworld_provider_request_duration_seconds"
    assert value(latency, f"{name}_count", provider="anilist") == requests
    buckets = [s for s in latency if s.name == f"{name}_bucket"
               and s.labels["provider"] == "anilist"]
    assert buckets[-1].labels["le"] == "+Inf"
    assert buckets[-1].value == requests
    assert [b.value for b in buckets] == sorted(b.value for b in buckets)  # cumulative


async def test_rate_limited_requests_are_counted(fakes: Any, loading_script: httpx.AsyncClient,
                                                 loading_web: Web) -> None:
    """A 429 from AniList shows in its rate-limited and request counters."""
    fakes.anilist.options.force_429(1, retry_after=1)
    await loading_script.get("/api/search", params={"q": "Cowboy"})
    families = await scrape(loading_script)
    assert value(families["aniworld_provider_rate_limited"],
                 "aniworld_provider_rate_limited_total", provider="anilist") == 1
    assert value(families["aniworld_provider_requests"], "aniworld_provider_requests_total",
                 provider="anilist") == 2


async def test_each_app_reports_its_own_figures(loading_script: httpx.AsyncClient,
                                                loading_web: Web,
                                                script: httpx.AsyncClient) -> None:
    """Two apps in one process share no metrics: the one that loaded counts it, the other
    (same database, no loader) does not."""
    await loading_web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    finished = {name: {s.labels["status"]: s.value
                       for s in (await scrape(client))["aniworld_loader_series_finished"]}
                for name, client in (("loaded", loading_script), ("idle", script))}
    assert finished["loaded"]["completed"] == 1
    assert finished["idle"]["completed"] == 0


async def test_metrics_need_authentication(anonymous: httpx.AsyncClient) -> None:
    """Scrapers need an API key like every other caller."""
    assert_error(await anonymous.get("/api/metrics"), 401, "unauthorized")
