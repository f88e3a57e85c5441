"""Ctrl-C during a scan, in a real process: the loader stops gracefully, the rest stays queued,
and ``load`` resumes it."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

from aniworld_cli.demo_library import CATALOGUE, build_library
from tests.cli.child import aniworld
from tests.cli.conftest import Run, fake_env

SERIES = 8


def test_ctrl_c_stops_gracefully_and_load_resumes(run: Run, fakes: Any, tmp_path: Path,
                                                   data_dir: Path) -> None:
    """SIGINT once the first series has loaded: the scan stops, says how many series are still
    queued and how to resume, exits 130; ``load`` then loads exactly those."""
    library = tmp_path / "library"
    build_library(library, catalogue=CATALOGUE[:SERIES])
    for fake in fakes.fakes.values():
        fake.options.latency = 0.05  # slow enough that most of the work is still ahead
    env = {**fake_env(fakes), "ANIWORLD_LOADER_CONCURRENCY": "1"}
    with aniworld(["--data-dir", str(data_dir), "scan", str(library)], env) as child:
        child.wait_for(lambda line: line.startswith(f"[1/{SERIES}] ✓ "))
        child.send(signal.SIGINT)
        code, _, err = child.finish()
    assert code == 130, err
    assert "Stopping: running steps get up to 5 s to finish (Ctrl-C again quits at once)" in err
    stopped = re.search(r"Stopped; (\d+) series still queued — resume with `aniworld load`\.",
                        err)
    assert stopped is not None, err
    queued = int(stopped[1])
    assert 1 <= queued < SERIES
    assert "Traceback" not in err
    statuses = [s["loading_status"] for s in run("list", "--json").json_lines()]
    assert statuses.count("completed") == SERIES - queued

    resumed = run("load", env=fake_env(fakes))
    assert f"Loaded {queued} of {queued} series." in resumed.out
    statuses = [s["loading_status"] for s in run("list", "--json").json_lines()]
    assert statuses == ["completed"] * SERIES


def test_sigterm_while_everything_waits_exits_at_once_and_leaves_the_work_queued(
        run: Run, fakes: Any, tmp_path: Path, data_dir: Path) -> None:
    """SIGTERM while every series only waits (AniList asked for an hour's pause) stops them at
    once, however long the grace period for running steps is (an hour here): the process
    exits right away, its series back in the queue as "queued, resumes at next start"."""
    library = tmp_path / "library"
    build_library(library, catalogue=CATALOGUE[:SERIES])
    fakes.anilist.options.force_429(1000, retry_after=3600)
    env = {**fake_env(fakes), "ANIWORLD_LOADER_SHUTDOWN_GRACE": "3600"}
    with aniworld(["--data-dir", str(data_dir), "scan", str(library)], env) as child:
        child.wait_for(lambda line: line.startswith("Waiting: AniList asked to wait (HTTP "
                                                    "429), "))
        child.send(signal.SIGTERM)
        code, _, err = child.finish()
    assert code == 130, err
    assert f"Stopped; {SERIES} series still queued — resume with `aniworld load`." in err
    assert "Traceback" not in err
    listed = run("list", "--json").json_lines()
    assert len(listed) == SERIES
    assert {s["loading_status"] for s in listed} <= {"queued", "pending"}
    assert "queued" in {s["loading_status"] for s in listed}
    assert {s["loading_error"] for s in listed if s["loading_status"] == "queued"} == {
        "Interrupted by shutdown; resumes at next start."}
