"""/api/jobs and /api/schedules: listing with filters, a job with its runs, cancel and retry,
changing and running schedules, the errors (404, 422 naming the field, 503 with Retry-After),
and job_update events reaching WebSocket and event-stream clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import attrs
import httpx
import pytest

from aniworld_core import JobsSettings, QueueFull, SeriesApp, Settings
from aniworld_web import create_app

from .asgi_driver import event_stream, scope_for, websocket
from .conftest import Web, assert_error, keyed_client, log_in
from .schema_check import answer_schema, problems

pytestmark = pytest.mark.anyio

SCAN = "library.scan"
JOB_ROUTES = [("GET", "/api/jobs"), ("GET", "/api/jobs/1"), ("POST", "/api/jobs/1/cancel"),
              ("POST", "/api/jobs/1/retry"), ("GET", "/api/schedules"),
              ("PATCH", "/api/schedules/rescan"), ("POST", "/api/schedules/rescan/run")]


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[Web]:
    """The app without background work in this process, started and stopped around the test."""
    app = create_app(settings, loader=False)
    async with app.router.lifespan_context(app) as state:
        yield Web(app, dict(state))


@pytest.fixture
async def scheduled(fake_settings: Settings) -> AsyncIterator[Web]:
    """The app without background work, on a database where a process that runs it has
    created the built-in schedules: the jobs they add stay queued."""
    async with SeriesApp.open(fake_settings, loader=True):
        pass
    async with started(fake_settings) as web:
        yield web


@pytest.fixture
async def keyed(scheduled: Web) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``scheduled`` authenticated by an API key."""
    async with keyed_client(scheduled) as client:
        yield client


async def spec_of(client: httpx.AsyncClient) -> dict[str, Any]:
    spec: dict[str, Any] = (await client.get("/openapi.json")).json()
    return spec


def matches(body: Any, spec: dict[str, Any], path: str, method: str, status: int) -> None:
    assert problems(body, answer_schema(spec, path, method, status), spec) == []


async def test_every_job_route_needs_authentication(anonymous: httpx.AsyncClient) -> None:
    """Without a session or key each route answers 401."""
    for method, path in JOB_ROUTES:
        response = await anonymous.request(method, path, json={"enabled": False})
        assert_error(response, 401, "unauthorized")


async def test_listing_filters_by_kind_state_and_key(web: Web,
                                                     script: httpx.AsyncClient) -> None:
    """Jobs come newest first; kind, state (repeated or comma-separated), key and limit narrow
    them, and ``before`` pages back; every answer has the documented shape."""
    jobs = web.core.jobs
    first = await jobs.add(SCAN, {}, key="first")
    second = await jobs.add(SCAN, {})
    third = await jobs.add(SCAN, {}, key="third")
    await jobs.cancel(second.id)
    spec = await spec_of(script)

    async def ids(query: str) -> list[int]:
        response = await script.get(f"/api/jobs{query}")
        assert response.status_code == 200, response.text
        matches(response.json(), spec, "/api/jobs", "get", 200)
        return [job["id"] for job in response.json()["jobs"]]

    assert await ids("") == [third.id, second.id, first.id]
    assert await ids(f"?kind={SCAN}") == [third.id, second.id, first.id]
    assert await ids("?state=cancelled") == [second.id]
    assert await ids("?state=pending") == [third.id, first.id]
    assert await ids("?state=pending&state=cancelled") == [third.id, second.id, first.id]
    assert await ids("?state=pending,%20cancelled") == [third.id, second.id, first.id]
    assert await ids("?state=running") == []
    assert await ids("?key=first") == [first.id]
    assert await ids("?limit=2") == [third.id, second.id]
    assert await ids(f"?limit=2&before={second.id}") == [first.id]
    [listed] = (await script.get("/api/jobs?key=third")).json()["jobs"]
    assert (listed["kind"], listed["state"], listed["attempts"]) == (SCAN, "pending", 0)
    assert listed["progress"] == {"done": 0, "total": None, "message": None}


@pytest.mark.parametrize(("query", "field"), [
    ("state=bogus", "state"), ("state=pending,nope", "state"), ("kind=nope", "kind"),
    ("kind=", "kind"), ("key=", "key"), ("key=" + "k" * 201, "key"), ("limit=0", "limit"),
    ("limit=501", "limit"), ("limit=ten", "limit"), ("limit=-1", "limit"),
    ("before=0", "before"), ("before=x", "before"), ("before=99999999999999999999", "before"),
])
async def test_bad_filters_are_refused_naming_the_field(script: httpx.AsyncClient, query: str,
                                                        field: str) -> None:
    """A filter that cannot be one is 422 with the parameter named."""
    response = await script.get(f"/api/jobs?{query}")
    assert_error(response, 422, "invalid_input")
    assert response.json()["error"]["field"] == field


async def test_a_job_with_its_runs(web: Web, script: httpx.AsyncClient) -> None:
    """A job is answered with its attempts (none while it waits), in the documented shape."""
    job = await web.core.jobs.add(SCAN, {})
    response = await script.get(f"/api/jobs/{job.id}")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["state"], body["runs"]) == (job.id, "pending", [])
    matches(body, await spec_of(script), "/api/jobs/{job_id}", "get", 200)


async def test_cancel_and_retry_a_queued_job(web: Web, browser_like: httpx.AsyncClient) -> None:
    """From the page (cookie and CSRF token): a queued job is cancelled at once, cancelling it
    again changes nothing, and retrying queues it again with its attempts afresh."""
    job = await web.core.jobs.add(SCAN, {})
    cancelled = await browser_like.post(f"/api/jobs/{job.id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["state"], cancelled.json()["error"]) == (
        "cancelled", "Cancelled by the user.")
    again = await browser_like.post(f"/api/jobs/{job.id}/cancel")
    assert (again.status_code, again.json()["state"]) == (200, "cancelled")
    assert again.json()["finished_at"] == cancelled.json()["finished_at"]
    retried = await browser_like.post(f"/api/jobs/{job.id}/retry")
    assert retried.status_code == 202
    assert (retried.json()["state"], retried.json()["error"], retried.json()["attempts"]) == (
        "pending", None, 0)
    assert (await web.core.jobs.get(job.id)).state.value == "pending"
    spec = await spec_of(browser_like)
    matches(cancelled.json(), spec, "/api/jobs/{job_id}/cancel", "post", 200)
    matches(retried.json(), spec, "/api/jobs/{job_id}/retry", "post", 202)


async def test_changes_need_the_token_and_our_own_origin(
        web: Web, browser_like: httpx.AsyncClient) -> None:
    """Cancelling with the cookie but no CSRF token, or from another site's page, is 403 and
    the job stays queued."""
    job = await web.core.jobs.add(SCAN, {})
    token = browser_like.headers.pop("X-CSRF-Token")
    assert_error(await browser_like.post(f"/api/jobs/{job.id}/cancel"), 403, "csrf_failed")
    assert_error(await browser_like.patch("/api/schedules/rescan", json={"enabled": False}),
                 403, "csrf_failed")
    assert_error(await browser_like.post(f"/api/jobs/{job.id}/cancel", headers={
        "X-CSRF-Token": token, "Origin": "https://elsewhere.example"}), 403, "cross_origin")
    assert (await web.core.jobs.get(job.id)).state.value == "pending"


async def test_unknown_jobs_and_schedules_are_404_and_bad_ids_422(
        script: httpx.AsyncClient) -> None:
    """An id no job has and a name no schedule has are 404; an id that is no id is 422
    naming it."""
    for method, path in [("GET", "/api/jobs/424242"), ("POST", "/api/jobs/424242/cancel"),
                         ("POST", "/api/jobs/424242/retry"),
                         ("POST", "/api/schedules/nope/run")]:
        assert_error(await script.request(method, path), 404, "not_found")
    assert_error(await script.patch("/api/schedules/nope", json={"enabled": False}), 404,
                 "not_found")
    for bad in ("abc", "0", "-3", "1.5", "99999999999999999999"):
        response = await script.get(f"/api/jobs/{bad}")
        assert_error(response, 422, "invalid_input")
        assert response.json()["error"]["field"] == "id"
        assert_error(await script.post(f"/api/jobs/{bad}/cancel"), 422, "invalid_input")


async def test_schedules_are_listed(keyed: httpx.AsyncClient) -> None:
    """The built-in rescan and library-wide refresh run daily by default, are on, have not
    run, and are due a day on."""
    response = await keyed.get("/api/schedules")
    assert response.status_code == 200
    matches(response.json(), await spec_of(keyed), "/api/schedules", "get", 200)
    by_name = {schedule["name"]: schedule for schedule in response.json()["schedules"]}
    assert sorted(by_name) == ["refresh", "rescan"]
    for name, kind in (("rescan", SCAN), ("refresh", "library.refresh")):
        schedule = by_name[name]
        assert (schedule["kind"], schedule["every"], schedule["cron"], schedule["timezone"],
                schedule["enabled"], schedule["last_run_at"]) == (
            kind, 86400.0, None, "UTC", True, None)
        next_run = dt.datetime.fromisoformat(schedule["next_run_at"]) - dt.datetime.now(dt.UTC)
        assert dt.timedelta(hours=23) < next_run <= dt.timedelta(days=1)


async def test_a_schedule_is_changed_and_switched(keyed: httpx.AsyncClient) -> None:
    """Every N seconds, a cron expression in a time zone, off and on again: each answers the
    schedule as changed, its next run computed from now."""
    spec = await spec_of(keyed)

    async def patch(body: dict[str, Any]) -> dict[str, Any]:
        response = await keyed.patch("/api/schedules/rescan", json=body)
        assert response.status_code == 200, response.text
        matches(response.json(), spec, "/api/schedules/{name}", "patch", 200)
        changed: dict[str, Any] = response.json()
        return changed

    hourly = await patch({"every": 3600})
    assert (hourly["every"], hourly["cron"]) == (3600.0, None)
    due = dt.datetime.fromisoformat(hourly["next_run_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=59) < due <= dt.timedelta(hours=1)
    nightly = await patch({"cron": "0  4 * * *", "every": None, "timezone": "Asia/Tokyo"})
    assert (nightly["every"], nightly["cron"], nightly["timezone"]) == (
        None, "0 4 * * *", "Asia/Tokyo")
    assert dt.datetime.fromisoformat(nightly["next_run_at"]).astimezone(dt.UTC).hour == 19
    off = await patch({"enabled": False})
    assert (off["enabled"], off["cron"]) == (False, "0 4 * * *")
    assert (await patch({"enabled": True}))["enabled"] is True
    assert (await patch({"every": 90.5}))["every"] == 90.5


#: Changes the core refuses, and the field each names.
BAD_CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"every": 0}, "every"), ({"every": 0.5}, "every"), ({"every": -60}, "every"),
    ({"every": "3600"}, "every"), ({"every": True}, "every"), ({"every": 10**9}, "every"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"), ({"timezone": ""}, "timezone"),
    ({"timezone": 1}, "timezone"), ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"cron": "0 0 30 2 *"}, "cron"), ({"cron": "every day"}, "cron"), ({"cron": 5}, "cron"),
    ({"cron": "0 4 * * * *"}, "cron"), ({"cron": "0 4 * * *", "every": 60}, "cron"),
    ({"enabled": "yes"}, "enabled"), ({"enabled": 0}, "enabled"),
]


async def test_a_bad_change_is_refused_naming_the_field(keyed: httpx.AsyncClient) -> None:
    """A period under a second (or over a year), an unknown time zone, a cron expression that
    never fires (or is none), both timings at once, a flag that is no flag: each is 422 naming
    the field, and the schedule stays as it was."""
    before = (await keyed.get("/api/schedules")).json()
    for body, field in BAD_CHANGES:
        response = await keyed.patch("/api/schedules/rescan", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"] == {"code": "invalid_input", "field": field,
                                            "message": response.json()["error"]["message"]}
        assert (await keyed.get("/api/schedules")).json() == before, body


async def test_a_body_that_is_no_change_is_refused(keyed: httpx.AsyncClient) -> None:
    """Unknown fields, an empty change and a body that is not JSON are refused."""
    before = (await keyed.get("/api/schedules")).json()
    assert_error(await keyed.patch("/api/schedules/rescan", json={"period": 60}), 422,
                 "invalid_body")
    assert_error(await keyed.patch("/api/schedules/rescan", json={}), 422, "invalid_body")
    assert_error(await keyed.patch("/api/schedules/rescan", json={"every": None}), 422,
                 "invalid_body")
    assert_error(await keyed.patch("/api/schedules/rescan", json=[60]), 422, "invalid_body")
    assert_error(await keyed.patch("/api/schedules/rescan", content=b"enabled=false",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 415, "unsupported_media_type")
    assert (await keyed.get("/api/schedules")).json() == before


async def test_running_a_schedule_now(scheduled: Web, keyed: httpx.AsyncClient) -> None:
    """Run now queues the schedule's job (202, Location), notes it as the last run and keeps
    the next one; while that job waits, running again answers the same job."""
    async def rescan() -> dict[str, Any]:
        schedules = (await keyed.get("/api/schedules")).json()["schedules"]
        return next(schedule for schedule in schedules if schedule["name"] == "rescan")

    before = await rescan()
    response = await keyed.post("/api/schedules/rescan/run")
    assert response.status_code == 202, response.text
    job = response.json()
    matches(job, await spec_of(keyed), "/api/schedules/{name}/run", "post", 202)
    assert (job["kind"], job["state"], job["payload"]) == (SCAN, "pending", {})
    assert response.headers["location"] == f"/api/jobs/{job['id']}"
    after = await rescan()
    assert after["last_job_id"] == job["id"]
    assert after["last_run_at"] is not None
    assert after["next_run_at"] == before["next_run_at"]
    again = await keyed.post("/api/schedules/rescan/run")
    assert (again.status_code, again.json()["id"]) == (202, job["id"])
    assert [listed["id"] for listed in (await keyed.get("/api/jobs")).json()["jobs"]] == [
        job["id"]]


async def test_a_full_queue_is_503_with_retry_after(fake_settings: Settings,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The core refuses a job beyond ``jobs.max_pending``; that refusal answers 503 with its
    message and ``Retry-After`` in whole seconds, rounded up.

    No route here can fill a queue with this core (run-now answers the live job its schedule
    added; retry queues the same job again), so the core's refusal, raised for real, is handed
    to the run-now route."""
    settings = attrs.evolve(fake_settings, jobs=JobsSettings(max_pending=1))
    async with started(settings) as web:
        await web.core.jobs.add(SCAN, {})
        with pytest.raises(QueueFull) as refused:
            await web.core.jobs.add(SCAN, {})
        full = refused.value
        full.retry_after = 2.2

        async def run_schedule(name: str) -> None:
            raise full

        monkeypatch.setattr(web.core.jobs, "run_schedule", run_schedule)
        async with keyed_client(web) as client:
            response = await client.post("/api/schedules/rescan/run")
        assert_error(response, 503, "queue_full")
        assert response.headers["retry-after"] == "3"
        assert response.json()["error"]["message"] == str(full)
        assert [job.state.value for job in await web.core.jobs.list()] == ["pending"]


async def test_job_updates_reach_websocket_and_event_stream_clients(
        loading_web: Web, loading_script: httpx.AsyncClient) -> None:
    """A schedule run in a process that runs jobs: both live streams carry the job's updates
    in the wire format, from queued to completed, and the job then has one completed run."""
    await loading_web.user()
    async with loading_web.client() as client:
        await log_in(client)
        cookie = client.cookies["aniworld_session"]
    ws_scope = scope_for("websocket", "/ws", loading_web.state, cookie=cookie)
    sse_scope = scope_for("http", "/api/events", loading_web.state, cookie=cookie)
    async with websocket(loading_web.asgi, ws_scope) as ws, \
            event_stream(loading_web.asgi, sse_scope) as stream:
        response = await loading_script.post("/api/schedules/rescan/run")
        assert response.status_code == 202
        job_id = response.json()["id"]
        for receive in (ws.receive_json, stream.next_event):
            states: list[str] = []
            with anyio.fail_after(10):
                while not states or states[-1] != "completed":
                    event = await receive()
                    if event["type"] == "job_update" and event["job_id"] == job_id:
                        assert set(event) == {"type", "job_id", "kind", "key", "state",
                                              "progress", "error", "timestamp"}
                        assert event["kind"] == SCAN
                        states.append(event["state"])
            assert "running" in states
            assert set(states) <= {"pending", "running", "completed"}
    job = (await loading_script.get(f"/api/jobs/{job_id}")).json()
    assert job["state"] == "completed"
    assert [(run["attempt"], run["state"]) for run in job["runs"]] == [(1, "completed")]


async def test_the_tasks_page_is_rendered_by_the_server(scheduled: Web) -> None:
    """Without any script the Tasks page lists a queued job, a cancelled one with its error and
    Retry, and the schedule with Run now; it carries no inline script or style (CSP)."""
    jobs = scheduled.core.jobs
    waiting = await jobs.add(SCAN, {})
    cancelled = await jobs.add(SCAN, {})
    await jobs.cancel(cancelled.id)
    await scheduled.user()
    async with scheduled.client() as client:
        await log_in(client)
        response = await client.get("/tasks", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.text
    queued = page.split('data-jobs="pending"')[1].split("</tbody>")[0]
    recent = page.split('data-jobs="finished"')[1].split("</tbody>")[0]
    assert f'data-job-id="{waiting.id}" data-state="pending"' in queued
    assert f'data-job-id="{cancelled.id}" data-state="cancelled"' in recent
    assert "Cancelled by the user." in recent
    assert f'aria-label="Retry job {cancelled.id}"' in recent
    assert "Nothing is running." in page
    assert '<tr class="schedule" data-schedule="rescan" data-enabled="true">' in page
    assert "every 1 day" in page
    assert 'aria-label="Run now: rescan"' in page
    assert '<a href="/tasks">Tasks</a>' in page
    assert "<script>" not in page
    assert "style=" not in page
    assert " on" + "click=" not in page


@pytest.mark.parametrize("body", [
    {"cron": "0 4 * * *", "every": 3600}, {"cron": "0 4 * * *", "every": None},
    {"timezone": "0"}, {"timezone": "Mars/Olympus_Mons"}, {"timezone": "Europe/Berlin"},
    {"timezone": "UTC"},
])
async def test_a_schedule_change_is_refused_exactly_when_the_schema_refuses_it(
        keyed: httpx.AsyncClient, body: dict[str, Any]) -> None:
    """every and cron together are refused, as the schema's ``not`` says; a time zone is one
    of the names the schema lists (what schemathesis found the document did not say)."""
    spec = await spec_of(keyed)
    schema = (spec["paths"]["/api/schedules/{name}"]["patch"]["requestBody"]["content"]
              ["application/json"]["schema"])
    response = await keyed.patch("/api/schedules/rescan", json=body)
    refused = bool(problems(body, schema, spec))
    assert response.status_code == (422 if refused else 200), (body, response.text)

