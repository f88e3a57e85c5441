"""Folder names from titles, and paths that never leave the library root or a series folder.

Every write aniworld makes on disk goes through :func:`series_dir` and :func:`confined`; both
resolve symlinks and raise :class:`PathNotAllowed` for anything that would end up outside.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from aniworld_core.errors import PathNotAllowed

MAX_NAME_BYTES = 255

#: Device names Windows reserves, whatever the case and whatever follows a dot.
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
# Characters no Windows file name may contain; separators everywhere.
_REPLACEMENTS = {"/": "-", "\\": "-", '"': "'", "<": "", ">": "", "|": "", "?": "", "*": ""}
_COLON_SPACE = re.compile(r"\s*:\s+")
_WHITESPACE = re.compile(r"\s+")


def sanitise_name(name: str) -> str:
    """``name`` as one safe path component on Linux, macOS and Windows.

    No separators, no characters Windows forbids, no control characters, no leading dots (no
    hidden folders, no ``..``), no trailing dots or spaces, no Windows device names, at most
    255 bytes of UTF-8, never empty. Applying it twice changes nothing.
    """
    text = unicodedata.normalize("NFC", name)
    text = _COLON_SPACE.sub(" - ", text).replace(":", "-")
    text = "".join(_clean_char(char) for char in text)
    text = _WHITESPACE.sub(" ", text)
    text = _trim(text)
    text = _trim(_truncate_utf8(text, MAX_NAME_BYTES))
    if not text:
        return "_"
    stem = text.split(".", 1)[0].rstrip(" ")
    if stem.upper() in WINDOWS_RESERVED:
        # "CON" -> "CON_", "nul.txt" -> "nul_.txt": the device name must not stand alone.
        text = _trim(_truncate_utf8(f"{stem}_{text[len(stem):]}", MAX_NAME_BYTES))
    return text


def series_folder_name(title: str, year: int | None) -> str:
    """The folder a series gets: ``"Cowboy Bebop (1998)"``, sanitised, the year always kept."""
    if year is None:
        return sanitise_name(title)
    suffix = f" ({year})"
    base = title.strip()
    if base.endswith(suffix.strip()):
        base = base[: -len(suffix.strip())]
    budget = MAX_NAME_BYTES - len(suffix.encode())
    return sanitise_name(_trim(_truncate_utf8(sanitise_name(base), budget)) + suffix)


def library_root_key(root: Path) -> str:
    """How a library root is stored on a series (``Series.library_root``): resolved, absolute."""
    return str(root.expanduser().resolve())


def series_dir(root: Path, folder: str) -> Path:
    """The resolved series folder ``folder`` directly under ``root``.

    Raises :class:`PathNotAllowed` when ``folder`` is not one plain component or when the
    folder (through a symlink) lies outside the root.
    """
    if (
        not folder
        or folder in (".", "..")
        or "/" in folder
        or "\\" in folder
        or "\0" in folder
    ):
        raise PathNotAllowed(f"{folder!r} is not a series folder name.", field="folder")
    base = _resolved(root)
    path = base / folder
    if path.is_symlink():  # the only part of the path that can lead elsewhere
        path = path.resolve()
        if path.parent != base:
            raise PathNotAllowed(
                f"The series folder {folder!r} leads outside the library root {base}.",
                field="folder",
            )
    return path


@functools.lru_cache(maxsize=64)
def _resolved(root: Path) -> Path:
    """A library root, resolved once: the loader asks for series folders thousands of times."""
    return root.expanduser().resolve()


def confined(base: Path, relative: str) -> Path:
    """``base / relative`` resolved, or :class:`PathNotAllowed` if it would leave ``base``.

    ``relative`` uses POSIX separators; absolute paths, ``..`` components and symlinks that
    point outside ``base`` are refused.
    """
    return confiner(base)(relative)


def confiner(base: Path) -> Callable[[str], Path]:
    """:func:`confined` for many paths in one folder: ``base`` is resolved once."""
    root = base.resolve()
    return functools.partial(_confined, root)


def _confined(root: Path, relative: str) -> Path:
    pure = PurePosixPath(relative)
    if (
        not relative
        or "\0" in relative
        or "\\" in relative
        or pure.is_absolute()
        or ".." in pure.parts
    ):
        raise PathNotAllowed(f"{relative!r} is not a relative path inside {root.name!r}.",
                             field="path")
    path = root.joinpath(*pure.parts)
    # Without ``..`` only a symlink can lead out; resolving the whole path (a system call per
    # component of the root too) is needed only when one of ``relative``'s components is one.
    if _any_symlink(root, pure.parts):
        path = path.resolve()
    if path == root or not path.is_relative_to(root):
        raise PathNotAllowed(f"{relative!r} leads outside {root}.", field="path")
    return path


def _any_symlink(root: Path, parts: tuple[str, ...]) -> bool:
    path = root
    for part in parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return False  # nothing below a missing component exists to lead elsewhere
        except OSError:  # unreadable: resolving decides
            return True
        if stat.S_ISLNK(mode):
            return True
    return False


def _clean_char(char: str) -> str:
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    category = unicodedata.category(char)
    if category in ("Zs", "Zl", "Zp") or char in "\t\n\r\v\f":
        return " "
    if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""
    return char


def _trim(text: str) -> str:
    # No leading dot (hidden, "..") and no trailing dot or space (Windows drops them).
    return text.strip(" .")


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")
