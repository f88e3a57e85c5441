"""The job kinds aniworld registers itself, and its built-in schedules.

``library.scan``: rescan library roots (payload ``{"roots": [...]}``, each one of the library
roots when it runs, see ``SeriesApp.library_roots``; none: all of them). The built-in schedule
``rescan`` runs it every ``jobs.rescan_every`` seconds (or by ``jobs.rescan_cron``). A root
that is unavailable (an unmounted disk) is paused and the others are scanned; the attempt then
fails saying why, to be tried again later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio

from aniworld_core.errors import InvalidInput
from aniworld_core.jobs import Engine, JobContext, JobError, Kind, RetryPolicy
from aniworld_core.library.paths import library_root_key
from aniworld_core.library.scan import ScanReport
from aniworld_core.refresh.library import LIBRARY_REFRESH, REFRESH_SCHEDULE
from aniworld_core.settings import Settings
from aniworld_core.storage.load_queue import AIRING_CHECK, SERIES_LOAD

SCAN = "library.scan"
RESCAN_SCHEDULE = "rescan"
#: What each kind of job does, for people: the Tasks page says it beside every schedule.
KIND_DESCRIPTIONS = {
    SCAN: "Rescans the library folders: series folders and video files added, changed or "
          "removed since the last scan.",
    SERIES_LOAD: "Loads a series: identification, metadata, episodes, NFO files and artwork.",
    AIRING_CHECK: "Loads an airing show's episode list again once its next episode has "
                     "aired, so it counts as missing until its file is there.",
    LIBRARY_REFRESH: "Asks the providers, in batches, what changed for every loaded series "
                       "and loads again only the series that changed.",
}

Scan = Callable[[Sequence[Path]], Awaitable[ScanReport]]
#: The library roots now (the settings' and those added at run time).
Roots = Callable[[], Awaitable[Sequence[Path]]]


def _scan_payload() -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Roots may be added and removed at run time (from other processes too): whether each is
    a library root is checked when the job runs."""

    def check(payload: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(payload) - {"roots"}
        if unknown:
            raise InvalidInput(f"Unknown payload field(s) of {SCAN}: {sorted(unknown)}.",
                               field="payload")
        roots = payload.get("roots")
        if roots is None:
            return {}
        if not isinstance(roots, list) or not all(isinstance(root, str) for root in roots):
            raise InvalidInput("'roots' must be a list of library folders.", field="payload")
        relative = [root for root in roots if not Path(root).is_absolute()]
        if relative:
            raise InvalidInput(f"Not an absolute path: {relative[0]!r}.", field="payload")
        return {"roots": sorted(set(roots))}

    return check


def kind_description(kind: str) -> str | None:
    """What a job of ``kind`` does, in a sentence for people (``None`` for a kind a plugin
    brought without one)."""
    return KIND_DESCRIPTIONS.get(kind)


def register_builtin_kinds(engine: Engine, settings: Settings, scan: Scan,
                           library_roots: Roots) -> None:
    async def run_scan(context: JobContext) -> None:
        current = await library_roots()
        roots = [Path(root) for root in context.payload.get("roots") or current]
        if not roots:
            await context.progress(0, 0, "No library folders are configured.")
            return
        unknown = await anyio.to_thread.run_sync(_not_among, roots, current)
        if unknown:
            raise JobError(f"{unknown[0]} is not a library folder (any more).", permanent=True)
        paused: list[str] = []
        for done, root in enumerate(roots):
            await context.progress(done, len(roots), f"Scanning {root}")
            try:
                report = await scan([root])
            except InvalidInput as error:
                raise JobError(str(error), permanent=True) from None
            paused += [problem.message for problem in report.unavailable]
            await context.progress(done + 1, len(roots),
                                   f"{report.series_folders} series folders, "
                                   f"{len(report.series_added)} new" if not report.unavailable
                                   else f"{root} is paused: {report.unavailable[0].reason}")
        if paused:
            # The others were scanned; this attempt fails so the job tries again later and
            # the Tasks page says why (an unmounted disk).
            raise JobError(" ".join(paused))

    engine.register(Kind(SCAN, run_scan, check_payload=_scan_payload(), concurrency=1,
                         retry=RetryPolicy(max_attempts=3, base=60.0, cap=3600.0),
                         max_pending=settings.jobs.max_pending))


def _not_among(roots: Sequence[Path], current: Sequence[Path]) -> list[Path]:
    """Those of ``roots`` that are none of ``current`` (compared resolved)."""
    known = {library_root_key(root) for root in current}
    return [root for root in roots if library_root_key(root) not in known]


async def define_builtin_schedules(engine: Engine, settings: Settings) -> None:
    """Create the built-in schedules the first time; what people changed since is kept."""
    jobs = settings.jobs
    if jobs.rescan_cron:
        await engine.define_schedule(RESCAN_SCHEDULE, SCAN, cron=jobs.rescan_cron,
                                     timezone=jobs.timezone, replace=False)
    elif jobs.rescan_every > 0:
        await engine.define_schedule(RESCAN_SCHEDULE, SCAN, every=jobs.rescan_every,
                                     timezone=jobs.timezone, replace=False)
    if settings.refresh.library_every > 0:
        # The library-wide refresh (see ``aniworld_core.refresh.library``).
        await engine.define_schedule(REFRESH_SCHEDULE, LIBRARY_REFRESH,
                                     every=settings.refresh.library_every,
                                     timezone=jobs.timezone, replace=False)
