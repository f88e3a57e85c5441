"""Logging in, shared by the login form and ``POST /api/auth/login``."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from aniworld_core import InvalidInput
from aniworld_core.auth import check_username
from aniworld_web.errors import ApiError
from aniworld_web.sessions import start_session
from aniworld_web.state import context_of


def client_address(connection: HTTPConnection[Any]) -> str:
    """The caller's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return connection.client.host if connection.client else "unknown"


async def log_in(connection: HTTPConnection[Any], username: object, password: object) -> str:
    """Check the password, throttled per address, and start a session; returns its CSRF token.

    :class:`ApiError` 401 for a wrong password, 429 with ``Retry-After`` after five failures a
    minute from one address.
    """
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidInput("Give a username and a password, both as text.")
    context = context_of(connection)
    address = client_address(connection)
    wait = context.throttle.attempt(address)
    if wait is not None:
        raise ApiError(429, "too_many_attempts",
                       f"Too many failed logins; try again in {wait} seconds.",
                       headers={"Retry-After": str(wait)})
    if not await context.core.accounts.verify_password(username, password):
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    context.throttle.succeeded(address)
    return start_session(connection.session, check_username(username))
