"""``/api/health`` (public, for load balancers, Docker and uptime checks) and ``/api/metrics``
(for Prometheus, with an API key)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_core import __version__
from aniworld_web.metrics import exposition
from aniworld_web.state import context_of


async def health(request: Request) -> Response:
    """200 while the database answers, else 503 saying what is wrong; either way whether this
    process runs the loader (``"off"``: another process does, or none)."""
    checked = await context_of(request).core.health()
    return JSONResponse({
        "status": "ok" if checked.ok else "failing",
        "version": __version__,
        "database": "ok" if checked.ok else checked.database_error,
        "loader": "running" if checked.loader_running else "off",
    }, status_code=200 if checked.ok else 503, headers={"Cache-Control": "no-store"})


async def metrics(request: Request) -> Response:
    """Every live process's figures, each labelled with its process
    (``aniworld_process_info`` names them)."""
    processes = await context_of(request).core.process_metrics()
    return Response(exposition(processes), headers={"Content-Type": CONTENT_TYPE_LATEST})


ROUTES = [
    Route("/api/health", health, methods=["GET"]),
    Route("/api/metrics", metrics, methods=["GET"]),
]
