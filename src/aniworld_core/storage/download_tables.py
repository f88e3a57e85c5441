"""Tables of downloads and imports. Part of ``Base.metadata`` (``tables.py`` imports this).
Only ``aniworld_core.downloads`` writes them.

A download is a job of the engine (``episode.download``): ``downloads`` keeps what the job row
cannot (bytes as big integers, the offer, where its ``.part`` file is, whether a person paused
it). ``series_sources`` holds what a user set for a source on one series (the ``http``
source's URL template). ``imports`` records every file of the downloads folder that was
imported (so a hard-linked file still there is not imported twice) or could not be matched.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aniworld_core.storage.tables import Base


class DownloadRow(Base):
    __tablename__ = "downloads"

    #: The id of its ``episode.download`` job.
    job_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    series_id: Mapped[str] = mapped_column(String(36), index=True)
    season: Mapped[int] = mapped_column(Integer)
    #: The episode numbers (several for a multi-episode file), a JSON list.
    episodes: Mapped[list[int]] = mapped_column(JSON)
    absolute: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))
    offer: Mapped[dict[str, Any]] = mapped_column(JSON)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int | None] = mapped_column(BigInteger)
    #: The ``.part`` file while it exists (absolute).
    part_path: Mapped[str | None] = mapped_column(Text)
    #: The imported file, relative to the series folder.
    path: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class SeriesSourceRow(Base):
    __tablename__ = "series_sources"

    series_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime]


class ImportRow(Base):
    """A file of the downloads folder, by path, size and modification time (a file replaced
    under the same name is new)."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text, index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    #: ``imported`` or ``pending`` (could not be matched; ``reason`` says why).
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    series_id: Mapped[str | None] = mapped_column(String(36))
    #: Where it went, relative to the series folder.
    target: Mapped[str | None] = mapped_column(Text)
    guess: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seen_at: Mapped[dt.datetime]
