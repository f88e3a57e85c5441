"""The installed plugins together with the loader: an anime found on AniList gets its TVDB id
from TVmaze's search, and fanart.tv then supplies its clear logo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from aniworld_core import ArtworkKind, LoadingStatus, ProviderRef, SeriesApp, Settings

pytestmark = pytest.mark.anyio


async def test_a_logo_from_fanart_through_ids_matched_at_tvmaze(
    tmp_path: Path, fake_bundle: Any
) -> None:
    """Cowboy Bebop added by AniList id completes with a ``clearlogo.png`` from fanart.tv,
    its TVDB id found at TVmaze, and no provider asked for artwork it cannot give."""
    for name, fake in fake_bundle.fakes.items():
        if name != "images":
            fake.options.scale_rate_limits(60)
    overrides = {
        **fake_bundle.settings_overrides(),
        **{f"providers.{name}.rate_scale": 60
           for name in ("anilist", "jikan", "tvmaze", "tmdb", "fanart")},
        "data_dir": str(tmp_path / "data"),
        "library": [str(tmp_path / "library")],
        "load_entry_points": True,
    }
    (tmp_path / "library").mkdir()
    settings = Settings.load(env={}, overrides=overrides)
    async with SeriesApp.open(settings) as app:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(60):
            await app.wait_idle()
        series = await app.get_series(added.id)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert series.ids.tvdb == "76885"
    assert series.ids.extra.get("tvmaze") == "1253"
    folder = tmp_path / "library" / "Cowboy Bebop (1998)"
    logo = folder / "clearlogo.png"
    assert logo.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (folder / "fanart.jpg").is_file()
    assert ArtworkKind.POSTER in {art.kind for art in series.metadata.artwork}  # type: ignore[union-attr]
    jikan_paths = [record.path for record in fake_bundle.jikan.stats.records]
    assert not any(path.endswith("/pictures") for path in jikan_paths)
