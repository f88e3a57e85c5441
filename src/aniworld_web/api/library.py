"""``/api/library``: the library folders (list, add, remove) and a rescan of all of them.

The core checks paths (absolute, a folder, not inside or holding another library folder) and
says what is wrong; this module only turns bodies and query strings into what it takes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_core import InvalidInput
from aniworld_web.bodies import json_object
from aniworld_web.state import context_of


async def list_roots(request: Request) -> Response:
    """The settings' library folders, then those added, each with where it comes from and
    whether it is a folder right now."""
    roots = await context_of(request).core.list_library_roots()
    return JSONResponse({"roots": [root.to_dict() for root in roots]})


async def add_root(request: Request) -> Response:
    """Add ``{"path"}`` to the library folders: 201, or 200 when it is one already."""
    body = await json_object(request, ("path",))
    if "path" not in body:
        raise InvalidInput("Give the folder as 'path'.", field="path")
    root = await context_of(request).core.add_library_root(body["path"])
    return JSONResponse(root.to_dict(), status_code=201 if root.new else 200)


async def remove_root(request: Request) -> Response:
    """Stop treating ``?path=`` as a library folder (its series stay); the folder removed."""
    path = request.query_params.get("path")
    if path is None:
        raise InvalidInput("Name the folder to remove as ?path=.", field="path")
    root = await context_of(request).core.remove_library_root(path)
    return JSONResponse(root.to_dict())


async def rescan(request: Request) -> Response:
    """Queue a rescan of every library folder; while one is queued or running, that one is
    answered. 409 when no library folder is set."""
    job = await context_of(request).core.rescan_library()
    return JSONResponse(job.to_dict(), status_code=202,
                        headers={"Location": f"/api/jobs/{job.id}"})


ROUTES = [
    Route("/api/library/roots", list_roots, methods=["GET"]),
    Route("/api/library/roots", add_root, methods=["POST"]),
    Route("/api/library/roots", remove_root, methods=["DELETE"]),
    Route("/api/library/rescan", rescan, methods=["POST"]),
]
