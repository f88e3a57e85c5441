"""The component schemas of ``/openapi.json``: the shapes the API answers and accepts.

Answers are described exactly (every field, no others: :func:`exactly`); the tests hold the
handlers' answers to these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aniworld_core import DownloadState, JobState, LoadingStatus, RunState


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_PROGRESS = {"type": "object", "properties": {
    name: {"type": "boolean"} for name in ("episodes", "nfo", "logo", "images")}}
_STATUS = {"type": "string", "enum": [status.value for status in LoadingStatus]}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_TEXT = {"type": "string"}
#: An absolute path (what a library folder is given as), without NUL.
ABSOLUTE_PATH = {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": "^/[^\\x00]*$",
                 "description": "An absolute path"}
_INT = {"type": "integer"}
_OPTIONAL_TEXT = {"type": ["string", "null"]}
_OPTIONAL_INT = {"type": ["integer", "null"]}
_JOB_STATE = {"type": "string", "enum": [state.value for state in JobState]}
_JOB_PROGRESS = {"type": "object", "required": ["done", "total", "message"],
                 "additionalProperties": False, "properties": {
                     "done": {"type": "integer", "minimum": 0},
                     "total": {"type": ["integer", "null"], "minimum": 0,
                               "description": "null: not known"},
                     "message": _OPTIONAL_TEXT}}
_IDS = {"type": "object", "additionalProperties": {"type": "string"},
        "examples": [{"anilist": "21507", "mal": "32182"}]}
_REF = {"provider": {"type": "string", "examples": ["anilist"]},
        "id": {"type": ["string", "integer"]}}
#: What a title or a search may be: 1 to 255 characters, no control characters or line
#: breaks, not only spaces (the core's check of titles, as a pattern).
_NOT_ALLOWED = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
_SPACES = r" \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
TEXT = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": f"^[^{_NOT_ALLOWED}]*[^{_NOT_ALLOWED}{_SPACES}][^{_NOT_ALLOWED}]*$"}

#: The id types the core knows, and those whose ids are numbers: a provider entry's id is
#: checked by the shape of the provider it names (as ``aniworld_core`` checks it; the tests
#: compare the two).
ID_TYPES = ("anilist", "mal", "anidb", "tvdb", "tmdb", "imdb")
_NUMERIC = frozenset(ID_TYPES) - {"imdb"}
_ID_SHAPES: dict[str, dict[str, Any]] = {
    "number": {"oneOf": [
        {"type": "integer", "minimum": 1, "maximum": 999_999_999_999},
        {"type": "string", "pattern": "^[1-9][0-9]{0,11}$"}]},
    "imdb": {"type": "string", "pattern": "^tt[0-9]{7,10}$"},
    "other": {"oneOf": [
        {"type": "integer", "minimum": 1, "maximum": 10**64 - 1},
        {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"}]},
}


def provider_refs(providers: Mapping[str, str]) -> list[dict[str, Any]]:
    """For each shape of id, the providers (names or id types, each with the id type its ids
    are: ``jikan`` → ``mal``) whose ids have it, as one alternative of a provider entry."""
    groups: dict[str, list[str]] = {}
    for name, id_type in sorted(providers.items()):
        shape = "number" if id_type in _NUMERIC else "imdb" if id_type == "imdb" else "other"
        groups.setdefault(shape, []).append(name)
    return [{"properties": {"provider": {"enum": names}, "id": _ID_SHAPES[shape]}}
            for shape, names in groups.items()]



def exactly(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An object with every one of ``properties`` and nothing else (what a handler returns)."""
    return {"type": "object", "required": list(properties), "additionalProperties": False,
            "properties": properties, **extra}


_SERIES_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "format": "uuid"}, "title": _TEXT, "year": _OPTIONAL_INT,
    "folder": _OPTIONAL_TEXT, "ids": _IDS, "loading_status": _STATUS, "message": _TEXT,
    **{f"{name}_loaded": {"type": "boolean"} for name in ("episodes", "nfo", "logo", "images")},
    "loading_error": _OPTIONAL_TEXT,
    "poster_url": {"type": ["string", "null"], "format": "uri"},
    "folder_missing": {"type": "boolean",
                       "description": "A scan found the series' folder gone"},
    "episodes_known": {"type": ["integer", "null"], "minimum": 0,
                       "description": "Regular episodes aired (or undated); null until the "
                                      "episode list has loaded"},
    "episodes_present": {"type": ["integer", "null"], "minimum": 0,
                         "description": "How many of episodes_known have a file"},
}

_JOB_PROPERTIES: dict[str, Any] = {
    "id": _INT, "kind": {"type": "string", "examples": ["library.scan"]},
    "key": {"type": ["string", "null"],
            "description": "At most one job with a key is pending or running"},
    "priority": {"type": "integer", "description": "Lower runs first"},
    "state": _JOB_STATE, "attempts": {"type": "integer", "minimum": 0},
    "max_attempts": {"type": "integer", "minimum": 1}, "payload": {"type": "object"},
    "progress": _JOB_PROGRESS,
    "error": {"type": ["string", "null"],
              "description": "Why the last attempt failed, or why it waits"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "started_at": _TIME, "finished_at": _TIME,
    "not_before": {**_TIME, "description": "Not run before then (a retry's backoff)"},
    "timeout": {"type": ["number", "null"], "description": "Seconds an attempt may take"},
    "parent_id": _OPTIONAL_INT,
    "waiting_for": {"type": ["string", "null"], "examples": ["provider:jikan"],
                    "description": "What it waits on (a provider that is down)"},
    "owner": {"type": ["string", "null"], "description": "The process running it"},
}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": "string"}, "series_id": {"type": "string"}}}}},
    "Series": exactly(_SERIES_PROPERTIES),
    "AddedSeries": exactly({**_SERIES_PROPERTIES, "files": ref("SeriesFiles")}),
    "SeriesDetail": exactly({
        **_SERIES_PROPERTIES,
        "episodes": {"type": "array", "items": ref("Episode"),
                     "description": "Every listed episode, present or not, by season and "
                                    "number"},
        "missing_episodes": {
            "type": ["array", "null"], "items": ref("Episode"),
            "description": "Aired regular episodes without a file (not those of an entry "
                           "another library folder holds); null while not known: until the "
                           "episode list has loaded, and while the folder is missing"},
        "missing_unknown_reason": {
            "type": ["string", "null"],
            "description": "Why missing_episodes is null, for people; null when it is not"},
        "seasons": {"type": "array", "items": ref("Season"),
                    "description": "The show's regular seasons in order"},
        "unplaced_files": {"type": "array", "items": ref("UnplacedFile"),
                           "description": "Video files that name no listed episode"},
        "season_note": {"type": ["string", "null"],
                        "description": "Why the chain of seasons stopped early (a relation "
                                       "cycle, a chain too long), if it did"},
        "next_episode": {"oneOf": [{"type": "null"}, ref("NextEpisode")],
                         "description": "The next episode to air, when a provider says "
                                        "when (an airing show); null otherwise"},
        "load_runs": {"type": "array", "items": ref("LoadRun"),
                      "description": "Load attempts, newest first"}}),
    "NextEpisode": exactly({
        "season": _INT, "number": _INT, "absolute_number": _OPTIONAL_INT,
        "title": _OPTIONAL_TEXT,
        "airs_at": {"type": "string", "format": "date-time",
                    "description": "When it airs, in UTC"}}),
    "Episode": exactly({
        "season": _INT, "number": _INT, "absolute_number": _OPTIONAL_INT,
        "title": _OPTIONAL_TEXT, "air_date": {"type": ["string", "null"], "format": "date"},
        "present": {"type": "boolean"},
        "file_path": {"type": ["string", "null"],
                      "description": "Relative to the series' folder"},
        "entry": {"oneOf": [{"type": "null"}, exactly(
            {"provider": _TEXT, "id": _TEXT, "number": _OPTIONAL_INT},
            description="The provider entry the episode belongs to and its number there")]}}),
    "Season": exactly({
        "number": {"type": "integer", "minimum": 1}, "title": _TEXT,
        "entries": {"type": "array", "items": ref("SeasonEntry"),
                    "description": "The provider entries behind the season (a split cour "
                                   "has two)"},
        "known": {"type": "integer", "minimum": 0,
                  "description": "Episodes aired (or undated)"},
        "present": {"type": "integer", "minimum": 0,
                    "description": "How many of the known episodes have a file"},
        "listed": {"type": "integer", "minimum": 0,
                   "description": "Episodes listed, aired or not"}}),
    "SeasonEntry": exactly({
        "ref": exactly({"provider": _TEXT, "id": _TEXT}), "title": _TEXT,
        "format": _OPTIONAL_TEXT, "episodes": _INT,
        "offset": {"type": "integer", "minimum": 0,
                   "description": "Episodes of the season before this entry's first"},
        "year": _OPTIONAL_INT, "ids": _IDS,
        "elsewhere": {"type": ["string", "null"], "format": "uuid",
                      "description": "The library series whose folder holds this entry "
                                     "instead; its episodes are not missing here"},
        "elsewhere_title": {"type": ["string", "null"],
                            "description": "That series' title"}}),
    "UnplacedFile": exactly({
        "path": {"type": "string", "description": "Relative to the series' folder"},
        "reason": _TEXT}),
    "LoadRun": exactly({
        "id": _INT, "status": _STATUS, "started_at": _TIME, "finished_at": _TIME,
        "error": _OPTIONAL_TEXT}),
    "ProviderRef": {"type": "object", "required": ["provider", "id"],
                    "additionalProperties": False, "properties": _REF,
                    "anyOf": provider_refs({id_type: id_type for id_type in ID_TYPES})},
    "SearchResult": {"type": "object", "properties": {
        "ref": {"type": "object", "properties": _REF}, "title": {"type": "string"},
        "year": {"type": ["integer", "null"]}, "format": {"type": ["string", "null"]},
        "episodes": {"type": ["integer", "null"]},
        "alt_titles": {"type": "array", "items": {"type": "string"}},
        "poster_url": {"type": ["string", "null"], "format": "uri"},
        "ids": {"type": "object", "additionalProperties": {"type": "string"}},
        "series_id": {"type": ["string", "null"], "format": "uuid",
                      "description": "The library series that is this entry already"}}},
    "AddSeries": {"type": "object", "additionalProperties": False, "properties": {
        "title": TEXT,
        "year": {"type": ["integer", "null"], "minimum": 1900, "maximum": 2200},
        **_REF},
        "anyOf": [{"required": ["title"], "not": {"anyOf": [{"required": ["provider"]},
                                                            {"required": ["id"]}]}},
                  *({**entry, "required": ["provider", "id"]}
                    for entry in provider_refs({id_type: id_type for id_type in ID_TYPES}))]},
    "Session": exactly({
        "id": {"type": "integer", "minimum": 1}, "username": _TEXT,
        "created_at": {"type": "string", "format": "date-time"},
        "last_seen_at": {"type": "string", "format": "date-time",
                         "description": "Written at most every few minutes"},
        "address": {"type": "string", "description": "Where it logged in from"},
        "user_agent": {"type": "string", "description": "What its browser calls itself"},
        "current": {"type": "boolean", "description": "The session asking"}}),
    "Health": exactly({
        "status": {"enum": ["ok", "failing"]}, "version": _TEXT,
        "database": {"type": "string", "description": "\"ok\", or what is wrong"},
        "loader": {"enum": ["running", "off"],
                   "description": "Whether this process loads series (\"off\": another "
                                  "process does, or none)"}}),
    "LoadingState": {"type": "object", "properties": {
        "series_id": {"type": "string"}, "loading_status": _STATUS, "progress": _PROGRESS,
        "started_at": _TIME, "completed_at": _TIME, "message": {"type": "string"},
        "error": {"type": ["string", "null"]}}},
    "Login": {"type": "object", "required": ["username", "password"],
              "additionalProperties": False,
              "properties": {"username": {"type": "string"},
                             "password": {"type": "string", "format": "password"}}},
    "AuthStatus": {"type": "object", "properties": {
        "authenticated": {"type": "boolean"}, "username": {"type": ["string", "null"]},
        "method": {"enum": ["session", "api_key"]},
        "csrf_token": {"type": ["string", "null"]}}},
    "Job": exactly(_JOB_PROPERTIES),
    "JobDetail": exactly({**_JOB_PROPERTIES, "runs": {
        "type": "array", "items": ref("JobRun"), "description": "Its attempts, newest first"}}),
    "JobRun": exactly({
        "id": _INT, "job_id": _INT, "attempt": {"type": "integer", "minimum": 1},
        "state": {"type": "string", "enum": [state.value for state in RunState],
                  "description": "interrupted: cut short through no fault of the job (a "
                                 "shutdown); the attempt does not count"},
        "owner": _OPTIONAL_TEXT, "started_at": {"type": "string", "format": "date-time"},
        "finished_at": _TIME, "error": _OPTIONAL_TEXT}),
    "LibraryRoot": exactly({
        "path": _TEXT,
        "source": {"enum": ["settings", "added"],
                   "description": "settings: `library` in the settings, changed there only; "
                                  "added: at run time, kept in the database"},
        "added_at": _TIME, "available": {"type": "boolean",
                                         "description": "Whether it is a folder right now"},
        "removable": {"type": "boolean", "description": "Whether it may be removed here"}}),
    "AddLibraryRoot": {"type": "object", "required": ["path"], "additionalProperties": False,
                       "properties": {"path": ABSOLUTE_PATH}},
    "SeriesFiles": exactly({
        "path": {"type": ["string", "null"], "description": "Its folder, once it has one"},
        "library_folder": {
            "type": ["string", "null"],
            "description": "The library folder its folder is in, or is made in when it loads; "
                           "null: no library folder is set, so no NFO files or artwork are "
                           "written"},
        "written": {"enum": ["yes", "later", "no"],
                    "description": "Whether its load writes NFO files and artwork: into its "
                                   "folder (yes), one it makes (later), or nowhere (no)"},
        "note": {"type": "string", "description": "The same, for people"}}),
    "Schedule": exactly({
        "name": _TEXT, "kind": _TEXT, "payload": {"type": "object"},
        "every": {"type": ["number", "null"], "description": "Seconds between runs"},
        "cron": {"type": ["string", "null"], "examples": ["0 4 * * *"],
                 "description": "Five fields, in the schedule's time zone"},
        "timezone": {"type": "string", "examples": ["Europe/Berlin"]},
        "enabled": {"type": "boolean"}, "next_run_at": _TIME, "last_run_at": _TIME,
        "last_job_id": _OPTIONAL_INT}),
    "ScheduleChange": {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "description": "Give every or cron (not both), or only timezone or enabled; nothing "
                       "changes unless all of it is valid. null is \"not given\".",
        "properties": {
            "every": {"type": ["number", "null"], "minimum": 1, "maximum": 366 * 86400,
                      "description": "Seconds between runs"},
            "cron": {"type": ["string", "null"], "examples": ["0 4 * * *"],
                     "description": "Five fields; it must fire within four years"},
            # The names this machine knows are filled in when the document is served.
            "timezone": {"type": ["string", "null"],
                         "description": "An IANA name such as Europe/Berlin"},
            "enabled": {"type": ["boolean", "null"]}},
        "not": {"required": ["every", "cron"], "properties": {
            "every": {"type": "number"}, "cron": {"type": "string"}}}},
    "ScanReport": exactly({
        "roots": {"type": "array", "items": _TEXT, "description": "The roots scanned"},
        "series_folders": _INT,
        **{name: {"type": "array", "items": _TEXT} for name in (
            "series_added", "series_requeued", "series_without_folder", "series_moved")},
        **{name: {"type": "array", "items": _TEXT, "description": "folder/path"}
           for name in ("folders_gone", "unrecognised", "nfos_removed")},
        **dict.fromkeys(("folders_listed", "folders_unchanged", "files_found",
                         "files_unrecognised", "files_added", "files_removed"), _INT),
        "errors": {"type": "array", "items": _TEXT},
        "seconds": {"type": "number"},
        "roots_unavailable": {
            "type": "array", "description": "Roots paused instead of scanned (an unmounted "
                                            "disk): nothing under them changed",
            "items": exactly({"root": _TEXT, "reason": _TEXT, "message": _TEXT})}}),
    "Event": {"type": "object", "required": ["type", "timestamp"], "properties": {
        "type": {"enum": ["series_added", "series_loading_update", "series_removed",
                          "provider_waiting", "loader_idle", "scan_progress", "job_update",
                          "library_changed", "library_root", "download_update",
                          "imports_changed"]},
        "series_ids": {"type": "array", "items": _TEXT,
                       "description": "library_changed: the series to read again"},
        "root": _TEXT, "available": {"type": "boolean"}, "watched": {"type": "boolean"},
        "series_id": {"type": "string"}, "title": {"type": "string"}, "status": _STATUS,
        "progress": {"anyOf": [_PROGRESS, _JOB_PROGRESS],
                     "description": "A series' loaded items, or a job's done of total"},
        "message": {"type": "string"}, "error": {"type": ["string", "null"]},
        "job_id": _INT, "kind": _TEXT, "key": _OPTIONAL_TEXT,
        "state": {"type": "string", "enum": sorted({*(state.value for state in JobState),
                                                     *(state.value for state in DownloadState)}),
                  "description": "A job's state, or a download's (download_update carries "
                                 "a Download's fields)"},
        "timestamp": {"type": "string"}}},
}
