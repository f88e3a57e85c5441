"""``POST /api/series/{id}/rescan`` on the real app: the series' folder read again, the answer
what the scan found (as the OpenAPI document describes it), behind authentication and CSRF."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .conftest import Web, assert_error
from .schema_check import answer_schema, problems

pytestmark = pytest.mark.anyio

FOLDER = "Trigun (1998)"


async def scanned(web: Web, tmp_path: Path) -> tuple[str, Path]:
    """A library with one series folder, scanned; the series and its folder."""
    folder = tmp_path / "library" / FOLDER
    folder.mkdir(parents=True)
    (folder / "Trigun - 01.mkv").write_bytes(b"1")
    await web.core.scan([tmp_path / "library"])
    (series,) = await web.core.list_series()
    return series.id, folder


async def test_rescan_reads_the_folder_again(script: httpx.AsyncClient, web: Web,
                                             tmp_path: Path) -> None:
    """A file added and one rewritten in place are what the answer counts and what the
    series holds afterwards; the answer is the documented ScanReport."""
    series_id, folder = await scanned(web, tmp_path)
    (folder / "Trigun - 01.mkv").write_bytes(b"rewritten, longer")
    (folder / "Trigun - 02.mkv").write_bytes(b"2")
    response = await script.post(f"/api/series/{series_id}/rescan")
    assert response.status_code == 200, response.text
    body = response.json()
    spec = (await script.get("/openapi.json")).json()
    schema = answer_schema(spec, "/api/series/{series_id}/rescan", "post", 200)
    assert problems(body, schema, spec) == []
    assert (body["series_folders"], body["files_found"], body["files_added"],
            body["roots_unavailable"]) == (1, 2, 1, [])
    detail = (await script.get(f"/api/series/{series_id}")).json()
    assert sorted(e["file_path"] for e in detail["episodes"] if e["file_path"]) == [
        "Trigun - 01.mkv", "Trigun - 02.mkv"]


async def test_a_series_whose_root_is_gone_is_paused_not_missing(
        script: httpx.AsyncClient, web: Web, tmp_path: Path) -> None:
    """With its library folder gone (an unmounted disk) the answer says the root is paused,
    and the series is not marked as having lost its folder."""
    series_id, _ = await scanned(web, tmp_path)
    (tmp_path / "library").rename(tmp_path / "unmounted")
    response = await script.post(f"/api/series/{series_id}/rescan")
    assert response.status_code == 200, response.text
    (paused,) = response.json()["roots_unavailable"]
    assert paused["reason"] == "it does not exist"
    assert "no series in it is marked missing" in paused["message"]
    assert (await script.get(f"/api/series/{series_id}")).json()["folder_missing"] is False


async def test_a_series_without_a_folder_is_409(script: httpx.AsyncClient, web: Web) -> None:
    """A series added by title has no folder yet: 409 saying so; an unknown id is 404."""
    series = await web.core.add_series("Trigun")
    response = await script.post(f"/api/series/{series.id}/rescan")
    assert_error(response, 409, "conflict")
    assert "no folder in the library" in response.json()["error"]["message"]
    missing = await script.post("/api/series/00000000-0000-4000-8000-000000000009/rescan")
    assert_error(missing, 404, "not_found")


async def test_rescan_needs_a_login_and_the_csrf_token(web: Web, anonymous: httpx.AsyncClient,
                                                       tmp_path: Path) -> None:
    """Without a login the route is 401; a logged-in page without the CSRF header is 403."""
    series_id, _ = await scanned(web, tmp_path)
    assert_error(await anonymous.post(f"/api/series/{series_id}/rescan"), 401, "unauthorized")
    login = await anonymous.post("/api/auth/login", json={"username": "admin",
                                                          "password": "correct horse battery"})
    assert login.status_code == 200
    assert_error(await anonymous.post(f"/api/series/{series_id}/rescan"), 403, "csrf_failed")
