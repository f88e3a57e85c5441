"""Every error aniworld raises on purpose derives from :class:`AniworldError`.

Each carries a message a person can act on; frontends show ``str(error)`` as is and map the class
to an HTTP status or an exit code. Nothing outside this module defines a new error family.
"""

from __future__ import annotations

from collections.abc import Sequence


class AniworldError(Exception):
    """Base of every error aniworld raises on purpose; ``str()`` is the user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(AniworldError):
    """Input rejected at the edge; nothing was written. ``field`` names what was wrong."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigError(AniworldError):
    """A setting is unknown or has a bad value; the message names the key and where it came from."""


class SeriesNotFound(AniworldError):
    """No series with that id (or name, see ``SeriesApp.find_series``) exists."""

    def __init__(self, series_id: str, *, message: str | None = None) -> None:
        super().__init__(message or f"No series with id {series_id!r}.")
        self.series_id = series_id


class StateConflict(AniworldError):
    """The request is valid but the current state forbids it (HTTP 409)."""


class SeriesExists(StateConflict):
    """A series with the same provider id is already in the library."""

    def __init__(self, message: str, *, series_id: str) -> None:
        super().__init__(message)
        self.series_id = series_id


class StorageError(AniworldError):
    """The database cannot be opened or used."""


class QueueFull(AniworldError):
    """Too many jobs of a kind wait already (HTTP 503 with ``Retry-After``): nothing was added.
    A runaway producer cannot fill the database."""

    def __init__(self, kind: str, limit: int, *, retry_after: float = 30.0) -> None:
        super().__init__(f"The queue of {kind!r} jobs is full ({limit} waiting); try again "
                         "later.")
        self.kind = kind
        self.limit = limit
        self.retry_after = retry_after


class JobNotFound(AniworldError):
    """No job (or schedule) with that id or name exists (HTTP 404)."""


class SchemaTooNew(StorageError):
    """The database was written by a newer aniworld; we refuse to touch it rather than downgrade."""


class PluginError(AniworldError):
    """A plugin failed to load or registered something invalid."""


class ProviderError(AniworldError):
    """A metadata provider failed; names the provider, the request and the reason.

    Whatever the provider sent in an error response is never stored as data.
    """

    def __init__(self, provider: str, request: str, reason: str, *,
                 status: int | None = None) -> None:
        super().__init__(f"{provider}: {request}: {reason}")
        self.provider = provider
        self.request = request
        self.reason = reason
        #: The HTTP status when the server answered, else ``None``.
        self.status = status


class ProviderDown(ProviderError):
    """A provider failed so often in a row that aniworld stopped asking it for a while (its
    circuit breaker is open): nothing was sent. ``cause`` says why it is down ("cannot reach
    AniList (network down?)"); ``retry_in`` is the number of seconds until it is asked again.
    Background work waits for it; a person's request may try at once."""

    def __init__(self, provider: str, request: str, cause: str, *, retry_in: float) -> None:
        super().__init__(provider, request,
                         f"down: {cause}; next check in {max(1, round(retry_in))} s")
        self.cause = cause
        self.retry_in = retry_in


class ProviderUnavailable(AniworldError):
    """A provider cannot be used at all (for example it needs an API key that is not set)."""

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider} is unavailable: {reason}")
        self.provider = provider
        self.reason = reason


class IdentificationFailed(AniworldError):
    """Which provider entry a series is needs the user: no match was confident enough
    (``candidates`` lists what they may pick), or the entry found is already another series
    in the library (``series_id``). The series' load fails with ``Series.needs_choice`` set
    until the user picks one (``SeriesApp.identify``)."""

    def __init__(self, message: str, *, candidates: Sequence[str] = (),
                 series_id: str | None = None) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)
        #: The library series that already is the entry found, when that is why.
        self.series_id = series_id


class LibraryError(AniworldError):
    """Reading or writing the library on disk failed (disk full, permission denied, ...)."""


class PathNotAllowed(InvalidInput):
    """A path would leave the library root or its series folder."""


class DownloadError(AniworldError):
    """A download (or an import) could not go on; the message says why for people.

    ``permanent``: trying again cannot help until someone acts (a refused URL, a server that
    sends HTML, permission denied); otherwise a later attempt may succeed (a timeout, a
    dropped connection, 5xx). ``keep_partial``: what was fetched so far stays in its ``.part``
    file so that a later attempt resumes from it (disk full, a dropped connection).
    """

    def __init__(self, message: str, *, permanent: bool = False,
                 keep_partial: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.keep_partial = keep_partial


class DownloadNotFound(AniworldError):
    """No download with that id."""


class EpisodeNotFound(AniworldError):
    """The series lists no episode with that season and number."""


__all__ = [
    "AniworldError",
    "ConfigError",
    "DownloadError",
    "DownloadNotFound",
    "EpisodeNotFound",
    "IdentificationFailed",
    "InvalidInput",
    "JobNotFound",
    "LibraryError",
    "PathNotAllowed",
    "PluginError",
    "ProviderDown",
    "ProviderError",
    "ProviderUnavailable",
    "QueueFull",
    "SchemaTooNew",
    "SeriesExists",
    "SeriesNotFound",
    "StateConflict",
    "StorageError",
]
