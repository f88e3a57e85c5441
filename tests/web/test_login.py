"""Logging in and out: session cookies with the right flags, and login throttling counted in
the database per username and per address, believing forwarded addresses only from trusted
proxies."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import attrs
import httpx
import pytest

from aniworld_core import Settings
from aniworld_core.auth import LOGIN_LIMITS
from aniworld_web import create_app

from .conftest import PASSWORD, USERNAME, Web, log_in
from .live_server import live_server

pytestmark = pytest.mark.anyio
WRONG = {"username": USERNAME, "password": "wrong password"}
RIGHT = {"username": USERNAME, "password": PASSWORD}


def set_cookie(response: httpx.Response) -> str:
    [cookie] = response.headers.get_list("set-cookie")
    return cookie


async def test_login_sets_a_hardened_session_cookie(anonymous: httpx.AsyncClient) -> None:
    """The session cookie is HttpOnly and SameSite=Lax, and not Secure over plain HTTP."""
    response = await anonymous.post("/api/auth/login",
                                    json={"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["username"] == USERNAME
    cookie = set_cookie(response).lower()
    assert cookie.startswith("aniworld_session=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie.replace("samesite", "")


async def test_cookie_is_secure_over_https(web: Web) -> None:
    """Served over HTTPS (directly or behind a trusted proxy) the cookie is marked Secure."""
    await web.user()
    async with web.client(scheme="https") as client:
        response = await client.post("/api/auth/login",
                                     json={"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 200
    assert re.search(r";\s*secure\b", set_cookie(response).lower())


async def test_status_and_logout(anonymous: httpx.AsyncClient) -> None:
    """The status names the user and CSRF token; after logout the session no longer works."""
    token = await log_in(anonymous)
    status = (await anonymous.get("/api/auth/status")).json()
    assert status == {"authenticated": True, "username": USERNAME, "method": "session",
                      "csrf_token": token}
    assert (await anonymous.post("/api/auth/logout")).status_code == 204
    assert (await anonymous.get("/api/auth/status")).status_code == 401


async def test_status_for_an_api_key(script: httpx.AsyncClient) -> None:
    """A script using an API key is told so, and gets no CSRF token (it needs none)."""
    status = (await script.get("/api/auth/status")).json()
    assert status == {"authenticated": True, "username": None, "method": "api_key",
                      "csrf_token": None}


@pytest.mark.parametrize("body", [{"username": USERNAME, "password": "wrong password"},
                                  {"username": "nobody", "password": PASSWORD}])
async def test_wrong_credentials_are_401(anonymous: httpx.AsyncClient,
                                         body: dict[str, str]) -> None:
    """A wrong password and an unknown user get the same answer and no session."""
    response = await anonymous.post("/api/auth/login", json=body)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "invalid_credentials",
                                         "message": "Wrong username or password."}}
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("body", [{"username": USERNAME}, {"username": 1, "password": 2},
                                  {"username": USERNAME, "password": PASSWORD, "x": 1}])
async def test_malformed_login_is_422(anonymous: httpx.AsyncClient, body: object) -> None:
    """A login body with missing, mistyped or unknown fields is refused as invalid."""
    response = await anonymous.post("/api/auth/login", json=body)
    assert response.status_code == 422


async def test_sixth_failure_in_a_minute_is_throttled(web: Web) -> None:
    """After five failures from one address the next attempt is 429 with Retry-After, even
    with the right password; another address is not affected."""
    await web.user()
    wrong = {"username": USERNAME, "password": "wrong password"}
    right = {"username": USERNAME, "password": PASSWORD}
    async with web.client(address="192.0.2.7") as attacker:
        for _ in range(5):
            assert (await attacker.post("/api/auth/login", json=wrong)).status_code == 401
        response = await attacker.post("/api/auth/login", json=right)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_attempts"
    assert 1 <= int(response.headers["retry-after"]) <= 60
    async with web.client(address="192.0.2.8") as bystander:
        assert (await bystander.post("/api/auth/login", json=right)).status_code == 200


async def test_form_login_is_throttled_too(web: Web) -> None:
    """The HTML form shares the throttle: its sixth failure shows a 429 page with Retry-After."""
    await web.user()
    async with web.client(address="192.0.2.9") as client:
        page = (await client.get("/login")).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        form = {"csrf_token": csrf[1], "username": USERNAME, "password": "wrong password"}
        for _ in range(5):
            assert (await client.post("/login", data=form)).status_code == 401
        response = await client.post("/login", data={**form, "password": PASSWORD})
    assert response.status_code == 429
    assert "retry-after" in response.headers
    assert "Too many failed logins" in response.text


async def test_form_login_then_library(web: Web) -> None:
    """Logging in with the form redirects to the library, which then renders."""
    await web.user()
    async with web.client() as client:
        page = (await client.get("/login")).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        response = await client.post("/login", data={"csrf_token": csrf[1],
                                                      "username": USERNAME.upper(),
                                                      "password": PASSWORD})
        assert (response.status_code, response.headers["location"]) == (303, "/")
        library = await client.get("/")
        assert library.status_code == 200
        assert "Add series" in library.text
        assert (await client.get("/login")).headers["location"] == "/"


async def test_form_login_without_csrf_token_is_refused(web: Web) -> None:
    """A login form posted without the page's token (say, from another site) is refused."""
    await web.user()
    async with web.client() as client:
        response = await client.post("/login", data={"username": USERNAME,
                                                      "password": PASSWORD})
        assert response.status_code == 403
        assert (await client.get("/api/auth/status")).status_code == 401


async def test_json_login_needs_the_json_content_type(anonymous: httpx.AsyncClient) -> None:
    """A login posted as a form or text (what another site could send) is refused."""
    body = f'{{"username": "{USERNAME}", "password": "{PASSWORD}"}}'
    response = await anonymous.post("/api/auth/login", content=body,
                                    headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


async def test_login_page_sends_first_visitors_to_setup(web: Web) -> None:
    """While no user exists, the login page redirects to the setup page."""
    async with web.client() as client:
        response = await client.get("/login")
    assert (response.status_code, response.headers["location"]) == (303, "/setup")


@asynccontextmanager
async def second_process(settings: Settings) -> AsyncIterator[Web]:
    """Another app on the same database, as a second web process would be."""
    app = create_app(settings, loader=False)
    async with app.router.lifespan_context(app) as state:
        yield Web(app, dict(state))


async def test_the_throttle_is_shared_by_processes(web: Web, settings: Settings) -> None:
    """Failures made through one web process count in another on the same database."""
    await web.user()
    async with web.client(address="192.0.2.20") as client:
        for _ in range(LOGIN_LIMITS.per_address):
            assert (await client.post("/api/auth/login", json=WRONG)).status_code == 401
    async with second_process(settings) as other, other.client(address="192.0.2.20") as client:
        assert (await client.post("/api/auth/login", json=RIGHT)).status_code == 429


async def test_rotating_addresses_do_not_get_round_the_username_limit(web: Web) -> None:
    """Guesses at one username from ever new addresses are throttled once the username has
    had its share; its owner's right password then waits too, and says so."""
    await web.user()
    for number in range(LOGIN_LIMITS.per_username):
        async with web.client(address=f"198.51.100.{number}") as client:
            assert (await client.post("/api/auth/login", json=WRONG)).status_code == 401
    async with web.client(address="203.0.113.5") as client:
        response = await client.post("/api/auth/login", json=RIGHT)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


async def test_forwarded_addresses_from_anyone_else_are_ignored(web: Web) -> None:
    """A client (even on this machine) naming a new X-Forwarded-For each time is counted as
    itself, and throttled after five failures."""
    await web.user()
    async with web.client() as client:
        for number in range(LOGIN_LIMITS.per_address):
            response = await client.post("/api/auth/login", json=WRONG,
                                         headers={"X-Forwarded-For": f"10.9.0.{number}"})
            assert response.status_code == 401
        response = await client.post("/api/auth/login", json=RIGHT,
                                     headers={"X-Forwarded-For": "10.9.0.99"})
    assert response.status_code == 429


async def test_a_trusted_proxy_is_believed(settings: Settings) -> None:
    """Behind a proxy in ``web.trusted_proxies`` the forwarded address counts (one client's
    failures do not lock out another behind the same proxy), and so does the scheme."""
    trusting = attrs.evolve(settings, web=attrs.evolve(settings.web,
                                                       trusted_proxies=("10.0.0.0/24",)))
    async with second_process(trusting) as web:
        await web.user()
        async with web.client(address="10.0.0.5") as proxy:
            forwarded = {"X-Forwarded-For": "spoofed, 192.0.2.30", "X-Forwarded-Proto": "https"}
            for _ in range(LOGIN_LIMITS.per_address):
                response = await proxy.post("/api/auth/login", json=WRONG, headers=forwarded)
                assert response.status_code == 401
            assert (await proxy.post("/api/auth/login", json=RIGHT,
                                     headers=forwarded)).status_code == 429
            response = await proxy.post("/api/auth/login", json=RIGHT,
                                        headers={**forwarded,
                                                 "X-Forwarded-For": "192.0.2.31"})
            assert response.status_code == 200
            assert re.search(r";\s*secure\b", set_cookie(response).lower())


def test_uvicorn_does_not_believe_forwarded_addresses(settings: Settings) -> None:
    """Under uvicorn as ``aniworld serve`` runs it, a loopback client rotating X-Forwarded-For
    is still one address: its sixth try is throttled."""
    with live_server(settings) as server:
        server.call(server.core.accounts.set_password, USERNAME, PASSWORD)
        with httpx.Client(base_url=server.url) as client:
            statuses = [client.post("/api/auth/login", json=WRONG if n < 5 else RIGHT,
                                    headers={"X-Forwarded-For": f"10.8.0.{n}"}).status_code
                        for n in range(6)]
    assert statuses == [401] * 5 + [429]


async def test_login_waits_when_hashing_is_busy(web: Web) -> None:
    """Ten logins at once all get an answer (hashing queues, it does not fail)."""
    await web.user()
    results: list[int] = []

    async def attempt(number: int) -> None:
        async with web.client(address=f"192.0.2.{100 + number}") as client:
            results.append((await client.post("/api/auth/login", json=RIGHT)).status_code)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            for number in range(10):
                group.start_soon(attempt, number)
    assert results == [200] * 10
