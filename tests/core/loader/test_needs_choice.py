"""A failed identification is typed and stored: the identify step raises
``IdentificationFailed``, and the series carries ``needs_choice`` (in its model, its loading
state, its live updates) so frontends never read the error's wording."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

import anyio
import pytest
import sqlalchemy as sa
from alembic import command

from aniworld_core import (
    Capability,
    IdentificationFailed,
    LoadingStatus,
    ProviderRef,
    SearchResult,
    SeriesApp,
    SeriesInfo,
    SeriesLoadingUpdate,
    Settings,
)
from aniworld_core.loader.job import Job
from aniworld_core.loader.steps import IdentifyStep
from aniworld_core.models import StepResult
from aniworld_core.storage import migrate
from aniworld_core.storage.engine import open_engine
from tests.core.loader.conftest import Harness

pytestmark = pytest.mark.anyio

THRESHOLD = 0.8


class OneAnswer:
    """A searching provider that answers every search with ``results``."""

    name: ClassVar[str] = "anilist"
    display_name: ClassVar[str] = "AniList"
    id_type: ClassVar[str] = "anilist"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.SERIES,
                                                               Capability.SEARCH})

    def __init__(self, *results: SearchResult) -> None:
        self.results = results

    async def search(self, query: str, *, year: int | None = None) -> Sequence[SearchResult]:
        return self.results


class Pool:
    def __init__(self, provider: OneAnswer) -> None:
        self.provider = provider

    def with_capability(self, capability: Capability) -> Sequence[Any]:
        return [self.provider]

    @asynccontextmanager
    async def turn(self, provider: str, priority: int, ticket: int) -> AsyncIterator[None]:
        yield

    async def fetch_series(self, provider: Any, ref: ProviderRef) -> SeriesInfo | None:
        return None


async def identify(harness: Harness, title: str, *results: SearchResult
                   ) -> tuple[IdentificationFailed, list[StepResult]]:
    """Run the identify step for a new series ``title``; its error and what it persisted."""
    (series,) = await harness.add(title)
    persisted: list[StepResult] = []

    async def persist(result: StepResult) -> None:
        persisted.append(result)

    job = Job(series=series, owner="me", providers=Pool(OneAnswer(*results)), slots=None,
              persist=persist)
    with pytest.raises(IdentificationFailed) as caught:
        await IdentifyStep(THRESHOLD, harness.series).run(job)
    return caught.value, persisted


def bebop(anilist_id: str = "1") -> SearchResult:
    return SearchResult(ref=ProviderRef("anilist", anilist_id), title="Cowboy Bebop",
                        year=1998, format="TV")


async def test_the_identify_step_raises_identification_failed(harness: Harness) -> None:
    """No confident match, and a match another series already has, both raise the typed
    IdentificationFailed (the latter naming that series) after marking the series as
    needing the user's choice."""
    unsure, persisted = await identify(harness, "Something Else Entirely", bebop())
    assert unsure.candidates == ("Cowboy Bebop (1998) anilist:1",)
    assert unsure.series_id is None
    assert persisted == [StepResult(needs_choice=True)]
    (first,) = await harness.add("Cowboy Bebop (1998)")
    assert await harness.series.claim_id(first.id, "anilist", "1") is None
    taken, persisted = await identify(harness, "Cowboy Bebop", bebop())
    assert taken.series_id == first.id
    assert "already in the library as 'Cowboy Bebop (1998)'" in str(taken)
    assert persisted == [StepResult(needs_choice=True)]


@pytest.fixture
def library(app_settings: Settings) -> Path:
    assert app_settings.library
    return app_settings.library[0]


async def test_a_series_that_needs_a_choice_says_so_until_it_gets_one(
        app_settings: Settings, library: Path) -> None:
    """A folder nothing matches fails with needs_choice set on the series, its loading state
    and the live update a new listener gets; picking an entry clears it and the series
    loads."""
    folder = library / "Completely Unknown Show Nobody Made"
    folder.mkdir()
    (folder / "Completely Unknown Show Nobody Made - 01.mkv").write_bytes(b"video")
    async with SeriesApp.open(app_settings) as app:
        await app.scan()
        with anyio.fail_after(60):
            await app.wait_idle()
        (series,) = await app.list_series()
        assert (series.loading_status, series.needs_choice) == (LoadingStatus.FAILED, True)
        assert (await app.loading_status(series.id)).needs_choice
        async with app.events.subscribe() as events:
            first = await anext(events)
        assert isinstance(first, SeriesLoadingUpdate)
        assert first.to_json()["needs_choice"] is True
        chosen = await app.identify(series.id, ProviderRef("anilist", "457"))
        assert not chosen.needs_choice
        with anyio.fail_after(60):
            await app.wait_idle()
        loaded = await app.get_series(series.id)
    assert (loaded.loading_status, loaded.needs_choice) == (LoadingStatus.COMPLETED, False)


@pytest.mark.empty_database
async def test_failed_identifications_from_before_are_marked(settings: Settings) -> None:
    """Upgrading marks series whose load failed in the identify step (as the error text said
    until now) as needing a choice, and no other."""
    engine = open_engine(settings.resolved_database_url)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    errors = {"00000000-0000-4000-8000-000000000001": "Identify: no confident match for 'X' "
                                                      "at AniList: ... choose one with identify",
              "00000000-0000-4000-8000-000000000002": "Metadata: timed out after 20 s"}
    try:
        with engine.connect() as connection:
            command.upgrade(migrate.alembic_config(connection), "0007_reliability")
            connection.commit()
        with engine.begin() as connection:
            for series_id, error in errors.items():
                connection.execute(sa.text(
                    "INSERT INTO series (id, title, loading_status, loading_error, "
                    "episodes_loaded, nfo_loaded, logo_loaded, images_loaded, priority, "
                    "attempts, created_at, updated_at, extra_ids) VALUES (:id, 'X', 'failed', "
                    ":error, :no, :no, :no, :no, 20, 1, :now, :now, '{}')"),
                    {"id": series_id, "error": error, "no": False,
                     "now": now if engine.dialect.name != "sqlite" else now.replace(tzinfo=None)})
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    async with SeriesApp.open(settings, loader=False) as app:
        marked = {s.id: s.needs_choice for s in await app.list_series()}
    assert marked == {"00000000-0000-4000-8000-000000000001": True,
                      "00000000-0000-4000-8000-000000000002": False}
