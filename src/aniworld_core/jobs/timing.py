"""When a schedule runs next: every N seconds, or by a cron expression in a time zone.

A schedule that was due while nothing ran (the machine was off) runs once when it is seen, and
its next run is computed from then: a daily schedule missed for three days runs once, not three
times. Cron times are local to the schedule's time zone, so "every day at 03:00" stays at 03:00
across daylight-saving changes (a time that does not exist that day runs at the next one, and
a fixed time of day in the hour repeated when clocks go back runs once, at its first occurrence).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import attrs
from croniter import CroniterBadCronError, croniter

from aniworld_core.errors import InvalidInput

#: The shortest period of an every-N schedule.
MIN_EVERY = 1.0
#: A cron expression must fire within this many days (``0 0 30 2 *`` never does).
CRON_HORIZON_DAYS = 366 * 4


@functools.cache
def time_zones() -> frozenset[str]:
    """The IANA time zone names this machine knows (what a schedule's ``timezone`` may be)."""
    return frozenset(zoneinfo.available_timezones())


@attrs.frozen
class Timing:
    """Validated timing of a schedule: exactly one of ``every`` and ``cron``."""

    every: float | None
    cron: str | None
    timezone: str

    @classmethod
    def check(cls, *, every: float | None, cron: str | None, timezone: str = "UTC") -> Timing:
        """Raise :class:`InvalidInput` naming the field when the timing is unusable."""
        try:
            if timezone not in time_zones():
                raise zoneinfo.ZoneInfoNotFoundError(timezone)
            zone = zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidInput(f"Unknown time zone {timezone!r} (use a name like "
                               "'Europe/Berlin' or 'UTC').", field="timezone") from None
        if (every is None) == (cron is None or not cron.strip()):
            raise InvalidInput("A schedule needs exactly one of 'every' (seconds) and 'cron'.",
                               field="every" if cron is None else "cron")
        if every is not None:
            if isinstance(every, bool) or not isinstance(every, int | float) or every != every:
                raise InvalidInput("'every' must be a number of seconds.", field="every")
            if every < MIN_EVERY:
                raise InvalidInput(f"'every' must be at least {MIN_EVERY:g} s, not {every:g}.",
                                   field="every")
            if every > 366 * 86400:
                raise InvalidInput("'every' must be at most a year.", field="every")
            return cls(float(every), None, timezone)
        assert cron is not None
        expression = " ".join(cron.split())
        try:
            valid = croniter.is_valid(expression) and len(expression.split()) == 5
        except (CroniterBadCronError, ValueError):
            valid = False
        if not valid:
            raise InvalidInput(f"Not a cron expression of five fields: {cron!r}.", field="cron")
        timing = cls(None, expression, timezone)
        start = dt.datetime(2026, 1, 1, tzinfo=zone)
        try:
            first = timing.next_after(start)
        except (CroniterBadCronError, ValueError, KeyError):
            first = None
        if first is None or first - start > dt.timedelta(days=CRON_HORIZON_DAYS):
            raise InvalidInput(f"The cron expression {cron!r} never fires.", field="cron")
        return timing

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first run strictly after ``moment`` (an aware datetime), in UTC."""
        if self.every is not None:
            # In UTC: added to a local time, a timedelta is wall-clock time (23 or 25 hours
            # in a day of a daylight-saving change).
            return moment.astimezone(dt.UTC) + dt.timedelta(seconds=self.every)
        assert self.cron is not None
        zone = zoneinfo.ZoneInfo(self.timezone)
        times = croniter(self.cron, moment.astimezone(zone), max_years_between_matches=5)
        minute, hour = self.cron.split()[:2]
        while True:
            found = times.get_next(dt.datetime)
            if found.tzinfo is None:
                found = found.replace(tzinfo=zone)
            local = found.astimezone(zone)
            # The hour repeated when clocks go back: a fixed time of day ("30 2 * * *") ran
            # at its first occurrence already; wildcard ones ("*/30 * * * *") run in both.
            if not (local.fold and local.utcoffset() != local.replace(fold=0).utcoffset()
                    and not minute.startswith("*") and not hour.startswith("*")):
                return found.astimezone(dt.UTC)
