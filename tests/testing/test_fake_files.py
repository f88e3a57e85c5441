"""The fake file server: deterministic content, ranges and validators, and each knob, as seen
by a plain HTTP client over its loopback socket."""

from __future__ import annotations

import hashlib
import socket
import struct
import time

import httpx
import pytest

from aniworld_testing import FakeFile, FakeFileServer
from aniworld_testing._files import BLOCK

MIB = 1 << 20


def get(file: FakeFile, **headers: str) -> httpx.Response:
    return httpx.get(file.url, headers={"Accept-Encoding": "identity", **headers}, timeout=10)


def test_content_depends_on_seed_name_and_offset_and_is_never_held_whole() -> None:
    """Pieces read anywhere agree with the whole; another name or seed differs."""
    file = FakeFile("a.mkv", 3 * BLOCK + 10)
    whole = file.read()
    assert len(whole) == file.size
    assert file.read(BLOCK - 5, BLOCK + 5) == whole[BLOCK - 5:BLOCK + 5]
    assert whole[:BLOCK] != whole[BLOCK:2 * BLOCK]
    assert file.sha256() == hashlib.sha256(whole).hexdigest()
    assert FakeFile("b.mkv", 100).read() != FakeFile("a.mkv", 100).read()
    assert FakeFile("a.mkv", 100, seed=1).read() != FakeFile("a.mkv", 100).read()
    assert all(len(piece) <= 1000 for piece in file.chunks(0, None, 1000))


def test_a_file_is_served_whole_with_its_validators(fake_files: FakeFileServer) -> None:
    """200 with Content-Length, ETag, Last-Modified and Accept-Ranges; the record has it."""
    file = fake_files.add("ep.mkv", MIB + 3, disposition='attachment; filename="x.mkv"')
    answer = get(file)
    assert answer.status_code == 200
    assert answer.content == file.read()
    assert answer.headers["etag"] == file.etag_value
    assert answer.headers["last-modified"] == file.last_modified_value
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["content-disposition"] == 'attachment; filename="x.mkv"'
    [record] = fake_files.records
    assert (record.status, record.bytes_sent, record.range_start) == (200, file.size, None)


def test_ranges_if_range_and_416(fake_files: FakeFileServer) -> None:
    """A range is honoured while If-Range matches; a changed file answers 200; past the end
    is 416."""
    file = fake_files.add("ep.mkv", 1000)
    partial = get(file, Range="bytes=600-", **{"If-Range": file.etag_value})
    assert (partial.status_code, partial.content) == (206, file.read(600))
    assert partial.headers["content-range"] == "bytes 600-999/1000"
    by_date = get(file, Range="bytes=10-", **{"If-Range": file.last_modified_value})
    assert by_date.status_code == 206
    old = file.etag_value
    file.change()
    assert get(file, Range="bytes=600-", **{"If-Range": old}).status_code == 200
    beyond = get(file, Range="bytes=1000-")
    assert (beyond.status_code, beyond.headers["content-range"]) == (416, "bytes */1000")
    file.ranges = False
    assert get(file, Range="bytes=600-").status_code == 200


def test_errors_then_drops_then_the_file(fake_files: FakeFileServer) -> None:
    """``errors`` answers come first, then ``drop_times`` cut connections, then the file."""
    file = fake_files.add("ep.mkv", 5000, errors=1, error_status=502, drop_after=1234,
                          drop_times=1)
    assert get(file).status_code == 502
    with pytest.raises(httpx.RemoteProtocolError):
        get(file)
    assert get(file).content == file.read()
    assert [(r.status, r.bytes_sent, r.fault) for r in fake_files.records] == [
        (502, 0, "error"), (200, 1234, "drop"), (200, 5000, None)]


def test_wrong_lengths_html_and_chunked(fake_files: FakeFileServer) -> None:
    """More announced than sent breaks the body; HTML replaces the file; chunked has no
    Content-Length."""
    longer = fake_files.add("long.mkv", 100, length_delta=50)
    with pytest.raises(httpx.RemoteProtocolError):
        get(longer)
    page = get(fake_files.add("page.mkv", 100, html=True))
    assert page.headers["content-type"].startswith("text/html")
    assert page.content.startswith(b"<!DOCTYPE html>")
    chunked = get(fake_files.add("chunked.mkv", 3000, chunked=True))
    assert "content-length" not in chunked.headers
    assert chunked.content == fake_files.files["chunked.mkv"].read()
    assert httpx.get(f"{fake_files.url}/files/none.mkv").status_code == 404


def test_bytes_delivered_counts_what_the_client_s_tcp_took_not_what_waited_to_be_sent(
        fake_files: FakeFileServer) -> None:
    """A client that reads a little of a large body, stops reading and resets the
    connection: ``bytes_sent`` also counts what still waited in the server's buffers, and
    ``bytes_delivered`` only what reached the client (what it read, plus at most its small
    receive buffer)."""
    file = fake_files.add("big.mkv", 16 * MIB)
    host, port = fake_files.url.removeprefix("http://").split(":")
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    receive_buffer = client.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    client.connect((host, int(port)))
    client.sendall(f"GET /files/{file.name} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    got = b""
    while b"\r\n\r\n" not in got or len(got.partition(b"\r\n\r\n")[2]) < MIB:
        got += client.recv(1 << 16)
    read = len(got.partition(b"\r\n\r\n")[2])
    deadline = time.monotonic() + 10  # the server fills what buffers it has, then waits
    while fake_files.records[0].bytes_sent < read + 4 * receive_buffer \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()  # a reset, as when a killed process's socket closes with unread data
    while fake_files.records[0].bytes_delivered is None and time.monotonic() < deadline:
        time.sleep(0.01)
    [record] = fake_files.records
    assert record.bytes_delivered is not None, "the server did not see the reset"
    assert read <= record.bytes_delivered <= read + 2 * receive_buffer
    assert record.bytes_sent >= read + 4 * receive_buffer > record.bytes_delivered
