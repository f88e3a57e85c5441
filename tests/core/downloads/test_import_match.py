"""Release names of finished downloads matched to shows and episodes (the labelled corpus in
tests/data/import_corpus.json): confident matches only, a sentence for everything else."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from aniworld_core.downloads.import_match import (
    ShowIndex,
    Unmatched,
    find_episodes,
    read_release,
    reparse,
    title_key,
)
from aniworld_core.downloads.import_watch import is_video_candidate
from aniworld_core.metadata import ProviderIds
from aniworld_core.models import Episode, LoadingStatus, Series

CORPUS = json.loads((Path(__file__).parents[2] / "data" / "import_corpus.json")
                    .read_text(encoding="utf-8"))
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def make_series(number: int, title: str, *, folder: str | None = None,
                year: int | None = None) -> Series:
    return Series(id=f"series-{number}", title=title, folder=folder, library_root="/library",
                  year=year, ids=ProviderIds(), loading_status=LoadingStatus.COMPLETED,
                  episodes_loaded=True, nfo_loaded=True, logo_loaded=True, images_loaded=True,
                  loading_started_at=None, loading_completed_at=None, loading_error=None,
                  created_at=NOW, updated_at=NOW)


def make_episodes(series_id: str, seasons: list[int], *, specials: int = 0,
                  files: tuple[str, ...] = ()) -> list[Episode]:
    """Seasons of the given lengths, numbered absolutely across them; ``files``: ``S01E01``
    style names of the episodes that have one."""
    episodes = [Episode(series_id, 0, n) for n in range(1, specials + 1)]
    absolute = 0
    for season, count in enumerate(seasons, start=1):
        for number in range(1, count + 1):
            absolute += 1
            code = f"S{season:02d}E{number:02d}"
            path = f"Season {season:02d}/Cowboy Bebop - {code}.mkv" if code in files else None
            episodes.append(Episode(series_id, season, number, absolute_number=absolute,
                                    title=f"Episode {number}", file_path=path))
    return episodes


SHOWS = [make_series(n, show["title"], folder=show["folder"], year=show["year"])
         for n, show in enumerate(CORPUS["shows"])]
EPISODES = {series.id: make_episodes(series.id, show["seasons"],
                                     specials=show.get("specials", 0),
                                     files=tuple(show.get("files", ())))
            for series, show in zip(SHOWS, CORPUS["shows"], strict=True)}
INDEX = ShowIndex(SHOWS)


def match(name: str) -> tuple[str, int, list[int]] | Unmatched:
    release = read_release(PurePosixPath(name))
    series = INDEX.find(release)
    if isinstance(series, Unmatched):
        return series
    found = find_episodes(series, EPISODES[series.id], reparse(release, series))
    if isinstance(found, Unmatched):
        return found
    return series.title, found[0].season, [episode.number for episode in found]


def test_the_corpus_is_big_enough() -> None:
    """At least 40 labelled names, of every kind."""
    kinds = [next(iter(expected)) for expected in CORPUS["names"].values()]
    assert len(kinds) >= 40
    assert {"match", "pending", "ignored"} == set(kinds)


@pytest.mark.parametrize(("name", "expected"), CORPUS["names"].items())
def test_corpus(name: str, expected: dict[str, Any]) -> None:
    """Each name of the corpus is matched, pending for the reason given, or ignored."""
    candidate = is_video_candidate(Path("/downloads", name), Path("/downloads"))
    if "ignored" in expected:
        assert not candidate
        return
    assert candidate
    result = match(name)
    if "match" in expected:
        title, season, episodes = expected["match"]
        assert result == (title, season, episodes)
    else:
        assert isinstance(result, Unmatched)
        assert expected["pending"] in result.reason


def test_pending_files_keep_what_the_name_said() -> None:
    """The guess stored with a pending file holds the title, season and episode read."""
    result = match("Attack.on.Titan.S02E13.1080p.WEB.H264-GRP.mkv")
    assert isinstance(result, Unmatched)
    assert result.guess == {"title": "Attack on Titan", "season": 2, "episode": 13}


def test_a_near_tie_names_both_shows() -> None:
    """A title close to two shows is pending with both named, never matched to either."""
    result = match("Tokyo Ghoul r - 05.mkv")
    assert isinstance(result, Unmatched)
    assert result.reason == "'Tokyo Ghoul r' could be 'Tokyo Ghoul:re' or 'Tokyo Ghoul'"


def test_two_shows_with_one_title_are_ambiguous() -> None:
    """Two library shows both called 'Hunter x Hunter' (1999 and 2011): pending."""
    index = ShowIndex([make_series(1, "Hunter x Hunter", year=1999),
                       make_series(2, "Hunter x Hunter", year=2011)])
    result = index.find(read_release(PurePosixPath("[G] Hunter x Hunter - 05.mkv")))
    assert isinstance(result, Unmatched)
    assert "could be 'Hunter x Hunter' or 'Hunter x Hunter'" in result.reason


def test_an_unloaded_episode_list_is_pending() -> None:
    """A show whose episode list is not loaded yet cannot be matched to an episode."""
    series = SHOWS[0]
    result = find_episodes(series, [], read_release(PurePosixPath("Cowboy Bebop - 05.mkv")))
    assert isinstance(result, Unmatched)
    assert result.reason == "Cowboy Bebop's episode list is not loaded yet"


def test_quality_and_group_are_read() -> None:
    """Fansub and scene names give their release group and quality."""
    fansub = read_release(PurePosixPath("[SubsPlease] Cowboy Bebop - 05 (1080p).mkv"))
    scene = read_release(PurePosixPath("Cowboy.Bebop.S01E05.720p.BluRay.x264-GRP.mkv"))
    assert (fansub.group, fansub.quality) == ("SubsPlease", "1080p")
    assert (scene.group, scene.quality) == ("GRP", "Bluray-720p")


def test_title_key_ignores_case_and_punctuation() -> None:
    """'Tokyo Ghoul:re' and 'tokyo.ghoul.RE' compare equal."""
    assert title_key("Tokyo Ghoul:re") == title_key("tokyo.ghoul.RE") == "tokyo ghoul re"
