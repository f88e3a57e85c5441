"""``load``, ``refresh``, ``cancel``, ``identify``, ``status`` and ``missing`` against the fake
provider servers, through click's runner."""

from __future__ import annotations

import re

from tests.cli.conftest import Run

#: Cowboy Bebop's AniList id in the fakes' dataset.
BEBOP = "1"


def test_load_runs_the_queue_until_idle_and_sums_up(run: Run,
                                                    loading_env: dict[str, str]) -> None:
    """``load`` loads what ``add`` queued, prints a line per finished series off a terminal
    (no escape codes), then the summary (a series added by id has no files, so every episode
    is missing)."""
    run("add", "--anilist", BEBOP)
    outcome = run("load", env=loading_env)
    assert outcome.code == 0, outcome.err
    assert "\x1b[" not in outcome.out
    assert outcome.out.splitlines() == [
        "1 series queued.",
        "[1/1] ✓ Cowboy Bebop",
        "Loaded 1 of 1 series.",
        "Missing episodes: 26 in 1 series",
        "  Cowboy Bebop: 26 (S01E01, S01E02, S01E03, S01E04, S01E05, S01E06 and 20 more)",
    ]
    (series,) = run("list", "--json").json_lines()
    assert (series["title"], series["loading_status"]) == ("Cowboy Bebop", "completed")


def test_load_with_nothing_queued(run: Run, loading_env: dict[str, str]) -> None:
    """An empty queue: ``load`` says so and exits 0."""
    outcome = run("load", env=loading_env)
    assert (outcome.code, outcome.out) == (0, "Nothing was queued.\n")


def test_load_json_streams_events_then_the_summary(run: Run,
                                                   loading_env: dict[str, str]) -> None:
    """``load --json`` prints the events as they happen and a summary object last."""
    run("add", "--anilist", BEBOP)
    lines = run("load", "--json", env=loading_env).json_lines()
    updates = [line["status"] for line in lines if line["type"] == "series_loading_update"]
    assert updates[-1] == "completed"
    assert "loading_episodes" in updates
    summary = lines[-1]
    assert (summary["type"], summary["completed"], summary["failed"]) == ("summary", 1, 0)
    assert len(summary["series"][0]["missing"]) == 26


def test_status_and_missing_after_loading(run: Run, loading_env: dict[str, str]) -> None:
    """``status SERIES`` shows the ✓ items and episode counts; ``missing`` lists nothing for a
    series added by id (no files are expected), as text and as JSON."""
    run("add", "--anilist", BEBOP)
    run("load", env=loading_env)
    status = run("status", "bebop").out
    assert "completed: Loaded  episodes ✓  nfo ✓  logo ✓  images ✓" in status
    assert "26 episodes known, 0 with a file." in status
    missing = run("missing", "Cowboy Bebop", "--json").json_lines()
    assert len(missing) == 26
    assert missing[0] == {**missing[0], "season": 1, "number": 1, "present": False}
    assert "Cowboy Bebop: 26 missing" in run("missing", "Cowboy Bebop").out


def test_missing_before_the_episode_list_is_loaded(run: Run) -> None:
    """Before loading, ``missing`` is a one-line conflict rather than an empty list."""
    run("add", "Akira")
    outcome = run("missing", "Akira")
    assert outcome.code == 1
    assert "has not been loaded yet" in outcome.err


def test_status_of_the_library(run: Run, loading_env: dict[str, str]) -> None:
    """``status`` without SERIES counts series per status and lists the failures with their
    reason and what to do."""
    run("add", "--anilist", BEBOP)
    run("add", "Bebop Cowboy Space Western Thing", "--year", "1990")
    run("load", env=loading_env)
    run("add", "Akira")
    text = run("status").out
    assert "3 series: 1 pending, 1 completed, 1 failed." in text
    assert "1 queued; `aniworld load` or `aniworld serve` loads them." in text
    assert re.search(r"Bebop Cowboy Space Western Thing \([0-9a-f]{8}\): Identify: no confident",
                     text)
    summary = run("status", "--json").json_lines()[0]
    assert summary["statuses"]["failed"] == 1
    assert summary["queued"] == 1
    assert [s["title"] for s in summary["failed"]] == ["Bebop Cowboy Space Western Thing"]


def test_identify_after_a_failed_identification(run: Run, loading_env: dict[str, str]) -> None:
    """A title no provider matches fails with the reason; ``identify --anilist`` queues it from
    that entry and the next ``load`` completes it."""
    run("add", "Bebop Cowboy Space Western Thing", "--year", "1990")
    failed = run("load", env=loading_env)
    assert "Loaded 0 of 1 series (1 failed)." in failed.out
    assert "✗ Bebop Cowboy Space Western Thing — Identify: no confident match" in failed.out
    identified = run("identify", "western", "--anilist", BEBOP)
    assert identified.code == 0
    assert "is AniList 1 now; queued to load again; run `aniworld load`" in identified.out
    assert "Loaded 1 of 1 series." in run("load", env=loading_env).out


def test_refresh_queues_again_and_cancel_takes_it_off(run: Run,
                                                      loading_env: dict[str, str]) -> None:
    """``refresh`` queues a loaded series again; ``cancel`` cancels the queued load, and the
    series is as loaded as before (a cancelled refresh takes nothing away); a second
    ``cancel`` is a one-line conflict."""
    run("add", "--anilist", BEBOP)
    run("load", env=loading_env)
    refreshed = run("refresh", "bebop")
    assert "Queued Cowboy Bebop to load again" in refreshed.out
    assert run("status", "bebop", "--json").json_lines()[0]["loading_status"] == "pending"
    assert run("cancel", "bebop").out == "Cancelled loading Cowboy Bebop.\n"
    status = run("status", "bebop", "--json").json_lines()[0]
    assert (status["loading_status"], status["error"]) == ("completed", None)
    again = run("cancel", "bebop")
    assert again.code == 1
    assert "is not loading" in again.err


def test_a_provider_switched_off(run: Run, loading_env: dict[str, str]) -> None:
    """With AniList switched off, ``plugins --json`` says why it is unavailable and a series
    added by title is identified through Jikan instead."""
    env = {**loading_env, "ANIWORLD_ANILIST_ENABLED": "0"}
    providers = {p["name"]: p for p in run("plugins", "--json", env=env).json_lines()}
    assert providers["anilist"]["available"] is False
    assert "switched off in the settings" in providers["anilist"]["reason"]
    run("add", "Cowboy Bebop", "--year", "1998")
    assert "Loaded 1 of 1 series." in run("load", env=env).out
    (series,) = run("list", "--json").json_lines()
    assert series["ids"] == {**series["ids"], "mal": "1"}
    assert "anilist" not in series["ids"]
