"""What schemathesis found the document did not state, one case each: a value is refused
(422) exactly when the document's schema refuses it, and a value the schema takes is either
done or answered with what the document says of the state of things (404 for an episode or a
job that is not there, 409 for a downloads folder that is not set).

Found by running schemathesis (its coverage and fuzzing phases) against ``aniworld demo``."""

from __future__ import annotations

from typing import Any

import pytest

from .schema_check import problems
from .test_fuzz import Client, client

__all__ = ["client"]  # the fixture

BIGGEST_JOB_ID = 2**31 - 1  # the database's ids are 32-bit
BIGGEST_DOWNLOAD_ID = 2**31 - 1


def parameter(spec: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    [schema] = [p["schema"] for p in spec["paths"][path][method]["parameters"]
                if p["name"] == name]
    return schema


def body_schema(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    schema: dict[str, Any] = (spec["paths"][path][method]["requestBody"]["content"]
                              ["application/json"]["schema"])
    return schema


def agree(client: Client, spec: dict[str, Any], schema: dict[str, Any], value: Any,
          response_status: int, otherwise: int) -> None:
    """Refused (422) when the schema refuses ``value``, else ``otherwise``."""
    refused = bool(problems(value, schema, spec))
    assert response_status == (422 if refused else otherwise), (value, refused)


@pytest.mark.parametrize("value", [1, BIGGEST_DOWNLOAD_ID, BIGGEST_DOWNLOAD_ID + 1, 10**13])
def test_download_ids(client: Client, value: int) -> None:
    spec = client.request("GET", "/openapi.json").json()
    schema = parameter(spec, "/api/downloads/{download_id}", "get", "download_id")
    for method, path in (("GET", f"/api/downloads/{value}"),
                         ("POST", f"/api/downloads/{value}/pause")):
        agree(client, spec, schema, value, client.request(method, path).status_code, 404)


@pytest.mark.parametrize("value", [1, BIGGEST_JOB_ID, BIGGEST_JOB_ID + 1, 10**26])
def test_job_ids(client: Client, value: int) -> None:
    spec = client.request("GET", "/openapi.json").json()
    schema = parameter(spec, "/api/jobs/{job_id}/retry", "post", "job_id")
    response = client.request("POST", f"/api/jobs/{value}/retry")
    agree(client, spec, schema, value, response.status_code, 404)
    before = parameter(spec, "/api/jobs", "get", "before")
    response = client.request("GET", "/api/jobs", params={"before": str(value)})
    agree(client, spec, before, value, response.status_code, 200)


@pytest.mark.parametrize(("name", "value"), [
    ("key", ""), ("key", "x"), ("key", "x" * 200), ("key", "x" * 201),
    ("kind", ""), ("kind", "library.scan"),
])
def test_job_listing_texts(client: Client, name: str, value: str) -> None:
    spec = client.request("GET", "/openapi.json").json()
    response = client.request("GET", "/api/jobs", params={name: value})
    agree(client, spec, parameter(spec, "/api/jobs", "get", name), value,
          response.status_code, 200)


@pytest.mark.parametrize("value", ["", "queued,", "queued", "queued,running"])
def test_state_lists(client: Client, value: str) -> None:
    """An empty state names none: refused, as the schema's enum refuses it."""
    spec = client.request("GET", "/openapi.json").json()
    states = value.split(",")
    for path in ("/api/jobs", "/api/downloads"):
        response = client.request("GET", path, params={"state": value})
        schema = parameter(spec, path, "get", "state")
        if path == "/api/jobs" and states == ["queued"]:
            continue  # "queued" is a download's state, a job's is "pending"
        agree(client, spec, schema, states, response.status_code, 200)


@pytest.mark.parametrize("body", [
    {"title": "Monster", "year": None}, {"title": "Mushishi", "year": 2005.0},
    {"title": "Kino's Journey", "year": 2003.5}, {"title": "Planetes", "year": 1899},
])
def test_years_of_a_title_to_add(client: Client, body: dict[str, Any]) -> None:
    """null is no year; 2005.0 is the year 2005, as JSON Schema counts integers."""
    spec = client.request("GET", "/openapi.json").json()
    response = client.request("POST", "/api/series", json=body)
    agree(client, spec, body_schema(spec, "/api/series", "post"), body,
          response.status_code, 202)
    if response.status_code == 202 and body["year"] is not None:
        assert response.json()["year"] == 2005


def test_an_id_written_as_a_whole_float_identifies(client: Client) -> None:
    series_id = client.request("POST", "/api/series", json={"title": "Monster"}).json()["id"]
    response = client.request("POST", f"/api/series/{series_id}/identify",
                              json={"provider": "anilist", "id": 19.0})
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("path", ["00", "relative/folder", "/", "/tmp/\x00x"])
def test_library_folders_are_absolute_paths(client: Client, path: str) -> None:
    """A path that is not absolute is refused by the schema's pattern as by the handler (an
    absolute one the schema takes may still be refused: whether it is a folder is a fact of
    the disk, not of the request)."""
    spec = client.request("GET", "/openapi.json").json()
    schema = body_schema(spec, "/api/library/roots", "post")
    response = client.request("POST", "/api/library/roots", json={"path": path})
    if problems({"path": path}, schema, spec):
        assert response.status_code == 422
        deleting = client.request("DELETE", "/api/library/roots", params={"path": path})
        assert deleting.status_code == 422
    else:
        assert path == "/"  # absolute: the schema takes it, and the disk has the last word
    scanning = client.request("POST", "/api/imports/scan", json={"path": path})
    if problems({"path": path}, body_schema(spec, "/api/imports/scan", "post"), spec):
        assert scanning.status_code == 422


def test_a_library_folder_name_too_long_for_the_disk_is_refused_saying_so(
        client: Client) -> None:
    """One name longer than the file system takes (255 bytes) made the disk check raise: a
    500. It is refused saying why."""
    response = client.request("POST", "/api/library/roots", json={"path": "/" + "0" * 300})
    assert response.status_code == 422, response.text
    assert "cannot be read: File name too long" in response.json()["error"]["message"]


def test_an_episode_the_series_does_not_list_is_not_found(client: Client) -> None:
    series_id = client.request("POST", "/api/series", json={"title": "Monster"}).json()["id"]
    offers = client.request("GET", f"/api/series/{series_id}/offers",
                            params={"season": "0", "episode": "1"})
    assert offers.status_code == 404
    assert "S00E01 is not an episode of 'Monster'" in offers.json()["error"]["message"]
    download = client.request("POST", "/api/downloads", json={
        "series_id": series_id, "season": 0, "episode": 1})
    assert (download.status_code, download.json()["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize("episode", [99_999, 100_000, 100_001])
def test_the_highest_episode_number(client: Client, episode: int) -> None:
    """The core took one less than the document said."""
    spec = client.request("GET", "/openapi.json").json()
    series_id = client.request("POST", "/api/series", json={"title": "Monster"}).json()["id"]
    response = client.request("GET", f"/api/series/{series_id}/offers",
                              params={"season": "1", "episode": str(episode)})
    agree(client, spec, parameter(spec, "/api/series/{series_id}/offers", "get", "episode"),
          episode, response.status_code, 404)


@pytest.mark.parametrize("all_missing", [True, False])
def test_all_missing_and_one_episode_are_not_asked_together(client: Client,
                                                             all_missing: bool) -> None:
    spec = client.request("GET", "/openapi.json").json()
    series_id = client.request("POST", "/api/series", json={"title": "Monster"}).json()["id"]
    body = {"series_id": series_id, "season": 1, "episode": 1, "all_missing": all_missing}
    response = client.request("POST", "/api/downloads", json=body)
    agree(client, spec, body_schema(spec, "/api/downloads", "post"), body,
          response.status_code, 404)


def test_without_a_downloads_folder_imports_are_a_conflict(client: Client) -> None:
    """Whether a downloads folder is set is the server's state, not the request's fault."""
    series_id = client.request("POST", "/api/series", json={"title": "Monster"}).json()["id"]
    for response in (
        client.request("POST", "/api/imports", json={
            "path": "Monster - 01.mkv", "series_id": series_id, "season": 1,
            "episodes": [1]}),
        client.request("POST", "/api/imports/scan", json={}),
    ):
        assert response.status_code == 409, response.text
        assert "No downloads folder is set" in response.json()["error"]["message"]
