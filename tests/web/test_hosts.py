"""Whom the app answers: requests naming a host that is not ours are refused (DNS rebinding),
writes from other origins are refused, redirects never name a host, and WebSocket origins are
compared with their scheme."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import httpx
import pytest

from aniworld_core import Settings
from aniworld_web import create_app

from .asgi_driver import Rejected, scope_for, websocket
from .conftest import Web

pytestmark = pytest.mark.anyio

FOREIGN = {"Host": "attacker.example"}


@asynccontextmanager
async def serving(settings: Settings, **web: Any) -> AsyncIterator[Web]:
    """The app with these ``web`` settings, started."""
    app = create_app(attrs.evolve(settings, web=attrs.evolve(settings.web, **web)),
                     loader=False)
    async with app.router.lifespan_context(app) as state:
        yield Web(app, dict(state))


async def test_setup_is_refused_to_a_page_that_rebound_its_name(web: Web) -> None:
    """A browser on this machine sent to aniworld by a rebound name (Host: attacker.example)
    can neither see setup nor create the first user."""
    async with web.client(headers=FOREIGN) as client:
        page = await client.get("/setup")
        assert page.status_code == 400
        assert "web.allowed_hosts" in page.text
        response = await client.post("/setup", data={
            "username": "mallory", "password": "a fine password", "confirm": "a fine password"})
        assert response.status_code == 400
        assert (await client.get("/api/health")).status_code == 400
    assert not await web.core.accounts.has_users()


async def test_every_path_checks_the_host(web: Web, script: httpx.AsyncClient) -> None:
    """API calls, even with a valid key, and WebSockets are refused under a foreign name."""
    response = await script.get("/api/series", headers=FOREIGN)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "host_not_allowed"
    scope = scope_for("websocket", "/ws", web.state,
                      headers={"Authorization": script.headers["Authorization"]})
    scope["headers"] = [(b"host", b"attacker.example:8000"), *scope["headers"][1:]]
    with pytest.raises(Rejected):
        async with websocket(web.asgi, scope):
            pass


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST:8000",
                                  "127.0.0.1:8000"])
async def test_loopback_names_are_answered(web: Web, host: str) -> None:
    """The loopback names, with or without a port, in any case, are always ours."""
    async with web.client(headers={"Host": host}) as client:
        assert (await client.get("/api/health")).status_code == 200


async def test_configured_names_are_answered(settings: Settings) -> None:
    """``web.host`` and the names in ``web.allowed_hosts`` are answered; others are not."""
    async with serving(settings, host="192.0.2.10",
                       allowed_hosts=("media.example.org",)) as web:
        for host, status in (("192.0.2.10:8000", 200), ("Media.Example.org", 200),
                             ("example.org", 400), ("media.example.org.attacker.example", 400)):
            async with web.client(headers={"Host": host}) as client:
                assert (await client.get("/api/health")).status_code == status, host


async def test_any_name_when_told_so(settings: Settings) -> None:
    """``"*"`` answers any name (for a proxy that checks names itself)."""
    async with serving(settings, allowed_hosts=("*",)) as web, \
            web.client(headers=FOREIGN) as client:
        assert (await client.get("/api/health")).status_code == 200


async def test_setup_from_another_sites_page_is_refused(web: Web) -> None:
    """A setup form posted from another origin is refused, even with the right token."""
    async with web.client() as client:
        page = await client.get("/setup")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"csrf_token": token, "username": "admin", "password": "a fine password",
                "confirm": "a fine password"}
        response = await client.post("/setup", data=form,
                                     headers={"Origin": "http://attacker.example"})
        assert response.status_code == 403
        assert not await web.core.accounts.has_users()
        response = await client.post("/setup", data=form,
                                     headers={"Origin": "http://localhost"})
        assert response.status_code == 303
    assert await web.core.accounts.has_users()


@pytest.mark.parametrize("origin", ["http://attacker.example", "https://localhost",
                                    "http://localhost:8080", "null"])
async def test_cookie_writes_from_other_origins_are_refused(
        web: Web, browser_like: httpx.AsyncClient, origin: str) -> None:
    """A write with the session cookie and even the right CSRF token is refused when the
    browser says it comes from another origin (scheme, host and port all count)."""
    response = await browser_like.post("/api/series", json={"title": "Trigun"},
                                       headers={"Origin": origin})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "cross_origin"
    assert await web.core.list_series() == []
    response = await browser_like.post("/api/series", json={"title": "Trigun"},
                                       headers={"Origin": "http://localhost"})
    assert response.status_code == 202


async def test_scripts_with_a_key_are_not_held_to_origins(script: httpx.AsyncClient) -> None:
    """A key is never sent by a browser on its own, so a keyed write names any origin."""
    response = await script.post("/api/series", json={"title": "Trigun"},
                                 headers={"Origin": "https://dashboard.example"})
    assert response.status_code == 202


async def test_websocket_origin_counts_the_scheme(web: Web,
                                                  browser_like: httpx.AsyncClient) -> None:
    """A page at https://localhost may not open ws://localhost with the cookie; one at
    http://localhost may."""
    cookie = browser_like.cookies["aniworld_session"]
    for origin, accepted in (("https://localhost", False), ("http://localhost:81", False),
                             ("http://localhost", True)):
        scope = scope_for("websocket", "/ws", web.state, cookie=cookie,
                          headers={"Origin": origin})
        if accepted:
            async with websocket(web.asgi, scope):
                pass
        else:
            with pytest.raises(Rejected):
                async with websocket(web.asgi, scope):
                    pass


@pytest.mark.parametrize(("path", "location"), [
    ("/api/series/", "/api/series"),
    ("/api/series/?x=1", "/api/series?x=1"),
    ("/login/", "/login"),
])
async def test_trailing_slash_redirects_name_no_host(
        web: Web, browser_like: httpx.AsyncClient, path: str, location: str) -> None:
    """A path with a stray slash is redirected by path alone, never to the Host header's
    name (here one of our own names, ``127.0.0.1``, that the redirect must not repeat)."""
    response = await browser_like.get(path, headers={"Host": "127.0.0.1"})
    assert response.status_code == 307
    assert response.headers["location"] == location


async def test_no_redirect_leads_to_another_site(browser_like: httpx.AsyncClient) -> None:
    """``//attacker.example/`` is no path of ours: 404, not a redirect to that site."""
    response = await browser_like.get("http://localhost//attacker.example/")
    assert response.request.url.path == "//attacker.example/"
    assert response.status_code == 404
    assert "location" not in response.headers


async def test_a_trusted_proxy_s_forwarded_host_is_the_one_checked(settings: Settings) -> None:
    """Behind a proxy in ``web.trusted_proxies`` the name people typed arrives in
    ``X-Forwarded-Host`` and is the one checked (the proxy's own ``Host`` may be anything);
    from any other peer that header counts for nothing, so it cannot make a foreign name
    pass."""
    async with serving(settings, allowed_hosts=("anime.example",),
                       trusted_proxies=("10.0.0.0/24",)) as web:
        async with web.client(address="10.0.0.5", headers={"Host": "backend:8000"}) as proxy:
            for name, status in (("anime.example", 200), ("attacker.example", 400)):
                response = await proxy.get("/api/health", headers={"X-Forwarded-Host": name})
                assert response.status_code == status, name
        async with web.client(address="192.0.2.9") as direct:
            for host, forwarded, status in (("anime.example", "attacker.example", 200),
                                            ("attacker.example", "anime.example", 400)):
                response = await direct.get("/api/health", headers={
                    "Host": host, "X-Forwarded-Host": forwarded})
                assert response.status_code == status, (host, forwarded)
