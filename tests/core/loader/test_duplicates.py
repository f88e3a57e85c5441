"""A provider entry is one series of the library: a second folder identified as an entry that
another series already is asks the user which it is, instead of taking the id (and later
writing into its folder as if it were that series). Real files, the fake providers, the
database(s) under test."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from aniworld_core import LoadingStatus, ProviderRef, Series, SeriesApp, SeriesExists, Settings

pytestmark = pytest.mark.anyio


def episode_folder(library: Path, name: str, count: int = 2) -> Path:
    folder = library / name
    folder.mkdir(parents=True)
    for number in range(1, count + 1):
        (folder / f"{name} - {number:02d}.mkv").write_bytes(b"video")
    return folder


@pytest.fixture
def library(app_settings: Settings) -> Path:
    assert app_settings.library
    return app_settings.library[0]


async def scan_and_load(settings: Settings) -> dict[str, Series]:
    """Scan, load until idle; the series by folder name."""
    async with SeriesApp.open(settings) as app:
        await app.scan()
        with anyio.fail_after(60):
            await app.wait_idle()
        return {series.folder or "": series for series in await app.list_series()}


async def test_a_second_folder_of_an_entry_asks_which_it_is(
        app_settings: Settings, library: Path) -> None:
    """With "Cowboy Bebop (1998)" loaded as AniList 1, a new folder "Cowboy Bebop" (the same
    entry) fails its identify step naming the series that is it, is marked as needing the
    user's choice, keeps no id and gets nothing written into its folder; picking that entry
    for it is refused naming the series too."""
    episode_folder(library, "Cowboy Bebop (1998)")
    first = (await scan_and_load(app_settings))["Cowboy Bebop (1998)"]
    assert (first.loading_status, first.ids.anilist) == (LoadingStatus.COMPLETED, "1")
    second_folder = episode_folder(library, "Cowboy Bebop")
    loaded = await scan_and_load(app_settings)
    second = loaded["Cowboy Bebop"]
    assert second.loading_status is LoadingStatus.FAILED
    assert second.needs_choice
    assert second.ids.anilist is None
    assert "already in the library as 'Cowboy Bebop'" in (second.loading_error or "")
    assert "(anilist:1)" in (second.loading_error or "")
    assert sorted(path.name for path in second_folder.iterdir()) == [
        "Cowboy Bebop - 01.mkv", "Cowboy Bebop - 02.mkv"]
    assert loaded["Cowboy Bebop (1998)"].loading_status is LoadingStatus.COMPLETED
    async with SeriesApp.open(app_settings, loader=False) as app:
        assert (await app.loading_status(second.id)).to_dict()["needs_choice"] is True
        with pytest.raises(SeriesExists, match=r"'Cowboy Bebop' \(anilist:1\)") as caught:
            await app.identify(second.id, ProviderRef("anilist", "1"))
    assert caught.value.series_id == first.id


async def test_folders_of_one_entry_found_together_leave_it_to_one(
        app_settings: Settings, library: Path) -> None:
    """Two folders of Cowboy Bebop scanned together: one series gets AniList 1, the other asks;
    a folder holding a later entry of a show another folder holds ("Attack on Titan Season 2"
    beside "Attack on Titan") is no duplicate, and both load."""
    for name in ("Cowboy Bebop", "Cowboy Bebop (1998)", "Attack on Titan",
                 "Attack on Titan Season 2"):
        episode_folder(library, name)
    loaded = await scan_and_load(app_settings)
    bebops = [loaded["Cowboy Bebop"], loaded["Cowboy Bebop (1998)"]]
    assert sorted((s.ids.anilist or "", s.needs_choice) for s in bebops) == [("", True),
                                                                               ("1", False)]
    assert {s.loading_status for s in bebops} == {LoadingStatus.COMPLETED, LoadingStatus.FAILED}
    titans = [loaded["Attack on Titan"], loaded["Attack on Titan Season 2"]]
    assert [(s.ids.anilist, s.loading_status) for s in titans] == [
        ("16498", LoadingStatus.COMPLETED), ("20958", LoadingStatus.COMPLETED)]
    async with SeriesApp.open(app_settings, loader=False) as app:
        holders = [s for s in await app.list_series() if s.ids.anilist == "1"]
    assert len(holders) == 1
