"""File names of downloaded and imported episodes, from Sonarr-like naming templates.

A template is text with tokens; ``/`` in its text makes folders. Tokens (the name's words may
be joined by ``.`` or ``_`` instead of a space, which then joins the value's words too:
``{Series.Title}`` gives ``Cowboy.Bebop``):

- ``{Series Title}``, ``{Series Year}``, ``{Episode Title}``, ``{Quality Full}``,
  ``{Release Group}``;
- ``{season:00}``, ``{episode:00}``, ``{absolute:000}`` (the zeros give the width; ``{season}``
  has none).

A multi-episode file is named in Sonarr's *prefixed range* style: the episode token becomes
the first and last number joined by ``-`` and the letters the template puts before the token,
``S01E01-E02`` (``1x01-x02``; ``{absolute:000}`` gives ``001-002``).

A token without a value (no episode title, no release group) vanishes with the separator
before it, or after it at the start of a name: ``Show - S01E01 - {Episode Title}`` gives
``Show - S01E01``; empty brackets go too. The absolute template falls back to the season one
when the absolute number is unknown.

Token values never add folders: separators, NUL and control characters, and the characters
Windows forbids are replaced; each name is cleaned as :func:`~aniworld_core.library.paths.
sanitise_name` cleans folder names (no leading dot, no trailing dot or space, never empty)
and kept to 255 bytes of UTF-8, the file's extension kept. A template that could leave the
series folder or names an unknown token is refused by :func:`check_template`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

import attrs

from aniworld_core.errors import InvalidInput
from aniworld_core.library.paths import MAX_NAME_BYTES, sanitise_name
from aniworld_core.settings import DownloadSettings

__all__ = ["EpisodeName", "Naming", "check_template", "season_folder"]

DEFAULT_TEMPLATE = "{Series Title} - S{season:00}E{episode:00} - {Episode Title}"
DEFAULT_ABSOLUTE_TEMPLATE = "{Series Title} - {absolute:000} - {Episode Title}"
_TOKEN = re.compile(r"\{([^{}]*)\}")
_NUMBER_FORMAT = re.compile(r"0*")
_LETTERS_BEFORE = re.compile(r"[A-Za-z]{1,2}$")
#: Separators a vanished token takes with it.
_GAP = re.compile(r"(?P<left>[\s._-]*)\x00(?:[\s._-]*\x00)*(?P<right>[\s._-]*)")
_EMPTY_BRACKETS = re.compile(r"\(\x00\)|\[\x00\]|\{\x00\}")
_VALUE_REPLACEMENTS = str.maketrans({"/": "-", "\\": "-", "\0": "", '"': "'", "<": "",
                                     ">": "", "|": "", "?": "", "*": ""})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TEXT_TOKENS = frozenset({"series title", "series year", "episode title", "quality full",
                          "release group"})
_NUMBER_TOKENS = frozenset({"season", "episode", "absolute"})


@attrs.frozen
class EpisodeName:
    """What an episode's file name is made of. ``episodes``: one number, or several for a
    multi-episode file (first to last); ``absolute``/``absolute_end`` likewise."""

    series_title: str
    season: int
    episodes: tuple[int, ...]
    absolute: int | None = None
    absolute_end: int | None = None
    episode_title: str | None = None
    quality: str | None = None
    release_group: str | None = None
    year: int | None = None


@attrs.frozen
class _Token:
    key: str  # lower case, words joined by a space
    joiner: str  # what joins the value's words (" ", "." or "_")
    width: int | None  # zero padding of a number


@attrs.frozen
class _Template:
    """A checked template: per path component, literal text and tokens in order."""

    components: tuple[tuple[str | _Token, ...], ...]


def check_template(template: str, *, field: str) -> str:
    """``template`` if it is a usable naming template, else :class:`InvalidInput` naming
    ``field`` and what is wrong (an unknown token, unbalanced braces, a path that could leave
    the series folder, no episode number)."""
    _parse(template, field)
    return template


def season_folder(season: int) -> str:
    """``Season 01``, ``Specials`` for season 0."""
    return "Specials" if season == 0 else f"Season {season:02d}"


@attrs.frozen
class Naming:
    """How episode files are named inside their series folder (``[downloads]`` settings)."""

    template: str = DEFAULT_TEMPLATE
    absolute_template: str = DEFAULT_ABSOLUTE_TEMPLATE
    use_absolute: bool = False
    season_folders: bool = True
    _parsed: _Template = attrs.field(init=False, repr=False, eq=False)
    _parsed_absolute: _Template = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_parsed", _parse(self.template, "downloads.naming"))
        object.__setattr__(self, "_parsed_absolute",
                           _parse(self.absolute_template, "downloads.absolute_naming"))

    @classmethod
    def from_settings(cls, settings: DownloadSettings) -> Naming:
        return cls(template=settings.naming, absolute_template=settings.absolute_naming,
                   use_absolute=settings.use_absolute, season_folders=settings.season_folders)

    def relative_path(self, name: EpisodeName, extension: str) -> PurePosixPath:
        """Where the episode's file goes, relative to the series folder; ``extension``
        (``"mkv"`` or ``".mkv"``) is kept as given, cleaned. Never empty, never ``.`` or
        ``..``, never absolute; each part at most 255 bytes."""
        if not name.episodes:
            raise ValueError("an episode name needs at least one episode number")
        absolute = self.use_absolute and name.absolute is not None
        template = self._parsed_absolute if absolute else self._parsed
        values = _values(name)
        parts = [_render(component, values) for component in template.components]
        folders = [sanitise_name(part) for part in parts[:-1]]
        if self.season_folders:  # the innermost folder, after any the template makes
            folders.append(season_folder(name.season))
        return PurePosixPath(*folders, _file_name(parts[-1], extension))


def _parse(template: str, field: str) -> _Template:
    def refuse(why: str) -> InvalidInput:
        return InvalidInput(f"The naming template {template!r} {why}.", field=field)

    if not template.strip():
        raise refuse("is empty")
    if _CONTROL.search(template) or "\\" in template:
        raise refuse("contains a backslash or a control character")
    if template.startswith("/"):
        raise refuse("is an absolute path; it must stay inside the series folder")
    components: list[tuple[str | _Token, ...]] = []
    numbered = False
    for text in template.split("/"):
        if text.strip() in ("", ".", ".."):
            raise refuse(f"has the path part {text!r}; it must stay inside the series folder")
        pieces: list[str | _Token] = []
        position = 0
        for match in _TOKEN.finditer(text):
            pieces.append(text[position:match.start()])
            token = _token(match.group(1))
            if token is None:
                raise refuse(f"has the unknown token {match.group(0)!r}")
            numbered = numbered or token.key in ("episode", "absolute")
            pieces.append(token)
            position = match.end()
        pieces.append(text[position:])
        if any("{" in piece or "}" in piece for piece in pieces if isinstance(piece, str)):
            raise refuse("has unbalanced braces")
        components.append(tuple(piece for piece in pieces if piece != ""))
    if not numbered:
        raise refuse("has no {episode} or {absolute} token, so episodes would share a name")
    return _Template(tuple(components))


def _token(body: str) -> _Token | None:
    name, _, spec = body.partition(":")
    joiner = " "
    for separator in "._":
        if separator in name:
            joiner = separator
    key = re.sub(r"[\s._]+", " ", name.strip()).lower()
    if key in _TEXT_TOKENS and not spec:
        return _Token(key, joiner, None)
    if key in _NUMBER_TOKENS and _NUMBER_FORMAT.fullmatch(spec):
        return _Token(key, joiner, len(spec) or None)
    return None


def _values(name: EpisodeName) -> dict[str, Callable[[_Token, str], str]]:
    def text(value: str | int | None) -> Callable[[_Token, str], str]:
        def render(token: _Token, before: str) -> str:
            if value is None:
                return ""
            cleaned = _clean_value(str(value))
            return cleaned.replace(" ", token.joiner) if token.joiner != " " else cleaned
        return render

    def number(first: int | None, last: int | None) -> Callable[[_Token, str], str]:
        def render(token: _Token, before: str) -> str:
            if first is None:
                return ""
            width = token.width or 0
            shown = f"{first:0{width}d}"
            if last is not None and last != first:
                prefix = _LETTERS_BEFORE.search(before)
                shown += f"-{prefix.group(0) if prefix else ''}{last:0{width}d}"
            return shown
        return render

    return {
        "series title": text(name.series_title),
        "series year": text(name.year),
        "episode title": text(name.episode_title),
        "quality full": text(name.quality),
        "release group": text(name.release_group),
        "season": number(name.season, None),
        "episode": number(name.episodes[0], name.episodes[-1]),
        "absolute": number(name.absolute, name.absolute_end),
    }


def _render(component: tuple[str | _Token, ...],
            values: dict[str, Callable[[_Token, str], str]]) -> str:
    out: list[str] = []
    for piece in component:
        if isinstance(piece, str):
            out.append(piece)
        else:
            value = values[piece.key](piece, out[-1] if out else "")
            out.append(value or "\x00")  # NUL marks a vanished token (values have none)
    return _collapse("".join(out))


def _collapse(text: str) -> str:
    """Drop the marks of vanished tokens with the separators around them."""
    text = _EMPTY_BRACKETS.sub("\x00", text)

    def gap(match: re.Match[str]) -> str:
        if match.start() == 0 or match.end() == len(text):
            return ""
        return max(match.group("left"), match.group("right"), key=len)

    return _GAP.sub(gap, text)


def _clean_value(value: str) -> str:
    return _CONTROL.sub("", value.translate(_VALUE_REPLACEMENTS))


def _file_name(stem: str, extension: str) -> str:
    suffix = _clean_value(extension.lstrip(".")).replace(".", "")
    suffix = f".{suffix.strip()}" if suffix.strip() else ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    if budget < 16:  # an absurd extension: keep the name, drop the extension's excess
        suffix, budget = suffix[:16], MAX_NAME_BYTES - len(suffix[:16].encode("utf-8"))
    cut = sanitise_name(stem).encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return sanitise_name(cut.strip(" .") or "_") + suffix
