"""Which chain entries make which season (docs/numbering.md, section 2): every example in its
table, as a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from aniworld_core.library.numbering import FileNumbers
from aniworld_core.library.release import parse_path
from aniworld_core.library.seasons import (
    ChainEntry,
    Layout,
    Placement,
    ShowNumber,
    continues,
    plan_seasons,
    show_number,
)


def files(*paths: str) -> list[FileNumbers]:
    found = []
    for path in paths:
        parsed = parse_path(path + ".mkv", "Title")
        found.append(FileNumbers(path, parsed.season, parsed.episode, parsed.episode_end,
                                 parsed.version, parsed.special, 100))
    return found


def entries(*counts: int | tuple[int]) -> list[ChainEntry]:
    """``12`` is an entry of 12 episodes; ``(10,)`` one of 10 whose title continues the one
    before it."""
    return [ChainEntry(count[0], continues=True) if isinstance(count, tuple)
            else ChainEntry(count) for count in counts]


DOCUMENTED = [
    ("S1 (25), S2 (12), S3 (12), +S3 Part 2 (10)", "any", entries(25, 12, 12, (10,)), [],
     Layout.SHOW, [Placement(1, 0), Placement(2, 0), Placement(3, 0), Placement(3, 12)]),
    ("S1 (12), S2 (13), S3 (12)", "any", entries(12, 13, 12), [], Layout.SHOW,
     [Placement(1, 0), Placement(2, 0), Placement(3, 0)]),
    ("A (24), B (24), C (39)", "`Season 02/… - 01` … `Season 02/… - 48`", entries(24, 24, 39),
     files(*(f"Season 02/Title - {n:02d}" for n in range(1, 49))), Layout.SHOW,
     [Placement(1, 0), Placement(2, 0), Placement(2, 24)]),
    ("A (25), B (25), C (10)", "`Season 02/… - 26` … `Season 02/… - 50`", entries(25, 25, 10),
     files(*(f"Season 02/Title - {n:02d}" for n in range(26, 51))), Layout.SHOW,
     [Placement(1, 0), Placement(2, 0), Placement(3, 0)]),
    ("A (11), +A Part 2 (12)", "one-entry folder of A", entries(11, (12,)), [], Layout.ENTRY,
     [Placement(1, 0), Placement(1, 11)]),
]


@pytest.mark.parametrize(("chain", "shown", "given", "found", "layout", "placed"), DOCUMENTED)
def test_documented_examples(chain: str, shown: str, given: list[ChainEntry],
                             found: list[FileNumbers], layout: Layout,
                             placed: list[Placement]) -> None:
    """Each row of the seasons table in docs/numbering.md groups exactly as written there."""
    assert plan_seasons(given, found, layout) == placed


def test_the_documentation_lists_every_example() -> None:
    """The seasons table in docs/numbering.md has exactly the rows tested here."""
    doc = (Path(__file__).parents[3] / "docs" / "numbering.md").read_text(encoding="utf-8")
    section = doc.split("## 2. Which entries", 1)[1].split("## 3.", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [[cell.strip() for cell in row.split("|")[1:3]] for row in rows[1:]]
    assert cells == [[chain, shown] for chain, shown, *_ in DOCUMENTED]


def test_show_numbers_count_every_earlier_season_in_full() -> None:
    """Season 3 Part 2's first episode is S03E13, absolute 25 + 12 + 12 + 1."""
    given = entries(25, 12, 12, (10,))
    placed = plan_seasons(given, [], Layout.SHOW)
    assert show_number(given, placed, 3, 1) == ShowNumber(3, 13, 50)
    assert show_number(given, placed, 1, 5) == ShowNumber(2, 5, 30)


@pytest.mark.parametrize(("previous", "titles", "expected"), [
    (["Shingeki no Kyojin 3", "Attack on Titan Season 3"],
     ["Shingeki no Kyojin 3 Part. 2", "Attack on Titan Season 3 Part 2"], True),
    (["86 EIGHTY-SIX"], ["86 EIGHTY-SIX Part 2"], True),
    (["SPY×FAMILY"], ["SPY x FAMILY Part 2"], True),
    (["Shingeki no Kyojin: The Final Season"],
     ["Shingeki no Kyojin: The Final Season Part 2"], True),
    (["Re:Zero kara Hajimeru Isekai Seikatsu 2nd Season"],
     ["Re:Zero kara Hajimeru Isekai Seikatsu 2nd Season Part 2"], True),
    (["Attack on Titan Season 3 Part 2"], ["Attack on Titan Final Season"], False),
    (["Vinland Saga"], ["Vinland Saga Season 2"], False),
    (["JoJo no Kimyou na Bouken: Diamond wa Kudakenai"],
     ["JoJo no Kimyou na Bouken Part 5: Ougon no Kaze"], False),
    (["Attack on Titan Season 2"], ["Attack on Titan Season 3 Part 2"], False),
])
def test_a_part_continues_the_entry_with_the_same_title(previous: list[str], titles: list[str],
                                                        expected: bool) -> None:
    """"Part 2" continues the entry whose title it repeats (same season, part one before);
    a new season, another title or a part of another season does not."""
    assert continues(previous, titles) is expected


def test_numbers_that_fit_the_season_do_not_pull_in_the_next_entry() -> None:
    """Files within a season's episodes, or none for it, leave the next entry its own season."""
    given = entries(12, 12, 12)
    inside = files(*(f"Season 02/Title - {n:02d}" for n in range(1, 13)))
    assert plan_seasons(given, inside, Layout.SHOW) == [Placement(1, 0), Placement(2, 0),
                                                        Placement(3, 0)]
