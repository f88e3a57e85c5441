"""Fuzzing every operation in /openapi.json with odd paths, bodies and content types: whatever
arrives, the answer is never a 5xx (a server exception would fail the test outright)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aniworld_core import Settings
from aniworld_web import create_app

from .conftest import PASSWORD, USERNAME, Web

#: Streams never end, and logging out would end the fuzzer's own session.
SKIPPED = {("/api/events", "get"), ("/ws", "get"), ("/api/auth/logout", "post")}
#: Operations whose bodies get drawn from plausible-looking fields as well as junk.
BODIES = ("/api/series", "/api/series/{series_id}/identify")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
series_bodies = st.fixed_dictionaries({}, optional={
    "title": json_values, "year": json_values | st.integers(1800, 2300),
    "provider": st.sampled_from(["anilist", "mal", "x", ""]) | json_values,
    "id": st.integers(-5, 10**15) | json_values,
})
path_values = (st.uuids().map(str) | st.text(max_size=80)
               | st.sampled_from(["..", "%2e%2e", "\x00", "a/b", " ", "é"]))
query_values = (st.text(max_size=40) | st.integers(-10, 3000).map(str)
                | st.sampled_from(["Cowboy", "anilist", "jikan", "1998", "", "%", "\x00"]))
content_types = st.sampled_from(["application/json", "application/json; charset=latin-1",
                                 "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=xyz", ""])


class Client:
    """The real app, started in a portal thread, called synchronously (Hypothesis is sync)."""

    def __init__(self, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self.portal = portal
        self.client = client

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            return await self.client.request(method, path, **options)

        return self.portal.call(send)


@pytest.fixture
def client(fake_settings: Settings) -> Iterator[Client]:
    """A logged-in browser session on the real app with its real lifespan; searches go to the
    fake providers, and nothing loads in the background (the fuzzer's series stay put)."""
    app = create_app(fake_settings, loader=False)
    with start_blocking_portal() as portal, \
            portal.wrap_async_context_manager(app.router.lifespan_context(app)) as state:
        web = Web(app, dict(state))
        portal.call(web.user)
        with portal.wrap_async_context_manager(web.client()) as http:
            client = Client(portal, http)
            response = client.request("POST", "/api/auth/login",
                                      json={"username": USERNAME, "password": PASSWORD})
            http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
            yield client


@st.composite
def requests(draw: st.DrawFn, operations: list[tuple[str, str, dict[str, Any]]],
             series_ids: list[str]) -> tuple[str, str, bytes, str]:
    template, method, operation = draw(st.sampled_from(operations))
    path, query = template, {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = quote(draw(path_values | st.sampled_from(series_ids)), safe="")
            path = path.replace("{" + parameter["name"] + "}", value)
        elif parameter.get("required") or draw(st.booleans()):
            query[parameter["name"]] = draw(query_values)
    if query:
        path += "?" + urlencode(query)
    if method == "post" and template in BODIES and draw(st.booleans()):
        body = json.dumps(draw(series_bodies)).encode()
    elif draw(st.booleans()):
        body = json.dumps(draw(json_values)).encode()
    else:
        body = draw(st.binary(max_size=200))
    return method, path, body, draw(content_types)


def test_no_input_causes_a_server_error(client: Client) -> None:
    """Hundreds of generated requests across every operation (paths naming real series and
    junk, query strings, bodies, content types) never get a 5xx."""
    spec = client.request("GET", "/openapi.json").json()
    operations = [(path, method, operation) for path, methods in spec["paths"].items()
                  for method, operation in methods.items() if (path, method) not in SKIPPED]
    assert len(operations) >= 20
    series_ids = [client.request("POST", "/api/series", json={"title": title}).json()["id"]
                  for title in ("Trigun", "Monster")]

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(requests(operations, series_ids))
    def check(request: tuple[str, str, bytes, str]) -> None:
        method, path, body, content_type = request
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.request(method, path, content=body, headers=headers)
        assert response.status_code < 500, (method, path, body[:100], response.text[:300])
        if path.startswith("/api/") and response.status_code >= 400:
            assert set(response.json()) == {"error"}

    check()
