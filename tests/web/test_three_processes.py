"""Three real processes on one PostgreSQL database, as the deployment guide runs them: two
``aniworld worker`` and one ``aniworld serve --no-jobs``, against fake providers in a process of
their own (their arrival stamps and rate limits are the servers', not ours).

Series are added through the web process while a library page in Chromium is open on it; the
workers load them. The fakes' own records prove that no window of any provider ever held more
requests than its limit; the jobs' histories that every series was loaded exactly once, by the
workers; the page (never reloaded) shows every series' final state; and a cancel sent to the
web process stops a load running in a worker.
"""

from __future__ import annotations

import collections
import contextlib
import re
import signal
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from aniworld_testing import Deployment, RemoteBundle, SeriesRecord, generated, postgres_schema
from aniworld_testing._deployment import AniworldProcess
from tests.conftest import POSTGRES_URL
from tests.web.conftest import PASSWORD, USERNAME

from .browser_support import browser_tests, no_script_errors

pytestmark = [
    *browser_tests,
    pytest.mark.skipif(POSTGRES_URL is None,
                       reason="several processes share PostgreSQL (ANIWORLD_TEST_DATABASE_URL)"),
]

#: Series loaded by the workers, and one more whose load is cancelled.
SERIES = 24
#: The real limits, ten times faster: they bind (AniList 30 per 6 s, Jikan 3 per 0.1 s...).
SCALE = 10
#: A hang guard for work in other processes on a busy machine (not a timing assertion).
PATIENCE = 120.0
#: The lease of the test with a stopped worker: its loads are taken over soon after it stops.
LEASE = 6.0
#: Jikan's latency there, so that loads are under way when the worker is stopped.
SLOW_EPISODES = 0.5
PROVIDERS = ("anilist", "jikan", "tvmaze", "tmdb", "fanart")
#: Fake latency that keeps the cancelled series' load waiting on its first request.
STUCK = 30.0


@pytest.fixture
def fakes_apart() -> Iterator[RemoteBundle]:
    with RemoteBundle(generated=SERIES + 1, rate_limit_scale=SCALE, latency=0.02) as fakes:
        yield fakes


@contextlib.contextmanager
def deployed(folder: Path, fakes: RemoteBundle, **settings: Any) -> Iterator[Deployment]:
    """A deployment on a PostgreSQL schema of its own, pointed at ``fakes``, with a user
    to log in as; every process stopped, the schema dropped at the end."""
    assert POSTGRES_URL is not None
    with postgres_schema(POSTGRES_URL) as database_url:
        deployment = Deployment(folder / "data", database_url=database_url,
                                settings={**fakes.settings_overrides(), **settings},
                                library=[folder / "library"])
        deployment.run("user", "set-password", USERNAME, input=f"{PASSWORD}\n{PASSWORD}\n")
        with deployment:
            yield deployment


@pytest.fixture
def deployment(tmp_path: Path, fakes_apart: RemoteBundle) -> Iterator[Deployment]:
    with deployed(tmp_path, fakes_apart) as deployment:
        yield deployment


def eventually(check: Callable[[], Any], what: str, process: AniworldProcess) -> Any:
    """``check()``'s first true answer (the other processes do the work)."""
    answer: list[Any] = []
    process.wait_until(lambda: bool(answer.append(check()) or answer[-1]), what,
                       timeout=PATIENCE)
    return answer[-1]


def pid_of(owner: str | None) -> int | None:
    """The process id in a lease owner (``host:pid:random``)."""
    return None if owner is None else int(owner.rsplit(":", 2)[1])


def assert_windows_kept(fakes: RemoteBundle) -> None:
    """By the fakes' own records: no 429, and no window of any limit held more than it."""
    for name in PROVIDERS:
        stats = fakes.stats(name)
        assert stats.count_429 == 0, (name, stats.faults())
        for requests, seconds in fakes.rate_limits(name):
            assert stats.max_requests_in_any_window(seconds) <= requests, (name, seconds)


def api_client(deployment: Deployment, web: AniworldProcess) -> httpx.Client:
    key = deployment.run("api-key", "create", "test").stdout.strip()
    assert web.url is not None
    return httpx.Client(base_url=web.url, headers={"Authorization": f"Bearer {key}"},
                        timeout=30)


def start_processes(deployment: Deployment) -> tuple[AniworldProcess, list[AniworldProcess]]:
    """``serve --no-jobs`` and two ``worker``, started together, all ready."""
    web = deployment.start_web(wait=False)
    workers = [deployment.start_worker(wait=False), deployment.start_worker(wait=False)]
    for process in (web, *workers):
        process.ready()
    return web, workers


def add_series(api: httpx.Client, records: Sequence[SeriesRecord]) -> list[str]:
    """Add each (by its AniList id) through the web process; their ids."""
    ids = []
    for record in records:
        added = api.post("/api/series", json={"title": record.title, "provider": "anilist",
                                              "id": record.anilist_id})
        assert added.status_code == 202, added.text
        ids.append(added.json()["id"])
    return ids


def test_two_workers_and_a_web_process_share_one_library(
        deployment: Deployment, fakes_apart: RemoteBundle, page: Page) -> None:
    web, workers = start_processes(deployment)
    with api_client(deployment, web) as api:
        check_deployment(deployment, fakes_apart, page, api, web, workers)


def test_a_worker_stopped_mid_load_is_taken_over_and_resumes_harmlessly(
        tmp_path: Path, fakes_apart: RemoteBundle) -> None:
    """One worker is stopped (SIGSTOP) while it loads. Once its leases run out the other
    takes its loads over and finishes every series; resumed (SIGCONT), the first finds those
    loads taken and writes nothing over them. The fakes' limits held throughout: what the
    stopped worker had been given before it stopped was stale by the time it went on."""
    with deployed(tmp_path, fakes_apart, **{"loader.lease_seconds": LEASE}) as deployment:
        web, (stopped, other) = start_processes(deployment)
        with api_client(deployment, web) as api:
            fakes_apart.set_options("jikan", latency=SLOW_EPISODES)
            series_ids = add_series(api, generated(SERIES))

            def stopped_ones_loads() -> list[dict[str, Any]]:
                jobs = api.get("/api/jobs", params={"kind": "series.load", "state": "running",
                                                    "limit": 500}).json()["jobs"]
                return [job for job in jobs if pid_of(job["owner"]) == stopped.pid]

            held = eventually(stopped_ones_loads, "the first worker loading", web)
            stopped.popen.send_signal(signal.SIGSTOP)
            try:
                eventually(lambda: all_completed(api, series_ids), "every series loaded", web)
            finally:
                stopped.popen.send_signal(signal.SIGCONT)
            taken = {job["id"] for job in held}
            for job_id in taken:
                detail = api.get(f"/api/jobs/{job_id}").json()
                assert detail["state"] == "completed"
                runs = [(run["state"], pid_of(run["owner"])) for run in detail["runs"]]
                assert runs[0] == ("completed", other.pid), runs
                assert ("interrupted", stopped.pid) in runs[1:], runs

            # Resumed, the first worker finds each of those loads taken over, and leaves them:
            # its final write fails, or (having had no answer from the database for longer
            # than it may hold a lease) it stops them and finds nothing to give back.
            stopped.wait_until(lambda: noticed(stopped.log(), taken),
                               "the resumed worker noticed", timeout=PATIENCE)
            assert all_completed(api, series_ids)
            for job_id in taken:
                assert api.get(f"/api/jobs/{job_id}").json()["state"] == "completed"
            fakes_apart.set_options("jikan", latency=0.0)
        assert_windows_kept(fakes_apart)
        codes = deployment.stop()
        assert [codes[stopped.pid], codes[other.pid]] == [0, 0], stopped.log()


def noticed(log: str, taken: set[int]) -> bool:
    """Whether a worker's log says it found each of the jobs ``taken`` over: their final
    write failed, or it stopped them (listed in its warning) and the database answered."""
    log = " ".join(log.split())  # the log wraps its lines
    stopped = " ".join(re.findall(r"(?:The database has not answered|This process itself was "
                                  r"not running) for .*? stopped (.*?), so that no other "
                                  r"process", log))
    answered = "The database answers again" in log
    return all(f"job {job_id} (series.load) was taken over" in log
               or (answered and f"job {job_id} (series.load)," in f"{stopped},")
               for job_id in taken)


def all_completed(api: httpx.Client, series_ids: Sequence[str]) -> bool:
    listed = api.get("/api/series").json()["series"]
    statuses = {series["id"]: series["loading_status"] for series in listed}
    return all(statuses.get(series_id) == "completed" for series_id in series_ids)


def check_deployment(deployment: Deployment, fakes: RemoteBundle, page: Page, api: httpx.Client,
                     web: AniworldProcess, workers: list[AniworldProcess]) -> None:
    assert web.url is not None

    page.goto(web.url + "/login")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Library")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("Live (WebSocket)")
    page.evaluate("window.stillTheSamePage = true")

    records = generated(SERIES + 1)
    add_series(api, records[:SERIES])

    # The page, served by the process that runs no jobs, shows every load's end.
    cards = page.locator(".card")
    expect(cards).to_have_count(SERIES)
    expect(page.locator('.card[data-status="completed"]')).to_have_count(
        SERIES, timeout=PATIENCE * 1000)
    expect(page.locator("#counts")).to_have_text(f"{SERIES} series · 0 loading · 0 failed")
    assert page.evaluate("window.stillTheSamePage") is True

    # Every series was loaded once, by a worker; both workers took part. (A series' final
    # state goes out before its job's ending is written: wait until every job has ended.)
    def ended_jobs() -> list[dict[str, Any]] | None:
        listed = api.get("/api/jobs", params={"kind": "series.load", "limit": 500}
                         ).json()["jobs"]
        final = all(job["state"] in ("completed", "failed", "cancelled") for job in listed)
        return listed if final else None

    listed = eventually(ended_jobs, "every load job ended", web)
    assert len(listed) == SERIES
    assert {job["state"] for job in listed} == {"completed"}
    runs = [run for job in listed for run in api.get(f"/api/jobs/{job['id']}").json()["runs"]]
    assert len(runs) == SERIES, [run for run in runs if run["state"] != "completed"]
    owners = collections.Counter(pid_of(run["owner"]) for run in runs)
    assert set(owners) == {worker.pid for worker in workers}, owners

    # No window of any provider ever held more than its limit, and nothing was sent twice.
    assert_windows_kept(fakes)
    episode_lists = collections.Counter(
        (record.path, record.query) for record in fakes.stats("jikan").records
        if re.fullmatch(r"/v4/anime/\d+/episodes", record.path))
    assert episode_lists, "the loads asked Jikan for no episode list"
    assert max(episode_lists.values()) == 1, episode_lists

    # A load that hangs on its first request in a worker is stopped by a cancel sent to the
    # web process.
    for name in PROVIDERS:
        fakes.set_options(name, latency=STUCK)
    last = records[SERIES]
    [series_id] = add_series(api, [last])

    def running_job() -> dict[str, Any] | None:
        jobs = api.get("/api/jobs", params={"key": f"series:{series_id}"}).json()["jobs"]
        return jobs[0] if jobs and jobs[0]["state"] == "running" else None

    job = eventually(running_job, "the last series loading", web)
    assert pid_of(job["owner"]) in {worker.pid for worker in workers}
    cancelled = api.post(f"/api/series/{series_id}/cancel")
    assert cancelled.status_code in (200, 202), cancelled.text

    def ended() -> dict[str, Any] | None:
        detail: dict[str, Any] = api.get(f"/api/jobs/{job['id']}").json()
        return detail if detail["runs"] and detail["runs"][0]["finished_at"] else None

    stopped = eventually(ended, "the cancelled run ended", web)
    assert stopped["state"] == "cancelled", stopped
    assert [(run["state"], run["owner"]) for run in stopped["runs"]] == [
        ("cancelled", job["owner"])]
    card = page.locator(".card").filter(has_text=last.title)
    expect(card).to_have_attribute("data-status", "cancelled")

    for name in PROVIDERS:
        fakes.set_options(name, latency=0.0)
    no_script_errors(page)
    codes = deployment.stop()
    logs = {process.pid: process.log() for process in deployment.processes}
    assert [codes[worker.pid] for worker in workers] == [0, 0], logs
    # uvicorn ends by raising the SIGTERM it caught again, once it has shut down cleanly.
    assert codes[web.pid] in (0, -signal.SIGTERM), logs[web.pid]
    assert "Application shutdown complete." in logs[web.pid]
    assert not [log for log in logs.values() if "Traceback" in log], logs
