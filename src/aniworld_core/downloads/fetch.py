"""Stream one URL into a ``.part`` file that survives a restart, and verify it.

Beside ``<name>.part`` lies ``<name>.part.json`` (the *sidecar*): the URL, the server's ETag
and Last-Modified, and the file's total size. A later attempt (also in a new process after
``kill -9``) with a sidecar for the same URL asks for the rest (``Range: bytes=N-``, with
``If-Range``); a server that answers 200 instead starts the file again (``restarted``). The
sidecar is written after the ``.part`` is opened (truncated to where it goes on) and before any
byte of a new answer, so the two always agree, also after a cancellation.

Every failure is a :class:`~aniworld_core.errors.DownloadError` whose message names the host or
the folder; ``permanent`` and ``keep_partial`` tell the manager whether to try again and whether
to keep the ``.part``. Where the partial is worthless (a web page, a file larger than announced,
a checksum mismatch) the fetcher removes it itself. A full disk is ``permanent`` (someone must
make room) with the partial kept; permission denied is ``permanent``.

Writes (and the checksum) run in a worker thread while the next chunks arrive, through a queue
of a few chunks, so the event loop never waits on the disk and memory stays flat.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import re
from collections.abc import Awaitable, Callable
from email.message import Message
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TypeVar
from urllib.parse import unquote

import anyio
import anyio.to_thread
import attrs
import httpx
from anyio.streams.memory import MemoryObjectSendStream

from aniworld_core.downloads.bandwidth import Bandwidth
from aniworld_core.downloads.partial import (
    PartWriter,
    Sidecar,
    disk_free,
    finish,
    hash_into,
    open_at,
    remove_partial,
    sidecar_path,
)
from aniworld_core.errors import DownloadError

#: Room left free on a disk beyond what a download still needs.
FREE_MARGIN = 16 << 20
_MB = 1_000_000
_SNIFF = 1024
_EAGER = 1 << 15  # bytes handed to an idle writer without waiting for a whole chunk
_WEB_TYPES = ("application/json", "application/xhtml+xml", "application/xml")
_HTML_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<title")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MEDIA_EXTENSIONS = {"video/x-matroska": ".mkv", "video/mp4": ".mp4", "video/webm": ".webm",
                     "video/x-msvideo": ".avi", "video/mp2t": ".ts", "video/quicktime": ".mov",
                     "video/x-flv": ".flv", "video/ogg": ".ogv"}
_EXTENSION = re.compile(r"\.[a-z0-9]{1,5}")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
T = TypeVar("T")


@attrs.frozen
class FetchResult:
    """A finished fetch: ``size`` bytes in the ``.part`` file, verified against the size the
    server announced, ``expected_size`` and the checksum (whichever were known)."""

    size: int
    resumed_from: int
    restarted: bool
    content_type: str | None
    extension: str | None


class _StartOver(Exception):
    """The server cannot continue the partial: fetch from zero within this attempt."""


@attrs.define
class _Target:
    """What one fetch writes and what it knows so far."""

    url: str
    host: str
    part: Path
    expected_size: int | None
    checksum: tuple[str, str] | None
    on_progress: Callable[[int, int | None], None]
    offset: int = 0
    sidecar: Sidecar | None = None
    restarted: bool = False

    @property
    def folder(self) -> Path:
        return self.part.parent


class Fetcher:
    """Fetches URLs into ``.part`` files with ``client`` (its timeouts, proxies and limits
    apply), taking every chunk from ``bandwidth``. ``free_space`` and ``open_part`` are the
    file-system seams (tests inject a full disk through them). ``sync``: the finished part
    is on disk (fsync) before ``fetch`` returns. ``depth``: chunks read ahead of the disk.

    Memory stays within about ``(depth + 2) * chunk_size`` per download.
    """

    def __init__(self, client: httpx.AsyncClient, *, bandwidth: Bandwidth | None = None,
                 chunk_size: int = 1 << 18, free_space: Callable[[Path], int] = disk_free,
                 open_part: Callable[[Path, int], BinaryIO] = open_at, sync: bool = True,
                 depth: int = 4) -> None:
        self._client = client
        self._sync = sync
        self._depth = depth
        self._bandwidth = bandwidth
        self._chunk_size = chunk_size
        self._free_space = free_space
        self._open_part = open_part

    async def fetch(self, url: str, part: Path, *, expected_size: int | None = None,
                    checksum: str | None = None,
                    on_progress: Callable[[int, int | None], None]) -> FetchResult:
        """Fetch ``url`` into ``part``, going on from an earlier attempt where the server
        allows it; ``on_progress(done, total)`` follows every chunk. Raises
        :class:`DownloadError`."""
        target = _Target(url, _checked_host(url), part, expected_size,
                         _parse_checksum(checksum), on_progress)
        await self._writing(target, anyio.to_thread.run_sync(self._prepare, target))
        try:
            return await self._attempt(target)
        except _StartOver:
            target.offset, target.restarted = 0, True
            try:
                return await self._attempt(target)
            except _StartOver:
                raise DownloadError(f"{target.host} cannot serve the file from its start",
                                    keep_partial=False) from None

    def _prepare(self, target: _Target) -> None:
        """Make the folder and find how much of an earlier attempt can be kept."""
        target.folder.mkdir(parents=True, exist_ok=True)
        sidecar = Sidecar.load(sidecar_path(target.part))
        try:
            size = target.part.stat().st_size
        except FileNotFoundError:
            size = 0
        if sidecar is None or sidecar.url != target.url or (
                sidecar.total is not None and size > sidecar.total):
            sidecar, size = None, 0
        target.sidecar, target.offset = sidecar, size

    async def _attempt(self, target: _Target) -> FetchResult:
        headers = {"Accept-Encoding": "identity"}
        if target.offset and target.sidecar is not None:
            headers["Range"] = f"bytes={target.offset}-"
            if target.sidecar.validator is not None:
                headers["If-Range"] = target.sidecar.validator
        else:
            target.offset = 0
        try:
            async with self._client.stream("GET", target.url, headers=headers,
                                           follow_redirects=True) as response:
                return await self._receive(target, response)
        except httpx.TimeoutException:
            raise DownloadError(f"{target.host} did not answer in time") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            raise DownloadError(f"the connection to {target.host} dropped") from None
        except httpx.ConnectError:
            raise DownloadError(f"cannot connect to {target.host}") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.TooManyRedirects):
            raise DownloadError(f"{target.host} redirects to an address that cannot be "
                                "downloaded", permanent=True) from None
        except httpx.HTTPError as error:
            raise DownloadError(f"the download from {target.host} failed "
                                f"({type(error).__name__})") from None

    async def _receive(self, target: _Target, response: httpx.Response) -> FetchResult:
        status = response.status_code
        if status == 416 and target.offset:
            return await self._already_complete(target, response)
        if status >= 400 or status not in (200, 206):
            raise _status_error(target.host, response)
        content_type = response.headers.get("content-type")
        _refuse_web_types(target, content_type)
        start, total = self._where(target, response)
        limit = target.expected_size if target.expected_size is not None else total
        if total is not None and limit is not None and total > limit:
            remove_partial(target.part)
            raise DownloadError(f"the file on {target.host} is larger than announced "
                                f"({total} bytes, {limit} expected)", permanent=True,
                                keep_partial=False)
        if limit is not None:
            await self._check_free_space(target.folder, limit - start)
        extension = _extension(response, target.url)
        sidecar = Sidecar(target.url, response.headers.get("etag"),
                          response.headers.get("last-modified"), total, content_type, extension)
        hasher = None
        if target.checksum is not None:
            hasher = hashlib.new(target.checksum[0])
            if start:  # the bytes kept from before count too
                await self._writing(target, anyio.to_thread.run_sync(
                    hash_into, hasher, target.part, start))
        file = await self._writing(target, anyio.to_thread.run_sync(
            self._open_and_record, target, start, sidecar))
        try:
            writer = PartWriter(file, start, hasher, target.on_progress, limit)
            done = await self._stream(target, response, writer, limit)
            await self._writing(target, anyio.to_thread.run_sync(
                lambda: finish(file, sync=self._sync)))
        except DownloadError as error:
            if not error.keep_partial:
                file.close()
                remove_partial(target.part)
            raise
        finally:
            file.close()
        if limit is not None and done < limit:
            raise DownloadError(f"the download from {target.host} ended early "
                                f"({done} of {limit} bytes)")
        if hasher is not None and target.checksum is not None and (
                hasher.hexdigest() != target.checksum[1].lower()):
            remove_partial(target.part)
            raise DownloadError(f"the file from {target.host} does not match its checksum",
                                keep_partial=False)
        return FetchResult(done, start, target.restarted, content_type, extension)

    def _where(self, target: _Target, response: httpx.Response) -> tuple[int, int | None]:
        """Where the answer starts in the file, and the file's total size if known."""
        encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
        length = response.headers.get("content-length")
        sent = int(length) if length and length.isdigit() and not encoded else None
        if response.status_code == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
            if match is None or int(match[1]) != target.offset:
                raise _StartOver
            total = None if match[3] == "*" else int(match[3])
            return target.offset, total
        if target.offset:
            target.restarted = True
        return 0, sent

    async def _already_complete(self, target: _Target,
                                response: httpx.Response) -> FetchResult:
        """A 416 to a resume: done if the part already holds the whole file."""
        match = re.fullmatch(r"bytes\s+\*/(\d+)", response.headers.get("content-range", ""))
        total = int(match[1]) if match else (target.sidecar.total if target.sidecar else None)
        size = target.expected_size if target.expected_size is not None else total
        if size is None or size != target.offset:
            raise _StartOver
        if target.checksum is not None:
            hasher = hashlib.new(target.checksum[0])
            await self._writing(target, anyio.to_thread.run_sync(
                hash_into, hasher, target.part, size))
            if hasher.hexdigest() != target.checksum[1].lower():
                remove_partial(target.part)
                raise DownloadError(f"the file from {target.host} does not match its "
                                    "checksum", keep_partial=False)
        target.on_progress(size, size)
        known = target.sidecar or Sidecar(target.url)
        return FetchResult(size, size, False, known.content_type,
                           known.extension or _extension(response, target.url))

    async def _check_free_space(self, folder: Path, remaining: int) -> None:
        free = await anyio.to_thread.run_sync(self._free_space, folder)
        if free < remaining + FREE_MARGIN:
            raise DownloadError(f"disk full: {free // _MB} MB free on {folder}, "
                                f"{-(-(remaining + FREE_MARGIN) // _MB)} MB needed",
                                permanent=True, keep_partial=True)

    def _open_and_record(self, target: _Target, start: int, sidecar: Sidecar) -> BinaryIO:
        file = self._open_part(target.part, start)
        try:
            if sidecar != target.sidecar:
                sidecar.save(sidecar_path(target.part))
                target.sidecar = sidecar
        except BaseException:
            file.close()
            raise
        return file

    async def _stream(self, target: _Target, response: httpx.Response, writer: PartWriter,
                      limit: int | None) -> int:
        """Read the body while ``writer`` writes what came before; the size of the part."""
        send, receive = anyio.create_memory_object_stream[bytearray](self._depth)
        failure: DownloadError | httpx.HTTPError | None = None
        target.on_progress(writer.done, limit)
        async with anyio.create_task_group() as group:
            group.start_soon(writer.run, receive, group.cancel_scope)
            async with send:
                try:
                    await self._read(target, response, send, writer, limit)
                except (DownloadError, httpx.HTTPError) as error:
                    failure = error
        if writer.error is not None:
            await self._writing(target, _raising(writer.error))
        if failure is not None:
            raise failure
        return writer.done

    async def _read(self, target: _Target, response: httpx.Response,
                    send: MemoryObjectSendStream[bytearray], writer: PartWriter,
                    limit: int | None) -> None:
        """Hand the body to the writer in buffers of ``chunk_size`` bytes, or as it comes
        while the writer has nothing to do (so little is lost to a ``kill -9``)."""
        chunks = (response.aiter_raw() if response.headers.get("content-encoding", "identity")
                  .lower() == "identity" else response.aiter_bytes())
        buffer, position = bytearray(), writer.done
        try:
            async for chunk in chunks:
                buffer += chunk
                if limit is not None and position + len(buffer) > limit:
                    raise DownloadError(f"the file on {target.host} is larger than announced "
                                        f"(more than {limit} bytes)", permanent=True,
                                        keep_partial=False)
                if len(buffer) >= self._chunk_size or (
                        len(buffer) >= _EAGER and not writer.writing
                        and send.statistics().current_buffer_used == 0):
                    try:
                        position = await self._hand(target, send, buffer, position)
                    except (anyio.get_cancelled_exc_class(), anyio.BrokenResourceError) as stop:
                        # Cancelled outside the body stream, httpx's async generators stay
                        # suspended (trio warns when they are collected): one more step
                        # delivers the cancellation inside them, and they end. (A writer
                        # that failed has cancelled the group before it went away.)
                        with contextlib.suppress(BaseException):
                            await anext(chunks)
                        if isinstance(stop, anyio.BrokenResourceError):
                            return
                        raise
                    buffer = bytearray()
        except httpx.HTTPError:
            if buffer:  # what arrived before the connection broke is kept for the resume
                await self._hand(target, send, buffer, position)
            raise
        if buffer:
            await self._hand(target, send, buffer, position)

    async def _hand(self, target: _Target, send: MemoryObjectSendStream[bytearray],
                    buffer: bytearray, position: int) -> int:
        if position == 0 and _looks_like_html(bytes(buffer[:_SNIFF])):
            raise DownloadError(f"the server sent a web page, not a video ({target.host} "
                                "answered with HTML)", permanent=True, keep_partial=False)
        if self._bandwidth is not None:
            await self._bandwidth.take(len(buffer))
        await send.send(buffer)
        return position + len(buffer)

    async def _writing(self, target: _Target, work: Awaitable[T]) -> T:
        """Await file-system ``work``, turning what the disk says into a DownloadError."""
        try:
            result: T = await work
        except PermissionError:
            raise DownloadError(f"permission denied: cannot write in {target.folder}",
                                permanent=True) from None
        except OSError as error:
            if error.errno in _DISK_FULL:
                free = await anyio.to_thread.run_sync(_free_or_zero, self._free_space,
                                                      target.folder)
                raise DownloadError(f"disk full: {free // _MB} MB free on {target.folder}",
                                    permanent=True, keep_partial=True) from None
            raise DownloadError(f"cannot write in {target.folder}: "
                                f"{error.strerror or error}") from None
        return result


async def _raising(error: Exception) -> None:
    raise error


def _free_or_zero(free_space: Callable[[Path], int], folder: Path) -> int:
    try:
        return free_space(folder)
    except OSError:
        return 0


def _checked_host(url: str) -> str:
    """The host of an http(s) URL, or a permanent DownloadError (nothing is written)."""
    if any(c in url for c in "\x00\r\n\t \\"):
        raise DownloadError("the address has spaces or control characters and cannot be "
                            "downloaded", permanent=True, keep_partial=False)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise DownloadError("the address is not a valid URL", permanent=True,
                            keep_partial=False) from None
    if parsed.scheme not in ("http", "https"):
        raise DownloadError(f"only http and https addresses can be downloaded, not "
                            f"{parsed.scheme or 'this'}: addresses", permanent=True,
                            keep_partial=False)
    if not parsed.host:
        raise DownloadError("the address names no host", permanent=True, keep_partial=False)
    if parsed.userinfo or "@" in parsed.netloc.decode("ascii", "replace"):
        raise DownloadError(f"addresses with a user name or password are refused "
                            f"({parsed.host})", permanent=True, keep_partial=False)
    return parsed.host


def _parse_checksum(checksum: str | None) -> tuple[str, str] | None:
    if checksum is None:
        return None
    name, sep, digest = checksum.partition(":")
    name = name.strip().lower()
    if (not sep or name not in hashlib.algorithms_available or name.startswith("shake")
            or not re.fullmatch(r"[0-9a-fA-F]+", digest.strip())):
        raise DownloadError(f"the checksum {checksum[:40]!r} is not <algorithm>:<hex>",
                            permanent=True, keep_partial=False)
    return name, digest.strip()


def _status_error(host: str, response: httpx.Response) -> DownloadError:
    status = response.status_code
    permanent = (400 <= status < 500 and status not in (408, 429)) or status < 400
    phrase = f"{status} {response.reason_phrase}".strip()
    return DownloadError(f"{host} answered {phrase}", permanent=permanent)


def _refuse_web_types(target: _Target, content_type: str | None) -> None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media.startswith("text/") or media in _WEB_TYPES:
        remove_partial(target.part)
        raise DownloadError(f"the server sent a web page, not a video ({target.host} "
                            f"answered {media})", permanent=True, keep_partial=False)


def _looks_like_html(start: bytes) -> bool:
    for bom in _BOMS:
        start = start.removeprefix(bom)
    return start.lstrip().lower().startswith(_HTML_STARTS)


def _extension(response: httpx.Response, url: str) -> str | None:
    """From Content-Disposition, else the URL's path, else the content type."""
    candidates = []
    disposition = response.headers.get("content-disposition")
    if disposition:
        message = Message()
        message["content-disposition"] = disposition
        candidates.append(message.get_filename() or "")
    candidates += [unquote(httpx.URL(url).path), unquote(response.url.path)]
    for name in candidates:
        suffix = PurePosixPath(name).suffix.lower()
        if _EXTENSION.fullmatch(suffix):
            return suffix
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return _MEDIA_EXTENSIONS.get(media)


__all__ = ["FREE_MARGIN", "FetchResult", "Fetcher", "disk_free", "open_at", "remove_partial",
           "sidecar_path"]
