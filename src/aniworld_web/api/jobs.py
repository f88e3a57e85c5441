"""``/api/jobs`` and ``/api/schedules``: the background jobs, and the schedules that add them.

Listing, reading, cancelling and retrying jobs; listing, changing and running schedules now.
The core checks ids, kinds, states and timings; this module turns query strings and bodies into
what it takes, refusing what cannot be one (a ``limit`` that is no number, a ``cron`` that is
no text) with the field named.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aniworld_core import MAX_JOB_ID, InvalidInput, JobState
from aniworld_web.bodies import json_object
from aniworld_web.errors import ApiError
from aniworld_web.state import context_of

#: Jobs a listing returns unless ``limit`` says otherwise.
DEFAULT_LIMIT = 100
#: The longest ``kind``, ``key``, ``cron`` or ``timezone`` taken (none the core knows is longer).
MAX_FIELD = 200
SCHEDULE_FIELDS = ("every", "cron", "timezone", "enabled")


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_FIELD:
        raise InvalidInput(f"'{field}' must be text of 1 to {MAX_FIELD} characters.",
                           field=field)
    return value


def _whole_number(text: str, field: str) -> int:
    """A positive whole number from a query string, at most :data:`MAX_JOB_ID` (what the
    database's ids can be; the core checks the range of each field)."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_JOB_ID))) \
            or not 1 <= int(text) <= MAX_JOB_ID:
        raise InvalidInput(f"'{field}' must be a positive whole number.", field=field)
    return int(text)


def states_parameter(params: QueryParams) -> list[str]:
    """``state`` given as often as wanted, each a state or a comma-separated list of them;
    an empty one names no state and is refused."""
    states = [state.strip() for value in params.getlist("state") for state in value.split(",")]
    if any(not state for state in states):
        raise InvalidInput("'state' must name states (several: separated by commas).",
                           field="state")
    return states


async def list_jobs(request: Request) -> Response:
    """Jobs newest first; ``before`` (a job id) pages back from there."""
    params = request.query_params
    kind = _text(params["kind"], "kind") if "kind" in params else None
    key = _text(params["key"], "key") if "key" in params else None
    limit = _whole_number(params["limit"], "limit") if "limit" in params else DEFAULT_LIMIT
    before = _whole_number(params["before"], "before") if "before" in params else None
    jobs = await context_of(request).core.jobs.list(
        kind=kind, states=states_parameter(params), key=key, limit=limit, before_id=before)
    return JSONResponse({"jobs": [job.to_dict() for job in jobs]})


async def get_job(request: Request) -> Response:
    """The job with its attempts, newest first."""
    job, runs = await context_of(request).core.jobs.with_runs(request.path_params["job_id"])
    return JSONResponse({**job.to_dict(), "runs": [run.to_dict() for run in runs]})


async def cancel_job(request: Request) -> Response:
    """A pending job is cancelled at once (200); a running one is asked to stop (202: it
    stops within a second and a ``job_update`` says so); a finished one is left as it is."""
    job = await context_of(request).core.jobs.cancel(request.path_params["job_id"])
    return JSONResponse(job.to_dict(), status_code=202 if job.state is JobState.RUNNING else 200)


async def retry_job(request: Request) -> Response:
    """Queue a finished job again, its attempts afresh (a pending or running one stays as it
    is)."""
    job = await context_of(request).core.jobs.retry(request.path_params["job_id"])
    return JSONResponse(job.to_dict(), status_code=202)


async def list_schedules(request: Request) -> Response:
    schedules = await context_of(request).core.jobs.schedules()
    return JSONResponse({"schedules": [schedule.to_dict() for schedule in schedules]})


def schedule_changes(body: dict[str, Any]) -> dict[str, Any]:
    """The changes a ``PATCH`` body asks for (``null`` is "not given"), each of the type the
    core takes."""
    changes = {name: value for name, value in body.items() if value is not None}
    if not changes:
        raise ApiError(422, "invalid_body", "Give at least one of "
                                            f"{', '.join(SCHEDULE_FIELDS)}.")
    every = changes.get("every")
    if every is not None and (isinstance(every, bool) or not isinstance(every, int | float)):
        raise InvalidInput("'every' must be a number of seconds.", field="every")
    for field in ("cron", "timezone"):
        if field in changes:
            _text(changes[field], field)
    if "enabled" in changes and not isinstance(changes["enabled"], bool):
        raise InvalidInput("'enabled' must be true or false.", field="enabled")
    return changes


async def edit_schedule(request: Request) -> Response:
    """Change a schedule's timing (``every`` seconds or ``cron`` in ``timezone``) or switch it
    on or off; nothing changes unless all of it is valid."""
    changes = schedule_changes(await json_object(request, SCHEDULE_FIELDS))
    schedule = await context_of(request).core.jobs.edit_schedule(request.path_params["name"],
                                                                 **changes)
    return JSONResponse(schedule.to_dict())


async def run_schedule(request: Request) -> Response:
    """Add the schedule's job now (its next run stays as it was); while one it added is
    still queued or running, that one is answered."""
    job = await context_of(request).core.jobs.run_schedule(request.path_params["name"])
    return JSONResponse(job.to_dict(), status_code=202,
                        headers={"Location": f"/api/jobs/{job.id}"})


ROUTES = [
    Route("/api/jobs", list_jobs, methods=["GET"]),
    Route("/api/jobs/{job_id}", get_job, methods=["GET"]),
    Route("/api/jobs/{job_id}/cancel", cancel_job, methods=["POST"]),
    Route("/api/jobs/{job_id}/retry", retry_job, methods=["POST"]),
    Route("/api/schedules", list_schedules, methods=["GET"]),
    Route("/api/schedules/{name}", edit_schedule, methods=["PATCH"]),
    Route("/api/schedules/{name}/run", run_schedule, methods=["POST"]),
]
