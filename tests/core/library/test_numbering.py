"""The numbering rule of docs/numbering.md: every example in its table, as a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from aniworld_core.library.numbering import (
    EpisodeNumbers,
    FileNumbers,
    best_file,
    file_episodes,
    link,
    link_files,
)
from aniworld_core.library.release import parse_path

Key = tuple[int, int]


def provider(*ranges: tuple[int, int, int] | tuple[int, int, int, int]) -> list[EpisodeNumbers]:
    """``(season, first, last)`` or ``(season, first, last, first_absolute)``."""
    episodes = []
    for season, first, last, *absolute in ranges:
        for offset, number in enumerate(range(first, last + 1)):
            episodes.append(EpisodeNumbers(season, number,
                                           absolute[0] + offset if absolute else None))
    return episodes


def files(*paths: str, sizes: dict[str, int] | None = None) -> list[FileNumbers]:
    """Files as the scan stores them: parsed with the series title "Title" as context."""
    found = []
    for path in paths:
        parsed = parse_path(path + ".mkv", "Title")
        found.append(FileNumbers(path, parsed.season, parsed.episode, parsed.episode_end,
                                 parsed.version, parsed.special, (sizes or {}).get(path, 100)))
    return found


SHOW, ENTRY = True, False  # how the folder holds the show: strict seasons, or one entry

DOCUMENTED = [
    (SHOW, provider((1, 1, 12)), [f"Title - {n:02d}" for n in range(1, 13)],
     {(1, n): f"Title - {n:02d}" for n in range(1, 13)}),
    (SHOW, provider((1, 1, 26), (2, 1, 12)), ["Title - 27"], {(2, 1): "Title - 27"}),
    (SHOW, provider((1, 1, 26), (2, 1, 12)), ["Season 02/Title - 03"],
     {(2, 3): "Season 02/Title - 03"}),
    (SHOW, provider((1, 1, 26), (2, 1, 12)), ["Title S2 - 27"], {(2, 1): "Title S2 - 27"}),
    (SHOW, provider((1, 1, 24), (2, 1, 23)), ["Season 2/Title - 01"],
     {(2, 1): "Season 2/Title - 01"}),
    (SHOW, provider((1, 1, 12), (2, 1, 12)), ["Title S2 - 05", "Title S3 - 01"],
     {(2, 5): "Title S2 - 05"}),
    (SHOW, provider((1, 1, 12, 13)), ["Title - 13"], {(1, 1): "Title - 13"}),
    (ENTRY, provider((1, 1, 12)), [f"Title S3 - {n}" for n in range(13, 25)],
     {(1, n - 12): f"Title S3 - {n}" for n in range(13, 25)}),
    (ENTRY, provider((1, 1, 12)), ["Title S2 - 05"], {(1, 5): "Title S2 - 05"}),
    (SHOW, provider((1, 1, 12), (0, 1, 2)), ["Title - SP2", "Specials/Title - 01"],
     {(0, 2): "Title - SP2", (0, 1): "Specials/Title - 01"}),
    (SHOW, provider((1, 1, 12)), ["Title - 01-02"],
     {(1, 1): "Title - 01-02", (1, 2): "Title - 01-02"}),
    (SHOW, provider((1, 1, 12)), ["Title - 05", "Title - 05v2"], {(1, 5): "Title - 05v2"}),
    (SHOW, provider((1, 1, 12)), ["Title - 13", "Title - 01"], {(1, 1): "Title - 01"}),
]


@pytest.mark.parametrize(("strict", "episodes", "paths", "linked"), DOCUMENTED)
def test_documented_examples(strict: bool, episodes: list[EpisodeNumbers], paths: list[str],
                             linked: dict[Key, str]) -> None:
    """Each row of the table in docs/numbering.md links exactly as written there."""
    assert link(episodes, files(*paths), strict=strict).paths == linked


def test_the_documentation_lists_every_example() -> None:
    """The examples table in docs/numbering.md has one row per documented example, each
    saying how the folder holds the show as the test does."""
    doc = (Path(__file__).parents[3] / "docs" / "numbering.md").read_text(encoding="utf-8")
    table = doc.split("## Examples", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    folders = [row.split("|")[1].strip() for row in rows[1:]]
    assert folders == ["whole show" if strict else "one entry" for strict, *_ in DOCUMENTED]


def test_a_file_of_one_season_never_fills_another_seasons_gap() -> None:
    """In a whole-show folder a season's file lands in that season or nowhere: season 1's
    episode 25 is not season 2's first (absolute 25), and an unknown season is placed nowhere,
    each with the reason; season 2's absolute 30 is its episode 6."""
    episodes = provider((1, 1, 24), (2, 1, 23))
    result = link(episodes, files("Season 2/Title - 30", "Season 2/Title - 50",
                                  "Season 3/Title - 01", "Season 1/Title - 25"), strict=True)
    assert result.paths == {(2, 6): "Season 2/Title - 30"}
    assert {u.path: u.reason for u in result.unplaced} == {
        "Season 2/Title - 50": "it names episode 50 of season 2, which has 23 episodes",
        "Season 3/Title - 01": "it names season 3, but only seasons 1-2 are known",
        "Season 1/Title - 25": "it names episode 25 of season 1, which has 24 episodes",
    }


def test_a_one_entry_folder_with_several_seasons_is_not_read_loosely() -> None:
    """Unplaced files of a loosely read folder still say why."""
    result = link(provider((1, 1, 12)), files("Title - 40"), strict=False)
    assert result.paths == {(1, 1): "Title - 40"}  # continued numbering: 40 is the first
    stray = link(provider((1, 1, 12)), files("Title - 01", "Title - 40"), strict=False)
    assert [u.reason for u in stray.unplaced] == [
        "it names episode 40, but the 12 episodes known do not include it"]


def test_larger_file_wins_among_equal_versions() -> None:
    """Two files of one episode and version: the larger one is linked."""
    found = files("[A] Title - 03", "[B] Title - 03", sizes={"[A] Title - 03": 1,
                                                             "[B] Title - 03": 2})
    assert link_files(provider((1, 1, 12)), found) == {(1, 3): "[B] Title - 03"}
    assert best_file(found).path == "[B] Title - 03"


def test_files_alone_make_an_episode_list() -> None:
    """Without a provider list, files give their own numbers: seasonless ones in season 1,
    specials in season 0, unparsed ones nothing."""
    found = files("Title - 01", "Season 02/Title - 03", "Title - SP1", "Title - NCOP",
                  "Title - 04-05")
    assert file_episodes(found) == {
        (1, 1): "Title - 01", (2, 3): "Season 02/Title - 03", (0, 1): "Title - SP1",
        (1, 4): "Title - 04-05", (1, 5): "Title - 04-05",
    }


def test_no_provider_episodes_links_nothing() -> None:
    """An empty provider list links no file (and does not fail)."""
    assert link_files([], files("Title - 01")) == {}
