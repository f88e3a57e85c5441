"""The library roots in effect: the settings' ones, then those a person added at run time.

Roots are compared resolved (``library_root_key``): ``~/anime`` in the settings and
``/home/me/anime`` added later are one root, listed once, where the settings put it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from aniworld_core.errors import InvalidInput, LibraryError
from aniworld_core.library.paths import library_root_key
from aniworld_core.models import Series
from aniworld_core.validation import check_library_root

#: The longest path a person may add (Linux allows 4,096 bytes).
MAX_PATH_LENGTH = 4096


class RootSource(enum.StrEnum):
    """Where a library root comes from."""

    #: ``library`` in the settings (the TOML file, ``ANIWORLD_LIBRARY``): changed there only.
    SETTINGS = "settings"
    #: Added at run time (``aniworld scan ROOT``, ``aniworld roots add``, the API); stored in
    #: the database, so every process using it has it.
    ADDED = "added"


@attrs.frozen
class LibraryRoot:
    """A library root: every folder directly under it is a series."""

    path: Path
    source: RootSource
    #: When it was added (``None`` for a root of the settings).
    added_at: dt.datetime | None = None
    #: Whether it is a folder right now (an unmounted disk is not).
    available: bool = True
    #: Whether ``SeriesApp.add_library_root`` added it just now (it was no library root).
    new: bool = attrs.field(default=False, eq=False)

    @property
    def removable(self) -> bool:
        """Whether it may be removed at run time (a root of the settings may not)."""
        return self.source is RootSource.ADDED

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape the web API and ``--json`` output share."""
        return {"path": str(self.path), "source": self.source.value,
                "added_at": None if self.added_at is None else self.added_at.isoformat(),
                "available": self.available, "removable": self.removable}


def merged_roots(configured: Sequence[Path],
                 added: Iterable[tuple[str, dt.datetime]]) -> list[LibraryRoot]:
    """The settings' roots, then the added ones (``(resolved path, added at)``) that are not
    one of them, without duplicates (``available`` is not looked at). Resolves paths: call it
    in a worker thread."""
    roots: list[LibraryRoot] = []
    seen: set[str] = set()
    for path in configured:
        key = library_root_key(path)
        if key not in seen:
            seen.add(key)
            roots.append(LibraryRoot(path, RootSource.SETTINGS))
    for stored, added_at in added:
        if stored not in seen:
            seen.add(stored)
            roots.append(LibraryRoot(Path(stored), RootSource.ADDED, added_at))
    return roots


def root_path(value: object) -> Path:
    """A library folder's path as given at the edge (text or a path): :class:`InvalidInput`
    (field ``path``) unless it is an absolute path of 1 to :data:`MAX_PATH_LENGTH` characters
    without NUL."""
    if not isinstance(value, str | Path):
        raise InvalidInput("A library folder is given as a path.", field="path")
    text = str(value)
    if not text or len(text) > MAX_PATH_LENGTH or "\x00" in text:
        raise InvalidInput(f"A library folder is a path of 1 to {MAX_PATH_LENGTH} characters "
                           "without NUL.", field="path")
    path = Path(text)
    if not path.is_absolute():
        raise InvalidInput(f"Give the library folder as an absolute path, not {text!r}.",
                           field="path")
    return path


def check_new_root(given: Path, roots: Sequence[Path]) -> str:
    """``given`` as it is stored (resolved, absolute), when it may become a library root beside
    ``roots``: an absolute path of a folder this process may list that is not inside one of
    ``roots`` and holds none of them (one of ``roots`` itself is fine: adding it changes
    nothing). :class:`InvalidInput` (field ``path``) says what is wrong. Looks at the disk:
    call it in a worker thread."""
    given = root_path(given)
    try:
        check_library_root(given)
    except LibraryError as error:
        raise InvalidInput(str(error), field="path") from None
    key = Path(library_root_key(given))
    for root in roots:
        other = Path(library_root_key(root))
        if key == other:
            continue
        if key.is_relative_to(other):
            raise InvalidInput(
                f"{given} is inside the library folder {root}: every folder directly under a "
                "library folder is one series, so a folder inside it cannot be another "
                "library folder.", field="path")
        if other.is_relative_to(key):
            raise InvalidInput(
                f"{given} holds the library folder {root}: a library folder cannot hold "
                "another one (its series would be seen twice).", field="path")
    return str(key)


#: What a person is told when no library folder is set.
NO_LIBRARY_FOLDER = ("No library folder is set: NFO files and artwork will not be written. Add "
                     "one with `aniworld roots add PATH` or set `library` in the settings.")


@attrs.frozen
class SeriesFolder:
    """Where a series' NFO files and artwork go."""

    #: Its folder, when it has one.
    path: Path | None
    #: The library folder its folder is in, or gets made in when it loads (the first);
    #: ``None``: it has no folder and no library folder is set, so nothing is written.
    root: Path | None
    #: ``"yes"``: it has a folder, what its load wrote is there. ``"later"``: its load (not
    #: over yet) makes one under ``root``. ``"no"``: it has none and its load makes none, so no
    #: NFO files or artwork were written, whatever its load's steps say.
    written: str
    #: The same for people: where its files are or will go, or why they are not written.
    note: str

    @classmethod
    def of(cls, series: Series, roots: Sequence[Path]) -> SeriesFolder:
        if series.folder is not None and series.library_root is not None:
            path = Path(series.library_root) / series.folder
            return cls(path, Path(series.library_root), "yes",
                       f"Its NFO files and artwork go in {path}.")
        if not roots:
            return cls(None, None, "no", NO_LIBRARY_FOLDER)
        root = roots[0]
        if series.loading_status.is_final or series.nfo_loaded:
            return cls(None, root, "no",
                       "It has no folder, so no NFO files or artwork were written: refresh it "
                       f"to give it a folder in {root} and write them there.")
        return cls(None, root, "later", f"Its load makes its folder in {root} and writes its NFO "
                                        "files and artwork there.")

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the web API."""
        return {"path": None if self.path is None else str(self.path),
                "library_folder": None if self.root is None else str(self.root),
                "written": self.written, "note": self.note}
