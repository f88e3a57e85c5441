"""The numbering rule of docs/numbering.md: every example in its table, as a test."""

from __future__ import annotations

import pytest

from aniworld_core.library.numbering import (
    EpisodeNumbers,
    FileNumbers,
    best_file,
    file_episodes,
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


DOCUMENTED = [
    (provider((1, 1, 12)), [f"Title - {n:02d}" for n in range(1, 13)],
     {(1, n): f"Title - {n:02d}" for n in range(1, 13)}),
    (provider((1, 1, 26), (2, 1, 12)), ["Title - 27"], {(2, 1): "Title - 27"}),
    (provider((1, 1, 26), (2, 1, 12)), ["Season 02/Title - 03"], {(2, 3): "Season 02/Title - 03"}),
    (provider((1, 1, 26), (2, 1, 12)), ["Title S2 - 27"], {(2, 1): "Title S2 - 27"}),
    (provider((1, 1, 12, 13)), ["Title - 13"], {(1, 1): "Title - 13"}),
    (provider((1, 1, 12)), [f"Title S3 - {n}" for n in range(13, 25)],
     {(1, n - 12): f"Title S3 - {n}" for n in range(13, 25)}),
    (provider((1, 1, 12), (0, 1, 2)), ["Title - SP2", "Specials/Title - 01"],
     {(0, 2): "Title - SP2", (0, 1): "Specials/Title - 01"}),
    (provider((1, 1, 12)), ["Title - 01-02"], {(1, 1): "Title - 01-02", (1, 2): "Title - 01-02"}),
    (provider((1, 1, 12)), ["Title - 05", "Title - 05v2"], {(1, 5): "Title - 05v2"}),
    (provider((1, 1, 12)), ["Title - 13", "Title - 01"], {(1, 1): "Title - 01"}),
]


@pytest.mark.parametrize(("episodes", "paths", "linked"), DOCUMENTED)
def test_documented_examples(episodes: list[EpisodeNumbers], paths: list[str],
                             linked: dict[Key, str]) -> None:
    """Each row of the table in docs/numbering.md links exactly as written there."""
    assert link_files(episodes, files(*paths)) == linked


def test_the_documentation_lists_every_example() -> None:
    """The table in docs/numbering.md has one row per documented example."""
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "numbering.md").read_text(encoding="utf-8")
    table = doc.split("## Examples", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) - 1 == len(DOCUMENTED)  # minus the header


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
