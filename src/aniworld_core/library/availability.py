"""Whether a library root is there, and what the app says about each root.

A root is *unavailable* when it is missing, not a folder or cannot be read, or when it lists no
series folder at all although series were found in it before: an unmounted disk leaves either
nothing or its empty mount-point folder behind, and neither means the user deleted every
series. Scans and watching pause an unavailable root: nothing under it is written, and no series
in it is marked "folder missing", until it is back (see :class:`RootStates`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import attrs

from aniworld_core.events import EventHub, LibraryRootUpdate
from aniworld_core.library.scanner import list_series_folders

log = logging.getLogger(__name__)


@attrs.frozen
class RootListing:
    """The series folders of a root, or why they could not be listed."""

    names: list[str]
    error: OSError | None = None

    @property
    def problem(self) -> str | None:
        """Why the root is unavailable (for a root with known series), if it cannot be listed."""
        if self.error is None:
            return None
        if isinstance(self.error, FileNotFoundError):
            return "it does not exist"
        if isinstance(self.error, NotADirectoryError):
            return "it is not a folder"
        return f"it cannot be read ({self.error.strerror or self.error})"

    def problem_with(self, known_series: bool) -> str | None:
        """Why a root that holds ``known_series`` (or not) is unavailable: it cannot be
        listed, or it lists no series folder though series were found in it
        (:data:`EMPTY_ROOT`)."""
        if self.problem is not None or self.names or not known_series:
            return self.problem
        return EMPTY_ROOT


def list_root(root: Path) -> RootListing:
    """``root``'s series folders (sorted), or the error listing it. Synchronous."""
    try:
        return RootListing(list_series_folders(root))
    except OSError as error:
        return RootListing([], error)


#: Why a root that lists no series folder, though series were found in it, is taken for an
#: unmounted disk rather than a library whose every series was deleted.
EMPTY_ROOT = ("it holds no series folders, though series were found in it (an unmounted disk "
              "leaves an empty folder)")


@attrs.frozen
class RootProblem:
    """A library root paused by a scan, and why."""

    root: Path
    reason: str

    @property
    def message(self) -> str:
        return (f"The library folder {self.root} is not available: {self.reason}. Scans and "
                "watching pause it; no series in it is marked missing until it is back.")

    def to_dict(self) -> dict[str, str]:
        return {"root": str(self.root), "reason": self.reason, "message": self.message}


@attrs.frozen
class RootStatus:
    """What the app knows of a library root now."""

    root: Path
    #: ``None`` while it is available; else why not (it is paused).
    problem: str | None = None
    #: Watched for changes (``False``: watching is off, failed or impossible here).
    watched: bool = False
    #: Why it is not watched, when watching is on but cannot cover it.
    not_watched: str | None = None

    @property
    def message(self) -> str:
        if self.problem is not None:
            return RootProblem(self.root, self.problem).message
        if self.not_watched is not None:
            return (f"The library folder {self.root} is not watched for changes: "
                    f"{self.not_watched}. The scheduled rescan keeps it current.")
        if self.watched:
            return f"Watching the library folder {self.root} for changes."
        return f"The library folder {self.root} is available."

    def event(self) -> LibraryRootUpdate:
        available = self.problem is None
        return LibraryRootUpdate(str(self.root), available, self.watched and available,
                                 self.message)


class RootStates:
    """Per library root: whether it is available and whether it is watched. Each change is
    logged and published once (a :class:`LibraryRootUpdate`), when it happens, not at every
    scan; listeners (the watcher) are told too."""

    def __init__(self, events: EventHub) -> None:
        self._events = events
        self._states: dict[Path, RootStatus] = {}
        self.listeners: list[Callable[[Path], None]] = []

    def status(self, root: Path) -> RootStatus:
        return self._states.get(root) or RootStatus(root)

    def all(self) -> list[RootStatus]:
        return sorted(self._states.values(), key=lambda status: str(status.root))

    def unavailable(self) -> list[Path]:
        return [status.root for status in self.all() if status.problem is not None]

    def found(self, root: Path, problem: str | None) -> None:
        """A scan found ``root`` available (``problem`` is ``None``) or not."""
        before = self.status(root)
        if before.problem == problem:
            return
        after = attrs.evolve(before, problem=problem)
        self._states[root] = after
        if problem is not None:
            log.warning("%s", after.message)
        else:
            log.info("The library folder %s is back.", root)
        self._publish(after, back=problem is None)

    def watching(self, root: Path, *, watched: bool, not_watched: str | None = None) -> None:
        """``root`` is watched now, or not (and why not, when watching is on)."""
        before = self.status(root)
        if (before.watched, before.not_watched) == (watched, not_watched):
            return
        after = attrs.evolve(before, watched=watched, not_watched=not_watched)
        self._states[root] = after
        if not_watched is not None:
            log.warning("%s", after.message)
        if not_watched is not None or before.not_watched is not None:
            self._publish(after, back=False)

    def forget(self, root: Path) -> None:
        """``root`` is no library root any more."""
        self._states.pop(root, None)

    def snapshot(self) -> list[LibraryRootUpdate]:
        """An update for every root that is paused or that watching cannot cover: what a
        page opened now should say."""
        return [status.event() for status in self.all()
                if status.problem is not None or status.not_watched is not None]

    def _publish(self, status: RootStatus, *, back: bool) -> None:
        event = status.event()
        if back:
            event = attrs.evolve(event, message=f"The library folder {status.root} is back.")
        self._events.publish(event)
        for listener in tuple(self.listeners):
            listener(status.root)
