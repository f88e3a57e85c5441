"""Series loads as jobs of the engine (kind ``series.load``, key ``series:<id>``), queued inside
the transaction that makes them due (adding a series, a scan, identifying one), so a series and
its load job are written together or not at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from aniworld_core.errors import InvalidInput
from aniworld_core.storage.job_tables import JobRow, new_job_values
from aniworld_core.storage.tables import Base
from aniworld_core.storage.types import utcnow

SERIES_LOAD = "series.load"
#: ``refresh`` of a load that fetches only the show's metadata and episode list again.
EPISODES_ONLY = "episodes"
#: The kind of an airing check, which queues a load when an episode has aired (see
#: ``aniworld_core.refresh.airing``); a series' checks have keys starting with
#: :func:`check_prefix`.
AIRING_CHECK = "series.airing"


def check_prefix(series_id: str) -> str:
    """The start of the keys of a series' airing checks."""
    return f"airing:{series_id}:"


def checked_airing(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What an airing check (and the load it queues) says it is about: ``entry``,
    ``episode`` and ``tries``, checked (:class:`InvalidInput` naming ``payload``)."""
    entry, episode, tries = payload.get("entry"), payload.get("episode"), payload.get("tries", 0)
    if not isinstance(entry, str) or not entry:
        raise InvalidInput("'entry' must name a provider entry.", field="payload")
    if isinstance(episode, bool) or not isinstance(episode, int) or episode < 1:
        raise InvalidInput("'episode' must be a positive number.", field="payload")
    if isinstance(tries, bool) or not isinstance(tries, int) or tries < 0:
        raise InvalidInput("'tries' must be a number.", field="payload")
    return {"entry": entry, "episode": episode, "tries": tries}
JOBS = Base.metadata.tables[JobRow.__tablename__]
#: Ids per statement.
_CHUNK = 500


def load_key(series_id: str) -> str:
    """The key of a series' load job: at most one is live per series."""
    return f"series:{series_id}"


def series_of(key: str | None) -> str | None:
    """The series id of a load job's key."""
    return key.removeprefix("series:") if key and key.startswith("series:") else None


def queue_loads(session: Session, series_ids: Sequence[str], *, priority: int,
                refresh: bool | str = False, new: bool = False,
                airing: Mapping[str, Any] | None = None) -> list[str]:
    """Queue a load of each series that has no live one (a live one only has its priority
    raised); returns the ids of the series queued now. ``refresh``: load everything again,
    what is loaded already included (kept until its replacement is saved); or
    :data:`EPISODES_ONLY`: the metadata and episode list (a live load loads them anyway).
    ``new``: the series were just added, so none has a load yet (nothing to look up).
    ``airing``: the airing check the loads answer (see ``refresh.airing``)."""
    now = utcnow()
    queued: list[str] = []
    for start in range(0, len(series_ids), _CHUNK):
        chunk = list(dict.fromkeys(series_ids[start:start + _CHUNK]))
        keys = {load_key(series_id): series_id for series_id in chunk}
        live = set() if new else set(session.scalars(
            select(JobRow.live_key).where(JobRow.live_key.in_(keys))))
        if live:
            session.execute(update(JobRow)
                            .where(JobRow.live_key.in_(live), JobRow.priority > priority)
                            .values(priority=priority, updated_at=now)
                            .execution_options(synchronize_session=False))
            if refresh is True:  # a pending load becomes a refresh; a running one stays
                for key in filter(None, live):
                    session.execute(update(JobRow)
                                    .where(JobRow.live_key == key, JobRow.state == "pending")
                                    .values(payload={"series_id": keys[key], "refresh": True})
                                    .execution_options(synchronize_session=False))
        fresh = [key for key in keys if key not in live]
        if fresh:
            extra: dict[str, Any] = {"refresh": refresh} if refresh else {}
            if airing is not None:
                extra["airing"] = dict(airing)
            session.connection().execute(insert(JOBS), [
                new_job_values(SERIES_LOAD, key=key, priority=priority, now=now,
                               payload={"series_id": keys[key], **extra})
                for key in fresh])
            queued.extend(keys[key] for key in fresh)
    return queued
