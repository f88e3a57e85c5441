"""The downloads' part of ``/openapi.json``: their component schemas and their operations.

Kept apart so that :mod:`aniworld_web.openapi` stays one readable page; the operations are
described with that module's helpers, handed in (:func:`download_operations`), so this module
imports only the schema helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aniworld_core import DownloadState
from aniworld_web.openapi_schemas import ABSOLUTE_PATH, exactly, ref

_TEXT = {"type": "string"}
_INT = {"type": "integer"}
_OPTIONAL_TEXT = {"type": ["string", "null"]}
_OPTIONAL_INT = {"type": ["integer", "null"]}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_SEASON = {"type": "integer", "minimum": 0, "maximum": 100_000}
_EPISODE = {"type": "integer", "minimum": 1, "maximum": 100_000}
_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
_PATH = {"type": "string", "minLength": 1, "maxLength": 4096}
DOWNLOAD_STATE = {"type": "string", "enum": [state.value for state in DownloadState]}

DOWNLOAD_SCHEMAS: dict[str, Any] = {
    "Offer": exactly({
        "source": _TEXT, "title": _TEXT, "url": _OPTIONAL_TEXT,
        "size": {"type": ["integer", "null"], "minimum": 0, "description": "Bytes"},
        "quality": _OPTIONAL_TEXT, "language": _OPTIONAL_TEXT,
        "subtitles": {"type": "array", "items": _TEXT},
        "checksum": {"type": ["string", "null"], "examples": ["sha256:9f86d08..."]},
        "fetch": {"enum": ["http", "external"],
                  "description": "http: aniworld streams it; external: another program does"},
        "data": {"type": "object", "description": "The source's own"}}),
    "Download": exactly({
        "id": _INT, "series_id": _TEXT, "series_title": _TEXT, "season": _INT,
        "episodes": {"type": "array", "items": _INT, "description": "Several: one file"},
        "absolute": _OPTIONAL_INT, "source": _TEXT, "offer": ref("Offer"),
        "state": DOWNLOAD_STATE,
        "bytes_done": {"type": "integer", "minimum": 0},
        "bytes_total": {"type": ["integer", "null"], "minimum": 0},
        "speed": {"type": ["number", "null"], "description": "Bytes per second, while it runs"},
        "eta": {"type": ["number", "null"], "description": "Seconds left, while it runs"},
        "error": _OPTIONAL_TEXT,
        "note": {"type": ["string", "null"],
                 "description": "E.g. that a resume started from zero (no Range support)"},
        "path": {"type": ["string", "null"],
                 "description": "Its file once imported, relative to the series folder"},
        "created_at": _TIME, "finished_at": _TIME}),
    "WantedEpisode": exactly({
        "season": _INT, "number": _INT, "absolute_number": _OPTIONAL_INT,
        "title": _OPTIONAL_TEXT, "air_date": {"type": ["string", "null"], "format": "date"},
        "download_id": {"type": ["integer", "null"],
                        "description": "Its live download, if one is queued or running"}}),
    "WantedSeries": exactly({
        "series_id": _TEXT, "title": _TEXT,
        "episodes": {"type": "array", "items": ref("WantedEpisode")}}),
    "PendingImport": exactly({
        "path": _TEXT, "reason": _TEXT, "guessed_title": _OPTIONAL_TEXT,
        "guessed_season": _OPTIONAL_INT, "guessed_episode": _OPTIONAL_INT,
        "size": {"type": "integer", "minimum": 0}, "seen_at": _TIME}),
    "EpisodeSource": exactly({
        "name": _TEXT, "display_name": _TEXT, "builtin": {"type": "boolean"},
        "problem": {"type": ["string", "null"],
                    "description": "Why it offers nothing now (not set up), if so"}}),
    "ImportedFile": exactly({
        "source_path": _TEXT, "series_id": _TEXT,
        "target": {"type": "string", "description": "Relative to the series folder"}}),
    "ImportReport": exactly({
        "imported": {"type": "array", "items": ref("ImportedFile")},
        "pending": {"type": "array", "items": ref("PendingImport")}}),
    "SeriesSource": exactly({
        "source": _TEXT,
        "config": {"type": ["object", "null"],
                   "description": "What was set for the source on the show; null: nothing"}}),
    "NewDownload": {
        "type": "object", "additionalProperties": False, "required": ["series_id"],
        "description": "One episode (season and episode), or with all_missing every wanted "
                       "episode of the show (of season) that some source offers",
        "properties": {"series_id": {**_NAME, "format": "uuid"},
                       "season": {"type": ["integer", "null"], "minimum": 0,
                                  "maximum": 100_000},
                       "episode": {"type": ["integer", "null"], "minimum": 1,
                                   "maximum": 100_000},
                       "source": {"type": ["string", "null"], "minLength": 1,
                                  "maxLength": 100, "examples": ["http"]},
                       "all_missing": {"type": ["boolean", "null"]}},
        "not": {"required": ["all_missing", "episode"], "properties": {
            "all_missing": {"const": True}, "episode": {"type": "integer"}}}},
    "SourceConfig": {
        "type": "object", "additionalProperties": False, "required": ["config"],
        "properties": {"config": {
            "type": "object", "examples": [{"url": "https://nas/show/{season}/{episode}.mkv"}],
            "description": "What the source needs; http: url, a template with {season}, "
                           "{episode} and {absolute}"}}},
    "ImportScan": {
        "type": "object", "additionalProperties": False,
        "properties": {"path": {**ABSOLUTE_PATH,
                                "description": "An absolute path; default: the downloads "
                                               "folder"}}},
    "ManualImport": {
        "type": "object", "additionalProperties": False,
        "required": ["path", "series_id", "season", "episodes"],
        "properties": {"path": _PATH, "series_id": {**_NAME, "format": "uuid"},
                       "season": _SEASON,
                       "episodes": {"type": "array", "items": _EPISODE, "minItems": 1,
                                    "maxItems": 50}}},
}

Describe = Callable[..., dict[str, Any]]


def _listing(name: str, item: str) -> dict[str, Any]:
    return exactly({name: {"type": "array", "items": ref(item)}})


def download_operations(operation: Describe, answer: Describe, body: Describe,
                        error: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The downloads' operations, as :data:`aniworld_web.openapi.OPERATIONS` holds them."""
    series_id = {"name": "series_id", "in": "path", "required": True,
                 "schema": {"type": "string", "format": "uuid"}}
    download_id = [{"name": "download_id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}]
    source = {"name": "source", "in": "path", "required": True,
              "schema": {"type": "string", "examples": ["http"]}}
    one = answer("The download", ref("Download"))
    conflict = answer("Its state forbids it", ref("Error"))

    def download_action(summary: str, status: str) -> dict[str, Any]:
        return operation(summary, {status: one, "404": error, "409": conflict, "422": error},
                         tag="downloads", parameters=download_id)

    def series_source(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return operation(summary, {**responses, "404": answer(
            "No such series, or no such source", ref("Error")), "422": error},
            tag="downloads", parameters=[series_id, source], **extra)

    return {
        ("/api/wanted", "get"): operation(
            "Aired episodes without a file, by show (title order), season and episode",
            {"200": answer("What is wanted", _listing("series", "WantedSeries")),
             "404": error, "422": error},
            tag="downloads", parameters=[{"name": "series_id", "in": "query",
                                          "required": False, "schema": _NAME}]),
        ("/api/downloads", "get"): operation(
            "Downloads, newest first (running ones with live bytes, speed and ETA)",
            {"200": answer("The downloads", _listing("downloads", "Download")),
             "404": answer("No such series", ref("Error")), "422": error},
            tag="downloads", parameters=[
                {"name": "state", "in": "query", "required": False, "style": "form",
                 "explode": True, "description": "Repeat it, or separate states with commas",
                 "schema": {"type": "array", "items": DOWNLOAD_STATE}},
                {"name": "series_id", "in": "query", "required": False, "schema": _NAME},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 500,
                            "default": 100}}]),
        ("/api/downloads", "post"): operation(
            "Queue a download of an episode (an episode with a live download answers that "
            "one), or of every wanted episode of a show or season that a source offers",
            {"202": answer("Queued", {"anyOf": [ref("Download"),
                                                 _listing("downloads", "Download")]},
                           headers={"Location": {"schema": {"type": "string"}}}),
             "404": answer("No such series, or it lists no such episode", ref("Error")),
             "409": answer("No source offers the episode", ref("Error")),
             "415": error, "422": error},
            tag="downloads", requestBody=body(ref("NewDownload"))),
        ("/api/downloads/{download_id}", "get"): operation(
            "A download", {"200": one, "404": error, "422": error}, tag="downloads",
            parameters=download_id),
        ("/api/downloads/{download_id}/pause", "post"): download_action(
            "Stop a queued or running download, keeping what it fetched", "200"),
        ("/api/downloads/{download_id}/resume", "post"): download_action(
            "Queue a paused, failed or cancelled download again (a paused one goes on from "
            "its partial file)", "202"),
        ("/api/downloads/{download_id}/cancel", "post"): download_action(
            "Stop a download for good and remove its partial file (a finished one is "
            "answered as it is)", "200"),
        ("/api/series/{series_id}/offers", "get"): operation(
            "Find: what the sources (or one) offer for an episode, best first",
            {"200": answer("The offers", _listing("offers", "Offer")),
             "404": answer("No such series, or it lists no such episode", ref("Error")),
             "409": answer("A source failed to answer", ref("Error")), "422": error},
            tag="downloads", parameters=[
                series_id,
                {"name": "season", "in": "query", "required": True, "schema": _SEASON},
                {"name": "episode", "in": "query", "required": True, "schema": _EPISODE},
                {"name": "source", "in": "query", "required": False, "schema": _NAME}]),
        ("/api/series/{series_id}/sources/{source}", "get"): series_source(
            "What was set for an episode source on the show",
            {"200": answer("The setting", ref("SeriesSource"))}),
        ("/api/series/{series_id}/sources/{source}", "put"): series_source(
            "Set what an episode source needs for the show (http: the URL template)",
            {"200": answer("Set", ref("SeriesSource")), "415": error},
            requestBody=body(ref("SourceConfig"))),
        ("/api/series/{series_id}/sources/{source}", "delete"): series_source(
            "Forget what was set for an episode source on the show",
            {"204": answer("Forgotten")}),
        ("/api/sources", "get"): operation(
            "The episode sources, in the order they are asked",
            {"200": answer("The sources", _listing("sources", "EpisodeSource"))},
            tag="downloads"),
        ("/api/imports", "get"): operation(
            "Finished files of the downloads folder waiting for a person to match them",
            {"200": answer("The pending imports", _listing("pending", "PendingImport"))},
            tag="downloads"),
        ("/api/imports", "post"): operation(
            "Import one file as the given episode(s) of a show (a manual import)",
            {"200": answer("Imported", ref("ImportedFile")), "404": error,
             "409": answer("No downloads folder is set, or the file cannot be imported",
                           ref("Error")), "415": error,
             "422": error},
            tag="downloads", requestBody=body(ref("ManualImport"))),
        ("/api/imports/scan", "post"): operation(
            "Import the finished files of a folder (default: the downloads folder) that "
            "match a show and an episode; the others wait for a person",
            {"200": answer("What was imported, and what waits", ref("ImportReport")),
             "409": answer("No downloads folder is set, or the folder cannot be read",
                           ref("Error")), "415": error,
             "422": answer("Not in the downloads folder", ref("Error"))},
            tag="downloads", requestBody={**body(ref("ImportScan")), "required": False}),
        ("/wanted", "get"): operation(
            "The Wanted page: missing episodes by show and season, to find and download",
            {"200": answer("The page", {"type": "string"}, "text/html"),
             "303": answer("Elsewhere: log in or set up first")}, tag="pages"),
        ("/downloads", "get"): operation(
            "The Downloads page: live progress, history, pending imports",
            {"200": answer("The page", {"type": "string"}, "text/html"),
             "303": answer("Elsewhere: log in or set up first")}, tag="pages"),
    }
