"""Logging in, shared by the login form and ``POST /api/auth/login``; the first user's session
after setup."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from aniworld_core import InvalidInput, LoggedIn
from aniworld_web.errors import ApiError
from aniworld_web.sessions import session_token, start_session
from aniworld_web.state import context_of


def client_address(connection: HTTPConnection[Any]) -> str:
    """The caller's address: the peer's, or the one a trusted proxy forwarded
    (:class:`~aniworld_web.hosts.ProxyHeaders`)."""
    return connection.client.host if connection.client else "unknown"


def user_agent(connection: HTTPConnection[Any]) -> str:
    return connection.headers.get("user-agent", "")


async def log_in(connection: HTTPConnection[Any], username: object,
                 password: object) -> tuple[str, str]:
    """Check the password (the core throttles per username and per address) and start a
    session; returns the username (as stored) and the session's CSRF token.

    :class:`ApiError` 401 for a wrong password, 429 with ``Retry-After`` after too many
    attempts.
    """
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidInput("Give a username and a password, both as text.")
    outcome = await context_of(connection).core.accounts.log_in(
        username, password, address=client_address(connection),
        user_agent=user_agent(connection))
    if isinstance(outcome, LoggedIn):
        previous = session_token(connection.session)
        if previous is not None:  # logging in again: the session the cookie had ends
            await context_of(connection).core.accounts.end_session(previous)
        return outcome.session.username, start_session(connection.session, outcome.token)
    if outcome.retry_after is not None:
        wait = outcome.retry_after
        raise ApiError(429, "too_many_attempts",
                       f"Too many failed logins; try again in {wait} seconds.",
                       headers={"Retry-After": str(wait)})
    raise ApiError(401, "invalid_credentials", "Wrong username or password.")


async def start_first_session(connection: HTTPConnection[Any], username: str) -> None:
    """Log in the user setup has just created."""
    started = await context_of(connection).core.accounts.start_session(
        username, address=client_address(connection), user_agent=user_agent(connection))
    start_session(connection.session, started.token)
