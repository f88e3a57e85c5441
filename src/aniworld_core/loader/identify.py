"""Which provider entry a series folder is, or that the user has to say.

:func:`identify` reads a :class:`~aniworld_core.library.names.FolderName`, sends one search (a
second or third only when the first leaves it unsure) and compares the folder's title with every
title of every result: a name with a sequel marker ("Season 2", "R2", "Part 2", "The Final
Season") only matches an entry with the same marker, a year tells remakes apart, and a result
is only chosen when it fits clearly better than every other. Below ``threshold`` the caller asks
the user to pick from :attr:`Identification.candidates`; nothing is written for such a folder.

:func:`rank` and :func:`confident` are the plainer comparison of known titles with another
provider's results, used to map ids once the series is known. They keep identification's rules
where another provider's entry can be told apart: a movie is never a TV show, a year more than
one apart counts against a result, and a result is only taken when it leads every other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import attrs

from aniworld_core.library.names import FolderName
from aniworld_core.library.sequels import split_marker
from aniworld_core.loader.judge import CLEAR_LEAD, OTHER_YEAR, Judged, judge
from aniworld_core.loader.title_match import main_title, normalise, read_title, similarity
from aniworld_core.metadata import ProviderRef, SearchResult

__all__ = ["Identification", "Scored", "confident", "describe", "identify", "normalise", "rank",
           "score"]

#: How many searches :func:`identify` sends at most for one folder.
MAX_QUERIES = 3

Search = Callable[[str, int | None], Awaitable[Sequence[SearchResult]]]


@attrs.frozen
class Scored:
    """A search result and how well it fits (0..1)."""

    result: SearchResult
    score: float


@attrs.frozen
class Identification:
    """What :func:`identify` decided for a folder."""

    #: The entry the folder is; ``None``: ask the user.
    match: SearchResult | None
    #: How sure (0..1), for the best candidate even when it is not the match. Calibrated on
    #: the labelled corpus (``benchmarks/identify.py``): every best candidate at 0.8 or more
    #: was right, and no folder that has to be asked about scored above 0.7. 1.0 for an exact
    #: title with a clear lead or an id hint; 0.85 for a main title without its subtitle;
    #: 0.5 or less for a tie. A match is only given at or above the caller's threshold.
    confidence: float
    #: Every result seen, best first, for the user to pick from.
    candidates: tuple[Scored, ...]
    #: One sentence for people: why it matched, or why it asks.
    reason: str


async def identify(folder: FolderName, search: Search, *, threshold: float,
                   id_type: str = "anilist") -> Identification:
    """Identify ``folder`` with ``search(query, year)``, a provider's title search whose
    results are refs of ``id_type``.

    A folder id hint of ``id_type`` (``[anilistid-1]``) is the answer without a search (its
    ref is ``ProviderRef(id_type, id)``; AniList's provider name and id type are both
    "anilist"); a hint of another type (``[malid-1]``) picks the result that carries it.
    Otherwise the results of up to :data:`MAX_QUERIES` searches (a second one only when the
    first leaves it unsure) are compared with the folder's title, year and sequel marker; see
    :mod:`aniworld_core.loader.judge`. Deterministic: the same folder and the same search
    answers give the same result. Errors of ``search`` propagate.
    """
    direct = folder.ids.get(id_type)
    if direct is not None:
        given = SearchResult(ref=ProviderRef(id_type, direct), title=folder.title,
                             year=folder.year, ids=folder.ids)
        return Identification(given, 1.0, (Scored(given, 1.0),),
                              f"The folder name gives the {id_type} id {direct}.")
    pool: dict[ProviderRef, SearchResult] = {}
    judged: Judged | None = None
    for query in _queries(folder):
        for result in await search(query, folder.year):
            pool.setdefault(result.ref, result)
        judged = judge(folder, list(pool.values()))
        if judged.confidence >= threshold:
            break
    assert judged is not None  # there is always a first query
    candidates = tuple(Scored(result, value) for result, value in judged.scores)
    match = judged.best if judged.best is not None and judged.confidence >= threshold else None
    reason = judged.reason
    if judged.best is not None and match is None and judged.confidence >= 0.5:
        reason = (f"{reason} Not sure enough ({judged.confidence:.2f} < {threshold:.2f}) to "
                  "write anything without you.")
    return Identification(match, round(judged.confidence, 4), candidates, reason)


def _queries(folder: FolderName) -> list[str]:
    """The searches worth sending, most specific first: the title (with its sequel marker),
    then the title without the marker (to see the whole chain), then the main title without
    its subtitle."""
    queries = [folder.title]
    for query in (folder.base_title, main_title(folder.base_title)):
        if query and normalise(query) not in {normalise(q) for q in queries}:
            queries.append(query)
    return queries[:MAX_QUERIES]


def score(titles: Sequence[str], year: int | None, result: SearchResult) -> float:
    """How sure we are that ``result`` is the series known by ``titles`` (0..1): the best
    similarity of any of our titles to any of its titles, nudged by the year. Sequel markers
    count less than words: "Attack on Titan Season 2" is 0.9 of the show "Attack on Titan",
    which is what a provider that keeps one entry per show calls it. The same year adds 0.1,
    a year more than one apart costs :data:`~aniworld_core.loader.judge.OTHER_YEAR`."""
    best = 0.0
    for ours in titles:
        if not ours:
            continue
        our_base = normalise(split_marker(ours)[0])
        ours_whole = normalise(ours)
        for theirs in (result.title, *result.alt_titles):
            form = read_title(theirs)
            value = max(similarity(ours_whole, normalise(theirs)),
                        similarity(ours_whole, form.whole),
                        0.9 * similarity(our_base, form.whole))
            best = max(best, value)
    if year is not None and result.year is not None:
        if result.year == year:
            best = min(1.0, best + 0.1)
        elif abs(result.year - year) > 1:
            best -= OTHER_YEAR
    return max(0.0, best)


def rank(titles: str | Sequence[str], year: int | None, results: Sequence[SearchResult], *,
         movie: bool | None = None) -> list[Scored]:
    """Results with their :func:`score`, best first (the provider's order breaks ties).

    With ``movie`` known, results of the other kind are left out: a movie is never a TV show,
    nor a show a movie. A result whose format is not given counts as a show (TVmaze and
    TMDB's TV search list shows only), so a movie is matched only to a result marked
    ``MOVIE``.
    """
    known = [titles] if isinstance(titles, str) else list(titles)
    if movie is not None:
        results = [result for result in results if (result.format == "MOVIE") == movie]
    scored = [Scored(result, score(known, year, result)) for result in results]
    return sorted(scored, key=lambda item: -item.score)


def confident(ranked: Sequence[Scored], threshold: float) -> Scored | None:
    """The first of ``ranked`` (as :func:`rank` orders them) if it is sure enough, as
    identification judges it: its score counts in full with a lead of
    :data:`~aniworld_core.loader.judge.CLEAR_LEAD` over the next, half with none, and must
    reach ``threshold``. Two shows of one title and no year to tell them apart are no match."""
    if not ranked:
        return None
    best = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    lead = min(1.0, max(0.0, best.score - runner_up) / CLEAR_LEAD)
    return best if best.score * (0.5 + 0.5 * lead) >= threshold else None


def describe(candidates: Sequence[Scored], limit: int = 5) -> list[str]:
    """Candidates as people read them: ``"Cowboy Bebop (1998) anilist:1"``."""
    lines = []
    for item in candidates[:limit]:
        year = f" ({item.result.year})" if item.result.year else ""
        lines.append(f"{item.result.title}{year} {item.result.ref}")
    return lines
