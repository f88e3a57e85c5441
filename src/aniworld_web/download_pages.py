"""The Wanted and Downloads pages: rendered here, kept live by wanted.js and downloads.js.

Everything they change goes through the JSON API (``/api/downloads``, ``/api/imports``); the
pages only arrange what the core answers.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aniworld_core import DownloadState, WantedEpisode, size_text
from aniworld_web.pages import render
from aniworld_web.state import context_of

#: Finished downloads the Downloads page lists at most.
HISTORY_SHOWN = 50
#: Downloads not finished yet the page lists at most.
ACTIVE_SHOWN = 200
_ACTIVE = [state for state in DownloadState if not state.is_final]
_FINISHED = [state for state in DownloadState if state.is_final]
#: How a state reads on the pages (downloads.js has the same words).
STATE_NAMES = {
    DownloadState.QUEUED: "Queued", DownloadState.DOWNLOADING: "Downloading",
    DownloadState.PAUSED: "Paused", DownloadState.IMPORTING: "Importing",
    DownloadState.COMPLETED: "Completed", DownloadState.FAILED: "Failed",
    DownloadState.CANCELLED: "Cancelled",
}


async def wanted_page(request: Request) -> Response:
    """Missing episodes by show and season, each with Find and Download (and Download for a
    whole season); the live download of an episode is named instead."""
    core = context_of(request).core
    wanted = await core.wanted()
    shows = []
    for series in wanted:
        seasons: dict[int, list[WantedEpisode]] = {}
        for episode in series.episodes:
            seasons.setdefault(episode.season, []).append(episode)
        shows.append({"id": series.series_id, "title": series.title,
                      "count": len(series.episodes), "seasons": sorted(seasons.items())})
    return render(request, "wanted.html", shows=shows,
                  sources=[source.to_dict() for source in core.episode_sources()])


async def downloads_page(request: Request) -> Response:
    """Downloads queued, running or paused (live: progress, speed, ETA), the latest finished
    ones with their errors, and the files waiting for a manual import."""
    core = context_of(request).core
    active = await core.downloads(states=[state.value for state in _ACTIVE],
                                  limit=ACTIVE_SHOWN)
    finished = await core.downloads(states=[state.value for state in _FINISHED],
                                    limit=HISTORY_SHOWN)
    later = {download.id for download in finished}
    return render(request, "downloads.html",
                  active=[download for download in active if download.id not in later],
                  history=finished, history_shown=HISTORY_SHOWN,
                  pending=await core.pending_imports(),
                  series=await core.list_series(),
                  state_names={state.value: name for state, name in STATE_NAMES.items()},
                  size_text=size_text)


ROUTES = [
    Route("/wanted", wanted_page, methods=["GET"]),
    Route("/downloads", downloads_page, methods=["GET"]),
]
