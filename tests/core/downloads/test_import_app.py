"""Imports through ``SeriesApp``: a finished file dropped into the watched downloads folder is
imported on its own, linked (no longer missing) and told as ``imports_changed``; a file no show
matches waits in the pending list until a person imports it by hand. Real database, real
folders, both anyio backends."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import attrs
import pytest

from aniworld_core import (
    EpisodeInfo,
    ImportsChanged,
    InvalidInput,
    PathNotAllowed,
    ProviderSettings,
    SeriesApp,
    Settings,
)
from aniworld_core.settings import DownloadSettings, WatchSettings
from aniworld_core.storage.library_store import LibraryStore

pytestmark = pytest.mark.anyio


@pytest.fixture
async def opened(settings: Settings, tmp_path: Path) -> AsyncIterator[SeriesApp]:
    show = tmp_path / "library" / "Mushishi (2005)"
    show.mkdir(parents=True)
    (show / "Mushishi - 01.mkv").write_bytes(b"v")
    (tmp_path / "downloads").mkdir()
    off = ProviderSettings(enabled=False)
    settings = attrs.evolve(
        settings, library=(tmp_path / "library",), providers={"anilist": off, "jikan": off},
        downloads=DownloadSettings(import_folder=tmp_path / "downloads"),
        watch=WatchSettings(settle=0.2, recheck=3600.0))
    async with SeriesApp.open(settings) as app:
        await app.scan()
        (series,) = await app.list_series()
        await LibraryStore(app._database).save_provider_episodes(series.id, [
            EpisodeInfo(number=n, title=f"Episode {n}", air_date=dt.date(2005, 10, 1))
            for n in range(1, 4)])
        yield app


async def test_a_finished_file_in_the_downloads_folder_is_imported_on_its_own(
        opened: SeriesApp, tmp_path: Path) -> None:
    app = opened
    (series,) = await app.list_series()
    async with app.events.subscribe(snapshot=False) as events:
        (tmp_path / "downloads" / "[Group] Mushishi - 02 [1080p].mkv").write_bytes(b"e" * 100)
        with anyio.fail_after(30):
            async for event in events:
                if isinstance(event, ImportsChanged) and event.imported:
                    break
    target = tmp_path / "library" / "Mushishi (2005)" / "Season 01" / \
        "Mushishi - S01E02 - Episode 2.mkv"
    assert target.read_bytes() == b"e" * 100
    assert not (tmp_path / "downloads" / "[Group] Mushishi - 02 [1080p].mkv").exists()
    assert [(e.season, e.number) for e in await app.missing_episodes(series.id)] == [(1, 3)]


async def test_an_unmatched_file_waits_for_a_manual_import(opened: SeriesApp,
                                                           tmp_path: Path) -> None:
    app = opened
    (series,) = await app.list_series()
    odd = tmp_path / "downloads" / "VTS_01_1.mkv"
    odd.write_bytes(b"o" * 10)
    an_hour_ago = time.time() - 3600
    os.utime(odd, (an_hour_ago, an_hour_ago))  # finished long ago
    report = await app.import_folder()
    assert [Path(p.path).name for p in report.pending] == ["VTS_01_1.mkv"]
    assert "still being written" not in report.pending[0].reason
    assert [Path(p.path).name for p in await app.pending_imports()] == ["VTS_01_1.mkv"]
    with pytest.raises(InvalidInput):
        await app.import_file(odd, series.id, 1, [])
    with pytest.raises(PathNotAllowed):
        await app.import_file(tmp_path / "library" / "Mushishi (2005)" / "Mushishi - 01.mkv",
                              series.id, 1, [3])
    imported = await app.import_file(odd, series.id, 1, [3])
    assert imported.target == "Season 01/Mushishi - S01E03 - Episode 3.mkv"
    assert await app.pending_imports() == []
    assert await app.missing_episodes(series.id) == [
        e for e in await app.missing_episodes(series.id) if e.number == 2]
    linked = {e.number: e.file_path for e in await app.episodes(series.id)}
    assert linked[3] == imported.target
