"""Default deny: every route except login, setup, health and static files needs authentication.

The walk goes over ``app.routes`` itself, so a route added later is covered without anyone
remembering to add it here.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from starlette.routing import Mount, Route, WebSocketRoute

from .asgi_driver import Rejected, scope_for, websocket
from .conftest import Web

pytestmark = pytest.mark.anyio

PUBLIC = {("/login", "GET"), ("/login", "POST"), ("/setup", "GET"), ("/setup", "POST"),
          ("/api/auth/login", "POST"), ("/api/health", "GET"), ("/static/app.css", "GET")}


def concrete(path: str) -> str:
    return (path.replace("{series_id}", str(uuid.uuid4())).replace("{session_id:int}", "1")
            .replace("{kind}", "poster"))


def http_routes(web: Web) -> list[tuple[str, str]]:
    found = []
    for route in web.app.routes:
        if isinstance(route, Route):
            found += [(concrete(route.path), method) for method in sorted(route.methods or ())
                      if method != "HEAD"]
        elif isinstance(route, Mount):
            found.append((f"{route.path}/app.css", "GET"))
    return found


async def test_the_walk_sees_every_kind_of_route(web: Web) -> None:
    """The routes include pages, the API, a WebSocket and the static mount (the walk is real)."""
    kinds = {type(route) for route in web.app.routes}
    assert kinds == {Route, WebSocketRoute, Mount}
    assert len(http_routes(web)) >= 15


async def test_every_private_http_route_refuses_anonymous_callers(
        web: Web, anonymous: httpx.AsyncClient) -> None:
    """Without a session or key, API routes answer 401 JSON (whatever the caller accepts) and
    pages redirect to the login."""
    walked = http_routes(web)
    assert set(walked) >= PUBLIC
    for path, method in walked:
        if (path, method) in PUBLIC:
            continue
        for accept in ("*/*", "text/html"):
            response = await anonymous.request(method, path, headers={"Accept": accept})
            if path.startswith("/api/") or path == "/openapi.json":
                assert response.status_code == 401, (method, path, response.status_code)
                assert response.json()["error"]["code"] == "unauthorized"
            else:
                assert (response.status_code, response.headers["location"]) == (
                    303, "/login"), (method, path)


async def test_public_routes_answer_anonymous_callers(anonymous: httpx.AsyncClient) -> None:
    """Login, setup, health and static files work without logging in."""
    assert (await anonymous.get("/api/health")).status_code == 200
    assert (await anonymous.get("/static/app.css")).status_code == 200
    assert (await anonymous.get("/login")).status_code == 200
    assert (await anonymous.get("/setup")).status_code == 404  # a user exists: setup is gone
    response = await anonymous.post("/api/auth/login", json={"username": "x", "password": "y"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


async def test_every_websocket_route_refuses_anonymous_callers(web: Web) -> None:
    """A WebSocket handshake without a session or key is closed before it is accepted."""
    await web.user()
    paths = [route.path for route in web.app.routes if isinstance(route, WebSocketRoute)]
    assert paths == ["/ws"]
    for path in paths:
        with pytest.raises(Rejected):
            async with websocket(web.asgi, scope_for("websocket", path, web.state)):
                pass


async def test_a_wrong_api_key_is_refused_even_with_a_session(
        browser_like: httpx.AsyncClient) -> None:
    """A bad Bearer key is a 401 whatever else the request carries."""
    response = await browser_like.get("/api/series",
                                      headers={"Authorization": "Bearer aw_not-a-key"})
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "unauthorized",
                                        "message": "The API key is not valid."}
    response = await browser_like.get("/api/series", headers={"Authorization": "Basic eDp5"})
    assert response.status_code == 401
