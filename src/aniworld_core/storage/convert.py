"""Rows to models and models to column values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from aniworld_core.metadata import ID_TYPES, ProviderIds, ProviderRef, SeriesInfo
from aniworld_core.models import Episode, LoadingStatus, Series, StepResult
from aniworld_core.storage.tables import EpisodeRow, SeriesRow


def id_columns(ids: ProviderIds) -> dict[str, Any]:
    """Column values for every id type (``None`` for the unset ones) and ``extra_ids``."""
    columns: dict[str, Any] = {f"{id_type}_id": ids.get(id_type) for id_type in ID_TYPES}
    columns["extra_ids"] = dict(ids.extra)
    return columns


def ids_of(row: SeriesRow) -> ProviderIds:
    return ProviderIds(
        anilist=row.anilist_id,
        mal=row.mal_id,
        anidb=row.anidb_id,
        tvdb=row.tvdb_id,
        tmdb=row.tmdb_id,
        imdb=row.imdb_id,
        extra=dict(row.extra_ids or {}),
    )


def to_series(row: SeriesRow) -> Series:
    return Series(
        id=row.id,
        title=row.title,
        folder=row.folder,
        library_root=row.library_root,
        year=row.year,
        ids=ids_of(row),
        loading_status=LoadingStatus(row.loading_status),
        episodes_loaded=row.episodes_loaded,
        nfo_loaded=row.nfo_loaded,
        logo_loaded=row.logo_loaded,
        images_loaded=row.images_loaded,
        loading_started_at=row.loading_started_at,
        loading_completed_at=row.loading_completed_at,
        loading_error=row.loading_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        metadata=SeriesInfo.from_dict(row.series_metadata) if row.series_metadata else None,
        folder_missing_at=row.folder_missing_at,
        needs_choice=bool(row.needs_choice),
    )


def to_episode(row: EpisodeRow) -> Episode:
    return Episode(
        series_id=row.series_id,
        season=row.season,
        number=row.number,
        absolute_number=row.absolute_number,
        title=row.title,
        air_date=row.air_date,
        plot=row.plot,
        file_path=row.file_path,
        entry=entry_ref(row.entry),
        entry_number=row.entry_number,
    )


def entry_ref(entry: str | None) -> ProviderRef | None:
    """``"anilist:20958"`` as a ref (what ``episodes.entry`` and ``series_entries.entry``
    hold)."""
    if not entry:
        return None
    provider, _, ident = entry.partition(":")
    return ProviderRef(provider, ident)


def entry_key(ref: ProviderRef) -> str:
    """A ref as ``episodes.entry`` stores it."""
    return f"{ref.provider}:{ref.id}"


_NOT_ON_THE_MODEL = frozenset({"failed_inputs", "folder_error"})


def result_columns(result: StepResult) -> dict[str, Any]:
    """The column values a step's result writes."""
    columns: dict[str, Any] = {f"{part.value}_loaded": True for part in result.done}
    if result.metadata is not None:
        columns["series_metadata"] = result.metadata.to_dict()
    if result.ids is not None:
        columns.update(id_columns(result.ids))
    if result.title is not None:
        columns["title"] = result.title
    if result.year is not None:
        columns["year"] = result.year
    if result.needs_choice is not None:
        columns["needs_choice"] = result.needs_choice
    return columns


def evolve_series(series: Series, columns: Mapping[str, Any]) -> Series:
    """``series`` as it is after writing ``columns`` (column names and values) to its row."""
    changes: dict[str, Any] = {}
    ids = series.ids
    for column, value in columns.items():
        if column == "extra_ids":
            ids = ProviderIds(**{t: ids.get(t) for t in ID_TYPES}, extra=dict(value or {}))
        elif column.endswith("_id") and column.removesuffix("_id") in ID_TYPES:
            ids = ids.with_id(column.removesuffix("_id"), value)
        elif column == "series_metadata":
            changes["metadata"] = SeriesInfo.from_dict(value) if value else None
        elif column == "loading_status":
            changes["loading_status"] = LoadingStatus(value)
        elif column not in _NOT_ON_THE_MODEL:
            changes[column] = value
    return attrs.evolve(series, ids=ids, **changes)

