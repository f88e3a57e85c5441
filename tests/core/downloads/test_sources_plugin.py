"""Episode sources as plugins: the built-in ``http`` source arrives through
``register_episode_sources`` like a third party's; a plugin installed through a real entry point
offers episodes and hands them to its own fetcher (``FetchMethod.EXTERNAL``), and the manager
moves what it returns into the library; a bad source class stops start-up naming the plugin."""

from __future__ import annotations

import datetime as dt
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
        path.write_bytes(b"x" * 1000)
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


@pytest.mark.anyio
async def test_register_episode_sources_a_plugin_hands_off_and_the_file_is_imported(
        settings: Settings, tmp_path: Path, install_plugin: Install) -> None:
    install_plugin(HANDING_OFF, entry_point="shelf", dist="aniworld-shelf")
    outside = tmp_path / "shelf"
    outside.mkdir()
    folder = tmp_path / "library" / "Mushishi (2005)"
    folder.mkdir(parents=True)
    (folder / "Mushishi - 01.mkv").write_bytes(b"v")
    off = ProviderSettings(enabled=False)
    settings = attrs.evolve(settings, library=(tmp_path / "library",), load_entry_points=True,
                            providers={"anilist": off, "jikan": off},
                            sources={"shelf": {"folder": str(outside)}})
    async with SeriesApp.open(settings) as app:
        assert [s.name for s in app.episode_sources()] == ["http", "shelf", "import"]
        await app.scan()
        (series,) = await app.list_series()
        await LibraryStore(app._database).save_provider_episodes(series.id, [
            EpisodeInfo(number=n, title=f"Episode {n}", air_date=dt.date(2005, 10, 1))
            for n in (1, 2)])
        offers = await app.find_offers(series.id, 1, 2)
        assert [(o.source, o.quality) for o in offers] == [("shelf", "1080p")]
        async with app.events.subscribe(snapshot=False) as events:
            queued = await app.download(series.id, 1, 2)
            with anyio.fail_after(30):
                async for event in events:
                    if isinstance(event, DownloadUpdate) and event.download.id == queued.id \
                            and event.download.state.is_final:
                        break
        done = event.download
        assert done.state is DownloadState.COMPLETED, done.error
        assert done.path == "Season 01/Mushishi - S01E02 - Episode 2.mp4"
        assert (folder / done.path).read_bytes() == b"x" * 1000
        assert not (outside / "episode-2.mp4").exists()
        assert await app.missing_episodes(series.id) == []
