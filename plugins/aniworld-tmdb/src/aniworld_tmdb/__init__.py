"""TMDB metadata for aniworld: search, series (with TVDB and IMDb ids), every season's episodes,
and artwork (posters, fanart, logos with their language, season posters). Needs a TMDB API key.

Installed, it registers itself through the ``aniworld`` entry point ``tmdb``; settings are
``[providers.tmdb]`` (``api_key``, ``url``, ``enabled``, ``timeout``) or ``ANIWORLD_TMDB_*``.
Without a key it is listed as unavailable, saying how to set one.
"""

from __future__ import annotations

from aniworld_core import RegisterProvider, hookimpl
from aniworld_tmdb._provider import TMDB


@hookimpl
def register_metadata_providers(register: RegisterProvider) -> None:
    register(TMDB)


__all__ = ["TMDB", "register_metadata_providers"]
