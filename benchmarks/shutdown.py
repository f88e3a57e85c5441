"""How soon ``aniworld serve`` and ``aniworld scan`` stop on SIGTERM in the middle of a load.

    python benchmarks/shutdown.py [--runs 5] [--series 3]

Each run starts the command on a library of SERIES folders (AniList id hints) against the fake
providers, with the fake Jikan answering after 60 s; the signal comes once a load is stuck in
its episodes step, waiting for Jikan. ``serve`` (which runs the jobs) also has a WebSocket and
an event stream open. The clock runs from SIGTERM to the process's exit. Prints one JSON
object: per command, the seconds (min / median / max) and the exit statuses. Target: at most
``loader.shutdown_grace`` + 1 s (the running steps get the grace; nothing else may hold the
shutdown up).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).parent))
from aniworld_core import LoaderSettings
from aniworld_testing import GENERATED_START_ID, AniworldProcess, Deployment, RemoteBundle
from loader import make_library

#: Seconds the fake Jikan waits before it answers: longer than any run.
STUCK = 60.0
#: Seconds to wait at most for the loads to reach the stuck step (a hang guard).
PATIENCE = 60.0


def until_stuck(deployment: Deployment, process: AniworldProcess) -> None:
    """Wait until a load is in its episodes step (waiting for Jikan), as the library's
    database says."""
    deadline = time.monotonic() + PATIENCE
    while not loading_episodes(deployment.data_dir / "aniworld.db"):
        if time.monotonic() > deadline:
            raise SystemExit("no load reached its episodes step:\n" + process.log())
        time.sleep(0.05)


def loading_episodes(database: Path) -> bool:
    if not database.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True,
                                                timeout=1)) as connection:
            row = connection.execute("SELECT count(*) FROM series WHERE loading_status = "
                                     "'loading_episodes'").fetchone()
    except sqlite3.Error:  # not made yet, or busy
        return False
    return bool(row and row[0])


def stop_seconds(process: AniworldProcess) -> tuple[float, int]:
    """SIGTERM, then the seconds until the process ended, and its status."""
    started = time.perf_counter()
    process.terminate()
    status = process.popen.wait(timeout=PATIENCE)
    return time.perf_counter() - started, status


def one_serve(fakes: RemoteBundle, series: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "library"
        make_library(library, [GENERATED_START_ID + n for n in range(series)])
        deployment = Deployment(Path(tmp) / "data", library=[library],
                                settings={**fakes.settings_overrides(),
                                          "watch.enabled": False})
        key = deployment.run("api-key", "create", "bench").stdout.strip()
        auth = {"Authorization": f"Bearer {key}"}
        with deployment:
            web = deployment.start_web(jobs=True)
            assert web.url is not None
            with connect(web.url.replace("http", "ws") + "/ws", additional_headers=auth,
                         open_timeout=PATIENCE) as _socket, \
                    httpx.Client(timeout=PATIENCE) as client, \
                    client.stream("GET", web.url + "/api/events", headers=auth):
                client.post(web.url + "/api/library/rescan", headers=auth).raise_for_status()
                until_stuck(deployment, web)
                return stop_seconds(web)


def one_scan(fakes: RemoteBundle, series: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "library"
        make_library(library, [GENERATED_START_ID + n for n in range(series)])
        deployment = Deployment(Path(tmp) / "data",
                                settings={**fakes.settings_overrides(),
                                          "watch.enabled": False})
        with deployment:
            scan = deployment.start("scan", str(library))
            until_stuck(deployment, scan)
            return stop_seconds(scan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--series", type=int, default=3)
    args = parser.parse_args()
    grace = LoaderSettings().shutdown_grace
    result: dict[str, Any] = {"benchmark": "shutdown", "series": args.series,
                              "shutdown_grace_s": grace, "target_s": grace + 1.0}
    with RemoteBundle(generated=args.series, latency={"jikan": STUCK}) as fakes:
        for name, run in (("serve", one_serve), ("scan", one_scan)):
            seconds, statuses = [], []
            for _ in range(args.runs):
                fakes.reset()
                elapsed, status = run(fakes, args.series)
                seconds.append(elapsed)
                statuses.append(status)
            result[name] = {
                "seconds": {"min": round(min(seconds), 2),
                            "median": round(statistics.median(seconds), 2),
                            "max": round(max(seconds), 2)},
                "exit_statuses": sorted(set(statuses)),
                "met_every_run": max(seconds) <= grace + 1.0}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
