"""Identifying a series folder: which entry it is, or that the user has to pick."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest

from aniworld_core import (
    LoaderSettings,
    ProviderIds,
    ProviderRef,
    ProviderSettings,
    SearchResult,
    SeriesInfo,
    open_provider,
)
from aniworld_core.library.names import read_folder_name
from aniworld_core.loader.identify import MAX_QUERIES, identify, rank
from aniworld_core.loader.sequel_lookup import identify_with_seasons
from aniworld_core.providers.anilist import AniList
from aniworld_testing import Dataset, FakeAniList, FakeOptions

pytestmark = pytest.mark.anyio

THRESHOLD = LoaderSettings().identify_threshold
CORPUS = Path(__file__).parents[2] / "data" / "identify_corpus.tsv"


def entry(anilist_id: int, title: str, year: int | None, *alt: str, fmt: str = "TV",
          mal: int | None = None) -> SearchResult:
    return SearchResult(ref=ProviderRef("anilist", str(anilist_id)), title=title, year=year,
                        format=fmt, alt_titles=alt,
                        ids=ProviderIds(anilist=str(anilist_id), mal=str(mal) if mal else None))


AOT = entry(16498, "Attack on Titan", 2013, "Shingeki no Kyojin", "進撃の巨人")
AOT_2 = entry(20958, "Attack on Titan Season 2", 2017, "Shingeki no Kyojin 2", "進撃の巨人2")
GEASS = entry(1575, "Code Geass: Lelouch of the Rebellion", 2006,
              "Code Geass: Hangyaku no Lelouch", "Code Geass")
GEASS_R2 = entry(2904, "Code Geass: Lelouch of the Rebellion R2", 2008,
                 "Code Geass: Hangyaku no Lelouch R2")
GHOUL = entry(20605, "Tokyo Ghoul", 2014)
GHOUL_A = entry(20850, "Tokyo Ghoul √A", 2015, "Tokyo Ghoul Root A", "Tokyo Ghoul 2nd Season")
ABYSS = entry(97986, "Made in Abyss", 2017)
ABYSS_2 = entry(114922, "Made in Abyss: The Golden City of the Scorching Sun", 2022,
                "Made in Abyss: Retsujitsu no Ougonkyou")
HXH_1999 = entry(136, "Hunter x Hunter", 1999, "HUNTER×HUNTER", mal=136)
HXH_2011 = entry(11061, "Hunter x Hunter (2011)", 2011, "HUNTER×HUNTER (2011)", "HxH",
                 mal=11061)
EIGHTY_SIX = entry(116589, "86 EIGHTY-SIX", 2021, "86: Eighty Six", "Eighty-Six")
EIGHTY_SIX_2 = entry(131942, "86 EIGHTY-SIX Part 2", 2021, "86: Eighty Six Part 2")
MOB = entry(21507, "Mob Psycho 100", 2016)
VIOLET = entry(21827, "Violet Evergarden", 2018)
BERSERK_2016 = entry(21560, "Berserk", 2016)
BERSERK_2017 = entry(97643, "Berserk Season 2", 2017, "Berserk 2nd Season")


class Searches:
    """A provider search that answers ``results`` to every query and records the queries."""

    def __init__(self, *results: SearchResult) -> None:
        self.results = results
        self.queries: list[tuple[str, int | None]] = []

    async def __call__(self, query: str, year: int | None) -> Sequence[SearchResult]:
        self.queries.append((query, year))
        return self.results


async def matched(name: str, *results: SearchResult) -> str | None:
    found = await identify(read_folder_name(name), Searches(*results), threshold=THRESHOLD)
    return found.match.ref.id if found.match else None


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Attack on Titan", "16498"), ("Shingeki no Kyojin", "16498"), ("進撃の巨人", "16498"),
     ("ATTACK ON TITAN", "16498"), ("進撃の巨人2", "20958"), ("Shingeki no Kyojin 2", "20958")],
)
async def test_an_exact_title_in_any_script_wins(name: str, expected: str) -> None:
    """English, romaji and native titles all count; an exact one is a confident match."""
    assert await matched(name, AOT, AOT_2) == expected


@pytest.mark.parametrize("name", ["86", "86 - Eighty Six", "Eighty-Six", "86 Eighty Six (2021)"])
async def test_a_numeric_title_is_matched(name: str) -> None:
    """A title that is a number is a title, not a season or an episode."""
    assert await matched(name, EIGHTY_SIX, EIGHTY_SIX_2, MOB) == "116589"


@pytest.mark.parametrize(
    ("name", "first", "sequel"),
    [("Code Geass R2", GEASS, GEASS_R2), ("Attack on Titan Season 2", AOT, AOT_2),
     ("Shingeki no Kyojin S02", AOT, AOT_2), ("Tokyo Ghoul √A", GHOUL, GHOUL_A),
     ("Tokyo Ghoul Season 2", GHOUL, GHOUL_A), ("86 Part 2", EIGHTY_SIX, EIGHTY_SIX_2)],
)
async def test_a_sequel_name_never_matches_the_first_entry(name: str, first: SearchResult,
                                                           sequel: SearchResult) -> None:
    """With the sequel among the results it is the match; without it the user is asked,
    however well the first entry's title fits."""
    assert await matched(name, first, sequel) == sequel.ref.id
    assert await matched(name, first) is None


@pytest.mark.parametrize(("name", "first", "sequel"),
                         [("Code Geass", GEASS, GEASS_R2), ("Attack on Titan", AOT, AOT_2),
                          ("Tokyo Ghoul", GHOUL, GHOUL_A), ("86", EIGHTY_SIX, EIGHTY_SIX_2)])
async def test_a_name_without_a_marker_is_the_first_entry(name: str, first: SearchResult,
                                                          sequel: SearchResult) -> None:
    """The sequels of a chain do not compete with its first entry for an unmarked name."""
    assert await matched(name, sequel, first) == first.ref.id


async def test_a_season_no_entry_is_marked_with_asks() -> None:
    """"Made in Abyss Season 2" asks: its second season's title carries no marker, and the
    first season is never the answer; the reason says so."""
    found = await identify(read_folder_name("Made in Abyss Season 2"), Searches(ABYSS, ABYSS_2),
                           threshold=THRESHOLD)
    assert found.match is None
    assert "season 2" in found.reason
    assert {c.result.ref.id for c in found.candidates} == {"97986", "114922"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Hunter x Hunter", None), ("Hunter x Hunter (1999)", "136"),
     ("Hunter x Hunter (2011)", "11061"), ("Hunter.x.Hunter.2011.1080p.BluRay", "11061"),
     ("HUNTER×HUNTER 1999", "136")],
)
async def test_remakes_are_told_apart_by_the_year(name: str, expected: str | None) -> None:
    """Remakes sharing a title are ambiguous without a year and clear with one."""
    assert await matched(name, HXH_1999, HXH_2011) == expected


async def test_an_ambiguous_name_says_a_year_would_help() -> None:
    """Asking about remakes names both and suggests adding the year."""
    found = await identify(read_folder_name("Hunter x Hunter"), Searches(HXH_1999, HXH_2011),
                           threshold=THRESHOLD)
    assert found.match is None
    assert found.confidence <= 0.5
    assert "year" in found.reason
    assert [c.result.ref.id for c in found.candidates] == ["136", "11061"]


async def test_a_year_that_points_at_another_entry_asks() -> None:
    """"Berserk (2017)": the title fits the 2016 series, the year its second season."""
    assert await matched("Berserk (2017)", BERSERK_2016, BERSERK_2017) is None
    assert await matched("Berserk (2016)", BERSERK_2016, BERSERK_2017) == "21560"


async def test_a_movie_folder_never_matches_the_series() -> None:
    """A name that says "movie" does not confidently match a TV entry of the same title."""
    assert await matched("Violet Evergarden (Movie)", VIOLET) is None
    movie = entry(103047, "Violet Evergarden: The Movie", 2020, fmt="MOVIE")
    assert await matched("Violet Evergarden The Movie", VIOLET, movie) == "103047"
    assert await matched("Violet Evergarden", VIOLET, movie) == "21827"


async def test_typos_and_spelling_variants_still_match() -> None:
    """A letter off, long vowels spelt out, spacing and punctuation do not stop a match."""
    bebop = entry(1, "Cowboy Bebop", 1998)
    dandadan = entry(171018, "DAN DA DAN", 2024, "Dandadan")
    assert await matched("Cowboy Bepop", bebop) == "1"
    assert await matched("Dan-Da-Dan", dandadan) == "171018"
    assert await matched("Shingeki no Kyoujin", AOT) == "16498"


@pytest.mark.parametrize("name", ["Tokyo Ghoul Jack", "Attack on Titan Junior High",
                                  "Monster Hunter Stories", "Breaking Bad"])
async def test_a_name_with_words_no_title_has_asks(name: str) -> None:
    """A folder name that says more than any result's title is not any of them."""
    monster = entry(19, "Monster", 2004)
    assert await matched(name, GHOUL, AOT, monster) is None


async def test_no_result_asks_with_the_reason() -> None:
    """Nothing found: no match, no candidates, and the reason names the search."""
    found = await identify(read_folder_name("Yuru Camp"), Searches(), threshold=THRESHOLD)
    assert (found.match, found.confidence, found.candidates) == (None, 0.0, ())
    assert "Yuru Camp" in found.reason


async def test_a_japanese_name_without_japanese_titles_to_compare_asks() -> None:
    """Results that carry no title in the folder name's script cannot confirm it."""
    latin_only = entry(154587, "Frieren: Beyond Journey's End", 2023, "Sousou no Frieren")
    found = await identify(read_folder_name("葬送のフリーレン"), Searches(latin_only),
                           threshold=THRESHOLD)
    assert found.match is None
    assert "script" in found.reason


async def test_an_id_hint_of_the_provider_answers_without_searching() -> None:
    """``[anilistid-N]`` is the answer: no search is sent."""
    searches = Searches(AOT)
    found = await identify(read_folder_name("Whatever I Called It [anilistid-2904]"), searches,
                           threshold=THRESHOLD)
    assert found.match is not None
    assert (found.match.ref, found.confidence, searches.queries) == (
        ProviderRef("anilist", "2904"), 1.0, [])


async def test_another_id_hint_picks_the_result_carrying_it() -> None:
    """``[malid-N]`` picks the result with that MAL id, even against the title and year."""
    assert await matched("Hunter x Hunter [malid-11061]", HXH_1999, HXH_2011) == "11061"
    assert await matched("Hunter x Hunter (1999) [malid-11061]", HXH_1999, HXH_2011) == "11061"


async def test_one_search_when_it_is_enough_more_only_when_unsure() -> None:
    """The first search is the title with its marker and the folder's year; a confident
    answer stops there; an unsure one tries the base and main titles, never more than
    :data:`MAX_QUERIES` searches."""
    sure = Searches(GEASS, GEASS_R2)
    await identify(read_folder_name("Code Geass R2 (2008)"), sure, threshold=THRESHOLD)
    assert sure.queries == [("Code Geass R2", 2008)]
    unsure = Searches()
    await identify(read_folder_name("Code Geass: Lelouch of the Rebellion R2"), unsure,
                   threshold=THRESHOLD)
    assert [q for q, _ in unsure.queries] == [
        "Code Geass: Lelouch of the Rebellion R2", "Code Geass: Lelouch of the Rebellion",
        "Code Geass"]
    assert len(unsure.queries) <= MAX_QUERIES


async def test_identification_is_deterministic() -> None:
    """The same folder and the same answers give the same identification."""
    folder = read_folder_name("Hunter x Hunter")
    first = await identify(folder, Searches(HXH_1999, HXH_2011), threshold=THRESHOLD)
    again = await identify(folder, Searches(HXH_1999, HXH_2011), threshold=THRESHOLD)
    assert first == again


def test_rank_counts_a_sequel_as_its_show() -> None:
    """For providers with one entry per show, a sequel's title ranks the show high and the
    sequel entry higher still."""
    show = entry(919, "Attack on Titan", 2013)
    ranked = rank(["Attack on Titan Season 2"], None, [show, AOT_2])
    assert [(item.result.ref.id, round(item.score, 2)) for item in ranked] == [
        ("20958", 1.0), ("919", 0.9)]


# -- The labelled corpus against the fake AniList --------------------------------------------


@pytest.fixture
async def anilist() -> AsyncIterator[AniList]:
    fake = FakeAniList(options=FakeOptions())  # no rate limits: hundreds of searches
    settings = ProviderSettings(url="http://anilist.invalid", rate_scale=1_000_000)
    async with open_provider(AniList, settings,
                             transport=httpx.ASGITransport(app=fake.app)) as provider:
        yield provider


def corpus() -> list[tuple[str, str]]:
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, expected = line.split("\t")
            rows.append((name, expected.strip()))
    return rows


async def test_a_later_season_without_its_marker_in_titles_is_counted_along_the_chain(
        anilist: AniList) -> None:
    """"Made in Abyss Season 2" and "Attack on Titan Season 4" name seasons no AniList title
    marks: the first season is identified and the season counted along its chain (a movie in
    between is no season; a split cour is part of its season); a season the chain lacks asks."""

    async def search(query: str, year: int | None) -> Sequence[SearchResult]:
        return await anilist.search(query, year=year)

    async def fetch(ref: ProviderRef) -> SeriesInfo | None:
        return (await anilist.fetch_series([ref])).get(ref.id)

    async def found(name: str) -> str | None:
        result = await identify_with_seasons(read_folder_name(name), search, fetch,
                                             threshold=THRESHOLD)
        return result.match.ref.id if result.match else None

    assert await found("Made in Abyss Season 2") == "114922"
    assert await found("Attack on Titan Season 4") == "110277"
    assert await found("Attack on Titan Season 3") == "99147"
    assert await found("Made in Abyss Season 5") is None


async def test_the_labelled_corpus_is_never_confidently_wrong(anilist: AniList) -> None:
    """Every folder name of the corpus, through the AniList provider and the fake AniList:
    none is matched to a wrong entry, and at least 98 % are right or rightly asked (an id the
    fake does not know means "ask")."""
    rows = corpus()
    assert len(rows) >= 200
    dataset = Dataset.default()

    async def search(query: str, year: int | None) -> Sequence[SearchResult]:
        return await anilist.search(query, year=year)

    async def fetch(ref: ProviderRef) -> SeriesInfo | None:
        return (await anilist.fetch_series([ref])).get(ref.id)

    wrong, good = [], 0
    for name, expected in rows:
        known = expected != "ask" and dataset.by_anilist(int(expected)) is not None
        wanted = expected if known else None
        found = await identify_with_seasons(read_folder_name(name), search, fetch,
                                            threshold=THRESHOLD)
        got = found.match.ref.id if found.match else None
        if got == wanted:
            good += 1
        elif got is not None:
            wrong.append((name, wanted, got, found.reason))
    assert wrong == []
    assert good / len(rows) >= 0.98
