"""Downloads artwork from whatever host a provider's URLs point at.

Image hosts (CDNs) are not the providers' APIs, so downloads don't go through a provider's rate
limiter; they share one client with its own timeouts, a cap on parallel downloads, retries for
5xx/timeouts/connection errors, and a size cap enforced while the body streams in. Whether the
bytes really are an image is for the library writers to check.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import anyio
import attrs
import httpx

from aniworld_core.errors import ProviderError
from aniworld_core.providers.http import (
    MAX_CONNECTIONS,
    USER_AGENT,
    ServerError,
    retrying,
    tried,
)
from aniworld_core.providers.transport import http_transport

#: The largest image accepted unless the downloader is told otherwise (bytes).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_IMAGE_TIMEOUT = 30.0


@attrs.frozen
class DownloadedImage:
    """An image's bytes as the server sent them."""

    url: str
    content: bytes = attrs.field(repr=lambda content: f"<{len(content)} bytes>")
    content_type: str | None


class ImageDownloader:
    """One client for every artwork download of a ``SeriesApp``; close it with :meth:`aclose`."""

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = DEFAULT_IMAGE_TIMEOUT,
        max_parallel: int = 2 * MAX_CONNECTIONS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._parallel = anyio.CapacityLimiter(max_parallel)
        self._client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, "Accept": "image/*"},
            timeout=timeout,
            transport=transport or http_transport(
                httpx.Limits(max_connections=max_parallel,
                             max_keepalive_connections=max_parallel)),
            follow_redirects=True,
        )

    async def aclose(self) -> None:
        with anyio.move_on_after(5, shield=True):
            await self._client.aclose()

    async def fetch(self, url: str, *, source: str | None = None) -> DownloadedImage:
        """The image at ``url``, or a :class:`ProviderError` naming ``source`` (default: the
        host), the download and the reason."""
        parts = urlsplit(url)
        source = source or parts.hostname or "image host"
        request = f"download {url}"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProviderError(source, request, "not an http(s) URL")
        tries = 0
        try:
            async with self._parallel:
                async for attempt in retrying():
                    with attempt:
                        tries = attempt.num
                        return await self._download(url, source, request)
        except (httpx.TimeoutException, TimeoutError):
            reason = f"timed out after {self.timeout:g} s"
        except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
            reason = f"cannot reach {parts.hostname}: {error or type(error).__name__}"
        except ServerError as error:
            raise ProviderError(source, request, tried(error.reason, tries),
                                status=error.status) from None
        except httpx.HTTPError as error:
            reason = f"{type(error).__name__}: {error}"
        raise ProviderError(source, request, tried(reason, tries))

    async def _download(self, url: str, source: str, request: str) -> DownloadedImage:
        with anyio.fail_after(self.timeout):
            async with self._client.stream("GET", url) as response:
                status = response.status_code
                if status >= 500:
                    raise ServerError(status, f"HTTP {status} {response.reason_phrase}")
                if status >= 400:
                    raise ProviderError(source, request,
                                        f"HTTP {status} {response.reason_phrase}", status=status)
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise ProviderError(source, request, self._too_large(), status=status)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ProviderError(source, request, self._too_large(), status=status)
                    chunks.append(chunk)
        content_type = response.headers.get("Content-Type")
        return DownloadedImage(url, b"".join(chunks),
                               content_type.split(";")[0].strip() if content_type else None)

    def _too_large(self) -> str:
        return f"larger than the {self.max_bytes:,} bytes allowed for an image"


__all__ = ["DEFAULT_MAX_BYTES", "DownloadedImage", "ImageDownloader"]
