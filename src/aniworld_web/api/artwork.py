"""``GET /api/series/{id}/artwork/{kind}``: the series' own poster or fanart, from its folder.

Pages show these instead of the providers' images: nothing in the library is told to a
provider's CDN, and the pages work on a network without internet. The images are behind login
like everything else (the page's cookie goes with them).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from aniworld_core import ArtworkKind
from aniworld_web.errors import ApiError
from aniworld_web.state import context_of

#: The kinds a page may ask for, by the name in the path.
KINDS = {"poster": ArtworkKind.POSTER, "fanart": ArtworkKind.FANART}
_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


async def artwork(request: Request) -> Response:
    """The image file (revalidated by its ETag on every use), or 404 when there is none."""
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise ApiError(404, "not_found", f"There is no artwork called {kind!r}; ask for "
                                         f"{' or '.join(KINDS)}.")
    path = await context_of(request).core.artwork(request.path_params["series_id"], KINDS[kind])
    if path is None:
        raise ApiError(404, "not_found", f"The series' folder holds no {kind}.")
    return FileResponse(path, media_type=_TYPES.get(path.suffix.lower(), "image/jpeg"),
                        headers={"Cache-Control": "private, no-cache"})


ROUTES = [Route("/api/series/{series_id}/artwork/{kind}", artwork, methods=["GET"])]
