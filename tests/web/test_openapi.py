"""/openapi.json documents every route, and an undocumented route cannot be added."""

from __future__ import annotations

import httpx
import pytest
from starlette.routing import Mount, Route, WebSocketRoute

from aniworld_web.openapi import document, template

from .conftest import Web
from .schema_check import answer_schema, problems

pytestmark = pytest.mark.anyio


def every_route(web: Web) -> set[tuple[str, str]]:
    found = set()
    for route in web.app.routes:
        if isinstance(route, Route):
            found |= {(template(route.path), m.lower()) for m in route.methods or ()
                      if m != "HEAD"}
        elif isinstance(route, WebSocketRoute):
            found.add((route.path, "get"))
        elif isinstance(route, Mount):
            found.add((route.path + "/{path}", "get"))
    return found


async def test_document_covers_every_route(web: Web, script: httpx.AsyncClient) -> None:
    """Each path and method the app answers is in the document, and nothing else is."""
    spec = (await script.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method) for path, methods in spec["paths"].items()
                  for method in methods}
    assert documented == every_route(web)
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            assert operation["summary"], (path, method)
            assert operation["responses"], (path, method)


async def test_references_resolve(script: httpx.AsyncClient) -> None:
    """Every $ref points at a schema the document defines."""
    spec = (await script.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    names = {ref.removeprefix("#/components/schemas/") for ref in refs(spec)}
    assert names
    assert names <= set(schemas)


async def test_public_operations_are_marked(script: httpx.AsyncClient) -> None:
    """Exactly login, setup, health and static files declare that they need no security."""
    spec = (await script.get("/openapi.json")).json()
    public = {path for path, methods in spec["paths"].items()
              for operation in methods.values() if operation.get("security") == []}
    assert public == {"/login", "/setup", "/api/auth/login", "/api/health", "/static/{path}"}


def test_an_undocumented_route_is_refused() -> None:
    """Building the document for a route nobody described fails, naming the route."""
    async def endpoint() -> None: ...

    with pytest.raises(KeyError, match="PATCH /api/new"):
        document([Route("/api/new", endpoint, methods=["PATCH"])])


async def test_series_answers_match_their_schemas_before_loading(
        web: Web, script: httpx.AsyncClient) -> None:
    """Adding, listing and reading a series not loaded yet answer exactly the documented
    fields and types (null counts, no seasons, the reason the missing ones are unknown)."""
    spec = (await script.get("/openapi.json")).json()
    added = await script.post("/api/series", json={"title": "Trigun"})
    series_id = added.json()["id"]
    answers = [
        (added.json(), answer_schema(spec, "/api/series", "post", 202)),
        ((await script.get("/api/series")).json(), answer_schema(spec, "/api/series", "get", 200)),
        ((await script.get(f"/api/series/{series_id}")).json(),
         answer_schema(spec, "/api/series/{series_id}", "get", 200)),
    ]
    for body, schema in answers:
        assert problems(body, schema, spec) == []


async def test_the_schema_check_notices_departures(script: httpx.AsyncClient) -> None:
    """An undocumented field, a field left out and a wrong type each fail the check the
    answers are held to."""
    spec = (await script.get("/openapi.json")).json()
    schema = {"$ref": "#/components/schemas/UnplacedFile"}
    assert problems({"path": "a.mkv", "reason": "why"}, schema, spec) == []
    assert problems({"path": "a.mkv", "reason": "why", "size": 1}, schema, spec) == [
        "$: 'size' is not documented"]
    assert problems({"path": "a.mkv"}, schema, spec) == ["$: 'reason' is required"]
    assert problems({"path": 1, "reason": "why"}, schema, spec) == [
        "$.path: 1 is not string"]
