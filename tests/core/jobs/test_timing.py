"""When schedules run: cron in a time zone across daylight-saving changes, and every N s.

Europe/Berlin in 2026: on 29 March clocks go from 02:00 CET (+01:00) to 03:00 CEST (+02:00),
so 02:00–02:59 does not exist; on 25 October they go back from 03:00 CEST to 02:00 CET, so
02:00–02:59 happens twice. What these tests pin:

- a cron time that does not exist that day runs at the first moment after the gap (03:00
  CEST), once, and at its usual time again the next day (croniter's behaviour);
- a fixed cron time in the repeated hour runs once, at its first occurrence (CEST): croniter
  alone would run "30 2 * * *" twice that night, which ``Timing.next_after`` skips;
- cron times with a wildcard minute or hour ("*/30 * * * *", "0 * * * *") keep to elapsed
  time and run in both occurrences of the repeated hour;
- ``every`` is elapsed time: a day later is 24 hours later, whatever the wall clock says.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from aniworld_core.errors import InvalidInput
from aniworld_core.jobs import Timing

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def berlin(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=BERLIN)


def runs(timing: Timing, start: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` runs after ``start``, each from the one before (as fired)."""
    found = []
    moment = start
    for _ in range(count):
        moment = timing.next_after(moment)
        found.append(moment)
    return found


def cron(expression: str) -> Timing:
    return Timing.check(every=None, cron=expression, timezone="Europe/Berlin")


def test_a_time_skipped_in_spring_runs_at_the_end_of_the_gap() -> None:
    assert runs(cron("30 2 * * *"), berlin(2026, 3, 27, 12), 3) == [
        utc(2026, 3, 28, 1, 30),  # 02:30 CET
        utc(2026, 3, 29, 1, 0),  # 02:30 does not exist: 03:00 CEST
        utc(2026, 3, 30, 0, 30),  # 02:30 CEST
    ]


def test_three_o_clock_stays_three_o_clock_across_spring() -> None:
    found = runs(cron("0 3 * * *"), berlin(2026, 3, 27, 12), 3)
    assert found == [utc(2026, 3, 28, 2), utc(2026, 3, 29, 1), utc(2026, 3, 30, 1)]
    assert [moment.astimezone(BERLIN).strftime("%H:%M %Z") for moment in found] == [
        "03:00 CET", "03:00 CEST", "03:00 CEST"]


def test_a_time_repeated_in_autumn_runs_once() -> None:
    assert runs(cron("30 2 * * *"), berlin(2026, 10, 24, 12), 3) == [
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST, the first of the two
        utc(2026, 10, 26, 1, 30),  # 02:30 CET the next day; not 01:30 UTC on the 25th
        utc(2026, 10, 27, 1, 30),
    ]


def test_a_time_repeated_in_autumn_runs_once_even_when_seen_between_the_two() -> None:
    """A process that starts between the two 02:30s (after the first ran) plans the next
    day's, not the second 02:30."""
    between = utc(2026, 10, 25, 1, 0)  # 02:00 CET, after 02:30 CEST
    assert cron("30 2 * * *").next_after(between) == utc(2026, 10, 26, 1, 30)


def test_three_o_clock_stays_three_o_clock_across_autumn() -> None:
    found = runs(cron("0 3 * * *"), berlin(2026, 10, 24, 0), 3)
    assert found == [utc(2026, 10, 24, 1), utc(2026, 10, 25, 2), utc(2026, 10, 26, 2)]
    assert [moment.astimezone(BERLIN).strftime("%H:%M %Z") for moment in found] == [
        "03:00 CEST", "03:00 CET", "03:00 CET"]


def test_wildcard_times_follow_elapsed_time_through_the_repeated_hour() -> None:
    assert runs(cron("*/30 * * * *"), utc(2026, 10, 24, 23, 45), 5) == [
        utc(2026, 10, 25, 0, 0),  # 02:00 CEST
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST
        utc(2026, 10, 25, 1, 0),  # 02:00 CET
        utc(2026, 10, 25, 1, 30),  # 02:30 CET
        utc(2026, 10, 25, 2, 0),  # 03:00 CET
    ]
    assert runs(cron("0 * * * *"), utc(2026, 10, 24, 23, 30), 3) == [
        utc(2026, 10, 25, 0), utc(2026, 10, 25, 1), utc(2026, 10, 25, 2)]


def test_wildcard_times_skip_the_missing_hour_in_spring() -> None:
    assert runs(cron("0 * * * *"), utc(2026, 3, 28, 23, 30), 3) == [
        utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)]  # 01:00 CET, 03:00,
    # 04:00 CEST: the hour from 02:00 never was


def test_every_is_elapsed_time_across_a_change() -> None:
    daily = Timing.check(every=86400, cron=None, timezone="Europe/Berlin")
    after = daily.next_after(berlin(2026, 3, 28, 12))
    assert after == utc(2026, 3, 29, 11)
    assert after.astimezone(BERLIN).hour == 13  # the wall clock moved on an hour


def test_cron_in_utc_is_plain() -> None:
    nightly = Timing.check(every=None, cron="0 3 * * *", timezone="UTC")
    assert runs(nightly, utc(2026, 3, 28, 12), 2) == [utc(2026, 3, 29, 3),
                                                      utc(2026, 3, 30, 3)]


def test_next_runs_are_strictly_after_the_moment() -> None:
    assert cron("0 3 * * *").next_after(utc(2026, 1, 5, 2)) == utc(2026, 1, 6, 2)
    assert Timing.check(every=60, cron=None).next_after(utc(2026, 1, 5)) == utc(2026, 1, 5, 0, 1)


@pytest.mark.parametrize(("every", "expression", "timezone", "field"), [
    (0, None, "UTC", "every"),
    (0.999, None, "UTC", "every"),
    (float("nan"), None, "UTC", "every"),
    (True, None, "UTC", "every"),
    (400 * 86400, None, "UTC", "every"),
    (None, None, "UTC", "every"),
    (60, "* * * * *", "UTC", "cron"),
    (None, "0 0 30 2 *", "UTC", "cron"),
    (None, "0 0 31 11 *", "UTC", "cron"),
    (None, "* * * *", "UTC", "cron"),
    (None, "0 0 * * * *", "UTC", "cron"),
    (None, "60 * * * *", "UTC", "cron"),
    (None, "   ", "UTC", "cron"),
    (None, "0 3 * * *", "Europe/Atlantis", "timezone"),
    (None, "0 3 * * *", "", "timezone"),
    (60, None, "../../etc/passwd", "timezone"),
])
def test_unusable_timings_name_the_field(every: float | None, expression: str | None,
                                         timezone: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        Timing.check(every=every, cron=expression, timezone=timezone)
    assert raised.value.field == field


def test_a_leap_day_schedule_is_accepted() -> None:
    """The 29th of February comes every four years: rare, but it fires."""
    leap = Timing.check(every=None, cron="0 0 29 2 *", timezone="UTC")
    assert leap.next_after(utc(2026, 1, 1)) == utc(2028, 2, 29)
