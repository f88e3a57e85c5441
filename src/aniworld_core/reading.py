"""Reading API answers defensively, for aniworld's providers and for plugin authors (public).

A shape the API does not document is :class:`Malformed`, which :func:`reading` turns into a
:class:`ProviderError` naming the provider and the request::

    with reading(self.name, f"show {ref}"):
        show = mapping(answer, "the answer")
        episodes = objects(show.get("episodes"), "episodes")
        title = text(show, "name")

The structure a provider relies on (the envelope, lists, ids) is checked strictly; optional
scalar fields of an unexpected type are read as absent, as the metadata types want ("never a
guess"). Text comes out clean: control characters an API let through (a NUL byte in a title
blocked a series on PostgreSQL, which cannot store one) are dropped and broken UTF-16 halves
replaced, by :func:`text` and :func:`texts` here and for every JSON answer by the providers' HTTP
client (:func:`clean_json`). Also here: what providers share when shaping metadata (titles,
years, airing states).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from aniworld_core.errors import ProviderError
from aniworld_core.metadata import SearchResult

Json = Mapping[str, Any]

#: Airing states in one vocabulary (Kodi's words) whatever the provider says.
ENDED, CONTINUING, UPCOMING, CANCELLED, HIATUS = (
    "Ended", "Continuing", "Upcoming", "Cancelled", "Hiatus"
)


#: What no text aniworld stores may hold: C0 control characters but tab, newline and carriage
#: return (XML and PostgreSQL refuse NUL; the rest only garble), DEL, and UTF-16 surrogates
#: left alone (JSON may escape half a pair; neither database can encode one).
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: In a JSON body, the escapes that can decode to such characters (a fast test before walking).
_UNWANTED_ESCAPE = re.compile(rb"\\u(?:00[01][0-9a-fA-F]|007[fF]|[dD][89a-fA-F][0-9a-fA-F]{2})")


def clean_text(value: str) -> str:
    """``value`` without control characters (tab, newline and carriage return stay) and with
    lone UTF-16 surrogates replaced by U+FFFD."""
    if _UNWANTED.search(value) is None:
        return value
    return _UNWANTED.sub(lambda found: "\ufffd" if found[0] >= "\ud800" else "", value)


def clean_json(value: Any) -> Any:
    """A decoded JSON value with every string in it (keys too) passed through
    :func:`clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key) if isinstance(key, str) else key: clean_json(item)
                for key, item in value.items()}
    return value


def may_need_cleaning(body: bytes) -> bool:
    """Whether a JSON body holds an escape :func:`clean_json` would have to remove (the body
    itself cannot hold such characters raw: JSON forbids them in strings)."""
    return _UNWANTED_ESCAPE.search(body) is not None


class Malformed(ValueError):
    """The answer does not have the documented shape; the message says where."""


@contextmanager
def reading(provider: str, request: str) -> Iterator[None]:
    """Turn :class:`Malformed` inside the block into a :class:`ProviderError`."""
    try:
        yield
    except Malformed as error:
        raise ProviderError(provider, request, f"unexpected answer: {error}") from None


def mapping(value: object, what: str) -> Json:
    if not isinstance(value, Mapping):
        raise Malformed(f"{what} is not an object")
    return value


def objects(value: object, what: str) -> list[Json]:
    """A list of objects; ``None`` is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{what} is not a list")
    return [mapping(item, f"an item of {what}") for item in value]


def identifier(data: Json, key: str, what: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Malformed(f"{what} has no valid {key}")
    return value


def text(data: Json, key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, str) and (cleaned := clean_text(value).strip()):
        return cleaned
    return None


def texts(data: Json, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    cleaned = (clean_text(item).strip() for item in value if isinstance(item, str))
    return tuple(item for item in cleaned if item)


def integer(data: Json, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def number(data: Json, key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def boolean(data: Json, key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def date_from_iso(value: object) -> dt.date | None:
    """The date of an ISO 8601 date or date-time string such as ``1998-04-03T00:00:00+00:00``."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def date(data: Json, key: str) -> dt.date | None:
    """A ``yyyy-mm-dd`` date (or the date of a date-time); APIs send ``null`` or ``""`` when
    they do not know."""
    return date_from_iso(data.get(key))


def date_from_parts(year: int | None, month: int | None, day: int | None) -> dt.date | None:
    if year is None or month is None or day is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def unique(titles: Iterable[str | None], *, besides: Iterable[str | None] = ()) -> tuple[str, ...]:
    """Distinct non-empty titles in order, leaving out those in ``besides`` (case-insensitive)."""
    seen = {title.casefold() for title in besides if title}
    found = []
    for title in titles:
        if title and title.casefold() not in seen:
            seen.add(title.casefold())
            found.append(title)
    return tuple(found)


def prefer_year(results: Sequence[SearchResult], year: int | None) -> list[SearchResult]:
    """``results`` with those from ``year`` first, each group in the provider's own order.

    Searching by year would drop a series whose first episode aired a year off (a December
    premiere, a user's guess), so the year only ranks.
    """
    if year is None:
        return list(results)
    return sorted(results, key=lambda result: result.year != year)
