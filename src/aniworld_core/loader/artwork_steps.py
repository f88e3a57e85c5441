"""The logo and images steps: choose a series' artwork, download it, write it into its folder.

Choosing (:meth:`ArtworkStep.plan`) and downloading are apart, so the loader can start the
downloads early, while the series' episodes load (:mod:`aniworld_core.loader.early`); the step
then finds the bytes waiting and writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import anyio
import attrs

from aniworld_core.library.artwork import existing_artwork, save_artwork
from aniworld_core.loader import artwork_choice
from aniworld_core.loader.job import ArtworkPlan, Job, ref_for
from aniworld_core.loader.series_dir import SeriesDirs
from aniworld_core.metadata import Artwork, ArtworkKind, Capability
from aniworld_core.providers.base import MetadataProvider, artwork_kinds_of


@attrs.define
class ArtworkStep:
    """Download the chosen artwork into the series folder. A file that exists is kept (it may
    be the user's own) and not asked for again."""

    dirs: SeriesDirs
    #: Downloads of one series at the same time (``loader.downloads_per_series``).
    at_once: int
    kinds: tuple[ArtworkKind, ...] = (ArtworkKind.POSTER, ArtworkKind.FANART,
                                      ArtworkKind.BANNER, ArtworkKind.SEASON_POSTER)
    flag: ClassVar[str] = "images_loaded"
    name: ClassVar[str] = "images"
    label: ClassVar[str] = "Images"
    message: ClassVar[str] = "Loading images..."

    def needed(self, job: Job) -> bool:
        return not getattr(job.series, self.flag)

    async def plan(self, job: Job, *, early: bool = False) -> ArtworkPlan | None:
        """What this step downloads, chosen once per run (the job keeps it); ``None`` when the
        series has no folder to write into.

        ``early``: asked ahead of the step, while the episodes load. Then nothing may be
        created or asked for yet: ``None`` unless the series' folder is known and no artwork
        provider remains to be asked (its images might be preferred)."""
        async with job.artwork_lock:
            plan = job.artwork_plans.get(self.name)
            if plan is None:
                plan = await self._plan(job, early)
                if plan is not None:
                    job.artwork_plans[self.name] = plan
            return plan

    async def _plan(self, job: Job, early: bool) -> ArtworkPlan | None:
        if early and not self.dirs.known(job):
            return None
        series_dir = await self.dirs.ensure(job)
        if series_dir is None:
            return None
        sources = _known_sources(job)
        offered = artwork_choice.kinds_in(sources)
        askable = _providers_to_ask(job, set(self.kinds) - offered)
        if early and askable:
            return None
        for provider in askable:
            offered |= artwork_kinds_of(provider)
        # Kinds no source can offer are not looked for on disk either.
        candidates = [kind for kind in self.kinds if kind in offered]

        def still_wanted() -> frozenset[ArtworkKind]:
            return frozenset(kind for kind in candidates if kind is ArtworkKind.SEASON_POSTER
                             or existing_artwork(series_dir, kind) is None)

        wanted = await anyio.to_thread.run_sync(still_wanted) if candidates else frozenset()
        if wanted:
            sources = await _artwork(job, wanted)
        chosen: list[tuple[Artwork, int | None]] = []
        for kind in self.kinds:
            if kind not in wanted:
                continue
            if kind is ArtworkKind.SEASON_POSTER:
                chosen += [(poster, season) for season, poster
                           in artwork_choice.season_posters(sources).items()]
            elif (best := artwork_choice.best(sources, kind)) is not None:
                chosen.append((best, None))
        return ArtworkPlan(series_dir, tuple(chosen))

    async def run(self, job: Job) -> dict[str, Any]:
        plan = await self.plan(job)
        if plan is None:
            return {self.flag: True}
        # Side by side: a series' images are independent, and its load waits for the slowest
        # rather than for their sum. The first failure is the step's error.
        failures: list[Exception] = []
        slots = anyio.CapacityLimiter(self.at_once)

        async def download(art: Artwork, season: int | None) -> None:
            try:
                async with slots:
                    await _download(job, plan.series_dir, art, season)
            except Exception as error:
                failures.append(error)

        async with anyio.create_task_group() as downloads:
            for art, season in plan.chosen:
                downloads.start_soon(download, art, season)
        if failures:
            raise failures[0]
        return {self.flag: True}


@attrs.define
class LogoStep(ArtworkStep):
    """The clear logo (``clearlogo.png``), which Kodi and Jellyfin both read."""

    kinds: tuple[ArtworkKind, ...] = (ArtworkKind.CLEARLOGO,)
    flag: ClassVar[str] = "logo_loaded"
    name: ClassVar[str] = "logo"
    label: ClassVar[str] = "Logo"
    message: ClassVar[str] = "Loading logo..."


def _known_sources(job: Job) -> list[list[Artwork]]:
    """The artwork known without asking anyone: the metadata's own, then what artwork
    providers answered earlier in this run (one list per source, in provider order)."""
    if job.artwork is None:
        metadata = job.series.metadata
        job.artwork = [list(metadata.artwork)] if metadata is not None else []
        if metadata is not None and metadata.artwork:
            job.artwork_asked.add(metadata.ref.provider)  # it came with the metadata
    return job.artwork


def _providers_to_ask(job: Job, missing: set[ArtworkKind]) -> list[MetadataProvider]:
    """Artwork providers (in configured order) not asked yet in this run that know the series
    and declare one of the ``missing`` kinds."""
    return [provider for provider in job.providers.with_capability(Capability.ARTWORK)
            if type(provider).name not in job.artwork_asked
            and ref_for(provider, job.series.ids) is not None
            and artwork_kinds_of(provider) & missing]


async def _artwork(job: Job, wanted: frozenset[ArtworkKind]) -> list[list[Artwork]]:
    """Artwork sources for ``wanted`` kinds: the known ones, then each artwork provider that
    declares a kind still missing. Shared by the logo and images steps, so no provider is
    asked twice in a run."""
    sources = _known_sources(job)
    missing = set(wanted) - artwork_choice.kinds_in(sources)
    for provider in _providers_to_ask(job, missing):
        if not artwork_kinds_of(provider) & missing:
            continue
        name = type(provider).name
        ref = ref_for(provider, job.series.ids)
        assert ref is not None
        async with job.turn(name):
            found = list(await provider.fetch_artwork(ref))
        job.artwork_asked.add(name)
        sources.append(found)
        missing -= artwork_choice.kinds_in([found]) - {ArtworkKind.SEASON_POSTER}
    return sources


async def season_poster_exists(series_dir: Path, art: Artwork, season: int | None) -> bool:
    """Whether a season's poster is on disk already (the plan looked for the other kinds; season
    posters are looked for once it is known which seasons have one)."""
    if season is None:
        return False
    return await anyio.to_thread.run_sync(existing_artwork, series_dir, art.kind,
                                          season) is not None


async def _download(job: Job, series_dir: Path, art: Artwork, season: int | None) -> None:
    early = job.early_images.pop(art.url, None)
    image = await early.result() if early is not None else None
    if image is None:
        if await season_poster_exists(series_dir, art, season):
            return
        async with job.turn("images"):
            image = await job.providers.fetch_image(art.url)
    data, content_type = image
    async with job.slot():
        await anyio.to_thread.run_sync(
            lambda: save_artwork(series_dir, art.kind, data, content_type, season=season)
        )


def artwork_steps(dirs: SeriesDirs, *, downloads_per_series: int) -> Sequence[ArtworkStep]:
    """The logo step, then the images step."""
    return (LogoStep(dirs, at_once=downloads_per_series),
            ArtworkStep(dirs, at_once=downloads_per_series))
