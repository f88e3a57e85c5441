"""``scan`` on a sample library in a temporary folder, against the fake providers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """Cowboy Bebop without episode 5 (scene names in a season folder) and Mushishi without 20
    and 21 (fansub names, an AniList id hint), plus files that are no episodes."""
    root = tmp_path / "library"
    bebop = root / "Cowboy Bebop (1998)" / "Season 01"
    mushishi = root / "Mushishi (2005) [anilistid-457]"
    bebop.mkdir(parents=True)
    mushishi.mkdir(parents=True)
    for number in range(1, 27):
        if number != 5:
            (bebop / f"Cowboy.Bebop.S01E{number:02d}.1080p.BluRay.x264-GRP.mkv").touch()
        if number not in (20, 21):
            (mushishi / f"[Group] Mushishi - {number:02d} [1080p].mkv").touch()
    (mushishi / "[Group] Mushishi - NCOP [1080p].mkv").touch()
    (mushishi / "notes.txt").touch()
    return root


def test_scan_json_finds_the_series_episodes_and_missing_ones(
        run: Run, loading_env: dict[str, str], library: Path, database_url: str) -> None:
    """``scan --json`` reports the folders and files, streams events, and ends with a summary
    naming both series, loaded, with exactly the episodes that have no file."""
    outcome = run("--database-url", database_url, "scan", str(library), "--json",
                  env=loading_env)
    assert outcome.code == 0, outcome.err
    lines = outcome.json_lines()
    report = next(line for line in lines if line["type"] == "scan_report")
    assert (report["series_folders"], report["files_found"], report["files_unrecognised"]) == (
        2, 50, 1)
    assert len(report["series_added"]) == 2
    types = {line["type"] for line in lines}
    assert {"scan_progress", "series_added", "series_loading_update"} <= types
    summary = lines[-1]
    assert (summary["type"], summary["completed"], summary["failed"]) == ("summary", 2, 0)
    missing = {series["title"]: [(e["season"], e["number"]) for e in series["missing"]]
               for series in summary["series"]}
    # Once loaded, a series carries the provider's name (AniList's English title), not the folder's.
    assert missing == {"Cowboy Bebop": [(1, 5)], "Mushi-Shi": [(1, 20), (1, 21)]}
    status = run("--database-url", database_url, "status", "Mushishi").out
    assert "26 episodes known, 24 with a file." in status


def test_scan_text_output_off_a_terminal(run: Run, loading_env: dict[str, str],
                                         library: Path) -> None:
    """Off a terminal ``scan`` prints the report, a line per loaded series and the summary with
    the missing episodes."""
    outcome = run("scan", str(library), env=loading_env)
    assert outcome.code == 0, outcome.err
    lines = outcome.out.splitlines()
    assert lines.pop(0) == (f"Added {library.resolve()} to the library folders; later scans, "
                            "rescans and watching include it.")
    assert lines[0].startswith("Scanned 2 series folders in ")
    assert lines[0].endswith(": 50 video files, 1 not recognised as episodes, 2 new series.")
    assert lines[1:3] == ["Not recognised as episodes:",
                          "  Mushishi (2005) [anilistid-457]/[Group] Mushishi - NCOP [1080p].mkv"]
    assert sorted(lines[3:5]) == ["[1/2] ✓ Cowboy Bebop", "[2/2] ✓ Mushi-Shi"] or sorted(
        lines[3:5]) == ["[1/2] ✓ Mushi-Shi", "[2/2] ✓ Cowboy Bebop"]
    assert lines[5:] == [
        "Loaded 2 of 2 series.",
        "Missing episodes: 3 in 2 series",
        "  Cowboy Bebop: 1 (S01E05)",
        "  Mushi-Shi: 2 (S01E20, S01E21)",
    ]


def test_scan_without_loading_only_queues(run: Run, library: Path) -> None:
    """``--no-load`` scans and queues; ``load`` is named as the next step."""
    outcome = run("scan", str(library), "--no-load")
    assert outcome.code == 0
    assert "2 new series" in outcome.out
    assert "Run `aniworld load` or `aniworld serve` to load what was queued." in outcome.out
    statuses = {s["title"]: s["loading_status"] for s in run("list", "--json").json_lines()}
    assert statuses == {"Cowboy Bebop": "pending", "Mushishi": "pending"}


def test_scan_uses_the_library_setting(run: Run, library: Path) -> None:
    """Without ROOT, ``scan`` scans the configured library folders."""
    outcome = run("scan", "--no-load", "--json", env={"ANIWORLD_LIBRARY": str(library)})
    assert outcome.json_lines()[0]["roots"] == [str(library.resolve())]


@pytest.mark.parametrize(("target", "message"), [
    ("missing-folder", "does not exist."),
    ("a-file.txt", "is not a folder."),
    (None, "No library folder is configured"),
])
def test_bad_roots_are_one_line_errors(run: Run, tmp_path: Path, target: str | None,
                                       message: str) -> None:
    """A missing root, a file, or no root at all: one line on stderr, exit 1, nothing stored."""
    (tmp_path / "a-file.txt").touch()
    args = ["scan"] if target is None else ["scan", str(tmp_path / target)]
    outcome = run(*args)
    assert outcome.code == 1
    assert message in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1
    assert run("list", "--json").out == ""


def test_a_root_that_cannot_be_scanned_prints_only_the_error(
        run: Run, loading_env: dict[str, str], library: Path, tmp_path: Path) -> None:
    """``scan`` of a missing folder prints its one-line error and nothing else, and starts no
    loader: series queued earlier stay queued, untouched."""
    run("scan", str(library), "--no-load")
    outcome = run("scan", str(tmp_path / "nonexistent"), env=loading_env)
    assert (outcome.code, outcome.out) == (1, "")
    assert outcome.err.strip() == f"Error: The library folder {tmp_path / 'nonexistent'} does " \
                                  "not exist."
    rows = run("list", "--json").json_lines()
    assert [(row["loading_status"], row["episodes_loaded"]) for row in rows] == [
        ("pending", False), ("pending", False)]
    assert all(run("status", row["id"], "--json").json_lines()[0]["started_at"] is None
               for row in rows)


def test_the_report_names_gone_folders_and_files_it_did_not_recognise(
        run: Run, library: Path) -> None:
    """The report lists the files it read no episode in and the folders it found gone, by
    name, in text and in JSON."""
    run("scan", str(library), "--no-load")
    for path in (library / "Cowboy Bebop (1998)").rglob("*"):
        if path.is_file():
            path.unlink()
    for path in sorted((library / "Cowboy Bebop (1998)").rglob("*"), reverse=True):
        path.rmdir()
    (library / "Cowboy Bebop (1998)").rmdir()
    (library / "Mushishi (2005) [anilistid-457]" / "Mushishi - Making of.mkv").touch()
    text = run("scan", str(library), "--no-load").out.splitlines()
    assert text[1:6] == ["Not recognised as episodes:",
                         "  Mushishi (2005) [anilistid-457]/Mushishi - Making of.mkv",
                         "  Mushishi (2005) [anilistid-457]/[Group] Mushishi - NCOP [1080p].mkv",
                         "Folders gone (their series are marked missing):",
                         "  Cowboy Bebop (1998)"]
    (library / "Mushishi (2005) [anilistid-457]" / "Mushishi - Making of.mkv").unlink()
    (library / "Mushishi (2005) [anilistid-457]" / "Mushishi - Extras.mkv").touch()
    report = run("scan", str(library), "--no-load", "--json").json_lines()[0]
    assert report["unrecognised"] == [
        "Mushishi (2005) [anilistid-457]/Mushishi - Extras.mkv",
        "Mushishi (2005) [anilistid-457]/[Group] Mushishi - NCOP [1080p].mkv"]
    assert report["folders_gone"] == ["Cowboy Bebop (1998)"]


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused, as with no network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("aniworld_instant_retries")
def test_scan_without_a_network_says_so_and_keeps_the_work_queued(
        run: Run, loading_env: dict[str, str], library: Path, closed_port: int,
        database_url: str) -> None:
    """When AniList cannot be reached, ``scan`` says "cannot reach AniList (network down?)"
    after one round of retries (never an AniList rate-limit wait), ends instead of retrying
    for minutes, and both series stay queued for the next load, with no attempt counted."""
    env = {**loading_env, "ANIWORLD_ANILIST_URL": f"http://127.0.0.1:{closed_port}"}
    outcome = run("--database-url", database_url, "scan", str(library), env=env)
    assert outcome.code == 0, outcome.err
    assert "Waiting: cannot reach AniList (network down?), " in outcome.out
    assert "rate limit" not in outcome.out
    assert "2 series stay queued: cannot reach AniList (network down?)." in outcome.out
    listed = run("--database-url", database_url, "list", "--json").json_lines()
    assert [series["loading_status"] for series in listed] == ["queued", "queued"]
    assert {series["loading_error"] for series in listed} == {
        "Waiting: cannot reach AniList (network down?)"}
