"""The contract between aniworld and an episode source.

A source is a class a plugin registers through the ``register_episode_sources`` hook (see
:mod:`aniworld_core.providers.hookspecs`). aniworld makes one instance per ``SeriesApp`` with a
:class:`SourceContext` (its settings, ``[sources.NAME]``, and an HTTP client). Asked about an
episode (:class:`~aniworld_core.downloads.model.EpisodeWant`), it answers with offers; the
download manager then fetches an offer itself (``FetchMethod.HTTP``: ``.part`` staging,
resume, size and checksum checks, limits) or lets the source hand it to another program
(``FetchMethod.EXTERNAL``: :meth:`EpisodeSource.hand_off`).

aniworld ships no scraper: the built-in sources fetch only what the user points them at
(``http``: URL templates per series; ``import``: a downloads folder the user's tools fill).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import attrs
import httpx

from aniworld_core.downloads.model import EpisodeWant, Offer
from aniworld_core.errors import PluginError

SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")

#: ``report(done, total)``: bytes an external download has so far, and of how many.
Report = Callable[[int, int | None], None]


@attrs.frozen
class SourceContext:
    """What aniworld gives a source: its settings (``[sources.NAME]`` of the settings file,
    as given) and the HTTP client to use (timeouts set; no rate limit: a source that needs one
    keeps it)."""

    name: str
    settings: Mapping[str, Any]
    http: httpx.AsyncClient


@runtime_checkable
class EpisodeSource(Protocol):
    """An episode source. ``name`` is its key in settings, payloads and the API (lowercase
    letters, digits, ``-`` and ``_``); ``display_name`` is for people."""

    name: ClassVar[str]
    display_name: ClassVar[str]

    def __init__(self, context: SourceContext) -> None: ...

    async def find(self, want: EpisodeWant) -> Sequence[Offer]:
        """Offers for the episode, best first; none when the source has nothing (or is not
        set up for this series). Raise :class:`~aniworld_core.errors.DownloadError` for a
        failure people should see (the message names the source and what to fix)."""
        ...


@runtime_checkable
class HandsOff(Protocol):
    """A source whose offers (``FetchMethod.EXTERNAL``) another program fetches."""

    async def hand_off(self, offer: Offer, want: EpisodeWant, report: Report) -> Path:
        """Have the offer fetched, call ``report`` as it goes, and return the finished file;
        the manager then checks it and moves it to its name in the library. Raise
        :class:`~aniworld_core.errors.DownloadError` when it fails."""
        ...


def check_source_class(source: object, plugin: str) -> type[EpisodeSource]:
    """``source`` as a source class, or :class:`PluginError` naming ``plugin`` and what is
    wrong."""
    if not isinstance(source, type):
        raise PluginError(f"Plugin {plugin!r} registered {source!r} as an episode source: "
                          "register the class, not an instance.")
    name = getattr(source, "name", None)
    if not isinstance(name, str) or not SOURCE_NAME.match(name):
        raise PluginError(f"Plugin {plugin!r}: episode source {source.__name__} needs a "
                          "`name` of lowercase letters, digits, '-' and '_' (at most 32).")
    if not isinstance(getattr(source, "display_name", None), str):
        raise PluginError(f"Plugin {plugin!r}: episode source {name!r} needs a "
                          "`display_name`.")
    if not callable(getattr(source, "find", None)):
        raise PluginError(f"Plugin {plugin!r}: episode source {name!r} has no `find` method.")
    return source


#: ``find`` of every source, by name, as the manager calls them.
Finder = Callable[[EpisodeWant], Awaitable[Sequence[Offer]]]
