"""``/api/health`` (public, for load balancers and uptime checks) and ``/api/metrics`` (for
Prometheus, with an API key)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_core import __version__
from aniworld_web.metrics import exposition
from aniworld_web.state import context_of


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


async def metrics(request: Request) -> Response:
    snapshot = await context_of(request).core.metrics()
    return Response(exposition(snapshot), headers={"Content-Type": CONTENT_TYPE_LATEST})


ROUTES = [
    Route("/api/health", health, methods=["GET"]),
    Route("/api/metrics", metrics, methods=["GET"]),
]
