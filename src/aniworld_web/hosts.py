"""Whom the app believes: which host names it answers to, which origins may write, and whose
forwarded headers count.

DNS rebinding: a page on ``attacker.example`` whose name later resolves to 127.0.0.1 talks to
aniworld as if it were its own site, so :class:`HostCheck` refuses every request (and WebSocket)
whose ``Host`` is not an allowed name: the loopback names, ``web.host`` and
``web.allowed_hosts``. Browsers say where a request comes from in ``Origin``;
:func:`same_origin` compares it (scheme, host and port) with the request's own.

Behind a reverse proxy the peer is the proxy: :class:`ProxyHeaders` takes the client's address
from ``X-Forwarded-For``, the scheme from ``X-Forwarded-Proto`` and the host from
``X-Forwarded-Host`` only when the peer is one of ``web.trusted_proxies``; anyone else's
forwarded headers are ignored (a client could write them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from aniworld_core import WebSettings
from aniworld_web.errors import error_response, page_response

#: Names of this machine that no other site can take over.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_ANY_ADDRESS = frozenset({"", "0.0.0.0", "::"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_PAGE_SCHEME = {"ws": "http", "wss": "https"}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_hosts(web: WebSettings) -> frozenset[str]:
    """The loopback names, the address the server listens on (unless it listens on all of
    them) and ``web.allowed_hosts``; ``"*"`` among them allows any name."""
    names = set(LOOPBACK_NAMES) | set(web.allowed_hosts)
    listening = web.host.strip("[]").lower()
    if listening not in _ANY_ADDRESS:
        names.add(listening)
    return frozenset(names)


def split_host(host: str) -> tuple[str, int | None] | None:
    """``"Example.org:8000"`` → ``("example.org", 8000)``, ``"[::1]"`` → ``("::1", None)``;
    ``None`` when it is no host."""
    try:
        parts = urlsplit(f"//{host}")
        name, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not name or parts.username is not None or parts.path or parts.query:
        return None
    return name.lower(), port


def own_origin(scope: Scope) -> tuple[str, str, int] | None:
    """The request's own origin as a browser would write it: scheme, host, port."""
    host = split_host(Headers(scope=scope).get("host", ""))
    if host is None:
        return None
    given: str = scope.get("scheme") or "http"
    scheme = _PAGE_SCHEME.get(given, given)
    return scheme, host[0], host[1] or _DEFAULT_PORTS.get(scheme, 0)


def parse_origin(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin)
        name, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not name or parts.scheme not in ("http", "https"):
        return None
    return parts.scheme, name.lower(), port or _DEFAULT_PORTS[parts.scheme]


def same_origin(scope: Scope) -> bool:
    """Whether the request comes from one of our own pages: same scheme, host and port. A
    request without ``Origin`` comes from no page (a script, or a browser's plain navigation)
    and passes; ``Origin: null`` (a sandboxed or privacy-redirected page) does not."""
    origin = Headers(scope=scope).get("origin")
    if origin is None:
        return True
    theirs = parse_origin(origin)
    return theirs is not None and theirs == own_origin(scope)


class HostCheck:
    """Answers only requests that name an allowed host (400 otherwise; WebSockets are closed
    with 1008 before they open)."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or "*" in self.allowed:
            await self.app(scope, receive, send)
            return
        host = split_host(Headers(scope=scope).get("host", ""))
        if host is not None and host[0] in self.allowed:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        name = host[0] if host else "(none)"
        message = (f"This server does not answer to the name {name!r}. If that name is "
                   "yours, add it to the web.allowed_hosts setting.")
        response = (page_response(scope, 400, "host_not_allowed", message)
                    or error_response(400, "host_not_allowed", message))
        await response(scope, receive, send)


class ProxyHeaders:
    """Believe forwarded headers from the trusted proxies only."""

    def __init__(self, app: ASGIApp, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in trusted)

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if (scope["type"] in ("http", "websocket") and self.networks and client
                and self.trusts(client[0])):
            scope = self.forwarded(scope)
        await self.app(scope, receive, send)

    def forwarded(self, scope: Scope) -> Scope:
        headers = Headers(scope=scope)
        scope = dict(scope)
        hops = [hop.strip() for hop in headers.get("x-forwarded-for", "").split(",")
                if hop.strip()]
        if hops:
            # The nearest hop that is not one of our proxies is the client; the hops before it
            # were written by whoever sent the request and prove nothing.
            client = next((hop for hop in reversed(hops) if not self.trusts(hop)), hops[0])
            scope["client"] = (client.strip("[]"), 0)
        proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            websocket = scope["type"] == "websocket"
            scope["scheme"] = {"http": "ws", "https": "wss"}[proto] if websocket else proto
        forwarded_host = headers.get("x-forwarded-host", "").split(",")[0].strip()
        if forwarded_host:
            scope["headers"] = [(name, value) for name, value in scope["headers"]
                                if name != b"host"] + [(b"host", forwarded_host.encode())]
        return scope
