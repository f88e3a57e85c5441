"""Reading TMDB's JSON defensively: a shape TMDB does not document is :class:`Malformed`,
which :func:`reading` turns into a ``ProviderError`` naming the request.

The structure relied on (lists, objects, ids) is checked strictly; an optional field of an
unexpected type is read as absent, as aniworld's metadata types want ("never a guess").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aniworld_core import ProviderError

Json = Mapping[str, Any]


class Malformed(ValueError):
    """The answer does not have the documented shape; the message says where."""


@contextmanager
def reading(provider: str, request: str) -> Iterator[None]:
    """Turn :class:`Malformed` inside the block into a ``ProviderError``."""
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
    return value.strip() if isinstance(value, str) and value.strip() else None


def season_number(data: Json, key: str, what: str) -> int:
    """A season number: 0 (specials) or more."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Malformed(f"{what} has no valid {key}")
    return value


def integer(data: Json, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def number(data: Json, key: str) -> float | None:
    value = data.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def date(data: Json, key: str) -> dt.date | None:
    """A ``yyyy-mm-dd`` date; TMDB sends ``null`` or ``""`` when it does not know."""
    value = data.get(key)
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
