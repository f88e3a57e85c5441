"""Watching as ``SeriesApp`` runs it: on in a process that runs background work, off with
``watch.enabled = false`` or without the loader; a paused root is in every new subscriber's
snapshot. Real folders, the real database, the loader against the fake providers."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import attrs
import pytest

from aniworld_core import (
    JobState,
    JobUpdate,
    LibraryRootUpdate,
    SeriesAdded,
    SeriesApp,
    Settings,
    WatchSettings,
)
from aniworld_core.library.paths import library_root_key

pytestmark = pytest.mark.anyio


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "library" / "Trigun (1998)"
    folder.mkdir(parents=True)
    (folder / "Trigun - 01.mkv").write_bytes(b"1")
    return Path(library_root_key(tmp_path / "library"))


def with_library(settings: Settings, root: Path, **watch: object) -> Settings:
    return attrs.evolve(settings, library=(root,),
                        watch=attrs.evolve(WatchSettings(settle=0.2), **watch))


async def test_a_loading_process_watches_its_library(fake_settings: Settings,
                                                      root: Path) -> None:
    """A process that runs background work watches the library roots: a series folder
    dropped in becomes a series without any scan asked for."""
    async with SeriesApp.open(with_library(fake_settings, root), loader=True) as app:
        assert [(s.root, s.watched) for s in app.library_root_statuses()] == [(root, True)]
        async with app.events.subscribe(snapshot=False) as events:
            folder = root / "Haibane Renmei (2002)"
            os.mkdir(folder)
            (folder / "Haibane Renmei - 01.mkv").write_bytes(b"1")
            with anyio.fail_after(20):
                async for event in events:
                    if isinstance(event, SeriesAdded) and event.title == "Haibane Renmei":
                        break
        assert "Haibane Renmei" in {series.title for series in await app.list_series()}


@pytest.mark.parametrize("loader", [True, False])
async def test_watching_off_leaves_changes_to_the_scans(fake_settings: Settings, root: Path,
                                                        loader: bool) -> None:
    """With ``watch.enabled = false`` (or in a process without the loader) nothing is
    watched: a file dropped in is found by the next scan, not before."""
    settings = with_library(fake_settings, root, enabled=not loader)
    async with SeriesApp.open(settings, loader=loader) as app:
        await app.scan()
        assert not any(status.watched for status in app.library_root_statuses())
        (root / "Trigun (1998)" / "Trigun - 02.mkv").write_bytes(b"2")
        report = await app.scan()
    assert report.files_added == 1


async def test_a_paused_root_is_in_the_snapshot_of_a_new_page(fake_settings: Settings,
                                                               root: Path,
                                                               tmp_path: Path) -> None:
    """A library root that is gone when the app starts is paused with one message, which a
    page opened later gets in its snapshot; nothing under it is marked missing."""
    async with SeriesApp.open(with_library(fake_settings, root), loader=False) as app:
        await app.scan()
    os.rename(root, tmp_path / "unmounted")
    async with SeriesApp.open(with_library(fake_settings, root), loader=True) as app:
        async with app.events.subscribe() as events:
            with anyio.fail_after(20):
                async for event in events:
                    if isinstance(event, LibraryRootUpdate):
                        break
        assert (event.root, event.available) == (str(root), False)
        assert "it does not exist" in event.message
        (trigun,) = await app.list_series()
        assert trigun.folder_missing_at is None


async def test_the_scheduled_rescan_goes_on_past_a_missing_root(fake_settings: Settings,
                                                                root: Path,
                                                                tmp_path: Path) -> None:
    """The built-in rescan job over two library roots, one of them gone (an unmounted disk),
    scans the other, pauses the gone one, and ends its attempt saying why (to try again)."""
    gone = tmp_path / "unmounted disk"
    settings = attrs.evolve(with_library(fake_settings, root), library=(gone, root))
    async with SeriesApp.open(settings, loader=True) as app:
        async with app.events.subscribe(snapshot=False) as events:
            job = await app.jobs.run_schedule("rescan")
            with anyio.fail_after(30):
                async for event in events:
                    if isinstance(event, JobUpdate) and event.job_id == job.id \
                            and (event.error or event.state is JobState.COMPLETED):
                        break
        assert event.state is JobState.PENDING  # to be tried again
        assert event.error == (f"The library folder {library_root_key(gone)} is not available: "
                               "it does not exist. Scans and watching pause it; no series in it "
                               "is marked missing until it is back.")
        assert [series.title for series in await app.list_series()] == ["Trigun"]
        paused = {status.root: status.problem for status in app.library_root_statuses()}
        assert paused[Path(library_root_key(gone))] == "it does not exist"
