"""Pick the search result that is the series, or say that none is confident enough."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

import attrs

from aniworld_core.metadata import SearchResult

_NOISE = re.compile(r"[^\w]+", re.UNICODE)


def normalise(title: str) -> str:
    """Case, accents, punctuation and spacing do not make two titles different."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOISE.sub(" ", letters).strip()


@attrs.frozen
class Scored:
    result: SearchResult
    score: float


def score(titles: Sequence[str], year: int | None, result: SearchResult) -> float:
    """How sure we are that ``result`` is the series known by ``titles`` (0–1): the best
    similarity of any of our titles to any of its titles, nudged by the year."""
    wanted = {normalise(title) for title in titles if title}
    names = {normalise(name) for name in (result.title, *result.alt_titles) if name}
    best = max(
        (difflib.SequenceMatcher(None, ours, theirs).ratio()
         for ours in wanted for theirs in names),
        default=0.0,
    )
    if year is not None and result.year is not None:
        if result.year == year:
            best = min(1.0, best + 0.1)
        elif abs(result.year - year) > 1:
            best -= 0.25
    return max(0.0, best)


def rank(titles: str | Sequence[str], year: int | None,
         results: Sequence[SearchResult]) -> list[Scored]:
    """Results with their scores, best first (the provider's order breaks ties)."""
    known = [titles] if isinstance(titles, str) else list(titles)
    scored = [Scored(result, score(known, year, result)) for result in results]
    return sorted(scored, key=lambda item: -item.score)


def describe(candidates: Sequence[Scored], limit: int = 5) -> list[str]:
    """Candidates as people read them: ``"Cowboy Bebop (1998) anilist:1"``."""
    lines = []
    for item in candidates[:limit]:
        year = f" ({item.result.year})" if item.result.year else ""
        lines.append(f"{item.result.title}{year} {item.result.ref}")
    return lines
