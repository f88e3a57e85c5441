"""A compact way to write catalogue entries as Python literals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aniworld_testing.dataset._model import SeriesRecord


def series(
    ids: tuple[int, int | None],
    titles: tuple[str, str | None, str | None],
    kind: tuple[str, str, int | None, int | None],
    dates: tuple[str, str | None],
    studio: str,
    genres: tuple[str, ...],
    description: str,
    **extra: Any,
) -> SeriesRecord:
    """``ids=(anilist, mal)``, ``titles=(romaji, english, native)``,
    ``kind=(format, status, episodes, minutes)``, ``dates=("yyyy-mm-dd", end or None)``.

    ``aired`` defaults to the episode count; ``description`` paragraphs are separated by
    blank lines.
    """
    anilist_id, mal_id = ids
    romaji, english, native = titles
    fmt, status, episodes, duration = kind
    start, end = dates
    aired = extra.pop("aired", episodes or 0)
    return SeriesRecord(
        anilist_id=anilist_id,
        mal_id=mal_id,
        romaji=romaji,
        english=english,
        native=native,
        format=fmt,
        status=status,
        episodes=episodes,
        aired_episodes=aired,
        duration=duration,
        start_date=dt.date.fromisoformat(start),
        end_date=dt.date.fromisoformat(end) if end else None,
        studio=studio,
        genres=genres,
        description=description,
        **extra,
    )
