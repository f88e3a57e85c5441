"""What every fake server shares: dataset, options, request record, the ASGI app."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from aniworld_testing._artwork import DEFAULT_IMAGE_URL
from aniworld_testing._harness import Harness
from aniworld_testing._options import FakeOptions
from aniworld_testing._stats import RequestStats
from aniworld_testing.dataset import Dataset


class FakeService:
    """Base class of the fakes. ``app`` is the ASGI app to serve or mount; ``options`` are its
    knobs; ``stats`` records every request; ``reset()`` clears both.

    ``image_url`` is where artwork URLs in responses point (the fake image host).
    """

    #: Short name, as in settings (``providers.<name>.url``).
    name: ClassVar[str]
    #: Path prefix of the API (``"/v4"`` for Jikan); ``api_url`` of a served fake includes it.
    api_prefix: ClassVar[str] = ""
    #: Whether a 429 caused by the limits carries ``Retry-After`` (forced 429s always do).
    sends_retry_after: ClassVar[bool] = True

    def __init__(self, dataset: Dataset | None = None, *, options: FakeOptions | None = None,
                 image_url: str = DEFAULT_IMAGE_URL) -> None:
        self.dataset = dataset if dataset is not None else Dataset.default()
        self.image_url = image_url.rstrip("/")
        self._defaults = options if options is not None else self.default_options()
        self.options = attrs.evolve(self._defaults)
        self.stats = RequestStats()
        self._harness = Harness(self, self.build_app())

    @property
    def app(self) -> ASGIApp:
        """The fake as an ASGI app, with its knobs applied."""
        return self._harness

    @classmethod
    def default_options(cls) -> FakeOptions:
        """The real service's behaviour: its rate limits, no latency, no faults."""
        return FakeOptions()

    def reset(self) -> None:
        """Back to the options the fake was made with (by default :meth:`default_options`),
        with an empty request record and fresh rate-limit windows."""
        self.options.restore(self._defaults)
        self.stats.clear()
        self._harness.reset()

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` that talks to this fake in-process (no socket).

        Its ``base_url`` includes the API prefix, like the provider's configured URL.
        """
        base = f"http://{self.name}.invalid{self.api_prefix}"
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=base,
                                 **kwargs)

    # What subclasses provide.

    def build_app(self) -> Starlette:
        raise NotImplementedError

    def error_response(self, status: int, headers: dict[str, str] | None = None) -> Response:
        """The service's error body for ``status`` (404, 429, 5xx...)."""
        raise NotImplementedError

    def limit_headers(self, limit: int, remaining: int) -> dict[str, str]:
        """Rate-limit headers the service adds to every accepted response (none by default)."""
        return {}

    def injected_fault(self, roll: float) -> str | None:
        """The name of a fault the app itself will inject for this draw (image host only)."""
        return None

    # Shared helpers.

    def rate_limited_response(
        self, retry_after: int, reset_at: int, limit: int | None, *, forced: bool
    ) -> Response:
        """A 429 in the service's format, with ``Retry-After`` when the service sends it."""
        headers = self.rate_limited_headers(retry_after, reset_at, limit)
        if forced or self.sends_retry_after:
            headers["Retry-After"] = str(retry_after)
        return self.error_response(429, headers)

    def rate_limited_headers(
        self, retry_after: int, reset_at: int, limit: int | None
    ) -> dict[str, str]:
        return {}

    def starlette(self, routes: list[Any]) -> Starlette:
        """A Starlette app whose unknown paths and methods answer in the service's format."""

        async def http_error(request: Request, error: Exception) -> Response:
            status = error.status_code if isinstance(error, HTTPException) else 500
            return self.error_response(status)

        return Starlette(routes=routes, exception_handlers={HTTPException: http_error})


def json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response as the real services send it (UTF-8, compact)."""
    return JSONResponse(content, status_code=status, headers=headers)


def query_int(request: Request, name: str, default: int) -> int | None:
    """An integer query parameter; ``None`` when present but not an integer."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None
