"""The knobs every fake server has, changeable while it runs."""

from __future__ import annotations

import enum
import threading

import attrs

from aniworld_core.providers.base import RateLimit


class ImageFault(enum.StrEnum):
    """Ways the fake image host can misbehave (only the image host reads these)."""

    #: An HTML error page with status 200 and ``Content-Type: image/jpeg`` (a CDN error page).
    HTML_PAGE = "html_page"
    #: Status 200, the right content type, zero bytes.
    EMPTY = "empty"
    #: The first half of the image, with a matching ``Content-Length``.
    TRUNCATED = "truncated"
    #: A valid image sent as ``application/octet-stream``.
    WRONG_TYPE = "wrong_type"
    #: A valid image padded with zero bytes to ``oversized_bytes`` (``Content-Length`` says so).
    OVERSIZED = "oversized"


@attrs.define
class FakeOptions:
    """How a fake behaves. Tests change fields at any time; ``FakeService.reset()`` restores
    the fake's defaults.

    Rates are probabilities from 0 to 1, drawn per request from ``seed`` and the request's
    sequence number, so the same seed and the same request order give the same faults.
    """

    #: While this is an event that is not set, every request waits for it (before its latency):
    #: a test holds answers back until it has seen the state before them, without guessing
    #: how long that takes.
    held: threading.Event | None = None
    #: Seconds added before every response, plus a uniform random ``0..jitter``.
    latency: float = 0.0
    jitter: float = 0.0
    #: Limits enforced server-side over accepted requests (sliding windows).
    rate_limits: tuple[RateLimit, ...] = ()
    #: Seconds every request is refused after the limit is broken (AniList: about a minute);
    #: 0 means only until the window has room again.
    penalty: float = 0.0
    #: What ``X-RateLimit-Limit`` claims, if not the first enforced limit (AniList's headers
    #: still say 90 while it enforces 30).
    advertised_limit: int | None = None
    #: Probability of an HTTP ``error_status`` response in the provider's error format.
    error_rate: float = 0.0
    error_status: int = 500
    #: Probability that the server answers only after ``timeout_delay`` seconds (cut short
    #: when the client goes away or the server shuts down).
    timeout_rate: float = 0.0
    timeout_delay: float = 300.0
    #: Probability of a status 200 response whose JSON body is cut in half.
    malformed_rate: float = 0.0
    seed: int = 0
    #: The next ``forced_429`` requests get a 429 with ``Retry-After: forced_retry_after``.
    forced_429: int = 0
    forced_retry_after: int = 1
    #: Keys a keyed fake (TMDB, fanart.tv) accepts; ``None`` accepts any non-empty key.
    api_keys: frozenset[str] | None = None
    #: Image host only: how to misbehave, and for which share of image requests.
    image_fault: ImageFault | None = None
    image_fault_rate: float = 1.0
    oversized_bytes: int = 32 * 1024 * 1024

    def force_429(self, count: int, retry_after: int = 1) -> None:
        """Answer the next ``count`` requests with 429 and ``Retry-After: retry_after``."""
        self.forced_429 = count
        self.forced_retry_after = retry_after

    def scale_rate_limits(self, factor: float) -> None:
        """Make every window and the penalty ``factor`` times shorter (``60`` turns AniList's
        30 per minute into 30 per second)."""
        self.rate_limits = tuple(limit.scaled(factor) for limit in self.rate_limits)
        self.penalty /= factor

    def restore(self, defaults: FakeOptions) -> None:
        """Set every field back to ``defaults`` (keeps this object, which tests may hold);
        requests still held are let go."""
        if self.held is not None:
            self.held.set()
        for field in attrs.fields(FakeOptions):
            setattr(self, field.name, getattr(defaults, field.name))
