"""Provider episode lists meet the files on disk: saving a list links files to it, and
``missing_episodes`` names what has aired and has no file. Real database, both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa

from aniworld_core import EpisodeInfo, LoadingStatus, SeriesApp, SeriesNotFound, StateConflict
from aniworld_core.storage.engine import open_engine
from aniworld_core.storage.library_store import LibraryStore

pytestmark = pytest.mark.anyio

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
async def scanned(app: SeriesApp, tmp_path: Path) -> str:
    """A scanned series with episodes 1, 2 (one file), 4 and a special on disk."""
    folder = tmp_path / "library" / "Mushishi (2005)"
    (folder / "Specials").mkdir(parents=True)
    for name in ("Mushishi - 01.mkv", "Mushishi - 02.mkv", "Mushishi - 04.mkv",
                 "Specials/Mushishi - 01.mkv"):
        (folder / name).write_bytes(b"v")
    await app.scan([folder.parent])
    (series,) = await app.list_series()
    return series.id


def provider_list(count: int, *, specials: int = 0) -> list[EpisodeInfo]:
    episodes = [EpisodeInfo(number=n, title=f"Episode {n}",
                            air_date=dt.date(2005, 10, 1) + dt.timedelta(weeks=n))
                for n in range(1, count + 1)]
    episodes += [EpisodeInfo(number=n, season=0) for n in range(1, specials + 1)]
    return episodes


async def test_missing_episodes_are_the_aired_regular_ones_without_a_file(
        app: SeriesApp, store: LibraryStore, scanned: str) -> None:
    """Episodes 3 and 5 have no file; the special and an unaired episode are not missing."""
    unaired = EpisodeInfo(number=6, air_date=TODAY + dt.timedelta(days=7))
    await store.save_provider_episodes(scanned, [*provider_list(5, specials=2), unaired])
    missing = await app.missing_episodes(scanned)
    assert [(e.season, e.number, e.title) for e in missing] == [
        (1, 3, "Episode 3"), (1, 5, "Episode 5")]
    present = {(e.season, e.number): e.file_path for e in await app.episodes(scanned)
               if e.present}
    assert present == {(1, 1): "Mushishi - 01.mkv", (1, 2): "Mushishi - 02.mkv",
                       (1, 4): "Mushishi - 04.mkv", (0, 1): "Specials/Mushishi - 01.mkv"}


async def test_missing_episodes_are_unknown_before_the_list_is_loaded(
        app: SeriesApp, scanned: str) -> None:
    """Before a provider list is saved the answer is a StateConflict, not "nothing missing"."""
    with pytest.raises(StateConflict, match="has not been loaded yet"):
        await app.missing_episodes(scanned)


async def test_unknown_series(app: SeriesApp, store: LibraryStore) -> None:
    """Missing episodes of a series that does not exist: SeriesNotFound."""
    with pytest.raises(SeriesNotFound):
        await app.missing_episodes("00000000-0000-4000-8000-000000000000")
    with pytest.raises(SeriesNotFound):
        await store.save_provider_episodes("00000000-0000-4000-8000-000000000000",
                                           provider_list(1))


async def test_saving_a_list_is_idempotent_and_replaces_the_old_one(
        app: SeriesApp, store: LibraryStore, scanned: str) -> None:
    """Saving the same list twice changes nothing; a shorter list drops the episodes it no
    longer has; titles are updated in place."""
    await store.save_provider_episodes(scanned, provider_list(5))
    first = await app.episodes(scanned)
    await store.save_provider_episodes(scanned, provider_list(5))
    assert await app.episodes(scanned) == first
    renamed = [EpisodeInfo(number=1, title="The Green Seat"), EpisodeInfo(number=2)]
    await store.save_provider_episodes(scanned, renamed)
    episodes = await app.episodes(scanned)
    assert [(e.number, e.title, e.file_path) for e in episodes] == [
        (1, "The Green Seat", "Mushishi - 01.mkv"), (2, None, "Mushishi - 02.mkv")]


async def test_new_files_are_linked_to_the_saved_list(app: SeriesApp, store: LibraryStore,
                                                      scanned: str, tmp_path: Path) -> None:
    """A file that appears after the list was saved fills its episode at the next scan, and a
    file that disappears leaves its episode missing."""
    await store.save_provider_episodes(scanned, provider_list(5))
    folder = tmp_path / "library" / "Mushishi (2005)"
    (folder / "Mushishi - 03.mkv").write_bytes(b"v")
    (folder / "Mushishi - 01.mkv").unlink()
    await app.scan([folder.parent])
    assert [e.number for e in await app.missing_episodes(scanned)] == [1, 5]


async def test_absolute_numbers_link_to_later_seasons(app: SeriesApp, store: LibraryStore,
                                                      scanned: str) -> None:
    """With a provider in seasons, a seasonless file numbered past season 1 is found in
    season 2 (docs/numbering.md)."""
    seasons = [EpisodeInfo(number=n, season=1) for n in range(1, 4)]
    seasons += [EpisodeInfo(number=n, season=2) for n in range(1, 3)]
    await store.save_provider_episodes(scanned, seasons)
    present = {(e.season, e.number): e.file_path for e in await app.episodes(scanned)}
    assert present[(2, 1)] == "Mushishi - 04.mkv"
    assert present[(1, 3)] is None


async def test_lists_saved_together_are_each_series_own(app: SeriesApp, store: LibraryStore,
                                                        tmp_path: Path) -> None:
    """Lists of several series saved at the same time are written together: each series gets
    its own list linked to its own files, and a series that does not exist fails only the save
    made for it."""
    root = tmp_path / "library"
    for n in range(1, 7):
        folder = root / f"Series {n}"
        folder.mkdir(parents=True)
        for episode in range(1, n + 1):
            (folder / f"Series {n} - {episode:02d}.mkv").write_bytes(b"v")
    await app.scan([root])
    ids = {series.title: series.id for series in await app.list_series()}
    unknown = "00000000-0000-4000-8000-000000000000"
    outcomes: dict[str, object] = {}

    async def save(series_id: str, count: int) -> None:
        try:
            outcomes[series_id] = await store.save_provider_episodes(series_id,
                                                                     provider_list(count))
        except SeriesNotFound as error:
            outcomes[series_id] = error

    with anyio.fail_after(10):
        async with anyio.create_task_group() as task_group:
            for n in range(1, 7):
                task_group.start_soon(save, ids[f"Series {n}"], n + 2)
            task_group.start_soon(save, unknown, 1)
    assert isinstance(outcomes.pop(unknown), SeriesNotFound)
    for n in range(1, 7):
        series_id = ids[f"Series {n}"]
        stored = await app.episodes(series_id)
        assert outcomes[series_id] == stored
        assert [(e.number, e.file_path) for e in stored] == [
            (e, f"Series {n} - {e:02d}.mkv" if e <= n else None) for e in range(1, n + 3)]


async def test_completed_series_load_again_when_files_change(app: SeriesApp, scanned: str,
                                                            tmp_path: Path,
                                                            database_url: str) -> None:
    """A completed series whose video files changed is queued again (its NFOs are due); our
    own NFO next to the files does not count as a change."""
    engine = open_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(
                "UPDATE series SET loading_status = 'completed', nfo_loaded = :yes"),
                {"yes": True})
            connection.execute(sa.text(  # as if its load had completed
                "UPDATE jobs SET state = 'completed', live_key = NULL"))
    finally:
        engine.dispose()
    folder = tmp_path / "library" / "Mushishi (2005)"
    (folder / "tvshow.nfo").write_bytes(b"<tvshow/>")
    quiet = await app.scan([folder.parent])
    assert quiet.series_requeued == ()
    (folder / "Mushishi - 05.mkv").write_bytes(b"v")
    report = await app.scan([folder.parent])
    assert report.series_requeued == (scanned,)
    series = await app.get_series(scanned)
    assert (series.loading_status, series.nfo_loaded) == (LoadingStatus.PENDING, False)
    [load] = await app.jobs.list(kind="series.load", key=f"series:{scanned}", states=["pending"])
    assert load.priority == 20
