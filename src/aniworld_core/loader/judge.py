"""The decision behind :func:`~aniworld_core.loader.identify.identify`: how well each search
result fits a folder name, and how sure the best fit is.

A result's score is the best :func:`~aniworld_core.loader.title_match.similarity` of the
folder's title (without its sequel marker) to any of the result's titles, lowered when the
folder's year is another one (remakes) or the folder says "movie" and the result is not one.
A result *fits* only if its sequel marker is the folder's: "Code Geass R2" never fits "Code
Geass", and "Attack on Titan" never fits "Attack on Titan Season 2".

The confidence is the best fitting score, halved when another fitting result scores the same
and untouched when every other scores at least :data:`CLEAR_LEAD` less. Remakes that share a
title ("Hunter x Hunter", 1999 and 2011) therefore stay below any sensible threshold until a
year tells them apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence, Set

import attrs

from aniworld_core.library.names import FolderName
from aniworld_core.library.sequels import NO_MARKER, SequelMarker
from aniworld_core.loader.title_match import (
    TitleForm,
    best_similarity,
    franchise_similarity,
    has_cjk,
    normalise,
    read_title,
)
from aniworld_core.metadata import SearchResult

#: A lead over every other fitting result this large leaves the best score as it is.
CLEAR_LEAD = 0.15
#: Lost by a result from another year than the folder's (by more than a year).
OTHER_YEAR = 0.3
#: Lost by a result from the year next to the folder's (December premieres, time zones).
NEXT_YEAR = 0.03
#: Lost by a result that is no movie when the folder says it holds one.
NOT_A_MOVIE = 0.4
#: What a movie, OVA or special keeps of its score when only its main title fits the folder
#: name ("Kaguya-sama wa Kokurasetai" names the series, not its OVA "...: ... OVA").
SIDE_BY_MAIN_TITLE = 0.8
_SIDE_FORMATS = frozenset({"MOVIE", "OVA", "SPECIAL", "MUSIC"})
#: What a result that does not fit the folder's sequel marker keeps of its score (it is shown
#: to the user, never chosen).
UNFIT = 0.6
#: The most a result can be trusted when the folder's year points at another result.
YEAR_CONFLICT = 0.6


@attrs.frozen
class Judged:
    """The best fitting result (``None``: none fits), how sure, every result with its score
    (best first) and why, in one sentence."""

    best: SearchResult | None
    confidence: float
    scores: tuple[tuple[SearchResult, float], ...]
    reason: str


@attrs.frozen
class _Fit:
    result: SearchResult
    score: float
    #: How alike the titles are, before year and format count.
    likeness: float
    fits: bool
    title: TitleForm
    marker: SequelMarker
    year: int | None


def judge(folder: FolderName, results: Sequence[SearchResult]) -> Judged:
    """Judge ``results`` (in the provider's order, which breaks ties) for ``folder``."""
    if not results:
        return Judged(None, 0.0, (), f"No search result for {folder.title!r}.")
    forms = {result.ref: [read_title(title) for title in _titles(result)] for result in results}
    mains = Counter(main for titles in forms.values()
                    for main in {form.main for form in titles if form.main})
    shared = {main for main, count in mains.items() if count > 1}
    fits = sorted((_fit(folder, result, forms[result.ref], shared) for result in results),
                  key=lambda fit: -(fit.score if fit.fits else fit.score * UNFIT))
    scores = tuple((fit.result, round(fit.score if fit.fits else fit.score * UNFIT, 4))
                   for fit in fits)
    hinted = _by_id(folder, fits)
    if hinted is not None:
        first = [pair for pair in scores if pair[0] is hinted.result]
        rest = [pair for pair in scores if pair[0] is not hinted.result]
        id_type, value = next((t, v) for t, v in folder.ids.items()
                              if hinted.result.ids.get(t) == v)
        return Judged(hinted.result, 1.0, (*first, *rest),
                      f"The folder name's {id_type} id {value} belongs to "
                      f"{_name(hinted.result)}.")
    if has_cjk(folder.base_title) and not any(
            has_cjk(title) for fit in fits for title in _titles(fit.result)):
        return Judged(None, 0.0, scores,
                      f"The results carry no title in the script of {folder.title!r} to "
                      "compare it with.")
    fitting = [fit for fit in fits if fit.fits]
    if not fitting:
        return Judged(None, 0.0, scores, _no_fit_reason(folder, fits[0]))
    best = fitting[0]
    runner_up = fitting[1].score if len(fitting) > 1 else 0.0
    lead = min(1.0, max(0.0, best.score - runner_up) / CLEAR_LEAD)
    confidence = best.score * (0.5 + 0.5 * lead)
    reason = _match_reason(folder, best, fitting[1] if len(fitting) > 1 else None, lead)
    conflict = _year_conflict(folder, best, fits)
    if conflict is not None:
        confidence = min(confidence, YEAR_CONFLICT)
        reason = (f"The title fits {_name(best.result)} but the year {folder.year} fits "
                  f"{_name(conflict.result)}.")
    return Judged(best.result, round(confidence, 4), scores, reason)


def _fit(folder: FolderName, result: SearchResult, forms: Sequence[TitleForm],
         shared: Set[str]) -> _Fit:
    """How ``result`` (whose titles are ``forms``) fits; ``shared`` are the main titles more
    than one result has (a franchise's name)."""
    ours = normalise(folder.base_title)
    best: tuple[float, TitleForm, SequelMarker] | None = None
    fitting: tuple[float, TitleForm, SequelMarker] | None = None
    side = result.format in _SIDE_FORMATS and not folder.movie
    for value, form, marker in _views(ours, forms, shared if side else frozenset()):
        if best is None or value > best[0]:
            best = (value, form, marker)
        if _marker_fits(folder.marker, marker) and (fitting is None or value > fitting[0]):
            fitting = (value, form, marker)
    assert best is not None  # a result always has a title
    likeness, form, marker = fitting or best
    year = result.year or form.year
    score = likeness
    if folder.year is not None and year is not None:
        # A sequel folder may carry the year its show began ("Vinland Saga (2019) Season 2").
        began_earlier = folder.marker.is_sequel and folder.year < year
        distance = abs(folder.year - year)
        if distance > 1 and not began_earlier:
            score -= OTHER_YEAR
        elif distance == 1 and not began_earlier:
            score -= NEXT_YEAR
    if folder.movie and result.format not in (None, "MOVIE"):
        score -= NOT_A_MOVIE
    return _Fit(result=result, score=max(0.0, score), likeness=likeness,
                fits=fitting is not None, title=form, marker=marker, year=year)


def _views(ours: str, forms: Sequence[TitleForm], franchises: Set[str]
           ) -> Iterator[tuple[float, TitleForm, SequelMarker]]:
    """How well each title of a result explains ``ours``, with the sequel marker that title
    stands for. Matching only one of the ``franchises`` (main titles other results share)
    scores less: the franchise's name means its series, not this movie, OVA or special."""
    # A sequel's marked titles ("Kaguya-sama: Love is War Season 2") make its unmarked names
    # that equal their base, and every name without its subtitle ("Jujutsu Kaisen" of
    # "Jujutsu Kaisen: Shibuya Incident"), names of that sequel too. A name of its own
    # ("Tokyo Ghoul √A", whose synonym is "Tokyo Ghoul 2nd Season") needs no marker.
    marked = {form.whole: form.marker for form in forms if form.marker != NO_MARKER}
    sequel = next((m for m in marked.values() if m.is_sequel), None)
    mains = [form.main for form in forms if form.main]
    for form in forms:
        value, via_main = best_similarity(ours, form)
        franchise = franchise_similarity(ours, form, mains)
        if franchise > value:
            value, via_main = franchise, False
        if via_main and form.main in franchises:
            value *= SIDE_BY_MAIN_TITLE
        if form.marker != NO_MARKER:
            marker = form.marker
        elif via_main and sequel is not None:
            marker = sequel
        else:
            marker = marked.get(form.whole, NO_MARKER)
        yield value, form, marker


def _titles(result: SearchResult) -> tuple[str, ...]:
    return (result.title, *result.alt_titles)


def _marker_fits(ours: SequelMarker, theirs: SequelMarker) -> bool:
    if ours.final or theirs.final:
        return ours.final and theirs.final and (ours.part or 1) == (theirs.part or 1)
    return (ours.season or 1) == (theirs.season or 1) and (ours.part or 1) == (theirs.part or 1)


def _by_id(folder: FolderName, fits: Sequence[_Fit]) -> _Fit | None:
    """The result carrying one of the folder's id hints: ids win over titles."""
    for id_type, value in folder.ids.items():
        for fit in fits:
            if fit.result.ids.get(id_type) == value:
                return fit
    return None


def _year_conflict(folder: FolderName, best: _Fit, fits: Sequence[_Fit]) -> _Fit | None:
    """Another result with the folder's year and as good a title, while the best has another
    year: "Berserk (2017)" is the 2016 series' second season, not the 2016 series."""
    if folder.year is None or best.year == folder.year:
        return None
    if folder.marker.is_sequel and best.year is not None and folder.year < best.year:
        return None  # the year the show began: "Attack on Titan (2013) Season 2"
    for fit in fits:
        if fit is not best and fit.year == folder.year and fit.likeness >= best.likeness - 0.05:
            return fit
    return None


def _name(result: SearchResult) -> str:
    year = f", {result.year}" if result.year else ""
    return f"{result.title} ({result.ref}{year})"


def _marker_text(marker: SequelMarker) -> str:
    parts = []
    if marker.final:
        parts.append("the final season")
    elif marker.season:
        parts.append(f"season {marker.season}")
    if marker.part:
        parts.append(f"part {marker.part}")
    return ", ".join(parts) or "the first season"


def _no_fit_reason(folder: FolderName, closest: _Fit) -> str:
    return (f"The folder name names {_marker_text(folder.marker)}, and no result is marked as "
            f"that; the closest title is {_name(closest.result)}.")


def _match_reason(folder: FolderName, best: _Fit, second: _Fit | None, lead: float) -> str:
    if best.likeness >= 1.0:
        how = f"is a title of {_name(best.result)}"
    elif best.likeness >= 0.8:
        how = f"is close to {best.title.text!r}, a title of {_name(best.result)}"
    else:
        how = f"is not close to any title; the nearest is {best.title.text!r} of " \
              f"{_name(best.result)}"
    sentence = f"{folder.base_title!r} {how}"
    if second is not None and lead < 1.0:
        sentence += f", and almost as well to {_name(second.result)}"
        if folder.year is None and min(best.likeness, second.likeness) >= 0.97:
            sentence += "; a year in the folder name would tell them apart"
    return sentence + "."
