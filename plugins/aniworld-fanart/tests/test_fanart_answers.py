"""fanart.tv documents the fake server does not give: every image type, odd seasons and likes,
and JSON of the wrong shape, which must become a ProviderError naming fanart.tv and the
request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from aniworld_fanart import Fanart

from aniworld_core import (
    Artwork,
    ArtworkKind,
    ProviderError,
    ProviderRef,
    ProviderSettings,
    open_provider,
)

pytestmark = pytest.mark.anyio

BEBOP = ProviderRef("fanart", "76885")
KEY = ProviderSettings(api_key="key")
ASSETS = "https://assets.fanart.tv/fanart/tv/76885"


def answering(body: Any) -> httpx.MockTransport:
    """fanart.tv at the process edge: ``/v3/tv/76885`` answers ``body``."""

    def handle(request: httpx.Request) -> httpx.Response:
        assert (request.url.path, request.url.params["api_key"]) == ("/v3/tv/76885", "key")
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handle)


def image(name: str, lang: str = "en", likes: str = "1", **changes: str) -> dict[str, str]:
    return {"id": "1", "url": f"{ASSETS}/{name}", "lang": lang, "likes": likes, **changes}


async def fetch(body: Any) -> list[Artwork]:
    async with open_provider(Fanart, KEY, transport=answering(body)) as fanart:
        return list(await fanart.fetch_artwork(BEBOP))


async def test_every_image_type_is_mapped() -> None:
    """Each fanart.tv type becomes the artwork Kodi and Jellyfin read; SD logos stay where no HD
    logo has their language; types aniworld does not write are left out."""
    artwork = await fetch({
        "name": "Cowboy Bebop", "thetvdb_id": "76885",
        "hdtvlogo": [image("hd-en.png", likes="7")],
        "clearlogo": [image("sd-en.png"), image("sd-ja.png", lang="ja")],
        "showbackground": [image("bg.jpg", lang="", season="all")],
        "tvposter": [image("poster.jpg", lang="00", likes="3")],
        "tvbanner": [image("banner.jpg")],
        "tvthumb": [image("thumb.jpg")],
        "seasonposter": [image("s1.jpg", season="1"), image("s0.jpg", season="0")],
        "clearart": [image("clearart.png")],
        "characterart": [image("character.png")],
    })
    assert artwork == [
        Artwork(ArtworkKind.CLEARLOGO, f"{ASSETS}/hd-en.png", language="en", score=7.0),
        Artwork(ArtworkKind.CLEARLOGO, f"{ASSETS}/sd-ja.png", language="ja", score=1.0),
        Artwork(ArtworkKind.FANART, f"{ASSETS}/bg.jpg", score=1.0),
        Artwork(ArtworkKind.POSTER, f"{ASSETS}/poster.jpg", language="00", score=3.0),
        Artwork(ArtworkKind.BANNER, f"{ASSETS}/banner.jpg", language="en", score=1.0),
        Artwork(ArtworkKind.LANDSCAPE, f"{ASSETS}/thumb.jpg", language="en", score=1.0),
        Artwork(ArtworkKind.SEASON_POSTER, f"{ASSETS}/s1.jpg", season=1, language="en",
                score=1.0),
        Artwork(ArtworkKind.SEASON_POSTER, f"{ASSETS}/s0.jpg", season=0, language="en",
                score=1.0),
    ]


async def test_images_without_a_url_or_season_are_left_out() -> None:
    """A season poster for "all" seasons or none, and an image without a URL, are skipped;
    likes that are not a number score nothing."""
    artwork = await fetch({
        "tvposter": [image("poster.jpg", likes="many"), {"id": "2", "lang": "en"}],
        "seasonposter": [image("all.jpg", season="all"), image("none.jpg", season="")],
    })
    assert artwork == [Artwork(ArtworkKind.POSTER, f"{ASSETS}/poster.jpg", language="en")]


@pytest.mark.parametrize(("body", "message"), [
    ([image("poster.jpg")], "the answer is not an object"),
    ({"hdtvlogo": {"url": f"{ASSETS}/hd.png"}}, "hdtvlogo is not a list"),
    ({"tvposter": [f"{ASSETS}/poster.jpg"]}, "an item of tvposter is not an object"),
])
async def test_an_answer_of_the_wrong_shape_is_a_provider_error(body: Any, message: str) -> None:
    """JSON that is not what fanart.tv documents is a ProviderError naming fanart.tv, the request
    and what is wrong, never a KeyError or TypeError."""
    with pytest.raises(ProviderError) as caught:
        await fetch(body)
    assert str(caught.value) == f"fanart: artwork of TVDB 76885: unexpected answer: {message}"
