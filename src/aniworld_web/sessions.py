"""Session cookies and CSRF tokens.

The cookie is signed with itsdangerous (Starlette's ``SessionMiddleware``): HttpOnly,
SameSite=Lax, and Secure whenever the request came over HTTPS (directly or through a trusted
proxy). It holds the session's token and a per-session CSRF token, nothing else. The session
itself is a row in the database (``app.accounts``), found by the token's hash: logging out, a
new password or "end session" deletes the row, and a copied cookie opens nothing any more.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from aniworld_core import Accounts

SESSION_COOKIE = "aniworld_session"
SESSION_MAX_AGE = int(Accounts.session_idle.total_seconds())
#: The header scripts and the page's JavaScript send the token in.
CSRF_HEADER = "x-csrf-token"
#: The hidden form field the login and setup forms send it in.
CSRF_FIELD = "csrf_token"
_TOKEN, _CSRF = "token", "csrf"


class Sessions:
    """``SessionMiddleware`` that marks the cookie Secure exactly when the request is HTTPS."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        options: dict[str, Any] = {"secret_key": secret, "session_cookie": SESSION_COOKIE,
                                   "max_age": SESSION_MAX_AGE, "same_site": "lax"}
        self._plain = SessionMiddleware(app, https_only=False, **options)
        self._secure = SessionMiddleware(app, https_only=True, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secure = scope.get("scheme") in ("https", "wss")
        await (self._secure if secure else self._plain)(scope, receive, send)


def session_token(session: dict[str, Any]) -> str | None:
    """The token of the session the cookie names (it may have ended since)."""
    token = session.get(_TOKEN)
    return token if isinstance(token, str) else None


def start_session(session: dict[str, Any], token: str) -> str:
    """Put a new session's ``token`` in the cookie with a fresh CSRF token (returned)."""
    session.clear()
    session[_TOKEN] = token
    return csrf_token(session)


def end_session(session: dict[str, Any]) -> None:
    session.clear()


def csrf_token(session: dict[str, Any]) -> str:
    """This session's CSRF token, made on first use (also for visitors not yet logged in)."""
    token = session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[_CSRF] = token
    return token


def csrf_matches(session: dict[str, Any], submitted: str | None) -> bool:
    expected = session.get(_CSRF)
    if not isinstance(expected, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode("utf-8", "surrogatepass"))
