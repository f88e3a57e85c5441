"""The artwork downloader: bytes and type, the size cap while streaming, retries, clear errors."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest

from aniworld_core import ProviderError
from aniworld_core.providers.http import ATTEMPTS
from aniworld_core.providers.images import ImageDownloader

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
URL = "https://s4.anilist.co/file/anilistcdn/media/anime/cover/large/bx1.png"


class EndlessBody(httpx.AsyncByteStream):
    """A body that never ends: only a cap enforced while streaming can stop reading it."""

    def __init__(self) -> None:
        self.chunks_sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.chunks_sent += 1
            yield b"\xff" * 1024
            await anyio.lowlevel.checkpoint()


async def download(handler: object, url: str = URL, **options: int) -> bytes | ProviderError:
    downloader = ImageDownloader(transport=httpx.MockTransport(handler), **options)  # type: ignore[arg-type]
    try:
        with anyio.fail_after(5):
            return (await downloader.fetch(url)).content
    except ProviderError as error:
        return error
    finally:
        await downloader.aclose()


async def test_returns_bytes_and_content_type() -> None:
    """A download returns the body as sent and the media type without parameters."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=PNG, headers={"Content-Type": "image/png; q=1"})

    downloader = ImageDownloader(transport=httpx.MockTransport(handler))
    try:
        image = await downloader.fetch(URL)
    finally:
        await downloader.aclose()
    assert (image.url, image.content, image.content_type) == (URL, PNG, "image/png")
    assert seen[0].headers["User-Agent"].startswith("aniworld/")


# Stopping early leaves httpx's inner async generators to the garbage collector, which trio
# reports as a ResourceWarning (encode/httpx#3686); the download itself is closed properly.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_size_cap_is_enforced_while_streaming() -> None:
    """An endless body stops at the cap with an error instead of filling memory."""
    body = EndlessBody()
    result = await download(lambda request: httpx.Response(200, stream=body), max_bytes=10_000)
    gc.collect()  # while the warning filter above applies
    assert isinstance(result, ProviderError)
    assert result.reason == "larger than the 10,000 bytes allowed for an image"
    assert result.provider == "s4.anilist.co"
    assert result.request == f"download {URL}"
    assert body.chunks_sent <= 11


async def test_declared_size_over_the_cap_is_refused_before_reading() -> None:
    """A Content-Length above the cap fails without downloading the body."""
    body = EndlessBody()
    result = await download(
        lambda request: httpx.Response(200, stream=body, headers={"Content-Length": "99999999"}),
        max_bytes=1000,
    )
    assert isinstance(result, ProviderError)
    assert "larger than the 1,000 bytes" in result.reason
    assert body.chunks_sent == 0


async def test_server_errors_are_retried_then_reported() -> None:
    """5xx answers are retried; when they persist the error carries the status."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    result = await download(handler)
    assert isinstance(result, ProviderError)
    assert result.status == 503
    assert result.reason == f"HTTP 503 Service Unavailable (tried {ATTEMPTS} times)"
    assert len(calls) == ATTEMPTS


async def test_a_flaky_connection_is_retried() -> None:
    """A connection error followed by success returns the image."""
    answers: list[httpx.Response | Exception] = [httpx.ConnectError("reset"),
                                                  httpx.Response(200, content=PNG)]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await download(handler) == PNG


async def test_not_found_is_not_retried() -> None:
    """A 404 fails at once with its status."""
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(404)

    result = await download(handler)
    assert isinstance(result, ProviderError)
    assert (result.status, len(calls)) == (404, 1)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/a.png", "poster.jpg"])
async def test_only_http_urls_are_fetched(url: str) -> None:
    """URLs that are not http(s) are refused without any request."""
    calls: list[int] = []
    result = await download(lambda request: calls.append(1), url=url)
    assert isinstance(result, ProviderError)
    assert result.reason == "not an http(s) URL"
    assert calls == []
