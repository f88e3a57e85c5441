"""The downloads part of ``SeriesApp``: what is wanted, offers, downloads and imports.

A mixin, as ``app_library.py`` is. Every argument is checked here (:class:`InvalidInput`
naming the field); an unknown download is :class:`DownloadNotFound`, an unknown series
:class:`SeriesNotFound`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import attrs

from aniworld_core.download_events import DownloadUpdate, ImportsChanged
from aniworld_core.downloads.importer import Importer
from aniworld_core.downloads.manager import DownloadManager, check_offer_url, to_download
from aniworld_core.downloads.model import (
    Download,
    DownloadState,
    FetchMethod,
    ImportedFile,
    ImportReport,
    Offer,
    PendingImport,
    SourceInfo,
    WantedEpisode,
    WantedSeries,
)
from aniworld_core.downloads.source_set import SourceSet
from aniworld_core.errors import (
    DownloadError,
    DownloadNotFound,
    EpisodeNotFound,
    InvalidInput,
    PathNotAllowed,
    StateConflict,
)
from aniworld_core.events import EventHub
from aniworld_core.jobs import Engine
from aniworld_core.jobs.facade import MAX_LIST, check_job_id
from aniworld_core.jobs.model import JobState
from aniworld_core.library.nfo import write_episode_nfo
from aniworld_core.library.scan import ScanReport
from aniworld_core.models import Episode, Series
from aniworld_core.settings import Settings
from aniworld_core.storage import SeriesStore
from aniworld_core.validation import MAX_EPISODE_NUMBER, check_series_id


def _whole(value: object, field: str, *, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) \
            or not low <= value <= MAX_EPISODE_NUMBER:
        raise InvalidInput(f"'{field}' must be a whole number from {low} to "
                           f"{MAX_EPISODE_NUMBER}.", field=field)
    return value


_STATES = {
    DownloadState.QUEUED: [JobState.PENDING], DownloadState.DOWNLOADING: [JobState.RUNNING],
    DownloadState.IMPORTING: [JobState.RUNNING], DownloadState.COMPLETED: [JobState.COMPLETED],
    DownloadState.FAILED: [JobState.FAILED], DownloadState.PAUSED: [JobState.CANCELLED],
    DownloadState.CANCELLED: [JobState.CANCELLED],
}


class DownloadsFacade:
    """Download methods of :class:`~aniworld_core.app.SeriesApp`."""

    settings: Settings
    _series: SeriesStore
    _engine: Engine
    _downloads: DownloadManager
    _sources: SourceSet
    _importer: Importer
    events: EventHub

    async def wanted(self, series_id: str | None = None) -> list[WantedSeries]:
        """Aired episodes without a file, by show (title order), season and episode; each
        with the id of its live download, if any. ``series_id``: that show only (nothing
        when its missing episodes are not known yet)."""
        ids = None
        if series_id is not None:
            ids = [(await self._series.get(check_series_id(series_id))).id]
        now = dt.datetime.now(dt.UTC)
        found = await self._downloads.store.wanted(ids, today=now.date(), now=now)
        live = await self._downloads.store.live_by_episode(ids)
        return [WantedSeries(sid, title, tuple(
            WantedEpisode(e.season, e.number, e.absolute_number, e.title, e.air_date,
                          live.get((sid, e.season, e.number))) for e in missing))
            for sid, title, missing in found]

    def episode_sources(self) -> list[SourceInfo]:
        """The episode sources, in the order they are asked, and the downloads folder."""
        return self._sources.infos()

    async def _episode(self, series_id: str, season: object, episode: object
                       ) -> tuple[Series, Episode]:
        series = await self._series.get(check_series_id(series_id))
        number = _whole(episode, "episode", low=1)
        season_number = _whole(season, "season")
        for listed in await self._series.episodes(series.id):
            if (listed.season, listed.number) == (season_number, number):
                return series, listed
        raise EpisodeNotFound(f"S{season_number:02d}E{number:02d} is not an episode of "
                              f"{series.title!r}.")

    async def find_offers(self, series_id: str, season: int, episode: int, *,
                          source: str | None = None) -> list[Offer]:
        """What the sources (or ``source``) offer for the episode, best first. A source that
        fails is :class:`DownloadError` when it was the one asked for, else skipped."""
        series, listed = await self._episode(series_id, season, episode)
        names = [self._sources.get(source).name] if source is not None \
            else self._sources.names()
        offers: list[Offer] = []
        for name in names:
            want = await self._downloads.want(series, listed.season, (listed.number,), name)
            try:
                offers += await self._sources.get(name).find(want)
            except DownloadError:
                if source is not None:
                    raise
        return offers

    async def download(self, series_id: str, season: int, episode: int, *,
                       source: str | None = None, offer: Offer | None = None) -> Download:
        """Queue a download of the episode and return it at once (``queued``): of ``offer``,
        or of the first offer of ``source`` (of the first source with one). An episode with
        a live download returns that one. :class:`StateConflict` when the episode has a file
        or no source offers it."""
        series, listed = await self._episode(series_id, season, episode)
        if listed.present:
            raise StateConflict(f"S{listed.season:02d}E{listed.number:02d} of {series.title!r} "
                                f"has a file already ({listed.file_path}).")
        live = await self._downloads.store.live_by_episode([series.id])
        known = live.get((series.id, listed.season, listed.number))
        if known is not None:
            return await self.get_download(known)
        if offer is None:
            offers = await self.find_offers(series.id, listed.season, listed.number,
                                            source=source)
            if not offers:
                asked = source or ", ".join(self._sources.names()) or "none"
                raise StateConflict(
                    f"No source offers S{listed.season:02d}E{listed.number:02d} of "
                    f"{series.title!r} (asked: {asked}). The http source needs a URL "
                    "template on the show.")
            offer = offers[0]
        else:
            self._sources.get(offer.source)
        if offer.fetch is FetchMethod.HTTP:
            check_offer_url(offer)
        want = await self._downloads.want(series, listed.season, (listed.number,),
                                          offer.source)
        return await self._downloads.queue(want, offer)

    async def download_missing(self, series_id: str, *, season: int | None = None,
                               source: str | None = None) -> list[Download]:
        """Queue a download of every wanted episode of the show (of ``season``) that some
        source offers; those none offers are left out."""
        if season is not None:
            _whole(season, "season")
        queued: list[Download] = []
        for show in await self.wanted(series_id):
            for episode in show.episodes:
                if season is not None and episode.season != season:
                    continue
                try:
                    queued.append(await self.download(show.series_id, episode.season,
                                                      episode.number, source=source))
                except StateConflict:
                    continue
        return queued

    async def downloads(self, *, states: Iterable[str] = (), series_id: str | None = None,
                        limit: int = 100) -> list[Download]:
        """Downloads, newest first (running ones with live bytes, speed and ETA)."""
        wanted: list[DownloadState] = []
        for state in states:
            try:
                wanted.append(DownloadState(str(state)))
            except ValueError:
                raise InvalidInput(f"Unknown download state {state!r}; one of "
                                   f"{', '.join(s.value for s in DownloadState)}.",
                                   field="state") from None
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= MAX_LIST:
            raise InvalidInput(f"'limit' must be 1 to {MAX_LIST}.", field="limit")
        job_states = sorted({job for state in wanted for job in _STATES[state]})
        found = await self._downloads.store.find(
            states=job_states, limit=limit,
            series_id=None if series_id is None else check_series_id(series_id))
        downloads = [to_download(item, self._downloads.live.get(item.job_id)) for item in found]
        return [item for item in downloads if not wanted or item.state in wanted]

    async def get_download(self, download_id: object) -> Download:
        number = check_job_id(download_id)
        found = await self._downloads.get(number)
        if found is None:
            raise DownloadNotFound(f"No download with id {number}.")
        return found

    async def pause_download(self, download_id: object) -> Download:
        """Stop a queued or running download, keeping what it fetched; :meth:`resume_download`
        goes on from there. A download that ended is a :class:`StateConflict`."""
        download = await self.get_download(download_id)
        if download.state is DownloadState.PAUSED:
            return download
        if download.state.is_final:
            raise StateConflict(f"Download {download.id} is {download.state.value}: there is "
                                "nothing to pause.")
        await self._downloads.store.change(download.id, paused=True)
        await self._engine.cancel(download.id)
        return await self._told(download.id)

    async def resume_download(self, download_id: object) -> Download:
        """Queue a paused, failed or cancelled download again (it goes on from its ``.part``
        file when there is one)."""
        download = await self.get_download(download_id)
        if download.state is DownloadState.COMPLETED:
            raise StateConflict(f"Download {download.id} is completed.")
        await self._downloads.store.change(download.id, paused=False)
        if download.state.is_final or download.state is DownloadState.PAUSED:
            await self._engine.retry(download.id)
        return await self._told(download.id)

    async def cancel_download(self, download_id: object) -> Download:
        """Stop a download for good and remove its ``.part`` file. A finished one is returned
        as it is."""
        download = await self.get_download(download_id)
        if download.state in (DownloadState.COMPLETED, DownloadState.FAILED,
                              DownloadState.CANCELLED):
            return download
        running_here = download.id in self._downloads.live
        await self._downloads.store.change(download.id, paused=False)
        cancelled = await self._engine.cancel(download.id)
        if not running_here:  # queued or paused: nobody else removes its partial
            stored = await self._downloads.store.get(download.id)
            if stored is not None and stored.part_path is not None:
                await self._downloads.remove_partial(Path(stored.part_path))
            await self._downloads.store.progress(download.id, 0, download.bytes_total, None)
        told = await self.get_download(download.id)
        if cancelled.state is JobState.RUNNING:  # it stops within a second
            told = attrs.evolve(told, state=DownloadState.CANCELLED, speed=None, eta=None)
        self._downloads.announce(told)
        return told

    async def _download_snapshot(self) -> list[DownloadUpdate]:
        """For a page opened now: every download that is queued, running or paused."""
        found = await self.downloads(states=[DownloadState.QUEUED, DownloadState.DOWNLOADING,
                                             DownloadState.IMPORTING, DownloadState.PAUSED],
                                     limit=MAX_LIST)
        return [DownloadUpdate(download) for download in found]

    async def _placed(self, series_id: str, relative: str) -> None:
        """A download is at ``relative`` in the series folder: link it (a rescan of the
        series, which tells every page) and write its NFO."""
        await self.rescan_series(series_id)
        series = await self._series.get(series_id)
        held = [e for e in await self._series.episodes(series_id) if e.file_path == relative]
        if not held or series.metadata is None or series.library_root is None \
                or series.folder is None:
            return
        series_dir = Path(series.library_root) / series.folder
        info, primary = series.metadata, self._id_type(series.metadata.ref.provider)
        await anyio.to_thread.run_sync(lambda: write_episode_nfo(
            series_dir, info, series.ids, held, primary_id_type=primary))

    async def rescan_series(self, series_id: str) -> ScanReport:
        raise NotImplementedError  # WatchFacade's

    def _id_type(self, provider: str) -> str:
        raise NotImplementedError  # SeriesApp's

    async def _told(self, download_id: int) -> Download:
        download = await self.get_download(download_id)
        self._downloads.announce(download)
        return download

    async def set_series_source(self, series_id: str, source: str,
                                config: Mapping[str, Any] | None) -> None:
        """What ``source`` needs for this show (the ``http`` source: ``{"url": TEMPLATE}``);
        ``None`` forgets it. :class:`InvalidInput` when the source refuses it."""
        series = await self._series.get(check_series_id(series_id))
        name = self._sources.get(source).name
        checked = None if config is None else self._sources.check_series_config(name, config)
        await self._downloads.store.set_series_config(series.id, name, checked)

    async def series_sources(self, series_id: str) -> dict[str, dict[str, Any]]:
        """What was set for each source on this show."""
        series = await self._series.get(check_series_id(series_id))
        return await self._downloads.store.series_config(series.id)

    async def pending_imports(self) -> list[PendingImport]:
        """Files of the downloads folder that wait for a person to match them."""
        return await self._importer.pending()

    async def import_folder(self, path: Path | str | None = None, *,
                            anywhere: bool = False) -> ImportReport:
        """Import the finished files of ``path`` (default: ``downloads.import_folder``) that
        match a show and an episode; list the others as pending. ``path`` must be the
        downloads folder or a folder in it (:class:`PathNotAllowed` otherwise: files are
        moved out of it) unless ``anywhere`` (a person at this machine's command line)."""
        configured = self.settings.downloads.import_folder
        if path is None:
            if configured is None:
                raise StateConflict("No downloads folder is set (downloads.import_folder); "
                                    "give one.")
            folder = configured
        else:
            if not isinstance(path, str | Path) or not str(path).strip() or "\0" in str(path):
                raise InvalidInput("Give the folder as an absolute path.", field="path")
            folder = Path(path)
            if not folder.is_absolute():
                raise InvalidInput(f"{str(path)!r} is not an absolute path.", field="path")
            if not anywhere and not await anyio.to_thread.run_sync(_inside, folder,
                                                                    configured):
                raise PathNotAllowed(f"{folder} is not in the downloads folder "
                                     f"({configured or 'none is set'}).", field="path")
        report = await self._importer.import_folder(folder)
        self._imports_changed(len(report.imported), len(report.pending))
        return report

    async def import_file(self, path: Path | str, series_id: str, season: int,
                          episodes: Sequence[int]) -> ImportedFile:
        """Import one file of the downloads folder as the given episode(s) of the show (a
        manual import)."""
        if not isinstance(path, str | Path) or not str(path).strip():
            raise InvalidInput("Give the file's path.", field="path")
        _whole(season, "season")
        if isinstance(episodes, str | bytes) or not episodes:
            raise InvalidInput("Give the episode number(s).", field="episodes")
        numbers = [_whole(number, "episodes", low=1) for number in episodes]
        imported = await self._importer.import_file(Path(path), check_series_id(series_id),
                                                    season, numbers)
        self._imports_changed(1, len(await self._importer.pending()))
        return imported

    def _imports_changed(self, imported: int, pending: int) -> None:
        self.events.publish(ImportsChanged(imported, pending))

    async def _imported(self, series_id: str, relative: str) -> None:
        """A file of the downloads folder is at ``relative`` in the series folder."""
        await self._placed(series_id, relative)
        self._imports_changed(1, len(await self._importer.pending()))


def _inside(folder: Path, downloads: Path | None) -> bool:
    """Whether ``folder`` is ``downloads`` or in it (resolved: a link leading out is out)."""
    if downloads is None:
        return False
    return folder.resolve().is_relative_to(downloads.resolve())
