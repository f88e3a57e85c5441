"""Server-side rate limiting and the request record, on a clock the test controls."""

from __future__ import annotations

import pytest

from aniworld_core.providers.base import RateLimit
from aniworld_testing import FakeOptions, RequestRecord, RequestStats
from aniworld_testing._limits import Limiter


def verdicts(options: FakeOptions, times: list[float]) -> list[int]:
    """0 for each accepted request, else its Retry-After."""
    limiter = Limiter()
    return [0 if (a := limiter.admit(options, t)).allowed else a.retry_after for t in times]


def test_a_window_refuses_until_the_oldest_request_leaves_it() -> None:
    """3 per second: the 4th request inside the second waits; at t=1.0 the first has left."""
    options = FakeOptions(rate_limits=(RateLimit(3, 1.0),))
    assert verdicts(options, [0.0, 0.1, 0.2, 0.3, 1.0]) == [0, 0, 0, 1, 0]


def test_every_window_is_enforced_and_retry_after_covers_the_longest_wait() -> None:
    """Jikan-style 3/s and 5/10s: the 6th request waits for the ten-second window."""
    options = FakeOptions(rate_limits=(RateLimit(3, 1.0), RateLimit(5, 10.0)))
    assert verdicts(options, [0.0, 0.1, 0.2, 1.1, 1.2, 2.5]) == [0, 0, 0, 0, 0, 8]


def test_refused_requests_do_not_count_against_the_window() -> None:
    """Hammering while limited does not push the moment the window frees further away."""
    options = FakeOptions(rate_limits=(RateLimit(1, 1.0),))
    assert verdicts(options, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]) == [0, 1, 1, 1, 1, 0]


def test_a_penalty_blocks_even_after_the_window_frees() -> None:
    """AniList-style penalty: once over the limit, every request is refused for `penalty`."""
    options = FakeOptions(rate_limits=(RateLimit(2, 1.0),), penalty=5.0)
    assert verdicts(options, [0.0, 0.1, 0.2, 2.0, 5.3]) == [0, 0, 5, 4, 0]


def test_burst_caps_requests_sent_close_together() -> None:
    """RateLimit(10, 10, burst=2) allows two in any two seconds."""
    options = FakeOptions(rate_limits=(RateLimit(10, 10.0, burst=2),))
    assert verdicts(options, [0.0, 0.1, 0.2, 2.0]) == [0, 0, 2, 0]


def test_scaling_turns_per_minute_into_per_second() -> None:
    """scale_rate_limits(60) makes AniList's 30 per minute and its penalty 60 times shorter."""
    options = FakeOptions(rate_limits=(RateLimit(30, 60.0),), penalty=60.0)
    options.scale_rate_limits(60)
    assert options.rate_limits == (RateLimit(30, 1.0),)
    assert options.penalty == 1.0


def test_headers_report_the_advertised_limit() -> None:
    """Remaining counts down from the advertised limit, not the enforced one."""
    options = FakeOptions(rate_limits=(RateLimit(30, 60.0),), advertised_limit=90)
    limiter = Limiter()
    first, second = limiter.admit(options, 0.0), limiter.admit(options, 0.1)
    assert (first.limit, first.remaining, second.remaining) == (90, 89, 88)


def test_no_limits_means_no_headers_and_no_refusals() -> None:
    """Without rate limits every request is accepted and nothing is reported."""
    admission = Limiter().admit(FakeOptions(), 0.0)
    assert admission.allowed
    assert admission.limit is None


def record(time: float, status: int = 200) -> RequestRecord:
    return RequestRecord(time=time, method="GET", path="/", query="", status=status)


@pytest.mark.parametrize(
    ("times", "window", "expected"),
    [
        ([], 1.0, 0),
        ([0.0], 1.0, 1),
        ([0.0, 0.5, 1.0, 1.2, 5.0], 1.0, 3),
        ([0.0, 1.0, 2.0, 3.0], 1.0, 1),
        ([0.0, 0.1, 0.2, 10.0, 10.1], 60.0, 5),
    ],
)
def test_max_requests_in_any_window(times: list[float], window: float, expected: int) -> None:
    """The busiest half-open window of the given length is counted exactly."""
    stats = RequestStats()
    for time in reversed(times):  # arrival order is restored from the timestamps
        stats.add(record(time))
    assert stats.max_requests_in_any_window(window) == expected


def test_stats_count_statuses() -> None:
    """count, count_429 and the status filter of the window count agree with the records."""
    stats = RequestStats()
    for time, status in [(0.0, 200), (0.1, 429), (0.2, 429), (0.3, 200)]:
        stats.add(record(time, status))
    assert (stats.count, stats.count_429) == (4, 2)
    assert stats.max_requests_in_any_window(1.0, statuses={200}) == 2
    stats.clear()
    assert stats.count == 0
