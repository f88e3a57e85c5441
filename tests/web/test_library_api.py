"""``/api/library``: the library folders (list, add, remove) and a rescan of all of them, and
where an added series' files go, through the real app."""

from __future__ import annotations

from pathlib import Path

import anyio
import attrs
import httpx
import pytest

from aniworld_core import JobState, Settings
from aniworld_web import create_app

from .conftest import Web, assert_error, keyed_client, log_in
from .schema_check import answer_schema, problems

pytestmark = pytest.mark.anyio

HTML = {"Accept": "text/html"}


@pytest.fixture
def shelf(tmp_path: Path) -> Path:
    """A library folder (resolved, as it is stored)."""
    root = tmp_path.resolve() / "shelf"
    root.mkdir()
    return root


async def test_roots_need_a_login(anonymous: httpx.AsyncClient) -> None:
    """Without a session or key, every library route is 401."""
    assert_error(await anonymous.get("/api/library/roots"), 401, "unauthorized")
    assert_error(await anonymous.post("/api/library/roots", json={"path": "/x"}), 401,
                 "unauthorized")
    assert_error(await anonymous.delete("/api/library/roots?path=/x"), 401, "unauthorized")
    assert_error(await anonymous.post("/api/library/rescan"), 401, "unauthorized")


async def test_a_root_is_added_listed_and_removed(script: httpx.AsyncClient, web: Web,
                                                  shelf: Path) -> None:
    """POST adds a folder (201; 200 when it is one already), GET lists it as added, DELETE
    removes it; each answer as the document describes it."""
    spec = (await script.get("/openapi.json")).json()
    assert (await script.get("/api/library/roots")).json() == {"roots": []}
    added = await script.post("/api/library/roots", json={"path": str(shelf)})
    assert added.status_code == 201, added.text
    assert (added.json()["path"], added.json()["source"], added.json()["removable"]) == (
        str(shelf), "added", True)
    assert problems(added.json(), answer_schema(spec, "/api/library/roots", "post", 201),
                    spec) == []
    again = await script.post("/api/library/roots", json={"path": str(shelf)})
    assert (again.status_code, again.json()) == (200, added.json())
    listed = (await script.get("/api/library/roots")).json()
    assert listed == {"roots": [added.json()]}
    assert problems(listed, answer_schema(spec, "/api/library/roots", "get", 200), spec) == []
    assert await web.core.library_roots() == (shelf,)
    removed = await script.delete("/api/library/roots", params={"path": str(shelf)})
    assert (removed.status_code, removed.json()) == (200, added.json())
    assert await web.core.library_roots() == ()


@pytest.mark.parametrize(("body", "message"), [
    ({"path": "relative/shelf"}, "absolute path"),
    ({"path": "/nowhere/at/all"}, "does not exist"),
    ({"path": 5}, "given as a path"),
    ({"path": "/a\x00b"}, "without NUL"),
    ({}, "Give the folder as 'path'"),
])
async def test_a_bad_root_is_refused(script: httpx.AsyncClient, web: Web,
                                     body: dict[str, object], message: str) -> None:
    """A path that cannot be a library folder is 422 naming ``path``; nothing is added."""
    response = await script.post("/api/library/roots", json=body)
    assert_error(response, 422, "invalid_input")
    assert message in response.json()["error"]["message"]
    assert response.json()["error"]["field"] == "path"
    assert await web.core.library_roots() == ()


async def test_a_root_of_the_settings_is_not_removed(fake_settings: Settings,
                                                     shelf: Path) -> None:
    """A root of the settings is listed as such and refused for removal with 409; a folder
    that is no root is 422."""
    app = create_app(attrs.evolve(fake_settings, library=(shelf,)), loader=False)
    async with app.router.lifespan_context(app) as state:
        web = Web(app, dict(state))
        async with keyed_client(web) as script:
            [root] = (await script.get("/api/library/roots")).json()["roots"]
            assert (root["source"], root["removable"], root["added_at"]) == (
                "settings", False, None)
            refused = await script.delete("/api/library/roots", params={"path": str(shelf)})
            assert_error(refused, 409, "conflict")
            assert "cannot be removed while aniworld runs" in refused.json()["error"]["message"]
            other = await script.delete("/api/library/roots",
                                        params={"path": str(shelf.parent)})
            assert_error(other, 422, "invalid_input")
            assert await web.core.library_roots() == (shelf,)


async def test_rescan_queues_one_job(script: httpx.AsyncClient, web: Web,
                                     shelf: Path) -> None:
    """Without a library folder the rescan is 409 saying how to add one; with one it is a
    queued library.scan job (202, Location), and asking again answers the same job."""
    spec = (await script.get("/openapi.json")).json()
    refused = await script.post("/api/library/rescan")
    assert_error(refused, 409, "conflict")
    assert "aniworld roots add PATH" in refused.json()["error"]["message"]
    await web.core.add_library_root(shelf)
    queued = await script.post("/api/library/rescan")
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert (job["kind"], job["state"], job["payload"]) == ("library.scan", "pending", {})
    assert queued.headers["Location"] == f"/api/jobs/{job['id']}"
    assert problems(job, answer_schema(spec, "/api/library/rescan", "post", 202), spec) == []
    again = await script.post("/api/library/rescan")
    assert again.json()["id"] == job["id"]
    assert [found.id for found in await web.core.jobs.list(kind="library.scan")] == [job["id"]]


async def test_rescan_needs_the_csrf_token(web: Web, anonymous: httpx.AsyncClient,
                                           shelf: Path) -> None:
    """A browser session's rescan and root changes without the page's token are 403 and
    change nothing."""
    await web.core.add_library_root(shelf)
    await log_in(anonymous)
    anonymous.headers.pop("X-CSRF-Token")
    assert (await anonymous.post("/api/library/rescan")).status_code == 403
    assert (await anonymous.delete("/api/library/roots",
                                   params={"path": str(shelf)})).status_code == 403
    assert await web.core.jobs.list() == []
    assert await web.core.library_roots() == (shelf,)


async def test_an_added_series_says_where_its_files_go(script: httpx.AsyncClient, web: Web,
                                                       shelf: Path) -> None:
    """The add answer's ``files``: nowhere while no library folder is set (and says how to set
    one), else a folder made in the first when it loads."""
    spec = (await script.get("/openapi.json")).json()
    schema = answer_schema(spec, "/api/series", "post", 202)
    nowhere = (await script.post("/api/series", json={"title": "Trigun"})).json()
    assert problems(nowhere, schema, spec) == []
    assert nowhere["files"]["path"] is None
    assert nowhere["files"]["library_folder"] is None
    assert nowhere["files"]["written"] == "no"
    assert nowhere["files"]["note"].startswith("No library folder is set: NFO files and "
                                               "artwork will not be written.")
    await web.core.add_library_root(shelf)
    later = (await script.post("/api/series", json={"title": "Monster"})).json()
    assert problems(later, schema, spec) == []
    assert (later["files"]["library_folder"], later["files"]["written"]) == (str(shelf),
                                                                             "later")


async def test_the_pages_say_where_files_go_without_a_library_folder(
        loading_web: Web, shelf: Path) -> None:
    """With no library folder, a loaded series' page says nothing was written and shows its
    NFO, logo and images as not written (never ✓); the library page offers Rescan, says what
    to do, and its add dialog says where files go; with a folder it names it."""
    await loading_web.user()
    series = await loading_web.core.add_series("Cowboy Bebop")
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    loaded = await loading_web.core.get_series(series.id)
    assert (loaded.loading_status.value, loaded.nfo_loaded, loaded.folder) == (
        "completed", True, None)
    async with loading_web.client() as client:
        await log_in(client)
        page = (await client.get(f"/series/{series.id}", headers=HTML)).text
        assert 'data-files="no"' in page
        assert "No library folder is set: NFO files and artwork will not be written." in page
        assert (' NFO<span class="sr"> not written: no folder</span>' in page)
        assert " NFO<span class=\"sr\"> loaded" not in page
        assert ' Episodes<span class="sr"> loaded</span>' in page
        library = (await client.get("/", headers=HTML)).text
        assert 'id="rescan"' in library
        assert 'id="no-library"' in library
        assert "Add one with <code>aniworld roots add PATH</code>" in library
        assert f'data-series-id="{series.id}" data-status="completed" data-files="no"' in library
        await loading_web.core.add_library_root(shelf)
        library = (await client.get("/", headers=HTML)).text
        assert 'id="no-library"' not in library
        assert f"Its folder is made in {shelf} when it loads" in library
        page = (await client.get(f"/series/{series.id}", headers=HTML)).text
        assert f"refresh it to give it a folder in {shelf}" in page


async def test_the_library_page_names_the_rescan_running(web: Web,
                                                         browser_like: httpx.AsyncClient,
                                                         shelf: Path) -> None:
    """A rescan queued before the page was read is named on it, for the page to follow."""
    await web.core.add_library_root(shelf)
    job = await web.core.rescan_library()
    assert job.state is JobState.PENDING
    page = (await browser_like.get("/", headers=HTML)).text
    assert f'data-job-id="{job.id}" data-state="pending">Rescan queued</p>' in page
