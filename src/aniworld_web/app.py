"""``create_app``: the Starlette app over one ``SeriesApp``, opened for the app's lifetime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from aniworld_core import SeriesApp, Settings
from aniworld_web import api, download_pages, pages
from aniworld_web.bodies import BodyLimit
from aniworld_web.errors import EXCEPTION_HANDLERS
from aniworld_web.headers import SecurityHeaders
from aniworld_web.hosts import HostCheck, ProxyHeaders, allowed_hosts
from aniworld_web.openapi import openapi_route
from aniworld_web.routing import Methods, relative_slash_redirect
from aniworld_web.secret_file import load_or_create_secret
from aniworld_web.security import Gate, SessionOrKey, on_auth_error
from aniworld_web.sessions import Sessions
from aniworld_web.state import WebContext, WebState
from aniworld_web.wire import WireTexts

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, loader: bool = True) -> Starlette:
    """The web app. Its lifespan opens ``SeriesApp`` with ``settings`` (``Settings.load()``
    by default) and closes it on shutdown; the session secret is made on first run.

    ``loader=False`` serves without loading in this process (another process runs the loader,
    e.g. several web workers sharing one PostgreSQL database).

    The lifespan state offers ``begin_shutdown`` (:data:`~aniworld_web.state.BEGIN_SHUTDOWN`):
    a server that calls it as it starts shutting down gets its live streams ended at once."""
    settings = settings or Settings.load()
    secret = load_or_create_secret(settings.data_dir)
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[WebState]:
        async with SeriesApp.open(settings, loader=loader,
                                  role="web+jobs" if loader else "web") as core:
            if not await core.accounts.has_users():
                log.warning("No user exists yet: open /setup in a browser on this machine, or "
                            "run 'aniworld user set-password'.")
            context = WebContext(core=core, templates=templates, wire=WireTexts())
            yield {"web": context, "begin_shutdown": context.begin_shutdown}

    routes: list[BaseRoute] = [
        *pages.ROUTES,
        *download_pages.ROUTES,
        *api.ROUTES,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    routes.append(openapi_route(routes))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(ProxyHeaders, trusted=settings.web.trusted_proxies),
            Middleware(HostCheck, allowed=allowed_hosts(settings.web)),
            Middleware(BodyLimit),
            Middleware(Sessions, secret=secret),
            Middleware(AuthenticationMiddleware, backend=SessionOrKey(), on_error=on_auth_error),
            Middleware(Gate),
            Middleware(Methods, routes=routes),
        ],
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.router.default = relative_slash_redirect(app.router)
    return app
