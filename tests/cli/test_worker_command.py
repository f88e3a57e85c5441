"""Roles, in real processes: ``aniworld worker`` runs jobs without a web server and stops on
SIGTERM; ``aniworld serve --no-jobs`` serves without running any; of two workers on one
PostgreSQL database one leads, and when it is killed the other takes over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from aniworld_testing import postgres_schema
from tests.cli.child import COMMAND, aniworld
from tests.cli.conftest import Run, fake_env
from tests.conftest import POSTGRES_URL

#: A hang guard for work in other processes on a busy machine.
WAIT = 60.0
DATABASES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(params=DATABASES)
def database_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The data dir's SQLite file, or a PostgreSQL schema of the test's own."""
    if request.param == "sqlite":
        yield {}
        return
    assert POSTGRES_URL is not None
    with postgres_schema(POSTGRES_URL) as url:
        yield {"ANIWORLD_DATABASE_URL": url}


def eventually(check: Callable[[], bool], what: str) -> None:
    """Ask ``check()`` until it is true: another process does the work (fails after
    :data:`WAIT` seconds, a hang guard, not a timing assertion)."""
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def statuses(run: Run, env: dict[str, str]) -> list[str]:
    listed = run("list", "--json", env=env)
    assert listed.code == 0, listed.err
    return [series["loading_status"] for series in listed.json_lines()]


def test_a_worker_runs_queued_jobs_and_stops_on_sigterm(run: Run, fakes: Any, data_dir: Path,
                                                        database_env: dict[str, str]) -> None:
    """A series queued before the worker starts is loaded by it; SIGTERM stops the worker
    gracefully (status 0, no traceback)."""
    env = {**fake_env(fakes), **database_env}
    assert run("add", "--anilist", "1", env=env).code == 0
    assert statuses(run, env) == ["pending"]
    with aniworld(["--data-dir", str(data_dir), "worker"], env) as child:
        line = child.wait_for(lambda line: line.startswith("aniworld worker "))
        assert line.endswith(" runs jobs (Ctrl+C to stop).")
        eventually(lambda: statuses(run, env) == ["completed"], "the series loaded")
        child.send(signal.SIGTERM)
        code, lines, err = child.finish()
    assert code == 0, err
    assert lines[-1] == "Stopped."
    assert "Stopping: running jobs get up to 5 s to finish (Ctrl-C again quits at once)..." in err
    assert "Traceback" not in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_without_jobs_leaves_the_queue_to_workers(run: Run, fakes: Any, data_dir: Path,
                                                        database_env: dict[str, str]) -> None:
    """``serve --no-jobs`` answers but runs no jobs: its health says the loader is off, its
    metrics name the process and say it does not lead, and a queued series stays queued
    while it runs, until a worker loads it."""
    env = {**fake_env(fakes), **database_env}
    assert run("add", "--anilist", "1", env=env).code == 0
    key = run("api-key", "create", "scraper", env=env).out.strip()
    port = free_port()
    command = [*COMMAND, "--data-dir", str(data_dir), "serve", "--no-jobs", "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, **env}) as process:
        try:
            wait_until_serving(process)
            url = f"http://127.0.0.1:{port}"
            health = httpx.get(f"{url}/api/health").json()
            assert (health["status"], health["loader"]) == ("ok", "off")
            scraped = httpx.get(f"{url}/api/metrics",
                                headers={"Authorization": f"Bearer {key}"})
            families = {family.name: family.samples
                        for family in text_string_to_metric_families(scraped.text)}
            [info] = families["aniworld_process_info"]
            assert info.labels["process"].split(":")[1] == str(process.pid)
            assert [sample.value for sample in families["aniworld_leader"]] == [0.0]
            assert statuses(run, env) == ["pending"]
            with aniworld(["--data-dir", str(data_dir), "worker"], env) as worker:
                worker.wait_for(lambda line: line.startswith("aniworld worker "))
                eventually(lambda: statuses(run, env) == ["completed"], "a worker loaded it")
                worker.send(signal.SIGTERM)
                assert worker.finish()[0] == 0
        finally:
            process.terminate()
            process.wait(timeout=WAIT)


def wait_until_serving(process: subprocess.Popen[str]) -> None:
    """Return once uvicorn listens (after the app's startup); its log is read on."""
    ready = threading.Event()
    log: list[str] = []

    def watch() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if "Uvicorn running on" in line:
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    assert ready.wait(WAIT), "the server did not start: " + "".join(log)


def leader_pids(url: str, candidates: set[int]) -> set[int]:
    """Which of ``candidates`` (process ids) hold an advisory lock through the leader's
    connection (named for its process: ``aniworld leader pid N on HOST``)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            names = connection.execute(sa.text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND a.application_name LIKE 'aniworld leader pid %'")).scalars().all()
    finally:
        engine.dispose()
    pids = {int(name.split()[3]) for name in names}
    return pids & candidates


@pytest.mark.skipif(POSTGRES_URL is None, reason="an election needs PostgreSQL "
                                                 "(ANIWORLD_TEST_DATABASE_URL)")
def test_when_the_leading_worker_is_killed_the_other_leads(fakes: Any, data_dir: Path,
                                                           tmp_path: Path) -> None:
    """Two workers on one database: exactly one leads; SIGKILL it and the other leads (the
    database released the dead process's lock)."""
    assert POSTGRES_URL is not None
    with postgres_schema(POSTGRES_URL) as url:
        # Tries every quarter of a second (a quarter of the lease).
        env = {**fake_env(fakes), "ANIWORLD_DATABASE_URL": url,
               "ANIWORLD_LOADER_LEASE_SECONDS": "1"}
        with aniworld(["--data-dir", str(data_dir), "worker"], env) as first, \
                aniworld(["--data-dir", str(tmp_path / "other"), "worker"], env) as second:
            for child in (first, second):
                child.wait_for(lambda line: line.startswith("aniworld worker "))
            pids = {first.process.pid, second.process.pid}
            eventually(lambda: len(leader_pids(url, pids)) == 1, "one leader")
            [leading] = leader_pids(url, pids)
            assert leader_pids(url, pids) == {leading}
            killed, survivor = (first, second) if leading == first.process.pid else (
                second, first)
            killed.process.kill()
            killed.process.wait(timeout=WAIT)
            eventually(lambda: leader_pids(url, pids) == {survivor.process.pid},
                       "the survivor leads")
            survivor.send(signal.SIGTERM)
            assert survivor.finish()[0] == 0


def test_the_worker_is_in_the_help(run: Run) -> None:
    """``worker`` and ``serve --no-jobs`` are documented in ``--help``."""
    assert "worker" in run("--help").out
    assert "--no-jobs" in run("serve", "--help").out
