"""Fake metadata services for tests, benchmarks and the offline demo.

Nothing here talks to the real APIs. Each fake is a Starlette app that answers like the real
service (paths, query parameters, JSON shapes, status codes, headers, error bodies, rate
limits), mounted in-process with ``fake.client()`` / ``httpx.ASGITransport(fake.app)`` or served
on 127.0.0.1 with :class:`ServedApp` / :class:`FakeBundle`. Plugin authors may import this
module (and ``aniworld_core``), nothing else; pytest users get fixtures from
:mod:`aniworld_testing.pytest_plugin`.

Fakes (``FakeService`` subclasses; ``Fake(dataset=None, *, options=None, image_url=...)``):

- :class:`FakeAniList` — ``POST /`` GraphQL (``Page``/``Media``), 30/min enforced, headers say 90.
- :class:`FakeJikan` — ``/v4/anime``, ``/v4/anime/{id}[/full]``, ``/v4/anime/{id}/episodes``.
- :class:`FakeTVmaze` — ``/search/shows``, ``/lookup/shows`` (301), ``/shows/{id}``,
  ``/shows/{id}/episodes``, ``/shows/{id}/images``.
- :class:`FakeTMDB` — ``/3/configuration``, ``/3/search/tv``, ``/3/tv/{id}[/season/{n}|/images|
  /external_ids]``, ``/3/find/{id}``; needs ``api_key`` or a Bearer token.
- :class:`FakeFanart` — ``/v3/tv/{tvdb_id}?api_key=``.
- :class:`FakeImageHost` — every artwork URL above, as real JPEG/PNG files.

Artwork URLs point at ``fake.image_url`` (``http://images.invalid`` until a bundle sets the served
image host): in-process, mount the host with ``httpx.AsyncClient(mounts={"http://images.invalid":
httpx.ASGITransport(app=FakeImageHost().app)})``. TMDB clients take the image base URL from
``/3/configuration`` (``images.secure_base_url``), as the real API intends.

Each has ``.app``, ``.options`` (:class:`FakeOptions`: latency, jitter, rate_limits, penalty,
error_rate, timeout_rate, malformed_rate, seed, ``force_429(n, retry_after)``,
``scale_rate_limits(f)``, image faults...), ``.stats`` (:class:`RequestStats`: ``count``,
``count_429``, ``max_requests_in_any_window(seconds)``, ``records``) and ``.reset()``.

The dataset (:class:`Dataset`, ``Dataset.default()``) holds about sixty real series; ids agree
across fakes. Examples (AniList / MAL / TVDB / TMDB / TVmaze): Cowboy Bebop 1/1/76885/30991/1253;
Fullmetal Alchemist: Brotherhood 5114/5114/85249/31911/1405; Steins;Gate 9253/9253/244061/42509/
4281; One Piece 21/21/81797/37854/1505 (1122 episodes, releasing); Attack on Titan 16498/16498/
267440/1429/919 (six AniList entries, one TVDB show with four seasons); Frieren 154587/52991/
424536/209867/68594. ``generated(count, start_id=900_000)`` makes cheap extra series whose every
numeric id is ``n`` (IMDb ``tt{90000000 + n}``); ``dataset.with_generated(500)`` adds them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aniworld_testing._anilist import FakeAniList
    from aniworld_testing._bundle import (
        DEFAULT_API_KEY,
        REALISTIC_LATENCY,
        FakeBundle,
        RunningFake,
    )
    from aniworld_testing._deployment import AniworldProcess, Deployment
    from aniworld_testing._fanart import FakeFanart
    from aniworld_testing._files import FakeFile, FakeFileServer, FileRequest
    from aniworld_testing._images import FakeImageHost
    from aniworld_testing._jikan import FakeJikan
    from aniworld_testing._options import FakeOptions, ImageFault
    from aniworld_testing._postgres import postgres_schema
    from aniworld_testing._process import RemoteBundle
    from aniworld_testing._serve import ServedApp, listening_socket, serve_app
    from aniworld_testing._service import FakeService
    from aniworld_testing._stats import RequestRecord, RequestStats
    from aniworld_testing._tmdb import FakeTMDB
    from aniworld_testing._tvmaze import FakeTVmaze
    from aniworld_testing.dataset import (
        GENERATED_START_ID,
        Dataset,
        EpisodeRecord,
        SeriesRecord,
        Show,
        ShowEpisode,
        generated,
    )

# Imported on first use, so that loading the pytest plugin costs nothing until a fake is used.
_EXPORTS = {
    "AniworldProcess": "_deployment",
    "Deployment": "_deployment",
    "DEFAULT_API_KEY": "_bundle",
    "Dataset": "dataset",
    "EpisodeRecord": "dataset",
    "FakeAniList": "_anilist",
    "FakeBundle": "_bundle",
    "FakeFanart": "_fanart",
    "FakeFile": "_files",
    "FakeFileServer": "_files",
    "FileRequest": "_files",
    "FakeImageHost": "_images",
    "FakeJikan": "_jikan",
    "FakeOptions": "_options",
    "FakeService": "_service",
    "FakeTMDB": "_tmdb",
    "FakeTVmaze": "_tvmaze",
    "GENERATED_START_ID": "dataset",
    "ImageFault": "_options",
    "REALISTIC_LATENCY": "_bundle",
    "RequestRecord": "_stats",
    "RemoteBundle": "_process",
    "RequestStats": "_stats",
    "RunningFake": "_bundle",
    "SeriesRecord": "dataset",
    "ServedApp": "_serve",
    "Show": "dataset",
    "ShowEpisode": "dataset",
    "generated": "dataset",
    "listening_socket": "_serve",
    "postgres_schema": "_postgres",
    "serve_app": "_serve",
}

__all__ = [
    "DEFAULT_API_KEY",
    "GENERATED_START_ID",
    "REALISTIC_LATENCY",
    "AniworldProcess",
    "Dataset",
    "Deployment",
    "EpisodeRecord",
    "FakeAniList",
    "FakeBundle",
    "FakeFanart",
    "FakeFile",
    "FakeFileServer",
    "FakeImageHost",
    "FakeJikan",
    "FakeOptions",
    "FakeService",
    "FakeTMDB",
    "FakeTVmaze",
    "FileRequest",
    "ImageFault",
    "RemoteBundle",
    "RequestRecord",
    "RequestStats",
    "RunningFake",
    "SeriesRecord",
    "ServedApp",
    "Show",
    "ShowEpisode",
    "generated",
    "listening_socket",
    "postgres_schema",
    "serve_app",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
