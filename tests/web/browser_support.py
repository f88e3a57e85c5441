"""Fixtures and helpers for the browser tests: one headless Debian Chromium per module driven by
Playwright, and the real app under uvicorn with its loader working against the fake providers.
Screenshots go to ``test-artifacts/`` (git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from aniworld_core import Settings
from aniworld_core.auth import set_testing
from tests.conftest import pointed_at

from .conftest import PASSWORD, USERNAME
from .live_server import LiveServer, live_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

browser_tests = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package "
                                                     "(apt-get install chromium)"),
]


#: Milliseconds a card may take to reach "Loaded": a whole background load (every provider
#: step, artwork the fakes draw) on a busy 2-core machine, not only the page catching up.
LOAD_WITHIN = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module (each test gets a fresh context and profile).
    Assertions wait up to 15 s for the page to get there (Playwright's 5 s was seen to run
    out on a busy 2-core machine while the page was still on its way)."""
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path: Path, fakes: Any) -> Iterator[LiveServer]:
    """The app under uvicorn, loading in the background from the fake providers into a
    library folder (so series get folders with their posters), on the default database (SQLite
    in the data dir): the browser tests check the UI, which the database does not change."""
    set_testing(True)
    settings = Settings(data_dir=tmp_path / "data", library=(tmp_path / "library",))
    (tmp_path / "library").mkdir()
    try:
        with live_server(pointed_at(settings, fakes), loader=True) as running:
            yield running
    finally:
        set_testing(False)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(5000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Script errors only: a 401 answer to a wrong password is logged too, and is expected.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def logged_in(server: LiveServer, page: Page, path: str = "/") -> Page:
    server.call(server.core.accounts.set_password, USERNAME, PASSWORD)
    page.goto(server.url + "/login")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Library")).to_be_visible()
    if path != "/":
        page.goto(server.url + path)
    # The script has run and is subscribed: events from now on reach the page.
    expect(page.locator("#connection")).to_have_text(re.compile(r"^Live \("))
    return page


def screenshot(page: Page, name: str, **options: Any) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=path, **options)
    return path


def no_script_errors(page: Page) -> None:
    errors = page.errors  # type: ignore[attr-defined]
    assert errors == [], errors


def requests_elsewhere(server: LiveServer, page: Page) -> list[str]:
    """Every request the page makes that does not go to aniworld (filled in as it goes)."""
    elsewhere: list[str] = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith(server.url) else None)
    return elsewhere
