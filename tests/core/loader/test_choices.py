"""Identification scoring and artwork choice: pure rules the loader applies."""

from __future__ import annotations

from aniworld_core.loader import artwork_choice
from aniworld_core.loader.identify import describe, normalise, rank
from aniworld_core.metadata import Artwork, ArtworkKind, ProviderRef, SearchResult


def result(title: str, year: int | None, ref: str, *alt: str) -> SearchResult:
    return SearchResult(ref=ProviderRef("anilist", ref), title=title, year=year, alt_titles=alt)


def test_normalise_ignores_case_accents_and_punctuation() -> None:
    """Titles that differ only in case, accents or punctuation normalise alike."""
    assert normalise("Steins;Gate") == normalise("steins gate")
    assert normalise("Pokémon") == normalise("POKEMON")


def test_exact_title_with_matching_year_wins() -> None:
    """The result whose title (or an alternative title) matches and whose year agrees ranks
    first, above a remake of another year."""
    ranked = rank("Hunter x Hunter", 2011, [
        result("Hunter x Hunter", 1999, "136"),
        result("HUNTER×HUNTER (2011)", 2011, "11061", "Hunter x Hunter"),
    ])
    assert ranked[0].result.ref.id == "11061"
    assert ranked[0].score == 1.0
    assert ranked[1].score < 0.8


def test_unrelated_results_score_low() -> None:
    """A search that found only other series gives no confident match."""
    ranked = rank("Mushishi", None, [result("Mushoku Tensei", 2021, "108465")])
    assert ranked[0].score < 0.75
    assert describe(ranked) == ["Mushoku Tensei (2021) anilist:108465"]


def art(kind: ArtworkKind, url: str, language: str | None = None, score: float = 0,
        season: int | None = None) -> Artwork:
    return Artwork(kind=kind, url=url, language=language, score=score, season=season)


def test_best_prefers_english_then_the_earlier_source_then_score() -> None:
    """Language comes first; between sources the configured order decides (their scores do
    not compare); within one source the higher score wins."""
    first_source = [art(ArtworkKind.CLEARLOGO, "first-en", "en", 1),
                    art(ArtworkKind.CLEARLOGO, "first-ja", "ja", 900)]
    second_source = [art(ArtworkKind.CLEARLOGO, "second-en-low", "en", 500),
                     art(ArtworkKind.CLEARLOGO, "second-en-high", "en", 900),
                     art(ArtworkKind.POSTER, "poster")]
    chosen = artwork_choice.best([first_source, second_source], ArtworkKind.CLEARLOGO)
    assert chosen is not None
    assert chosen.url == "first-en"
    chosen = artwork_choice.best([second_source], ArtworkKind.CLEARLOGO)
    assert chosen is not None
    assert chosen.url == "second-en-high"
    assert artwork_choice.best([first_source, second_source], ArtworkKind.BANNER) is None


def test_one_poster_per_season_and_each_url_once() -> None:
    """Season posters are chosen per season; a URL offered twice counts once, at its first
    source."""
    offered = [
        art(ArtworkKind.SEASON_POSTER, "s1-ja", "ja", season=1),
        art(ArtworkKind.SEASON_POSTER, "s1-en", "en", season=1),
        art(ArtworkKind.SEASON_POSTER, "s2", None, season=2),
    ]
    assert {n: a.url for n, a in artwork_choice.season_posters([offered]).items()} == {
        1: "s1-en", 2: "s2"}
    again = [art(ArtworkKind.SEASON_POSTER, "s2", "en", season=2)]
    assert artwork_choice.season_posters([offered, again])[2].language is None
    assert artwork_choice.kinds_in([offered, again]) == {ArtworkKind.SEASON_POSTER}
