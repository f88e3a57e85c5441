"""Loading through ``SeriesApp`` against the fake AniList, Jikan and image host."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import anyio
import pytest

from aniworld_core import (
    LoadingStatus,
    ProviderRef,
    SeriesApp,
    SeriesExists,
    Settings,
    StateConflict,
)

pytestmark = pytest.mark.anyio


async def test_a_series_added_by_id_loads_completely(app_settings: Settings) -> None:
    """Adding Cowboy Bebop by AniList id loads metadata, episodes, NFO and artwork."""
    async with SeriesApp.open(app_settings) as app:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            await app.wait_idle()
        series = await app.get_series(added.id)
        episodes = await app.episodes(added.id)
        runs = await app.load_runs(added.id)
        metrics = await app.metrics()
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert series.title == "Cowboy Bebop"
    assert series.year == 1998
    assert series.ids.mal == "1"
    assert series.metadata is not None
    assert "Action" in series.metadata.genres
    assert len(episodes) == 26
    assert episodes[0].title
    assert [run.status for run in runs] == [LoadingStatus.COMPLETED]
    folder = Path(app_settings.library[0]) / "Cowboy Bebop (1998)"
    assert series.folder == "Cowboy Bebop (1998)"
    show = ET.parse(folder / "tvshow.nfo").getroot()
    assert show.findtext("title") == "Cowboy Bebop"
    assert (folder / "poster.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert metrics.completed == 1
    assert metrics.providers["anilist"].requests >= 1


async def test_an_unrecorded_empty_folder_of_the_same_name_is_taken_over(
        app_settings: Settings) -> None:
    """A crash after the loader made a series folder but before it saved the name leaves an
    empty folder; the next attempt uses it rather than failing or making "Cowboy Bebop 2"."""
    (Path(app_settings.library[0]) / "Cowboy Bebop (1998)").mkdir()
    async with SeriesApp.open(app_settings) as app:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            await app.wait_idle()
        series = await app.get_series(added.id)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert series.folder == "Cowboy Bebop (1998)"
    assert (Path(app_settings.library[0]) / "Cowboy Bebop (1998)" / "tvshow.nfo").is_file()


async def test_a_series_added_by_title_is_identified(app_settings: Settings) -> None:
    """A title alone is searched at AniList and the confident match is taken."""
    async with SeriesApp.open(app_settings) as app:
        added = await app.add_series("Fullmetal Alchemist: Brotherhood")
        with anyio.fail_after(30):
            await app.wait_idle()
        series = await app.get_series(added.id)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert series.ids.anilist == "5114"


async def test_no_confident_match_fails_with_candidates_then_identify(
    app_settings: Settings,
) -> None:
    """An unknown title fails naming the step and the candidates; identify() then loads it."""
    async with SeriesApp.open(app_settings) as app:
        added = await app.add_series("Bebop Cowboy Space Western Thing", year=1990)
        with anyio.fail_after(30):
            await app.wait_idle()
        failed = await app.get_series(added.id)
        assert failed.loading_status is LoadingStatus.FAILED
        assert failed.loading_error is not None
        assert failed.loading_error.startswith("Identify: no confident match")
        assert "identify" in failed.loading_error
        await app.identify(added.id, ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            await app.wait_idle()
        series = await app.get_series(added.id)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert series.ids.anilist == "1"


async def test_identify_refuses_an_id_another_series_has(app_settings: Settings) -> None:
    """Two series cannot be identified as the same provider entry."""
    async with SeriesApp.open(app_settings) as app:
        await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        other = await app.add_series("Something else")
        with anyio.fail_after(30):
            await app.wait_idle()
        with pytest.raises(SeriesExists):
            await app.identify(other.id, ProviderRef("anilist", "1"))


async def test_many_series_share_few_metadata_requests(fakes: Any, app_settings: Settings
                                                       ) -> None:
    """Every series of the catalogue without related entries, added at once, costs one or two
    AniList requests, not one each. (What walking chains of seasons costs, batched as well,
    is measured by benchmarks/loader.py's seasons part: it depends on timing.)"""
    dataset = fakes.anilist.dataset
    records = [record for record in dataset if record.mal_id and not dataset.relations(record)]
    assert len(records) > 20
    async with SeriesApp.open(app_settings) as app:
        async with anyio.create_task_group() as task_group:
            for record in records:
                task_group.start_soon(app.add_series, None, ProviderRef("anilist",
                                                                        str(record.anilist_id)))
        with anyio.fail_after(60):
            await app.wait_idle()
        statuses = {s.loading_status for s in await app.list_series()}
    assert statuses == {LoadingStatus.COMPLETED}
    assert fakes.anilist.stats.count <= 2
    assert fakes.anilist.stats.count_429 == 0


async def test_refresh_loads_again_and_cancel_when_idle_conflicts(app_settings: Settings
                                                                  ) -> None:
    """Refresh queues a completed series again (a second run); cancelling it once it is
    completed is a conflict."""
    async with SeriesApp.open(app_settings) as app:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            await app.wait_idle()
        refreshed = await app.refresh_series(added.id)
        assert refreshed.loading_status is LoadingStatus.PENDING
        with anyio.fail_after(30):
            await app.wait_idle()
        assert [r.status for r in await app.load_runs(added.id)] == [LoadingStatus.COMPLETED] * 2
        with pytest.raises(StateConflict, match="is not loading"):
            await app.cancel_loading(added.id)


async def test_wait_idle_after_refresh_always_waits_for_the_new_run(app_settings: Settings
                                                                    ) -> None:
    """Work queued while the loader is deciding it is idle is never left behind: each refresh
    followed by ``wait_idle`` ends with one more completed run (repeated, as the window is
    narrow)."""
    async with SeriesApp.open(app_settings) as app:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            await app.wait_idle()
            for runs in range(2, 12):
                await app.refresh_series(added.id)
                await app.wait_idle()
                statuses = [r.status for r in await app.load_runs(added.id)]
                assert statuses == [LoadingStatus.COMPLETED] * runs


async def test_cancel_mid_step_through_the_app(fakes: Any, app_settings: Settings) -> None:
    """A series whose episode request hangs is cancelled at once; another completes."""
    fakes.jikan.options.latency = 30
    async with SeriesApp.open(app_settings) as app, app.events.subscribe() as events:
        slow = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            async for event in events:
                if event.to_json().get("message") == "Loading episodes...":
                    break
            await app.cancel_loading(slow.id)
            fakes.jikan.options.latency = 0
            other = await app.add_series(provider_ref=ProviderRef("anilist", "5114"))
            await app.wait_idle()
        assert (await app.get_series(slow.id)).loading_status is LoadingStatus.CANCELLED
        assert (await app.get_series(other.id)).loading_status is LoadingStatus.COMPLETED


async def test_shutdown_mid_load_then_resume(fakes: Any, app_settings: Settings) -> None:
    """Leaving the app while a request hangs ends within the grace period; the next open
    resumes and completes the series."""
    settings = Settings(**{**_fields(app_settings),
                           "loader": _loader(app_settings, shutdown_grace=0.1)})
    fakes.jikan.options.latency = 30
    async with SeriesApp.open(settings) as app, app.events.subscribe() as events:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            async for event in events:
                if event.to_json().get("message") == "Loading episodes...":
                    break
    fakes.jikan.options.latency = 0
    async with SeriesApp.open(settings) as app:
        with anyio.fail_after(30):
            await app.wait_idle()
        series = await app.get_series(added.id)
        # Read once the resumed run has ended: it may begin before anything else is read.
        runs = await app.load_runs(added.id)
    assert [run.status for run in runs[:2]] == [LoadingStatus.COMPLETED,
                                                LoadingStatus.INTERRUPTED]
    assert series.loading_status is LoadingStatus.COMPLETED


async def test_removing_a_loading_series_stops_it(fakes: Any, app_settings: Settings) -> None:
    """Removing a series mid-load stops its load and leaves no trace."""
    fakes.jikan.options.latency = 30
    async with SeriesApp.open(app_settings) as app, app.events.subscribe() as events:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            async for event in events:
                if event.to_json().get("message") == "Loading episodes...":
                    break
            await app.remove_series(added.id)
            await app.wait_idle()
        assert await app.list_series() == []


def _fields(settings: Settings) -> dict[str, Any]:
    import attrs

    return attrs.asdict(settings, recurse=False)


def _loader(settings: Settings, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(settings.loader, **changes)


async def test_without_any_metadata_provider_a_series_fails_saying_why(
    app_settings: Settings,
) -> None:
    """With every metadata provider switched off, a series added by title fails with a reason
    instead of completing without data."""
    import attrs

    off = {name: attrs.evolve(app_settings.provider(name), enabled=False)
           for name in ("anilist", "jikan")}
    settings = attrs.evolve(app_settings, providers={**app_settings.providers, **off})
    async with SeriesApp.open(settings) as app:
        added = await app.add_series("Cowboy Bebop")
        with anyio.fail_after(30):
            await app.wait_idle()
        series = await app.get_series(added.id)
    assert series.loading_status is LoadingStatus.FAILED
    assert series.loading_error == ("Identify: no metadata provider is available; "
                                    "see 'aniworld plugins'")
