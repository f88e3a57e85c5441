"""Walking AniList's relations from the identified entry to the show's seasons."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import attrs
import pytest

from aniworld_core import ProviderIds, ProviderRef, Relation, SeriesInfo
from aniworld_core.library.seasons import MAX_CHAIN, Layout
from aniworld_core.library.sequels import NO_MARKER, split_marker
from aniworld_core.loader.chain import walk_chain
from aniworld_core.loader.episodes_step import _entry_episodes

pytestmark = pytest.mark.anyio


class Catalogue:
    """Entries by id, each with SEQUEL/PREQUEL edges to the next and previous; counts fetches."""

    def __init__(self) -> None:
        self.entries: dict[str, SeriesInfo] = {}
        self.fetched: list[str] = []
        #: Titles and formats of entries not added yet, for the edges that point at them.
        self.titles: dict[int, str] = {}
        self.formats: dict[int, str] = {}

    def add(self, ident: int, title: str, fmt: str = "TV", *, sequel: int | None = None,
            prequel: int | None = None, extra: tuple[Relation, ...] = ()) -> None:
        relations = list(extra)
        if sequel is not None:
            relations.append(Relation("SEQUEL", ref(sequel), self.title(sequel), self.fmt(sequel)))
        if prequel is not None:
            relations.append(Relation("PREQUEL", ref(prequel), self.title(prequel),
                                      self.fmt(prequel)))
        self.entries[str(ident)] = SeriesInfo(ref=ref(ident), title=title, format=fmt,
                                              relations=tuple(relations))

    def title(self, ident: int) -> str | None:
        found = self.entries.get(str(ident))
        return found.title if found else self.titles.get(ident)

    def fmt(self, ident: int) -> str | None:
        found = self.entries.get(str(ident))
        return found.format if found else self.formats.get(ident, "TV")

    async def fetch(self, wanted: ProviderRef) -> SeriesInfo | None:
        self.fetched.append(wanted.id)
        return self.entries.get(wanted.id)


def ref(ident: int) -> ProviderRef:
    return ProviderRef("anilist", str(ident))


def chain_of(specs: list[tuple[int, str, str]]) -> Catalogue:
    """Entries linked one after another in the order given."""
    catalogue = Catalogue()
    catalogue.titles = {ident: title for ident, title, _ in specs}
    catalogue.formats = {ident: fmt for ident, _, fmt in specs}
    for index, (ident, title, fmt) in enumerate(specs):
        catalogue.add(ident, title, fmt,
                      sequel=specs[index + 1][0] if index + 1 < len(specs) else None,
                      prequel=specs[index - 1][0] if index else None)
    return catalogue


AOT = [(1, "Attack on Titan", "TV"), (2, "Attack on Titan Season 2", "TV"),
       (3, "Attack on Titan Season 3", "TV"), (4, "Attack on Titan Season 3 Part 2", "TV"),
       (5, "Attack on Titan Final Season", "TV")]


async def test_a_whole_show_folder_gets_every_season() -> None:
    """From the first entry of a chain, every TV entry is a season of the show, a split cour
    marked as continuing the entry before it; one fetch per step."""
    catalogue = chain_of(AOT)
    chain = await walk_chain(catalogue.entries["1"], catalogue.fetch, folder_marker=NO_MARKER)
    assert chain.layout is Layout.SHOW
    assert [info.ref.id for info in chain.entries] == ["1", "2", "3", "4", "5"]
    assert chain.continues == (False, False, False, True, False)
    assert catalogue.fetched == ["2", "3", "4", "5"]
    assert chain.note is None


async def test_movies_between_seasons_are_passed_through() -> None:
    """A movie in the SEQUEL chain between two seasons is walked through but is no season."""
    catalogue = chain_of([(10, "Made in Abyss", "TV"), (11, "Dawn of the Deep Soul", "MOVIE"),
                          (12, "Made in Abyss: The Golden City", "TV")])
    chain = await walk_chain(catalogue.entries["10"], catalogue.fetch, folder_marker=NO_MARKER)
    assert [info.ref.id for info in chain.entries] == ["10", "12"]


async def test_a_season_is_followed_before_a_movie() -> None:
    """Of two sequels, the TV season is followed, not the movie."""
    catalogue = chain_of([(20, "Show", "TV"), (22, "Show 2", "TV")])
    catalogue.titles[21] = "Show: The Movie"
    catalogue.formats[21] = "MOVIE"
    catalogue.add(20, "Show", extra=(Relation("SEQUEL", ref(21), "Show: The Movie", "MOVIE",
                                              year=2001),), sequel=22)
    chain = await walk_chain(catalogue.entries["20"], catalogue.fetch, folder_marker=NO_MARKER)
    assert [info.ref.id for info in chain.entries] == ["20", "22"]
    assert "21" not in catalogue.fetched


async def test_an_entry_folder_gets_its_entry_and_its_parts() -> None:
    """A folder identified as a later entry is that entry and the split cours after it."""
    catalogue = chain_of(AOT)
    chain = await walk_chain(catalogue.entries["3"], catalogue.fetch, folder_marker=NO_MARKER)
    assert chain.layout is Layout.ENTRY
    assert [info.ref.id for info in chain.entries] == ["3", "4"]
    assert "5" not in catalogue.fetched


async def test_a_folder_naming_a_season_is_one_entry() -> None:
    """"Attack.on.Titan.S01..." names season 1: the first entry alone, not the whole chain."""
    catalogue = chain_of(AOT)
    marker = split_marker("Attack on Titan S01")[1]
    chain = await walk_chain(catalogue.entries["1"], catalogue.fetch, folder_marker=marker)
    assert chain.layout is Layout.ENTRY
    assert [info.ref.id for info in chain.entries] == ["1"]


async def test_a_season_after_a_prequel_movie_is_still_first() -> None:
    """A TV series whose only prequel is a movie (Jujutsu Kaisen 0) begins its show."""
    catalogue = chain_of([(30, "Jujutsu Kaisen 0", "MOVIE"), (31, "Jujutsu Kaisen", "TV"),
                          (32, "Jujutsu Kaisen 2nd Season", "TV")])
    chain = await walk_chain(catalogue.entries["31"], catalogue.fetch, folder_marker=NO_MARKER)
    assert chain.layout is Layout.SHOW
    assert [info.ref.id for info in chain.entries] == ["31", "32"]


async def test_a_movie_is_a_movie() -> None:
    """A movie entry is a movie folder: no walk."""
    catalogue = chain_of([(40, "Akira", "MOVIE")])
    chain = await walk_chain(catalogue.entries["40"], catalogue.fetch, folder_marker=NO_MARKER)
    assert (chain.layout, catalogue.fetched) == (Layout.MOVIE, [])


async def test_a_relation_cycle_stops_with_a_message() -> None:
    """A sequel that leads back to an entry already seen stops the walk; what was found stays
    and the note says where and why."""
    catalogue = chain_of([(50, "Loop", "TV"), (51, "Loop 2", "TV")])
    catalogue.add(51, "Loop 2", sequel=50, prequel=50)
    chain = await walk_chain(catalogue.entries["50"], catalogue.fetch, folder_marker=NO_MARKER)
    assert [info.ref.id for info in chain.entries] == ["50", "51"]
    assert chain.note is not None
    assert "relation cycle" in chain.note


async def test_a_chain_longer_than_the_limit_stops_with_a_message() -> None:
    """A chain of more than MAX_CHAIN entries stops there and says so."""
    catalogue = chain_of([(100 + n, f"Long Show Season {n + 1}", "TV")
                          for n in range(MAX_CHAIN + 10)])
    chain = await walk_chain(catalogue.entries["100"], catalogue.fetch, folder_marker=NO_MARKER)
    assert len(chain.entries) == MAX_CHAIN + 1
    assert chain.note is not None
    assert f"after {MAX_CHAIN} related entries" in chain.note


async def test_an_unknown_sequel_stops_with_a_message() -> None:
    """A sequel the provider does not know ends the chain there, with a note."""
    catalogue = chain_of([(60, "Show", "TV"), (61, "Show 2", "TV")])
    del catalogue.entries["61"]
    chain = await walk_chain(catalogue.entries["60"], catalogue.fetch, folder_marker=NO_MARKER)
    assert [info.ref.id for info in chain.entries] == ["60"]
    assert chain.note is not None
    assert "not known" in chain.note


class EmptyLister:
    """A provider listing episodes by MAL id that lists none (as MyAnimeList for most
    movies)."""

    name = "jikan"
    id_type = "mal"

    async def fetch_episodes(self, ref: ProviderRef) -> tuple[()]:
        return ()


class Turns:
    """What the episodes step needs of a job: turns at providers (granted at once)."""

    @contextlib.asynccontextmanager
    async def turn(self, provider: str) -> AsyncIterator[None]:
        yield


async def test_a_movie_the_lister_lists_no_episode_of_is_still_one() -> None:
    """A movie whose provider lists no episodes is one episode (itself, on its premiere), so
    its file is linked and a missing movie is missing; a TV entry listed empty stays empty."""
    movie = SeriesInfo(ref=ref(5), title="Cowboy Bebop: The Movie", format="MOVIE",
                       premiered=dt.date(2001, 9, 1), ids=ProviderIds(anilist="5", mal="5"))
    show = attrs.evolve(movie, format="TV", episode_count=26)
    found = await _entry_episodes(Turns(), EmptyLister(), movie)  # type: ignore[arg-type]
    assert [(e.number, e.title, e.air_date) for e in found.episodes] == [
        (1, "Cowboy Bebop: The Movie", dt.date(2001, 9, 1))]
    listed = await _entry_episodes(Turns(), EmptyLister(), show)  # type: ignore[arg-type]
    assert listed.episodes == ()
