"""Request bodies: a size limit for all of them, and JSON objects read strictly."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aniworld_web.errors import ApiError, error_response

#: Bodies larger than this are refused with 413 (JSON, like every error).
MAX_BODY_BYTES = 64 * 1024
_TOO_LARGE = f"The body is larger than {MAX_BODY_BYTES // 1024} KiB."


class BodyLimit:
    """Refuse bodies over :data:`MAX_BODY_BYTES`: at once when Content-Length says so, else as
    soon as the bytes read pass the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            await error_response(413, "too_large", _TOO_LARGE)(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise ApiError(413, "too_large", _TOO_LARGE)
            return message

        await self.app(scope, receive_limited, send)


async def json_object(request: Request[Any], fields: Collection[str]) -> dict[str, Any]:
    """The body as a dict whose keys are all in ``fields``.

    Only ``application/json`` is read, so a cross-site HTML form can never post here (it cannot
    send that type without a CORS preflight, which this server never grants).
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON with 'Content-Type: application/json'.")
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(422, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "The body must be a JSON object.")
    unknown = sorted(str(key) for key in data if key not in fields)
    if unknown:
        raise ApiError(422, "invalid_body",
                       f"Unknown field {unknown[0]!r}; expected {', '.join(sorted(fields))}.")
    return data
