"""SeriesApp: add, read, list, remove and status, on a real database, on asyncio and trio."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import anyio
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from aniworld_core import (
    InvalidInput,
    LoadingStatus,
    ProviderRef,
    SeriesApp,
    SeriesExists,
    SeriesNotFound,
    Settings,
    StorageError,
)
from aniworld_core.validation import MAX_TITLE_LENGTH, is_valid_title

pytestmark = pytest.mark.anyio


async def test_add_returns_pending_series_at_once(app: SeriesApp) -> None:
    """A new series is stored and returned with status pending and nothing loaded."""
    series = await app.add_series("Cowboy Bebop", year=1998)
    assert series.title == "Cowboy Bebop"
    assert series.year == 1998
    assert series.loading_status is LoadingStatus.PENDING
    assert series.progress.to_dict() == {"episodes": False, "nfo": False, "logo": False,
                                         "images": False}
    assert series.created_at.tzinfo is dt.UTC
    assert await app.get_series(series.id) == series


async def test_add_by_provider_reference(app: SeriesApp) -> None:
    """Adding by AniList id stores the id; adding the same id again is a conflict."""
    series = await app.add_series("Cowboy Bebop", ProviderRef("anilist", "1"))
    assert series.ids.anilist == "1"
    with pytest.raises(SeriesExists, match="already in the library") as caught:
        await app.add_series(provider_ref=ProviderRef("anilist", "1"))
    assert caught.value.series_id == series.id
    assert len(await app.list_series()) == 1


async def test_add_by_reference_alone_gets_a_placeholder_title(app: SeriesApp) -> None:
    """Without a title the series is listed under its reference until metadata arrives."""
    series = await app.add_series(provider_ref=ProviderRef("anilist", "21"))
    assert series.title == "anilist 21"


async def test_adding_a_title_already_in_the_library_is_a_conflict(app: SeriesApp) -> None:
    """Adding by a title a series already has (ignoring case and spaces) raises SeriesExists
    naming that series and adds nothing; another known year is another series, and so is an
    add by provider id."""
    first = await app.add_series("Cowboy Bebop", year=1998)
    for title, year in (("Cowboy Bebop", None), ("cowboy  BEBOP", 1998)):
        with pytest.raises(SeriesExists, match="'Cowboy Bebop' is already in the library") \
                as caught:
            await app.add_series(title, year=year)
        assert caught.value.series_id == first.id
    remake = await app.add_series("Cowboy Bebop", year=2021)
    by_id = await app.add_series("Cowboy Bebop", ProviderRef("anilist", "1"))
    assert {s.id for s in await app.list_series()} == {first.id, remake.id, by_id.id}


async def test_the_same_title_added_at_once_is_added_once(app: SeriesApp) -> None:
    """Twenty adds of one title at the same moment store one series; the others are told it
    exists."""
    outcomes: list[object] = []

    async def add() -> None:
        try:
            outcomes.append(await app.add_series("Trigun"))
        except SeriesExists as error:
            outcomes.append(error)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as task_group:
            for _ in range(20):
                task_group.start_soon(add)
    assert sum(not isinstance(outcome, SeriesExists) for outcome in outcomes) == 1
    assert [s.title for s in await app.list_series()] == ["Trigun"]


async def test_a_provider_that_does_not_exist_is_invalid_input(app: SeriesApp) -> None:
    """Adding or identifying by a provider nobody installed raises InvalidInput "No provider is
    called 'nope'" and writes nothing; a provider's name and a known id type both work."""
    with pytest.raises(InvalidInput, match="No provider is called 'nope'") as caught:
        await app.add_series("Trigun", ProviderRef("nope", "1"))
    assert caught.value.field == "provider"
    assert await app.list_series() == []
    series = await app.add_series("Trigun")
    with pytest.raises(InvalidInput, match="No provider is called 'nope'"):
        await app.identify(series.id, ProviderRef("nope", "6"))
    assert (await app.get_series(series.id)).ids.to_dict() == {}
    by_provider = await app.add_series(provider_ref=ProviderRef("jikan", "6"))
    by_id_type = await app.add_series(provider_ref=ProviderRef("tvdb", "70000"))
    assert (by_provider.ids.mal, by_id_type.ids.tvdb) == ("6", "70000")


async def test_list_is_sorted_by_title(app: SeriesApp) -> None:
    """``list_series`` returns every series, sorted by title."""
    for title in ("Trigun", "Akira", "Monster"):
        await app.add_series(title)
    assert [s.title for s in await app.list_series()] == ["Akira", "Monster", "Trigun"]


async def test_remove_deletes_the_series(app: SeriesApp) -> None:
    """A removed series is gone; removing it again is SeriesNotFound."""
    series = await app.add_series("Trigun")
    await app.remove_series(series.id)
    assert await app.list_series() == []
    with pytest.raises(SeriesNotFound):
        await app.remove_series(series.id)


@pytest.mark.parametrize("series_id", ["nope", "", "0" * 36, "../../etc/passwd",
                                       "6FA459EA-EE8A-3CA4-894E-DB77E160355E"])
async def test_unknown_or_malformed_id_is_not_found(app: SeriesApp, series_id: str) -> None:
    """Any id that names no series raises SeriesNotFound, whatever its shape."""
    with pytest.raises(SeriesNotFound):
        await app.get_series(series_id)
    with pytest.raises(SeriesNotFound):
        await app.loading_status(series_id)


async def test_loading_status_of_a_new_series(app: SeriesApp) -> None:
    """The status of a new series says it waits, with no progress and no error."""
    series = await app.add_series("Trigun")
    state = await app.loading_status(series.id)
    assert state.status is LoadingStatus.PENDING
    assert state.progress.to_dict() == {"episodes": False, "nfo": False, "logo": False,
                                        "images": False}
    assert state.started_at is None
    assert state.message == "Waiting to load..."
    assert state.error is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * (MAX_TITLE_LENGTH + 1)}, "title"),
        ({"title": "Cowboy\x00Bebop"}, "title"),
        ({"title": "Cowboy\nBebop"}, "title"),
        ({"title": "Cowboy\u2028Bebop"}, "title"),
        ({"title": "bad \ud800 surrogate"}, "title"),
        ({"title": 42}, "title"),
        ({}, "title"),
        ({"title": "Akira", "year": 1800}, "year"),
        ({"title": "Akira", "year": "1988"}, "year"),
        ({"provider_ref": ProviderRef("anilist", "abc")}, "id"),
        ({"provider_ref": ProviderRef("anilist", "-1")}, "id"),
        ({"provider_ref": ProviderRef("anilist", "0")}, "id"),
        ({"provider_ref": ProviderRef("imdb", "12345")}, "id"),
        ({"provider_ref": ProviderRef("AniList", "1")}, "provider"),
        ({"provider_ref": ProviderRef("ani list", "1")}, "provider"),
    ],
)
async def test_invalid_input_writes_nothing(app: SeriesApp, kwargs: dict[str, object],
                                            field: str) -> None:
    """Bad titles, years and ids raise InvalidInput naming the field, and store nothing."""
    with pytest.raises(InvalidInput) as caught:
        await app.add_series(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert str(caught.value)
    assert await app.list_series() == []


async def test_surrounding_whitespace_is_trimmed(app: SeriesApp) -> None:
    """Leading and trailing whitespace is not part of a title."""
    series = await app.add_series("  Akira \t")
    assert series.title == "Akira"


async def test_hundred_concurrent_adds(app: SeriesApp) -> None:
    """100 adds at once give 100 distinct ids and 100 rows."""
    ids: list[str] = []

    async def add(number: int) -> None:
        ids.append((await app.add_series(f"Series {number}")).id)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as task_group:
            for number in range(100):
                task_group.start_soon(add, number)
    assert len(set(ids)) == 100
    assert {s.id for s in await app.list_series()} == set(ids)


valid_titles = st.text(min_size=1, max_size=MAX_TITLE_LENGTH).filter(is_valid_title)


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=valid_titles)
async def test_any_valid_title_round_trips_unchanged(app: SeriesApp, title: str) -> None:
    """Whatever valid title goes in comes back out exactly, from the database."""
    series = await app.add_series(title)
    assert (await app.get_series(series.id)).title == title
    await app.remove_series(series.id)  # the next example may differ from it only in case


async def test_data_survives_a_restart(settings: Settings) -> None:
    """Series added before closing the app are there after opening it again."""
    async with SeriesApp.open(settings, loader=False) as first:
        added = await first.add_series("Mushishi", ProviderRef("anilist", "457"))
    async with SeriesApp.open(settings, loader=False) as second:
        assert await second.get_series(added.id) == added


async def test_errors_from_the_body_are_not_wrapped(settings: Settings) -> None:
    """An AniworldError raised inside ``open()`` reaches the caller as itself."""
    with pytest.raises(SeriesNotFound):
        async with SeriesApp.open(settings) as app:
            await app.get_series("nope")


async def test_data_dir_is_private(tmp_path: Path, database_url: str) -> None:
    """A new data dir is readable only by its owner."""
    data_dir = tmp_path / "fresh"
    async with SeriesApp.open(Settings(data_dir=data_dir, database_url=database_url)):
        pass
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


async def test_unusable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    """A data dir that cannot be created is reported with its path, not a traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StorageError, match="Cannot create the data directory"):
        async with SeriesApp.open(Settings(data_dir=blocker / "data")):
            pass
