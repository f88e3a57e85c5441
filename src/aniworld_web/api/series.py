"""``/api/series``: add, list, read, loading status, remove; refresh, cancel, identify and
rescan."""

from __future__ import annotations

import unicodedata
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_core import InvalidInput, ProviderRef, Series
from aniworld_web.bodies import json_object
from aniworld_web.library import series_detail
from aniworld_web.state import context_of

#: The longest title or search, as given (the core measures it without surrounding spaces;
#: the edge measures what was sent, as the OpenAPI schema states).
MAX_TEXT = 255
#: Control characters, line and paragraph separators: refused anywhere in a title or search,
#: even where the core would strip them off the ends.
_FORBIDDEN = frozenset({"Cc", "Cs", "Zl", "Zp"})


def checked_text(value: object, field: str, what: str) -> Any:
    """``value`` as sent, refused when it is text the OpenAPI schema rules out: longer than
    :data:`MAX_TEXT`, or holding a control character or line break anywhere. The core checks
    the rest (empty, only spaces)."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"The {what} is longer than {MAX_TEXT} characters.", field=field)
    for char in value:
        if unicodedata.category(char) in _FORBIDDEN:
            raise InvalidInput(f"The {what} contains a control character or line break "
                               f"(U+{ord(char):04X}).", field=field)
    return value


def provider_ref(body: dict[str, Any]) -> ProviderRef:
    """``provider`` + ``id`` from a body, both required; a number as id is at least 1."""
    if "provider" not in body or "id" not in body:
        raise InvalidInput("Give both 'provider' and 'id' to name a provider's entry.",
                           field="id" if "provider" in body else "provider")
    ref_id = body["id"]
    if isinstance(ref_id, int) and not isinstance(ref_id, bool) and ref_id < 1:
        raise InvalidInput("An id given as a number is 1 or more.", field="id")
    return ProviderRef(body["provider"], ref_id)



def accepted(series: Series, **headers: str) -> Response:
    return JSONResponse(series.to_dict(), status_code=202, headers=headers or None)


async def add_series(request: Request) -> Response:
    """Add by ``title`` (optionally ``year``), by ``provider`` + ``id``, or by both (what the
    add dialog sends for a picked search result); 202, loads later. ``files`` says where its
    NFO files and artwork go (nowhere while no library folder is set)."""
    body = await json_object(request, ("title", "year", "provider", "id"))
    title = checked_text(body.get("title"), "title", "title")
    ref = provider_ref(body) if body.keys() & {"provider", "id"} else None
    core = context_of(request).core
    series = await core.add_series(title, ref, year=body.get("year"))
    files = await core.series_folder(series)
    return JSONResponse({**series.to_dict(), "files": files.to_dict()}, status_code=202,
                        headers={"Location": f"/api/series/{series.id}"})


async def list_series(request: Request) -> Response:
    all_series = await context_of(request).core.list_series()
    return JSONResponse({"series": [series.to_dict() for series in all_series]})


async def get_series(request: Request) -> Response:
    core = context_of(request).core
    series = await core.get_series(request.path_params["series_id"])
    return JSONResponse(await series_detail(core, series))


async def loading_status(request: Request) -> Response:
    state = await context_of(request).core.loading_status(request.path_params["series_id"])
    return JSONResponse(state.to_dict())


async def remove_series(request: Request) -> Response:
    await context_of(request).core.remove_series(request.path_params["series_id"])
    return Response(status_code=204)


async def refresh_series(request: Request) -> Response:
    """Load the series again from the start (not queued twice while it loads)."""
    series = await context_of(request).core.refresh_series(request.path_params["series_id"])
    return accepted(series)


async def cancel_loading(request: Request) -> Response:
    """Stop the series' load; 409 when it is neither loading nor queued. The answer may still
    show it loading: the step in flight stops, then a ``cancelled`` update follows."""
    core = context_of(request).core
    series_id = request.path_params["series_id"]
    await core.cancel_loading(series_id)
    return accepted(await core.get_series(series_id))


async def identify(request: Request) -> Response:
    """Say which provider entry the series is; it loads again from that entry."""
    body = await json_object(request, ("provider", "id"))
    series = await context_of(request).core.identify(request.path_params["series_id"],
                                                     provider_ref(body))
    return accepted(series)


async def rescan_series(request: Request) -> Response:
    """Read the series' folder again now; the answer is what the scan found (a root that is
    unavailable is paused, not scanned: ``roots_unavailable`` says why)."""
    report = await context_of(request).core.rescan_series(request.path_params["series_id"])
    return JSONResponse(report.to_dict())


ROUTES = [
    Route("/api/series", list_series, methods=["GET"]),
    Route("/api/series", add_series, methods=["POST"]),
    Route("/api/series/{series_id}", get_series, methods=["GET"]),
    Route("/api/series/{series_id}", remove_series, methods=["DELETE"]),
    Route("/api/series/{series_id}/loading-status", loading_status, methods=["GET"]),
    Route("/api/series/{series_id}/refresh", refresh_series, methods=["POST"]),
    Route("/api/series/{series_id}/cancel", cancel_loading, methods=["POST"]),
    Route("/api/series/{series_id}/identify", identify, methods=["POST"]),
    Route("/api/series/{series_id}/rescan", rescan_series, methods=["POST"]),
]
