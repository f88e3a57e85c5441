"""Matching a known series at other providers (the ids step) keeps identification's rules: a
movie is never a TV show, the year counts, and a result must lead the others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import attrs
import pytest

from aniworld_core import (
    LoaderSettings,
    ProviderIds,
    ProviderRef,
    SearchResult,
    SeriesApp,
    Settings,
)
from aniworld_core.loader.identify import confident, rank
from aniworld_testing import Dataset, FakeBundle, SeriesRecord, generated

pytestmark = pytest.mark.anyio

THRESHOLD = LoaderSettings().identify_threshold


def show(tvmaze_id: int, title: str, year: int | None) -> SearchResult:
    """A search result as TVmaze (or TMDB's TV search) gives it: a show, no format."""
    return SearchResult(ref=ProviderRef("tvmaze", str(tvmaze_id)), title=title, year=year,
                        ids=ProviderIds(tvdb=str(tvmaze_id * 10), extra={"tvmaze": str(tvmaze_id)}))


def test_a_movie_never_matches_a_show_of_the_same_name() -> None:
    """A movie is matched only to a result marked as a movie; a show (format not given) with
    its exact title and year is no match, and neither is a movie for a show."""
    results = [show(1, "Wind Traveller", 2010)]
    assert confident(rank(["Wind Traveller"], 2010, results, movie=True), THRESHOLD) is None
    assert confident(rank(["Wind Traveller"], 2010, results, movie=False), THRESHOLD) == \
        rank(["Wind Traveller"], 2010, results)[0]
    film = attrs.evolve(show(2, "Wind Traveller", 2010), format="MOVIE")
    assert confident(rank(["Wind Traveller"], 2010, [film], movie=False), THRESHOLD) is None
    found = confident(rank(["Wind Traveller"], 2010, [film], movie=True), THRESHOLD)
    assert found is not None
    assert found.result is film


def test_another_year_and_a_tie_are_no_match() -> None:
    """A show from years before is no match, and two shows of one title are none until a year
    tells them apart."""
    assert confident(rank(["Hunter x Hunter"], 2011, [show(1, "Hunter x Hunter", 1999)]),
                     THRESHOLD) is None
    remakes = [show(1, "Hunter x Hunter", 1999), show(2, "Hunter x Hunter", 2011)]
    assert confident(rank(["Hunter x Hunter"], None, remakes), THRESHOLD) is None
    found = confident(rank(["Hunter x Hunter"], 2011, remakes), THRESHOLD)
    assert found is not None
    assert found.result.ref.id == "2"


def twins(start_id: int) -> tuple[SeriesRecord, SeriesRecord]:
    """A TV show TVmaze, TVDB and TMDB know, and a movie of the same title and year that only
    AniList and MyAnimeList list (like the films of many anime)."""
    tv = next(record for record in generated(20, start_id) if record.format == "TV")
    movie = attrs.evolve(tv, anilist_id=tv.anilist_id + 50, mal_id=tv.anilist_id + 50,
                         format="MOVIE", episodes=1, aired_episodes=1, duration=100,
                         end_date=tv.start_date, anidb_id=None, tvdb_id=None, tmdb_id=None,
                         imdb_id=None, tvmaze_id=None)
    return tv, movie


@pytest.fixture
def bundle() -> Iterator[FakeBundle]:
    """Every fake provider, serving the real catalogue plus :func:`twins`, limits 60x."""
    tv, movie = twins(990_000)
    with FakeBundle(Dataset([*Dataset.default().records, tv, movie]),
                    rate_limit_scale=60) as fakes:
        yield fakes


def with_plugins(fakes: FakeBundle, tmp_path: Path, database_url: str) -> Settings:
    overrides = {
        **fakes.settings_overrides(),
        **{f"providers.{name}.rate_scale": 60
           for name in ("anilist", "jikan", "tvmaze", "tmdb", "fanart")},
        "data_dir": str(tmp_path / "data"), "database_url": database_url,
        "library": [str(tmp_path / "library")], "load_entry_points": True,
        "loader.retry_base_delay": 0.01, "loader.retry_max_delay": 0.05,
    }
    return Settings.load(env={}, overrides=overrides)


async def test_a_movie_gets_no_ids_of_a_show_with_its_name(
        bundle: FakeBundle, tmp_path: Path, database_url: str) -> None:
    """A movie folder whose title and year a TV show at TVmaze and TMDB shares loads with its
    own AniList and MAL ids only: no TVDB, TMDB or TVmaze id of that show, none in
    tvshow.nfo or movie.nfo; the show itself, in its own folder, gets them."""
    tv, movie = twins(990_000)
    year = tv.start_date.year if tv.start_date else None
    library = tmp_path / "library"
    for record, name in ((movie, f"{movie.english} ({year}) [anilistid-{movie.anilist_id}]"),
                         (tv, f"{tv.english} ({year}) [anilistid-{tv.anilist_id}]")):
        (library / name).mkdir(parents=True)
        (library / name / f"{record.english} - 01.mkv").write_bytes(b"video")
    async with SeriesApp.open(with_plugins(bundle, tmp_path, database_url)) as app:
        await app.scan()
        with anyio.fail_after(60):
            await app.wait_idle()
        loaded = {series.ids.anilist: series for series in await app.list_series()}
    film, series = loaded[str(movie.anilist_id)], loaded[str(tv.anilist_id)]
    assert film.metadata is not None
    assert film.metadata.format == "MOVIE"
    assert film.ids.to_dict() == {"anilist": str(movie.anilist_id), "mal": str(movie.mal_id)}
    assert series.ids.tvdb == str(tv.tvdb_id)
    assert series.ids.extra.get("tvmaze") == str(tv.tvmaze_id)
    assert film.folder is not None
    written = b"".join(path.read_bytes() for path in (library / film.folder).glob("*.nfo"))
    assert b"<movie>" in written
    assert f">{tv.tvdb_id}<".encode() not in written
