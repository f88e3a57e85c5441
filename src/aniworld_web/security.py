"""Who is asking, and whether they may: authentication, the default-deny gate, CSRF, origins.

Identification is Starlette's ``AuthenticationMiddleware`` with :class:`SessionOrKey`: a Bearer
API key, else the session the cookie names, each looked up in the database (through the
accounts' short cache), so a revoked key or an ended session opens nothing. :class:`Gate` then
lets through only the public paths for anonymous visitors, and refuses a write that does not
come from our own pages: made without an API key (browsers never send one on their own), it
must not name another origin, and made with the session cookie it must carry the CSRF header.
WebSocket handshakes from other origins are refused (scheme, host and port compared).
"""

from __future__ import annotations

from typing import Literal

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

from aniworld_web.errors import error_response, page_response, wants_html
from aniworld_web.hosts import same_origin
from aniworld_web.sessions import CSRF_HEADER, csrf_matches, session_token
from aniworld_web.state import context_in

#: Reachable without logging in. Everything else needs a session or an API key.
PUBLIC_PATHS = frozenset({"/login", "/setup", "/api/auth/login", "/api/health"})
PUBLIC_PREFIXES = ("/static/",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_POLICY_VIOLATION = 1008


class Principal(BaseUser):
    """An authenticated caller: a user by session, or a script by API key. ``token`` is what
    authenticated it (the session's token or the key), so live streams can ask again whether
    it still does; ``session_id`` is the session's id."""

    def __init__(self, name: str, method: Literal["session", "api_key"], token: str,
                 session_id: int | None = None) -> None:
        self.name = name
        self.method = method
        self.token = token
        self.session_id = session_id

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.name


class SessionOrKey(AuthenticationBackend):
    """A valid ``Authorization: Bearer`` key wins; a wrong one is refused outright. A cookie
    whose session has ended is no one."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        accounts = context_in(conn.scope).core.accounts
        authorization = conn.headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            key = token.strip()
            if scheme.lower() != "bearer" or not await accounts.verify_api_key(key):
                raise AuthenticationError("The API key is not valid.")
            return AuthCredentials(["authenticated"]), Principal("api key", "api_key", key)
        cookie = session_token(conn.session)
        if cookie is None:
            return None
        session = await accounts.session(cookie)
        if session is None:
            return None
        return (AuthCredentials(["authenticated"]),
                Principal(session.username, "session", cookie, session.id))


def on_auth_error(conn: HTTPConnection, error: AuthenticationError) -> Response:
    return error_response(401, "unauthorized", str(error),
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def principal_of(scope: Scope) -> Principal | None:
    user = scope.get("user")
    return user if isinstance(user, Principal) else None


class Gate:
    """Default deny: anonymous callers reach only :data:`PUBLIC_PATHS`; writes come from our own
    pages or from scripts with a key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            principal = principal_of(scope)
            if principal is None or (principal.method == "session" and not same_origin(scope)):
                await send({"type": "websocket.close", "code": _POLICY_VIOLATION})
                return
        elif scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> Response | None:
        principal = principal_of(scope)
        if principal is None and not is_public(scope["path"]):
            return self._anonymous(scope)
        if scope["method"] in SAFE_METHODS or (principal and principal.method == "api_key"):
            return None
        if not same_origin(scope):
            return _forbidden(scope, "cross_origin",
                              "This request comes from another site's page; aniworld takes "
                              "changes only from its own pages.")
        # The public forms (login, setup) carry the token in a field and check it themselves.
        if (principal is not None and not is_public(scope["path"])
                and not csrf_matches(scope["session"], Headers(scope=scope).get(CSRF_HEADER))):
            return _forbidden(scope, "csrf_failed", "This request needs the page's CSRF "
                                                    "token in the X-CSRF-Token header.")
        return None

    @staticmethod
    def _anonymous(scope: Scope) -> Response:
        if wants_html(scope["path"], Headers(scope=scope).get("accept", "")):
            return RedirectResponse("/login", status_code=303)
        return error_response(401, "unauthorized", "Log in, or send an API key as "
                                                   "'Authorization: Bearer KEY'.",
                              headers={"WWW-Authenticate": "Bearer"})


def _forbidden(scope: Scope, code: str, message: str) -> Response:
    return page_response(scope, 403, code, message) or error_response(403, code, message)
