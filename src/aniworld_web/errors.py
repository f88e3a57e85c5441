"""Every error leaves as ``{"error": {"code", "message"}}`` (HTML pages get a page instead).

The one table mapping core errors to HTTP statuses is :data:`STATUSES`; the first class that
matches wins, so subclasses come before their bases.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Scope

from aniworld_core import (
    AniworldError,
    ConfigError,
    DownloadError,
    DownloadNotFound,
    EpisodeNotFound,
    IdentificationFailed,
    InvalidInput,
    JobNotFound,
    LibraryError,
    PathNotAllowed,
    PluginError,
    ProviderDown,
    ProviderError,
    ProviderUnavailable,
    QueueFull,
    SchemaTooNew,
    SeriesExists,
    SeriesNotFound,
    StateConflict,
    StorageError,
    __version__,
)
from aniworld_web.state import context_in

log = logging.getLogger(__name__)

#: Core error class → (HTTP status, error code), most specific first.
STATUSES: tuple[tuple[type[AniworldError], int, str], ...] = (
    (SeriesNotFound, 404, "not_found"),
    (JobNotFound, 404, "not_found"),
    (DownloadNotFound, 404, "not_found"),
    (EpisodeNotFound, 404, "not_found"),
    (SeriesExists, 409, "series_exists"),
    (StateConflict, 409, "conflict"),
    (PathNotAllowed, 422, "path_not_allowed"),
    (InvalidInput, 422, "invalid_input"),
    (IdentificationFailed, 422, "identification_failed"),
    # A download or import that cannot go on, asked for now (a source that fails to answer
    # Find, a file that is no video): the state of things forbids it, as for any conflict.
    (DownloadError, 409, "download_failed"),
    (QueueFull, 503, "queue_full"),
    (ProviderUnavailable, 503, "provider_unavailable"),
    (ProviderDown, 503, "provider_down"),
    (ProviderError, 502, "provider_error"),
    (SchemaTooNew, 503, "schema_too_new"),
    (StorageError, 503, "storage_unavailable"),
    (LibraryError, 500, "library_error"),
    (ConfigError, 500, "config_error"),
    (PluginError, 500, "plugin_error"),
    (AniworldError, 500, "error"),
)

#: Codes for HTTP errors raised by Starlette itself (unknown path, wrong method, body too big).
HTTP_CODES: Mapping[int, str] = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """An error of the web adapter itself (authentication, CSRF, throttling, body format)."""

    def __init__(self, status: int, code: str, message: str, *,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def status_of(error: AniworldError) -> tuple[int, str]:
    for error_class, status, code in STATUSES:
        if isinstance(error, error_class):
            return status, code
    raise AssertionError("AniworldError is the last entry")  # pragma: no cover


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message,
                      **{key: value for key, value in extra.items() if value is not None}}}


def error_response(status: int, code: str, message: str, *,
                   headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)


def is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/openapi.json"


#: The HTML pages' paths (and the prefix of the series pages): their errors are pages too.
PAGE_PATHS = frozenset({"/", "/login", "/setup", "/account", "/tasks", "/wanted", "/downloads"})
PAGE_PREFIX = "/series/"


def is_page(path: str) -> bool:
    return path in PAGE_PATHS or path.startswith(PAGE_PREFIX)


def wants_html(path: str, accept: str) -> bool:
    """The pages answer with a page, errors included; the API, static files and scripts get
    JSON; any other path a page when the browser asks for one."""
    if is_page(path):
        return True
    return not is_api(path) and not path.startswith("/static/") and "text/html" in accept


def page_response(scope: Scope, status: int, code: str, message: str,
                  headers: Mapping[str, str] | None = None) -> Response | None:
    """The error page for a request that wants a page, else ``None`` (answer JSON)."""
    if (not wants_html(scope["path"], Headers(scope=scope).get("accept", ""))
            or "web" not in scope.get("state", {})):
        return None
    page = context_in(scope).templates.get_template("error.html")
    html = page.render(user=None, csrf=None, version=__version__, status=status, code=code,
                       message=message)
    return HTMLResponse(html, status, headers)


async def _render(request: Request, status: int, code: str, message: str,
                  headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    return (page_response(request.scope, status, code, message, headers)
            or error_response(status, code, message, headers=headers, **extra))


async def on_aniworld_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, AniworldError)
    status, code = status_of(error)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, error)
    headers = _retry_after(error)
    return await _render(request, status, code, str(error), headers,
                         field=getattr(error, "field", None),
                         series_id=error.series_id if isinstance(error, SeriesExists) else None)


def _retry_after(error: AniworldError) -> dict[str, str] | None:
    """``Retry-After`` for errors that go away by themselves: a provider that is down, a full
    queue."""
    if isinstance(error, ProviderDown):
        seconds = error.retry_in
    elif isinstance(error, QueueFull):
        seconds = error.retry_after
    else:
        return None
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


async def on_api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return await _render(request, error.status, error.code, error.message, error.headers)


async def on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    code = HTTP_CODES.get(error.status_code, "http_error")
    message = {404: f"Nothing is at {request.url.path}.",
               405: f"{request.method} is not allowed here."}.get(error.status_code, error.detail)
    return await _render(request, error.status_code, code, message, error.headers)


async def on_unexpected(request: Request, error: Exception) -> Response:
    log.exception("%s %s failed unexpectedly", request.method, request.url.path,
                  exc_info=error)
    return await _render(request, 500, "internal", "Something went wrong on our side; the "
                                                   "server log has the details.")


EXCEPTION_HANDLERS: Mapping[Any, Any] = {
    AniworldError: on_aniworld_error,
    ApiError: on_api_error,
    HTTPException: on_http_error,
    Exception: on_unexpected,
}
