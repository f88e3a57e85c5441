"""The part of AniList's GraphQL schema the fake serves, and how a record looks through it.

Field and argument names, enums and nullability follow AniList's published schema; fields
outside this subset are GraphQL validation errors, as they would be for a misspelt field.
"""

from __future__ import annotations

import datetime as dt
import html
import zlib
from typing import Any

from graphql import GraphQLResolveInfo

from aniworld_testing._artwork import image_url
from aniworld_testing.dataset import Dataset, SeriesRecord

SDL = """
type Query {
  Page(page: Int = 1, perPage: Int = 50): Page
  Media(id: Int, idMal: Int, search: String, type: MediaType, format: MediaFormat,
        status: MediaStatus, season: MediaSeason, seasonYear: Int, genre: String,
        sort: [MediaSort]): Media
}
type Page {
  pageInfo: PageInfo
  media(id: Int, idMal: Int, id_in: [Int], idMal_in: [Int], id_not_in: [Int], search: String,
        type: MediaType, format: MediaFormat, format_in: [MediaFormat], status: MediaStatus,
        season: MediaSeason, seasonYear: Int, genre: String, genre_in: [String],
        isAdult: Boolean, sort: [MediaSort]): [Media]
}
type PageInfo { total: Int perPage: Int currentPage: Int lastPage: Int hasNextPage: Boolean }
type Media {
  id: Int!
  idMal: Int
  title: MediaTitle
  type: MediaType
  format: MediaFormat
  status(version: Int): MediaStatus
  description(asHtml: Boolean): String
  startDate: FuzzyDate
  endDate: FuzzyDate
  season: MediaSeason
  seasonYear: Int
  episodes: Int
  duration: Int
  countryOfOrigin: String
  isAdult: Boolean
  coverImage: MediaCoverImage
  bannerImage: String
  genres: [String]
  synonyms: [String]
  averageScore: Int
  meanScore: Int
  popularity: Int
  favourites: Int
  siteUrl: String
  studios(sort: [StudioSort], isMain: Boolean): StudioConnection
  nextAiringEpisode: AiringSchedule
  relations: MediaConnection
  updatedAt: Int
  streamingEpisodes: [MediaStreamingEpisode]
}
type MediaStreamingEpisode { title: String thumbnail: String url: String site: String }
type MediaTitle {
  romaji(stylised: Boolean): String
  english(stylised: Boolean): String
  native(stylised: Boolean): String
  userPreferred: String
}
type FuzzyDate { year: Int month: Int day: Int }
type MediaCoverImage { extraLarge: String large: String medium: String color: String }
type StudioConnection { edges: [StudioEdge] nodes: [Studio] pageInfo: PageInfo }
type StudioEdge { node: Studio id: Int isMain: Boolean! }
type Studio { id: Int! name: String! isAnimationStudio: Boolean! siteUrl: String }
type AiringSchedule {
  id: Int! airingAt: Int! timeUntilAiring: Int! episode: Int! mediaId: Int! media: Media
}
type MediaConnection { edges: [MediaEdge] nodes: [Media] pageInfo: PageInfo }
type MediaEdge { node: Media id: Int relationType(version: Int): MediaRelation }
enum MediaType { ANIME MANGA }
enum MediaFormat { TV TV_SHORT MOVIE SPECIAL OVA ONA MUSIC MANGA NOVEL ONE_SHOT }
enum MediaStatus { FINISHED RELEASING NOT_YET_RELEASED CANCELLED HIATUS }
enum MediaSeason { WINTER SPRING SUMMER FALL }
enum MediaRelation {
  ADAPTATION PREQUEL SEQUEL PARENT SIDE_STORY CHARACTER SUMMARY ALTERNATIVE SPIN_OFF OTHER
  SOURCE COMPILATION CONTAINS
}
enum MediaSort {
  ID ID_DESC TITLE_ROMAJI TITLE_ROMAJI_DESC TITLE_ENGLISH TITLE_ENGLISH_DESC TITLE_NATIVE
  TITLE_NATIVE_DESC TYPE TYPE_DESC FORMAT FORMAT_DESC START_DATE START_DATE_DESC END_DATE
  END_DATE_DESC SCORE SCORE_DESC POPULARITY POPULARITY_DESC TRENDING TRENDING_DESC EPISODES
  EPISODES_DESC DURATION DURATION_DESC STATUS STATUS_DESC CHAPTERS CHAPTERS_DESC VOLUMES
  VOLUMES_DESC UPDATED_AT UPDATED_AT_DESC SEARCH_MATCH FAVOURITES FAVOURITES_DESC
}
enum StudioSort { ID ID_DESC NAME NAME_DESC SEARCH_MATCH FAVOURITES FAVOURITES_DESC }
"""


def _fuzzy(date: dt.date | None) -> dict[str, int | None]:
    if date is None:
        return {"year": None, "month": None, "day": None}
    return {"year": date.year, "month": date.month, "day": date.day}


class MediaView:
    """A record as an AniList ``Media`` object; GraphQL's default resolver reads attributes
    and calls methods with the field's arguments."""

    def __init__(self, record: SeriesRecord, dataset: Dataset, images: str) -> None:
        self._record = record
        self._dataset = dataset
        self._images = images
        self.id = record.anilist_id
        self.idMal = record.mal_id
        self.type = "ANIME"
        self.format = record.format
        self.season = record.season
        self.seasonYear = record.season_year
        self.episodes = record.episodes
        self.duration = record.duration
        self.countryOfOrigin = "JP"
        self.isAdult = False
        self.genres = list(record.genres)
        self.synonyms = list(record.synonyms)
        self.averageScore = record.average_score
        self.meanScore = record.average_score
        self.popularity = record.popularity
        self.favourites = record.popularity // 20
        self.siteUrl = f"https://anilist.co/anime/{record.anilist_id}"
        self.title = {"romaji": record.romaji, "english": record.english,
                      "native": record.native, "userPreferred": record.romaji}
        self.startDate = _fuzzy(record.start_date)
        self.endDate = _fuzzy(record.end_date if record.status == "FINISHED" else None)

    def status(self, info: GraphQLResolveInfo[Any], version: int | None = None) -> str:
        return self._record.status

    def description(self, info: GraphQLResolveInfo[Any], asHtml: bool = False) -> str:
        paragraphs = self._record.description.split("\n\n")
        if asHtml:
            return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        return "<br><br>\n".join(paragraphs)

    @property
    def coverImage(self) -> dict[str, str]:
        ident = self._record.anilist_id
        return {"extraLarge": image_url(self._images, "anilist", "coverxl", ident),
                "large": image_url(self._images, "anilist", "coverl", ident),
                "medium": image_url(self._images, "anilist", "coverm", ident),
                "color": f"#{zlib.crc32(self._record.romaji.encode()) & 0xFFFFFF:06x}"}

    @property
    def bannerImage(self) -> str | None:
        if self._record.format == "MOVIE":
            return None
        return image_url(self._images, "anilist", "banner", self._record.anilist_id)

    def studios(self, info: GraphQLResolveInfo[Any], sort: Any = None,
                isMain: bool | None = None) -> dict[str, Any]:
        name = self._record.studio
        studio = {"id": zlib.crc32(name.encode()) % 10000, "name": name,
                  "isAnimationStudio": True, "siteUrl": f"https://anilist.co/studio/{name}"}
        if isMain is False:
            return {"edges": [], "nodes": []}
        return {"edges": [{"node": studio, "id": studio["id"], "isMain": True}],
                "nodes": [studio]}

    @property
    def nextAiringEpisode(self) -> dict[str, int] | None:
        record = self._record
        if record.status != "RELEASING" or record.end_date is None:
            return None
        # Weekly, same weekday and time as the latest episode (00:00 JST = 15:00 UTC).
        last = dt.datetime.combine(record.end_date, dt.time(15), tzinfo=dt.UTC)
        now = dt.datetime.now(dt.UTC)
        weeks = max(1, -(-(now - last).days // 7)) if now > last else 1
        airing = last + dt.timedelta(weeks=weeks)
        if airing <= now:
            airing += dt.timedelta(weeks=1)
        return {"id": record.anilist_id * 10000 + record.aired_episodes + 1,
                "airingAt": int(airing.timestamp()),
                "timeUntilAiring": int((airing - now).total_seconds()),
                "episode": record.aired_episodes + 1, "mediaId": record.anilist_id}

    @property
    def updatedAt(self) -> int:
        return self._record.updated_stamp

    @property
    def streamingEpisodes(self) -> list[dict[str, str]]:
        """Licensed streams with Crunchyroll style titles (see ``streamed_episodes``)."""
        record = self._record
        shown = record.streamed_episodes
        slug = record.romaji.lower().replace(" ", "-")
        return [{"title": f"Episode {n} - {record.episode(n).title}",
                 "thumbnail": image_url(self._images, "anilist", "banner", record.anilist_id),
                 "url": f"https://www.crunchyroll.com/{slug}/episode-{n}",
                 "site": "Crunchyroll"} for n in range(1, shown + 1)]

    @property
    def relations(self) -> dict[str, Any]:
        related = self._dataset.relations(self._record)
        nodes = [MediaView(other, self._dataset, self._images) for _, other in related]
        edges = [{"id": other.anilist_id * 7 + i, "relationType": kind, "node": node}
                 for i, ((kind, other), node) in enumerate(zip(related, nodes, strict=True))]
        return {"edges": edges, "nodes": nodes}
