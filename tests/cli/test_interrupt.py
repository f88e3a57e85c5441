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
