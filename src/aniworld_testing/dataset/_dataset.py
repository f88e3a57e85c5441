"""The dataset the fakes share, indexed by every id, and the TVDB-style show view."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator

import attrs

from aniworld_testing.dataset._catalog_classic import CLASSIC
from aniworld_testing.dataset._catalog_confusers import CONFUSERS
from aniworld_testing.dataset._catalog_modern import MODERN
from aniworld_testing.dataset._catalog_seasons import SEASONS
from aniworld_testing.dataset._generated import GENERATED_START_ID, generated
from aniworld_testing.dataset._model import EpisodeRecord, SeriesRecord
from aniworld_testing.dataset._search import TitleIndex

#: Relation types ``SeriesRecord.related`` may use: both entries see the same type.
SYMMETRIC_RELATIONS = frozenset({"ALTERNATIVE", "CHARACTER", "OTHER"})


@attrs.frozen(slots=True)
class ShowEpisode:
    """An episode as TVDB, TMDB and TVmaze number it: ``season``/``number`` in the show."""

    season: int
    number: int
    entry: SeriesRecord
    episode: EpisodeRecord


@attrs.frozen(slots=True)
class Show:
    """A franchise as TVDB/TMDB/TVmaze see it: the AniList entries sharing one TVDB id, in
    season order."""

    entries: tuple[SeriesRecord, ...]

    @property
    def first(self) -> SeriesRecord:
        return self.entries[0]

    @property
    def tvdb_id(self) -> int:
        assert self.first.tvdb_id is not None
        return self.first.tvdb_id

    @property
    def tmdb_id(self) -> int | None:
        return self.first.tmdb_id

    @property
    def tvmaze_id(self) -> int | None:
        return self.first.tvmaze_id

    @property
    def imdb_id(self) -> str | None:
        return self.first.imdb_id

    @property
    def name(self) -> str:
        return self.first.title

    @property
    def ended(self) -> bool:
        return all(e.status == "FINISHED" for e in self.entries)

    @property
    def premiered(self) -> dt.date | None:
        return self.first.start_date

    @property
    def last_aired(self) -> dt.date | None:
        return self.entries[-1].end_date

    @property
    def genres(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g for e in self.entries for g in e.genres))

    @property
    def season_numbers(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(e.tvdb_season for e in self.entries))

    def regular_seasons(self) -> dict[int, list[int]]:
        """Season → its episode numbers, of the TV, TV_SHORT and ONA entries only (what
        aniworld numbers as regular seasons; movies and OVAs are left out)."""
        seasons: dict[int, list[int]] = {}
        for episode in self.episodes():
            if episode.entry.format in ("TV", "TV_SHORT", "ONA"):
                seasons.setdefault(episode.season, []).append(episode.number)
        return seasons

    def episodes(self, season: int | None = None) -> Iterator[ShowEpisode]:
        """Every aired episode (of one ``season``), in order."""
        for entry in self.entries:
            if season is not None and entry.tvdb_season != season:
                continue
            for episode in entry.episode_list():
                yield ShowEpisode(entry.tvdb_season, episode.number + entry.tvdb_offset,
                                  entry, episode)


class Dataset:
    """A set of series records with lookups by every id the fakes are asked for."""

    def __init__(self, records: Iterable[SeriesRecord]) -> None:
        self.records: tuple[SeriesRecord, ...] = tuple(records)
        self._anilist: dict[int, SeriesRecord] = {}
        self._mal: dict[int, SeriesRecord] = {}
        entries: dict[int, list[SeriesRecord]] = defaultdict(list)
        for record in self.records:
            if record.anilist_id in self._anilist:
                raise ValueError(f"duplicate AniList id {record.anilist_id}")
            self._anilist[record.anilist_id] = record
            if record.mal_id is not None:
                self._mal[record.mal_id] = record
            if record.tvdb_id is not None:
                entries[record.tvdb_id].append(record)
        self._shows = {
            tvdb: Show(tuple(sorted(group, key=lambda e: (e.tvdb_season, e.tvdb_offset))))
            for tvdb, group in entries.items()
        }
        self._tmdb = {s.tmdb_id: s for s in self._shows.values() if s.tmdb_id is not None}
        self._tvmaze = {s.tvmaze_id: s for s in self._shows.values() if s.tvmaze_id is not None}
        self._imdb = {s.imdb_id: s for s in self._shows.values() if s.imdb_id is not None}
        self._sequels: dict[int, list[int]] = defaultdict(list)
        self._side_stories: dict[int, list[int]] = defaultdict(list)
        self._related: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for record in self.records:
            if record.prequel is not None:
                self._sequels[record.prequel].append(record.anilist_id)
            if record.parent is not None:
                self._side_stories[record.parent].append(record.anilist_id)
            for kind, other in record.related:
                if kind not in SYMMETRIC_RELATIONS:
                    raise ValueError(f"{record.anilist_id}: use prequel or parent for {kind}")
                self._related[record.anilist_id].append((kind, other))
                self._related[other].append((kind, record.anilist_id))

    @classmethod
    def default(cls) -> Dataset:
        """The catalogue of real series (shared; build your own for extra records)."""
        return _default()

    def with_generated(self, count: int, start_id: int = GENERATED_START_ID) -> Dataset:
        """This dataset plus ``count`` generated series (see :func:`generated`)."""
        return Dataset((*self.records, *generated(count, start_id)))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[SeriesRecord]:
        return iter(self.records)

    def by_anilist(self, anilist_id: int) -> SeriesRecord | None:
        return self._anilist.get(anilist_id)

    def by_mal(self, mal_id: int) -> SeriesRecord | None:
        return self._mal.get(mal_id)

    def show_by_tvdb(self, tvdb_id: int) -> Show | None:
        return self._shows.get(tvdb_id)

    def show_by_tmdb(self, tmdb_id: int) -> Show | None:
        return self._tmdb.get(tmdb_id)

    def show_by_tvmaze(self, tvmaze_id: int) -> Show | None:
        return self._tvmaze.get(tvmaze_id)

    def show_by_imdb(self, imdb_id: str) -> Show | None:
        return self._imdb.get(imdb_id)

    def show_of(self, record: SeriesRecord) -> Show | None:
        return self._shows.get(record.tvdb_id) if record.tvdb_id is not None else None

    def relations(self, record: SeriesRecord) -> list[tuple[str, SeriesRecord]]:
        """AniList-style relations inside the dataset: ``[("SEQUEL", record), ...]``."""
        found: list[tuple[str, int | None]] = [("PREQUEL", record.prequel),
                                               ("PARENT", record.parent)]
        found += [("SEQUEL", i) for i in self._sequels.get(record.anilist_id, ())]
        found += [("SIDE_STORY", i) for i in self._side_stories.get(record.anilist_id, ())]
        found += self._related.get(record.anilist_id, [])
        return [(kind, self._anilist[i]) for kind, i in found
                if i is not None and i in self._anilist]

    def search(self, query: str) -> list[tuple[float, SeriesRecord]]:
        """Records matching ``query``, best first, with their scores."""
        return self._index.search(query)

    def search_shows(self, query: str) -> list[tuple[float, Show]]:
        """Shows matching ``query`` (through any of their entries' titles), best first."""
        seen: dict[int, tuple[float, Show]] = {}
        for score, record in self.search(query):
            show = self.show_of(record)
            if show is not None and show.tvdb_id not in seen:
                seen[show.tvdb_id] = (score, show)
        return list(seen.values())

    @functools.cached_property
    def _index(self) -> TitleIndex:
        return TitleIndex(self.records)


@functools.cache
def _default() -> Dataset:
    return Dataset((*CLASSIC, *MODERN, *SEASONS, *CONFUSERS))
