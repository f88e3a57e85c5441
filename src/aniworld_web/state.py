"""What the lifespan hands every request: the open ``SeriesApp`` and the web's own helpers.

The lifespan yields a :class:`WebState`; servers copy it into every connection's scope, and
:func:`context_of` reads it back, typed, from any request or WebSocket.
"""

from __future__ import annotations

from typing import Any, TypedDict

import attrs
import jinja2
from starlette.requests import HTTPConnection
from starlette.types import Scope

from aniworld_core import SeriesApp
from aniworld_web.throttle import LoginThrottle
from aniworld_web.wire import WireTexts


@attrs.frozen
class WebContext:
    """The open core and the adapter's helpers, alive as long as the app's lifespan."""

    core: SeriesApp
    templates: jinja2.Environment
    throttle: LoginThrottle
    wire: WireTexts


class WebState(TypedDict):
    """The lifespan state: what ``Request[WebState].state`` holds."""

    web: WebContext


def context_of(connection: HTTPConnection[Any]) -> WebContext:
    """The context of the app serving ``connection``."""
    return context_in(connection.scope)


def context_in(scope: Scope) -> WebContext:
    """The context from an ASGI scope (for middleware)."""
    context: WebContext = scope["state"]["web"]
    return context
