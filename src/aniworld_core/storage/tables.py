"""The database schema as typed SQLAlchemy ORM classes.

Migrations under ``migrations/versions`` create exactly this; a test compares the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aniworld_core.storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class SeriesRow(Base):
    """A series and the state of its background load (the load itself is a ``series.load``
    job of the engine: see ``load_queue``)."""

    __tablename__ = "series"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    library_root: Mapped[str | None] = mapped_column(Text)
    folder: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    anilist_id: Mapped[str | None] = mapped_column(String(32), index=True)
    mal_id: Mapped[str | None] = mapped_column(String(32), index=True)
    anidb_id: Mapped[str | None] = mapped_column(String(32))
    tvdb_id: Mapped[str | None] = mapped_column(String(32))
    tmdb_id: Mapped[str | None] = mapped_column(String(32))
    imdb_id: Mapped[str | None] = mapped_column(String(32))
    extra_ids: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    series_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    loading_status: Mapped[str] = mapped_column(String(20), index=True)
    episodes_loaded: Mapped[bool] = mapped_column(default=False)
    nfo_loaded: Mapped[bool] = mapped_column(default=False)
    logo_loaded: Mapped[bool] = mapped_column(default=False)
    images_loaded: Mapped[bool] = mapped_column(default=False)
    loading_started_at: Mapped[dt.datetime | None]
    loading_completed_at: Mapped[dt.datetime | None]
    loading_error: Mapped[str | None] = mapped_column(Text)
    #: For a load that failed with an error trying again cannot fix: what it was tried with
    #: (folder, title, year, providers), so it is tried again only once one of them changed.
    failed_inputs: Mapped[str | None] = mapped_column(String(64))
    #: Why the last scan could not read the series' folder (or a folder in it); its missing
    #: episodes are unknown while this is set.
    folder_error: Mapped[str | None] = mapped_column(Text)
    #: When a scan found the series' folder gone (and no folder it moved to).
    folder_missing_at: Mapped[dt.datetime | None]
    #: Identification failed in a way only the user can settle (``Series.needs_choice``).
    needs_choice: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    __table_args__ = (
        UniqueConstraint("library_root", "folder", name="uq_series_folder"),
    )


class EpisodeRow(Base):
    """An episode a provider lists or a file on disk has; ``file_path`` is null when missing."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    season: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    absolute_number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    air_date: Mapped[dt.date | None] = mapped_column(Date)
    #: The moment it airs, where a provider says (the next episode of an airing show); from
    #: then on it counts as aired, whatever ``air_date`` says.
    airs_at: Mapped[dt.datetime | None]
    plot: Mapped[str | None] = mapped_column(Text)
    file_path: Mapped[str | None] = mapped_column(Text)
    #: The provider entry it belongs to (``anilist:20958``) and its number there, when the
    #: show is built from a chain of entries.
    entry: Mapped[str | None] = mapped_column(String(64))
    entry_number: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("series_id", "season", "number", name="uq_episode_number"),
    )


# The library's tables live in their own module; importing it adds them to Base.metadata.
from aniworld_core.storage import budget_tables as _budget_tables  # noqa: E402, F401
from aniworld_core.storage import download_tables as _download_tables  # noqa: E402, F401
from aniworld_core.storage import job_tables as _job_tables  # noqa: E402, F401
from aniworld_core.storage import library_tables as _library_tables  # noqa: E402, F401
from aniworld_core.storage import process_tables as _process_tables  # noqa: E402, F401
