"""Sequel markers at the end of titles (folder names and provider titles alike)."""

from __future__ import annotations

import pytest

from aniworld_core.library.sequels import NO_MARKER, SequelMarker, split_marker

MARKED = [
    ("Attack on Titan Season 3 Part 2", "Attack on Titan", SequelMarker(season=3, part=2)),
    ("Shingeki no Kyojin 3 Part. 2", "Shingeki no Kyojin", SequelMarker(season=3, part=2)),
    ("Shingeki no Kyojin: The Final Season Part 2", "Shingeki no Kyojin",
     SequelMarker(part=2, final=True)),
    ("Attack on Titan Final Season", "Attack on Titan", SequelMarker(final=True)),
    ("86 EIGHTY-SIX Part 2", "86 EIGHTY-SIX", SequelMarker(part=2)),
    ("Mob Psycho 100 III", "Mob Psycho 100", SequelMarker(season=3)),
    ("Code Geass: Hangyaku no Lelouch R2", "Code Geass: Hangyaku no Lelouch",
     SequelMarker(season=2)),
    ("Haikyuu!! 2nd Season", "Haikyuu!!", SequelMarker(season=2)),
    ("Haikyu!! Second Season", "Haikyu!!", SequelMarker(season=2)),
    ("Re:Zero kara Hajimeru Isekai Seikatsu 2nd Season Part 2",
     "Re:Zero kara Hajimeru Isekai Seikatsu", SequelMarker(season=2, part=2)),
    ("SPY×FAMILY 第2クール", "SPY×FAMILY", SequelMarker(part=2)),
    ("Vinland Saga Season 2", "Vinland Saga", SequelMarker(season=2)),
    ("Attack on Titan S2", "Attack on Titan", SequelMarker(season=2)),
    ("Overlord II", "Overlord", SequelMarker(season=2)),
    ("Danmachi IV Part 2", "Danmachi", SequelMarker(season=4, part=2)),
]


@pytest.mark.parametrize(("title", "base", "marker"), MARKED)
def test_markers_at_the_end_are_read(title: str, base: str, marker: SequelMarker) -> None:
    """Season, part and "final" markers are split off the end of a title."""
    assert split_marker(title) == (base, marker)
    assert marker.is_sequel


@pytest.mark.parametrize("title", ["86", "Mob Psycho 100", "Steins;Gate 0", "Made in Abyss",
                                   "Tokyo Ghoul √A", "2.5 Jigen no Ririsa",
                                   "Kimetsu no Yaiba: Yuukaku-hen"])
def test_numbers_that_are_part_of_a_title_are_no_markers(title: str) -> None:
    """A title that is a number, or ends in one that belongs to it, has no marker."""
    assert split_marker(title) == (title, NO_MARKER)
    assert not NO_MARKER.is_sequel


def test_a_first_season_marker_is_not_a_sequel() -> None:
    """"Season 1" names the first season: a marker, but not a sequel."""
    base, marker = split_marker("Vinland Saga Season 1")
    assert (base, marker.season, marker.is_sequel) == ("Vinland Saga", 1, False)
