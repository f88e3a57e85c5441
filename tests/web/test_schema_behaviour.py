"""The OpenAPI document states what the handlers enforce: for generated searches, titles and
provider entries, a handler refuses a value (422) exactly when the document's schema does, so a
fuzzer reading the document (schemathesis) finds no gap either way. Also: ``OPTIONS`` answers
with ``Allow``, and so does a method a path does not take."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .schema_check import problems
from .test_fuzz import Client, client

__all__ = ["client"]  # the fixture

CHECKED = settings(max_examples=120, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])
#: Text as people and fuzzers send it: any characters (no lone surrogates, which no request
#: can carry), and the edges: spaces only, line separators, exactly 255 and 256 long.
texts = (st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=270)
         | st.sampled_from(["", " ", "\u3000", "x", "a" * 255, "a" * 256, " " + "a" * 255,
                            "a\u2028b", "a\x00", "\ufeff", "Cowboy Bebop"]))


def schema_of(spec: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return schema


def test_search_text(client: Client) -> None:
    """``q`` is refused exactly when the schema of ``q`` refuses it."""
    spec = client.request("GET", "/openapi.json").json()
    [query] = [parameter["schema"] for parameter in spec["paths"]["/api/search"]["get"]
               ["parameters"] if parameter["name"] == "q"]

    @CHECKED
    @given(texts)
    def check(text: str) -> None:
        response = client.request("GET", "/api/search", params={"q": text})
        refused = response.status_code == 422
        assert refused == bool(problems(text, query, spec)), (text, response.text)

    check()


def test_titles(client: Client) -> None:
    """A title to add is refused exactly when the AddSeries schema refuses it."""
    spec = client.request("GET", "/openapi.json").json()

    @CHECKED
    @given(texts)
    def check(title: str) -> None:
        body = {"title": title}
        response = client.request("POST", "/api/series", json=body)
        refused = response.status_code == 422
        assert refused == bool(problems(body, schema_of(spec, "AddSeries"), spec)), (
            title, response.text)

    check()


def test_provider_entries(client: Client) -> None:
    """A provider entry to identify a series by is refused exactly when the ProviderRef schema
    refuses it: a provider (or id type) this server knows, an id shaped as its ids are, a
    number at least 1."""
    spec = client.request("GET", "/openapi.json").json()
    names = sorted({name for alternative in schema_of(spec, "ProviderRef")["anyOf"]
                    for name in alternative["properties"]["provider"]["enum"]})
    assert {"anilist", "jikan", "mal", "imdb"} <= set(names)
    series_id = client.request("POST", "/api/series", json={"title": "Monster"}).json()["id"]
    ids = (st.integers(-3, 3) | st.sampled_from([10**12 - 1, 10**12, 10**64 - 1, 10**64])
           | st.text(max_size=70) | st.sampled_from(["1", "01", "0", "tt0123456", "abc",
                                                    "a.b-c", "-1", "x" * 64, "x" * 65])
           | st.booleans() | st.none())
    refs = st.fixed_dictionaries({"provider": st.sampled_from([*names, "nope", "AniList", ""]),
                                  "id": ids})

    @CHECKED
    @given(refs)
    def check(ref: dict[str, Any]) -> None:
        response = client.request("POST", f"/api/series/{series_id}/identify", json=ref)
        refused = response.status_code == 422
        assert refused == bool(problems(ref, schema_of(spec, "ProviderRef"), spec)), (
            ref, response.text)

    check()


def test_options_says_what_a_path_takes(client: Client) -> None:
    """``OPTIONS`` answers 204 with every method of the path; a method it does not take is
    405 with the same ``Allow`` (a page's 405 is a page)."""
    response = client.request("OPTIONS", "/api/series")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    wrong = client.request("PUT", "/api/series")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    series = client.request("OPTIONS", "/api/series/00000000-0000-4000-8000-000000000000")
    assert series.headers["allow"] == "DELETE, GET, HEAD, OPTIONS"
    page = client.request("DELETE", "/")
    assert (page.status_code, page.headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    assert page.headers["content-type"].startswith("text/html")
    assert client.request("OPTIONS", "/nothing/here").status_code == 404
