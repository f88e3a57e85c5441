"""``missing`` and ``status`` of a show with seasons, scanned from disk and loaded against the
fake providers, through click's runner."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.show_files import season_folders, touch

#: Mob Psycho 100's three seasons in the fake dataset: 12, 13 and 12 episodes, one AniList
#: entry each; the second is also kept in a folder of its own.
SEASON_ONE, SEASON_TWO, SEASON_THREE = "21507", "101338", "140439"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """Mob Psycho 100 in season folders without S01E03, season 3 with only its first episode,
    a file naming a season 4 nobody knows; its second season in a folder of its own with two
    episodes."""
    root = tmp_path / "library"
    show = root / "Mob Psycho 100"
    season_folders(show, "Mob Psycho 100",
                   [(1, n) for n in range(1, 13) if n != 3] + [(3, 1), (4, 1)])
    touch(root / "Mob Psycho 100 II", [f"[Group] Mob Psycho 100 II - {n:02d} [1080p].mkv"
                                       for n in (1, 2)])
    return root


@pytest.fixture
def loaded(run: Run, loading_env: dict[str, str], library: Path) -> Run:
    """The library scanned and loaded."""
    outcome = run("scan", str(library), env=loading_env)
    assert outcome.code == 0, outcome.err
    assert "Loaded 2 of 2 series." in outcome.out
    return run


def test_missing_is_grouped_by_season_then_the_unplaced_files(loaded: Run) -> None:
    """``missing`` heads each season's missing episodes with its title and entry, leaves out
    the season another folder holds, and ends with the file it could not place and why."""
    text = loaded("missing", "Mob Psycho 100").out
    assert "Mob Psycho 100: 12 missing" in text
    assert f"Season 1 · Mob Psycho 100 (AniList {SEASON_ONE}): 1 missing" in text
    assert f"Season 3 · Mob Psycho 100 III (AniList {SEASON_THREE}): 11 missing" in text
    assert "Season 2" not in text
    assert "S01E03" in text
    assert f"AniList {SEASON_ONE} · 3" in text
    assert text.index("S01E03") < text.index("Season 3 ·") < text.index("S03E12")
    assert "Not placed (1 file naming no listed episode):" in text
    assert ("Season 04/Mob Psycho 100 - S04E01.mkv — it names season 4, but only seasons 1-3 "
            "are known") in text


def test_missing_json_is_one_object_per_episode_with_season_and_entry(loaded: Run) -> None:
    """``missing --json`` prints only the missing episodes, one object each, with the show's
    season and the entry (and the number there) each belongs to."""
    outcome = loaded("missing", "Mob Psycho 100", "--json")
    lines = outcome.json_lines()
    assert len(lines) == 12
    assert {(line["season"], line["number"]) for line in lines} == (
        {(1, 3)} | {(3, n) for n in range(2, 13)})
    assert lines[0]["entry"] == {"provider": "anilist", "id": SEASON_ONE, "number": 3}
    assert lines[-1]["entry"] == {"provider": "anilist", "id": SEASON_THREE, "number": 12}
    assert "Not placed" not in outcome.out


def test_nothing_missing_still_lists_the_unplaced_files(run: Run, loading_env: dict[str, str],
                                                        tmp_path: Path) -> None:
    """A show with every episode present says none is missing, then names the file it could
    not place."""
    season_folders(tmp_path / "library" / "Mob Psycho 100", "Mob Psycho 100",
                   [(season, n) for season, last in ((1, 12), (2, 13), (3, 12))
                    for n in range(1, last + 1)] + [(4, 1)])
    assert run("scan", str(tmp_path / "library"), env=loading_env).code == 0
    text = run("missing", "Mob Psycho 100").out
    assert text.startswith("No episodes of Mob Psycho 100 are missing.\n")
    assert "Season 04/Mob Psycho 100 - S04E01.mkv — it names season 4" in text


def cells(text: str) -> list[list[str]]:
    """The rows of the tables in ``text``, each a list of its stripped cells."""
    return [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in text.splitlines() if line.startswith("│")]


def test_status_shows_the_seasons_and_the_unplaced_files(loaded: Run) -> None:
    """``status SERIES`` lists each season with its title, present/known episodes and entries
    (the one another folder holds named with that series), then the file it could not place."""
    text = loaded("status", "Mob Psycho 100").out
    assert "12 with a file." in text
    assert cells(text) == [
        ["1", "Mob Psycho 100", "11/12", f"AniList {SEASON_ONE}"],
        ["2", "Mob Psycho 100 II", "0/0", f"AniList {SEASON_TWO} in Mob Psycho 100 II"],
        ["3", "Mob Psycho 100 III", "1/12", f"AniList {SEASON_THREE}"],
    ]
    assert "Season 04/Mob Psycho 100 - S04E01.mkv — it names season 4" in text


def test_a_missing_folder_is_said_and_missing_episodes_are_not_guessed(
        run: Run, library: Path) -> None:
    """Once a scan finds a series' folder gone, ``status`` says so and ``missing`` refuses with
    the reason rather than listing every episode."""
    run("scan", "--no-load", str(library))
    shutil.rmtree(library / "Mob Psycho 100 II")
    run("scan", "--no-load", str(library))
    assert "Folder missing since " in run("status", "Mob Psycho 100 II").out
    outcome = run("missing", "Mob Psycho 100 II")
    assert outcome.code == 1
    assert "is missing since" in outcome.err
    assert outcome.out == ""


def test_missing_says_when_the_next_episode_airs(run: Run, loading_env: dict[str, str],
                                                 tmp_path: Path) -> None:
    """An airing show (ONE PIECE airs weekly at the fake AniList): ``missing`` ends with its
    next episode and when it airs, in the machine's time zone."""
    root = tmp_path / "airing"
    touch(root / "ONE PIECE", ["[Group] ONE PIECE - 1122 [1080p].mkv"])
    assert run("scan", str(root), env=loading_env).code == 0
    text = run("missing", "ONE PIECE").out
    assert re.search(r"Next: S01E1123 airs (Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d \(\w+\)\.", text), text
