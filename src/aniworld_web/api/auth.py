"""``/api/auth``: log in (JSON), log out, who am I, and the user's sessions (list, end one, end
all)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_web.bodies import json_object
from aniworld_web.errors import ApiError
from aniworld_web.login import log_in
from aniworld_web.security import Principal, principal_of
from aniworld_web.sessions import csrf_token, end_session, session_token
from aniworld_web.state import context_of


async def login(request: Request) -> Response:
    body = await json_object(request, ("username", "password"))
    username, token = await log_in(request, body.get("username"), body.get("password"))
    return JSONResponse({"authenticated": True, "username": username, "method": "session",
                         "csrf_token": token})


async def logout(request: Request) -> Response:
    """End this session: its cookie, and any copy of it, opens nothing from now on."""
    await context_of(request).core.accounts.end_session(session_token(request.session))
    end_session(request.session)
    return Response(status_code=204)


async def status(request: Request) -> Response:
    principal = _caller(request)
    by_session = principal.method == "session"
    return JSONResponse({
        "authenticated": True,
        "username": principal.name if by_session else None,
        "method": principal.method,
        "csrf_token": csrf_token(request.session) if by_session else None,
    })


async def list_sessions(request: Request) -> Response:
    """The caller's sessions, most recently used first; ``current`` marks this one."""
    principal = _user(request)
    sessions = await context_of(request).core.accounts.sessions(principal.name)
    return JSONResponse({"sessions": [
        {**session.to_dict(), "current": session.id == principal.session_id}
        for session in sessions]})


async def end_one_session(request: Request) -> Response:
    principal = _user(request)
    session_id: int = request.path_params["session_id"]
    if not await context_of(request).core.accounts.end_sessions(principal.name, session_id):
        raise ApiError(404, "not_found", f"You have no session {session_id}.")
    if session_id == principal.session_id:
        end_session(request.session)
    return Response(status_code=204)


async def end_all_sessions(request: Request) -> Response:
    """Log out everywhere: every session of the caller ends, this one included."""
    principal = _user(request)
    await context_of(request).core.accounts.end_sessions(principal.name)
    end_session(request.session)
    return Response(status_code=204)


def _caller(request: Request) -> Principal:
    principal = principal_of(request.scope)
    assert principal is not None  # the gate lets no one else in
    return principal


def _user(request: Request) -> Principal:
    principal = _caller(request)
    if principal.method != "session":
        raise ApiError(403, "not_a_user", "An API key has no sessions; log in as a user to see "
                                          "and end yours (or use 'aniworld user sessions').")
    return principal


ROUTES = [
    Route("/api/auth/login", login, methods=["POST"]),
    Route("/api/auth/logout", logout, methods=["POST"]),
    Route("/api/auth/status", status, methods=["GET"]),
    Route("/api/auth/sessions", list_sessions, methods=["GET"]),
    Route("/api/auth/sessions", end_all_sessions, methods=["DELETE"]),
    Route("/api/auth/sessions/{session_id:int}", end_one_session, methods=["DELETE"]),
]
