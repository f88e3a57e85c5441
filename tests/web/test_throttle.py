"""The login throttle on its own, with a clock the test moves."""

from __future__ import annotations

from aniworld_web.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_then_wait_until_the_oldest_expires() -> None:
    """The sixth attempt in a minute must wait until the first failure is a minute old."""
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(5):
        assert throttle.attempt("a") is None
        clock.now += 10
    assert throttle.attempt("a") == 10
    clock.now += 9.5
    assert throttle.attempt("a") == 1
    clock.now += 0.5
    assert throttle.attempt("a") is None


def test_success_forgives_and_addresses_are_separate() -> None:
    """A successful login clears its address; other addresses never share a count."""
    throttle = LoginThrottle(clock=Clock())
    for _ in range(5):
        throttle.attempt("a")
    assert throttle.attempt("b") is None
    assert throttle.attempt("a") is not None
    throttle.succeeded("a")
    assert throttle.attempt("a") is None


def test_memory_is_bounded() -> None:
    """An attacker rotating addresses cannot grow the table past its limit."""
    throttle = LoginThrottle(clock=Clock(), max_addresses=100)
    for number in range(10_000):
        throttle.attempt(f"10.0.{number // 256}.{number % 256}")
    assert len(throttle) == 100
