"""``GET /openapi.json``: the API described by hand, checked against the routes at startup.

:func:`document` walks the app's routes and looks every (path, method) up in
:data:`OPERATIONS`; a route without a description stops the app from being built, so the
document can never fall behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from aniworld_core import LoadingStatus, __version__

JSON = "application/json"
HTML = "text/html"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: dict[str, Any], media: str = JSON) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema}}}


def answer(description: str, schema: dict[str, Any] | None = None, media: str = JSON,
           headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description}
    if schema is not None:
        response["content"] = {media: {"schema": schema}}
    if headers:
        response["headers"] = headers
    return response


ERROR = answer("An error", ref("Error"))
SERIES_ID = [{"name": "series_id", "in": "path", "required": True,
              "schema": {"type": "string", "format": "uuid"}}]
PAGE = {"200": answer("The page", {"type": "string"}, HTML),
        "303": answer("Elsewhere: log in or set up first")}
FORM = {"type": "object", "properties": {"username": {"type": "string"},
                                         "password": {"type": "string", "format": "password"},
                                         "confirm": {"type": "string", "format": "password"},
                                         "csrf_token": {"type": "string"}}}


def operation(summary: str, responses: dict[str, Any], *, tag: str, public: bool = False,
              **extra: Any) -> dict[str, Any]:
    described = {"summary": summary, "tags": [tag], "responses": responses, **extra}
    if public:
        described["security"] = []
    else:
        described["responses"] = {**responses, "401": ERROR}
    return described


OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/api/series", "get"): operation(
        "Every series with its loading state", {"200": answer("The library", {
            "type": "object", "properties": {"series": {"type": "array",
                                                        "items": ref("Series")}}})},
        tag="series"),
    ("/api/series", "post"): operation(
        "Add a series by title or provider id; its metadata loads in the background",
        {"202": answer("Added, loading_status pending", ref("Series")), "409": ERROR,
         "415": ERROR, "422": ERROR},
        tag="series", requestBody=body(ref("AddSeries"))),
    ("/api/series/{series_id}", "get"): operation(
        "A series with its seasons, episodes, the missing ones and the files not placed",
        {"200": answer("The series", ref("SeriesDetail")), "404": ERROR},
        tag="series", parameters=SERIES_ID),
    ("/api/series/{series_id}", "delete"): operation(
        "Remove a series from the library (files on disk stay)",
        {"204": answer("Removed"), "404": ERROR}, tag="series", parameters=SERIES_ID),
    ("/api/series/{series_id}/loading-status", "get"): operation(
        "How far the series' load is", {"200": answer("The state", ref("LoadingState")),
                                        "404": ERROR},
        tag="series", parameters=SERIES_ID),
    ("/api/series/{series_id}/refresh", "post"): operation(
        "Load the series again from the start (a series loading now is not queued twice)",
        {"202": answer("Queued", ref("Series")), "404": ERROR}, tag="series",
        parameters=SERIES_ID),
    ("/api/series/{series_id}/cancel", "post"): operation(
        "Stop the series' load; a `cancelled` update follows once the step in flight stops",
        {"202": answer("Stopping (the series as it is now)", ref("Series")), "404": ERROR,
         "409": answer("Neither loading nor queued", ref("Error"))},
        tag="series", parameters=SERIES_ID),
    ("/api/series/{series_id}/identify", "post"): operation(
        "Say which provider entry the series is (after identification failed, or to correct "
        "it); it loads again from that entry",
        {"202": answer("Queued with the new id", ref("Series")), "404": ERROR,
         "409": answer("Loading right now (cancel first), or another series is that entry",
                       ref("Error")), "415": ERROR, "422": ERROR},
        tag="series", parameters=SERIES_ID, requestBody=body(ref("ProviderRef"))),
    ("/api/search", "get"): operation(
        "Search a provider for candidates to add or to identify a series with",
        {"200": answer("Candidates, best first", {
            "type": "object", "properties": {"results": {"type": "array",
                                                         "items": ref("SearchResult")}}}),
         "422": ERROR, "502": answer("The provider's answer failed", ref("Error")),
         "503": answer("The provider is switched off or cannot search", ref("Error"))},
        tag="series", parameters=[
            {"name": "q", "in": "query", "required": True,
             "schema": {"type": "string", "minLength": 1, "maxLength": 255}},
            {"name": "provider", "in": "query", "required": False,
             "description": "Default: the first provider that can search",
             "schema": {"type": "string", "examples": ["anilist", "jikan"]}},
            {"name": "year", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1900, "maximum": 2200}}]),
    ("/api/metrics", "get"): operation(
        "The loader's and providers' metrics for Prometheus (scrape with an API key)",
        {"200": answer("Prometheus text exposition format", {"type": "string"},
                       "text/plain")},
        tag="system"),
    ("/api/auth/login", "post"): operation(
        "Log in; the session cookie is set and the CSRF token returned",
        {"200": answer("Logged in", ref("AuthStatus")), "401": ERROR, "415": ERROR,
         "422": ERROR,
         "429": answer("Too many failures from this address", ref("Error"), headers={
             "Retry-After": {"schema": {"type": "integer"}}})},
        tag="auth", public=True, requestBody=body(ref("Login"))),
    ("/api/auth/logout", "post"): operation(
        "End the session", {"204": answer("Logged out")}, tag="auth"),
    ("/api/auth/status", "get"): operation(
        "Who is asking", {"200": answer("The caller", ref("AuthStatus"))}, tag="auth"),
    ("/api/health", "get"): operation(
        "Whether the server is up", {"200": answer("Up", {
            "type": "object", "properties": {"status": {"const": "ok"},
                                             "version": {"type": "string"}}})},
        tag="system", public=True),
    ("/api/events", "get"): operation(
        "Live events as server-sent events: a snapshot, then every event",
        {"200": answer("One `data:` line per event", ref("Event"), "text/event-stream")},
        tag="live"),
    ("/ws", "get"): operation(
        "Live events over a WebSocket: a snapshot, then every event (one JSON text message "
        "each)", {"101": answer("Switching protocols")}, tag="live"),
    ("/openapi.json", "get"): operation(
        "This document", {"200": answer("OpenAPI 3.1", {"type": "object"})}, tag="system"),
    ("/", "get"): operation("The library page", PAGE, tag="pages"),
    ("/series/{series_id}", "get"): operation(
        "A series' page", {**PAGE, "404": answer("No such series", {"type": "string"}, HTML)},
        tag="pages", parameters=SERIES_ID),
    ("/login", "get"): operation("The login form", PAGE, tag="pages", public=True),
    ("/login", "post"): operation(
        "Log in from the form", {**PAGE, "401": answer("Wrong password", None, HTML),
                                 "403": answer("Bad CSRF token", None, HTML),
                                 "429": answer("Too many failures", None, HTML)},
        tag="pages", public=True,
        requestBody=body(FORM, "application/x-www-form-urlencoded")),
    ("/setup", "get"): operation(
        "Set the first password (only while no user exists, only from this machine)",
        {**PAGE, "403": answer("Not from this machine", None, HTML),
         "404": answer("Set up already", None, HTML)}, tag="pages", public=True),
    ("/setup", "post"): operation(
        "Create the first user from the form",
        {**PAGE, "403": answer("Not from this machine, or bad CSRF token", None, HTML),
         "404": answer("Set up already", None, HTML),
         "422": answer("Password refused", None, HTML)},
        tag="pages", public=True,
        requestBody=body(FORM, "application/x-www-form-urlencoded")),
    ("/static/{path}", "get"): operation(
        "Stylesheets and scripts", {"200": answer("The file"), "404": ERROR}, tag="pages",
        public=True,
        parameters=[{"name": "path", "in": "path", "required": True,
                     "schema": {"type": "string"}}]),
}

_PROGRESS = {"type": "object", "properties": {
    name: {"type": "boolean"} for name in ("episodes", "nfo", "logo", "images")}}
_STATUS = {"type": "string", "enum": [status.value for status in LoadingStatus]}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_TEXT = {"type": "string"}
_INT = {"type": "integer"}
_OPTIONAL_TEXT = {"type": ["string", "null"]}
_OPTIONAL_INT = {"type": ["integer", "null"]}
_IDS = {"type": "object", "additionalProperties": {"type": "string"},
        "examples": [{"anilist": "21507", "mal": "32182"}]}
_REF = {"provider": {"type": "string", "examples": ["anilist"]},
        "id": {"type": ["string", "integer"]}}


def exactly(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An object with every one of ``properties`` and nothing else (what a handler returns)."""
    return {"type": "object", "required": list(properties), "additionalProperties": False,
            "properties": properties, **extra}


_SERIES_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "format": "uuid"}, "title": _TEXT, "year": _OPTIONAL_INT,
    "folder": _OPTIONAL_TEXT, "ids": _IDS, "loading_status": _STATUS, "message": _TEXT,
    **{f"{name}_loaded": {"type": "boolean"} for name in ("episodes", "nfo", "logo", "images")},
    "loading_error": _OPTIONAL_TEXT,
    "poster_url": {"type": ["string", "null"], "format": "uri"},
    "folder_missing": {"type": "boolean",
                       "description": "A scan found the series' folder gone"},
    "episodes_known": {"type": ["integer", "null"], "minimum": 0,
                       "description": "Regular episodes aired (or undated); null until the "
                                      "episode list has loaded"},
    "episodes_present": {"type": ["integer", "null"], "minimum": 0,
                         "description": "How many of episodes_known have a file"},
}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": "string"}, "series_id": {"type": "string"}}}}},
    "Series": exactly(_SERIES_PROPERTIES),
    "SeriesDetail": exactly({
        **_SERIES_PROPERTIES,
        "episodes": {"type": "array", "items": ref("Episode"),
                     "description": "Every listed episode, present or not, by season and "
                                    "number"},
        "missing_episodes": {
            "type": ["array", "null"], "items": ref("Episode"),
            "description": "Aired regular episodes without a file (not those of an entry "
                           "another library folder holds); null while not known: until the "
                           "episode list has loaded, and while the folder is missing"},
        "missing_unknown_reason": {
            "type": ["string", "null"],
            "description": "Why missing_episodes is null, for people; null when it is not"},
        "seasons": {"type": "array", "items": ref("Season"),
                    "description": "The show's regular seasons in order"},
        "unplaced_files": {"type": "array", "items": ref("UnplacedFile"),
                           "description": "Video files that name no listed episode"},
        "season_note": {"type": ["string", "null"],
                        "description": "Why the chain of seasons stopped early (a relation "
                                       "cycle, a chain too long), if it did"},
        "load_runs": {"type": "array", "items": ref("LoadRun"),
                      "description": "Load attempts, newest first"}}),
    "Episode": exactly({
        "season": _INT, "number": _INT, "absolute_number": _OPTIONAL_INT,
        "title": _OPTIONAL_TEXT, "air_date": {"type": ["string", "null"], "format": "date"},
        "present": {"type": "boolean"},
        "file_path": {"type": ["string", "null"],
                      "description": "Relative to the series' folder"},
        "entry": {"oneOf": [{"type": "null"}, exactly(
            {"provider": _TEXT, "id": _TEXT, "number": _OPTIONAL_INT},
            description="The provider entry the episode belongs to and its number there")]}}),
    "Season": exactly({
        "number": {"type": "integer", "minimum": 1}, "title": _TEXT,
        "entries": {"type": "array", "items": ref("SeasonEntry"),
                    "description": "The provider entries behind the season (a split cour "
                                   "has two)"},
        "known": {"type": "integer", "minimum": 0,
                  "description": "Episodes aired (or undated)"},
        "present": {"type": "integer", "minimum": 0,
                    "description": "How many of the known episodes have a file"},
        "listed": {"type": "integer", "minimum": 0,
                   "description": "Episodes listed, aired or not"}}),
    "SeasonEntry": exactly({
        "ref": exactly({"provider": _TEXT, "id": _TEXT}), "title": _TEXT,
        "format": _OPTIONAL_TEXT, "episodes": _INT,
        "offset": {"type": "integer", "minimum": 0,
                   "description": "Episodes of the season before this entry's first"},
        "year": _OPTIONAL_INT, "ids": _IDS,
        "elsewhere": {"type": ["string", "null"], "format": "uuid",
                      "description": "The library series whose folder holds this entry "
                                     "instead; its episodes are not missing here"},
        "elsewhere_title": {"type": ["string", "null"],
                            "description": "That series' title"}}),
    "UnplacedFile": exactly({
        "path": {"type": "string", "description": "Relative to the series' folder"},
        "reason": _TEXT}),
    "LoadRun": exactly({
        "id": _INT, "status": _STATUS, "started_at": _TIME, "finished_at": _TIME,
        "error": _OPTIONAL_TEXT}),
    "ProviderRef": {"type": "object", "required": ["provider", "id"],
                    "additionalProperties": False, "properties": _REF},
    "SearchResult": {"type": "object", "properties": {
        "ref": {"type": "object", "properties": _REF}, "title": {"type": "string"},
        "year": {"type": ["integer", "null"]}, "format": {"type": ["string", "null"]},
        "episodes": {"type": ["integer", "null"]},
        "alt_titles": {"type": "array", "items": {"type": "string"}},
        "poster_url": {"type": ["string", "null"], "format": "uri"},
        "ids": {"type": "object", "additionalProperties": {"type": "string"}},
        "series_id": {"type": ["string", "null"], "format": "uuid",
                      "description": "The library series that is this entry already"}}},
    "AddSeries": {"type": "object", "additionalProperties": False, "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 255},
        "year": {"type": "integer", "minimum": 1900, "maximum": 2200},
        "provider": {"type": "string", "examples": ["anilist"]},
        "id": {"type": ["string", "integer"]}},
        "anyOf": [{"required": ["title"]}, {"required": ["provider", "id"]}]},
    "LoadingState": {"type": "object", "properties": {
        "series_id": {"type": "string"}, "loading_status": _STATUS, "progress": _PROGRESS,
        "started_at": _TIME, "completed_at": _TIME, "message": {"type": "string"},
        "error": {"type": ["string", "null"]}}},
    "Login": {"type": "object", "required": ["username", "password"],
              "additionalProperties": False,
              "properties": {"username": {"type": "string"},
                             "password": {"type": "string", "format": "password"}}},
    "AuthStatus": {"type": "object", "properties": {
        "authenticated": {"type": "boolean"}, "username": {"type": ["string", "null"]},
        "method": {"enum": ["session", "api_key"]},
        "csrf_token": {"type": ["string", "null"]}}},
    "Event": {"type": "object", "required": ["type", "timestamp"], "properties": {
        "type": {"enum": ["series_added", "series_loading_update", "series_removed",
                          "provider_waiting", "loader_idle", "scan_progress"]},
        "series_id": {"type": "string"}, "title": {"type": "string"}, "status": _STATUS,
        "progress": _PROGRESS, "message": {"type": "string"},
        "error": {"type": ["string", "null"]}, "timestamp": {"type": "string"}}},
}


def route_operations(routes: Sequence[BaseRoute]) -> Iterator[tuple[str, str]]:
    """Every (path, method) the routes answer, as OpenAPI names them."""
    for route in routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield route.path, method.lower()
        elif isinstance(route, WebSocketRoute):
            yield route.path, "get"
        elif isinstance(route, Mount):
            yield f"{route.path}/{{path}}", "get"


def document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI document for ``routes``; ``KeyError`` names an undocumented route."""
    paths: dict[str, dict[str, Any]] = {}
    for path, method in route_operations(routes):
        if (path, method) not in OPERATIONS:
            raise KeyError(f"{method.upper()} {path} has no OpenAPI description")
        paths.setdefault(path, {})[method] = OPERATIONS[path, method]
    return {
        "openapi": "3.1.0",
        "info": {"title": "aniworld", "version": __version__,
                 "description": "Errors are {\"error\": {\"code\", \"message\"}}. Browsers "
                                "send the session cookie and, on POST and DELETE, the CSRF "
                                "token in X-CSRF-Token; scripts send an API key instead."},
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "aniworld_session"},
            "apiKey": {"type": "http", "scheme": "bearer"}}},
        "security": [{"session": []}, {"apiKey": []}],
    }


def openapi_route(routes: Sequence[BaseRoute]) -> Route:
    """The ``/openapi.json`` route, documenting ``routes`` and itself."""
    spec: dict[str, Any] = {}

    async def openapi(request: Request) -> Response:
        return JSONResponse(spec)

    route = Route("/openapi.json", openapi, methods=["GET"])
    spec.update(document([*routes, route]))
    return route
