"""First run: /setup sets the first password, only from this machine, only once."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import Web

pytestmark = pytest.mark.anyio


async def setup_form(client: httpx.AsyncClient) -> str:
    page = await client.get("/setup")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return token[1]


def form(token: str, password: str = "a fine password", confirm: str | None = None,
         username: str = "Admin") -> dict[str, str]:
    return {"csrf_token": token, "username": username, "password": password,
            "confirm": password if confirm is None else confirm}


async def test_setup_creates_the_user_and_logs_in(web: Web) -> None:
    """The first visitor from this machine sets the password and is logged in."""
    async with web.client() as client:
        token = await setup_form(client)
        response = await client.post("/setup", data=form(token))
        assert (response.status_code, response.headers["location"]) == (303, "/")
        status = (await client.get("/api/auth/status")).json()
    assert status["username"] == "admin"
    assert await web.core.accounts.verify_password("admin", "a fine password")


async def test_setup_is_gone_afterwards(web: Web) -> None:
    """Once a user exists, /setup answers 404 and a late form changes nothing."""
    async with web.client() as early, web.client() as late:
        early_token, late_token = await setup_form(early), await setup_form(late)
        await early.post("/setup", data=form(early_token))
        assert (await late.get("/setup")).status_code == 404
        response = await late.post("/setup", data=form(late_token, "mallory's password",
                                                       username="mallory"))
        assert response.status_code == 404
    assert not await web.core.accounts.verify_password("mallory", "mallory's password")


@pytest.mark.parametrize("address", ["192.0.2.1", "10.0.0.2", "::ffff:203.0.113.9", "unknown"])
async def test_setup_only_from_this_machine(web: Web, address: str) -> None:
    """A visitor from another address gets 403 and cannot create the user."""
    async with web.client(address=address) as client:
        page = await client.get("/setup")
        assert page.status_code == 403
        assert "aniworld user set-password" in page.text
        response = await client.post("/setup", data=form("anything"))
        assert response.status_code == 403
    assert not await web.core.accounts.has_users()


async def test_setup_over_ipv6_loopback(web: Web) -> None:
    """::1 is this machine too."""
    async with web.client(address="::1") as client:
        assert (await client.get("/setup")).status_code == 200


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [("short", None, "too short"), ("a fine password", "another one", "differ")],
)
async def test_setup_refuses_bad_passwords(web: Web, password: str, confirm: str | None,
                                           message: str) -> None:
    """A password breaking the policy or not confirmed is shown again with the reason."""
    async with web.client() as client:
        token = await setup_form(client)
        response = await client.post("/setup", data=form(token, password, confirm))
    assert response.status_code == 422
    assert message in response.text
    assert not await web.core.accounts.has_users()


async def test_setup_needs_the_csrf_token(web: Web) -> None:
    """A setup form without the page's token (from another site) is refused."""
    async with web.client() as client:
        await setup_form(client)
        response = await client.post("/setup", data=form("forged"))
    assert response.status_code == 403
    assert not await web.core.accounts.has_users()
