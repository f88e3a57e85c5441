"""Fixtures for the web tests: the real app with its real lifespan (a real ``SeriesApp`` on the
test database), and httpx clients talking to it in-process: anonymous, logged in, or by key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from aniworld_core import SeriesApp, Settings
from aniworld_core.auth import set_testing
from aniworld_web import create_app

USERNAME, PASSWORD = "admin", "correct horse battery"


@pytest.fixture
def anyio_backend() -> str:
    """uvicorn serves on asyncio; the live-stream tests, where the backend matters (task
    groups, cancellation), run on trio as well."""
    return "asyncio"


@pytest.fixture(autouse=True)
def _cheap_hashing() -> Iterator[None]:
    """argon2's cheapest parameters: the suite checks behaviour, not hashing cost."""
    set_testing(True)
    yield
    set_testing(False)


@attrs.define
class Web:
    """The app after startup, its lifespan state, and the ``SeriesApp`` it opened."""

    app: Starlette
    state: dict[str, Any]

    @property
    def core(self) -> SeriesApp:
        core: SeriesApp = self.state["web"].core
        return core

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app as a server calls it: each connection gets a copy of the lifespan state."""
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "state": dict(self.state)}
        await self.app(scope, receive, send)

    def client(self, *, address: str = "127.0.0.1", scheme: str = "http",
               headers: dict[str, str] | None = None,
               raise_app_exceptions: bool = True) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.asgi, client=(address, 50000),
                                        raise_app_exceptions=raise_app_exceptions)
        return httpx.AsyncClient(transport=transport, base_url=f"{scheme}://localhost",
                                 headers=headers)

    async def user(self) -> None:
        await self.core.accounts.set_password(USERNAME, PASSWORD)


@pytest.fixture
async def web(fake_settings: Settings) -> AsyncIterator[Web]:
    """The app, started (its lifespan entered) and stopped around the test, with the fake
    provider servers but no background loading, so series stay as the test leaves them."""
    app = create_app(fake_settings, loader=False)
    async with app.router.lifespan_context(app) as state:
        yield Web(app, dict(state))


@pytest.fixture
async def loading_web(fake_settings: Settings) -> AsyncIterator[Web]:
    """The app with its background loader running against the fake provider servers (wait
    with ``core.wait_idle()`` inside ``anyio.fail_after``)."""
    app = create_app(fake_settings, loader=True)
    async with app.router.lifespan_context(app) as state:
        yield Web(app, dict(state))


@pytest.fixture
async def anonymous(web: Web) -> AsyncIterator[httpx.AsyncClient]:
    """A client that has not logged in (a user exists)."""
    await web.user()
    async with web.client() as client:
        yield client


async def log_in(client: httpx.AsyncClient) -> str:
    """Log ``client`` in; it sends the CSRF token from then on, which is also returned."""
    response = await client.post("/api/auth/login", json={"username": USERNAME,
                                                          "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


@pytest.fixture
async def browser_like(anonymous: httpx.AsyncClient) -> httpx.AsyncClient:
    """A client logged in by session cookie that sends the CSRF header like the page does."""
    await log_in(anonymous)
    return anonymous


@asynccontextmanager
async def keyed_client(web: Web, name: str = "tests") -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticated by a new API key called ``name`` only (no cookie, no CSRF
    token)."""
    key = await web.core.accounts.create_api_key(name)
    async with web.client(headers={"Authorization": f"Bearer {key}"}) as client:
        yield client


@pytest.fixture
async def script(web: Web) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``web`` authenticated by an API key only."""
    async with keyed_client(web) as client:
        yield client


@pytest.fixture
async def loading_script(loading_web: Web) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``loading_web`` authenticated by an API key only."""
    async with keyed_client(loading_web, "tests with loader") as client:
        yield client


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    """``response`` is the error body with ``status`` and ``code`` and a message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


# The browser tests' fixtures, for every test module that asks for them (imported last: they
# use this module's names).
from .browser_support import browser, context, page, server  # noqa: E402, F401
