"""What the engine refuses at the edge: nothing is stored when it raises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from aniworld_core.errors import InvalidInput, QueueFull
from aniworld_core.jobs import Engine, JobContext, JobState, Kind

pytestmark = pytest.mark.anyio


async def _noop(context: JobContext) -> None:
    return None


def _check_count(payload: Mapping[str, Any]) -> dict[str, Any]:
    count = payload.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidInput("'count' must be a positive whole number.", field="payload.count")
    return {"count": count}


async def nothing_stored(engine: Engine) -> None:
    assert await engine.store.jobs() == []
    assert await engine.schedules.all() == []


async def test_a_full_queue_refuses_new_jobs(engine: Engine) -> None:
    """``max_pending`` jobs of a kind waiting: the next add raises ``QueueFull`` and stores
    nothing; a duplicate of a waiting job's key still gets that job; other kinds are not
    affected."""
    engine.register(Kind("test.capped", _noop, max_pending=3))
    engine.register(Kind("test.other", _noop))
    waiting = [await engine.add("test.capped", {"n": n}, key=f"k{n}") for n in range(3)]
    with pytest.raises(QueueFull) as raised:
        await engine.add("test.capped", {"n": 3})
    assert (raised.value.kind, raised.value.limit) == ("test.capped", 3)
    assert (await engine.add("test.capped", key="k1")).id == waiting[1].id
    await engine.add("test.other")
    jobs = await engine.store.jobs(kind="test.capped")
    assert sorted(job.id for job in jobs) == [job.id for job in waiting]

    await engine.cancel(waiting[0].id)  # one fewer waiting: room for one more
    assert (await engine.add("test.capped", {"n": 4})).state is JobState.PENDING


async def test_an_unknown_kind_is_invalid_input(engine: Engine) -> None:
    engine.register(Kind("test.known", _noop))
    with pytest.raises(InvalidInput) as raised:
        await engine.add("test.unknown", {})
    assert raised.value.field == "kind"
    assert "test.known" in str(raised.value)
    await nothing_stored(engine)


@pytest.mark.parametrize(("payload", "field"), [
    ({"count": "three"}, "payload.count"),
    ({}, "payload.count"),
    (["not", "an", "object"], "payload"),
])
async def test_a_malformed_payload_is_invalid_input(engine: Engine, payload: Any,
                                                    field: str) -> None:
    engine.register(Kind("test.counted", _noop, check_payload=_check_count))
    with pytest.raises(InvalidInput) as raised:
        await engine.add("test.counted", payload)
    assert raised.value.field == field
    await nothing_stored(engine)


async def test_a_checked_payload_is_stored_normalised(engine: Engine) -> None:
    engine.register(Kind("test.counted", _noop, check_payload=_check_count))
    job = await engine.add("test.counted", {"count": 2, "extra": "dropped"})
    assert job.payload == {"count": 2}
    assert (await engine.get(job.id)).payload == {"count": 2}


async def test_a_bad_key_is_invalid_input(engine: Engine) -> None:
    engine.register(Kind("test.noop", _noop))
    for key in ("", "x" * 201):
        with pytest.raises(InvalidInput) as raised:
            await engine.add("test.noop", key=key)
        assert raised.value.field == "key"
    await nothing_stored(engine)


@pytest.mark.parametrize(("timing", "field"), [
    ({"every": 0}, "every"),
    ({"every": 0.5}, "every"),
    ({"every": -60}, "every"),
    ({"cron": "0 0 30 2 *"}, "cron"),  # the 30th of February never comes
    ({"cron": "61 * * * *"}, "cron"),
    ({"cron": "@daily"}, "cron"),
    ({"every": 60, "timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"cron": "0 3 * * *", "timezone": "Europe/Berlinn"}, "timezone"),
    ({}, "every"),
])
async def test_a_schedule_that_cannot_work_is_invalid_input(engine: Engine,
                                                            timing: dict[str, Any],
                                                            field: str) -> None:
    engine.register(Kind("test.noop", _noop))
    with pytest.raises(InvalidInput) as raised:
        await engine.define_schedule("nightly", "test.noop", **timing)
    assert raised.value.field == field
    await nothing_stored(engine)


async def test_a_schedule_of_an_unknown_kind_or_bad_payload_is_invalid_input(
        engine: Engine) -> None:
    engine.register(Kind("test.counted", _noop, check_payload=_check_count))
    with pytest.raises(InvalidInput) as raised:
        await engine.define_schedule("nightly", "test.unknown", every=60)
    assert raised.value.field == "kind"
    with pytest.raises(InvalidInput) as raised:
        await engine.define_schedule("nightly", "test.counted", {"count": 0}, every=60)
    assert raised.value.field == "payload.count"
    with pytest.raises(InvalidInput) as raised:
        await engine.define_schedule("", "test.counted", {"count": 1}, every=60)
    assert raised.value.field == "name"
    await nothing_stored(engine)


async def test_a_schedule_change_that_cannot_work_changes_nothing(engine: Engine) -> None:
    engine.register(Kind("test.noop", _noop))
    defined = await engine.define_schedule("nightly", "test.noop", cron="0 3 * * *",
                                           timezone="Europe/Berlin")
    for change, field in [({"every": 0}, "every"), ({"cron": "0 0 31 4 *"}, "cron"),
                          ({"timezone": "Nowhere/Special"}, "timezone")]:
        with pytest.raises(InvalidInput) as raised:
            await engine.change_schedule("nightly", **change)
        assert raised.value.field == field
    assert await engine.schedules.all() == [defined]
