"""Episode downloads through the Fetcher against the fake file server on loopback.

    python benchmarks/downloads.py [--gib 1] [--runs 5]

Prints one JSON object. The fake file server runs in this process; every download (the
Fetcher's and curl's) runs in a child process, so the CPU and memory measured are the
downloader's alone. Each figure is min/median/max over ``--runs`` runs; each target says
whether the median run and whether every run meets it:

- ``capped``: one GIB download with the server capped at 1 Gbit/s, through the Fetcher and
  through ``curl -o`` to the same server in the same run; target ratio >= 0.90. The Fetcher
  fsyncs the finished part (curl does not), and that time is counted.
- ``uncapped``: throughput and CPU seconds per GiB of the Fetcher (reported, no target:
  loopback is not a network).
- ``memory``: extra peak RSS of a process while 4 x GIB download at once; target <= 30 MB.
- ``kill``: a download SIGKILLed once its part passes 50 %, then run again: bytes fetched
  twice (all that reached the downloader's TCP, less the file); target <= 1 MiB. Beside it:
  what the server handed to its socket twice (bytes still in the server's send buffer when
  the killed socket closed count there, though they never crossed), and a split of that into
  what was in flight at the kill and what the server sent while the killed process was torn
  down. curl killed and resumed (``-C -``) the same way is the reference.
- ``progress_events``: progress events per second of one download through ``SeriesApp``
  (:func:`measure_progress_events`; once, not a distribution).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import httpx

from aniworld_core import DownloadUpdate, SeriesApp, Settings
from aniworld_core.downloads.fetch import Fetcher
from aniworld_testing import FakeFileServer, RemoteBundle

GIB = 1 << 30
MIB = 1 << 20
GBIT = 125_000_000  # bytes per second
TARGET_RATIO = 0.90
TARGET_EXTRA_RSS_MB = 30
TARGET_REFETCHED = MIB


def summary(values: list[float], digits: int = 3) -> dict[str, float]:
    return {"min": round(min(values), digits), "median": round(statistics.median(values), digits),
            "max": round(max(values), digits)}


# The child process: fetch URLs into parts at once, print what it cost.

def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def fetch_all(jobs: list[tuple[str, str]]) -> None:
    async with httpx.AsyncClient(timeout=60.0) as client:
        fetcher = Fetcher(client)
        async with anyio.create_task_group() as group:
            for url, part in jobs:
                group.start_soon(fetch_one, fetcher, url, Path(part))


async def fetch_one(fetcher: Fetcher, url: str, part: Path) -> None:
    await fetcher.fetch(url, part, on_progress=lambda done, total: None)


def child(jobs: list[tuple[str, str]]) -> None:
    before = rss_bytes()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    anyio.run(fetch_all, jobs)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "seconds": seconds,
        "cpu": after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime,
        "extra_rss": after.ru_maxrss * 1024 - before,  # ru_maxrss: KiB on Linux
    }), flush=True)


def start_child(jobs: list[tuple[str, Path]]) -> subprocess.Popen[str]:
    spec = json.dumps([[url, str(part)] for url, part in jobs])
    return subprocess.Popen([sys.executable, __file__, "--child", spec],
                            stdout=subprocess.PIPE, text=True)


def run_child(jobs: list[tuple[str, Path]]) -> dict[str, float]:
    process = start_child(jobs)
    out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the fetching child failed ({process.returncode})")
    result: dict[str, float] = json.loads(out)
    return result


# The measurements (the server in this process).

def curl(url: str, to: Path) -> float:
    """Throughput of ``curl -o`` in bytes per second, as curl measures it."""
    out = subprocess.run(["curl", "-sS", "-o", str(to), "-w", "%{speed_download}", url],
                         check=True, capture_output=True, text=True).stdout
    return float(out)


def fresh(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()


def capped(server: FakeFileServer, size: int, runs: int, folder: Path) -> dict[str, Any]:
    file = server.add("capped.mkv", size)
    server.rate = GBIT
    fetcher, by_curl, ratios = [], [], []
    for run in range(runs):
        def ours_() -> float:
            return size / run_child([(file.url, folder / "capped.part")])["seconds"]

        if run % 2 == 0:  # alternate who goes first
            ours = ours_()
            theirs = curl(file.url, folder / "curl.mkv")
        else:
            theirs = curl(file.url, folder / "curl.mkv")
            ours = ours_()
        fresh(folder)
        fetcher.append(ours)
        by_curl.append(theirs)
        ratios.append(ours / theirs)
    server.rate = 0
    return {"cap_mbit_s": GBIT * 8 / 1e6,
            "fetcher_mbit_s": summary([v * 8 / 1e6 for v in fetcher], 1),
            "curl_mbit_s": summary([v * 8 / 1e6 for v in by_curl], 1),
            "ratio": summary(ratios), "target_ratio": TARGET_RATIO,
            **met(ratios, TARGET_RATIO, below=False)}


def uncapped(server: FakeFileServer, size: int, runs: int, folder: Path) -> dict[str, Any]:
    file = server.add("uncapped.mkv", size)
    speeds, cpu, by_curl = [], [], []
    for _ in range(runs):
        result = run_child([(file.url, folder / "uncapped.part")])
        speeds.append(size / result["seconds"] * 8 / 1e6)
        cpu.append(result["cpu"] / (size / GIB))
        fresh(folder)
        by_curl.append(curl(file.url, folder / "curl.mkv") * 8 / 1e6)
        fresh(folder)
    return {"fetcher_mbit_s": summary(speeds, 1), "cpu_seconds_per_gib": summary(cpu, 2),
            "curl_mbit_s": summary(by_curl, 1)}


def memory(server: FakeFileServer, size: int, runs: int, folder: Path) -> dict[str, Any]:
    files = [server.add(f"together{n}.mkv", size) for n in range(4)]
    extra = []
    for _ in range(runs):
        result = run_child([(file.url, folder / f"{n}.part") for n, file in enumerate(files)])
        extra.append(result["extra_rss"] / 1e6)
        fresh(folder)
    return {"downloads": 4, "extra_rss_mb": summary(extra, 1),
            "target_extra_rss_mb": TARGET_EXTRA_RSS_MB,
            **met(extra, TARGET_EXTRA_RSS_MB, below=True)}


def kill_and_resume(server: FakeFileServer, size: int, runs: int,
                    folder: Path) -> dict[str, Any]:
    """Bytes sent twice, split into what the server had sent but the part did not hold when
    SIGKILL went out (buffers: the downloader's and both kernels'), and what the server sent
    after it, while the killed process was torn down (its socket closes last). ``curl`` killed
    the same way and resumed with ``-C -`` is the reference."""
    server.rate = GBIT
    ours: list[tuple[float, float, float, float, float]] = []
    theirs: list[tuple[float, float, float, float, float]] = []
    for run in range(runs):
        part = folder / "killed.part"
        file = server.add(f"killed{run}.mkv", size)
        jobs = [(file.url, part)]
        ours.append(killed_once(server, file.name, size, part, partial(start_child, jobs),
                                partial(run_child, jobs)))
        fresh(folder)
        out = folder / "curl.mkv"
        file = server.add(f"curl{run}.mkv", size)
        theirs.append(killed_once(
            server, file.name, size, out,
            partial(subprocess.Popen, ["curl", "-sS", "-o", str(out), file.url]),
            partial(subprocess.run, ["curl", "-sS", "-C", "-", "-o", str(out), file.url],
                    check=True)))
        fresh(folder)
    server.rate = 0
    again = [run[4] for run in ours]
    return {"killed_at_fraction": summary([run[3] for run in ours]),
            "bytes_fetched_again": summary(again, 0),
            "bytes_sent_again": summary([run[0] for run in ours], 0),
            "of_which_in_flight_at_kill": summary([run[1] for run in ours], 0),
            "of_which_sent_after_kill": summary([run[2] for run in ours], 0),
            "curl_bytes_fetched_again": summary([run[4] for run in theirs], 0),
            "curl_bytes_sent_again": summary([run[0] for run in theirs], 0),
            "curl_of_which_sent_after_kill": summary([run[2] for run in theirs], 0),
            "target_bytes": TARGET_REFETCHED, **met(again, TARGET_REFETCHED, below=True)}


def killed_once(server: FakeFileServer, name: str, size: int, part: Path,
                start: Callable[[], subprocess.Popen[Any]],
                finish: Callable[[], object]) -> tuple[float, float, float, float, float]:
    """Kill a download once ``part`` passes half of ``size``, finish it, and return the bytes
    sent twice, in flight at the kill, sent after it, where it was killed, and the bytes
    fetched twice (the killed request's delivered bytes beyond the part it left, plus all the
    resumed requests sent: the file is whole, so the client took them)."""
    process = start()
    deadline = time.monotonic() + 120
    while not part.exists() or part.stat().st_size <= size // 2:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the download ended before it was half done")
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    sent_at_kill = server.bytes_sent(name)
    process.wait()
    kept = part.stat().st_size
    finish()
    if part.stat().st_size != size:
        raise RuntimeError("the resumed download is not whole")
    killed, *resumed = server.requests_for(name)
    if killed.bytes_delivered is None:
        raise RuntimeError("the fake file server cannot tell delivered bytes on this system")
    fetched = killed.bytes_delivered + sum(request.bytes_sent for request in resumed)
    return (float(server.bytes_sent(name) - size), float(sent_at_kill - kept),
            float(killed.bytes_sent - sent_at_kill), kept / size, float(fetched - size))


def met(values: list[float], target: float, *, below: bool) -> dict[str, bool]:
    """Whether the median run, and every run, meets ``target``."""
    def ok(value: float) -> bool:
        return value <= target if below else value >= target

    return {"met_median": ok(statistics.median(values)),
            "met_every_run": all(ok(value) for value in values)}


TITLE = "Mob Psycho 100"
MISSING = (1, 3)  # the library lacks S01E03 of its 12 episodes in season 1


def measure_progress_events(server: FakeFileServer, size: int, folder: Path) -> dict[str, Any]:
    """Progress events per second per download through the app: ``SeriesApp.download`` of a
    missing episode from the built-in ``http`` source (the fake file server, capped so the
    download lasts about four seconds), counting the ``DownloadUpdate`` events of that download
    on ``app.events.subscribe()`` while it is ``downloading``."""
    seconds = 4.0
    size = min(size, 512 * MIB)
    server.add("mob-1-3.mkv", size)
    server.rate = int(size / seconds)
    show = folder / "library" / TITLE / "Season 01"
    show.mkdir(parents=True)
    for number in range(1, 13):
        if (1, number) != MISSING:
            (show / f"{TITLE} - S01E{number:02d}.mkv").touch()
    try:
        with RemoteBundle() as fakes:
            settings = Settings.load(env={"ANIWORLD_LOAD_ENTRY_POINTS": "0"}, overrides={
                **fakes.settings_overrides(), "data_dir": str(folder / "data"),
                "library": [str(folder / "library")]})
            counted = anyio.run(_count_progress, settings, server.url)
    finally:
        server.rate = 0
        shutil.rmtree(folder / "library", ignore_errors=True)
        shutil.rmtree(folder / "data", ignore_errors=True)
    events, duration, state = counted
    return {"file_bytes": size, "seconds_downloading": round(duration, 2),
            "events": events, "final_state": state,
            "events_per_second": round(events / duration, 2) if duration else None}


async def _count_progress(settings: Settings, url: str) -> tuple[int, float, str]:
    async with SeriesApp.open(settings) as app:
        await app.scan()
        with anyio.fail_after(120):
            await app.wait_idle()
        [series] = await app.list_series()
        await app.set_series_source(series.id, "http",
                                    {"url": f"{url}/files/mob-{{season}}-{{episode}}.mkv"})
        events, first, last = 0, 0.0, 0.0
        async with app.events.subscribe(snapshot=False) as stream:
            download = await app.download(series.id, *MISSING)
            with anyio.fail_after(120):
                async for event in stream:
                    if not isinstance(event, DownloadUpdate) or event.download.id != download.id:
                        continue
                    now = time.perf_counter()
                    if event.download.state.value == "downloading":
                        events += 1
                        first = first or now
                        last = now
                    if event.download.state.is_final:
                        return events, last - first, str(event.download.state.value)
    raise RuntimeError("the event stream ended")


PARTS: dict[str, Callable[[FakeFileServer, int, int, Path], dict[str, Any]]] = {
    "capped": capped, "uncapped": uncapped, "memory": memory, "kill": kill_and_resume,
    "progress_events": lambda server, size, runs, folder: measure_progress_events(
        server, size, folder),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0, help="size of each file in GiB")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=sorted(PARTS), action="append",
                        help="measure only this part (repeatable; default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child([(url, part) for url, part in json.loads(args.child)])
        return
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed for the comparison")
    size = int(args.gib * GIB)
    with FakeFileServer() as server, \
            tempfile.TemporaryDirectory(prefix="aniworld-bench-") as tmp:
        folder = Path(tmp)
        report: dict[str, Any] = {"benchmark": "downloads", "file_bytes": size,
                                  "runs": args.runs}
        for name, measure in PARTS.items():
            if not args.only or name in args.only:
                report[name] = measure(server, size, args.runs, folder)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
