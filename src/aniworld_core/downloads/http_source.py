"""The built-in ``http`` episode source: URLs the user gives per series.

A person sets a URL template on a show (``SeriesApp.set_series_source(id, "http", {"url":
"https://nas.local/anime/Frieren/S{season:00}E{episode:00}.mkv"})``), their own server or
NAS. Tokens: ``{season}``, ``{episode}``, ``{absolute}`` (optionally zero-padded, Sonarr's
way: ``{episode:00}``, ``{absolute:000}``) and ``{title}`` (the show's title, URL-quoted).
Asked about an episode, the source fills the template and asks the server with ``HEAD`` whether
the file is there and how big it is; the download manager then fetches it.

Settings, ``[sources.http]``: ``timeout`` (seconds, default 20).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx

from aniworld_core.downloads.model import EpisodeWant, FetchMethod, Offer
from aniworld_core.downloads.sources import SourceContext
from aniworld_core.errors import DownloadError, InvalidInput
from aniworld_core.providers.hookspecs import RegisterSource, hookimpl

_TOKEN = re.compile(r"\{([a-z]+)(?::(0+))?\}")
TOKENS = ("season", "episode", "absolute", "title")
MAX_TEMPLATE = 2000


def check_url_template(template: object) -> str:
    """``template`` if it is an http(s) URL whose tokens are all known; else
    :class:`InvalidInput` naming field ``url`` and what is wrong."""
    if not isinstance(template, str) or not template.strip():
        raise InvalidInput("Give the URL template as text.", field="url")
    template = template.strip()
    if len(template) > MAX_TEMPLATE or any(ord(char) < 32 for char in template):
        raise InvalidInput("The URL template is too long or holds control characters.",
                           field="url")
    leftover = _TOKEN.sub("", template)
    if "{" in leftover or "}" in leftover:
        raise InvalidInput(f"Unknown or broken token in {template!r}: the tokens are "
                           + ", ".join(f"{{{token}}}" for token in TOKENS) + ".", field="url")
    for found in _TOKEN.finditer(template):
        if found.group(1) not in TOKENS:
            raise InvalidInput(f"Unknown token {{{found.group(1)}}}: the tokens are "
                               + ", ".join(f"{{{token}}}" for token in TOKENS) + ".",
                               field="url")
    parsed = urllib.parse.urlsplit(_TOKEN.sub("1", template))
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidInput(f"{template!r} is not an http:// or https:// URL.", field="url")
    return template


def fill(template: str, want: EpisodeWant) -> str:
    """The URL for ``want``; :class:`DownloadError` when it needs the absolute number and the
    episode has none."""
    values: dict[str, int | str | None] = {
        "season": want.season, "episode": want.episode, "absolute": want.absolute,
        "title": urllib.parse.quote(want.series_title)}

    def put(found: re.Match[str]) -> str:
        value = values[found.group(1)]
        if value is None:
            raise DownloadError(f"The http URL of {want.series_title!r} needs "
                                f"{{{found.group(1)}}}, and S{want.season:02d}E"
                                f"{want.episode:02d} has no absolute number.", permanent=True)
        width = len(found.group(2) or "")
        return f"{value:0{width}d}" if isinstance(value, int) and width else str(value)

    return _TOKEN.sub(put, template)


class HttpSource:
    """Offers the file the series' URL template names, when the server has it."""

    name: ClassVar[str] = "http"
    display_name: ClassVar[str] = "Your own server (URL template per series)"

    def __init__(self, context: SourceContext) -> None:
        self._http = context.http
        timeout = context.settings.get("timeout", 20.0)
        self._timeout = float(timeout) if isinstance(timeout, int | float) else 20.0

    @staticmethod
    def check_series_config(config: Mapping[str, Any]) -> dict[str, Any]:
        """What a person may set on a show: ``{"url": TEMPLATE}``."""
        unknown = set(config) - {"url"}
        if unknown:
            raise InvalidInput(f"The http source takes only 'url', not {sorted(unknown)}.",
                               field="config")
        return {"url": check_url_template(config.get("url"))}

    async def find(self, want: EpisodeWant) -> Sequence[Offer]:
        template = want.series_config.get("url")
        if not isinstance(template, str):
            return []
        url = fill(template, want)
        host = urllib.parse.urlsplit(url).hostname
        try:
            answer = await self._http.head(url, timeout=self._timeout, follow_redirects=True)
        except httpx.HTTPError as error:
            raise DownloadError(f"{host} did not answer ({type(error).__name__}).") from None
        if answer.status_code in (404, 410):
            return []
        size: int | None = None
        if answer.status_code == 405:  # no HEAD: the manager finds out when it fetches
            pass
        elif answer.status_code >= 400:
            raise DownloadError(f"{host} answered {answer.status_code} for {url}.",
                                permanent=answer.status_code < 500)
        else:
            length = answer.headers.get("content-length", "")
            size = int(length) if length.isdigit() else None
        title = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rpartition("/")[2]) or url
        return [Offer(source=self.name, title=title, url=url, size=size,
                      fetch=FetchMethod.HTTP)]


@hookimpl
def register_episode_sources(register: RegisterSource) -> None:
    register(HttpSource)
