"""The records every fake server serves: one :class:`SeriesRecord` per AniList entry.

A record holds what the real services agree on for one AniList/MAL entry, plus the ids other
services know it by. TVDB, TMDB and TVmaze number a franchise as one show with seasons, while
AniList and MAL give every season (often every cour) its own entry: ``tvdb_season`` and
``tvdb_offset`` say where this entry's episodes sit in that show (AniList episode ``n`` is
``S{tvdb_season}E{n + tvdb_offset}`` there).

Episodes are computed on demand from the record, so even ten thousand generated series stay
cheap.
"""

from __future__ import annotations

import datetime as dt
import zlib

import attrs

#: AniList's ``MediaSeason`` for each month (December belongs to the next year's winter).
_SEASONS = ("WINTER", "WINTER", "SPRING", "SPRING", "SPRING", "SUMMER",
            "SUMMER", "SUMMER", "FALL", "FALL", "FALL", "WINTER")


@attrs.frozen(slots=True)
class EpisodeRecord:
    """One aired episode of a record, numbered as AniList and MAL number it (from 1)."""

    number: int
    title: str
    title_japanese: str | None
    title_romaji: str | None
    aired: dt.date | None
    filler: bool
    recap: bool
    runtime: int | None


@attrs.frozen(slots=True)
class SeriesRecord:
    """One anime entry as the fakes serve it. Ids that a service lacks are ``None``."""

    anilist_id: int
    mal_id: int | None
    romaji: str
    english: str | None
    native: str | None
    format: str
    status: str
    #: Planned episode count; ``None`` while unknown (long-running series).
    episodes: int | None
    #: Episodes aired so far: the length of the episode list every fake serves.
    aired_episodes: int
    duration: int | None
    start_date: dt.date | None
    #: Last air date; for a releasing record, the date of its latest aired episode.
    end_date: dt.date | None
    studio: str
    genres: tuple[str, ...]
    description: str
    synonyms: tuple[str, ...] = ()
    average_score: int | None = None
    popularity: int = 0
    anidb_id: int | None = None
    tvdb_id: int | None = None
    tmdb_id: int | None = None
    imdb_id: str | None = None
    tvmaze_id: int | None = None
    tvdb_season: int = 1
    tvdb_offset: int = 0
    #: AniList id of the entry this one continues (its ``PREQUEL``).
    prequel: int | None = None
    #: AniList id of the entry this one is a side story of (movies, specials).
    parent: int | None = None
    #: Other AniList edges, ``(relationType, AniList id)``; the other entry sees the same type
    #: (``ALTERNATIVE``, ``CHARACTER``, ``OTHER``).
    related: tuple[tuple[str, int], ...] = ()
    #: Real titles of the first episodes; later ones are generated ("Episode N").
    episode_titles: tuple[str, ...] = ()
    #: Inclusive ranges of filler episodes.
    fillers: tuple[tuple[int, int], ...] = ()
    recaps: tuple[int, ...] = ()
    #: Whether fanart.tv has artwork for this record's show.
    has_fanart: bool = True
    generated: bool = False

    @property
    def title(self) -> str:
        """The name people know it by: English when there is one, else romaji."""
        return self.english or self.romaji

    @property
    def updated_stamp(self) -> int:
        """AniList's ``updatedAt``: moves on when an episode airs (or the record changes)."""
        day = self.end_date or self.start_date or dt.date(2000, 1, 1)
        moment = dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC)
        return int(moment.timestamp()) + self.aired_episodes * 60 + (self.episodes or 0)

    @property
    def streamed_episodes(self) -> int:
        """Episodes with a licensed stream AniList lists (``streamingEpisodes``): for most TV
        series from 2010 on all aired ones, for some the first half; none for older ones,
        movies and OVAs."""
        roll = zlib.crc32(self.romaji.encode()) % 10
        recent = self.start_date is not None and self.start_date.year >= 2010
        if roll > 5 or not recent or self.format not in ("TV", "TV_SHORT", "ONA"):
            return 0
        return self.aired_episodes if roll < 5 else self.aired_episodes // 2

    @property
    def season(self) -> str | None:
        """AniList's ``season`` (``"SPRING"``...), from the start date."""
        return _SEASONS[self.start_date.month - 1] if self.start_date else None

    @property
    def season_year(self) -> int | None:
        """AniList's ``seasonYear``: a December start counts for the next year's winter."""
        if self.start_date is None:
            return None
        return self.start_date.year + (1 if self.start_date.month == 12 else 0)

    @property
    def titles(self) -> tuple[str, ...]:
        """Every name the record is known by, main titles first."""
        main = (self.romaji, self.english, self.native)
        return tuple(t for t in (*main, *self.synonyms) if t)

    def episode(self, number: int) -> EpisodeRecord:
        """Episode ``number`` (1-based); raises ``IndexError`` past the aired episodes."""
        if not 1 <= number <= self.aired_episodes:
            raise IndexError(f"{self.romaji} has no episode {number}")
        if number <= len(self.episode_titles):
            title = self.episode_titles[number - 1]
            romaji: str | None = title
        else:
            title, romaji = f"Episode {number}", None
        return EpisodeRecord(
            number=number,
            title=title,
            title_japanese=f"第{number}話",
            title_romaji=romaji,
            aired=self.air_date(number),
            filler=any(low <= number <= high for low, high in self.fillers),
            recap=number in self.recaps,
            runtime=self.duration,
        )

    def episode_list(self, first: int = 1, last: int | None = None) -> list[EpisodeRecord]:
        """Episodes ``first``..``last`` (default: every aired episode)."""
        last = self.aired_episodes if last is None else min(last, self.aired_episodes)
        return [self.episode(n) for n in range(max(first, 1), last + 1)]

    def air_date(self, number: int) -> dt.date | None:
        """When episode ``number`` aired: weekly from the start date (all at once for ONAs and
        movies), or spread evenly up to the end date when a weekly schedule would miss it by
        more than two weeks (breaks, double episodes)."""
        if self.start_date is None:
            return None
        if self.format in ("MOVIE", "ONA") or self.aired_episodes <= 1:
            return self.start_date
        weekly = self.start_date + dt.timedelta(weeks=number - 1)
        if self.end_date is None:
            return weekly
        weekly_last = self.start_date + dt.timedelta(weeks=self.aired_episodes - 1)
        if abs((weekly_last - self.end_date).days) <= 14:
            return weekly
        span = (self.end_date - self.start_date).days
        return self.start_date + dt.timedelta(
            days=span * (number - 1) // (self.aired_episodes - 1))
