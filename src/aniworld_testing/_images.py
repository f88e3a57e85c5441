"""Fake image host: every artwork URL the other fakes hand out resolves here.

Images are small valid files in one colour per URL, made on the fly: JPEG for posters,
backgrounds and banners, RGBA PNG for logos. URLs for series the dataset doesn't have are 404.
``options.image_fault`` makes the host misbehave (see :class:`ImageFault`) for a share
``options.image_fault_rate`` of image requests.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from aniworld_testing._artwork import ImageName, parse_image_path
from aniworld_testing._harness import ROLL_KEY
from aniworld_testing._imagegen import jpeg, png
from aniworld_testing._options import ImageFault
from aniworld_testing._service import FakeService

_CHUNK = 64 * 1024
_ERROR_PAGE = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
               b"<body><h1>502 Bad Gateway</h1><p>The origin did not answer.</p></body></html>\n")
_CACHE = {"Cache-Control": "public, max-age=31536000"}


class FakeImageHost(FakeService):
    """Serves the dataset's artwork as real image files."""

    name = "images"

    def build_app(self) -> Any:
        return self.starlette([Route("/{path:path}", self._image, methods=["GET", "HEAD"])])

    def error_response(self, status: int, headers: dict[str, str] | None = None) -> Response:
        title = {404: "404 Not Found", 429: "429 Too Many Requests"}.get(status, f"{status} Error")
        page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        return HTMLResponse(page, status_code=status, headers=headers)

    def injected_fault(self, roll: float) -> str | None:
        fault = self.options.image_fault
        return f"image:{fault}" if fault and roll < self.options.image_fault_rate else None

    def exists(self, name: ImageName) -> bool:
        """Whether the dataset has the series an image URL names."""
        data = self.dataset
        if name.provider == "anilist":
            return data.by_anilist(name.ident) is not None
        if name.provider == "mal":
            return data.by_mal(name.ident) is not None
        if name.provider == "tvmaze":
            return data.show_by_tvmaze(name.ident) is not None
        if name.provider == "tmdb":
            return data.show_by_tmdb(name.ident) is not None
        show = data.show_by_tvdb(name.ident)
        return show is not None and show.first.has_fanart

    @staticmethod
    def render(name: ImageName) -> bytes:
        """The image file for ``name``: its colour comes from the file name."""
        mixed = zlib.crc32(f"{name.provider}{name.kind}{name.ident}{name.index}".encode())
        rgb = (mixed & 0xFF, mixed >> 8 & 0xFF, mixed >> 16 & 0xFF)
        if name.extension == "png":
            return png(name.width, name.height, (*rgb, 255))
        return jpeg(name.width, name.height, rgb)

    async def _image(self, request: Request) -> Response:
        name = parse_image_path(request.url.path)
        if name is None or not self.exists(name):
            return self.error_response(404)
        body = self.render(name)
        content_type = name.content_type
        fault = self.options.image_fault
        if fault is None or request.scope.get(ROLL_KEY, 1.0) >= self.options.image_fault_rate:
            return Response(body, media_type=content_type, headers=_CACHE)
        if fault is ImageFault.HTML_PAGE:
            return Response(_ERROR_PAGE, media_type=content_type)
        if fault is ImageFault.EMPTY:
            return Response(b"", media_type=content_type)
        if fault is ImageFault.TRUNCATED:
            return Response(body[: len(body) // 2], media_type=content_type)
        if fault is ImageFault.WRONG_TYPE:
            return Response(body, media_type="application/octet-stream")
        size = max(self.options.oversized_bytes, len(body))
        return StreamingResponse(_padded(body, size), media_type=content_type,
                                 headers={"Content-Length": str(size)})


async def _padded(body: bytes, size: int) -> AsyncIterator[bytes]:
    yield body
    remaining = size - len(body)
    while remaining > 0:
        chunk = min(_CHUNK, remaining)
        remaining -= chunk
        yield bytes(chunk)
