"""The episode sources of one ``SeriesApp``: one instance of each registered source, in the
order they are asked, and the HTTP client they and the download manager share."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx

from aniworld_core._version import __version__
from aniworld_core.downloads.model import SourceInfo
from aniworld_core.downloads.sources import EpisodeSource, SourceContext
from aniworld_core.errors import InvalidInput
from aniworld_core.providers.manager import PluginManager, RegisteredSource
from aniworld_core.providers.transport import shared_ssl_context
from aniworld_core.settings import Settings

log = logging.getLogger(__name__)
#: The built-in source that is no plugin: files of the downloads folder.
IMPORT = "import"
#: Seconds to connect and between two reads of a download before it counts as timed out.
TIMEOUT = httpx.Timeout(30.0, connect=15.0)


def _ordered(found: Sequence[RegisteredSource], order: Sequence[str]
             ) -> list[RegisteredSource]:
    by_name = {entry.name: entry for entry in found}
    first = [by_name[name] for name in order if name in by_name]
    rest = sorted((entry for entry in found if entry.name not in order),
                  key=lambda entry: (not entry.builtin, entry.name))
    return first + rest


class SourceSet:
    """Started sources by name, in asking order."""

    def __init__(self, sources: Mapping[str, EpisodeSource],
                 registered: Sequence[RegisteredSource], problems: Mapping[str, str],
                 http: httpx.AsyncClient, settings: Settings) -> None:
        self._sources = dict(sources)
        self._registered = list(registered)
        self._problems = dict(problems)
        self.http = http
        self._settings = settings

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings, plugins: PluginManager, *,
                   transport: httpx.AsyncBaseTransport | None = None
                   ) -> AsyncIterator[SourceSet]:
        registered = _ordered(plugins.episode_sources(), settings.downloads.sources)
        async with httpx.AsyncClient(
                transport=transport, timeout=TIMEOUT, follow_redirects=True,
                verify=shared_ssl_context(),
                headers={"User-Agent": f"aniworld/{__version__}"}) as http:
            sources: dict[str, EpisodeSource] = {}
            problems: dict[str, str] = {}
            for entry in registered:
                context = SourceContext(entry.name, settings.sources.get(entry.name, {}), http)
                try:
                    sources[entry.name] = entry.source(context)
                except Exception as error:
                    log.exception("Episode source %s failed to start", entry.name)
                    problems[entry.name] = f"failed to start: {type(error).__name__}: {error}"
            yield cls(sources, registered, problems, http, settings)

    def names(self) -> list[str]:
        """The started sources, in the order they are asked."""
        return [entry.name for entry in self._registered if entry.name in self._sources]

    def get(self, name: object) -> EpisodeSource:
        """The source ``name``; :class:`InvalidInput` (field ``source``) naming the known ones
        when there is none, or saying why it did not start."""
        if isinstance(name, str) and name in self._sources:
            return self._sources[name]
        if isinstance(name, str) and name in self._problems:
            raise InvalidInput(f"The episode source {name!r} {self._problems[name]}.",
                               field="source")
        known = ", ".join(self.names()) or "none"
        raise InvalidInput(f"No episode source {name!r} (the sources: {known}).",
                           field="source")

    def check_series_config(self, name: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """What a person sets for source ``name`` on a show, as the source accepts it."""
        source = self.get(name)
        check = getattr(source, "check_series_config", None)
        if not isinstance(config, Mapping):
            raise InvalidInput("The configuration is an object of settings.", field="config")
        if check is None:
            return dict(config)
        checked = check(config)
        return dict(checked)

    def infos(self) -> list[SourceInfo]:
        """Every source people may use: the plugins' and the downloads folder's."""
        found = [SourceInfo(entry.name, entry.source.display_name, entry.builtin,
                            self._problems.get(entry.name)) for entry in self._registered]
        folder = self._settings.downloads.import_folder
        found.append(SourceInfo(
            IMPORT, "Completed downloads folder", True,
            None if folder is not None else
            "no downloads folder is set (downloads.import_folder)"))
        return found
