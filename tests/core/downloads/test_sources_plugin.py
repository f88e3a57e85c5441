"""Episode sources as plugins: the built-in ``http`` source arrives through
``register_episode_sources`` like a third party's; a plugin installed through a real entry point
offers episodes and hands them to its own fetcher (``FetchMethod.EXTERNAL``), and the manager
moves what it returns into the library; a bad source class stops start-up naming the plugin."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import attrs
import pytest

from aniworld_core import (
    DownloadState,
    DownloadUpdate,
    EpisodeInfo,
    PluginError,
    ProviderSettings,
    SeriesApp,
    Settings,
)
from aniworld_core.downloads.model import Download
from aniworld_core.providers.manager import PluginManager
from aniworld_core.storage.library_store import LibraryStore
from tests.conftest import Install

HANDING_OFF = '''
from pathlib import Path
from typing import ClassVar

from aniworld_core import FetchMethod, Offer, hookimpl


class Shelf:
    """Offers every episode; "fetches" it by writing a file where the settings say."""

    name: ClassVar[str] = "shelf"
    display_name: ClassVar[str] = "The shelf"

    def __init__(self, context):
        self._folder = Path(context.settings["folder"])

    async def find(self, want):
        return [Offer(source=self.name, title=f"{want.series_title} {want.episode}",
                      size=1000, quality="1080p", fetch=FetchMethod.EXTERNAL)]

    async def hand_off(self, offer, want, report):
        path = self._folder / f"episode-{want.episode}.mp4"
        path.write_bytes(b"x" * 1200)  # a little more than the offer said
        report(500, 1000)
        report(1000, 1000)
        return path


@hookimpl
def register_episode_sources(register):
    register(Shelf)
'''


def test_register_episode_sources_offers_the_builtin_http_source(tmp_path: Path) -> None:
    manager = PluginManager.from_settings(Settings(data_dir=tmp_path, load_entry_points=False))
    assert [(s.name, s.plugin, s.builtin) for s in manager.episode_sources()] == [
        ("http", "http_source", True)]


@pytest.mark.parametrize(("body", "problem"), [
    ("register(Shelf.find)", "register the class, not an instance"),
    ("Shelf.name = 'Bad Name'\n    register(Shelf)", "needs a `name`"),
    ("del Shelf.find\n    register(Shelf)", "has no `find` method"),
    ("Shelf.name = 'http'\n    register(Shelf)", "both register an episode source"),
])
def test_register_episode_sources_refuses_a_bad_source_naming_the_plugin(
        tmp_path: Path, install_plugin: Install, body: str, problem: str) -> None:
    source = HANDING_OFF.replace("    register(Shelf)", f"    {body}")
    install_plugin(source, entry_point="shelf", dist="aniworld-shelf")
    manager = PluginManager.from_settings(Settings(data_dir=tmp_path))
    with pytest.raises(PluginError, match="shelf") as raised:
        manager.episode_sources()
    assert problem in str(raised.value)


@asynccontextmanager
async def shelved(settings: Settings, tmp_path: Path, install_plugin: Install,
                  source: str = HANDING_OFF) -> AsyncIterator[tuple[SeriesApp, str]]:
    """An app with the shelf plugin installed and Mushishi (episode 1 of 2 on disk)."""
    install_plugin(source, entry_point="shelf", dist="aniworld-shelf")
    (tmp_path / "shelf").mkdir()
    folder = tmp_path / "library" / "Mushishi (2005)"
    folder.mkdir(parents=True)
    (folder / "Mushishi - 01.mkv").write_bytes(b"v")
    off = ProviderSettings(enabled=False)
    settings = attrs.evolve(settings, library=(tmp_path / "library",), load_entry_points=True,
                            providers={"anilist": off, "jikan": off},
                            sources={"shelf": {"folder": str(tmp_path / "shelf")}})
    async with SeriesApp.open(settings) as app:
        await app.scan()
        (series,) = await app.list_series()
        await LibraryStore(app._database).save_provider_episodes(series.id, [
            EpisodeInfo(number=n, title=f"Episode {n}", air_date=dt.date(2005, 10, 1))
            for n in (1, 2)])
        yield app, series.id


async def told_until(app: SeriesApp, series_id: str,
                     done: Callable[[Download], bool]) -> list[Download]:
    """Download episode 2 and return what was told of it, up to the first ``done``."""
    told = []
    async with app.events.subscribe(snapshot=False) as events:
        queued = await app.download(series_id, 1, 2)
        with anyio.fail_after(30):
            async for event in events:
                if isinstance(event, DownloadUpdate) and event.download.id == queued.id:
                    told.append(event.download)
                    if done(event.download):
                        return told
    raise AssertionError("the event stream ended")


@pytest.mark.anyio
async def test_register_episode_sources_a_plugin_hands_off_and_the_file_is_imported(
        settings: Settings, tmp_path: Path, install_plugin: Install) -> None:
    async with shelved(settings, tmp_path, install_plugin) as (app, series_id):
        assert [s.name for s in app.episode_sources()] == ["http", "shelf", "import"]
        offers = await app.find_offers(series_id, 1, 2)
        assert [(o.source, o.quality) for o in offers] == [("shelf", "1080p")]
        told = await told_until(app, series_id, lambda d: d.state.is_final)
        done = told[-1]
        # What the source reported reached subscribers as the download's progress; at the
        # end the manager counts the file it was handed.
        assert (DownloadState.DOWNLOADING, 1000, 1000) in [
            (d.state, d.bytes_done, d.bytes_total) for d in told]
        assert done.state is DownloadState.COMPLETED, done.error
        assert (done.bytes_done, done.bytes_total) == (1200, 1200)
        assert done.path == "Season 01/Mushishi - S01E02 - Episode 2.mp4"
        folder = tmp_path / "library" / "Mushishi (2005)"
        assert (folder / done.path).read_bytes() == b"x" * 1200
        assert not (tmp_path / "shelf" / "episode-2.mp4").exists()
        assert await app.missing_episodes(series_id) == []


@pytest.mark.anyio
async def test_a_source_that_hands_back_no_file_fails_the_attempt_saying_so(
        settings: Settings, tmp_path: Path, install_plugin: Install) -> None:
    lost = HANDING_OFF.replace('path.write_bytes(b"x" * 1200)', "pass")
    async with shelved(settings, tmp_path, install_plugin, lost) as (app, series_id):
        told = await told_until(app, series_id, lambda d: d.error is not None)
        assert told[-1].state is DownloadState.QUEUED  # another attempt comes
        assert "'shelf' handed back" in (told[-1].error or "")
        assert "episode-2.mp4, which cannot be read" in (told[-1].error or "")
        assert not list((tmp_path / "library").rglob("*S01E02*"))
        assert [(e.season, e.number) for e in await app.missing_episodes(series_id)] == [
            (1, 2)]
