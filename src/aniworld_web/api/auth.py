"""``/api/auth``: log in (JSON), log out, and who am I."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_web.bodies import json_object
from aniworld_web.login import log_in
from aniworld_web.security import principal_of
from aniworld_web.sessions import csrf_token, end_session


async def login(request: Request) -> Response:
    body = await json_object(request, ("username", "password"))
    token = await log_in(request, body.get("username"), body.get("password"))
    return JSONResponse({"authenticated": True, "username": request.session["user"],
                         "csrf_token": token})


async def logout(request: Request) -> Response:
    end_session(request.session)
    return Response(status_code=204)


async def status(request: Request) -> Response:
    principal = principal_of(request.scope)
    assert principal is not None  # the gate lets no one else in
    by_session = principal.method == "session"
    return JSONResponse({
        "authenticated": True,
        "username": principal.name if by_session else None,
        "method": principal.method,
        "csrf_token": csrf_token(request.session) if by_session else None,
    })


ROUTES = [
    Route("/api/auth/login", login, methods=["POST"]),
    Route("/api/auth/logout", logout, methods=["POST"]),
    Route("/api/auth/status", status, methods=["GET"]),
]
