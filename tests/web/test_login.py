"""Logging in and out: sessions in signed cookies with the right flags, and login throttling."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import PASSWORD, USERNAME, Web, log_in

pytestmark = pytest.mark.anyio


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
