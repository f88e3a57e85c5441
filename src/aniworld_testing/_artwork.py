"""Artwork URLs on the fake image host: how the fakes build them and how the host reads them.

Every image URL ends in ``{provider}-{kind}-{id}-{index}.{ext}``; the folders before it mimic
the real CDNs and are ignored by the host. ``id`` is the provider's own id of the series (TVDB id
for fanart.tv), so the host can answer 404 for series the dataset doesn't have.
"""

from __future__ import annotations

import re

import attrs

#: The image host the fakes point at until told otherwise (``.invalid`` never resolves).
DEFAULT_IMAGE_URL = "http://images.invalid"

#: ``(provider, kind) -> (extension, width, height)``.
KINDS: dict[tuple[str, str], tuple[str, int, int]] = {
    ("anilist", "coverxl"): ("jpg", 460, 650),
    ("anilist", "coverl"): ("jpg", 230, 325),
    ("anilist", "coverm"): ("jpg", 100, 142),
    ("anilist", "banner"): ("jpg", 1900, 400),
    ("mal", "poster"): ("jpg", 225, 318),
    ("mal", "postersmall"): ("jpg", 50, 70),
    ("mal", "posterlarge"): ("jpg", 425, 600),
    ("tvmaze", "poster"): ("jpg", 680, 1000),
    ("tvmaze", "postermedium"): ("jpg", 210, 295),
    ("tvmaze", "background"): ("jpg", 1920, 1080),
    ("tvmaze", "banner"): ("jpg", 758, 140),
    ("tvmaze", "typography"): ("png", 800, 310),
    ("tvmaze", "episode"): ("jpg", 1280, 720),
    ("tvmaze", "episodemedium"): ("jpg", 250, 140),
    ("tmdb", "poster"): ("jpg", 500, 750),
    ("tmdb", "backdrop"): ("jpg", 1280, 720),
    ("tmdb", "logo"): ("png", 500, 194),
    ("tmdb", "still"): ("jpg", 1280, 720),
    ("fanart", "hdtvlogo"): ("png", 800, 310),
    ("fanart", "clearlogo"): ("png", 400, 155),
    ("fanart", "showbackground"): ("jpg", 1920, 1080),
    ("fanart", "tvposter"): ("jpg", 1000, 1426),
    ("fanart", "tvbanner"): ("jpg", 1000, 185),
    ("fanart", "seasonposter"): ("jpg", 1000, 1426),
}

_FOLDERS = {
    "anilist": "file/anilistcdn/media/anime",
    "mal": "images/anime",
    "tvmaze": "uploads/images/original_untouched",
    "tmdb": "t/p/original",
    "fanart": "fanart/tv",
}

_NAME = re.compile(r"(?P<provider>[a-z]+)-(?P<kind>[a-z]+)-(?P<ident>\d+)-(?P<index>\d+)"
                   r"\.(?P<ext>jpg|png)")


@attrs.frozen
class ImageName:
    """A parsed image file name."""

    provider: str
    kind: str
    ident: int
    index: int
    extension: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return "image/png" if self.extension == "png" else "image/jpeg"


def file_name(provider: str, kind: str, ident: int, index: int = 0) -> str:
    """``tmdb-poster-1429-0.jpg``."""
    extension = KINDS[(provider, kind)][0]
    return f"{provider}-{kind}-{ident}-{index}.{extension}"


def image_url(base: str, provider: str, kind: str, ident: int, index: int = 0) -> str:
    """The full URL of an image on the host at ``base``."""
    return f"{base}/{_FOLDERS[provider]}/{file_name(provider, kind, ident, index)}"


def tmdb_file_path(kind: str, ident: int, index: int = 0) -> str:
    """TMDB's ``file_path`` (``/tmdb-poster-1429-0.jpg``); the URL is
    ``{secure_base_url}original{file_path}``."""
    return "/" + file_name("tmdb", kind, ident, index)


def parse_image_path(path: str) -> ImageName | None:
    """The image a request path names, or ``None`` when it names no known kind."""
    match = _NAME.fullmatch(path.rsplit("/", 1)[-1])
    if match is None:
        return None
    provider, kind = match["provider"], match["kind"]
    known = KINDS.get((provider, kind))
    if known is None or known[0] != match["ext"]:
        return None
    return ImageName(provider, kind, int(match["ident"]), int(match["index"]), known[0],
                     known[1], known[2])
