"""How alike two titles are, the way a person judges it: case, accents, punctuation, word
order, typos and a dropped subtitle hardly matter; a word or a number one title has and the
other lacks matters a lot.

Scores are 0..1. 1.0 is the same title; 0.97 the same letters (spacing, long vowels:
"Dandadan"/"DAN DA DAN", "Haikyu"/"Haikyuu"); about 0.9 a typo or two; :data:`MAIN_TITLE`
the title without its subtitle ("Kaguya-sama" for "Kaguya-sama: Love is War"); at most
:data:`EXTRA_WORDS` when the first title has a word the second lacks ("Tokyo Ghoul √A" against
"Tokyo Ghoul") and at most :data:`OTHER_NUMBER` when their numbers differ ("Steins;Gate 0").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

import attrs
from rapidfuzz import fuzz, utils
from rapidfuzz.distance import Levenshtein

from aniworld_core.library.sequels import SequelMarker, split_marker

#: A title matching only the part before the other's subtitle.
MAIN_TITLE = 0.85
#: The most a title can score against one that lacks one of its words.
EXTRA_WORDS = 0.7
#: The most two titles with different numbers in them can score.
OTHER_NUMBER = 0.5
#: A franchise name followed by one of the entry's own titles or subtitles.
FRANCHISE = 0.95
#: Same letters, different spacing or romanisation of long vowels.
SAME_LETTERS = 0.97
#: A title whose words are all in the other's, but not as its main title: a fraction of its
#: plain similarity (a shortened name is weaker evidence than a subtitle left out).
MISSING_WORDS = 0.9

_SYMBOLS = str.maketrans({"×": " x ", "√": " root ", "&": " and ", "'": "", "’": "",
                          "`": "", "½": " 1/2 ", "⅓": " 1/3 "})
# Romanisations of one Japanese word differ in long vowels and particles.
_ROMAJI = ((re.compile(r"ou|oo|oh(?![aeiou])"), "o"), (re.compile(r"uu"), "u"),
           (re.compile(r"aa"), "a"), (re.compile(r"ii"), "i"), (re.compile(r"\bwo\b"), "o"))
# Words whose absence or presence says nothing about which series a title names.
# Movie words are no evidence either: whether a folder holds a movie is judged by format.
_STOPWORDS = frozenset({"the", "a", "an", "of", "no", "wa", "ga", "wo", "o", "to", "ni", "de",
                        "and", "in", "x", "tv", "anime", "series", "movie", "film",
                        "gekijouban", "gekijoban"})
# Where a subtitle starts: "Title: Subtitle", "Title - Subtitle", "Title ~Subtitle~".
_SUBTITLE = re.compile(r"\s*(?::\s|\s[-–—]\s|\s?[~〜～]|\s\(|\s-(?=\S))")
_QUALIFIER = re.compile(
    r"(?<=\S)\s*(?:\((?P<paren>19[0-9]{2}|20[0-9]{2}|tv)\)|\s(?P<bare>19[0-9]{2}|20[0-9]{2}))$",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f]")
_WORD_TYPO = 80.0
_DIGITS = re.compile(r"[0-9]+")


def normalise(title: str) -> str:
    """Case, accents, punctuation and spacing do not make two titles different; ``×`` is
    ``x``, ``√`` is "root", ``&`` is "and"."""
    composed = unicodedata.normalize("NFKC", title).casefold().translate(_SYMBOLS)
    # Accents off Latin letters only: a kana's voicing mark changes the word.
    plain = "".join(unicodedata.normalize("NFD", c)[0] if "\u00c0" <= c <= "\u024f" else c
                    for c in composed)
    return " ".join(utils.default_process(plain).split())


def has_cjk(text: str) -> bool:
    """Whether ``text`` has Japanese, Chinese or Korean characters."""
    return _CJK.search(text) is not None


@attrs.frozen
class TitleForm:
    """One title of a search result, read for matching: without a year qualifier ("HUNTER×
    HUNTER (2011)" → "HUNTER×HUNTER", 2011) and without its sequel marker."""

    text: str
    base: str
    marker: SequelMarker
    year: int | None
    #: The normalised base title and its main title (before a subtitle), if it has one.
    whole: str
    main: str | None


def read_title(title: str) -> TitleForm:
    """A provider's title as :class:`TitleForm`."""
    text, year = title.strip(), None
    found = _QUALIFIER.search(text)
    if found and found.start() > 0:
        qualifier = found["paren"] or found["bare"]
        year = int(qualifier) if qualifier.isdigit() else None
        text = text[: found.start()]
    base, marker = split_marker(text)
    whole = normalise(base)
    main = main_title(base)
    main_form = normalise(main) if main else None
    return TitleForm(text=title, base=base, marker=marker, year=year, whole=whole,
                     main=main_form if main_form and main_form != whole else None)


def main_title(title: str) -> str | None:
    """The part of ``title`` before its subtitle ("Kaguya-sama" of "Kaguya-sama: Love is
    War"), or ``None`` when it has no subtitle."""
    cut = _SUBTITLE.search(title)
    if cut is None or cut.start() == 0:
        return None
    main = title[: cut.start()].strip()
    return main if normalise(main) else None


def similarity(ours: str, theirs: str) -> float:
    """How well the normalised title ``theirs`` explains ``ours`` (0..1; see the module
    docstring). Not symmetric: words of ``ours`` that ``theirs`` lacks count more than the
    other way round."""
    if ours == theirs:
        return 1.0
    if not ours or not theirs:
        return 0.0
    if _compact(ours) == _compact(theirs) or _romaji(ours) == _romaji(theirs):
        return SAME_LETTERS
    plain = max(fuzz.ratio(ours, theirs), fuzz.token_sort_ratio(ours, theirs)) / 100
    our_words, their_words = ours.split(), theirs.split()
    if _numbers(our_words) != _numbers(their_words):
        return min(plain, OTHER_NUMBER)
    if any(_unmatched(our_words, their_words)):
        return min(plain, EXTRA_WORDS)
    if any(_unmatched(their_words, our_words)):
        return plain * MISSING_WORDS
    return plain


def best_similarity(ours: str, form: TitleForm) -> tuple[float, bool]:
    """The better of ``ours`` against the whole title and against its main title (scaled by
    :data:`MAIN_TITLE`), and whether the main title gave it."""
    whole = similarity(ours, form.whole)
    if form.main is None:
        return whole, False
    main = similarity(ours, form.main) * MAIN_TITLE
    return (main, True) if main > whole else (whole, False)


def franchise_similarity(ours: str, form: TitleForm, mains: Sequence[str]) -> float:
    """``ours`` as a franchise name followed by this title or its subtitle ("Cowboy Bebop
    Knockin' on Heaven's Door" for the movie known as "Knockin' on Heaven's Door" and "Cowboy
    Bebop: The Movie"); ``mains`` are the main titles of the result's titles. Scaled by
    :data:`FRANCHISE`; 0 when ``ours`` starts with none of them."""
    best = 0.0
    for main in mains:
        if not ours.startswith(main + " "):
            continue
        rest = ours[len(main) + 1:]
        if all(word in _STOPWORDS for word in rest.split()):
            continue
        for view in _subtitles(form.whole, mains):
            best = max(best, similarity(rest, view))
    return best * FRANCHISE


def _subtitles(whole: str, mains: Sequence[str]) -> Iterator[str]:
    """The title, and what is left of it after any of the main titles it starts with."""
    yield whole
    for main in mains:
        if whole.startswith(main + " "):
            rest = whole[len(main) + 1:]
            yield rest
            for other in mains:  # "Demon Slayer: Kimetsu no Yaiba Swordsmith Village Arc"
                if rest.startswith(other + " "):
                    yield rest[len(other) + 1:]


def _unmatched(words: list[str], others: list[str]) -> Iterator[str]:
    """Words of ``words`` (stopwords aside) with no equal or near-equal word in ``others``."""
    for word in words:
        if word in _STOPWORDS or word in others:
            continue
        if not any(_near(word, other) for other in others):
            yield word


def _near(word: str, other: str) -> bool:
    """A typo apart: one letter wrong in a word of four or more letters ("Sage" for "Saga"),
    or as alike as :data:`_WORD_TYPO` in longer ones ("Acadamia", "Kyojn")."""
    if len(word) >= 4 and len(other) >= 4 and Levenshtein.distance(word, other) <= 1:
        return True
    return fuzz.ratio(word, other) >= _WORD_TYPO


def _numbers(words: list[str]) -> frozenset[str]:
    # Digits inside a word count too: Japanese titles are not split into words ("進撃の巨人2").
    return frozenset(run.lstrip("0") or "0" for word in words for run in _DIGITS.findall(word))


def _compact(text: str) -> str:
    return text.replace(" ", "")


def _romaji(text: str) -> str:
    for pattern, replacement in _ROMAJI:
        text = pattern.sub(replacement, text)
    return _compact(text)
