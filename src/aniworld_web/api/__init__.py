"""The JSON API, one module per resource; each exports its ``ROUTES``."""

from starlette.routing import BaseRoute

from aniworld_web.api import (
    artwork,
    auth,
    downloads,
    events,
    jobs,
    library,
    search,
    series,
    system,
)

ROUTES: list[BaseRoute] = [*series.ROUTES, *artwork.ROUTES, *search.ROUTES, *auth.ROUTES,
                           *jobs.ROUTES, *library.ROUTES, *system.ROUTES, *events.ROUTES,
                           *downloads.ROUTES]

__all__ = ["ROUTES"]
