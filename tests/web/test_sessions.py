"""Sessions live in the database: logging out, a new password or ending a session from the list
ends it wherever its cookie is, copies included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from aniworld_core import SeriesApp
from aniworld_web.sessions import SESSION_COOKIE

from .conftest import Web, log_in

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def copy_of(web: Web, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """Another client holding a copy of ``client``'s cookie and CSRF token (a stolen cookie)."""
    async with web.client(headers={"X-CSRF-Token": client.headers["X-CSRF-Token"]}) as thief:
        thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
        yield thief


async def test_a_copied_cookie_opens_nothing_after_logout(
        web: Web, browser_like: httpx.AsyncClient) -> None:
    """After logout a copy of the cookie taken before can neither read nor write."""
    async with copy_of(web, browser_like) as thief:
        assert (await thief.get("/api/series")).status_code == 200
        assert (await browser_like.post("/api/auth/logout")).status_code == 204
        assert (await thief.get("/api/series")).status_code == 401
        response = await thief.post("/api/series", json={"title": "Trigun"})
        assert response.status_code == 401
        page = await thief.get("/", headers={"Accept": "text/html"})
        assert (page.status_code, page.headers["location"]) == (303, "/login")
    assert await web.core.list_series() == []


async def test_a_new_password_ends_every_session(web: Web,
                                                 browser_like: httpx.AsyncClient) -> None:
    """Setting the password (as ``aniworld user set-password`` does) logs every browser of
    that user out."""
    async with web.client() as second:
        await log_in(second)
        await web.core.accounts.set_password("admin", "a brand new password")
        for client in (browser_like, second):
            assert (await client.get("/api/auth/status")).status_code == 401


async def test_another_process_ending_the_session_is_noticed(
        web: Web, browser_like: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session ended by another process (the CLI) stops working here once the credential
    cache time has passed (zero here)."""
    from aniworld_core import auth

    monkeypatch.setattr(auth, "CREDENTIAL_CACHE_SECONDS", 0.0)
    assert (await browser_like.get("/api/series")).status_code == 200
    async with SeriesApp.open(web.core.settings, loader=False) as other:
        assert await other.accounts.end_sessions("admin") == 1
    assert (await browser_like.get("/api/series")).status_code == 401


async def test_sessions_are_listed_and_ended(web: Web, browser_like: httpx.AsyncClient) -> None:
    """The list shows each session with where it came from and marks this one; ending another
    logs that one out and leaves this one; ending all logs out everywhere."""
    async with web.client(address="192.0.2.44",
                          headers={"User-Agent": "Phone browser"}) as phone:
        await log_in(phone)
        listed = (await browser_like.get("/api/auth/sessions")).json()["sessions"]
        assert [(s["address"], s["current"]) for s in listed] == [
            ("192.0.2.44", False), ("127.0.0.1", True)]
        assert listed[0]["user_agent"] == "Phone browser"
        response = await browser_like.delete(f"/api/auth/sessions/{listed[0]['id']}")
        assert response.status_code == 204
        assert (await phone.get("/api/series")).status_code == 401
        assert (await browser_like.get("/api/series")).status_code == 200
        missing = await browser_like.delete(f"/api/auth/sessions/{listed[0]['id']}")
        assert missing.status_code == 404
        await log_in(phone)
        assert (await browser_like.delete("/api/auth/sessions")).status_code == 204
        for client in (browser_like, phone):
            assert (await client.get("/api/series")).status_code == 401


async def test_another_users_session_cannot_be_ended(web: Web,
                                                     browser_like: httpx.AsyncClient) -> None:
    """A session id of another user is "no such session" and that session goes on."""
    await web.core.accounts.set_password("bob", "bob's fine password")
    async with web.client() as bob:
        response = await bob.post("/api/auth/login", json={"username": "bob",
                                                           "password": "bob's fine password"})
        bob.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        [bobs] = (await bob.get("/api/auth/sessions")).json()["sessions"]
        assert (await browser_like.delete(f"/api/auth/sessions/{bobs['id']}")).status_code == 404
        assert (await bob.get("/api/series")).status_code == 200


async def test_an_api_key_has_no_sessions(script: httpx.AsyncClient) -> None:
    """A script with a key is told that keys have no sessions."""
    response = await script.get("/api/auth/sessions")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_user"


async def test_the_account_page_lists_the_sessions(browser_like: httpx.AsyncClient) -> None:
    """The account page lists the sessions with a button to end each, this one marked."""
    page = (await browser_like.get("/account", headers={"Accept": "text/html"})).text
    assert "(this browser)" in page
    assert 'data-session-id="' in page
    assert "Log out everywhere" in page
