"""Fake AniList: ``POST /`` GraphQL, executed by graphql-core against a schema subset.

Like the real API: validation errors are HTTP 400 with ``data: null``; ``Media(...)`` that
matches nothing is HTTP 404 with ``{"data":{"Media":null},"errors":[{"message":"Not Found.",
"status":404,...}]}``; every response carries ``X-RateLimit-Limit``/``X-RateLimit-Remaining``
(the limit still says 90 while 30 per minute are enforced); a 429 adds ``Retry-After`` and
``X-RateLimit-Reset`` and blocks the client for about a minute.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
    build_schema,
    graphql_sync,
)
from graphql.execution.values import get_argument_values
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aniworld_core.providers.base import RateLimit
from aniworld_testing._anilist_schema import SDL, MediaView
from aniworld_testing._options import FakeOptions
from aniworld_testing._service import FakeService, json
from aniworld_testing.dataset import SeriesRecord

MAX_PER_PAGE = 50

_SORT_KEYS: dict[str, Callable[[SeriesRecord], Any]] = {
    "ID": lambda r: r.anilist_id,
    "TITLE_ROMAJI": lambda r: r.romaji.casefold(),
    "TITLE_ENGLISH": lambda r: (r.english or "").casefold(),
    "START_DATE": lambda r: r.start_date.toordinal() if r.start_date else 0,
    "SCORE": lambda r: r.average_score or 0,
    "POPULARITY": lambda r: r.popularity,
    "TRENDING": lambda r: r.popularity,
    "FAVOURITES": lambda r: r.popularity,
    "EPISODES": lambda r: r.episodes or 0,
    "DURATION": lambda r: r.duration or 0,
}


class _NotFound(Exception):
    """``Media`` matched nothing: AniList answers 404."""

    def __init__(self) -> None:
        super().__init__("Not Found.")


class FakeAniList(FakeService):
    """Fake of ``https://graphql.anilist.co``."""

    name = "anilist"

    @classmethod
    def default_options(cls) -> FakeOptions:
        return FakeOptions(rate_limits=(RateLimit(30, 60.0),), penalty=60.0,
                           advertised_limit=90)

    def build_app(self) -> Any:
        self._schema = build_schema(SDL)
        query = self._schema.query_type
        assert query is not None
        query.fields["Page"].resolve = self._resolve_page
        query.fields["Media"].resolve = self._resolve_media
        return self.starlette([Route("/", self._graphql, methods=["POST"])])

    def error_response(self, status: int, headers: dict[str, str] | None = None) -> Response:
        messages = {404: "Not Found.", 405: "Method Not Allowed.", 429: "Too Many Requests.",
                    500: "Internal Server Error", 502: "Bad Gateway",
                    503: "Service Unavailable", 504: "Gateway Timeout"}
        message = messages.get(status, "Internal Server Error" if status >= 500 else "Error")
        return json({"data": None, "errors": [{"message": message, "status": status}]},
                    status, headers)

    def limit_headers(self, limit: int, remaining: int) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}

    def rate_limited_headers(
        self, retry_after: int, reset_at: int, limit: int | None
    ) -> dict[str, str]:
        headers = {"X-RateLimit-Reset": str(reset_at), "X-RateLimit-Remaining": "0"}
        if limit is not None:
            headers["X-RateLimit-Limit"] = str(limit)
        return headers

    async def _graphql(self, request: Request) -> Response:
        try:
            body = jsonlib.loads(await request.body())
            query = body["query"]
            variables = body.get("variables") or {}
            if isinstance(variables, str):
                variables = jsonlib.loads(variables)
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return _errors([{"message": "Must provide query string.", "status": 400}], 400)
        result = graphql_sync(self._schema, query, variable_values=variables,
                              operation_name=body.get("operationName"))
        if not result.errors:
            return json({"data": result.data})
        not_found = [e for e in result.errors if isinstance(e.original_error, _NotFound)]
        status = 404 if not_found else (400 if result.data is None else 500)
        errors = [_format(e, 404 if e in not_found else status) for e in result.errors]
        return _errors(errors, status, result.data)

    def _resolve_page(self, root: Any, info: GraphQLResolveInfo[Any], page: int = 1,
                      perPage: int = MAX_PER_PAGE) -> _PageView:
        # pageInfo describes the page's (first) media field, which graphql resolves after it
        # or not at all, so read that field's arguments from the query up front.
        page_type = info.schema.get_type("Page")
        assert isinstance(page_type, GraphQLObjectType)
        node = _find_field(info.field_nodes[0].selection_set, "media", info)
        args = (get_argument_values(page_type.fields["media"], node, info.variable_values)
                if node is not None else {})
        return _PageView(self, max(1, page), max(1, min(perPage, MAX_PER_PAGE)), args)

    def _resolve_media(self, root: Any, info: GraphQLResolveInfo[Any], **args: Any) -> MediaView:
        found = self.select(args)
        if not found:
            raise _NotFound()
        return MediaView(found[0], self.dataset, self.image_url)

    def select(self, args: Mapping[str, Any]) -> list[SeriesRecord]:
        """The records matching AniList ``media`` arguments, in the requested order."""
        if args.get("type") == "MANGA":
            return []
        search = args.get("search")
        if search:
            records = [r for _, r in self.dataset.search(search)]
        elif args.get("id") is not None:
            one = self.dataset.by_anilist(args["id"])
            records = [one] if one else []
        elif args.get("id_in") is not None:
            records = [r for i in args["id_in"] if (r := self.dataset.by_anilist(i))]
        else:
            records = list(self.dataset.records)
        records = [r for r in records if _matches(r, args)]
        sort = [s for s in args.get("sort") or [] if s != "SEARCH_MATCH"]
        if sort:
            key = sort[0].removesuffix("_DESC")
            records.sort(key=_SORT_KEYS.get(key, _SORT_KEYS["ID"]),
                         reverse=sort[0].endswith("_DESC"))
        elif not search:
            records.sort(key=lambda r: r.anilist_id)
        return records


class _PageView:
    """An AniList ``Page``: ``pageInfo`` and ``media(...)`` (each alias with its own filter)."""

    def __init__(self, fake: FakeAniList, page: int, per_page: int,
                 first_args: dict[str, Any]) -> None:
        self._fake = fake
        self._page = page
        self._per_page = per_page
        found = fake.select(first_args)
        self._first = (first_args, found)
        last = max(1, -(-len(found) // per_page))
        self.pageInfo = {"total": len(found), "perPage": per_page, "currentPage": page,
                         "lastPage": last, "hasNextPage": page < last}

    def media(self, info: GraphQLResolveInfo[Any], **args: Any) -> list[MediaView]:
        fake = self._fake
        found = self._first[1] if args == self._first[0] else fake.select(args)
        found = found[(self._page - 1) * self._per_page: self._page * self._per_page]
        return [MediaView(r, fake.dataset, fake.image_url) for r in found]


def _matches(record: SeriesRecord, args: Mapping[str, Any]) -> bool:
    checks = (
        ("id", lambda v: record.anilist_id == v),
        ("idMal", lambda v: record.mal_id == v),
        ("id_in", lambda v: record.anilist_id in v),
        ("idMal_in", lambda v: record.mal_id in v),
        ("id_not_in", lambda v: record.anilist_id not in v),
        ("format", lambda v: record.format == v),
        ("format_in", lambda v: record.format in v),
        ("status", lambda v: record.status == v),
        ("season", lambda v: record.season == v),
        ("seasonYear", lambda v: record.season_year == v),
        ("genre", lambda v: v in record.genres),
        ("genre_in", lambda v: any(g in record.genres for g in v)),
        ("isAdult", lambda v: v is False),
    )
    return all(check(args[name]) for name, check in checks if args.get(name) is not None)


def _find_field(selections: SelectionSetNode | None, name: str,
                info: GraphQLResolveInfo[Any]) -> FieldNode | None:
    """The first field ``name`` in a selection set, looking through fragments."""
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode) and selection.name.value == name:
            return selection
        inner: SelectionSetNode | None = None
        if isinstance(selection, InlineFragmentNode):
            inner = selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info.fragments.get(selection.name.value)
            inner = fragment.selection_set if fragment else None
        if inner is not None and (found := _find_field(inner, name, info)) is not None:
            return found
    return None


def _format(error: GraphQLError, status: int) -> dict[str, Any]:
    formatted: dict[str, Any] = {"message": error.message, "status": status}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column}
                                  for loc in error.locations]
    return formatted


def _errors(errors: list[dict[str, Any]], status: int, data: Any = None) -> Response:
    return json({"data": data, "errors": errors}, status)
