"""Live streams end with their credentials: a WebSocket or event stream opened before a logout,
an ended session, a new password or a revoked key is closed (1008) or ended, at once when that
happens in this process and within the recheck time when another process does it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest

from aniworld_core import LoadingStatus, Progress, SeriesApp, SeriesLoadingUpdate
from aniworld_core import auth as core_auth
from aniworld_web import live_access

from .asgi_driver import EventStreamClient, WebSocketClient, event_stream, scope_for, websocket
from .conftest import Web, log_in

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Cancellation of live streams on both anyio backends."""
    return str(request.param)


def cookie_scope(web: Web, client: httpx.AsyncClient, kind: str, path: str) -> dict[str, Any]:
    return scope_for(kind, path, web.state, cookie=client.cookies["aniworld_session"])


async def closed_with_1008(ws: WebSocketClient) -> None:
    """Read until the server closes the socket; it must say 1008 (policy violation)."""
    with anyio.fail_after(5):
        while True:
            message = await ws.connection.next_message()
            if message["type"] == "websocket.close":
                assert message["code"] == 1008, message
                return


async def ended(stream: EventStreamClient) -> None:
    """Read until the event stream ends."""
    with anyio.fail_after(5):
        while not stream.ended:
            try:
                await stream.next_event()
            except EOFError:
                return


async def both_end(web: Web, ws_scope: dict[str, Any], sse_scope: dict[str, Any],
                   revoke: Callable[[], Awaitable[object]]) -> None:
    """Open a WebSocket and an event stream, revoke, and see both end."""
    async with websocket(web.asgi, ws_scope) as ws, event_stream(web.asgi, sse_scope) as stream:
        await anyio.wait_all_tasks_blocked()
        await revoke()
        await closed_with_1008(ws)
        await ended(stream)
    assert web.core.events.subscriber_count == 0


async def test_logout_ends_the_sessions_streams(web: Web,
                                                browser_like: httpx.AsyncClient) -> None:
    """Logging out closes the WebSocket and ends the event stream opened with that cookie."""
    await both_end(web, cookie_scope(web, browser_like, "websocket", "/ws"),
                   cookie_scope(web, browser_like, "http", "/api/events"),
                   lambda: browser_like.post("/api/auth/logout"))


async def test_a_new_password_ends_the_streams(web: Web,
                                               browser_like: httpx.AsyncClient) -> None:
    """A new password ends the streams of every session of that user."""
    await both_end(web, cookie_scope(web, browser_like, "websocket", "/ws"),
                   cookie_scope(web, browser_like, "http", "/api/events"),
                   lambda: web.core.accounts.set_password("admin", "a new fine password"))


async def test_revoking_a_key_ends_its_streams(web: Web) -> None:
    """Streams a script opened with an API key end when the key is revoked."""
    key = await web.core.accounts.create_api_key("dashboard")
    headers = {"Authorization": f"Bearer {key}"}
    await both_end(web, scope_for("websocket", "/ws", web.state, headers=headers),
                   scope_for("http", "/api/events", web.state, headers=headers),
                   lambda: web.core.accounts.revoke_api_key("dashboard"))


async def test_other_streams_go_on(web: Web, browser_like: httpx.AsyncClient) -> None:
    """Ending one session leaves the streams of another session open."""
    async with web.client() as other:
        await log_in(other)
        scope = cookie_scope(web, other, "websocket", "/ws")
        async with websocket(web.asgi, scope) as ws:
            await browser_like.post("/api/auth/logout")
            web.core.events.publish(SeriesLoadingUpdate(
                series_id="s", title="Trigun", status=LoadingStatus.LOADING_NFO,
                progress=Progress(), message="still here"))
            with anyio.fail_after(5):
                assert (await ws.receive_json())["message"] == "still here"


async def test_ending_the_session_in_another_process_ends_the_streams(
        web: Web, browser_like: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session ended by another process (``aniworld user sessions --end-all``) ends the
    streams when they next ask, every recheck interval (made short here)."""
    monkeypatch.setattr(live_access, "RECHECK_SECONDS", 0.05)
    monkeypatch.setattr(core_auth, "CREDENTIAL_CACHE_SECONDS", 0.0)

    async def elsewhere() -> None:
        async with SeriesApp.open(web.core.settings, loader=False) as other:
            await other.accounts.end_sessions("admin")

    await both_end(web, cookie_scope(web, browser_like, "websocket", "/ws"),
                   cookie_scope(web, browser_like, "http", "/api/events"), elsewhere)


def test_the_bound_is_ten_seconds() -> None:
    """A revoked stream notices within the recheck interval plus the credential cache time,
    ten seconds at most."""
    assert live_access.RECHECK_SECONDS + core_auth.CREDENTIAL_CACHE_SECONDS <= 10
