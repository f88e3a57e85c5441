"""Loading stays honest when things go wrong: provider text the database refuses, results that
cannot be saved, errors that cannot change on their own, two titles that make one folder name."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

import anyio
import attrs
import httpx
import pytest

from aniworld_core import (
    JobState,
    LoadingStatus,
    ProviderRef,
    Series,
    SeriesApp,
    Settings,
    StateConflict,
)
from aniworld_core.loader.job import Job
from aniworld_core.loader.series_dir import SeriesDirs, fixed_roots
from aniworld_core.models import Part, StepResult

from .conftest import Harness, settings_for

pytestmark = pytest.mark.anyio


# -- item 6: provider text with control characters, results that cannot be saved ------------------


def _poison(value: Any) -> Any:
    """Every title in an answer with a NUL byte and a bell character in it."""
    if isinstance(value, dict):
        return {key: (f"{item[:3]}\x00\x07{item[3:]}"
                      if key in ("english", "romaji", "title") and isinstance(item, str)
                      else _poison(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [_poison(item) for item in value]
    return value


class Poisoning(httpx.AsyncBaseTransport):
    """Sends every request on to the fake servers; AniList's and Jikan's answers come back
    with control characters in their titles (escaped, as JSON has them)."""

    def __init__(self, fakes: Any) -> None:
        self._real = httpx.AsyncHTTPTransport()
        self._poisoned = {httpx.URL(fakes.anilist.api_url).netloc,
                          httpx.URL(fakes.jikan.api_url).netloc}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._real.handle_async_request(request)
        if request.url.netloc not in self._poisoned or response.status_code != 200:
            return response
        body = json.loads(await response.aread())
        headers = {name: value for name, value in response.headers.items()
                   if name.lower().startswith(("x-ratelimit", "retry-after"))}
        return httpx.Response(200, headers={**headers, "Content-Type": "application/json"},
                              content=json.dumps(_poison(body)).encode())

    async def aclose(self) -> None:
        await self._real.aclose()


async def test_control_characters_from_a_provider_never_block_a_series(
        app_settings: Settings, fakes: Any) -> None:
    """Titles with a NUL byte (which PostgreSQL cannot store) and other control characters
    come out clean: the series loads completely on either database, its title and episode
    titles without them."""
    async with SeriesApp.open(app_settings, transport=Poisoning(fakes)) as app:
        added = await app.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(30):
            await app.wait_idle()
        series = await app.get_series(added.id)
        episodes = await app.episodes(added.id)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert series.title == "Cowboy Bebop"
    assert all("\x00" not in (e.title or "") and "\x07" not in (e.title or "")
               for e in episodes)
    assert episodes[0].title


@attrs.define
class Unsaveable:
    """A step whose result the database refuses (half a UTF-16 pair, which neither
    database can encode): an error outside the step."""

    name: ClassVar[str] = "episodes"
    label: ClassVar[str] = "Episodes"
    message: ClassVar[str] = "Loading episodes..."

    def needed(self, job: Job) -> bool:
        return not job.series.episodes_loaded

    async def run(self, job: Job) -> StepResult:
        return StepResult(done=frozenset({Part.EPISODES}), title="broken \ud800 title")


async def test_a_result_that_cannot_be_saved_fails_the_series_after_its_attempts(
        harness: Harness) -> None:
    """When a step's result cannot be saved, the attempt fails like a step that failed:
    tried again with backoff, then the series is failed with the reason after
    ``max_attempts``, every run ended; it is never left "loading" to be taken up forever."""
    [series] = await harness.add("Unlucky")
    with anyio.fail_after(20):
        async with anyio.create_task_group() as task_group:
            loader = harness.loader(steps=[Unsaveable()], max_attempts=3, lease_seconds=3600)
            await loader.prepare()
            await task_group.start(loader.engine.run)
            await loader.wait_idle()
            await loader.engine.stop()
    stored = await harness.series.get(series.id)
    job = await harness.load_job(series.id)
    assert stored.loading_status is LoadingStatus.FAILED
    assert (job.state, job.attempts) == (JobState.FAILED, 3)
    assert stored.loading_error is not None
    assert stored.loading_error.startswith("Episodes: could not be saved: ")
    runs = await harness.series.load_runs(series.id)
    assert [run.status for run in runs] == [LoadingStatus.FAILED] * 3
    assert all(run.finished_at is not None for run in runs)


# -- item 12: two titles, one folder name ----------------------------------------------------


@attrs.define
class MakeFolder:
    """Waits until ``together`` series reached it, then asks for their folders at once."""

    dirs: SeriesDirs
    together: int
    arrived: list[str] = attrs.field(factory=list)
    all_here: anyio.Event = attrs.field(factory=anyio.Event)
    name: ClassVar[str] = "nfo"
    label: ClassVar[str] = "NFO"
    message: ClassVar[str] = "Writing NFO..."

    def needed(self, job: Job) -> bool:
        return not job.series.episodes_loaded

    async def run(self, job: Job) -> StepResult:
        self.arrived.append(job.series.title)
        if len(self.arrived) == self.together:
            self.all_here.set()
        await self.all_here.wait()
        await self.dirs.ensure(job)
        return StepResult.completed(*Part)


async def test_two_titles_making_one_folder_name_get_two_folders(
        harness: Harness, tmp_path: Path) -> None:
    """"Fate/Zero" and "Fate:Zero" both make "Fate-Zero (2011)": loaded at the same moment,
    one gets it and the other "Fate-Zero 2 (2011)", both complete at their first attempt, and
    no unique-constraint error reaches anyone."""
    root = tmp_path / "library"
    root.mkdir()
    step = MakeFolder(SeriesDirs(fixed_roots(root), harness.series), together=2)
    added = [await harness.series.add(_new(title)) for title in ("Fate/Zero", "Fate:Zero")]
    with anyio.fail_after(20):
        async with anyio.create_task_group() as task_group:
            loader = harness.loader(steps=[step], concurrency=2)
            await loader.prepare()
            await task_group.start(loader.engine.run)
            await loader.wait_idle()
            await loader.engine.stop()
    stored = [await harness.series.get(series.id) for series in added]
    assert sorted(s.folder or "" for s in stored) == ["Fate-Zero (2011)", "Fate-Zero 2 (2011)"]
    for series in stored:
        assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
        assert [r.status for r in await harness.series.load_runs(series.id)] == [
            LoadingStatus.COMPLETED]
        assert (root / (series.folder or "")).is_dir()


def _new(title: str) -> Any:
    from aniworld_core.storage import NewSeries

    return NewSeries(title=title, year=2011)


# -- item 10: errors that cannot change on their own ---------------------------------------------


async def test_a_folder_leading_outside_the_library_fails_at_once(
        app_settings: Settings, tmp_path: Path) -> None:
    """A series folder that is a symlink out of the library root fails at its first attempt
    with the reason, instead of being retried with growing waits."""
    outside = tmp_path / "elsewhere" / "Cowboy Bebop"
    outside.mkdir(parents=True)
    (outside / "Cowboy Bebop - 01.mkv").write_bytes(b"")
    os.symlink(outside, Path(app_settings.library[0]) / "Cowboy Bebop (1998)")
    async with SeriesApp.open(app_settings) as app:
        await app.scan()
        with anyio.fail_after(30):
            await app.wait_idle()
        [series] = await app.list_series()
        runs = await app.load_runs(series.id)
        [load] = await app.jobs.list(key=f"series:{series.id}")
    assert series.loading_status is LoadingStatus.FAILED
    assert series.loading_error is not None
    assert "leads outside the library root" in series.loading_error
    assert (load.state, load.attempts) == (JobState.FAILED, 1)
    assert [run.status for run in runs] == [LoadingStatus.FAILED]


async def a_folder_no_provider_knows(settings: Settings) -> Series:
    """Scan a library holding one folder no provider knows; its series, failed."""
    folder = Path(settings.library[0]) / "Qzxv Wbnm Plkj"
    folder.mkdir()
    (folder / "Qzxv Wbnm Plkj - 01.mkv").write_bytes(b"")
    async with SeriesApp.open(settings) as app:
        await app.scan()
        with anyio.fail_after(30):
            await app.wait_idle()
        [series] = await app.list_series()
    assert series.loading_status is LoadingStatus.FAILED
    return series


async def test_a_failed_identification_is_tried_again_only_when_something_changed(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """A folder no provider knows fails identification once; starting again (scan, load,
    serve all start a loader) does not try it again, but a change of the provider list
    does."""
    settings = settings_for(fakes, tmp_path, database_url)
    series = await a_folder_no_provider_knows(settings)
    for _ in range(2):  # two more starts, nothing changed
        async with SeriesApp.open(settings) as app:
            await app.scan()
            with anyio.fail_after(30):
                await app.wait_idle()
            runs = await app.load_runs(series.id)
        assert len(runs) == 1

    fewer = settings_for(fakes, tmp_path, database_url, **{"providers.jikan.enabled": False})
    async with SeriesApp.open(fewer) as app:
        with anyio.fail_after(30):
            await app.wait_idle()
        runs = await app.load_runs(series.id)
        again = await app.get_series(series.id)
    assert len(runs) == 2
    assert again.loading_status is LoadingStatus.FAILED


async def test_a_failed_identification_is_tried_again_once_its_folder_is_renamed(
        fakes: Any, tmp_path: Path, database_url: str) -> None:
    """The usual fix for a folder no provider knows is to rename it: the next scan follows
    the rename and identifies the series under its new name."""
    settings = settings_for(fakes, tmp_path, database_url)
    root = Path(settings.library[0])
    failed = await a_folder_no_provider_knows(settings)
    (root / "Qzxv Wbnm Plkj").rename(root / "Cowboy Bebop (1998)")
    async with SeriesApp.open(settings) as app:
        await app.scan()
        with anyio.fail_after(30):
            await app.wait_idle()
        [renamed] = await app.list_series()
        runs = await app.load_runs(renamed.id)
    assert (renamed.id, renamed.folder) == (failed.id, "Cowboy Bebop (1998)")
    assert renamed.loading_status is LoadingStatus.COMPLETED, renamed.loading_error
    assert renamed.ids.get("anilist") is not None
    assert len(runs) == 2

# -- item 11: a folder that cannot be read --------------------------------------------------------


async def test_an_unreadable_folder_has_its_missing_episodes_unknown_with_the_reason(
        app_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """When a scan cannot read a series' folder, its missing episodes are unknown with the
    reason (and it has no "n/m episodes"), not "every episode missing"; once a scan reads it,
    they are known again."""
    folder = Path(app_settings.library[0]) / "Cowboy Bebop (1998)"
    folder.mkdir()
    for number in (1, 2):
        (folder / f"Cowboy Bebop - {number:02d}.mkv").write_bytes(b"")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    async with SeriesApp.open(app_settings) as app:
        with monkeypatch.context() as patched:
            patched.setattr(os, "scandir", scandir)
            report = await app.scan()
        with anyio.fail_after(30):
            await app.wait_idle()
        [series] = await app.list_series()
        assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
        assert report.errors == ("Cannot read Cowboy Bebop (1998): Permission denied",)
        with pytest.raises(StateConflict) as caught:
            await app.missing_episodes(series.id)
        assert series.episode_counts is None
        await app.scan()
        missing = await app.missing_episodes(series.id)
        counted = (await app.get_series(series.id)).episode_counts
    assert str(caught.value) == (
        "The folder of 'Cowboy Bebop' could not be read at the last scan (Cannot read Cowboy "
        "Bebop (1998): Permission denied); its missing episodes are known again once a scan "
        "can read it.")
    assert len(missing) == 24
    assert counted is not None
    assert (counted.known, counted.present) == (26, 2)
