"""The fake image host serves real image files for every artwork URL, and misbehaves on demand."""

from __future__ import annotations

import struct
from urllib.parse import urlsplit

import httpx
import pytest

from aniworld_testing import (
    FakeAniList,
    FakeFanart,
    FakeImageHost,
    FakeOptions,
    FakeTMDB,
    FakeTVmaze,
    ImageFault,
)

pytestmark = pytest.mark.anyio

JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's SOF0 segment (walks the segments, so it checks them)."""
    position = 2
    while position < len(data):
        marker, length = data[position + 1], struct.unpack(">H", data[position + 2:position + 4])[0]
        if marker == 0xC0:
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return width, height
        position += 2 + length
    raise AssertionError("no SOF0 segment")


@pytest.fixture
def host() -> FakeImageHost:
    return FakeImageHost(options=FakeOptions())


async def fetch(host: FakeImageHost, url: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=host.app)) as client:
        return await client.get(url)


async def collect_artwork_urls(host: FakeImageHost) -> list[str]:
    """Artwork URLs as the other fakes hand them out for Cowboy Bebop."""
    options = FakeOptions()
    urls: list[str] = []
    anilist = FakeAniList(host.dataset, options=options)
    async with anilist.client() as client:
        media = (await client.post("/", json={"query": "{ Media(id: 1) { coverImage { "
                                              "extraLarge large medium } bannerImage } }"})).json()
    urls += [*media["data"]["Media"]["coverImage"].values(), media["data"]["Media"]["bannerImage"]]
    async with FakeTVmaze(host.dataset, options=options).client() as client:
        images = (await client.get("/shows/1253/images")).json()
    urls += [i["resolutions"]["original"]["url"] for i in images]
    async with FakeFanart(host.dataset, options=options).client() as client:
        art = (await client.get("/tv/76885", params={"api_key": "k"})).json()
    urls += [item["url"] for kind, items in art.items() if isinstance(items, list)
             for item in items]
    async with FakeTMDB(host.dataset, options=options).client() as client:
        config = (await client.get("/configuration", params={"api_key": "k"})).json()
        tmdb = (await client.get("/tv/30991/images", params={"api_key": "k"})).json()
    base = config["images"]["secure_base_url"] + "original"
    urls += [base + i["file_path"] for kind in ("posters", "backdrops", "logos")
             for i in tmdb[kind]]
    return [u for u in urls if u.startswith("http://")]


async def test_every_artwork_url_is_a_valid_image(host: FakeImageHost) -> None:
    """Each artwork URL from the fakes resolves to a JPEG or PNG with the right content type."""
    urls = await collect_artwork_urls(host)
    assert len(urls) >= 10
    for url in urls:
        response = await fetch(host, url)
        assert response.status_code == 200, url
        if urlsplit(url).path.endswith(".png"):
            assert response.headers["content-type"] == "image/png"
            assert response.content.startswith(PNG)
            assert response.content[12:16] == b"IHDR"
        else:
            assert response.headers["content-type"] == "image/jpeg"
            assert response.content.startswith(JPEG)
            assert response.content.endswith(b"\xff\xd9")


async def test_images_have_the_documented_sizes(host: FakeImageHost) -> None:
    """An hdtvlogo is an 800x310 PNG; an AniList large cover a 230x325 JPEG."""
    logo = await fetch(host, f"{host.image_url}/fanart/tv/fanart-hdtvlogo-76885-0.png")
    cover = await fetch(host, f"{host.image_url}/x/anilist-coverl-1-0.jpg")
    assert struct.unpack(">II", logo.content[16:24]) == (800, 310)
    assert jpeg_size(cover.content) == (230, 325)


async def test_unknown_series_and_names_are_404(host: FakeImageHost) -> None:
    """Artwork of a series the dataset doesn't have, or a name of no known kind, is a 404."""
    unknown = await fetch(host, f"{host.image_url}/x/anilist-coverl-424242-0.jpg")
    nonsense = await fetch(host, f"{host.image_url}/x/poster.jpg")
    lain = await fetch(host, f"{host.image_url}/x/fanart-hdtvlogo-78872-0.png")  # no fanart
    assert [r.status_code for r in (unknown, nonsense, lain)] == [404, 404, 404]


@pytest.mark.parametrize(
    ("fault", "status", "content_type", "check"),
    [
        (ImageFault.HTML_PAGE, 200, "image/jpeg", lambda body: body.startswith(b"<!DOCTYPE html")),
        (ImageFault.EMPTY, 200, "image/jpeg", lambda body: body == b""),
        (ImageFault.TRUNCATED, 200, "image/jpeg",
         lambda body: body.startswith(JPEG) and not body.endswith(b"\xff\xd9")),
        (ImageFault.WRONG_TYPE, 200, "application/octet-stream",
         lambda body: body.startswith(JPEG)),
    ],
)
async def test_image_faults(host: FakeImageHost, fault: ImageFault, status: int,
                            content_type: str, check: object) -> None:
    """Each misbehaviour knob serves what it promises, and the record names the fault."""
    host.options.image_fault = fault
    response = await fetch(host, f"{host.image_url}/x/anilist-coverxl-1-0.jpg")
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert callable(check)
    assert check(response.content)
    assert host.stats.faults() == [f"image:{fault}"]


async def test_oversized_images_send_the_promised_length(host: FakeImageHost) -> None:
    """OVERSIZED streams a valid image head padded to oversized_bytes, Content-Length included."""
    host.options.image_fault = ImageFault.OVERSIZED
    host.options.oversized_bytes = 2 * 1024 * 1024
    response = await fetch(host, f"{host.image_url}/x/tmdb-poster-1429-0.jpg")
    assert int(response.headers["content-length"]) == 2 * 1024 * 1024
    assert len(response.content) == 2 * 1024 * 1024
    assert response.content.startswith(JPEG)


async def test_image_fault_rate_hits_only_some_requests(host: FakeImageHost) -> None:
    """With image_fault_rate 0.5 some requests misbehave and the rest are valid images."""
    host.options.image_fault = ImageFault.EMPTY
    host.options.image_fault_rate = 0.5
    bodies = [(await fetch(host, f"{host.image_url}/x/mal-poster-21-0.jpg")).content
              for _ in range(20)]
    empty = sum(1 for b in bodies if b == b"")
    assert 0 < empty < 20
    assert all(b.startswith(JPEG) for b in bodies if b)
