"""What the lifespan hands every request: the open ``SeriesApp`` and the web's own helpers.

The lifespan yields a :class:`WebState`; servers copy it into every connection's scope, and
:func:`context_of` reads it back, typed, from any request or WebSocket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

import attrs
import jinja2
from starlette.requests import HTTPConnection
from starlette.types import Scope

from aniworld_core import SeriesApp
from aniworld_web.wire import WireTexts

#: The lifespan state's key for :meth:`WebContext.begin_shutdown`, which a server calls the
#: moment it starts shutting down (``aniworld serve`` does), so that live streams end at once
#: instead of holding the server's graceful shutdown up.
BEGIN_SHUTDOWN = "begin_shutdown"


@attrs.define
class WebContext:
    """The open core and the adapter's helpers, alive as long as the app's lifespan."""

    core: SeriesApp
    templates: jinja2.Environment
    wire: WireTexts
    #: Set once the server has begun to shut down: live streams end, new ones are refused.
    closing: bool = False

    def begin_shutdown(self) -> None:
        """End every live stream now (WebSockets close with 1001, event streams end)."""
        self.closing = True
        self.core.events.close()


class WebState(TypedDict):
    """The lifespan state: what ``Request[WebState].state`` holds."""

    web: WebContext
    begin_shutdown: Callable[[], None]


def context_of(connection: HTTPConnection[Any]) -> WebContext:
    """The context of the app serving ``connection``."""
    return context_in(connection.scope)


def context_in(scope: Scope) -> WebContext:
    """The context from an ASGI scope (for middleware)."""
    context: WebContext = scope["state"]["web"]
    return context
