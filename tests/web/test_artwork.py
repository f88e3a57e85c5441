"""Pages show the library's own poster and fanart through an authenticated route, never a
provider's image, and the CSP lets images come from aniworld only."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest

from aniworld_core import ProviderRef
from aniworld_web.headers import CONTENT_SECURITY_POLICY

from .conftest import Web, log_in

pytestmark = pytest.mark.anyio

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + b"\x00\x00\x00\x00IEND\xaeB`\x82"


async def scanned(web: Web, library: Path, name: str = "Cowboy Bebop (1998)") -> str:
    """A series found by a scan of ``library`` in a folder called ``name``; its id."""
    (library / name).mkdir(parents=True, exist_ok=True)
    await web.core.scan([library])
    [series] = [s for s in await web.core.list_series() if s.folder == name]
    return series.id


async def test_the_folders_poster_and_fanart_are_served(web: Web, script: httpx.AsyncClient,
                                                        tmp_path: Path) -> None:
    """poster.jpg and fanart.png from the series folder come back byte for byte with their
    types; a kind the folder lacks, or no such kind at all, is 404."""
    series_id = await scanned(web, tmp_path / "library")
    folder = tmp_path / "library" / "Cowboy Bebop (1998)"
    base = f"/api/series/{series_id}/artwork"
    assert (await script.get(f"{base}/poster")).status_code == 404
    (folder / "poster.jpg").write_bytes(JPEG)
    (folder / "fanart.png").write_bytes(PNG)
    poster = await script.get(f"{base}/poster")
    assert (poster.status_code, poster.headers["content-type"]) == (200, "image/jpeg")
    assert poster.content == JPEG
    assert "private" in poster.headers["cache-control"]
    fanart = await script.get(f"{base}/fanart")
    assert (fanart.headers["content-type"], fanart.content) == ("image/png", PNG)
    assert (await script.get(f"{base}/banner")).status_code == 404
    assert (await script.get("/api/series/00000000-0000-4000-8000-000000000000/artwork/poster"
                             )).status_code == 404


async def test_artwork_needs_a_login(web: Web, anonymous: httpx.AsyncClient,
                                     tmp_path: Path) -> None:
    """Anonymous callers get no image; a logged-in page does (its cookie goes along)."""
    series_id = await scanned(web, tmp_path / "library")
    (tmp_path / "library" / "Cowboy Bebop (1998)" / "poster.jpg").write_bytes(JPEG)
    path = f"/api/series/{series_id}/artwork/poster"
    assert (await anonymous.get(path)).status_code == 401
    await log_in(anonymous)
    assert (await anonymous.get(path)).content == JPEG


async def test_a_poster_leading_out_of_the_folder_is_not_served(
        web: Web, script: httpx.AsyncClient, tmp_path: Path) -> None:
    """A poster.jpg that is a symlink to a file outside the series folder counts as none."""
    series_id = await scanned(web, tmp_path / "library")
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(JPEG)
    (tmp_path / "library" / "Cowboy Bebop (1998)" / "poster.jpg").symlink_to(secret)
    assert (await script.get(f"/api/series/{series_id}/artwork/poster")).status_code == 404


async def test_pages_load_no_provider_images(loading_web: Web, tmp_path: Path) -> None:
    """A loaded series whose provider offered a poster is shown with the folder's own poster
    route on the library and series pages; the provider's URL appears nowhere."""
    series = await loading_web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
    with anyio.fail_after(30):
        await loading_web.core.wait_idle()
    loaded = await loading_web.core.get_series(series.id)
    assert loaded.poster_url is not None
    await scanned(loading_web, tmp_path / "library", "Trigun")
    await loading_web.user()
    async with loading_web.client() as client:
        await log_in(client)
        pages = [(await client.get(path, headers={"Accept": "text/html"})).text
                 for path in ("/", f"/series/{series.id}")]
    for page in pages:
        assert loaded.poster_url not in page
        assert "<img" not in page
    assert 'data-src="/api/series/' in pages[0]


def test_the_csp_allows_images_from_aniworld_only() -> None:
    """Images may come from aniworld itself or data: URLs, nowhere else."""
    assert "img-src 'self' data:;" in CONTENT_SECURITY_POLICY
    assert "http:" not in CONTENT_SECURITY_POLICY
    assert "https:" not in CONTENT_SECURITY_POLICY
