"""The fetcher against the fake file server, on the real file system: streaming into a
``.part`` with its sidecar, resuming, restarting, and each way a server can fail it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core.downloads import fetch as fetch_module
from aniworld_core.downloads.fetch import FetchResult, sidecar_path
from aniworld_testing import FakeFileServer

from .fetching import (
    MIB,
    Progress,
    digest,
    failure,
    fetch,
    gone,
    leave_partial,
    size_of,
)

pytestmark = pytest.mark.anyio



async def test_a_file_is_streamed_into_its_part_with_a_sidecar(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """A fresh fetch writes the whole file, reports progress per chunk and records how to
    resume in the sidecar."""
    file = fake_files.add("ep1.mkv", 3 * MIB + 123)
    progress = Progress()
    result = await fetch(client, file, part, on_progress=progress, chunk_size=MIB)
    assert result == FetchResult(file.size, 0, False, "video/x-matroska", ".mkv")
    assert digest(part) == file.sha256()
    assert progress.calls[-1] == (file.size, file.size)
    assert [done for done, _ in progress.calls] == sorted(done for done, _ in progress.calls)
    assert len(progress.calls) >= 4
    sidecar = json.loads(sidecar_path(part).read_text())
    assert sidecar["url"] == file.url
    assert (sidecar["etag"], sidecar["total"]) == (file.etag_value, file.size)
    assert fake_files.records[0].range is None


@pytest.mark.parametrize(("knobs", "name", "extension"), [
    ({"disposition": 'attachment; filename="Bebop 01.mp4"'}, "x", ".mp4"),
    ({"disposition": "attachment; filename*=UTF-8''Bebop%2001.webm"}, "x.mkv", ".webm"),
    ({}, "episode.avi", ".avi"),
    ({"content_type": "video/mp4"}, "episode", ".mp4"),
    ({"content_type": "application/octet-stream"}, "episode", None),
])
async def test_the_extension_comes_from_the_disposition_the_path_or_the_type(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path,
        knobs: dict[str, Any], name: str, extension: str | None) -> None:
    """Content-Disposition wins over the URL's path, which wins over the content type."""
    result = await fetch(client, fake_files.add(name, 1000, **knobs), part)
    assert result.extension == extension


async def test_a_dropped_connection_keeps_the_partial_and_the_next_attempt_resumes(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """Bytes received before the drop are kept; the next fetcher (as after a restart) asks
    for the rest with Range and If-Range, and nothing is fetched twice."""
    file = fake_files.add("ep.mkv", 4 * MIB, drop_after=MIB + 777, drop_times=1)
    error = await failure(client, file, part)
    assert (error.permanent, error.keep_partial) == (False, True)
    assert "127.0.0.1" in str(error)
    assert size_of(part) == MIB + 777
    result = await fetch(client, file, part, checksum=file.checksum())
    assert (result.resumed_from, result.restarted, result.size) == (MIB + 777, False, file.size)
    assert digest(part) == file.sha256()
    second = fake_files.records[1]
    assert (second.range_start, second.if_range, second.status) == (
        MIB + 777, file.etag_value, 206)
    assert fake_files.bytes_sent("ep.mkv") == file.size


async def test_without_an_etag_the_resume_is_validated_by_last_modified(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """If-Range carries Last-Modified when the server sent no ETag."""
    file = fake_files.add("ep.mkv", 2 * MIB, etag=False, drop_after=MIB, drop_times=1)
    await failure(client, file, part)
    result = await fetch(client, file, part)
    assert result.resumed_from == MIB
    assert fake_files.records[1].if_range == file.last_modified_value
    assert digest(part) == file.sha256()


@pytest.mark.parametrize("why", ["no range support", "changed on the server"])
async def test_a_server_answering_200_to_a_resume_restarts_from_zero(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path, why: str) -> None:
    """The part is emptied and fetched whole again, and the result says so."""
    file = fake_files.add("ep.mkv", 2 * MIB, drop_after=MIB, drop_times=1)
    await failure(client, file, part)
    if why == "no range support":
        file.ranges = False
    else:
        file.change()
    result = await fetch(client, file, part)
    assert (result.restarted, result.resumed_from, result.size) == (True, 0, file.size)
    assert fake_files.records[1].status == 200
    assert digest(part) == file.sha256()


async def test_a_complete_part_answered_416_is_done(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """A part already whole is asked for past its end; 416 means it is complete."""
    file = fake_files.add("ep.mkv", MIB, disposition='attachment; filename="a.mp4"')
    await fetch(client, file, part)
    result = await fetch(client, file, part, checksum=file.checksum(), expected_size=MIB)
    assert result == FetchResult(MIB, MIB, False, "video/x-matroska", ".mp4")
    assert fake_files.records[1].status == 416


async def test_a_sidecar_for_another_url_starts_afresh(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """A part left by another URL is not resumed."""
    file = fake_files.add("ep.mkv", MIB)
    leave_partial(part, b"x" * 5000, {"url": file.url + "?other", "total": MIB})
    result = await fetch(client, file, part)
    assert (result.resumed_from, fake_files.records[0].range) == (0, None)
    assert digest(part) == file.sha256()


async def test_cancelling_mid_stream_leaves_a_part_the_next_attempt_resumes(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """The part holds exactly the bytes last reported, and the sidecar agrees."""
    file = fake_files.add("ep.mkv", 8 * MIB)
    progress = Progress()

    with anyio.CancelScope() as scope:
        def cancel_past_two_mib(done: int, total: int | None) -> None:
            progress(done, total)
            if done >= 2 * MIB:
                scope.cancel()

        await fetch(client, file, part, on_progress=cancel_past_two_mib)
    assert scope.cancelled_caught
    assert size_of(part) == progress.calls[-1][0] >= 2 * MIB
    assert json.loads(sidecar_path(part).read_text())["total"] == file.size
    result = await fetch(client, file, part)
    assert result.resumed_from == progress.calls[-1][0]
    assert digest(part) == file.sha256()


@pytest.mark.parametrize("url", [
    "ftp://127.0.0.1/ep.mkv", "file:///etc/passwd", "javascript:alert(1)",
    "http://user:secret@127.0.0.1/ep.mkv", "http://trusted.example@127.0.0.1/ep.mkv",
    "http://127.0.0.1/a b.mkv", "http://127.0.0.1/a\\..\\b", "http:///ep.mkv", "ep.mkv",
])
async def test_an_address_that_is_not_plain_http_is_refused_and_nothing_written(
        client: httpx.AsyncClient, part: Path, url: str) -> None:
    """Other schemes, credentials and control characters are refused before any I/O."""
    error = await failure(client, url, part)
    assert error.permanent
    assert "secret" not in str(error)
    assert not part.parent.exists()


@pytest.mark.parametrize(("status", "permanent"), [
    (401, True), (403, True), (404, True), (410, True), (400, True), (408, False),
    (429, False), (500, False), (502, False), (503, False),
])
async def test_http_errors_are_permanent_only_for_client_errors(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path, status: int,
        permanent: bool) -> None:
    """4xx but 408 and 429 cannot pass by themselves; 5xx, 408 and 429 may."""
    file = fake_files.add("ep.mkv", 1000, errors=1, error_status=status)
    error = await failure(client, file, part)
    assert error.permanent is permanent
    assert f"127.0.0.1 answered {status}" in str(error)


async def test_a_missing_file_is_a_permanent_404(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """An unknown path is a 404."""
    error = await failure(client, f"{fake_files.url}/files/nothing.mkv", part)
    assert error.permanent


async def test_a_timeout_is_transient_and_keeps_the_partial(
        fake_files: FakeFileServer, part: Path) -> None:
    """A server slower than the client's timeout fails the attempt, not the download."""
    file = fake_files.add("ep.mkv", 2 * MIB, drop_after=MIB, drop_times=1)
    async with httpx.AsyncClient(timeout=10.0) as patient:
        await failure(patient, file, part)
    file.latency = 60.0
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        error = await failure(impatient, file, part)
    assert (error.permanent, error.keep_partial) == (False, True)
    assert "did not answer in time" in str(error)
    assert size_of(part) == MIB


async def test_fewer_bytes_than_content_length_is_a_dropped_connection(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """A body cut short of its Content-Length is transient and kept."""
    file = fake_files.add("ep.mkv", MIB, length_delta=4096)
    error = await failure(client, file, part)
    assert (error.permanent, error.keep_partial) == (False, True)
    assert "dropped" in str(error)
    assert size_of(part) == MIB


@pytest.mark.parametrize("content_type", [
    "text/html; charset=utf-8", "text/plain", "application/json", "video/mp4"])
async def test_a_web_page_instead_of_a_video_is_refused_and_removed(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path,
        content_type: str) -> None:
    """By its content type, or (labelled video) by its first bytes; an earlier partial goes."""
    file = fake_files.add("ep.mkv", 2 * MIB, drop_after=MIB, drop_times=1)
    await failure(client, file, part)
    file.html, file.content_type = True, content_type
    error = await failure(client, file, part)
    assert str(error).startswith("the server sent a web page, not a video (127.0.0.1")
    assert (error.permanent, error.keep_partial) == (True, False)
    assert gone(part)
    assert gone(sidecar_path(part))


@pytest.mark.parametrize("start", [
    b"<!DOCTYPE html>", b"  \n<html>", b"\xef\xbb\xbf<HTML lang=en>", b"\r\n<head>"])
def test_first_bytes_that_look_like_html_are_a_web_page(start: bytes) -> None:
    """Whitespace and a byte-order mark before the tag do not hide it."""
    assert fetch_module._looks_like_html(start + b"<body>")
    assert not fetch_module._looks_like_html(b"\x1aE\xdf\xa3 matroska")


async def test_a_file_larger_than_announced_is_refused_and_removed(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """Content-Length above the expected size is refused before any byte is written."""
    file = fake_files.add("ep.mkv", MIB)
    error = await failure(client, file, part, expected_size=MIB - 1)
    assert (error.permanent, error.keep_partial) == (True, False)
    assert "larger than announced" in str(error)
    assert gone(part)


async def test_a_stream_running_past_its_announced_size_is_cut_and_removed(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """Without Content-Length the bytes are counted as they come."""
    file = fake_files.add("ep.mkv", 3 * MIB, chunked=True)
    error = await failure(client, file, part, expected_size=MIB, chunk_size=1 << 16)
    assert (error.permanent, error.keep_partial) == (True, False)
    assert "larger than announced" in str(error)
    assert gone(part)
    assert gone(sidecar_path(part))


async def test_a_file_shorter_than_expected_is_transient_and_kept(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """A clean end short of the expected size may pass: the partial stays."""
    file = fake_files.add("ep.mkv", MIB)
    error = await failure(client, file, part, expected_size=MIB + 10)
    assert (error.permanent, error.keep_partial) == (False, True)
    assert "ended early" in str(error)
    assert size_of(part) == MIB


async def test_a_chunked_file_of_unknown_size_is_fetched(
        fake_files: FakeFileServer, client: httpx.AsyncClient, part: Path) -> None:
    """No Content-Length: progress has no total, the file is still whole."""
    file = fake_files.add("ep.mkv", MIB + 5, chunked=True)
    progress = Progress()
    result = await fetch(client, file, part, on_progress=progress)
    assert result.size == file.size
    assert progress.calls[-1] == (file.size, None)
    assert digest(part) == file.sha256()


