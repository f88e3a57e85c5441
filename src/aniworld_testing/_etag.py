"""Entity tags for a fake's JSON answers, as servers behind a caching CDN send them: every
successful GET answer carries ``ETag`` (a hash of its body), and a request whose
``If-None-Match`` names the current tag gets ``304 Not Modified`` with no body. The request is
still a request: it counts against the rate limits (what the real services do with it is not
documented)."""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ETags:
    """ASGI middleware around a fake's app."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        #: Answers 304 so far (tests read it).
        self.not_modified = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self._app(scope, receive, send)
            return
        asked = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        body = bytearray()

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self._app(scope, receive, collect)
        assert start is not None
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        if start["status"] == 200:
            tag = f'"{hashlib.sha256(bytes(body)).hexdigest()[:20]}"'
            headers["ETag"] = tag
            if asked is not None and tag in {part.strip() for part in asked.split(",")}:
                self.not_modified += 1
                del headers["content-length"]
                if "content-type" in headers:
                    del headers["content-type"]
                await send({**start, "status": 304, "headers": headers.raw})
                await send({"type": "http.response.body", "body": b""})
                return
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": bytes(body)})
