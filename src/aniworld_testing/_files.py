"""A fake file server: large deterministic files over a real loopback socket, with faults.

Content is made from a 1 MiB random pattern per file (seeded by the file's seed and name),
rotated by a different amount in every 1 MiB block, so a 1 GiB file is never held in memory,
any byte range can be produced at once, and a byte put at the wrong offset shows in its hash.

It is a small HTTP/1.1 server on asyncio streams (keep-alive, ``GET``/``HEAD``, one
``Range: bytes=N-[M]``, ``If-Range``), run in a thread of its own like :class:`ServedApp`;
uvicorn and an ASGI app cost too much per byte to serve a capped gigabit. Knobs are attributes
of each :class:`FakeFile` (change them at any time; they apply to the next request), and the
server's own ``rate`` and ``latency`` apply to files that set none::

    with FakeFileServer() as server:
        episode = server.add("ep1.mkv", 10 << 20, drop_after=1 << 20, drop_times=1)
        ...  # fetch episode.url
        assert server.records[0].bytes_sent == 1 << 20
        assert digest == episode.sha256()
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import random
import socket
import struct
import termios
import threading
from collections.abc import Iterator
from email.utils import formatdate

import attrs

from aniworld_testing._serve import Startable, listening_socket

BLOCK = 1 << 20
_ROTATION = 0x9E3779B1  # odd: consecutive blocks start at well-spread offsets of the pattern
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
             b"<body><form>Please sign in to watch this episode.</form></body></html>\n")
_REASONS = {200: "OK", 206: "Partial Content", 404: "Not Found", 416: "Range Not Satisfiable",
            400: "Bad Request", 405: "Method Not Allowed"}


@attrs.define(eq=False)
class FakeFile:
    """One served file and its knobs.

    ``ranges``: honour ``Range`` (else always 200). ``etag`` / ``last_modified``: send the
    validator. ``rate``: bytes per second per response (0: the server's). ``latency``: seconds
    before the head (None: the server's). ``drop_after`` / ``drop_times``: for the next
    ``drop_times`` requests, close the connection once the byte at offset ``drop_after`` of
    the file would go out. ``errors`` / ``error_status``: answer the next ``errors`` requests
    with that status. ``length_delta``: announce that many bytes more (or fewer) than sent, then
    close. ``chunked``: no Content-Length. ``html``: send a web page instead of the file.
    ``content_type``: None for the default (``video/x-matroska``, ``text/html`` with ``html``).
    ``change()`` gives the file new content and validators (as a re-upload would).
    """

    name: str
    size: int
    seed: int = 0
    ranges: bool = True
    etag: bool = True
    last_modified: bool = True
    rate: int = 0
    latency: float | None = None
    drop_after: int | None = None
    drop_times: int = 0
    errors: int = 0
    error_status: int = 503
    length_delta: int = 0
    chunked: bool = False
    html: bool = False
    content_type: str | None = None
    disposition: str | None = None
    version: int = 0
    base_url: str = ""
    _pattern: bytes = attrs.field(default=b"", init=False, repr=False)
    _pattern_version: int = attrs.field(default=-1, init=False, repr=False)
    _digest: tuple[int, str] | None = attrs.field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"{self.base_url}/files/{self.name}"

    @property
    def etag_value(self) -> str:
        return f'"{self.seed:x}-{self.version}-{self.size:x}"'

    @property
    def last_modified_value(self) -> str:
        return formatdate(1_780_000_000 + 3600 * self.version, usegmt=True)

    @property
    def media_type(self) -> str:
        if self.content_type is not None:
            return self.content_type
        return "text/html; charset=utf-8" if self.html else "video/x-matroska"

    def change(self) -> None:
        """New content and new validators, same size."""
        self.version += 1

    def _doubled_pattern(self) -> memoryview:
        if self._pattern_version != self.version:
            rng = random.Random(f"{self.seed}:{self.name}:{self.version}")
            pattern = rng.randbytes(BLOCK)
            self._pattern = pattern + pattern
            self._pattern_version = self.version
        return memoryview(self._pattern)

    def chunks(self, start: int = 0, end: int | None = None,
               size: int = BLOCK) -> Iterator[memoryview]:
        """The bytes ``start`` to ``end`` (exclusive; None: the end), in pieces of at most
        ``size`` that never copy the content."""
        end = self.size if end is None else min(end, self.size)
        doubled = self._doubled_pattern()
        position = start
        while position < end:
            block, within = divmod(position, BLOCK)
            offset = (block * _ROTATION) % BLOCK + within
            take = min(size, BLOCK - within, end - position)
            yield doubled[offset:offset + take]
            position += take

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """The bytes ``start`` to ``end`` as one ``bytes`` (small files and tests)."""
        return b"".join(self.chunks(start, end))

    def sha256(self) -> str:
        """The hex SHA-256 of the whole file (computed once per version)."""
        if self._digest is None or self._digest[0] != self.version:
            digest = hashlib.sha256()
            for piece in self.chunks():
                digest.update(piece)
            self._digest = (self.version, digest.hexdigest())
        return self._digest[1]

    def checksum(self) -> str:
        """``"sha256:<hex>"``, as an offer gives it."""
        return f"sha256:{self.sha256()}"


@attrs.define
class FileRequest:
    """One request the server answered (or dropped).

    ``range_start`` is the first byte asked for (None: no ``Range``), ``status`` what was
    answered, ``bytes_sent`` the body bytes handed to the socket (counted before each write,
    so a client that has read them finds them here), ``bytes_delivered`` those of them the
    client's TCP acknowledged, read from the kernel when the body ended (on Linux; None
    elsewhere, or before the body ends): bytes still in this server's send buffer when the
    client went away were sent but never fetched. ``fault`` the injected fault (``"error"``,
    ``"drop"``, ``"length"``, ``"html"``) or None.
    """

    method: str
    name: str
    range: str | None
    range_start: int | None
    if_range: str | None
    status: int = 0
    bytes_sent: int = 0
    bytes_delivered: int | None = None
    fault: str | None = None


class FakeFileServer(Startable):
    """Serves :class:`FakeFile` s at ``/files/<name>`` on 127.0.0.1 (see the module doc)."""

    def __init__(self, *, rate: int = 0, latency: float = 0.0, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.rate = rate
        self.latency = latency
        self.host = host
        self.files: dict[str, FakeFile] = {}
        self._port = port
        self._lock = threading.Lock()
        self._records: list[FileRequest] = []
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the file server is not running; call start() first")
        port: int = self._socket.getsockname()[1]
        return f"http://{self.host}:{port}"

    def add(self, name: str, size: int, **knobs: object) -> FakeFile:
        """Serve a file of ``size`` bytes at ``/files/<name>`` (knobs: :class:`FakeFile`)."""
        file = FakeFile(name, size, **knobs)  # type: ignore[arg-type]
        if self._socket is not None:
            file.base_url = self.url
        self.files[name] = file
        return file

    @property
    def records(self) -> list[FileRequest]:
        """Every request so far, oldest first (copies)."""
        with self._lock:
            return [attrs.evolve(record) for record in self._records]

    def requests_for(self, name: str) -> list[FileRequest]:
        return [record for record in self.records if record.name == name]

    def bytes_sent(self, name: str) -> int:
        """Body bytes of ``name`` handed to the socket over every request."""
        return sum(record.bytes_sent for record in self.requests_for(name))

    def reset(self) -> None:
        """Forget the files, the records and the server-wide knobs."""
        with self._lock:
            self._records.clear()
        self.files.clear()
        self.rate = 0
        self.latency = 0.0

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the file server was already started")
        self._socket = listening_socket(self.host, self._port)
        for file in self.files.values():
            file.base_url = self.url
        self._thread = threading.Thread(target=self._run, name="aniworld-fake-files",
                                        daemon=True)
        self._thread.start()
        if not self._ready.wait(10.0):
            self.stop()
            raise RuntimeError("the fake file server did not start")

    def stop(self) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(10.0)
        if self._socket is not None:
            self._socket.close()

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        assert self._socket is not None
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, sock=self._socket,
                                            limit=1 << 16)
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while await self._answer(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.transport.abort()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must close."""
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = [*lines[0].split(" "), "", ""][:3]
        headers = {}
        for line in lines[1:]:
            key, sep, value = line.partition(":")
            if sep:
                headers[key.strip().lower()] = value.strip()
        name = target.split("?", 1)[0].removeprefix("/files/")
        file = self.files.get(name) if target.startswith("/files/") else None
        asked = headers.get("range")
        record = FileRequest(method, name, asked, _range_start(asked), headers.get("if-range"))
        with self._lock:
            self._records.append(record)
        if file is None or method not in ("GET", "HEAD"):
            status = 404 if file is None else 405
            await _send_head(writer, record, status, {"Content-Length": "0"})
            return True
        latency = self.latency if file.latency is None else file.latency
        if latency > 0:
            await asyncio.sleep(latency)
        if file.errors > 0:
            file.errors -= 1
            record.fault = "error"
            body = b"the server is busy\n"
            await _send_head(writer, record, file.error_status,
                             {"Content-Type": "text/plain", "Content-Length": str(len(body))})
            writer.write(body)
            await writer.drain()
            return True
        return await self._serve_file(file, method, headers, record, writer)

    async def _serve_file(self, file: FakeFile, method: str, headers: dict[str, str],
                          record: FileRequest, writer: asyncio.StreamWriter) -> bool:
        out = {"Content-Type": file.media_type}
        if file.etag:
            out["ETag"] = file.etag_value
        if file.last_modified:
            out["Last-Modified"] = file.last_modified_value
        if file.disposition is not None:
            out["Content-Disposition"] = file.disposition
        if file.html:
            record.fault = "html"
            out["Content-Length"] = str(len(HTML_PAGE))
            await _send_head(writer, record, 200, out)
            if method == "GET":
                record.bytes_sent += len(HTML_PAGE)
                writer.write(HTML_PAGE)
                await writer.drain()
            return True
        start, status = 0, 200
        if file.ranges:
            out["Accept-Ranges"] = "bytes"
            if record.range_start is not None and _if_range_holds(file, headers.get("if-range")):
                if record.range_start >= file.size:
                    out["Content-Range"] = f"bytes */{file.size}"
                    out["Content-Length"] = "0"
                    await _send_head(writer, record, 416, out)
                    return True
                start, status = record.range_start, 206
                out["Content-Range"] = f"bytes {start}-{file.size - 1}/{file.size}"
        length = file.size - start
        if file.chunked:
            out["Transfer-Encoding"] = "chunked"
        else:
            out["Content-Length"] = str(length + file.length_delta)
        await _send_head(writer, record, status, out)
        if method == "HEAD":
            return True
        end = file.size
        if file.drop_after is not None and file.drop_times > 0:
            file.drop_times -= 1
            record.fault = "drop"
            end = max(start, min(end, file.drop_after))
        if file.length_delta:
            record.fault = record.fault or "length"
        await self._send_body(file, start, end, record, writer)
        return end == file.size and not file.length_delta

    async def _send_body(self, file: FakeFile, start: int, end: int, record: FileRequest,
                         writer: asyncio.StreamWriter) -> None:
        rate = file.rate or self.rate
        # A capped answer goes out in pieces of a millisecond's worth: a link, not a burst.
        piece = BLOCK if not rate else max(1 << 14, min(BLOCK, rate // 1000))
        loop = asyncio.get_running_loop()
        began = loop.time()
        sock = writer.get_extra_info("socket")
        before = _handed_to_kernel(sock, writer)  # this connection's bytes before the body
        # A socket of our own: asyncio closes its own when the peer resets the connection.
        held = None if sock is None or before is None else socket.socket(fileno=os.dup(
            sock.fileno()))
        try:
            await self._send_chunks(file, start, end, record, writer, piece, rate, began)
        finally:
            if held is not None:
                with held:
                    after = _acknowledged(held)
                if before is not None and after is not None:
                    record.bytes_delivered = max(0, min(record.bytes_sent, after - before))

    async def _send_chunks(self, file: FakeFile, start: int, end: int, record: FileRequest,
                           writer: asyncio.StreamWriter, piece: int, rate: int,
                           began: float) -> None:
        loop = asyncio.get_running_loop()
        for chunk in file.chunks(start, end, piece):
            record.bytes_sent += len(chunk)
            if file.chunked:
                writer.write(b"%x\r\n" % len(chunk))
                writer.write(chunk)
                writer.write(b"\r\n")
            else:
                writer.write(chunk)
            await writer.drain()
            if rate:
                ahead = began + record.bytes_sent / rate - loop.time()
                if ahead > 0:
                    await asyncio.sleep(ahead)
        if file.chunked and end == file.size:
            writer.write(b"0\r\n\r\n")
            await writer.drain()


async def _send_head(writer: asyncio.StreamWriter, record: FileRequest, status: int,
                     headers: dict[str, str]) -> None:
    record.status = status
    reason = _REASONS.get(status, "Service Unavailable" if status >= 500 else "Error")
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    writer.write("\r\n".join(lines).encode("latin-1"))
    await writer.drain()


_TCP_INFO_BYTES_ACKED = struct.Struct("=Q")  # struct tcp_info.tcpi_bytes_acked, at byte 120


def _acknowledged(sock: socket.socket | None) -> int | None:
    """Bytes of this connection the peer's TCP acknowledged (Linux), or None."""
    if sock is None or not hasattr(socket, "TCP_INFO"):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 128)
    except OSError:
        return None
    if len(info) < 128:
        return None
    acked: int = _TCP_INFO_BYTES_ACKED.unpack_from(info, 120)[0]
    return acked


def _handed_to_kernel(sock: socket.socket | None, writer: asyncio.StreamWriter) -> int | None:
    """Bytes this connection has handed on so far: acknowledged, plus waiting in the
    kernel's send queue, plus waiting in asyncio's buffer (Linux), or None."""
    acked = _acknowledged(sock)
    if sock is None or acked is None:
        return None
    try:
        queued = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ,
                                                b"\0\0\0\0"))[0]
    except OSError:
        return None
    return acked + int(queued) + writer.transport.get_write_buffer_size()


def _range_start(value: str | None) -> int | None:
    if value is None or not value.startswith("bytes="):
        return None
    first = value[len("bytes="):].split(",", 1)[0].split("-", 1)[0].strip()
    return int(first) if first.isdigit() else None


def _if_range_holds(file: FakeFile, value: str | None) -> bool:
    if value is None:
        return True
    if value.startswith(('"', 'W/')):
        return file.etag and value == file.etag_value
    return file.last_modified and value == file.last_modified_value
