"""The XML of ``tvshow.nfo`` and episode NFOs as Kodi and Jellyfin read them.

Whatever a provider sends, the output is well-formed XML 1.0: ElementTree escapes markup, and
characters XML cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF) are dropped.
Every document starts with a comment that marks it as aniworld's and carries a SHA-256 of the
rest, so a file a person edited afterwards is recognised and left alone.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from aniworld_core.metadata import ArtworkKind, ProviderIds, SeriesInfo
from aniworld_core.models import Episode

DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MARKER = re.compile(rb"\A<\?xml[^>]*\?>\n<!-- aniworld sha256:([0-9a-f]{64}) [^\n]*-->\n")
LOCKED = re.compile(rb"<lockdata>\s*true\s*</lockdata>", re.IGNORECASE)
_NOTE = "written by aniworld, which leaves it alone once you edit it or lock it (lockdata)"
# Everything XML 1.0 cannot hold; "\r" is kept (a parser reads it as a line break).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STATUS = {"finished": "Ended", "ended": "Ended", "cancelled": "Ended",
           "releasing": "Continuing", "airing": "Continuing", "continuing": "Continuing",
           "running": "Continuing", "currently airing": "Continuing"}
_THUMB_ASPECT = {ArtworkKind.POSTER: "poster", ArtworkKind.BANNER: "banner",
                 ArtworkKind.CLEARLOGO: "clearlogo", ArtworkKind.LANDSCAPE: "landscape",
                 ArtworkKind.SEASON_POSTER: "poster"}


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def tvshow_xml(info: SeriesInfo, ids: ProviderIds, *, primary_id_type: str) -> bytes:
    """The whole ``tvshow.nfo``."""
    show = _described("tvshow", info, ids, primary_id_type)
    all_ids = ids.merged(info.ids)
    if any(True for _ in all_ids.items()):
        _add(show, "episodeguide", json.dumps(all_ids.to_dict(), sort_keys=True))
    for number, name in info.season_names:
        _add(show, "namedseason", name, number=str(number))
    _artwork(show, info)
    return document([show])


def movie_xml(info: SeriesInfo, ids: ProviderIds, *, primary_id_type: str) -> bytes:
    """The whole ``movie.nfo`` of a movie folder (Kodi's and Jellyfin's ``<movie>``)."""
    movie = _described("movie", info, ids, primary_id_type)
    _artwork(movie, info)
    return document([movie])


def season_xml(number: int, info: SeriesInfo, *, primary_id_type: str) -> bytes:
    """A ``season.nfo`` (Jellyfin reads it in the season's folder): the season's number and the
    title, plot, date and ids of the provider entry behind it."""
    season = ET.Element("season")
    _add(season, "title", info.title)
    _add(season, "seasonnumber", str(number))
    _add(season, "plot", info.plot)
    if info.premiered:
        _add(season, "premiered", info.premiered.isoformat())
    year = info.year or (info.premiered.year if info.premiered else None)
    _add(season, "year", str(year) if year else None)
    _unique_ids(season, info.ids, primary_id_type)
    return document([season])


def _described(root: str, info: SeriesInfo, ids: ProviderIds,
               primary_id_type: str) -> ET.Element:
    """The elements ``tvshow.nfo`` and ``movie.nfo`` share."""
    show = ET.Element(root)
    _add(show, "title", info.title)
    if info.original_title and info.original_title != info.title:
        _add(show, "originaltitle", info.original_title)
    if root == "tvshow":
        _add(show, "showtitle", info.title)
    _add(show, "plot", info.plot)
    if info.premiered:
        _add(show, "premiered", info.premiered.isoformat())
    year = info.year or (info.premiered.year if info.premiered else None)
    _add(show, "year", str(year) if year else None)
    if info.status and root == "tvshow":
        _add(show, "status", _STATUS.get(info.status.strip().lower(), info.status))
    for genre in info.genres:
        _add(show, "genre", genre)
    for studio in info.studios:
        _add(show, "studio", studio)
    if info.rating is not None:
        ratings = ET.SubElement(show, "ratings")
        rating = ET.SubElement(ratings, "rating",
                               {"name": clean(info.ref.provider), "max": "10", "default": "true"})
        _add(rating, "value", f"{info.rating:.1f}")
        if info.votes is not None:
            _add(rating, "votes", str(info.votes))
    _unique_ids(show, ids.merged(info.ids), primary_id_type)
    return show


def episode_xml(info: SeriesInfo, ids: ProviderIds, episodes: Sequence[Episode], *,
                primary_id_type: str) -> bytes:
    """An episode NFO: one ``<episodedetails>`` per episode the file holds (Kodi's form for
    multi-episode files)."""
    blocks = []
    series_ref = _primary(ids.merged(info.ids), primary_id_type)
    for episode in episodes:
        details = ET.Element("episodedetails")
        _add(details, "title", episode.title or f"Episode {episode.number}")
        _add(details, "showtitle", info.title)
        _add(details, "season", str(episode.season))
        _add(details, "episode", str(episode.number))
        if episode.air_date:
            _add(details, "aired", episode.air_date.isoformat())
        _add(details, "plot", episode.plot)
        if series_ref is not None:
            # No provider gives episode ids aniworld keeps; a stable id of our own instead.
            id_type, value = series_ref
            _add(details, "uniqueid",
                 f"{id_type}-{value}-s{episode.season:02d}e{episode.number:02d}",
                 type="aniworld", default="true")
        blocks.append(details)
    return document(blocks)


def document(elements: Sequence[ET.Element]) -> bytes:
    """Declaration, the marker comment with the digest, then the elements."""
    body = b""
    for element in elements:
        ET.indent(element, space="  ")
        body += ET.tostring(element, encoding="utf-8", xml_declaration=False) + b"\n"
    digest = hashlib.sha256(body).hexdigest()
    return DECLARATION + f"<!-- aniworld sha256:{digest} {_NOTE} -->\n".encode() + body


def is_ours(content: bytes) -> bool | None:
    """``True``: aniworld wrote it and nobody changed it; ``False``: aniworld wrote it and
    someone edited it; ``None``: aniworld did not write it."""
    marker = MARKER.match(content)
    if marker is None:
        return None
    return hashlib.sha256(content[marker.end():]).hexdigest() == marker.group(1).decode()


def is_episode_nfo(content: bytes) -> bool:
    """Whether aniworld wrote ``content`` as an episode NFO and nobody changed it since."""
    marker = MARKER.match(content)
    return (marker is not None and is_ours(content) is True
            and content[marker.end():].startswith(b"<episodedetails>"))


def is_locked(content: bytes) -> bool:
    """Whether the NFO says ``<lockdata>true</lockdata>`` (the user's, never to be replaced)."""
    return LOCKED.search(content) is not None


def _add(parent: ET.Element, tag: str, text: str | None, **attributes: str) -> None:
    if text is None or not clean(text).strip():
        return
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attributes.items()})
    element.text = clean(text)


def _unique_ids(show: ET.Element, ids: ProviderIds, primary_id_type: str) -> None:
    primary = _primary(ids, primary_id_type)
    for id_type, value in ids.items():
        attributes = {"type": id_type}
        if primary is not None and id_type == primary[0]:
            attributes["default"] = "true"
        _add(show, "uniqueid", value, **attributes)


def _primary(ids: ProviderIds, primary_id_type: str) -> tuple[str, str] | None:
    value = ids.get(primary_id_type)
    if value is not None:
        return primary_id_type, value
    return next(ids.items(), None)


def _artwork(show: ET.Element, info: SeriesInfo) -> None:
    fanart: list[str] = []
    for art in info.artwork:
        if art.kind is ArtworkKind.FANART:
            fanart.append(art.url)
        elif art.kind is ArtworkKind.SEASON_POSTER and art.season is not None:
            _add(show, "thumb", art.url, aspect="poster", type="season", season=str(art.season))
        elif art.kind in _THUMB_ASPECT:
            _add(show, "thumb", art.url, aspect=_THUMB_ASPECT[art.kind])
    if fanart:
        backdrops = ET.SubElement(show, "fanart")
        for url in fanart:
            _add(backdrops, "thumb", url)
