"""Sequel markers in titles: "Season 2", "2nd Season", "II", "R2", "Part 2", "2nd Cour",
"The Final Season", "第2期". Shared by folder names (which season of a show a folder holds) and
by provider titles (which entries of an AniList chain are cours of one season).

:func:`split_marker` reads markers from the end of a title, so "Shingeki no Kyojin 3 Part. 2" is
season 3, part 2, with the base title "Shingeki no Kyojin". A title that is only a number ("86")
or ends in a number that is part of the name ("Mob Psycho 100", "Steins;Gate 0") has no marker.
"""

from __future__ import annotations

import re

import attrs

_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                  "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
          "x": 10}
_SEP = r"[\s._:\-–—~,]*"
_NUMBER = r"(?P<n>[0-9]{1,2}|" + "|".join(_ORDINAL_WORDS) + r"|" + "|".join(
    sorted(_ROMAN, key=len, reverse=True)) + r")"
_ORDINAL = r"(?P<n>[0-9]{1,2})(?:st|nd|rd|th)|(?P<w>" + "|".join(_ORDINAL_WORDS) + r")"

# Each pattern matches at the end of a title; they are tried again on what is left.
_PART = [
    re.compile(_SEP + r"(?:part|pt)\.?" + _SEP + _NUMBER + r"$", re.IGNORECASE),
    re.compile(_SEP + r"(?:" + _ORDINAL + r")" + _SEP + r"(?:cour|part)$", re.IGNORECASE),
    re.compile(_SEP + r"cour" + _SEP + r"(?P<n>[0-9])$", re.IGNORECASE),
    re.compile(_SEP + r"第(?P<n>[0-9])(?:クール|部)$"),
]
_SEASON = [
    re.compile(_SEP + r"(?:season|series|saison|staffel|temporada)" + _SEP + _NUMBER + r"$",
               re.IGNORECASE),
    re.compile(_SEP + r"(?:" + _ORDINAL + r")" + _SEP + r"(?:season|series)$", re.IGNORECASE),
    re.compile(_SEP + r"s(?P<n>[0-9]{1,2})$", re.IGNORECASE),
    re.compile(_SEP + r"第?(?P<n>[0-9])期$"),
    re.compile(r"\s+r(?P<n>[2-9])$", re.IGNORECASE),
    # Uppercase roman numerals only: "Mob Psycho 100 III", not the word "vi".
    re.compile(r"\s+(?P<n>II|III|IV|V|VI|VII|VIII|IX|X)$"),
    # Not after a movie word: "Made in Abyss Movie 3" is the third film, not a third season.
    re.compile(r"(?<=[^\W\d_])(?<!movie)(?<!film)(?<!ova)\s+(?P<n>[2-9])$", re.IGNORECASE),
]
_FINAL = re.compile(_SEP + r"(?:the\s+)?final(?:\s+season)?$", re.IGNORECASE)
_TRAILING = re.compile(r"[\s._:\-–—~,(]+$")


@attrs.frozen
class SequelMarker:
    """What the end of a title says about which season (and cour) it is."""

    #: The season it names: 2 for "Season 2", "2nd Season", "II", "R2", "S02".
    season: int | None = None
    #: The cour or part: 2 for "Part 2", "2nd Cour", "第2クール".
    part: int | None = None
    #: "The Final Season" (its number is whatever the chain makes it).
    final: bool = False

    @property
    def is_sequel(self) -> bool:
        """Whether the title names something after the first season's first part."""
        return self.final or (self.season or 1) > 1 or (self.part or 1) > 1


NO_MARKER = SequelMarker()


def split_marker(title: str) -> tuple[str, SequelMarker]:
    """The title without its sequel markers, and the markers. ``"Attack on Titan Season 3 Part
    2"`` → ``("Attack on Titan", SequelMarker(season=3, part=2))``."""
    rest = title.strip()
    season = part = None
    final = False
    changed = True
    while changed and rest:
        changed = False
        if part is None and season is None and not final:
            found, rest = _take(_PART, rest)
            if found is not None:
                part, changed = found, True
                continue
        if season is None and not final:
            found, rest = _take(_SEASON, rest)
            if found is not None:
                season, changed = found, True
                continue
            match = _FINAL.search(rest)
            if match and match.start() > 0:
                rest, final, changed = rest[: match.start()], True, True
    base = _TRAILING.sub("", rest)
    if not base:  # the whole title was a "marker": "86", "II"
        return title.strip(), NO_MARKER
    return base, SequelMarker(season=season, part=part, final=final)


def _take(patterns: list[re.Pattern[str]], text: str) -> tuple[int | None, str]:
    for pattern in patterns:
        match = pattern.search(text)
        if match is None or match.start() == 0:
            continue
        value = _value(match)
        if value is not None:
            return value, text[: match.start()]
    return None, text


def _value(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    word = groups.get("w")
    if word:
        return _ORDINAL_WORDS[word.lower()]
    raw = (groups.get("n") or "").lower()
    if raw.isdigit():
        value = int(raw)
        return value if value >= 1 else None
    return _ORDINAL_WORDS.get(raw) or _ROMAN.get(raw)
