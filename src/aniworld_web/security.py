"""Who is asking, and whether they may: authentication, the default-deny gate, CSRF, origins.

Identification is Starlette's ``AuthenticationMiddleware`` with :class:`SessionOrKey`: a Bearer
API key, else the session cookie. :class:`Gate` then lets through only the public paths for
anonymous visitors, checks the CSRF header on every state-changing request made with the session
cookie (API keys need none: browsers never send them on their own), and refuses WebSocket
handshakes from other sites.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from aniworld_web.errors import error_response, wants_html
from aniworld_web.sessions import CSRF_HEADER, csrf_matches, session_user
from aniworld_web.state import context_in

#: Reachable without logging in. Everything else needs a session or an API key.
PUBLIC_PATHS = frozenset({"/login", "/setup", "/api/auth/login", "/api/health"})
PUBLIC_PREFIXES = ("/static/",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Principal(BaseUser):
    """An authenticated caller: a user by session, or a script by API key."""

    def __init__(self, name: str, method: Literal["session", "api_key"]) -> None:
        self.name = name
        self.method = method

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.name


class SessionOrKey(AuthenticationBackend):
    """A valid ``Authorization: Bearer`` key wins; a wrong one is refused outright."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        authorization = conn.headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not await context_in(
                conn.scope
            ).core.accounts.verify_api_key(token.strip()):
                raise AuthenticationError("The API key is not valid.")
            return AuthCredentials(["authenticated"]), Principal("api key", "api_key")
        user = session_user(conn.session)
        if user is None:
            return None
        return AuthCredentials(["authenticated"]), Principal(user, "session")


def on_auth_error(conn: HTTPConnection, error: AuthenticationError) -> Response:
    return error_response(401, "unauthorized", str(error),
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def principal_of(scope: Scope) -> Principal | None:
    user = scope.get("user")
    return user if isinstance(user, Principal) else None


def same_origin(headers: Headers) -> bool:
    """Whether a browser request comes from our own pages (scripts send no Origin)."""
    origin = headers.get("origin")
    return origin is None or urlsplit(origin).netloc == headers.get("host")


class Gate:
    """Default deny: anonymous callers reach only :data:`PUBLIC_PATHS`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        principal = principal_of(scope)
        headers = Headers(scope=scope)
        if scope["type"] == "websocket":
            if principal is None or (principal.method == "session" and not same_origin(headers)):
                await send({"type": "websocket.close", "code": 1008})
                return
        elif principal is None:
            await self._anonymous(scope)(scope, receive, send)
            return
        elif (principal.method == "session" and scope["method"] not in SAFE_METHODS
              and not csrf_matches(scope["session"], headers.get(CSRF_HEADER))):
            await error_response(
                403, "csrf_failed",
                "This request needs the page's CSRF token in the X-CSRF-Token header.",
            )(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _anonymous(scope: Scope) -> Response:
        if wants_html(scope["path"], Headers(scope=scope).get("accept", "")):
            return RedirectResponse("/login", status_code=303)
        return error_response(401, "unauthorized", "Log in, or send an API key as "
                                                   "'Authorization: Bearer KEY'.",
                              headers={"WWW-Authenticate": "Bearer"})
