"""The steps of a series load: identify → metadata → episodes → NFO → logo → images.

Each step is idempotent: it checks whether its work is still needed, does it, and returns the
column values the loader persists. A request to a provider takes a turn in that provider's
queue (by priority); writing files takes one of the loader's slots. So a paused provider never
holds up work for other providers or the disk.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, NoReturn

import anyio
import attrs

from aniworld_core.errors import IdentificationFailed, ProviderError, ProviderUnavailable
from aniworld_core.library.artwork import existing_artwork, save_artwork
from aniworld_core.library.names import FolderName, read_folder_name
from aniworld_core.library.nfo import SeasonNfo, write_nfos
from aniworld_core.library.seasons import Layout
from aniworld_core.loader import artwork_choice
from aniworld_core.loader.episodes_step import EpisodesStep, PlanAiring, fetch_related
from aniworld_core.loader.identify import confident, describe, rank
from aniworld_core.loader.job import Job, PermanentStepError, Step, ref_for
from aniworld_core.loader.sequel_lookup import identify_with_seasons
from aniworld_core.loader.series_dir import Roots, SeriesDirs
from aniworld_core.metadata import (
    Artwork,
    ArtworkKind,
    Capability,
    ProviderRef,
    SearchResult,
    SeriesInfo,
)
from aniworld_core.models import Part, Series, StepResult
from aniworld_core.providers.base import artwork_kinds_of
from aniworld_core.storage.library_store import LibraryStore
from aniworld_core.storage.series import SeriesStore
from aniworld_core.storage.show_reads import ShowOutline

log = logging.getLogger("aniworld.loader")

class IdentificationNeeded(IdentificationFailed, PermanentStepError):
    """:class:`IdentificationFailed` as the identify step raises it: the load fails at once
    (trying again cannot settle it) and the series is marked ``needs_choice``."""


@attrs.define
class IdentifyStep:
    """Find the series at a provider by its folder name (or the title it was added by) when it
    has no id a metadata provider can use (see :func:`~aniworld_core.loader.identify.identify`;
    a later season no title marks is counted along its show's chain,
    :mod:`~aniworld_core.loader.sequel_lookup`).
    Below the confidence threshold, and when the entry found is already another series in the
    library (an id belongs to one series), the series fails with
    :class:`~aniworld_core.errors.IdentificationFailed` and ``needs_choice`` set, and nothing
    is written into its folder until the user picks one."""

    threshold: float
    series_store: SeriesStore
    name: ClassVar[str] = "identify"
    label: ClassVar[str] = "Identify"
    message: ClassVar[str] = "Identifying..."

    def needed(self, job: Job) -> bool:
        if job.series.episodes_loaded:
            return False
        providers = job.providers.with_capability(Capability.SERIES)
        return not any(ref_for(p, job.series.ids) for p in providers)

    async def run(self, job: Job) -> StepResult:
        if not job.providers.with_capability(Capability.SERIES):
            raise PermanentStepError("no metadata provider is available; see 'aniworld plugins'")
        searchers = job.providers.with_capability(Capability.SEARCH)
        if not searchers:
            raise PermanentStepError("no available provider can search; add the series by id")
        provider = searchers[0]
        series = job.series
        folder = folder_name(series)

        async def search(query: str, year: int | None) -> Sequence[SearchResult]:
            async with job.turn(type(provider).name):
                return await provider.search(query, year=year)

        id_type = type(provider).id_type
        found = await identify_with_seasons(folder, search, functools.partial(fetch_related, job),
                                            threshold=self.threshold, id_type=id_type)
        if found.match is None:
            listed = describe(found.candidates)
            await _needs_choice(job, IdentificationNeeded(
                f"no confident match for {folder.title!r} at {type(provider).display_name}: "
                f"{found.reason} (candidates: {'; '.join(listed) or 'none'}); choose one with "
                "identify", candidates=listed))
        match = found.match
        holder = await self.series_store.claim_id(series.id, id_type, match.ref.id)
        if holder is not None:
            await _needs_choice(job, IdentificationNeeded(
                f"{folder.title!r} looks like {match.title} ({match.ref}), which is already in "
                f"the library as {holder.title!r}; choose another entry with identify, or "
                "remove one of the two", candidates=describe(found.candidates),
                series_id=holder.id))
        ids = series.ids.with_id(id_type, match.ref.id).merged(match.ids)
        return StepResult(ids=ids, needs_choice=False)


async def _needs_choice(job: Job, error: IdentificationNeeded) -> NoReturn:
    """Mark the series as waiting for the user's choice, then fail its load with ``error``."""
    assert job.persist is not None
    await job.persist(StepResult(needs_choice=True))
    raise error


def folder_name(series: Series) -> FolderName:
    """What the series' folder name (or the title it was added by, with its year) says."""
    folder = read_folder_name(series.folder or series.title)
    if folder.year is None and series.year is not None:
        folder = attrs.evolve(folder, year=series.year)
    return folder


@attrs.define
class MetadataStep:
    """Series metadata from the first provider (in configured order) that knows the series,
    batched across series by that provider's batcher."""

    name: ClassVar[str] = "metadata"
    label: ClassVar[str] = "Metadata"
    message: ClassVar[str] = "Loading metadata..."

    def needed(self, job: Job) -> bool:
        return not job.series.episodes_loaded and job.series.metadata is None

    async def run(self, job: Job) -> StepResult:
        series = job.series
        for provider in job.providers.with_capability(Capability.SERIES):
            ref = ref_for(provider, series.ids)
            if ref is None:
                continue
            info = await job.providers.fetch_series(provider, ref)
            if info is None:
                raise PermanentStepError(
                    f"{type(provider).display_name} has no series {ref}; correct it with identify"
                )
            # The provider's name for it replaces what was typed or found on disk.
            return StepResult(metadata=info, title=" ".join(info.title.split())[:255],
                              ids=series.ids.merged(info.ids),
                              year=info.year if series.year is None else None)
        return StepResult()


@attrs.define
class MapIdsStep:
    """Find the series at every other provider that can search but has no id for it yet, so
    providers keyed by other ids can serve it (a TVDB id from TVmaze lets fanart.tv find logos).

    A match meets identification's rules (see :func:`~aniworld_core.loader.identify.confident`):
    a movie only matches a movie (never a TV show of the same name, whose ids would put
    another show's artwork into its folder), a year more than one apart counts against a
    result, and the best result must lead the others.

    Optional: a provider that fails or has no confident match is skipped, not an error.
    """

    threshold: float
    name: ClassVar[str] = "map_ids"
    label: ClassVar[str] = "Ids"
    message: ClassVar[str] = "Matching at other providers..."

    def needed(self, job: Job) -> bool:
        return not job.series.episodes_loaded and not job.episodes_only and any(
            job.series.ids.get(type(p).id_type) is None
            for p in job.providers.with_capability(Capability.SEARCH)
        )

    async def run(self, job: Job) -> StepResult:
        series, metadata = job.series, job.series.metadata
        titles = [series.title]
        if metadata is not None:
            titles += [metadata.title, *metadata.alt_titles]
            titles += [metadata.original_title] if metadata.original_title else []
        year = series.year or (metadata.year if metadata else None)
        movie = metadata.format == "MOVIE" if metadata and metadata.format else None
        ids = series.ids
        for provider in job.providers.with_capability(Capability.SEARCH):
            if ids.get(type(provider).id_type) is not None:
                continue
            try:
                async with job.turn(type(provider).name):
                    results = await provider.search(series.title, year=year)
            except (ProviderError, ProviderUnavailable) as error:
                log.info("%s: id matching skipped: %s", series.title, error)
                continue
            best = confident(rank(titles, year, results, movie=movie), self.threshold)
            if best is not None:
                match = best.result
                ids = ids.with_id(type(provider).id_type, match.ref.id).merged(match.ids)
        return StepResult(ids=ids) if ids != series.ids else StepResult()


@attrs.define
class NfoStep:
    """``tvshow.nfo``, a ``season.nfo`` per season folder and episode NFOs in the series
    folder; ``movie.nfo`` for a movie."""

    dirs: SeriesDirs
    series_store: SeriesStore
    library: LibraryStore
    name: ClassVar[str] = "nfo"
    label: ClassVar[str] = "NFO"
    message: ClassVar[str] = "Writing NFO..."

    def needed(self, job: Job) -> bool:
        return not job.series.nfo_loaded

    async def run(self, job: Job) -> StepResult:
        series_dir = await self.dirs.ensure(job)
        if series_dir is None:
            return StepResult.completed(Part.NFO)
        series = job.series
        info = series.metadata or SeriesInfo(ref=ProviderRef("aniworld", series.id),
                                             title=series.title, year=series.year)
        episodes = job.episodes
        if episodes is None:  # saved by an earlier run
            episodes = await self.series_store.episodes(series.id)
        outline = await show_outline(self.library, job)
        seasons = [SeasonNfo(number, entry) for number, entry in outline.seasons]
        if outline.layout is Layout.SHOW and len(seasons) > 1:
            info = attrs.evolve(info, season_names=tuple((season.number, season.info.title)
                                                         for season in seasons))
        primary = _primary_id_type(job, info)
        async with job.slot():
            await anyio.to_thread.run_sync(
                lambda: write_nfos(series_dir, info, series.ids, episodes,
                                   primary_id_type=primary, seasons=seasons,
                                   movie=outline.layout is Layout.MOVIE)
            )
        return StepResult.completed(Part.NFO)


@attrs.define
class ArtworkStep:
    """Download the chosen artwork into the series folder. A file that exists is kept (it may
    be the user's own) and not asked for again."""

    dirs: SeriesDirs
    library: LibraryStore
    #: Downloads of one series at the same time (``loader.downloads_per_series``).
    at_once: int
    kinds: tuple[ArtworkKind, ...] = (ArtworkKind.POSTER, ArtworkKind.FANART,
                                      ArtworkKind.BANNER, ArtworkKind.SEASON_POSTER)
    part: ClassVar[Part] = Part.IMAGES
    name: ClassVar[str] = "images"
    label: ClassVar[str] = "Images"
    message: ClassVar[str] = "Loading images..."

    def needed(self, job: Job) -> bool:
        return not self.part.loaded(job.series)

    async def run(self, job: Job) -> StepResult:
        series_dir = await self.dirs.ensure(job)
        if series_dir is None:
            return StepResult.completed(self.part)

        def still_wanted() -> frozenset[ArtworkKind]:
            return frozenset(kind for kind in self.kinds if kind is ArtworkKind.SEASON_POSTER
                             or existing_artwork(series_dir, kind) is None)

        wanted = await anyio.to_thread.run_sync(still_wanted)
        sources = await _artwork(job, wanted)
        if ArtworkKind.SEASON_POSTER in wanted:
            sources = [await _season_covers(self.library, job), *sources]
        chosen: list[tuple[Artwork, int | None]] = []
        for kind in wanted:
            if kind is ArtworkKind.SEASON_POSTER:
                chosen += [(poster, season) for season, poster
                           in artwork_choice.season_posters(sources).items()]
            elif (best := artwork_choice.best(sources, kind)) is not None:
                chosen.append((best, None))
        # Side by side: a series' images are independent, and its load waits for the slowest
        # rather than for their sum. The first failure is the step's error.
        failures: list[Exception] = []
        slots = anyio.CapacityLimiter(self.at_once)

        async def download(art: Artwork, season: int | None) -> None:
            try:
                async with slots:
                    await _download(job, series_dir, art, season)
            except Exception as error:
                failures.append(error)

        async with anyio.create_task_group() as downloads:
            for art, season in chosen:
                downloads.start_soon(download, art, season)
        if failures:
            raise failures[0]
        return StepResult.completed(self.part)


@attrs.define
class LogoStep(ArtworkStep):
    """The clear logo (``clearlogo.png``), which Kodi and Jellyfin both read."""

    kinds: tuple[ArtworkKind, ...] = (ArtworkKind.CLEARLOGO,)
    part: ClassVar[Part] = Part.LOGO
    name: ClassVar[str] = "logo"
    label: ClassVar[str] = "Logo"
    message: ClassVar[str] = "Loading logo..."


def default_steps(*, threshold: float, library: LibraryStore, series_store: SeriesStore,
                  roots: Roots, downloads_per_series: int,
                  plan_airing: PlanAiring | None = None) -> list[Step]:
    """The steps of a series load, in order (``roots``: the library roots when asked)."""
    dirs = SeriesDirs(roots, series_store)
    return [IdentifyStep(threshold, series_store), MetadataStep(), MapIdsStep(threshold),
            EpisodesStep(library, series_store, plan_airing),
            NfoStep(dirs, series_store, library),
            LogoStep(dirs, library, at_once=downloads_per_series),
            ArtworkStep(dirs, library, at_once=downloads_per_series)]


async def _artwork(job: Job, wanted: frozenset[ArtworkKind]) -> list[list[Artwork]]:
    """Artwork sources for ``wanted`` kinds: the metadata's own, then each artwork provider
    (in configured order) that knows the series and declares a kind still missing. Shared by
    the logo and images steps, so no provider is asked twice in a run."""
    if job.artwork is None:
        metadata = job.series.metadata
        job.artwork = [list(metadata.artwork)] if metadata is not None else []
        if metadata is not None and metadata.artwork:
            job.artwork_asked.add(metadata.ref.provider)  # it came with the metadata
    missing = set(wanted) - artwork_choice.kinds_in(job.artwork)
    for provider in job.providers.with_capability(Capability.ARTWORK):
        name = type(provider).name
        ref = ref_for(provider, job.series.ids)
        if not missing or name in job.artwork_asked or ref is None:
            continue
        if not artwork_kinds_of(provider) & missing:
            continue
        async with job.turn(name):
            found = list(await provider.fetch_artwork(ref))
        job.artwork_asked.add(name)
        job.artwork.append(found)
        missing -= artwork_choice.kinds_in([found]) - {ArtworkKind.SEASON_POSTER}
    return job.artwork


async def show_outline(library: LibraryStore, job: Job) -> ShowOutline:
    """The show's layout and seasons: as the episodes step saved them this run, else read."""
    if job.outline is None:
        job.outline = await library.outline(job.series.id)
    return job.outline


async def _season_covers(library: LibraryStore, job: Job) -> list[Artwork]:
    """Each season's poster: the cover of the entry that begins it (AniList has one per entry,
    so every season gets its own ``seasonNN-poster.jpg``). A show of one season has its poster
    already."""
    outline = await show_outline(library, job)
    if outline.layout is not Layout.SHOW or len(outline.seasons) < 2:
        return []
    covers = []
    for number, info in outline.seasons:
        poster = artwork_choice.best([info.artwork], ArtworkKind.POSTER)
        if poster is not None:
            covers.append(Artwork(ArtworkKind.SEASON_POSTER, poster.url, season=number,
                                  language=poster.language, score=poster.score))
    return covers


async def _download(job: Job, series_dir: Path, art: Artwork, season: int | None) -> None:
    # The step looked for the other kinds a moment ago (``still_wanted``); season posters are
    # looked for here, once it is known which seasons have one.
    if season is not None:
        found = await anyio.to_thread.run_sync(existing_artwork, series_dir, art.kind, season)
        if found is not None:
            return
    async with job.turn("images"):
        data, content_type = await job.providers.fetch_image(art.url)
    async with job.slot():
        await anyio.to_thread.run_sync(
            lambda: save_artwork(series_dir, art.kind, data, content_type, season=season)
        )


def _primary_id_type(job: Job, info: SeriesInfo) -> str:
    """The id type of the provider the metadata came from (``default`` in ``uniqueid``)."""
    for provider in job.providers.with_capability(Capability.SERIES):
        if type(provider).name == info.ref.provider:
            return type(provider).id_type
    return next((id_type for id_type, _ in job.series.ids.items()), "anilist")
