"""What providers return: plain attrs values with no behaviour tied to any one API.

These types are part of the public plugin API. A provider turns responses into them; the loader
merges them; the library writers turn them into NFO files and artwork. Every field a provider
cannot fill is ``None`` or empty, never a guess.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

#: The id columns aniworld keeps for every series (``uniqueid`` types in NFO files).
ID_TYPES: tuple[str, ...] = ("anilist", "mal", "anidb", "tvdb", "tmdb", "imdb")


class Capability(enum.StrEnum):
    """What a provider can answer."""

    SEARCH = "search"
    SERIES = "series"
    EPISODES = "episodes"
    ARTWORK = "artwork"


class ArtworkKind(enum.StrEnum):
    """Artwork kinds, named as Kodi and Jellyfin name the files."""

    POSTER = "poster"
    FANART = "fanart"
    BANNER = "banner"
    CLEARLOGO = "clearlogo"
    LANDSCAPE = "landscape"
    SEASON_POSTER = "season_poster"


@attrs.frozen
class ProviderRef:
    """A series as one provider knows it: ``ProviderRef("anilist", "21")``."""

    provider: str
    id: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.id}"


@attrs.frozen
class ProviderIds:
    """Every id a series is known by. ``extra`` holds id types outside :data:`ID_TYPES`."""

    anilist: str | None = None
    mal: str | None = None
    anidb: str | None = None
    tvdb: str | None = None
    tmdb: str | None = None
    imdb: str | None = None
    extra: Mapping[str, str] = attrs.field(factory=dict, hash=False)

    def get(self, id_type: str) -> str | None:
        """The id of ``id_type``, or ``None``."""
        if id_type in ID_TYPES:
            value: str | None = getattr(self, id_type)
            return value
        return self.extra.get(id_type)

    def with_id(self, id_type: str, value: str | None) -> ProviderIds:
        """A copy with ``id_type`` set to ``value`` (``None`` removes it)."""
        if id_type in ID_TYPES:
            changes: dict[str, Any] = {id_type: value}
            return attrs.evolve(self, **changes)
        extra = {k: v for k, v in self.extra.items() if k != id_type}
        if value is not None:
            extra[id_type] = value
        return attrs.evolve(self, extra=extra)

    def merged(self, other: ProviderIds) -> ProviderIds:
        """A copy where ids missing here are taken from ``other``; ids here win."""
        result = self
        for id_type, value in other.items():
            if result.get(id_type) is None:
                result = result.with_id(id_type, value)
        return result

    def items(self) -> Iterator[tuple[str, str]]:
        """``(id_type, id)`` for every id that is set, the well-known types first."""
        for id_type in ID_TYPES:
            value = getattr(self, id_type)
            if value is not None:
                yield id_type, value
        yield from sorted(self.extra.items())

    def to_dict(self) -> dict[str, str]:
        return dict(self.items())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProviderIds:
        known = {k: str(v) for k, v in data.items() if k in ID_TYPES and v is not None}
        extra = {k: str(v) for k, v in data.items() if k not in ID_TYPES and v is not None}
        return cls(**known, extra=extra)


@attrs.frozen
class Artwork:
    """One image a provider offers; ``season`` is set for season posters."""

    kind: ArtworkKind
    url: str
    season: int | None = None
    language: str | None = None
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "url": self.url,
            "season": self.season,
            "language": self.language,
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Artwork:
        return cls(
            kind=ArtworkKind(data["kind"]),
            url=data["url"],
            season=data.get("season"),
            language=data.get("language"),
            score=float(data.get("score") or 0.0),
        )


@attrs.frozen
class SearchResult:
    """A candidate from a provider's search, for identification or for the user to pick."""

    ref: ProviderRef
    title: str
    year: int | None = None
    format: str | None = None
    episodes: int | None = None
    alt_titles: tuple[str, ...] = ()
    poster_url: str | None = None
    ids: ProviderIds = ProviderIds()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a search candidate (``GET /api/search``)."""
        return {
            "ref": {"provider": self.ref.provider, "id": self.ref.id},
            "title": self.title,
            "year": self.year,
            "format": self.format,
            "episodes": self.episodes,
            "alt_titles": list(self.alt_titles),
            "poster_url": self.poster_url,
            "ids": self.ids.to_dict(),
        }


@attrs.frozen
class Relation:
    """Another entry of the same provider that an entry is related to, as AniList's
    ``relations`` edges say: ``kind`` is ``"SEQUEL"``, ``"PREQUEL"``, ``"SIDE_STORY"``,
    ``"PARENT"``, ``"ALTERNATIVE"``, ``"SPIN_OFF"``, ``"SUMMARY"``, ``"OTHER"``...; ``format``
    speaks AniList's vocabulary (``"TV"``, ``"TV_SHORT"``, ``"ONA"``, ``"MOVIE"``, ``"OVA"``...).
    """

    kind: str
    ref: ProviderRef
    title: str | None = None
    format: str | None = None
    episodes: int | None = None
    year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": {"provider": self.ref.provider, "id": self.ref.id},
                "title": self.title, "format": self.format, "episodes": self.episodes,
                "year": self.year}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Relation:
        return cls(kind=data["kind"], ref=ProviderRef(data["ref"]["provider"], data["ref"]["id"]),
                   title=data.get("title"), format=data.get("format"),
                   episodes=data.get("episodes"), year=data.get("year"))


@attrs.frozen
class Airing:
    """When the entry's next episode airs (AniList's ``nextAiringEpisode``): its number in
    the entry and the moment, in UTC."""

    episode: int
    airs_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"episode": self.episode, "airs_at": self.airs_at.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Airing:
        airs_at = dt.datetime.fromisoformat(data["airs_at"])
        if airs_at.tzinfo is None:
            airs_at = airs_at.replace(tzinfo=dt.UTC)
        return cls(int(data["episode"]), airs_at.astimezone(dt.UTC))


@attrs.frozen
class SeriesInfo:
    """Series-level metadata from one provider (or merged from several)."""

    ref: ProviderRef
    title: str
    original_title: str | None = None
    alt_titles: tuple[str, ...] = ()
    plot: str | None = None
    premiered: dt.date | None = None
    year: int | None = None
    status: str | None = None
    format: str | None = None
    genres: tuple[str, ...] = ()
    studios: tuple[str, ...] = ()
    rating: float | None = None  # on a 0–10 scale
    votes: int | None = None
    episode_count: int | None = None
    season_names: tuple[tuple[int, str], ...] = ()
    ids: ProviderIds = ProviderIds()
    artwork: tuple[Artwork, ...] = ()
    #: Related entries of the same provider (sequels, prequels, side stories), when it says.
    relations: tuple[Relation, ...] = ()
    #: The provider's stamp of the entry's last change (AniList's ``updatedAt``), to tell a
    #: changed entry from an unchanged one without comparing everything.
    updated_at: int | None = None
    #: The next episode to air, while the entry airs.
    next_airing: Airing | None = None
    #: Episode titles the series answer itself carries, by number (AniList's
    #: ``streamingEpisodes`` of licensed streams): where they cover every aired episode, no
    #: episode lister needs asking.
    episode_titles: tuple[tuple[int, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": {"provider": self.ref.provider, "id": self.ref.id},
            "title": self.title,
            "original_title": self.original_title,
            "alt_titles": list(self.alt_titles),
            "plot": self.plot,
            "premiered": self.premiered.isoformat() if self.premiered else None,
            "year": self.year,
            "status": self.status,
            "format": self.format,
            "genres": list(self.genres),
            "studios": list(self.studios),
            "rating": self.rating,
            "votes": self.votes,
            "episode_count": self.episode_count,
            "season_names": [[number, name] for number, name in self.season_names],
            "ids": self.ids.to_dict(),
            "artwork": [art.to_dict() for art in self.artwork],
            "relations": [relation.to_dict() for relation in self.relations],
            "updated_at": self.updated_at,
            "next_airing": self.next_airing.to_dict() if self.next_airing else None,
            "episode_titles": [[number, title] for number, title in self.episode_titles],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeriesInfo:
        premiered = data.get("premiered")
        return cls(
            ref=ProviderRef(data["ref"]["provider"], data["ref"]["id"]),
            title=data["title"],
            original_title=data.get("original_title"),
            alt_titles=tuple(data.get("alt_titles") or ()),
            plot=data.get("plot"),
            premiered=dt.date.fromisoformat(premiered) if premiered else None,
            year=data.get("year"),
            status=data.get("status"),
            format=data.get("format"),
            genres=tuple(data.get("genres") or ()),
            studios=tuple(data.get("studios") or ()),
            rating=data.get("rating"),
            votes=data.get("votes"),
            episode_count=data.get("episode_count"),
            season_names=tuple((int(n), str(name)) for n, name in data.get("season_names") or ()),
            ids=ProviderIds.from_dict(data.get("ids") or {}),
            artwork=tuple(Artwork.from_dict(a) for a in data.get("artwork") or ()),
            relations=tuple(Relation.from_dict(r) for r in data.get("relations") or ()),
            updated_at=data.get("updated_at"),
            next_airing=Airing.from_dict(data["next_airing"]) if data.get("next_airing")
            else None,
            episode_titles=tuple((int(n), str(title))
                                 for n, title in data.get("episode_titles") or ()),
        )


@attrs.frozen
class EpisodeInfo:
    """One episode as a provider lists it. Season 0 holds specials."""

    number: int
    season: int = 1
    absolute_number: int | None = None
    title: str | None = None
    air_date: dt.date | None = None
    plot: str | None = None
    runtime: int | None = None  # minutes
    #: The moment it airs (UTC), where the provider knows it to the minute: from then on it
    #: counts as aired (with only ``air_date``, from the day after).
    airs_at: dt.datetime | None = None
