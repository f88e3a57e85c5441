"""The shared rate budget's tables (see :mod:`aniworld_core.storage.rate_budget`): the turns
handed out to every process, and the pauses a server asked for."""

from __future__ import annotations

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aniworld_core.storage.tables import Base


class RateTurnRow(Base):
    """One turn: a wall-clock moment (unix seconds) at which some process may send a request
    to ``provider``. Kept for the provider's longest window, then deleted."""

    __tablename__ = "rate_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_rate_turns_provider_at", "provider", "at"),)


class RatePauseRow(Base):
    """No turn for ``provider`` before ``until`` (unix seconds): a server asked to wait."""

    __tablename__ = "rate_pauses"

    provider: Mapped[str] = mapped_column(String(64), primary_key=True)
    until: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
