"""What a series folder's name says: the title to search for, the year, id hints, the season
or part it holds, and the release tags around them.

Folder names come in every style: Jellyfin's ``Cowboy Bebop (1998) [anilistid-1]``, scene
releases ``Vinland.Saga.S01.1080p.BluRay.x264-GROUP``, fansub batches ``[SubsPlease] Sousou no
Frieren (01-28) (1080p) [Batch]``, or a title in Japanese. :func:`read_folder_name` turns each
into a :class:`FolderName`. It is pure and cheap (no I/O; a scan calls it for every new folder).
"""

from __future__ import annotations

import re

import attrs

from aniworld_core.errors import InvalidInput
from aniworld_core.library.sequels import NO_MARKER, SequelMarker, split_marker
from aniworld_core.metadata import ProviderIds
from aniworld_core.validation import check_id, check_title

#: Jellyfin/Plex id hints and the anime tools' variants: ``[anilistid-1]``, ``{tvdb-81797}``,
#: ``[imdbid-tt0213338]``, ``[anidb=23]``, ``(malid-1)``.
_ID_HINT = re.compile(
    r"\s*[\[{(]\s*(?P<type>anilist|anidb|mal|myanimelist|tvdb|thetvdb|tmdb|themoviedb|imdb)"
    r"(?:id)?\s*[-=:]\s*(?P<id>[^\]})\s]+)\s*[\]})]",
    re.IGNORECASE,
)
_ID_TYPES = {"myanimelist": "mal", "thetvdb": "tvdb", "themoviedb": "tmdb"}
_BRACKETED = re.compile(r"\[[^\[\]]*\]|\{[^{}]*\}|\([^()]*\)")
_YEAR_ONLY = re.compile(r"(?:19[0-9]{2}|20[0-9]{2})")
# A bare year ends a title only in this range: "Blade Runner 2049"-style titles stay whole.
_BARE_YEAR = re.compile(r"(?<=\S)[\s._-]+\(?(?P<year>19[5-9][0-9]|20[0-3][0-9])\)?$")
_EPISODE_RANGE = re.compile(
    r"(?:^|[\s._-]+)(?:e|ep|eps|episodes?)?\s*[0-9]{1,4}\s*(?:-|~|–|to)\s*(?:e|ep)?\s*[0-9]{1,4}"
    r"(?:\s*end)?$",
    re.IGNORECASE,
)
# Scene and fansub season tokens: "S02", "S01E01-E12", "S01-S04", "Season 1-3", "Seasons 1 & 2".
_SEASON_TOKEN = re.compile(
    r"(?<![^\W_])(?:s(?P<s>[0-9]{1,2})(?:\s*e[0-9]{1,4}(?:\s*-\s*e?[0-9]{1,4})?)?"
    r"(?:\s*-\s*s?(?P<s_end>[0-9]{1,2}))?"
    r"|seasons?\s*(?P<season>[0-9]{1,2})\s*(?:-|~|&|\+|to|and)\s*(?P<season_end>[0-9]{1,2}))"
    r"(?![^\W_])",
    re.IGNORECASE,
)
_MOVIE = re.compile(r"(?<![^\W_])(?:the\s+)?(?:movie|film|gekijou?ban)(?![^\W_])|劇場版",
                    re.IGNORECASE)
# A dot is a decimal point only in "2.5", "5.1", "3.0+1.0"; elsewhere in a scene name it
# separates words ("S01.1080p", "1998.1080p").
_SCENE_SEPARATOR = re.compile(r"(?<![0-9])\.|\.(?![0-9](?![0-9]))")
_CODEC_DOT = re.compile(r"(?<![^\W_])([hx])\.(26[45])(?![^\W_])", re.IGNORECASE)
_TRAILING = re.compile(r"[\s._:,;~+&\-–—|]+$")
_LEADING = re.compile(r"^[\s._:,;~+&\-–—|]+")

# Tags after which a scene or fansub name holds nothing but more tags: everything from the
# first one on is dropped. Words that also occur in titles ("Proper", "Raw", "Opus") are only
# tags inside brackets (_TAG_WORDS).
_STRONG_TAG = re.compile(
    r"(?:[0-9]{3,4}[pi]|4k|uhd|[0-9]{3,4}x[0-9]{3,4}"
    r"|blu-?ray|bdrip|brrip|bdremux|remux|bdmv|bd|bds|web|web-?dl|web-?rip|webrip|hdtv|hdrip"
    r"|dvd|dvdrip|dvd5|dvd9|tvrip|ldrip|laserdisc"
    r"|[xh]\.?26[45]|hevc|avc|av1|xvid|divx|vp9|10-?bit|8-?bit|hi10p?|yuv4[0-9]{2}p?[0-9]*"
    r"|aac[0-9.]*|e?ac-?3|ddp?[0-9.]*|dts(?:-?hd)?|truehd|flac|mp3|atmos|[0-9]ch"
    r"|cr|crunchyroll|nf|amzn|dsnp|hidive|funi|funimation|adn|b-global|bilibili|hmax|atvp"
    r"|repack|rerip|dual-?audio|multi-?subs?|vostfr|batch)",
    re.IGNORECASE,
)
# Words that are tags only at the end of a name ("Cowboy Bebop Complete Series").
_WEAK_TAG = re.compile(
    r"(?:[\s._-]+(?:the\s+)?complete(?:\s+(?:series|collection|season))?|[\s._-]+collection"
    r"|[\s._-]+(?:dual|multi)\s+audio|[\s._-]+(?:eng?|english|jpn?|japanese)?\s*(?:sub|subs|"
    r"subbed|dub|dubbed|softsubs?|hardsubs?)|[\s._-]+(?:uncensored|uncut|remastered|tv)"
    r"|[\s._-]+(?:eng|jpn|jap))$",
    re.IGNORECASE,
)
_HASH = re.compile(r"[0-9a-f]{8}", re.IGNORECASE)
# Words that make a bracketed group a list of tags when most of its words are tags:
# "(Complete Series + Movie)", "[English Dub]", "(Dual Audio)".
_TAG_WORDS = frozenset({
    "complete", "series", "season", "seasons", "movie", "movies", "ova", "ovas", "specials",
    "batch", "collection", "dual", "audio", "multi", "sub", "subs", "subbed", "dub", "dubbed",
    "eng", "english", "jpn", "japanese", "uncensored", "uncut", "remastered", "bluray", "tv",
    "+", "&", "and", "-", "softsub", "hardsub", "funidub", "subtitle", "subtitles", "multiple",
    "opus", "raw", "raws", "proper", "internal",
})


@attrs.frozen
class FolderName:
    """What a series folder's name says.

    ``title`` is what to search for: release tags, brackets, years, id hints and scene dots
    removed, a sequel marker kept ("Attack on Titan Season 2"; a scene ``S02`` becomes
    "Season 2"; a first-season marker is dropped). ``base_title`` is the title without the
    marker. ``marker`` says which season or part the folder holds (``NO_MARKER`` when the
    name names none).
    """

    #: The folder name as given.
    name: str
    title: str
    base_title: str
    year: int | None = None
    ids: ProviderIds = ProviderIds()
    marker: SequelMarker = NO_MARKER
    #: Whether the name says it is a movie ("The Movie", "Gekijouban", "劇場版").
    movie: bool = False
    #: The release group of a fansub or scene name, if any.
    group: str | None = None
    #: Release tags found and dropped (resolutions, sources, codecs, "Batch"...), in order.
    tags: tuple[str, ...] = ()


def read_folder_name(name: str) -> FolderName:
    """Read a series folder's name (see :class:`FolderName`). Never raises: a name that is
    nothing but tags keeps its bracketed words, or itself, as the title; bad id hints are
    ignored."""
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    ids, text = _take_ids(text)
    text = text.replace("_", " ")  # underscores never belong to a title
    parts = _Parts()
    text = parts.take_brackets(text)
    if text.count(".") >= 2 and text.count(".") > text.count(" "):
        text = _SCENE_SEPARATOR.sub(" ", _CODEC_DOT.sub(r"\1\2", text))  # scene: dots as spaces
    text = parts.cut_tags(_SEASON_TOKEN.sub(_season_text, text))
    text = _LEADING.sub("", _TRAILING.sub("", text))
    if parts.year is None:
        found = _BARE_YEAR.search(text)
        if found:
            parts.year, text = int(found["year"]), text[: found.start()]
    base, marker = split_marker(text)
    if parts.year is None and marker != NO_MARKER:
        # "Fruits Basket 2019 Season 2": the year sits between the title and the marker.
        found = _BARE_YEAR.search(base)
        if found:
            parts.year = int(found["year"])
            text = base[: found.start()] + text[len(base):]
            base = base[: found.start()]
    title = text if marker.is_sequel else base
    if not _TRAILING.sub("", base):
        # Nothing but brackets and tags: "[Oshi no Ko]" is the title, "(2019)" is no year.
        fallback = parts.fallback_title()
        if fallback is None:
            parts.year, fallback = None, _clean_title(name) or "Untitled"
        title = base = fallback
        parts.group = None
    return FolderName(
        name=name,
        title=_clean_title(title) or base,
        base_title=_clean_title(base) or base,
        year=parts.year,
        ids=ids,
        marker=marker,
        movie=parts.movie or _MOVIE.search(text) is not None,
        group=parts.group,
        tags=tuple(parts.tags),
    )


@attrs.define
class _Parts:
    """What reading the brackets and tags found, besides the title."""

    year: int | None = None
    group: str | None = None
    movie: bool = False
    tags: list[str] = attrs.Factory(list)
    dropped: list[str] = attrs.Factory(list)

    def take_brackets(self, text: str) -> str:
        kept: list[str] = []
        position = 0
        for found in _BRACKETED.finditer(text):
            before = text[position: found.start()]
            kept.append(before)
            position = found.end()
            inner = found.group()[1:-1].strip()
            replacement = self._bracket(found.group()[0], inner, at_start=not "".join(kept).strip())
            if replacement:
                kept.append(f" {replacement} ")
        kept.append(text[position:])
        return " ".join("".join(kept).split())

    def _bracket(self, opening: str, inner: str, *, at_start: bool) -> str:
        """What a bracketed part leaves in the title (usually nothing)."""
        if not inner:
            return ""
        if _YEAR_ONLY.fullmatch(inner):
            self.year = self.year or int(inner)
            return ""
        if _EPISODE_RANGE.fullmatch(inner) or _HASH.fullmatch(inner):
            self.tags.append(inner)
            return ""
        words = inner.replace(",", " ").split()
        tag_words = sum(1 for word in words if _is_tag(word) or word.lower() in _TAG_WORDS)
        if tag_words == len(words) or (opening != "(" and 2 * tag_words >= len(words)) \
                or _WEAK_TAG.search(" " + inner):
            self.tags.append(inner)
            if _MOVIE.fullmatch(inner):
                self.movie = True  # "(Movie)", "(The Movie)", but not "(Series + Movie)"
            return ""
        marker = split_marker("x " + _SEASON_TOKEN.sub(_season_text, inner))[1]
        if marker != NO_MARKER:
            return _SEASON_TOKEN.sub(_season_text, inner)  # "(Season 2)" is the folder's season
        if opening == "(":
            return f"({inner})"  # "Akira (988)", "The Office (US)": part of the name
        if at_start and self.group is None:
            self.group = inner
        self.dropped.append(inner)
        return ""

    def cut_tags(self, text: str) -> str:
        words = text.split(" ")
        for index, word in enumerate(words):
            if index and _is_tag(word):
                self.tags.extend(w for w in words[index:] if w)
                text = " ".join(words[:index])
                break
        while True:
            text = _TRAILING.sub("", text)
            found = _WEAK_TAG.search(text) or _EPISODE_RANGE.search(text)
            if not found or not text[: found.start()].strip():
                return text
            self.tags.append(found.group().strip(" ._-"))
            text = text[: found.start()]

    def fallback_title(self) -> str | None:
        """A name that is nothing but brackets ("[Oshi no Ko]") is titled by them."""
        return _clean_title(" ".join(self.dropped)) if self.dropped else None


def _is_tag(word: str) -> bool:
    word = word.strip("()[]{},")
    return bool(word) and (_STRONG_TAG.fullmatch(word) is not None
                           or _STRONG_TAG.fullmatch(word.split("-")[0]) is not None)


def _season_text(found: re.Match[str]) -> str:
    first = found["s"] or found["season"]
    last = found["s_end"] or found["season_end"]
    # A range of seasons ("S01-S04") is the whole show: it starts at its first season.
    return f"Season {int(first)}" if last is None or int(last) == int(first) else "Season 1"


def _take_ids(text: str) -> tuple[ProviderIds, str]:
    ids = ProviderIds()
    for hint in _ID_HINT.finditer(text):
        id_type = hint["type"].lower()
        id_type = _ID_TYPES.get(id_type, id_type)
        try:
            ids = ids.with_id(id_type, check_id(id_type, hint["id"]))
        except InvalidInput:
            continue
    return ids, _ID_HINT.sub(" ", text)


def _clean_title(text: str) -> str | None:
    cleaned = _LEADING.sub("", _TRAILING.sub("", " ".join(text.split())))
    try:
        return check_title(cleaned)
    except InvalidInput:
        return None
