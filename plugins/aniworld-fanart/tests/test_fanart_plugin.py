"""The installed plugin as users get it: found through its entry point by a real SeriesApp,
unavailable without a key, available with one."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from aniworld_core import Capability, SeriesApp, Settings

pytestmark = pytest.mark.anyio


async def test_register_metadata_providers_without_a_key(tmp_path: Path) -> None:
    """With entry points loaded and no key, SeriesApp lists fanart.tv with its package and
    version as unavailable, saying how to set the key."""
    settings = Settings(data_dir=tmp_path, load_entry_points=True)
    async with SeriesApp.open(settings) as app:
        status = {status.name: status for status in app.providers()}["fanart"]
    assert (status.plugin, status.package) == ("fanart", "aniworld-fanart")
    assert status.version == importlib.metadata.version("aniworld-fanart")
    assert (status.id_type, status.capabilities) == ("tvdb", {Capability.ARTWORK})
    assert not status.available
    assert status.reason == ("fanart.tv needs an API key: set ANIWORLD_FANART_API_KEY or "
                             "[providers.fanart] api_key")


async def test_with_a_key_from_the_environment_it_is_available(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key in ANIWORLD_FANART_API_KEY makes fanart.tv available at its default URL."""
    monkeypatch.setenv("ANIWORLD_FANART_API_KEY", "a-key")
    settings = Settings.load(overrides={"data_dir": str(tmp_path), "load_entry_points": True})
    async with SeriesApp.open(settings) as app:
        status = {status.name: status for status in app.providers()}["fanart"]
    assert (status.available, status.reason) == (True, None)
    assert status.url == "https://webservice.fanart.tv/v3"
