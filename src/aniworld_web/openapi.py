"""``GET /openapi.json``: the API described by hand, checked against the routes at startup.

:func:`document` walks the app's routes and looks every (path, method) up in
:data:`OPERATIONS`; a route without a description stops the app from being built, so the
document can never fall behind.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from aniworld_core import (
    MAX_JOB_ID,
    Capability,
    JobState,
    ProviderStatus,
    __version__,
    time_zones,
)
from aniworld_web.openapi_downloads import DOWNLOAD_SCHEMAS, download_operations
from aniworld_web.openapi_schemas import (
    ABSOLUTE_PATH,
    ID_TYPES,
    SCHEMAS,
    TEXT,
    provider_refs,
    ref,
)
from aniworld_web.state import context_of

JSON = "application/json"
HTML = "text/html"
_CONVERTOR = re.compile(r"\{(\w+):\w+\}")


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
#: Filled in with the providers this server has when the document is served.
PROVIDER_NAME = {"type": "string", "examples": ["anilist", "jikan"]}
PAGE = {"200": answer("The page", {"type": "string"}, HTML),
        "303": answer("Elsewhere: log in or set up first")}
JOB_ID = [{"name": "job_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_JOB_ID}}]
SCHEDULE_NAME = [{"name": "name", "in": "path", "required": True,
                  "schema": {"type": "string", "examples": ["rescan"]}}]
JOB_STATE = {"type": "string", "enum": [state.value for state in JobState]}
FULL = answer("Too many jobs of the kind wait already; nothing was added", ref("Error"),
              headers={"Retry-After": {"schema": {"type": "integer"}}})
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
        {"202": answer("Added, loading_status pending; `files` says where its NFO files and "
                       "artwork go", ref("AddedSeries")), "409": ERROR,
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
    ("/api/series/{series_id}/rescan", "post"): operation(
        "Read the series' folder again now (every file in it); a root that is unavailable "
        "(an unmounted disk) is paused, not scanned",
        {"200": answer("What the scan found", ref("ScanReport")), "404": ERROR,
         "409": answer("The series has no folder in the library yet", ref("Error"))},
        tag="series", parameters=SERIES_ID),
    ("/api/search", "get"): operation(
        "Search a provider for candidates to add or to identify a series with",
        {"200": answer("Candidates, best first", {
            "type": "object", "properties": {"results": {"type": "array",
                                                         "items": ref("SearchResult")}}}),
         "422": ERROR, "502": answer("The provider's answer failed", ref("Error")),
         "503": answer("The provider is switched off, cannot search, or is down (then with "
                       "Retry-After)", ref("Error"))},
        tag="series", parameters=[
            {"name": "q", "in": "query", "required": True, "schema": TEXT},
            {"name": "provider", "in": "query", "required": False,
             "description": "Default: the first provider that can search",
             "schema": PROVIDER_NAME},
            {"name": "year", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1900, "maximum": 2200}}]),
    ("/api/jobs", "get"): operation(
        "Background jobs, newest first, with their progress",
        {"200": answer("The jobs", {
            "type": "object", "required": ["jobs"], "additionalProperties": False,
            "properties": {"jobs": {"type": "array", "items": ref("Job")}}}),
         "422": ERROR},
        tag="jobs", parameters=[
            {"name": "kind", "in": "query", "required": False,
             "schema": {"type": "string", "minLength": 1, "maxLength": 200,
                        "examples": ["library.scan"]}},
            {"name": "state", "in": "query", "required": False, "style": "form",
             "explode": True, "description": "Repeat it, or separate states with commas",
             "schema": {"type": "array", "items": JOB_STATE}},
            {"name": "key", "in": "query", "required": False,
             "schema": {"type": "string", "minLength": 1, "maxLength": 200}},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
            {"name": "before", "in": "query", "required": False,
             "description": "Only jobs with a smaller id (the last id of the previous page)",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_JOB_ID}}]),
    ("/api/jobs/{job_id}", "get"): operation(
        "A job with its attempts", {"200": answer("The job", ref("JobDetail")),
                                    "404": ERROR, "422": ERROR},
        tag="jobs", parameters=JOB_ID),
    ("/api/jobs/{job_id}/cancel", "post"): operation(
        "Cancel a queued job, or stop a running one (a `job_update` follows once it has "
        "stopped); a finished job is answered as it is",
        {"200": answer("Cancelled (or finished already)", ref("Job")),
         "202": answer("Running: asked to stop", ref("Job")), "404": ERROR, "422": ERROR},
        tag="jobs", parameters=JOB_ID),
    ("/api/jobs/{job_id}/retry", "post"): operation(
        "Queue a finished job again, its attempts afresh (a queued or running job is "
        "answered as it is)",
        {"202": answer("Queued", ref("Job")), "404": ERROR, "422": ERROR},
        tag="jobs", parameters=JOB_ID),
    ("/api/schedules", "get"): operation(
        "The schedules that add jobs, with their last and next runs",
        {"200": answer("The schedules", {
            "type": "object", "required": ["schedules"], "additionalProperties": False,
            "properties": {"schedules": {"type": "array", "items": ref("Schedule")}}})},
        tag="jobs"),
    ("/api/schedules/{name}", "patch"): operation(
        "Change a schedule's timing or switch it on or off; its next run is computed from now",
        {"200": answer("Changed", ref("Schedule")), "404": ERROR, "415": ERROR,
         "422": ERROR},
        tag="jobs", parameters=SCHEDULE_NAME, requestBody=body(ref("ScheduleChange"))),
    ("/api/schedules/{name}/run", "post"): operation(
        "Add the schedule's job now (its next run stays); while the job it added last is "
        "queued or running, that one is answered",
        {"202": answer("Queued", ref("Job"), headers={
            "Location": {"schema": {"type": "string"}}}),
         "404": ERROR, "503": FULL},
        tag="jobs", parameters=SCHEDULE_NAME),
    ("/api/library/roots", "get"): operation(
        "The library folders: the settings' ones, then those added at run time",
        {"200": answer("The library folders, new series' folders go in the first", {
            "type": "object", "required": ["roots"], "additionalProperties": False,
            "properties": {"roots": {"type": "array", "items": ref("LibraryRoot")}}})},
        tag="library"),
    ("/api/library/roots", "post"): operation(
        "Add a library folder (remembered: later scans, rescans and watching include it); "
        "nothing is scanned until a rescan",
        {"201": answer("Added", ref("LibraryRoot")),
         "200": answer("A library folder already", ref("LibraryRoot")),
         "415": ERROR, "422": answer("Not an absolute path of a folder, or inside or holding "
                                     "a library folder", ref("Error"))},
        tag="library", requestBody=body(ref("AddLibraryRoot"))),
    ("/api/library/roots", "delete"): operation(
        "Stop treating a folder as a library folder; its series stay in the library and its "
        "files on disk are untouched",
        {"200": answer("Removed", ref("LibraryRoot")),
         "409": answer("A folder of the settings: change it there", ref("Error")),
         "422": answer("Not a library folder", ref("Error"))},
        tag="library", parameters=[{"name": "path", "in": "query", "required": True,
                                    "schema": ABSOLUTE_PATH}]),
    ("/api/library/rescan", "post"): operation(
        "Rescan every library folder (a library.scan job, ahead of background work); while "
        "one is queued or running, that one is answered",
        {"202": answer("Queued", ref("Job"), headers={
            "Location": {"schema": {"type": "string"}}}),
         "409": answer("No library folder is set", ref("Error")), "503": FULL},
        tag="library"),
    ("/api/metrics", "get"): operation(
        "Loader and provider metrics for Prometheus, labelled with the process they come "
        "from: this one and every other live process on the database "
        "(aniworld_process_info names each with its role, aniworld_leader says which leads; "
        "scrape with an API key)",
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
        "Whether the server works: its database answers; and whether it runs the loader",
        {"200": answer("Working", ref("Health")),
         "503": answer("The database does not answer", ref("Health"))},
        tag="system", public=True),
    ("/api/series/{series_id}/artwork/{kind}", "get"): operation(
        "The series' own poster or fanart, from its folder (pages show these, never a "
        "provider's images)",
        {"200": {"description": "The image", "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("image/jpeg", "image/png", "image/webp")}},
         "404": answer("No such series, or its folder holds no such image", ref("Error"))},
        tag="series", parameters=[*SERIES_ID, {
            "name": "kind", "in": "path", "required": True,
            "schema": {"type": "string", "enum": ["poster", "fanart"]}}]),
    ("/api/auth/sessions", "get"): operation(
        "Your sessions, most recently used first; `current` marks the one asking",
        {"200": answer("The sessions", {
            "type": "object", "required": ["sessions"], "additionalProperties": False,
            "properties": {"sessions": {"type": "array", "items": ref("Session")}}}),
         "403": answer("Asked with an API key, which has no sessions", ref("Error"))},
        tag="auth"),
    ("/api/auth/sessions", "delete"): operation(
        "Log out everywhere: every session of yours ends, this one included",
        {"204": answer("Ended"), "403": answer("Asked with an API key", ref("Error"))},
        tag="auth"),
    ("/api/auth/sessions/{session_id}", "delete"): operation(
        "End one of your sessions: its cookie opens nothing any more, and its live streams "
        "close", {"204": answer("Ended"), "403": answer("Asked with an API key", ref("Error")),
                  "404": answer("You have no such session", ref("Error"))},
        tag="auth", parameters=[{"name": "session_id", "in": "path", "required": True,
                                 "schema": {"type": "integer", "minimum": 1}}]),
    ("/account", "get"): operation(
        "Your sessions, to end any of them", {
            **PAGE, "403": answer("Asked with an API key", {"type": "string"}, HTML)},
        tag="pages"),
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
    ("/tasks", "get"): operation(
        "The background jobs (running, queued, recent) and the schedules", PAGE,
        tag="pages"),
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
    **download_operations(operation, answer, body, ERROR),
}



def template(path: str) -> str:
    """A route's path as OpenAPI writes it: ``{session_id:int}`` is ``{session_id}``."""
    return _CONVERTOR.sub(r"{\1}", path)


def route_operations(routes: Sequence[BaseRoute]) -> Iterator[tuple[str, str]]:
    """Every (path, method) the routes answer, as OpenAPI names them."""
    for route in routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield template(route.path), method.lower()
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
                                "send the session cookie and, on POST, PATCH and DELETE, the "
                                "CSRF token in X-CSRF-Token; scripts send an API key "
                                "instead."},
        "paths": paths,
        "components": {"schemas": {**SCHEMAS, **DOWNLOAD_SCHEMAS}, "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "aniworld_session"},
            "apiKey": {"type": "http", "scheme": "bearer"}}},
        "security": [{"session": []}, {"apiKey": []}],
    }


def with_providers(spec: dict[str, Any], providers: Sequence[ProviderStatus]) -> dict[str, Any]:
    """``spec`` naming the providers this server has wherever a provider is given: the search
    takes a provider's name; a provider entry (to add or identify a series) a provider's name
    or an id type, with an id shaped as the core checks it. Also the time zone names this
    machine knows, which a schedule's ``timezone`` may be."""
    spec = copy.deepcopy(spec)
    searching = sorted(status.name for status in providers
                       if Capability.SEARCH in status.capabilities)
    search = spec["paths"]["/api/search"]["get"]["parameters"]
    [provider] = [parameter for parameter in search if parameter["name"] == "provider"]
    provider["schema"] = {**PROVIDER_NAME, "enum": searching,
                          "description": "One of the providers that can search"}
    schemas = spec["components"]["schemas"]
    kinds = {id_type: id_type for id_type in ID_TYPES}
    kinds |= {status.id_type: status.id_type for status in providers}
    kinds |= {status.name: status.id_type for status in providers}
    refs = provider_refs(kinds)
    schemas["ProviderRef"]["anyOf"] = refs
    schemas["AddSeries"]["anyOf"] = [schemas["AddSeries"]["anyOf"][0],
                                     *({**entry, "required": ["provider", "id"]} for entry in refs)]
    # Listed here, not when the module loads: reading the time zone database takes a while.
    timezone = schemas["ScheduleChange"]["properties"]["timezone"]
    schemas["ScheduleChange"]["properties"]["timezone"] = {
        "anyOf": [{"enum": sorted(time_zones())}, {"type": "null"}],
        "description": timezone["description"]}
    return spec


def openapi_route(routes: Sequence[BaseRoute]) -> Route:
    """The ``/openapi.json`` route, documenting ``routes`` and itself."""
    spec: dict[str, Any] = {}

    async def openapi(request: Request) -> Response:
        return JSONResponse(with_providers(spec, context_of(request).core.providers()))

    route = Route("/openapi.json", openapi, methods=["GET"])
    spec.update(document([*routes, route]))
    return route
