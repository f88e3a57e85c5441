"""The series page's episodes grouped by season, as the template draws them.

Only arrangement happens here: which episodes are missing, how episodes are counted and which
entries another folder holds all come from the core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import PurePath

import attrs

from aniworld_core import Episode, ProviderRef, Season, SeasonEntry
from aniworld_web.library import ShowDetail

#: The group of episodes outside the regular seasons (season 0).
SPECIALS = "Specials"


@attrs.frozen
class EntryView:
    """A provider entry behind a season: "AniList 104578 (from episode 13)", or, when another
    library folder holds it, "AniList 20958 in ‹that series›"."""

    label: str
    first_episode: int | None
    elsewhere_id: str | None
    elsewhere_title: str | None


@attrs.frozen
class EpisodeView:
    code: str
    title: str | None
    air_date: dt.date | None
    file_name: str | None
    missing: bool


@attrs.frozen
class SeasonView:
    """One season's heading, the entries behind it, its "present / known" counts (``None``
    for specials, which the core does not count) and the episodes listed under it."""

    number: int
    heading: str
    entries: tuple[EntryView, ...]
    present: int | None
    known: int | None
    episodes: tuple[EpisodeView, ...]

    @property
    def anchor(self) -> str:
        return f"season-{self.number}"

    @property
    def held_elsewhere(self) -> bool:
        """Every entry of the season is in another folder: nothing is listed here."""
        return bool(self.entries) and all(entry.elsewhere_id for entry in self.entries)


def entry_label(ref: ProviderRef, provider_names: Mapping[str, str]) -> str:
    """``AniList 99147``: the provider's display name and the entry's id."""
    return f"{provider_names.get(ref.provider, ref.provider)} {ref.id}"


def season_views(detail: ShowDetail, provider_names: Mapping[str, str]) -> list[SeasonView]:
    """The core's seasons in order, each with its episodes (those of entries another folder
    holds left out), then any episodes outside them (specials last)."""
    by_season: dict[int, list[Episode]] = {}
    for episode in detail.episodes:
        by_season.setdefault(episode.season, []).append(episode)
    missing = detail.missing_numbers()
    views = []
    for season in detail.seasons:
        elsewhere = {entry.ref for entry in season.entries if entry.elsewhere}
        listed = [episode for episode in by_season.pop(season.number, [])
                  if episode.entry is None or episode.entry not in elsewhere]
        views.append(SeasonView(
            season.number, _heading(season),
            tuple(_entry(entry, provider_names) for entry in season.entries),
            season.present, season.known, tuple(_episode(e, missing) for e in listed)))
    for number in sorted(by_season, key=lambda number: (number == 0, number)):
        views.append(SeasonView(
            number, SPECIALS if number == 0 else f"Season {number}", (), None, None,
            tuple(_episode(e, missing) for e in by_season[number])))
    return views


def _heading(season: Season) -> str:
    plain = f"Season {season.number}"
    return plain if season.title in ("", plain) else f"{plain} · {season.title}"


def _entry(entry: SeasonEntry, provider_names: Mapping[str, str]) -> EntryView:
    return EntryView(entry_label(entry.ref, provider_names),
                     entry.offset + 1 if entry.offset else None, entry.elsewhere,
                     entry.elsewhere_title)


def _episode(episode: Episode, missing: frozenset[tuple[int, int]]) -> EpisodeView:
    return EpisodeView(
        f"S{episode.season:02d}E{episode.number:02d}", episode.title, episode.air_date,
        PurePath(episode.file_path).name if episode.file_path else None,
        (episode.season, episode.number) in missing)
