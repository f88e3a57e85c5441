"""The HTML pages: library, series, tasks, the user's sessions, login and first-run setup.

Login and setup are plain forms (they work without JavaScript) carrying the session's CSRF token
in a hidden field; everything that changes state after login goes through the JSON API.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from aniworld_core import (
    AniworldError,
    InvalidInput,
    JobState,
    LoadingStatus,
    Schedule,
    Series,
    SeriesFolder,
    StateConflict,
    __version__,
    kind_description,
)
from aniworld_web.errors import ApiError
from aniworld_web.library import show_detail
from aniworld_web.login import client_address, log_in, start_first_session
from aniworld_web.season_view import season_views
from aniworld_web.security import principal_of
from aniworld_web.sessions import CSRF_FIELD, csrf_matches, csrf_token
from aniworld_web.state import context_of

DEFAULT_USERNAME = "admin"
#: Running and queued jobs the Tasks page lists at most (each), and finished ones.
TASKS_SHOWN = 100
RECENT_SHOWN = 50
_FINISHED = [state for state in JobState if state.is_final]


def render(request: Request, template: str, status_code: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> Response:
    principal = principal_of(request.scope)
    user = principal.name if principal and principal.method == "session" else None
    context_ = context_of(request)
    down = [status for status in context_.core.providers() if status.down] if user else []
    html = context_.templates.get_template(template).render(
        **{"user": user, "csrf": csrf_token(request.session), "version": __version__,
           "error": None, "username": None, "providers_down": down, **context}
    )
    return HTMLResponse(html, status_code, headers)


def to(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def poster_path(series: Series) -> str | None:
    """Where the page finds the series' own poster (its folder's ``poster.jpg``, served by
    :mod:`aniworld_web.api.artwork`), or ``None`` while it has no folder to hold one. Never a
    provider's URL: pages load images from aniworld only."""
    if series.folder is None or series.folder_missing_at is not None:
        return None
    return f"/api/series/{series.id}/artwork/poster"


async def library(request: Request) -> Response:
    """The series as cards; the Rescan button with the rescan running now, if one is; and
    where a new series' files go."""
    core = context_of(request).core
    all_series = await core.list_series()
    roots = await core.library_roots()
    return render(request, "library.html", library_roots=roots,
                  rescan=await core.library_rescan(),
                  series=[{**s.to_dict(), "poster": poster_path(s),
                           "files": SeriesFolder.of(s, roots).written} for s in all_series])


async def account(request: Request) -> Response:
    """The user's sessions, each with a button to end it."""
    principal = principal_of(request.scope)
    assert principal is not None  # the gate lets no one else in
    if principal.method != "session":
        raise ApiError(403, "not_a_user", "An API key has no sessions.")
    sessions = await context_of(request).core.accounts.sessions(principal.name)
    return render(request, "account.html", sessions=sessions, current=principal.session_id)


async def series_page(request: Request) -> Response:
    core = context_of(request).core
    series = await core.get_series(request.path_params["series_id"])
    detail = await show_detail(core, series.id)
    providers = {status.name: status.display_name for status in core.providers()}
    files = await core.series_folder(series)
    return render(request, "series.html", series={**series.to_dict(), "files": files.written},
                  files=files, poster=poster_path(series),
                  final=series.loading_status.is_final,
                  identify_failed=identification_failed(series),
                  episodes=detail.episodes, missing=detail.missing,
                  missing_unknown_reason=detail.missing_unknown_reason,
                  seasons=season_views(detail, providers),
                  unplaced=detail.unplaced, season_note=detail.season_note,
                  next_episode=detail.next_episode,
                  runs=await core.load_runs(series.id))


async def tasks(request: Request) -> Response:
    """Running jobs with their progress, queued ones in the order they run, the latest
    finished ones, and the schedules; tasks.js keeps it live."""
    jobs = context_of(request).core.jobs
    running = await jobs.list(states=[JobState.RUNNING], limit=TASKS_SHOWN)
    queued = await jobs.list(states=[JobState.PENDING], limit=TASKS_SHOWN)
    recent = await jobs.list(states=_FINISHED, limit=RECENT_SHOWN)
    schedules = await jobs.schedules()
    more_queued = len(queued) == TASKS_SHOWN
    # A job that moved on between the readings is shown where the later one found it.
    later = {job.id for job in recent}
    queued = [job for job in queued if job.id not in later]
    later |= {job.id for job in queued}
    running = [job for job in running if job.id not in later]
    return render(request, "tasks.html", running=running[::-1],
                  queued=sorted(queued, key=lambda job: (job.priority, job.id)),
                  more_queued=more_queued, recent=recent,
                  recent_shown=RECENT_SHOWN, schedules=schedules,
                  descriptions={schedule.name: kind_description(schedule.kind)
                                for schedule in schedules},
                  timings={schedule.name: timing_text(schedule) for schedule in schedules})


def timing_text(schedule: Schedule) -> str:
    """``every 1 day``, ``every 90 seconds``, ``cron 0 4 * * * (Europe/Berlin)``."""
    if schedule.cron:
        return f"cron {schedule.cron} ({schedule.timezone})"
    every = schedule.every or 0.0
    for unit, seconds in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if every >= seconds and every % seconds == 0:
            count = int(every // seconds)
            return f"every {count} {unit}{'' if count == 1 else 's'}"
    return f"every {every:g} seconds"


def identification_failed(series: Series) -> bool:
    """Whether the load failed waiting for the user to pick the provider entry
    (``Series.needs_choice``): the page then offers the candidates."""
    return series.loading_status is LoadingStatus.FAILED and series.needs_choice


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def login_form(request: Request) -> Response:
    if principal_of(request.scope) is not None:
        return to("/")
    if not await context_of(request).core.accounts.has_users():
        return to("/setup")
    return render(request, "login.html")


async def login_submit(request: Request) -> Response:
    form = await request.form()
    username = _text(form, "username")
    if not csrf_matches(request.session, _text(form, CSRF_FIELD)):
        return render(request, "login.html", 403, username=username,
                      error="The form expired; please try again.")
    try:
        await log_in(request, username, _text(form, "password"))
    except AniworldError as error:
        return render(request, "login.html", 422, username=username, error=str(error))
    except ApiError as error:
        return render(request, "login.html", error.status, error.headers, username=username,
                      error=error.message)
    return to("/")


def from_this_machine(request: Request) -> bool:
    try:
        return ipaddress.ip_address(client_address(request)).is_loopback
    except ValueError:
        return False


async def _setup_refusal(request: Request) -> Response | None:
    """Why this visitor may not set up (the page to show instead), or ``None``."""
    if await context_of(request).core.accounts.has_users():
        return render(request, "error.html", 404, status=404, code="not_found",
                      message="aniworld is set up already. Log in instead.")
    if not from_this_machine(request):
        return render(request, "error.html", 403, status=403, code="not_local",
                      message="The first password can only be set from the machine aniworld "
                              "runs on (or with 'aniworld user set-password' there).")
    return None


async def setup_form(request: Request) -> Response:
    refusal = await _setup_refusal(request)
    return refusal or render(request, "setup.html", username=DEFAULT_USERNAME)


async def setup_submit(request: Request) -> Response:
    refusal = await _setup_refusal(request)
    if refusal is not None:
        return refusal
    form = await request.form()
    username, password = _text(form, "username"), _text(form, "password")
    if not csrf_matches(request.session, _text(form, CSRF_FIELD)):
        return render(request, "setup.html", 403, username=username,
                      error="The form expired; please try again.")
    try:
        if password != _text(form, "confirm"):
            raise InvalidInput("The two passwords differ.", field="confirm")
        await context_of(request).core.accounts.create_first_user(username, password)
    except StateConflict:
        return to("/login")
    except AniworldError as error:
        return render(request, "setup.html", 422, username=username, error=str(error))
    await start_first_session(request, username)
    return to("/")


ROUTES = [
    Route("/", library, methods=["GET"]),
    Route("/series/{series_id}", series_page, methods=["GET"]),
    Route("/tasks", tasks, methods=["GET"]),
    Route("/account", account, methods=["GET"]),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/setup", setup_form, methods=["GET"]),
    Route("/setup", setup_submit, methods=["POST"]),
]
