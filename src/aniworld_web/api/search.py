"""``GET /api/search?q=&provider=&year=``: a provider's candidates, for the user to pick from."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_core import InvalidInput
from aniworld_web.api.series import checked_text
from aniworld_web.library import search_candidates
from aniworld_web.state import context_of


def year_parameter(text: str | None) -> int | None:
    """The ``year`` query parameter as a number (the core checks its range)."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 4):
        raise InvalidInput("The year must be a number from 1900 to 2200.", field="year")
    return int(text)


async def search(request: Request) -> Response:
    """Candidates, best first; ``series_id`` tells which are in the library already.

    A provider name nobody registered is the caller's mistake (422); a provider that exists
    but is switched off or cannot search is 503, a failed request to it 502."""
    core = context_of(request).core
    query = request.query_params.get("q")
    if query is None:
        raise InvalidInput("Give the text to search for as ?q=.", field="q")
    checked_text(query, "query", "search")
    provider = request.query_params.get("provider") or None
    if provider is not None and provider not in {status.name for status in core.providers()}:
        raise InvalidInput(f"No provider is called {provider!r}.", field="provider")
    results = await search_candidates(core, query, provider=provider,
                                      year=year_parameter(request.query_params.get("year")))
    return JSONResponse({"results": results})


ROUTES = [Route("/api/search", search, methods=["GET"])]
