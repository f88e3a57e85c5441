"""``/api/wanted``, ``/api/downloads`` (+ pause, resume, cancel), a series' offers and source
settings, ``/api/sources`` and ``/api/imports``: episode downloads, as thin as the other routes.

The core checks series, seasons, episodes, sources, states and paths; this module turns query
strings and bodies into what it takes, refusing what cannot be one (a season that is no number,
a path with a NUL) with the field named. The core's errors map as everywhere
(:data:`aniworld_web.errors.STATUSES`): an unknown download is a 404, one that cannot go on a
409.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_core import MAX_EPISODE_NUMBER, InvalidInput, whole_number
from aniworld_web.api.jobs import states_parameter
from aniworld_web.bodies import json_object
from aniworld_web.errors import ApiError
from aniworld_web.state import context_of

#: Downloads a listing returns unless ``limit`` says otherwise, and at most.
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
#: The longest path, source name or URL template taken.
MAX_PATH = 4096
MAX_NAME = 100
#: The highest season or episode number taken (none the core knows is higher).
MAX_NUMBER = MAX_EPISODE_NUMBER
#: The most episodes one manual import may name (a multi-episode file).
MAX_EPISODES = 50


def number(value: object, field: str, minimum: int) -> int:
    """A whole number of a JSON body (``true`` is not one; ``2.0`` is, as JSON Schema counts
    it), ``minimum`` to :data:`MAX_NUMBER`."""
    number = whole_number(value)
    if number is None or not minimum <= number <= MAX_NUMBER:
        raise InvalidInput(f"'{field}' must be a whole number from {minimum} to {MAX_NUMBER}.",
                           field=field)
    return number


def query_number(text: str, field: str, minimum: int, maximum: int = MAX_NUMBER) -> int:
    """A whole number of a query string, ``minimum`` to ``maximum``."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(maximum))) \
            or not minimum <= int(text) <= maximum:
        raise InvalidInput(f"'{field}' must be a whole number from {minimum} to {maximum}.",
                           field=field)
    return int(text)


def text(value: object, field: str, longest: int = MAX_NAME) -> str:
    """Text of 1 to ``longest`` characters without NUL."""
    if not isinstance(value, str) or not 0 < len(value) <= longest or "\x00" in value:
        raise InvalidInput(f"'{field}' must be text of 1 to {longest} characters (no NUL).",
                           field=field)
    return value


def download_id(request: Request) -> int:
    return query_number(request.path_params["download_id"], "download_id", 1, 2**31 - 1)


def optional(body: dict[str, Any], field: str) -> Any:
    """``body[field]``, ``null`` and absent alike being ``None``."""
    return body.get(field)


async def optional_object(request: Request, fields: tuple[str, ...]) -> dict[str, Any]:
    """The body as :func:`json_object` reads it, or ``{}`` when none was sent."""
    if not await request.body():
        return {}
    return await json_object(request, fields)


async def list_wanted(request: Request) -> Response:
    """Aired episodes without a file, by show, season and episode (``series_id``: one show)."""
    params = request.query_params
    series_id = text(params["series_id"], "series_id") if "series_id" in params else None
    wanted = await context_of(request).core.wanted(series_id)
    return JSONResponse({"series": [series.to_dict() for series in wanted]})


async def list_downloads(request: Request) -> Response:
    """Downloads newest first; ``state`` (repeated or comma-separated), ``series_id``,
    ``limit``."""
    params = request.query_params
    series_id = text(params["series_id"], "series_id") if "series_id" in params else None
    limit = (query_number(params["limit"], "limit", 1, MAX_LIMIT) if "limit" in params
             else DEFAULT_LIMIT)
    downloads = await context_of(request).core.downloads(
        states=states_parameter(params), series_id=series_id, limit=limit)
    return JSONResponse({"downloads": [download.to_dict() for download in downloads]})


async def create_download(request: Request) -> Response:
    """Queue one episode (``season`` + ``episode``), or with ``all_missing`` every wanted one
    of the show (of ``season``) that some source offers; 202 either way."""
    body = await json_object(request, ("series_id", "season", "episode", "source",
                                       "all_missing"))
    series_id = text(body.get("series_id"), "series_id")
    source = optional(body, "source")
    source = None if source is None else text(source, "source")
    core = context_of(request).core
    all_missing = optional(body, "all_missing")
    if all_missing not in (None, True, False):
        raise InvalidInput("'all_missing' must be true or false.", field="all_missing")
    if all_missing:
        if optional(body, "episode") is not None:
            raise InvalidInput("Give 'episode' or 'all_missing', not both.", field="episode")
        season = optional(body, "season")
        queued = await core.download_missing(
            series_id, season=None if season is None else number(season, "season", 0),
            source=source)
        return JSONResponse({"downloads": [download.to_dict() for download in queued]},
                            status_code=202)
    if optional(body, "season") is None or optional(body, "episode") is None:
        raise InvalidInput("Give 'season' and 'episode', or 'all_missing': true.",
                           field="season" if optional(body, "season") is None else "episode")
    download = await core.download(series_id, number(body["season"], "season", 0),
                                   number(body["episode"], "episode", 1), source=source)
    return JSONResponse(download.to_dict(), status_code=202,
                        headers={"Location": f"/api/downloads/{download.id}"})


async def get_download(request: Request) -> Response:
    download = await context_of(request).core.get_download(download_id(request))
    return JSONResponse(download.to_dict())


async def pause_download(request: Request) -> Response:
    """Stop a queued or running download, keeping what it fetched."""
    download = await context_of(request).core.pause_download(download_id(request))
    return JSONResponse(download.to_dict())


async def resume_download(request: Request) -> Response:
    """Queue a paused, failed or cancelled download again (202: it runs later)."""
    download = await context_of(request).core.resume_download(download_id(request))
    return JSONResponse(download.to_dict(), status_code=202)


async def cancel_download(request: Request) -> Response:
    """Stop a download for good, its partial file removed; a finished one is answered as
    it is."""
    download = await context_of(request).core.cancel_download(download_id(request))
    return JSONResponse(download.to_dict())


async def find_offers(request: Request) -> Response:
    """What the sources (or ``source``) offer for one episode, best first."""
    params = request.query_params
    if "season" not in params or "episode" not in params:
        raise InvalidInput("Give 'season' and 'episode'.",
                           field="season" if "season" not in params else "episode")
    source = text(params["source"], "source") if "source" in params else None
    offers = await context_of(request).core.find_offers(
        request.path_params["series_id"], query_number(params["season"], "season", 0),
        query_number(params["episode"], "episode", 1), source=source)
    return JSONResponse({"offers": [offer.to_dict() for offer in offers]})


async def list_sources(request: Request) -> Response:
    sources = context_of(request).core.episode_sources()
    return JSONResponse({"sources": [source.to_dict() for source in sources]})


def source_name(request: Request) -> str:
    """The ``{source}`` of the path, 404 unless it is a registered source."""
    name: str = request.path_params["source"]
    if name not in {source.name for source in context_of(request).core.episode_sources()}:
        raise ApiError(404, "not_found", f"No episode source called {name!r}.")
    return name


async def get_series_source(request: Request) -> Response:
    """What was set for the source on the show (``config`` null: nothing)."""
    name = source_name(request)
    core = context_of(request).core
    configs = await core.series_sources(request.path_params["series_id"])
    return JSONResponse({"source": name, "config": configs.get(name)})


async def set_series_source(request: Request) -> Response:
    """Set what the source needs for the show (``{"config": {"url": TEMPLATE}}`` for
    ``http``); the source checks it."""
    name = source_name(request)
    body = await json_object(request, ("config",))
    config = body.get("config")
    if not isinstance(config, dict):
        raise InvalidInput("'config' must be a JSON object.", field="config")
    core = context_of(request).core
    series_id = request.path_params["series_id"]
    await core.set_series_source(series_id, name, config)
    configs = await core.series_sources(series_id)
    return JSONResponse({"source": name, "config": configs.get(name)})


async def unset_series_source(request: Request) -> Response:
    name = source_name(request)
    await context_of(request).core.set_series_source(request.path_params["series_id"], name,
                                                     None)
    return Response(status_code=204)


async def pending_imports(request: Request) -> Response:
    pending = await context_of(request).core.pending_imports()
    return JSONResponse({"pending": [item.to_dict() for item in pending]})


async def scan_imports(request: Request) -> Response:
    """Import the finished files of ``path`` (default: the downloads folder) that match a
    show and an episode; the others wait for a person."""
    body = await optional_object(request, ("path",))
    path = optional(body, "path")
    report = await context_of(request).core.import_folder(
        None if path is None else text(path, "path", MAX_PATH))
    return JSONResponse(report.to_dict())


async def import_file(request: Request) -> Response:
    """Import one file as the given episode(s) of the show (never guessed: a person says)."""
    body = await json_object(request, ("path", "series_id", "season", "episodes"))
    episodes = body.get("episodes")
    if not isinstance(episodes, list) or not 0 < len(episodes) <= MAX_EPISODES:
        raise InvalidInput(f"'episodes' must be a list of 1 to {MAX_EPISODES} episode "
                           "numbers.", field="episodes")
    imported = await context_of(request).core.import_file(
        text(body.get("path"), "path", MAX_PATH), text(body.get("series_id"), "series_id"),
        number(body.get("season"), "season", 0),
        [number(episode, "episodes", 1) for episode in episodes])
    return JSONResponse(imported.to_dict())


_SOURCE = "/api/series/{series_id}/sources/{source}"
ROUTES = [
    Route("/api/wanted", list_wanted, methods=["GET"]),
    Route("/api/downloads", list_downloads, methods=["GET"]),
    Route("/api/downloads", create_download, methods=["POST"]),
    Route("/api/downloads/{download_id}", get_download, methods=["GET"]),
    Route("/api/downloads/{download_id}/pause", pause_download, methods=["POST"]),
    Route("/api/downloads/{download_id}/resume", resume_download, methods=["POST"]),
    Route("/api/downloads/{download_id}/cancel", cancel_download, methods=["POST"]),
    Route("/api/series/{series_id}/offers", find_offers, methods=["GET"]),
    Route(_SOURCE, get_series_source, methods=["GET"]),
    Route(_SOURCE, set_series_source, methods=["PUT"]),
    Route(_SOURCE, unset_series_source, methods=["DELETE"]),
    Route("/api/sources", list_sources, methods=["GET"]),
    Route("/api/imports", pending_imports, methods=["GET"]),
    Route("/api/imports", import_file, methods=["POST"]),
    Route("/api/imports/scan", scan_imports, methods=["POST"]),
]
