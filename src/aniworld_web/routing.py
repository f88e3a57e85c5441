"""What the router answers besides the routes: ``OPTIONS`` with ``Allow``, 405 with every method
a path takes, and trailing-slash redirects that never name a host.

Starlette's own trailing-slash redirect builds an absolute URL from the request's ``Host``
header, so whoever sends the request picks where it points; ours is the path alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from aniworld_web.errors import error_response, page_response

_READ_ONLY = frozenset({"GET", "HEAD"})


def methods_for(routes: Sequence[BaseRoute], scope: Scope) -> set[str]:
    """Every method some route answers at the request's path (empty: no route has it)."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route | Mount):
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                methods |= set(route.methods or ()) if isinstance(route, Route) else _READ_ONLY
    return methods


class Methods:
    """``OPTIONS`` answers 204 with ``Allow``; a method the path does not take answers 405
    with ``Allow`` listing all it does (Starlette's lists one route's only)."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = methods_for(self.routes, scope)
        if not methods or (scope["method"] in methods and scope["method"] != "OPTIONS"):
            await self.app(scope, receive, send)
            return
        allow = {"Allow": ", ".join(sorted(methods | {"OPTIONS"}))}
        if scope["method"] == "OPTIONS":
            await Response(status_code=204, headers=allow)(scope, receive, send)
            return
        message = f"{scope['method']} is not allowed here; {allow['Allow']} are."
        response = (page_response(scope, 405, "method_not_allowed", message, allow)
                    or error_response(405, "method_not_allowed", message, headers=allow))
        await response(scope, receive, send)


def relative_slash_redirect(router: Router) -> ASGIApp:
    """The router's fallback: a path that exists with (or without) a trailing slash is
    redirected there by a relative ``Location``; anything else is the router's 404."""

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        location = _other_slash(router.routes, scope) if scope["type"] == "http" else None
        if location is None:
            await router.not_found(scope, receive, send)
            return
        await RedirectResponse(location, status_code=307)(scope, receive, send)

    return fallback


def _other_slash(routes: Sequence[BaseRoute], scope: Scope) -> str | None:
    path: str = scope["path"]
    if path == "/":
        return None
    other = path.removesuffix("/") if path.endswith("/") else path + "/"
    if not other.startswith("/") or other.startswith("//"):
        return None  # "//host" would be read as another site
    if not any(route.matches({**scope, "path": other})[0] is not Match.NONE
               for route in routes if isinstance(route, Route | Mount)):
        return None
    query = scope.get("query_string", b"").decode("latin-1")
    return quote(other) + (f"?{query}" if query else "")
