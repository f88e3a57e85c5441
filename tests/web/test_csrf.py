"""CSRF: state-changing requests made with the session cookie carry the page's token; API keys
need none; WebSocket handshakes from other sites are refused."""

from __future__ import annotations

import httpx
import pytest

from .asgi_driver import Rejected, scope_for, websocket
from .conftest import Web, log_in

pytestmark = pytest.mark.anyio


async def test_post_without_token_is_refused(anonymous: httpx.AsyncClient, web: Web) -> None:
    """A logged-in POST without the token, or with a wrong one, is 403 and changes nothing."""
    await log_in(anonymous)
    token = anonymous.headers.pop("X-CSRF-Token")
    response = await anonymous.post("/api/series", json={"title": "Trigun"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    response = await anonymous.post("/api/series", json={"title": "Trigun"},
                                    headers={"X-CSRF-Token": token[:-1] + "x"})
    assert response.status_code == 403
    assert await web.core.list_series() == []
    response = await anonymous.post("/api/series", json={"title": "Trigun"},
                                    headers={"X-CSRF-Token": token})
    assert response.status_code == 202


async def test_delete_and_logout_need_the_token(browser_like: httpx.AsyncClient,
                                                web: Web) -> None:
    """DELETE and logout are state changes too."""
    series = await web.core.add_series("Trigun")
    token = browser_like.headers.pop("X-CSRF-Token")
    assert (await browser_like.delete(f"/api/series/{series.id}")).status_code == 403
    assert (await browser_like.post("/api/auth/logout")).status_code == 403
    assert (await browser_like.get("/api/auth/status")).status_code == 200
    browser_like.headers["X-CSRF-Token"] = token
    assert (await browser_like.delete(f"/api/series/{series.id}")).status_code == 204


async def test_reading_needs_no_token(browser_like: httpx.AsyncClient) -> None:
    """GET requests are safe and need no token."""
    browser_like.headers.pop("X-CSRF-Token")
    assert (await browser_like.get("/api/series")).status_code == 200


async def test_api_key_needs_no_token(script: httpx.AsyncClient) -> None:
    """A script with a Bearer key changes state without any CSRF token."""
    response = await script.post("/api/series", json={"title": "Trigun"})
    assert response.status_code == 202
    series_id = response.json()["id"]
    assert (await script.delete(f"/api/series/{series_id}")).status_code == 204


async def test_revoked_key_is_refused(web: Web, script: httpx.AsyncClient) -> None:
    """Once revoked, a key opens nothing."""
    await web.core.accounts.revoke_api_key("tests")
    assert (await script.get("/api/series")).status_code == 401


async def test_token_survives_in_the_session_only(web: Web,
                                                  browser_like: httpx.AsyncClient) -> None:
    """Another session's token does not work in this one."""
    async with web.client() as other:
        other_token = await log_in(other)
    response = await browser_like.post("/api/series", json={"title": "Trigun"},
                                       headers={"X-CSRF-Token": other_token})
    assert response.status_code == 403


async def test_websocket_from_another_site_is_refused(web: Web,
                                                      browser_like: httpx.AsyncClient) -> None:
    """A logged-in browser opening /ws from another site's page is turned away; from our own
    pages it connects."""
    cookie = browser_like.cookies["aniworld_session"]
    foreign = scope_for("websocket", "/ws", web.state, cookie=cookie,
                        headers={"Origin": "https://evil.example"})
    with pytest.raises(Rejected):
        async with websocket(web.asgi, foreign):
            pass
    own = scope_for("websocket", "/ws", web.state, cookie=cookie,
                    headers={"Origin": "http://localhost"})
    async with websocket(web.asgi, own):
        pass
