"""The table where the processes that share a database publish their metrics (see
:mod:`aniworld_core.storage.process_metrics_store`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from aniworld_core.storage.tables import Base


class ProcessMetricsRow(Base):
    """One process's latest metrics snapshot (``LoaderMetrics.to_json()``), rewritten every
    few seconds while it runs (``updated_at`` on the database's clock) and deleted when it
    closes; a row long out of date belongs to a process that died."""

    __tablename__ = "process_metrics"

    process: Mapped[str] = mapped_column(String(120), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    leader: Mapped[bool]
    updated_at: Mapped[dt.datetime]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
