"""The installed plugin as users get it: found through its entry point by a real SeriesApp,
unavailable without a key, working with one."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import pytest

from aniworld_core import ProviderRef, ProviderUnavailable, SeriesApp, Settings

pytestmark = pytest.mark.anyio


def settings(tmp_path: Path, overrides: dict[str, Any]) -> Settings:
    return Settings.load(overrides={**overrides, "data_dir": str(tmp_path),
                                    "load_entry_points": True})


async def test_register_metadata_providers_without_a_key(
    tmp_path: Path, fake_settings_overrides: dict[str, Any]
) -> None:
    """With entry points loaded and no key, SeriesApp lists TMDB with its package and version
    as unavailable, saying how to set the key; the other providers work on."""
    del fake_settings_overrides["providers.tmdb.api_key"]
    async with SeriesApp.open(settings(tmp_path, fake_settings_overrides)) as app:
        status = {status.name: status for status in app.providers()}["tmdb"]
        with pytest.raises(ProviderUnavailable, match="TMDB needs an API key"):
            await app.search("Cowboy Bebop", provider="tmdb")
        found = await app.search("Cowboy Bebop", provider="anilist")
    assert found[0].title == "Cowboy Bebop"
    assert (status.plugin, status.package) == ("tmdb", "aniworld-tmdb")
    assert status.version == importlib.metadata.version("aniworld-tmdb")
    assert status.id_type == "tmdb"
    assert not status.available
    assert status.reason == ("TMDB needs an API key: set ANIWORLD_TMDB_API_KEY or "
                             "[providers.tmdb] api_key")


async def test_with_a_key_tmdb_searches(tmp_path: Path,
                                        fake_settings_overrides: dict[str, Any]) -> None:
    """With a key TMDB is available and searches through the app."""
    async with SeriesApp.open(settings(tmp_path, fake_settings_overrides)) as app:
        status = {status.name: status for status in app.providers()}["tmdb"]
        found = await app.search("Cowboy Bebop", provider="tmdb")
    assert (status.available, status.reason) == (True, None)
    assert found[0].ref == ProviderRef("tmdb", "30991")
