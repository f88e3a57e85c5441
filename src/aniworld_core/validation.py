"""Checks applied at the edge of the core: a bad value becomes :class:`InvalidInput`."""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TypeGuard

from aniworld_core.errors import InvalidInput, LibraryError, SeriesNotFound
from aniworld_core.metadata import ID_TYPES, ProviderRef

MAX_TITLE_LENGTH = 255
MIN_YEAR, MAX_YEAR = 1900, 2200
#: The highest season or episode number taken anywhere (none a provider lists is higher).
MAX_EPISODE_NUMBER = 100_000

_PROVIDER_NAME = re.compile(r"[a-z][a-z0-9]{0,31}")
_NUMERIC_ID = re.compile(r"[1-9][0-9]{0,11}")
_IMDB_ID = re.compile(r"tt[0-9]{7,10}")
_OTHER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Which id columns hold numbers; ``imdb`` ids look like ``tt0123456``.
NUMERIC_ID_TYPES = frozenset(ID_TYPES) - {"imdb"}
# Line and paragraph separators act as line breaks in a title, like control characters.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def check_title(title: object, *, field: str = "title") -> str:
    """Return ``title`` without surrounding whitespace, or raise :class:`InvalidInput`.

    A valid title is non-empty, at most 255 characters and free of control characters and
    line breaks. Valid titles are stored exactly as given.
    """
    if not isinstance(title, str):
        raise InvalidInput(f"The {field} must be text.", field=field)
    stripped = title.strip()
    if not stripped:
        raise InvalidInput(f"The {field} is empty.", field=field)
    if len(stripped) > MAX_TITLE_LENGTH:
        raise InvalidInput(
            f"The {field} is {len(stripped)} characters long; at most {MAX_TITLE_LENGTH} are "
            "allowed.",
            field=field,
        )
    for char in stripped:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise InvalidInput(
                f"The {field} contains a control character (U+{ord(char):04X}).", field=field
            )
    return stripped


def is_valid_title(title: str) -> bool:
    """Whether ``check_title`` accepts ``title`` unchanged."""
    try:
        return check_title(title) == title
    except InvalidInput:
        return False


def whole_number(value: object) -> int | None:
    """``value`` as an int if it is a whole number: an int (not a bool) or, as JSON Schema
    counts ``2000.0`` an integer, a float with nothing after the point; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


def check_year(year: object) -> int | None:
    """``None`` or a plausible year."""
    if year is None:
        return None
    year = whole_number(year)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"The year must be a number from {MIN_YEAR} to {MAX_YEAR}.",
                           field="year")
    return year


def is_provider_name(name: object) -> TypeGuard[str]:
    """Whether ``name`` can name a provider: 1–32 lowercase letters and digits, a letter first."""
    return isinstance(name, str) and _PROVIDER_NAME.fullmatch(name) is not None


def check_provider_ref(provider: object, ref_id: object) -> ProviderRef:
    """A well-formed :class:`ProviderRef`: a known shape of id for the provider's id type."""
    if not is_provider_name(provider):
        raise InvalidInput(
            f"{provider!r} is not a provider name (lowercase letters and digits).",
            field="provider",
        )
    if whole_number(ref_id) is not None:
        ref_id = str(whole_number(ref_id))
    if not isinstance(ref_id, str):
        raise InvalidInput(f"The {provider} id must be text or a number.", field="id")
    check_id(provider, ref_id)
    return ProviderRef(provider, ref_id)


def check_id(id_type: str, value: str) -> str:
    """``value`` if it is a well-formed id of ``id_type``."""
    if id_type in NUMERIC_ID_TYPES:
        pattern, shape = _NUMERIC_ID, "a positive whole number"
    elif id_type == "imdb":
        pattern, shape = _IMDB_ID, "like tt0123456"
    else:
        pattern, shape = _OTHER_ID, "letters, digits, '.', '_' or '-'"
    if not pattern.fullmatch(value):
        raise InvalidInput(f"{value!r} is not a valid {id_type} id ({shape}).", field="id")
    return value


def check_series_id(series_id: object) -> str:
    """A canonical UUID string; anything else cannot name a series (:class:`SeriesNotFound`)."""
    if isinstance(series_id, str):
        try:
            parsed = uuid.UUID(series_id)
        except ValueError:
            pass
        else:
            if str(parsed) == series_id:
                return series_id
    raise SeriesNotFound(str(series_id)[:80])


def check_library_roots(roots: Sequence[Path]) -> None:
    """Raise what scanning ``roots`` would raise before writing anything: :class:`InvalidInput`
    when there are none, :class:`LibraryError` for one that is missing, not a folder or not
    readable. Synchronous (it looks at the disk): a frontend calls it before it starts work
    it would otherwise have to undo (the CLI's ``scan`` checks before its loader starts)."""
    if not roots:
        raise InvalidInput("No library folder is configured: add one with `aniworld roots add "
                           "PATH`, set `library` in the settings, or name the folders to "
                           "scan.", field="library")
    for root in roots:
        check_library_root(root)


def check_library_root(given: Path) -> None:
    """:class:`LibraryError` unless ``given`` is a folder this process may list."""
    try:
        exists, is_dir = given.exists(), given.is_dir()
    except OSError as error:  # a name too long, a loop of links
        raise LibraryError(f"The library folder {given} cannot be read: "
                           f"{error.strerror or error}.") from None
    if not exists:
        raise LibraryError(f"The library folder {given} does not exist.")
    if not is_dir:
        raise LibraryError(f"The library folder {given} is not a folder.")
    if not os.access(given, os.R_OK | os.X_OK):
        raise LibraryError(f"The library folder {given} cannot be read: Permission denied.")
