"""``GET /api/metrics``: the loader's and providers' figures in Prometheus' text format, read
fresh from each app on each scrape, each labelled with the process it comes from: on
PostgreSQL every live process on the database, on SQLite the one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from aniworld_core import ProviderRef, SeriesApp, Settings

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


def by(samples: list[Sample], label: str, process: str) -> dict[str, float]:
    """The process's samples (of a one-sample-per-label family), by ``label``."""
    return {s.labels[label]: s.value for s in samples if s.labels["process"] == process}


async def test_metrics_after_a_load(loading_script: httpx.AsyncClient,
                                    loading_web: Web) -> None:
    """After one series loads: one completed, nothing queued or in flight, one observation per
    step, and AniList's requests counted with their latency."""
    await loading_web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    families = await scrape(loading_script)
    process = loading_web.core.process_id

    queue = families["aniworld_loader_queue_depth"]
    assert {s.labels["priority"]: s.value for s in queue} == {"user": 0, "resume": 0,
                                                               "scheduled": 0}
    assert value(families["aniworld_loader_series_in_flight"],
                 "aniworld_loader_series_in_flight", process=process) == 0
    finished = families["aniworld_loader_series_finished"]
    assert by(finished, "status", process) == {"completed": 1, "failed": 0, "cancelled": 0}
    steps = families["aniworld_loader_step_duration_seconds"]
    name = "aniworld_loader_step_duration_seconds"
    assert value(steps, f"{name}_count", process=process, step="episodes") == 1
    assert value(steps, f"{name}_bucket", process=process, step="episodes", le="+Inf") == 1
    assert value(steps, f"{name}_sum", process=process, step="episodes") > 0

    requests = value(families["aniworld_provider_requests"], "aniworld_provider_requests_total",
                     process=process, provider="anilist")
    assert requests >= 1
    assert value(families["aniworld_provider_rate_limited"],
                 "aniworld_provider_rate_limited_total", process=process,
                 provider="anilist") == 0
    latency = families["aniworld_provider_request_duration_seconds"]
    name = "aniworld_provider_request_duration_seconds"
    assert value(latency, f"{name}_count", process=process, provider="anilist") == requests
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
    process = loading_web.core.process_id
    assert value(families["aniworld_provider_rate_limited"],
                 "aniworld_provider_rate_limited_total", process=process,
                 provider="anilist") == 1
    assert value(families["aniworld_provider_requests"], "aniworld_provider_requests_total",
                 process=process, provider="anilist") == 2


async def test_each_app_reports_its_own_figures(loading_script: httpx.AsyncClient,
                                                loading_web: Web, web: Web,
                                                script: httpx.AsyncClient) -> None:
    """Two apps in one process share no metrics: the one that loaded counts it, the other
    (same database, no loader) does not, whichever of them is scraped."""
    await loading_web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    ids = {"loaded": loading_web.core.process_id, "idle": web.core.process_id}
    finished = {name: by((await scrape(client))["aniworld_loader_series_finished"], "status",
                         ids[name])
                for name, client in (("loaded", loading_script), ("idle", script))}
    assert finished["loaded"]["completed"] == 1
    assert finished["idle"]["completed"] == 0


async def test_metrics_need_authentication(anonymous: httpx.AsyncClient) -> None:
    """Scrapers need an API key like every other caller."""
    assert_error(await anonymous.get("/api/metrics"), 401, "unauthorized")


async def test_every_figure_names_its_process(loading_script: httpx.AsyncClient,
                                             loading_web: Web) -> None:
    """The process that answered is named with its role and leadership, its figures are fresh
    (age 0), and every sample but the database's queue depth is labelled with a process."""
    families = await scrape(loading_script)
    process = loading_web.core.process_id
    assert value(families["aniworld_process_info"], "aniworld_process_info", process=process,
                 role="web+jobs") == 1
    assert value(families["aniworld_leader"], "aniworld_leader", process=process) == 1
    assert value(families["aniworld_process_snapshot_age_seconds"],
                 "aniworld_process_snapshot_age_seconds", process=process) == 0
    unlabelled = {name for name, samples in families.items()
                  if any("process" not in s.labels for s in samples)}
    assert unlabelled == {"aniworld_loader_queue_depth"}
    assert value(families["aniworld_provider_budget_asks"],
                 "aniworld_provider_budget_asks_total", process=process,
                 provider="anilist") >= 0
    assert value(families["aniworld_provider_budget_turns_dropped"],
                 "aniworld_provider_budget_turns_dropped_total", process=process,
                 provider="anilist") == 0


async def test_a_web_process_shows_a_worker_s_figures(script: httpx.AsyncClient, web: Web,
                                                      fake_settings: Settings,
                                                      tmp_path: Path) -> None:
    """On PostgreSQL a web process that runs no jobs shows a worker's figures too, labelled
    with the worker's process and role: its requests, its asks of the shared rate budget,
    and that it leads. On SQLite only its own."""
    worker_settings = attrs.evolve(fake_settings, data_dir=tmp_path / "worker")
    async with SeriesApp.open(worker_settings, loader=True, role="worker") as worker:
        assert await worker.search("Cowboy", provider="anilist")
        if worker._board.shared:
            await worker._board.publish()
        families = await scrape(script)
    roles = {s.labels["process"]: s.labels["role"] for s in families["aniworld_process_info"]}
    if not fake_settings.resolved_database_url.startswith("postgres"):
        assert roles == {web.core.process_id: "web"}
        return
    assert roles == {web.core.process_id: "web", worker.process_id: "worker"}
    assert by(families["aniworld_leader"], "process", worker.process_id) == {
        worker.process_id: 1}
    requests = families["aniworld_provider_requests"]
    assert value(requests, "aniworld_provider_requests_total", process=worker.process_id,
                 provider="anilist") == 1
    assert value(requests, "aniworld_provider_requests_total", process=web.core.process_id,
                 provider="anilist") == 0
    assert value(families["aniworld_provider_budget_asks"],
                 "aniworld_provider_budget_asks_total", process=worker.process_id,
                 provider="anilist") >= 1
    age = value(families["aniworld_process_snapshot_age_seconds"],
                "aniworld_process_snapshot_age_seconds", process=worker.process_id)
    assert 0 <= age < 15
