"""Artwork: only complete images are written, under the names Kodi and Jellyfin read."""

from __future__ import annotations

from pathlib import Path

import pytest

from aniworld_core import ArtworkKind, InvalidInput, LibraryError
from aniworld_core.library.artwork import MAX_ARTWORK_BYTES, artwork_filename, save_artwork

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x11" * 500 + b"\xff\xd9"
PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x22" * 500
       + b"\x00\x00\x00\x00IEND\xaeB`\x82")
WEBP = b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x33" * 500
HTML = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>"


@pytest.mark.parametrize(
    ("kind", "season", "name"),
    [
        (ArtworkKind.POSTER, None, "poster.jpg"),
        (ArtworkKind.FANART, None, "fanart.jpg"),
        (ArtworkKind.BANNER, None, "banner.jpg"),
        (ArtworkKind.CLEARLOGO, None, "clearlogo.png"),
        (ArtworkKind.LANDSCAPE, None, "landscape.jpg"),
        (ArtworkKind.SEASON_POSTER, 1, "season01-poster.jpg"),
        (ArtworkKind.SEASON_POSTER, 12, "season12-poster.jpg"),
        (ArtworkKind.SEASON_POSTER, 0, "season-specials-poster.jpg"),
    ],
)
def test_file_names(kind: ArtworkKind, season: int | None, name: str) -> None:
    """Each kind gets the file name both Kodi and Jellyfin read."""
    assert artwork_filename(kind, season) == name


def test_season_poster_needs_a_season() -> None:
    """A season poster without a season number is invalid input."""
    with pytest.raises(InvalidInput, match="season"):
        artwork_filename(ArtworkKind.SEASON_POSTER)


@pytest.mark.parametrize(
    ("kind", "data", "content_type", "name"),
    [
        (ArtworkKind.POSTER, JPEG, "image/jpeg", "poster.jpg"),
        (ArtworkKind.CLEARLOGO, PNG, "image/png; charset=binary", "clearlogo.png"),
        (ArtworkKind.POSTER, PNG, "image/png", "poster.png"),
        (ArtworkKind.FANART, WEBP, "image/webp", "fanart.webp"),
        (ArtworkKind.BANNER, JPEG, "application/octet-stream", "banner.jpg"),
        (ArtworkKind.FANART, JPEG, None, "fanart.jpg"),
    ],
)
def test_images_are_written_under_their_real_format(tmp_path: Path, kind: ArtworkKind,
                                                    data: bytes, content_type: str | None,
                                                    name: str) -> None:
    """A complete image is written whole; its extension follows its bytes, not its kind."""
    path = save_artwork(tmp_path, kind, data, content_type)
    assert path == tmp_path.resolve() / name
    assert path.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_season_posters_are_written(tmp_path: Path) -> None:
    """Season posters land under their season's name."""
    path = save_artwork(tmp_path, ArtworkKind.SEASON_POSTER, JPEG, "image/jpeg", season=2)
    assert path.name == "season02-poster.jpg"


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (HTML, "image/jpeg", r"not a JPEG, PNG or WebP image \(it is an HTML page\)"),
        (HTML, "text/html; charset=utf-8", r"is text/html, not an image \(it is an HTML page\)"),
        (b'{"status_code": 25}', "application/json",
         r"is application/json, not an image \(it is JSON\)"),
        (JPEG, "text/plain", "is text/plain, not an image"),
        (b"", "image/jpeg", "is empty"),
        (JPEG[:200], "image/jpeg", "truncated JPEG"),
        (PNG[:200], "image/png", "truncated PNG"),
        (b"GIF89a" + b"\0" * 50, "image/gif", "not a JPEG, PNG or WebP image"),
    ],
)
def test_what_is_not_a_complete_image_is_refused(tmp_path: Path, data: bytes,
                                                 content_type: str, message: str) -> None:
    """Error pages, JSON, empty and truncated downloads raise LibraryError saying what they
    are, and nothing is written."""
    with pytest.raises(LibraryError, match=message):
        save_artwork(tmp_path, ArtworkKind.POSTER, data, content_type)
    assert list(tmp_path.iterdir()) == []


def test_oversized_images_are_refused(tmp_path: Path) -> None:
    """An image over the size cap is refused before anything is written."""
    big = JPEG[:-2] + b"\0" * MAX_ARTWORK_BYTES + b"\xff\xd9"
    with pytest.raises(LibraryError, match="at most"):
        save_artwork(tmp_path, ArtworkKind.FANART, big, "image/jpeg")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_poster_is_replaced_whole(tmp_path: Path) -> None:
    """A new poster replaces the old one atomically; a refused download leaves the old one."""
    save_artwork(tmp_path, ArtworkKind.POSTER, JPEG, "image/jpeg")
    newer = JPEG[:-2] + b"\x44" * 100 + b"\xff\xd9"
    save_artwork(tmp_path, ArtworkKind.POSTER, newer, "image/jpeg")
    with pytest.raises(LibraryError):
        save_artwork(tmp_path, ArtworkKind.POSTER, HTML, "text/html")
    assert (tmp_path / "poster.jpg").read_bytes() == newer
