"""Reading a show: its seasons with their entries and counts, missing episodes per season,
files that could not be placed, and the "47/50 episodes" of every series for a list.

Each function runs inside a database session (``Database.session``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from aniworld_core.errors import SeriesNotFound, StateConflict
from aniworld_core.library.seasons import Layout
from aniworld_core.metadata import ProviderRef, SeriesInfo
from aniworld_core.models import Episode, EpisodeCounts, Season, SeasonEntry, UnplacedFile
from aniworld_core.storage.convert import entry_ref, to_episode
from aniworld_core.storage.library_tables import LibrarySeriesRow, SeriesEntryRow
from aniworld_core.storage.show_rows import claimed_elsewhere, claimed_entries
from aniworld_core.storage.tables import EpisodeRow, SeriesRow
from aniworld_core.storage.types import utcnow


def _aired(today: dt.date, now: dt.datetime | None) -> ColumnElement[bool]:
    """Aired: its moment has come (``airs_at``, to the minute), or else it aired before
    ``today`` or has no date at all."""
    moment = now if now is not None else utcnow()
    by_date = EpisodeRow.air_date.is_(None) | (EpisodeRow.air_date < today)
    return case((EpisodeRow.airs_at.is_not(None), EpisodeRow.airs_at <= moment),
                else_=by_date)


def _loaded_series(session: Session, series_id: str) -> tuple[SeriesRow, LibrarySeriesRow]:
    """The series and its library flags, or why its missing episodes are not known: its list
    has not loaded, its folder is gone, or a scan could not read it (then the files it holds
    are not known, and every episode would look missing)."""
    series = session.get(SeriesRow, series_id)
    if series is None:
        raise SeriesNotFound(series_id)
    if series.folder_missing_at is not None:
        raise StateConflict(
            f"The folder of {series.title!r} ({series.folder}) is missing since "
            f"{series.folder_missing_at:%Y-%m-%d %H:%M} UTC; its missing episodes are known "
            "again once the folder is back (or moved where a scan finds it)."
        )
    if series.folder_error is not None:
        raise StateConflict(
            f"The folder of {series.title!r} could not be read at the last scan "
            f"({series.folder_error}); its missing episodes are known again once a scan can "
            "read it."
        )
    flag = session.get(LibrarySeriesRow, series_id)
    if flag is None or not flag.provider_episodes:
        raise StateConflict(
            f"The episode list of {series.title!r} has not been loaded yet; missing "
            "episodes are known once it is."
        )
    return series, flag


def missing_episodes(session: Session, series_id: str, *, today: dt.date,
                     include_specials: bool = False, now: dt.datetime | None = None
                     ) -> list[Episode]:
    """Provider episodes with no file that aired before ``today`` (or have no air date), by
    season and number; episodes of entries another library folder holds are not missing
    here."""
    _loaded_series(session, series_id)
    elsewhere = claimed_elsewhere(session.connection(), series_id)
    query = (
        select(EpisodeRow)
        .where(EpisodeRow.series_id == series_id, EpisodeRow.file_path.is_(None))
        .where(_aired(today, now))
        .order_by(EpisodeRow.season, EpisodeRow.number)
    )
    if not include_specials:
        query = query.where(EpisodeRow.season >= 1)
    return [to_episode(row) for row in session.scalars(query)
            if row.entry is None or row.entry not in elsewhere]


def seasons(session: Session, series_id: str, *, today: dt.date,
            now: dt.datetime | None = None) -> list[Season]:
    """The show's regular seasons in order, with the entries behind each (and where another
    folder holds one) and their aired / present counts (what another folder holds counts
    there, not here). Before the episode list has loaded, the seasons the files name."""
    series = session.get(SeriesRow, series_id)
    if series is None:
        raise SeriesNotFound(series_id)
    elsewhere = claimed_elsewhere(session.connection(), series_id)
    counts: dict[int, list[int]] = {}
    for season, entry, listed, known, present in session.execute(
        select(EpisodeRow.season, EpisodeRow.entry, func.count(),
               func.sum(case((_aired(today, now), 1), else_=0)),
               func.sum(case((_aired(today, now) & EpisodeRow.file_path.is_not(None), 1),
                             else_=0)))
        .where(EpisodeRow.series_id == series_id, EpisodeRow.season >= 1)
        .group_by(EpisodeRow.season, EpisodeRow.entry)
    ):
        total = counts.setdefault(season, [0, 0, 0])
        total[0] += int(listed)
        if entry not in elsewhere:
            total[1] += int(known or 0)
            total[2] += int(present or 0)
    titles = _titles_of(session, set(elsewhere.values()))
    entries: dict[int, list[SeasonEntry]] = {}
    for row in session.scalars(select(SeriesEntryRow)
                               .where(SeriesEntryRow.series_id == series_id)
                               .order_by(SeriesEntryRow.position)):
        info = SeriesInfo.from_dict(row.info)
        holder = elsewhere.get(row.entry)
        entries.setdefault(row.season, []).append(SeasonEntry(
            ref=entry_ref(row.entry) or info.ref, title=info.title, format=info.format,
            episodes=row.episodes, offset=row.part_offset, year=info.year, ids=info.ids,
            elsewhere=holder, elsewhere_title=titles.get(holder) if holder else None))
    result = []
    for number in sorted(set(counts) | set(entries)):
        listed, known, present = counts.get(number, [0, 0, 0])
        held = tuple(entries.get(number, ()))
        title = held[0].title if held else f"Season {number}"
        result.append(Season(number, title, held, known, present, listed))
    return result


def _titles_of(session: Session, series_ids: set[str]) -> dict[str, str]:
    if not series_ids:
        return {}
    rows = session.execute(
        select(SeriesRow.id, SeriesRow.title).where(SeriesRow.id.in_(sorted(series_ids))))
    return dict(rows.all())


def unplaced_files(session: Session, series_id: str) -> list[UnplacedFile]:
    """Video files of the series that name no episode of its list, with the reason (empty
    before the list has loaded: then every file names its own episode)."""
    if session.get(SeriesRow, series_id) is None:
        raise SeriesNotFound(series_id)
    flag = session.get(LibrarySeriesRow, series_id)
    if flag is None or not flag.unplaced:
        return []
    return [UnplacedFile(str(path), str(reason)) for path, reason in flag.unplaced]


def chain_note(session: Session, series_id: str) -> str | None:
    """Why the series' chain of seasons stopped early, if it did."""
    flag = session.get(LibrarySeriesRow, series_id)
    return flag.chain_note if flag is not None else None


def episode_counts(session: Session, series_ids: Sequence[str] | None, *,
                   today: dt.date, now: dt.datetime | None = None
                   ) -> dict[str, EpisodeCounts]:
    """"47/50 episodes" per series whose provider list has loaded (of ``series_ids``, or of
    every series): regular episodes aired (or undated), and how many have a file; episodes of
    an entry another folder holds count there, not here. A series whose folder a scan could
    not read is not counted (its files are not known)."""
    if series_ids is not None and not series_ids:
        return {}
    query = (
        select(EpisodeRow.series_id, EpisodeRow.entry, func.count(),
               func.count(EpisodeRow.file_path))
        .join(LibrarySeriesRow, LibrarySeriesRow.series_id == EpisodeRow.series_id)
        .join(SeriesRow, SeriesRow.id == EpisodeRow.series_id)
        .where(LibrarySeriesRow.provider_episodes, EpisodeRow.season >= 1, _aired(today, now),
               SeriesRow.folder_error.is_(None))
        .group_by(EpisodeRow.series_id, EpisodeRow.entry)
    )
    if series_ids is not None:
        query = query.where(EpisodeRow.series_id.in_(series_ids[:500]))
    claimed = claimed_entries(session.connection(), series_ids)
    totals: dict[str, list[int]] = {}
    for series_id, entry, known, present in session.execute(query):
        total = totals.setdefault(series_id, [0, 0])
        if entry is None or entry not in claimed.get(series_id, {}):
            total[0] += int(known)
            total[1] += int(present)
    return {series_id: EpisodeCounts(known, present)
            for series_id, (known, present) in totals.items()}


def entry_titles(session: Session, series_id: str) -> dict[ProviderRef, SeriesInfo]:
    """The metadata of each entry of the show, by ref (for season NFOs and posters)."""
    return {entry_ref(row.entry) or ProviderRef("", ""): SeriesInfo.from_dict(row.info)
            for row in session.scalars(select(SeriesEntryRow)
                                       .where(SeriesEntryRow.series_id == series_id)
                                       .order_by(SeriesEntryRow.position))}



@attrs.frozen
class ShowOutline:
    """How a folder holds its show, and each season with the entry that begins it."""

    layout: Layout | None
    seasons: tuple[tuple[int, SeriesInfo], ...] = ()


def outline(session: Session, series_id: str) -> ShowOutline:
    """The show's layout and seasons (for NFO files and season posters)."""
    flag = session.get(LibrarySeriesRow, series_id)
    layout = Layout(flag.layout) if flag is not None and flag.layout else None
    first: dict[int, SeriesInfo] = {}
    for row in session.scalars(select(SeriesEntryRow)
                               .where(SeriesEntryRow.series_id == series_id)
                               .order_by(SeriesEntryRow.position)):
        if row.season not in first:
            first[row.season] = SeriesInfo.from_dict(row.info)
    return ShowOutline(layout, tuple(sorted(first.items(), key=lambda item: item[0])))
