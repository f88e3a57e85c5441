"""The episodes step: the show's seasons (the chain of entries, see :mod:`.chain`) and each
season entry's episode list, or a season-based provider's whole list."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

import attrs

from aniworld_core.library.names import read_folder_name
from aniworld_core.library.seasons import Layout
from aniworld_core.loader.chain import walk_chain
from aniworld_core.loader.entry_episodes import (
    EntryEpisodes,
    from_titles,
    settled,
    stored_list,
    with_airing,
)
from aniworld_core.loader.job import Job, ref_for
from aniworld_core.metadata import Capability, EpisodeInfo, ProviderRef, SeriesInfo
from aniworld_core.models import Episode, Part, StepResult
from aniworld_core.providers.base import MetadataProvider
from aniworld_core.reading import UPCOMING
from aniworld_core.storage.library_store import LibraryStore
from aniworld_core.storage.series import SeriesStore
from aniworld_core.storage.show_reads import ShowOutline
from aniworld_core.storage.show_rows import SavedEntry, ShowList

#: Called once a chain's lists are saved, with each entry and its list (plans airing checks).
PlanAiring = Callable[[Job, Sequence[tuple[SeriesInfo, EntryEpisodes]]], Awaitable[None]]


@attrs.define
class EpisodesStep:
    """The show's seasons and episode list. With a provider that lists episodes per entry
    (Jikan, by MAL id), the chain of entries is walked from the series' entry (see
    :mod:`.chain`) and each entry's episodes are fetched; a season-based provider (TVmaze, TMDB)
    put first gives its whole list with its seasons; without either, numbered episodes from
    each entry's episode count."""

    library: LibraryStore
    #: Stored episodes, for the lists an episodes-only refresh keeps (none without it).
    series_store: SeriesStore | None = None
    plan_airing: PlanAiring | None = None
    name: ClassVar[str] = "episodes"
    label: ClassVar[str] = "Episodes"
    message: ClassVar[str] = "Loading episodes..."

    def needed(self, job: Job) -> bool:
        return not job.series.episodes_loaded

    async def run(self, job: Job) -> StepResult:
        series = job.series
        lister, ref = _episode_lister(job)
        metadata = series.metadata
        if lister is not None and ref is not None and (
                metadata is None or ref_for(lister, metadata.ids) is None):
            # A season-based list of the whole show (TVmaze, TMDB): its seasons are the show's.
            async with job.turn(type(lister).name):
                episodes = list(await lister.fetch_episodes(ref))
            job.episodes = await self.library.save_provider_episodes(series.id, episodes)
            return StepResult.completed(Part.EPISODES)
        start = metadata or SeriesInfo(ref=ProviderRef("aniworld", series.id),
                                       title=series.title, year=series.year, ids=series.ids)
        marker = read_folder_name(series.folder or series.title).marker
        chain = await walk_chain(start, functools.partial(fetch_related, job),
                                 folder_marker=marker)
        kept = await self._settled_lists(job, chain.entries)
        now = dt.datetime.now(dt.UTC)
        entries, found = [], []
        for info, continued in zip(chain.entries, chain.continues, strict=True):
            listed = kept.get(info.ref) or with_airing(
                await _entry_episodes(job, lister, info), info, now)
            found.append((info, listed))
            entries.append(SavedEntry(info, listed.episodes, continues=continued))
        if len(entries) == 1 and any(e.season != 1 for e in entries[0].episodes):
            # The lister numbers seasons itself (the metadata came from TVmaze, say).
            job.episodes = await self.library.save_provider_episodes(
                series.id, list(entries[0].episodes))
            return StepResult.completed(Part.EPISODES)
        job.episodes = await self.library.save_show(
            series.id, ShowList(chain.layout, tuple(entries), chain.note))
        job.outline = outline_of(chain.layout, chain.entries, job.episodes)
        if self.plan_airing is not None:
            await self.plan_airing(job, found)
        return StepResult.completed(Part.EPISODES)

    async def _settled_lists(self, job: Job, chain: Sequence[SeriesInfo]
                             ) -> dict[ProviderRef, EntryEpisodes]:
        """On an episodes-only refresh, the stored lists of entries that finished and did not
        change (see :func:`.entry_episodes.settled`): nobody is asked for them again."""
        if not job.episodes_only or self.series_store is None:
            return {}
        stored = await self.library.entry_infos(job.series.id)
        by_entry: dict[ProviderRef, list[Episode]] = {}
        for episode in await self.series_store.episodes(job.series.id):
            if episode.entry is not None:
                by_entry.setdefault(episode.entry, []).append(episode)
        return {info.ref: EntryEpisodes.of(stored_list(by_entry[info.ref]))
                for info in chain
                if settled(stored.get(info.ref), info, by_entry.get(info.ref, ()))}


def _episode_lister(job: Job) -> tuple[MetadataProvider | None, ProviderRef | None]:
    """The first provider that lists episodes and knows the series (or, failing that, the
    first that lists episodes at all)."""
    listers = job.providers.with_capability(Capability.EPISODES)
    for provider in listers:
        ref = ref_for(provider, job.series.ids)
        if ref is not None:
            return provider, ref
    return (listers[0], None) if listers else (None, None)


def outline_of(layout: Layout, entries: Sequence[SeriesInfo],
               episodes: Sequence[Episode]) -> ShowOutline:
    """The outline of a show just saved, from its stored episodes: each season begins with the
    entry of its first episode (a season with no episodes listed yet has none)."""
    infos = {info.ref: info for info in entries}
    first: dict[int, tuple[int, SeriesInfo]] = {}
    for episode in episodes:
        info = infos.get(episode.entry) if episode.entry is not None else None
        if episode.season < 1 or info is None:
            continue
        if episode.season not in first or episode.number < first[episode.season][0]:
            first[episode.season] = (episode.number, info)
    return ShowOutline(layout, tuple((season, info) for season, (_, info)
                                     in sorted(first.items())))


async def fetch_related(job: Job, ref: ProviderRef) -> SeriesInfo | None:
    """A related entry, from the provider its ref names (through its batcher)."""
    for provider in job.providers.with_capability(Capability.SERIES):
        if type(provider).name == ref.provider:
            return await job.providers.fetch_series(provider, ref)
    return None


async def _entry_episodes(job: Job, lister: MetadataProvider | None,
                          info: SeriesInfo) -> EntryEpisodes:
    """One entry's episodes (see :mod:`.entry_episodes`): from the titles its own answer
    carries when they cover every aired episode; else from the lister when it knows the
    entry; none for an entry that has not aired; else numbered from its episode count. A
    movie is one episode, itself, whether or not the lister lists it (MyAnimeList lists none
    for most movies)."""
    if info.status == UPCOMING:
        return EntryEpisodes.of(())
    titled = from_titles(info)
    if titled is not None:
        return EntryEpisodes.of(titled)
    ref = ref_for(lister, info.ids) if lister is not None else None
    if lister is not None and ref is not None:
        async with job.turn(type(lister).name):
            listed = tuple(await lister.fetch_episodes(ref))
        if listed or info.format != "MOVIE":
            return EntryEpisodes.of(listed)
    count = info.episode_count or 0
    if info.format == "MOVIE":
        count = 1
    return EntryEpisodes(tuple(
        EpisodeInfo(number=n, absolute_number=n, title=info.title if count == 1 else None,
                    air_date=info.premiered if count == 1 else None)
        for n in range(1, count + 1)), frozenset())
