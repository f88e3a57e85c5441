"""The HTML pages: what they show, that they escape, and the headers they carry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest

from aniworld_core import ProviderRef
from aniworld_web.headers import HEADERS

from .conftest import Web, log_in

pytestmark = pytest.mark.anyio

HTML = {"Accept": "text/html"}


@asynccontextmanager
async def logged_in(web: Web) -> AsyncIterator[httpx.AsyncClient]:
    """A browser session on ``web``."""
    await web.user()
    async with web.client() as client:
        await log_in(client)
        yield client


async def test_library_shows_every_series_as_a_card(web: Web,
                                                    browser_like: httpx.AsyncClient) -> None:
    """Each series is a card with its title, status text and the four progress items."""
    series = await web.core.add_series("Cowboy Bebop")
    page = await browser_like.get("/", headers=HTML)
    assert page.status_code == 200
    assert f'data-series-id="{series.id}"' in page.text
    assert "Cowboy Bebop" in page.text
    assert "Waiting to load..." in page.text
    for item in ("episodes", "nfo", "logo", "images"):
        assert f'data-item="{item}" data-done="false"' in page.text
    token = browser_like.headers["X-CSRF-Token"]
    assert f'<meta name="csrf-token" content="{token}">' in page.text


async def test_titles_are_escaped(web: Web, browser_like: httpx.AsyncClient) -> None:
    """A title with markup is shown as text, never run."""
    await web.core.add_series("<script>alert(1)</script>")
    page = await browser_like.get("/", headers=HTML)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_series_page_of_a_queued_series(web: Web, browser_like: httpx.AsyncClient,
                                              tmp_path: Path) -> None:
    """Before its episode list has loaded, a scanned series lists the files found and says the
    missing ones are not known yet; while queued it can be cancelled but not refreshed."""
    folder = tmp_path / "library" / "Cowboy Bebop (1998)"
    folder.mkdir(parents=True)
    for number in (1, 2):
        (folder / f"Cowboy Bebop - {number:02d}.mkv").write_bytes(b"")
    await web.core.scan([tmp_path / "library"])
    [series] = await web.core.list_series()
    page = (await browser_like.get(f"/series/{series.id}", headers=HTML)).text
    assert "2 known, missing ones not known yet." in page
    assert '<tr class="missing">' not in page
    assert '<button type="button" id="refresh" disabled>' in page
    assert '<button type="button" id="cancel" class="quiet">' in page
    assert '<section id="identify" class="identify" aria-labelledby="identify-heading" hidden>' \
        in page


async def test_series_page_after_loading(loading_web: Web) -> None:
    """A loaded series with no files has every aired episode marked missing, a completed run
    in its history, Refresh enabled and Cancel not."""
    series = await loading_web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    async with logged_in(loading_web) as client:
        page = (await client.get(f"/series/{series.id}", headers=HTML)).text
    assert "26 known, 26 missing." in page
    assert page.count('<tr class="missing">') == 26
    assert "<strong>Missing</strong>" in page
    assert "Asteroid Blues" in page
    assert "<td>completed</td>" in page
    assert '<button type="button" id="refresh">' in page
    assert '<button type="button" id="cancel" class="quiet" disabled>' in page
    assert '<details id="identify-details">' in page


async def test_failed_identification_offers_the_candidates(loading_web: Web) -> None:
    """A series whose identification failed shows the error, in its history too, and opens the
    panel to pick the right series, its search filled in with the title."""
    series = await loading_web.core.add_series("Bebop Cowboy Space Western Thing")
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    async with logged_in(loading_web) as client:
        page = (await client.get(f"/series/{series.id}", headers=HTML)).text
    assert '<p id="series-error" class="error">Identify: no confident match' in page
    assert "<td>failed</td>" in page
    assert '<details id="identify-details" open>' in page
    assert 'value="Bebop Cowboy Space Western Thing"' in page


async def test_unknown_series_page_is_a_404_page(browser_like: httpx.AsyncClient) -> None:
    """An unknown series gives a page saying so, whatever the caller accepts: the route is a
    page, and its errors are pages too (the API has the JSON)."""
    for accept in ("text/html", "*/*", "application/json"):
        page = await browser_like.get("/series/nope", headers={"Accept": accept})
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "No series with id" in page.text


async def test_every_response_carries_the_security_headers(
        browser_like: httpx.AsyncClient) -> None:
    """Pages, API answers, errors and static files all carry CSP, nosniff and no-framing."""
    for path in ("/", "/api/series", "/api/nothing", "/static/app.js", "/api/health"):
        response = await browser_like.get(path, headers=HTML)
        for name, value in HEADERS.items():
            assert response.headers[name] == value, (path, name)
    assert "script-src 'self'" in HEADERS["content-security-policy"]


async def test_pages_use_no_inline_script_or_style(web: Web,
                                                   browser_like: httpx.AsyncClient) -> None:
    """The CSP forbids inline code, so no page may contain any."""
    series = await web.core.add_series("Trigun")
    async with web.client() as anonymous:
        login = (await anonymous.get("/login")).text
    for text in (login, (await browser_like.get("/", headers=HTML)).text,
                 (await browser_like.get(f"/series/{series.id}", headers=HTML)).text):
        assert "<script>" not in text
        assert "style=" not in text
        assert " on" + "click=" not in text


async def test_static_files_are_public_with_their_types(anonymous: httpx.AsyncClient) -> None:
    """The stylesheet and script load before login, with the right content types; the public
    prefix opens nothing outside the static folder."""
    css = await anonymous.get("/static/app.css")
    js = await anonymous.get("/static/app.js")
    assert css.headers["content-type"].startswith("text/css")
    assert "javascript" in js.headers["content-type"]
    for sneaky in ("/static/%2e%2e/app.py", "/static/%2e%2e/%2e%2e/api/series"):
        response = await anonymous.get(sneaky)
        assert response.status_code == 404, sneaky
        assert "error" in response.json()
