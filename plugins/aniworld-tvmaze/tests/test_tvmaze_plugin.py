"""The installed plugin as users get it: found through its entry point by a real SeriesApp."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import pytest

from aniworld_core import Capability, ProviderRef, SeriesApp, Settings

pytestmark = pytest.mark.anyio


async def test_register_metadata_providers_through_the_entry_point(tmp_path: Path) -> None:
    """With entry points loaded, SeriesApp lists TVmaze with its package, version and
    capabilities, available without any key."""
    settings = Settings(data_dir=tmp_path, load_entry_points=True)
    async with SeriesApp.open(settings) as app:
        status = {status.name: status for status in app.providers()}["tvmaze"]
    assert (status.plugin, status.package) == ("tvmaze", "aniworld-tvmaze")
    assert status.version == importlib.metadata.version("aniworld-tvmaze")
    assert (status.available, status.reason) == (True, None)
    assert (status.id_type, status.url) == ("tvmaze", "https://api.tvmaze.com")
    assert status.capabilities == set(Capability)


async def test_without_entry_points_aniworld_does_not_load_it(tmp_path: Path) -> None:
    """aniworld only loads installed plugins when asked (``load_entry_points``)."""
    settings = Settings(data_dir=tmp_path, load_entry_points=False)
    async with SeriesApp.open(settings) as app:
        assert "tvmaze" not in {status.name for status in app.providers()}


async def test_a_series_found_on_tvmaze_keeps_its_ids(
    tmp_path: Path, fake_settings_overrides: dict[str, Any]
) -> None:
    """Searching TVmaze through the app yields the TVDB id; a series added by its TVmaze ref
    keeps that id as the extra id ``tvmaze``, where aniworld looks for TVmaze's refs."""
    settings = Settings.load(overrides={**fake_settings_overrides, "data_dir": str(tmp_path),
                                        "load_entry_points": True})
    async with SeriesApp.open(settings) as app:
        best = (await app.search("Cowboy Bebop", provider="tvmaze"))[0]
        series = await app.add_series(best.title, ProviderRef("tvmaze", "1253"))
    assert (best.ref, best.ids.tvdb) == (ProviderRef("tvmaze", "1253"), "76885")
    assert series.ids.get("tvmaze") == "1253"
    assert series.ids.tvdb is None  # the loader merges the search result's ids later
