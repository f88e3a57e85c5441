"""Artwork files in a series folder, named as Kodi and Jellyfin look for them.

A download is written only if it is an image: the content type says so (or says nothing more
specific than ``application/octet-stream``), the first bytes are those of a JPEG, PNG or WebP
file, it is complete (a JPEG ends with its end marker, a PNG with its ``IEND`` chunk), it is
not empty and not larger than :data:`MAX_ARTWORK_BYTES`. An error page saved as ``poster.jpg``
would hide the poster from every media server, so it is refused with a clear message.
The file's extension follows the actual format: a PNG poster is ``poster.png``.
"""

from __future__ import annotations

from pathlib import Path

from aniworld_core.errors import InvalidInput, LibraryError, PathNotAllowed
from aniworld_core.library.atomic import atomic_write
from aniworld_core.library.paths import confined, series_dir
from aniworld_core.metadata import ArtworkKind

MAX_ARTWORK_BYTES = 20 * 1024 * 1024

_DEFAULT_EXTENSION = {
    ArtworkKind.POSTER: "jpg",
    ArtworkKind.FANART: "jpg",
    ArtworkKind.BANNER: "jpg",
    ArtworkKind.CLEARLOGO: "png",
    ArtworkKind.LANDSCAPE: "jpg",
    ArtworkKind.SEASON_POSTER: "jpg",
}
_GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_JPEG_END = b"\xff\xd9"
_JPEG_TAIL = 4096  # some encoders pad after the end marker


def artwork_filename(kind: ArtworkKind, season: int | None = None, *,
                     extension: str | None = None) -> str:
    """``poster.jpg``, ``clearlogo.png``, ``season01-poster.jpg``,
    ``season-specials-poster.jpg`` (season 0). Season posters need ``season``."""
    suffix = extension or _DEFAULT_EXTENSION[kind]
    if kind is not ArtworkKind.SEASON_POSTER:
        return f"{kind.value}.{suffix}"
    if season is None or season < 0:
        raise InvalidInput("A season poster needs a season number (0 for specials).",
                           field="season")
    if season == 0:
        return f"season-specials-poster.{suffix}"
    return f"season{season:02d}-poster.{suffix}"


def existing_artwork(series_dir: Path, kind: ArtworkKind, season: int | None = None
                     ) -> Path | None:
    """The non-empty artwork file of ``kind`` already in ``series_dir``, in any format."""
    for extension in ("jpg", "png", "webp"):
        path = series_dir / artwork_filename(kind, season, extension=extension)
        if path.is_file() and path.stat().st_size > 0:
            return path
    return None


def own_artwork(root: Path, folder: str, kind: ArtworkKind) -> Path | None:
    """The artwork of ``kind`` in the series folder ``root/folder`` (what a frontend shows
    instead of a provider's copy), if there is one; never a file outside that folder (a
    symlink leading out counts as none). Synchronous: it looks at the disk."""
    try:
        directory = series_dir(root, folder)
        found = existing_artwork(directory, kind)
        return None if found is None else confined(directory, found.name)
    except (PathNotAllowed, OSError):
        return None


def save_artwork(series_dir: Path, kind: ArtworkKind, data: bytes, content_type: str | None, *,
                 season: int | None = None) -> Path:
    """Check ``data`` is a complete image and write it atomically into ``series_dir``; returns
    the path written. Synchronous: run it in a worker thread.

    Raises :class:`LibraryError` for what is not an image (with what it is instead), empty or
    oversized data, and failed writes (disk full, permission denied: nothing is left behind).
    """
    name = artwork_filename(kind, season)
    extension = image_extension(data, content_type, what=name)
    path = confined(series_dir, artwork_filename(kind, season, extension=extension))
    atomic_write(path, data)
    return path


def image_extension(data: bytes, content_type: str | None, *, what: str) -> str:
    """``jpg``, ``png`` or ``webp`` for a complete image; :class:`LibraryError` otherwise."""
    if not data:
        raise LibraryError(f"The download for {what} is empty.")
    if len(data) > MAX_ARTWORK_BYTES:
        raise LibraryError(f"The download for {what} is {len(data):,} bytes; at most "
                           f"{MAX_ARTWORK_BYTES:,} are accepted.")
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type and not media_type.startswith("image/") and media_type not in _GENERIC_TYPES:
        raise LibraryError(f"The download for {what} is {media_type}, not an image"
                           f"{_looks_like(data)}.")
    if data.startswith(b"\xff\xd8\xff"):
        if _JPEG_END not in data[-_JPEG_TAIL:]:
            raise LibraryError(f"The download for {what} is a truncated JPEG image.")
        return "jpg"
    if data.startswith(_PNG_SIGNATURE):
        if not data.rstrip(b"\x00").endswith(_PNG_END):
            raise LibraryError(f"The download for {what} is a truncated PNG image.")
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise LibraryError(f"The download for {what} is not a JPEG, PNG or WebP image"
                       f"{_looks_like(data)}.")


def _looks_like(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if b"<html" in head or head.startswith(b"<!doctype html"):
        return " (it is an HTML page)"
    if head.startswith((b"{", b"[")):
        return " (it is JSON)"
    if head.startswith(b"<"):
        return " (it is XML)"
    return ""
