"""The download manager: the ``episode.download`` job kind.

One attempt: read the download and its show, wait for a free slot of its source (without
holding a worker: the job is put back behind a gate), fetch the offer into a ``.part`` file in
the staging folder (resuming what an earlier attempt kept), put it at its name in the series
folder, link it and write its NFO (``placed``). Failures that may pass are retried by the
engine with backoff; the others fail at once with their message. A pause stops the job and
keeps the ``.part`` file; a cancel removes it.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import anyio
import attrs

from aniworld_core.download_events import DownloadUpdate
from aniworld_core.downloads.bandwidth import Bandwidth
from aniworld_core.downloads.fetch import Fetcher, FetchResult
from aniworld_core.downloads.import_place import ImportMode, place
from aniworld_core.downloads.live import LiveDownload
from aniworld_core.downloads.model import (
    Download,
    DownloadState,
    EpisodeWant,
    FetchMethod,
    Offer,
)
from aniworld_core.downloads.naming import EpisodeName, Naming
from aniworld_core.downloads.partial import remove_partial
from aniworld_core.downloads.source_set import SourceSet
from aniworld_core.downloads.sources import HandsOff
from aniworld_core.errors import DownloadError, InvalidInput, SeriesNotFound
from aniworld_core.jobs import Engine, JobContext, JobError, Kind, Postpone, RetryPolicy
from aniworld_core.jobs.model import JobState
from aniworld_core.library.folders import VIDEO_EXTENSIONS
from aniworld_core.library.paths import confiner
from aniworld_core.models import Series
from aniworld_core.settings import Settings
from aniworld_core.storage import SeriesStore
from aniworld_core.storage.download_store import (
    DOWNLOAD,
    DownloadStore,
    NewDownload,
    StoredDownload,
    download_key,
)

log = logging.getLogger(__name__)
#: The staging folder in a library root when ``downloads.staging`` is not set (hidden: scans
#: and media servers skip it).
STAGING = ".aniworld-downloads"
RESTARTED = "The server does not resume downloads (no Range support): it started again from 0."
#: ``placed(series_id, path)``: a file was put at ``path`` (relative to the series folder).
Placed = Callable[[str, str], Awaitable[None]]
Publish = Callable[[Any], None]


def _gate(source: str) -> str:
    return f"download-source:{source}"


def check_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A download job's payload: ``series_id``, ``season``, ``episodes`` and ``source``."""
    unknown = set(payload) - {"series_id", "season", "episodes", "source", "offer",
                              "absolute"}
    if unknown:
        raise InvalidInput(f"Unknown payload field(s) of {DOWNLOAD}: {sorted(unknown)}.",
                           field="payload")
    series_id, season = payload.get("series_id"), payload.get("season")
    episodes, source = payload.get("episodes"), payload.get("source")
    if not isinstance(series_id, str) or not isinstance(source, str):
        raise InvalidInput("'series_id' and 'source' are text.", field="payload")
    if isinstance(season, bool) or not isinstance(season, int) or season < 0:
        raise InvalidInput("'season' is a whole number from 0.", field="payload")
    if (not isinstance(episodes, list) or not episodes
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                       for n in episodes)):
        raise InvalidInput("'episodes' is a list of episode numbers.", field="payload")
    offer, absolute = payload.get("offer"), payload.get("absolute")
    if not isinstance(offer, dict):
        raise InvalidInput("'offer' is what a source offered, as an object.", field="payload")
    try:
        checked = Offer.from_dict(offer)
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("'offer' needs at least 'source' and 'title'.",
                           field="payload") from None
    if absolute is not None and (isinstance(absolute, bool) or not isinstance(absolute, int)):
        raise InvalidInput("'absolute' is an episode number.", field="payload")
    return {"series_id": series_id, "season": season, "episodes": episodes, "source": source,
            "offer": checked.to_dict(), "absolute": absolute}


def to_download(stored: StoredDownload, live: LiveDownload | None = None) -> Download:
    """The download as people see it: live here, or as stored."""
    if live is not None:
        if stored.paused and stored.path is None:  # stops within a second
            return attrs.evolve(live.download, state=DownloadState.PAUSED, speed=None,
                                eta=None)
        return live.download
    if stored.path is not None:
        state = DownloadState.COMPLETED
    elif stored.paused:
        state = DownloadState.PAUSED
    elif stored.job_state is JobState.PENDING:
        state = DownloadState.QUEUED
    elif stored.job_state is JobState.RUNNING:
        state = DownloadState.DOWNLOADING
    elif stored.job_state is JobState.CANCELLED:
        state = DownloadState.CANCELLED
    else:
        state = DownloadState(stored.job_state.value)
    return Download(
        id=stored.job_id, series_id=stored.series_id, series_title=stored.series_title,
        season=stored.season, episodes=stored.episodes, source=stored.source,
        offer=Offer.from_dict(stored.offer), state=state, bytes_done=stored.bytes_done,
        bytes_total=stored.bytes_total,
        error=stored.error if state is not DownloadState.PAUSED else None,
        note=stored.note, path=stored.path, absolute=stored.absolute,
        created_at=stored.created_at, finished_at=stored.finished_at)


def check_offer_url(offer: Offer) -> str:
    """The URL of an offer the manager fetches: http(s) only."""
    url = offer.url or ""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidInput(f"Only http:// and https:// URLs are fetched, not {url[:200]!r}.",
                           field="offer")
    return url


class DownloadManager:
    """Runs downloads as jobs of the engine (``register``)."""

    def __init__(self, *, store: DownloadStore, engine: Engine, publish: Publish,
                 settings: Settings, sources: SourceSet, series: SeriesStore,
                 placed: Placed) -> None:
        self.store = store
        self._engine = engine
        self._publish = publish
        self._settings = settings.downloads
        self._sources = sources
        self._series = series
        self._placed = placed
        self.naming = Naming.from_settings(settings.downloads)
        self._fetcher = Fetcher(sources.http, bandwidth=Bandwidth(settings.downloads.bandwidth))
        #: Downloads running here, by id.
        self.live: dict[int, LiveDownload] = {}
        self._running: dict[str, int] = {}

    def register(self) -> None:
        self._engine.register(Kind(
            DOWNLOAD, self._run, check_payload=check_payload,
            concurrency=self._settings.concurrency,
            retry=RetryPolicy(max_attempts=self._settings.max_attempts, base=30.0, cap=1800.0),
            is_permanent=_permanent))

    def closed_gates(self) -> set[str]:
        """The sources running as many downloads here as they may."""
        return {_gate(source) for source, count in self._running.items()
                if count >= self._settings.per_source}

    def announce(self, download: Download) -> None:
        self._publish(DownloadUpdate(download))

    async def get(self, download_id: int) -> Download | None:
        stored = await self.store.get(download_id)
        return None if stored is None else to_download(stored, self.live.get(download_id))

    async def queue(self, want: EpisodeWant, offer: Offer, *, priority: int = 0) -> Download:
        """Add the download's job and row, and tell."""
        payload = {"series_id": want.series_id, "season": want.season,
                   "episodes": list(want.episodes), "source": offer.source,
                   "offer": offer.to_dict(), "absolute": want.absolute}
        job = await self._engine.add(DOWNLOAD, payload, priority=priority,
                                     key=download_key(want.series_id, want.season,
                                                      want.episode))
        await self.store.create(_new_download(job.id, job.payload))
        download = await self.get(job.id)
        assert download is not None
        if job.state is JobState.PENDING and download.id not in self.live:
            # Just queued (a worker may be claiming it: it says so when it starts).
            download = attrs.evolve(download, state=DownloadState.QUEUED)
        self.announce(download)
        return download

    async def remove_partial(self, part: Path) -> None:
        await anyio.to_thread.run_sync(remove_partial, part)

    def staging_for(self, series: Series) -> Path:
        if self._settings.staging is not None:
            return self._settings.staging
        assert series.library_root is not None
        return Path(series.library_root) / STAGING

    # -- one attempt --------------------------------------------------------------------------

    async def _run(self, context: JobContext) -> None:
        job_id = context.job.id
        stored = await self.store.get(job_id)
        if stored is None:  # the job was claimed before its row was written
            await self.store.create(_new_download(job_id, context.payload))
            stored = await self.store.get(job_id)
            assert stored is not None
        try:
            series = await self._series.get(stored.series_id)
        except SeriesNotFound:
            raise JobError("The series of this download was removed.", permanent=True) from None
        if series.folder is None or series.library_root is None:
            raise JobError(f"{series.title!r} has no folder in the library yet.",
                           permanent=True)
        source = stored.source
        if self._running.get(source, 0) >= self._settings.per_source:
            raise Postpone(f"Waits for one of the {self._settings.per_source} downloads from "
                           f"{source} to end.", gate=_gate(source))
        self._running[source] = self._running.get(source, 0) + 1
        live = LiveDownload(attrs.evolve(to_download(stored), state=DownloadState.DOWNLOADING,
                                         error=None), self.announce)
        self.live[job_id] = live
        part = self.staging_for(series) / f"{job_id}.part"
        ended = DownloadState.FAILED
        try:
            live.state(DownloadState.DOWNLOADING)
            ended = await self._attempt(context, stored, series, live, part)
        except DownloadError as error:
            if not error.keep_partial:
                await anyio.to_thread.run_sync(remove_partial, part)
                await self.store.progress(job_id, 0, stored.bytes_total, None)
            permanent = error.permanent or context.job.attempts >= context.job.max_attempts
            ended = DownloadState.FAILED if permanent else DownloadState.QUEUED
            live.download = attrs.evolve(live.download, error=str(error))
            raise JobError(str(error), permanent=error.permanent) from None
        finally:
            with anyio.CancelScope(shield=True):
                await self._after(context, live, part, ended)

    async def _attempt(self, context: JobContext, stored: StoredDownload, series: Series,
                       live: LiveDownload, part: Path) -> DownloadState:
        offer = Offer.from_dict(stored.offer)
        want = await self.want(series, stored.season, stored.episodes, stored.source)
        if offer.fetch is FetchMethod.EXTERNAL:
            source = self._sources.get(offer.source)
            if not isinstance(source, HandsOff):
                raise DownloadError(f"The source {offer.source!r} cannot fetch this offer.",
                                    permanent=True)
            fetched = await source.hand_off(offer, want, live.progress)
            size = await anyio.to_thread.run_sync(_handed_size, fetched, offer.source)
            live.progress(size, size)
            extension = fetched.suffix
        else:
            try:
                url = check_offer_url(offer)
            except InvalidInput as error:
                raise DownloadError(str(error), permanent=True) from None
            result = await self._fetch(url, part, offer, live)
            if result.restarted:
                live.download = attrs.evolve(live.download, note=RESTARTED)
                await self.store.change(context.job.id, note=RESTARTED)
            fetched, extension = part, result.extension or PurePosixPath(
                urllib.parse.urlsplit(url).path).suffix
            live.progress(result.size, result.size)
        live.state(DownloadState.IMPORTING)
        relative = self._name(want, offer, extension)
        series_dir = Path(series.library_root or "") / (series.folder or "")
        target = await anyio.to_thread.run_sync(lambda: confiner(series_dir)(str(relative)))
        await anyio.to_thread.run_sync(place, fetched, target, ImportMode.MOVE)
        await anyio.to_thread.run_sync(remove_partial, part)
        await self.store.change(context.job.id, path=str(relative), part_path=None,
                                bytes_done=live.download.bytes_done,
                                bytes_total=live.download.bytes_done)
        live.download = attrs.evolve(live.download, path=str(relative))
        try:
            await self._placed(series.id, str(relative))
        except Exception:  # the file is in place; linking again is a rescan away
            log.exception("Linking %s of %s failed", relative, series.title)
        return DownloadState.COMPLETED

    def _name(self, want: EpisodeWant, offer: Offer, extension: str) -> PurePosixPath:
        extension = extension.lower() if extension.lstrip(".").lower() in VIDEO_EXTENSIONS \
            else ".mkv"
        return self.naming.relative_path(EpisodeName(
            series_title=want.series_title, season=want.season, episodes=want.episodes,
            absolute=want.absolute, episode_title=want.episode_title, quality=offer.quality,
            year=want.year), extension)

    async def want(self, series: Series, season: int, episodes: tuple[int, ...],
                   source: str) -> EpisodeWant:
        """What a source is asked about for these episodes of ``series``."""
        listed = {(e.season, e.number): e for e in await self._series.episodes(series.id)}
        first = listed.get((season, episodes[0]))
        config = (await self.store.series_config(series.id)).get(source, {})
        return EpisodeWant(
            series_id=series.id, series_title=series.title, season=season, episodes=episodes,
            absolute=first.absolute_number if first else None,
            episode_title=first.title if first else None, year=series.year, ids=series.ids,
            series_config=config)

    async def _fetch(self, url: str, part: Path, offer: Offer, live: LiveDownload
                     ) -> FetchResult:
        """Fetch while writing the bytes so far to the database now and then; the fetch's own
        error comes out as it is (not in a group)."""
        outcome: FetchResult | DownloadError | None = None
        async with anyio.create_task_group() as writers:
            writers.start_soon(self._write_progress, live, str(part))
            try:
                outcome = await self._fetcher.fetch(url, part, expected_size=offer.size,
                                                    checksum=offer.checksum,
                                                    on_progress=live.progress)
            except DownloadError as error:
                outcome = error
            writers.cancel_scope.cancel()
        if isinstance(outcome, DownloadError):
            raise outcome
        assert outcome is not None
        return outcome

    async def _write_progress(self, live: LiveDownload, part: str) -> None:
        while True:
            await anyio.sleep(0.5)
            if live.due_write():
                download = live.download
                await self.store.progress(download.id, download.bytes_done,
                                          download.bytes_total, part)

    async def _after(self, context: JobContext, live: LiveDownload, part: Path,
                     ended: DownloadState) -> None:
        """Count the slot free, keep or remove the partial, and tell how it ended."""
        job_id = context.job.id
        source = live.download.source
        full = self._running.get(source, 0) >= self._settings.per_source
        self._running[source] -= 1
        del self.live[job_id]
        if full:
            self._engine.work_added(DOWNLOAD)
        kept = True
        if context.cancel_requested:
            stored = await self.store.get(job_id)
            kept = stored is not None and stored.paused
            if not kept:
                await anyio.to_thread.run_sync(remove_partial, part)
            ended = DownloadState.PAUSED if kept else DownloadState.CANCELLED
        elif context.scope.cancel_called:  # a shutdown: resumes at the next start
            ended = DownloadState.QUEUED
        if ended is not DownloadState.COMPLETED:
            # What the partial holds is what a later attempt goes on from.
            size = await anyio.to_thread.run_sync(_size, part) if kept else 0
            await self.store.progress(job_id, size, live.download.bytes_total,
                                      str(part) if size else None)
            live.download = attrs.evolve(live.download, bytes_done=size)
        live.download = attrs.evolve(live.download, state=ended, speed=None, eta=None)
        self.announce(live.download)


def _new_download(job_id: int, payload: Mapping[str, Any]) -> NewDownload:
    return NewDownload(job_id, payload["series_id"], payload["season"],
                       tuple(payload["episodes"]), payload.get("absolute"), payload["source"],
                       payload["offer"])


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _permanent(error: BaseException) -> bool:
    return isinstance(error, InvalidInput) or (isinstance(error, JobError) and error.permanent)


def _handed_size(fetched: Path, source: str) -> int:
    """The size of the file a source handed back, or why it cannot be imported."""
    try:
        info = fetched.stat()
    except OSError as error:
        raise DownloadError(f"The source {source!r} handed back {fetched}, which cannot be "
                            f"read: {error.strerror or error}.") from None
    if not fetched.is_file():
        raise DownloadError(f"The source {source!r} handed back {fetched}, which is not a "
                            "file.", permanent=True)
    return info.st_size
