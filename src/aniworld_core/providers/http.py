"""The HTTP client every provider gets: limiter, retries, server rate limits, clear errors.

One :class:`ProviderHttpClient` (and one ``httpx.AsyncClient``) per provider per ``SeriesApp``.
Every attempt takes a turn at the provider's :class:`ProviderLimiter` as it is written (see
``ProviderHttpClient._send``), runs under a timeout, and:

* 2xx: the JSON body is returned; a body that is not JSON is a ``ProviderError``;
* 429: the whole provider pauses until ``Retry-After`` (else ``X-RateLimit-Reset``, else its
  shortest rate window), then the request is sent again;
* 5xx, timeouts, connection errors: retried with exponential backoff and jitter (stamina);
* any other 4xx: a ``ProviderError`` at once, never retried;
* ``X-RateLimit-Remaining: 0`` on any answer pauses the provider until ``X-RateLimit-Reset``.

Each try's outcome goes to the provider's :class:`~aniworld_core.providers.breaker.CircuitBreaker`:
a provider that keeps failing is marked down and asked nothing but a probe now and then
(:class:`~aniworld_core.errors.ProviderDown` meanwhile). A request that never reached the server
(no connection) does not count against the provider's rate limits.

Whatever a server sends in an error response is only ever quoted in the error, never returned;
text in a JSON answer comes out clean of control characters (see ``reading.clean_json``).
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import math
import time
from collections.abc import AsyncIterable, Callable, Mapping
from typing import Any

import anyio
import httpx
import stamina

from aniworld_core._priority import FOREGROUND, current_priority
from aniworld_core._version import __version__
from aniworld_core.errors import ProviderError
from aniworld_core.providers.base import ProviderConfig
from aniworld_core.providers.breaker import CircuitBreaker
from aniworld_core.providers.conditional import ConditionalCache, Kept, request_key
from aniworld_core.providers.limiter import ProviderLimiter
from aniworld_core.providers.metrics import ProviderMetrics
from aniworld_core.providers.transport import http_transport
from aniworld_core.reading import clean_json, may_need_cleaning

log = logging.getLogger(__name__)

#: Names aniworld and its version, so API operators can tell who is calling.
USER_AGENT = f"aniworld/{__version__} (anime library manager; httpx)"
#: Connections per provider (and for artwork downloads). Enough to keep any provider's rate
#: busy at real latencies (60 requests/s at 100 ms is 6 in flight), and few enough that the
#: connection pool's bookkeeping (it scans every connection per request) stays cheap.
MAX_CONNECTIONS = 16
LIMITS = httpx.Limits(max_connections=MAX_CONNECTIONS,
                      max_keepalive_connections=MAX_CONNECTIONS)
#: Seconds a request may take, connect to last byte, unless the provider's settings say otherwise.
DEFAULT_TIMEOUT = 20.0
#: Tries of one request on 5xx, timeouts and connection errors (the first one included).
ATTEMPTS = 4
#: 429 answers in a row after which the request fails instead of pausing again.
MAX_RATE_LIMITED = 5
#: The longest pause a server can impose through its headers.
MAX_PAUSE = 3600.0
#: Seconds before its turn comes that a waiting request gets its connection and goes to the wire,
#: where it waits for the turn itself. Preparing a request (building it, taking a connection)
#: costs the event loop a few ms, and tens when the machine is busy; done only once the turn had
#: come, that delay was added to every request held back by a rate limit, and each request's
#: delay pushed the turns of those after it back by as much (the limiter counts from when a
#: request really left). Short enough that no server closes the connection meanwhile.
PREPARE_LEAD = 0.25
_UNIX_TIME_THRESHOLD = 1_000_000_000  # larger X-RateLimit-Reset values are unix times


class ServerError(Exception):
    """A 5xx answer: worth retrying."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


#: What is retried; everything else fails at once.
TRANSIENT_ERRORS = (ServerError, httpx.TimeoutException, httpx.NetworkError,
                    httpx.RemoteProtocolError, TimeoutError)
#: Failures that mean the request never reached the server.
UNREACHED_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout)


def retrying(attempts: int = ATTEMPTS) -> AsyncIterable[stamina.Attempt]:
    """stamina's retry loop with aniworld's policy: exponential backoff with jitter, at most
    ``attempts`` tries, no overall deadline (a rate-limit pause may be long)."""
    return stamina.retry_context(on=TRANSIENT_ERRORS, attempts=attempts, timeout=None,
                                 wait_initial=0.5, wait_max=10.0)


def tried(reason: str, tries: int) -> str:
    """``reason``, saying how often it was tried when that was more than once."""
    return f"{reason} (tried {tries} times)" if tries > 1 else reason


class _Turn:
    """One request's turn at its provider's limiter: taken once, moved to when the request
    really left (servers count requests when they arrive)."""

    def __init__(self, limiter: ProviderLimiter, metrics: ProviderMetrics) -> None:
        self._limiter = limiter
        self._metrics = metrics
        self._counted_at: float | None = None
        self._until_sent = False
        self._settled = False

    async def wait_ready(self) -> None:
        asked_at = self._limiter.now()
        await self._limiter.wait_ready(lead=PREPARE_LEAD)
        self._metrics.waited_seconds += self._limiter.now() - asked_at

    async def take(self, *, until_sent: bool = False) -> float:
        """Take the turn (once); returns the seconds waited for it. ``until_sent``: the
        request counts as leaving at every moment until :meth:`sent` (see
        ``ProviderLimiter.take``)."""
        if self._counted_at is not None:
            if not self._limiter.stale(self._counted_at):
                return 0.0
            # Taken before the request had a connection, and the connection took longer
            # than the shared budget's turn lasts: the turn went unused; take a new one.
            self._limiter.forget(self._counted_at)
        asked_at = self._limiter.now()
        self._counted_at = await self._limiter.take(until_sent=until_sent)
        self._until_sent = until_sent
        waited = self._counted_at - asked_at
        self._metrics.waited_seconds += waited
        return waited

    def sent(self) -> None:
        """The request has been written (or will never be): it counts from now. Once."""
        if self._counted_at is not None and not self._settled:
            self._settled = True
            self._limiter.restamp(self._counted_at, self._limiter.now())

    def finish(self) -> None:
        """The request is over. A turn still waiting for its request to be written (the
        request failed or was cancelled first) counts from now, so it holds up nothing."""
        if self._until_sent:
            self.sent()

    def unsent(self) -> None:
        """The request never reached the server: its turn does not count. Once."""
        if self._counted_at is not None and not self._settled:
            self._settled = True
            self._limiter.forget(self._counted_at)


class ProviderHttpClient:
    """The concrete :class:`~aniworld_core.providers.base.ProviderHttp` for one provider."""

    def __init__(
        self,
        config: ProviderConfig,
        limiter: ProviderLimiter,
        *,
        metrics: ProviderMetrics | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        wall_clock: Callable[[], float] = time.time,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.config = config
        self.limiter = limiter
        self.breaker = breaker or CircuitBreaker(config.name, label=limiter.label,
                                                 clock=limiter.now)
        self.metrics = metrics or ProviderMetrics(config.name)
        #: Answers kept for conditional requests.
        self.kept = ConditionalCache()
        self._wall_clock = wall_clock
        self._default_pause = min((limit.per_seconds for limit in limiter.limits), default=1.0)
        #: Whether the transport reports the stages of a request (see ``_send``).
        self._traced = False
        self.client = httpx.AsyncClient(
            base_url=config.url,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=config.timeout,
            transport=transport or http_transport(LIMITS),
            follow_redirects=True,
        )

    async def aclose(self) -> None:
        """Close the connection pool; safe to call while being cancelled."""
        with anyio.move_on_after(5, shield=True):
            await self.client.aclose()

    async def get_json(
        self, path: str, *, params: Mapping[str, str | int] | None = None, request: str
    ) -> Any:
        """A GET answer as JSON; asked conditionally when an earlier answer to the same
        request carried ``ETag`` or ``Last-Modified`` (see :mod:`.conditional`)."""
        key = request_key(path, params)
        kept = self.kept.get(key)
        headers = kept.validators() if kept is not None else None
        return await self._json("GET", path, request, (key, kept), params=params,
                                headers=headers)

    async def post_json(self, path: str, *, body: Any, request: str) -> Any:
        return await self._json("POST", path, request, json=body)

    # -- one request ----------------------------------------------------------------------------

    async def _json(self, method: str, path: str, request: str,
                    conditional: tuple[str, Kept | None] | None = None, **options: Any) -> Any:
        try:
            response = await self._send_with_retries(method, path, request, options)
            content = response.content
            if conditional is not None:
                key, kept = conditional
                if response.status_code == 304 and kept is not None:
                    self.metrics.not_modified += 1
                    content = kept.content
                else:
                    self.kept.keep(key, response)
            try:
                answer = jsonlib.loads(content)
            except (ValueError, UnicodeDecodeError) as error:
                raise self._error(request, f"the answer is not valid JSON ({error})",
                                  response.status_code) from None
            return clean_json(answer) if may_need_cleaning(content) else answer
        except ProviderError:
            self.metrics.errors += 1
            raise

    async def _send_with_retries(self, method: str, path: str, request: str,
                                 options: dict[str, Any]) -> httpx.Response:
        breaker = self.breaker
        probe = await breaker.admit(request, foreground=current_priority() == FOREGROUND)
        try:
            return await self._tries(method, path, request, options, 1 if probe else ATTEMPTS)
        finally:
            if probe:
                breaker.probe_done()

    async def _tries(self, method: str, path: str, request: str, options: dict[str, Any],
                     attempts: int) -> httpx.Response:
        tries = unreached = 0
        try:
            async for attempt in retrying(attempts):
                with attempt:
                    tries = attempt.num
                    if tries > 1:
                        self.metrics.retries += 1
                        self.breaker.check(request)
                    try:
                        response = await self._send_obeying_rate_limits(method, path, request,
                                                                        options)
                    except TRANSIENT_ERRORS as error:
                        missed = isinstance(error, UNREACHED_ERRORS)
                        unreached += missed
                        self.breaker.failed(_failure(error), unreached=missed)
                        self.breaker.check(request)  # down now: no more tries
                        raise
                    return response
        except UNREACHED_ERRORS as error:
            if unreached == tries == ATTEMPTS:  # a whole round: the network, not a blip
                self.breaker.unreachable()
                down = self.breaker.down_for(request)
                if down is not None:
                    raise down from None
            reason = f"cannot reach {self.config.url}: {error or type(error).__name__}"
            raise self._error(request, tried(reason, tries)) from None
        except (httpx.TimeoutException, TimeoutError):
            reason = f"timed out after {self.config.timeout:g} s"
            raise self._error(request, tried(reason, tries)) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
            reason = f"cannot reach {self.config.url}: {error or type(error).__name__}"
            raise self._error(request, tried(reason, tries)) from None
        except ServerError as error:
            raise self._error(request, tried(error.reason, tries), error.status) from None
        except httpx.HTTPError as error:
            raise self._error(request, f"{type(error).__name__}: {error}") from None
        raise AssertionError("stamina ended without a result")  # pragma: no cover

    async def _send_obeying_rate_limits(self, method: str, path: str, request: str,
                                        options: dict[str, Any]) -> httpx.Response:
        for _ in range(MAX_RATE_LIMITED):
            response = await self._send(method, path, options)
            if response.status_code != 429:
                break
            self.breaker.answered()  # it is there, only busy
            self.metrics.rate_limited += 1
            delay = self._server_delay(response)
            await self.limiter.pause_everywhere(self._default_pause if delay is None else delay,
                                                f"{self.limiter.label} asked to wait (HTTP 429)")
        else:
            raise self._error(request, f"still rate limited (HTTP 429) after {MAX_RATE_LIMITED} "
                                       "pauses", 429)
        await self._obey_quota(response)
        if response.status_code >= 500:
            raise ServerError(response.status_code, _describe(response))
        self.breaker.answered()  # a 4xx too: the server is there
        if response.status_code >= 400:
            raise self._error(request, _describe(response), response.status_code)
        return response

    async def _send(self, method: str, path: str, options: dict[str, Any]) -> httpx.Response:
        """One request, counted by the limiter from the moment it is written.

        Its turn is taken as late as possible: once a connection is ready and the request's
        first bytes are about to go (httpcore reports that stage through the ``trace``
        extension). Waiting for a connection or opening one then never holds up the
        provider's other requests, and the turn's moment is the request's real one. Before
        that the request only waits until a turn could be had within :data:`PREPARE_LEAD`
        (``wait_ready``), so no connection is held through a pause, and a request is ready on
        its connection when its turn comes. A transport that reports no stages gets the turn
        before sending."""
        self.metrics.requests += 1
        turn = _Turn(self.limiter, self.metrics)
        if self._traced:
            await turn.wait_ready()
        else:
            await turn.take()
        started = time.perf_counter()

        queued = 0.0  # seconds waited for the turn once the request was under way

        with anyio.fail_after(self.config.timeout) as deadline:

            async def trace(event: str, info: dict[str, Any]) -> None:
                nonlocal queued
                if event.endswith(".send_request_headers.started"):
                    self._traced = True
                    # Waiting for the turn counts against neither the timeout nor the latency.
                    remaining = deadline.deadline - anyio.current_time()
                    deadline.deadline = math.inf
                    try:
                        queued += await turn.take(until_sent=True)
                    finally:
                        deadline.deadline = anyio.current_time() + remaining
                elif event.endswith(".send_request_headers.complete"):
                    turn.sent()

            try:
                # An empty path is the configured URL itself, exactly (a GraphQL endpoint).
                response = await self.client.request(method, path or self.config.url,
                                                     extensions={"trace": trace}, **options)
            except UNREACHED_ERRORS:
                turn.unsent()
                raise
            finally:
                turn.finish()
        self.metrics.observe_latency(time.perf_counter() - started - queued)
        # Without the query string: API keys travel there (TMDB, fanart.tv).
        log.debug("%s %s %s -> %s", self.config.name, method, response.url.copy_with(query=None),
                  response.status_code)
        return response

    # -- what the server says about its limits --------------------------------------------------

    async def _obey_quota(self, response: httpx.Response) -> None:
        remaining = _number(response.headers.get("X-RateLimit-Remaining"))
        if remaining is None or remaining > 0:
            return
        delay = self._reset_delay(response)
        await self.limiter.pause_everywhere(self._default_pause if delay is None else delay,
                                            f"{self.limiter.label} quota used up")

    def _server_delay(self, response: httpx.Response) -> float | None:
        retry_after = response.headers.get("Retry-After")
        delay = _retry_after(retry_after, self._wall_clock()) if retry_after else None
        return delay if delay is not None else self._reset_delay(response)

    def _reset_delay(self, response: httpx.Response) -> float | None:
        reset = _number(response.headers.get("X-RateLimit-Reset"))
        if reset is None:
            return None
        delay = reset - self._wall_clock() if reset > _UNIX_TIME_THRESHOLD else reset
        return min(max(delay, 0.0), MAX_PAUSE)

    # -- errors ---------------------------------------------------------------------------------

    def _error(self, request: str, reason: str, status: int | None = None) -> ProviderError:
        return ProviderError(self.config.name, request, reason, status=status)



def _failure(error: BaseException) -> str:
    """A failed try, for the breaker's reason: "HTTP 503 Service Unavailable", "timed out"."""
    if isinstance(error, ServerError):
        return error.reason.partition(":")[0]
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "timed out"
    return f"no answer: {error or type(error).__name__}"


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _retry_after(value: str, wall_now: float) -> float | None:
    """Seconds from ``Retry-After``: a number of seconds or an HTTP date."""
    seconds = _number(value)
    if seconds is None:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - wall_now
    return min(max(seconds, 0.0), MAX_PAUSE)


def _describe(response: httpx.Response) -> str:
    """``HTTP 404 Not Found: <the server's own message>``, kept short."""
    text = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    message = _server_message(response)
    return f"{text}: {message}" if message else text


def _server_message(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    message: object = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = errors[0].get("message")  # GraphQL (AniList)
        for key in ("message", "status_message", "error message", "error"):  # Jikan, TMDB,
            # fanart.tv, others
            if not message:
                message = body.get(key)
    elif response.headers.get("Content-Type", "").startswith("text/plain"):
        message = response.text
    if not isinstance(message, str) or not message.strip():
        return None
    line = " ".join(message.split())
    return line if len(line) <= 200 else f"{line[:199]}…"

__all__ = ["ATTEMPTS", "DEFAULT_TIMEOUT", "MAX_CONNECTIONS", "USER_AGENT", "ProviderHttpClient"]
