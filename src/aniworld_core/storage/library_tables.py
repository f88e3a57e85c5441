"""Tables of the library scan: the folders seen, the video files found, and whether a series'
episode list came from a provider. Part of ``Base.metadata`` (``tables.py`` imports this)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aniworld_core.storage.tables import Base


class LibrarySeriesRow(Base):
    """Per series: whether ``episodes`` holds a provider's list (else it holds the files' own
    numbers, written by the scan before any provider answered)."""

    __tablename__ = "library_series"

    series_id: Mapped[str] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    provider_episodes: Mapped[bool] = mapped_column(default=False)
    episodes_saved_at: Mapped[dt.datetime | None]
    #: How the folder holds the show (``seasons.Layout``); null before an episode list.
    layout: Mapped[str | None] = mapped_column(String(16))
    #: Why the chain of seasons stopped early (a relation cycle, too long), if it did.
    chain_note: Mapped[str | None] = mapped_column(Text)
    #: ``[[path, reason], ...]``: regular files that name no episode, as the last link found.
    unplaced: Mapped[list[Any] | None] = mapped_column(JSON)


class SeriesEntryRow(Base):
    """A provider entry backing (part of) a season of a show, in chain order: AniList lists
    Attack on Titan's "Season 3" and "Season 3 Part 2" as two entries of show season 3."""

    __tablename__ = "series_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    #: ``provider:id``, e.g. ``anilist:20958`` (what ``episodes.entry`` holds).
    entry: Mapped[str] = mapped_column(String(64), index=True)
    season: Mapped[int] = mapped_column(Integer)
    #: Episodes of the same season before this entry.
    part_offset: Mapped[int] = mapped_column(Integer, default=0)
    #: Its episode count (the larger of what the provider plans and lists).
    episodes: Mapped[int] = mapped_column(Integer, default=0)
    #: Its title makes it the next part of the previous entry.
    continues: Mapped[bool] = mapped_column(default=False)
    #: The entry's ``SeriesInfo.to_dict()``: titles, plot, cover, ids, format, year.
    info: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("series_id", "position", name="uq_series_entry"),)


class LibraryFolderRow(Base):
    """A folder of a series as last listed; an unchanged ``mtime_ns`` means it is not listed
    again. ``mtime_ns`` is null when the folder changed too recently to be trusted."""

    __tablename__ = "library_folders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)  # relative to the series folder; "" is the folder
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("series_id", "path", name="uq_library_folder"),)


class LibraryFileRow(Base):
    """A video file found in a series folder, with what its name says."""

    __tablename__ = "library_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(Text)  # relative to the series folder
    path: Mapped[str] = mapped_column(Text)  # relative to the series folder, POSIX separators
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    season: Mapped[int | None] = mapped_column(Integer)
    episode: Mapped[int | None] = mapped_column(Integer)
    episode_end: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(Integer)
    special: Mapped[bool] = mapped_column(default=False)

    # Paths are unique per series by construction (a folder's rows are replaced as a whole);
    # an index on the series alone keeps inserts of 100,000 files cheap.
    __table_args__ = (Index("ix_library_files_series_id", "series_id"),)


class LibraryRootRow(Base):
    """A library root added at run time (the settings' roots are not stored). ``path`` is the
    resolved, absolute path (``library_root_key``); roots are listed in the order added."""

    __tablename__ = "library_roots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime]

    __table_args__ = (UniqueConstraint("path", name="uq_library_root_path"),)
