"""How a load attempt that did not complete is judged: the reason people read, whether trying
again can help, and what the attempt was tried with (the wait before trying again is the
engine's retry policy)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError

from aniworld_core.errors import (
    AniworldError,
    ConfigError,
    InvalidInput,
    ProviderDown,
    ProviderError,
    ProviderUnavailable,
)
from aniworld_core.loader.job import PermanentStepError
from aniworld_core.models import Series
from aniworld_core.reading import clean_text

#: Answers of a provider that trying again can change (a timeout, a conflict, a rate limit).
_PASSING_STATUSES = frozenset({408, 409, 423, 425, 429})
#: Longest reason stored for a failure.
MAX_REASON = 1000


def is_permanent(error: BaseException) -> bool:
    """Whether ``error`` cannot change on its own, so trying again only wastes time: the user
    must act (pick an entry, fix a folder, a setting, an API key), or the provider said a clear
    no (any 4xx but a timeout, a conflict or a rate limit)."""
    if isinstance(error, PermanentStepError | InvalidInput | ConfigError | ProviderUnavailable):
        return True
    if isinstance(error, ProviderDown) or not isinstance(error, ProviderError):
        return False
    status = error.status
    return status is not None and 400 <= status < 500 and status not in _PASSING_STATUSES


def describe(label: str, error: BaseException, *, step_timeout: float) -> str:
    """``Episodes: jikan: episodes 5114: HTTP 503`` for people; safe to store."""
    if isinstance(error, TimeoutError):
        return f"{label}: timed out after {step_timeout:g} s"
    if isinstance(error, AniworldError | PermanentStepError):
        return cleaned(f"{label}: {error}")
    return cleaned(f"{label}: unexpected error: {type(error).__name__}: {error}")


def describe_unsaved(label: str, error: BaseException) -> str:
    """What a failure to save a step's result (or the outcome of an attempt) says: the
    database's own message, not the statement and data SQLAlchemy adds to it."""
    message = str(error.orig) if isinstance(error, DBAPIError) else str(error)
    first = message.strip().splitlines()[0] if message.strip() else ""
    return cleaned(f"{label}: could not be saved: {type(error).__name__}: {first}")


def cleaned(reason: str) -> str:
    """``reason`` without control characters (an error may quote what a provider sent; a NUL
    in it would make the failure itself impossible to store on PostgreSQL), and not too long."""
    text = clean_text(reason)
    return text if len(text) <= MAX_REASON else f"{text[:MAX_REASON - 1]}…"


def inputs_key(series: Series, providers: Sequence[str]) -> str:
    """What a load was tried with, as a short key: the folder, the title and year, the ids,
    and the available providers. A load that failed for good is tried again by itself only
    when this changes."""
    parts = [series.library_root, series.folder, series.title, series.year,
             sorted(series.ids.items()), list(providers)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]
