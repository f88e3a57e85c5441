"""Live watching of the library roots: what changes on disk reaches the library in seconds.

:class:`LibraryWatcher` runs in a process that runs background work (``SeriesApp.open`` with
``loader=True`` and ``watch.enabled``). One worker thread waits in watchfiles' Rust watcher
(inotify on Linux); what it reports is sorted out there (:mod:`.watch_changes`) and handed to
the event loop, which scans only the series folders touched (:meth:`Library.scan_folders`): a
change in a library of 2,000 series costs the work of its own folder. A video file counts once
it has settled (a copy in progress does not); the scans publish ``LibraryChanged`` and
``SeriesAdded`` for the pages.

Roots that cannot be watched are said once (``LibraryRootUpdate``, and the log) and left to the
scheduled rescans (the built-in ``rescan`` schedule):

- a root on a network share (NFS, SMB...), which reports no changes made by other machines;
- every root, when watching fails (the system's limit on watched folders, permissions): it is
  tried again when the list of roots changes;
- a root that is unavailable (an unmounted disk, see :mod:`.availability`): it is paused, looked
  at every ``watch.recheck`` seconds, and once it is back watched again and rescanned whole.

The list of roots is read again every ``watch.recheck`` seconds (roots added at run time). Idle,
the watcher costs a sleeping thread and that look: no polling of the disk.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import anyio
import anyio.from_thread
import anyio.to_thread
import attrs
from anyio.abc import TaskGroup, TaskStatus
from watchfiles._rust_notify import RustNotify

from aniworld_core.library.mounts import network_share
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.scan import FolderRequest, Library
from aniworld_core.library.watch_changes import Pending, Touch, look_at, touched
from aniworld_core.settings import WatchSettings

log = logging.getLogger(__name__)

#: Milliseconds: a batch of changes is handed over once nothing new came for a step, or at
#: the latest this long after its first change.
STEP_MS = 50
DEBOUNCE_MS = 200
#: Seconds before the folders of a failed scan (the database away) are scanned again.
RETRY_SECONDS = 5.0

Changes = set[tuple[int, str]]
#: Watch ``paths`` (recursively) until ``stop`` is set: call ``ready()`` once watching, then
#: ``changes(batch)`` for each batch of ``(change, path)``. Blocking (a worker thread runs it);
#: raises ``OSError`` or ``RuntimeError`` when watching is not possible.
WatchFunction = Callable[
    [list[str], Callable[[], None], Callable[[Changes], None], threading.Event], None]


def watch_with_notify(paths: list[str], ready: Callable[[], None],
                      changes: Callable[[Changes], None], stop: threading.Event) -> None:
    """The default :data:`WatchFunction`: watchfiles' Rust watcher, waiting in Rust (no
    timeout) until changes come or ``stop`` is set. Folders it may not read are skipped."""
    with RustNotify(paths, False, False, 300, True, True) as notify:
        ready()
        while not stop.is_set():
            batch = notify.watch(DEBOUNCE_MS, STEP_MS, 0, stop)
            if isinstance(batch, set):
                changes(batch)


@attrs.define
class _Session:
    """One run of the watch thread over a set of roots."""

    paths: tuple[Path, ...]
    stop: threading.Event = attrs.field(factory=threading.Event)
    ready: anyio.Event = attrs.field(factory=anyio.Event)
    done: anyio.Event = attrs.field(factory=anyio.Event)
    error: OSError | RuntimeError | None = None


class LibraryWatcher:
    """Watches the library roots and keeps the library current; see the module's doc."""

    def __init__(self, library: Library, roots: Callable[[], Awaitable[Sequence[Path]]],
                 settings: WatchSettings, *, watch: WatchFunction = watch_with_notify,
                 share: Callable[[Path], str | None] = network_share) -> None:
        self._library = library
        self._roots = roots
        self._settings = settings
        self._watch = watch
        self._share = share
        self._pending = Pending(settings.settle)
        self._wake = anyio.Event()
        self._poke = anyio.Event()
        #: The library roots (resolved) as last read, and those on network shares.
        self._known: tuple[Path, ...] = ()
        self._unwatchable: dict[Path, str] = {}
        #: Why watching failed; nothing is watched until the roots change.
        self._failure: str | None = None
        self._session: _Session | None = None
        self._group: TaskGroup | None = None

    @property
    def watching(self) -> tuple[Path, ...]:
        """The roots watched right now."""
        session = self._session
        return () if session is None or session.done.is_set() else session.paths

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Watch until cancelled; started (``task_status``) once the roots that can be are
        watched, so a change made from then on is seen."""
        self._library.roots.listeners.append(self._root_changed)
        try:
            async with anyio.create_task_group() as group:
                self._group = group
                await self._update()
                task_status.started()
                group.start_soon(self._control)
                await self._process()
        finally:
            self._library.roots.listeners.remove(self._root_changed)

    # -- the roots ----------------------------------------------------------------------------

    def _root_changed(self, root: Path) -> None:
        self._poke.set()  # a scan found a root gone or back: watch accordingly

    async def _control(self) -> None:
        while True:
            with anyio.move_on_after(self._settings.recheck):
                await self._poke.wait()
            self._poke = anyio.Event()
            await self._update()

    async def _update(self) -> None:
        """Read the roots, look at each (paused ones may be back), and watch what can be;
        a root that is back is rescanned whole."""
        known = await anyio.to_thread.run_sync(_resolved, await self._roots())
        if known != self._known:
            for root in set(self._known) - set(known):
                self._pending.forget(root)
                self._library.roots.forget(root)
            for root in known:
                if root not in self._known and (kind := await anyio.to_thread.run_sync(
                        self._share, root)) is not None:
                    self._unwatchable[root] = (f"it is on a network share ({kind}), which "
                                               "reports no changes made by other machines")
            self._known, self._failure = known, None
        back = []
        for root in known:
            was_paused = self._library.roots.status(root).problem is not None
            if await self._library.check_root(root) is None and was_paused:
                back.append(root)
        await self._restart()
        for root in back:
            await self._library.scan([root], pausable={str(root)})

    def _wanted(self) -> tuple[Path, ...]:
        if self._failure is not None:
            return ()
        states = self._library.roots
        return tuple(root for root in self._known
                     if root not in self._unwatchable and states.status(root).problem is None)

    async def _restart(self) -> None:
        """Watch :meth:`_wanted` (a new watch thread if that changed or the last one ended)."""
        assert self._group is not None
        for _ in range(len(self._known) + 1):
            wanted = self._wanted()
            current = self._session
            if current is not None and current.paths == wanted and not current.done.is_set():
                return
            if current is not None:
                current.stop.set()
                await current.done.wait()
                self._session = None
            self._mark(wanted)
            if not wanted:
                return
            session = self._session = _Session(wanted)
            self._group.start_soon(self._run_session, session)
            await session.ready.wait()
            if session.error is None:
                return
            # A root that vanished as watching began fails it too: pause it, watch the rest.
            paused = [await self._library.check_root(root) for root in wanted]
            if not any(paused):
                self._failure = _why(session.error)
                self._mark(())
                return

    def _mark(self, watched: tuple[Path, ...]) -> None:
        for root in self._known:
            reason = self._unwatchable.get(root, self._failure)
            if self._library.roots.status(root).problem is not None:
                reason = None  # paused: that says it all
            self._library.roots.watching(root, watched=root in watched, not_watched=reason)

    async def _run_session(self, session: _Session) -> None:
        paths = list(session.paths)

        def ready() -> None:
            anyio.from_thread.run_sync(session.ready.set)

        def changes(batch: Changes) -> None:
            touches = [touched(change, path, session.paths) for change, path in batch]
            anyio.from_thread.run_sync(self._take, touches)

        async def watch() -> None:
            try:
                await anyio.to_thread.run_sync(
                    self._watch, [str(path) for path in paths], ready, changes,
                    session.stop, limiter=anyio.CapacityLimiter(1))
            except (OSError, RuntimeError) as error:
                session.error = error
                self._poke.set()  # failed while watching: the control loop decides what next

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_stop_when_cancelled, session.stop)
                try:
                    await watch()
                finally:
                    group.cancel_scope.cancel()
        finally:
            session.ready.set()
            session.done.set()

    # -- the changes --------------------------------------------------------------------------

    def _take(self, touches: Sequence[Touch | None]) -> None:
        now = time.monotonic()
        for touch in touches:
            if touch is not None:
                self._pending.add(touch, now)
        self._wake.set()

    async def _process(self) -> None:
        while True:
            due = self._pending.next_due()
            wait = float("inf") if due is None else max(0.0, due - time.monotonic())
            with anyio.move_on_after(wait):
                await self._wake.wait()
            self._wake = anyio.Event()
            files = self._pending.files_to_look_at(time.monotonic())
            if files:
                looks = await anyio.to_thread.run_sync(_look_again, files)
                self._pending.looked(looks, time.monotonic())
            while self._pending.roots:
                await self._library.check_root(self._pending.roots.pop())
            requests = self._pending.take_due(time.monotonic())
            if requests:
                await self._scan(requests)

    async def _scan(self, requests: Sequence[FolderRequest]) -> None:
        try:
            await self._library.scan_folders(requests)
        except Exception as error:  # a background loop must outlive a failed scan
            names = ", ".join(sorted(request.name for request in requests))
            log.warning("Scanning %s after a change failed (%s); trying again in %g s.",
                        names, error, RETRY_SECONDS)
            self._pending.retry(requests, time.monotonic() + RETRY_SECONDS)


async def _stop_when_cancelled(stop: threading.Event) -> None:
    try:
        await anyio.sleep_forever()
    finally:
        stop.set()  # the watch thread returns within a step; its task then ends


def _look_again(files: Sequence[tuple[Path, str, str]]
                ) -> list[tuple[tuple[Path, str, str], tuple[int, int] | None]]:
    return [(key, look_at(key[0] / key[1] / key[2])) for key in files]


def _resolved(roots: Sequence[Path]) -> tuple[Path, ...]:
    keys: dict[Path, None] = {}
    for root in roots:
        keys[Path(library_root_key(root))] = None
    return tuple(keys)


def _why(error: OSError | RuntimeError) -> str:
    """Why watching failed, and what a person can do about it."""
    text = str(error) or type(error).__name__
    if (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EMFILE)) \
            or "limit" in text.lower():
        return (f"the system's limit on watched folders was reached ({text}); raise "
                "fs.inotify.max_user_watches and fs.inotify.max_user_instances (sysctl)")
    if isinstance(error, PermissionError):
        return f"permission was denied ({text})"
    return f"watching failed ({text})"
