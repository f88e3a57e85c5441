"""The shared dataset: consistent ids, franchises, episodes, generated series, search."""

from __future__ import annotations

from collections import defaultdict

import pytest

from aniworld_testing import GENERATED_START_ID, Dataset, generated


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.default()


def test_catalogue_has_about_fifty_real_series_with_unique_ids(dataset: Dataset) -> None:
    """Every AniList and MAL id appears once; the catalogue is the promised size."""
    assert 50 <= len(dataset) <= 80
    anilist = [r.anilist_id for r in dataset]
    mal = [r.mal_id for r in dataset if r.mal_id is not None]
    assert len(set(anilist)) == len(anilist)
    assert len(set(mal)) == len(mal)
    assert not any(r.generated for r in dataset)


def test_entries_of_one_tvdb_show_agree_on_the_other_show_ids(dataset: Dataset) -> None:
    """Entries sharing a TVDB id share TMDB, TVmaze and IMDb ids, and no two shows share one."""
    by_tvdb: dict[int, set[tuple[object, ...]]] = defaultdict(set)
    for record in dataset:
        if record.tvdb_id is not None:
            by_tvdb[record.tvdb_id].add((record.tmdb_id, record.tvmaze_id, record.imdb_id))
    assert all(len(ids) == 1 for ids in by_tvdb.values())
    for position in range(3):
        values = [next(iter(ids))[position] for ids in by_tvdb.values()]
        assert len(set(values)) == len(values)


def test_split_cours_continue_the_tvdb_season(dataset: Dataset) -> None:
    """Attack on Titan's six AniList entries are one TVDB show of four seasons; Season 3 Part 2
    continues season 3 at episode 13."""
    show = dataset.show_by_tvdb(267440)
    assert show is not None
    assert [e.anilist_id for e in show.entries] == [16498, 20958, 99147, 104578, 110277, 131681]
    assert show.season_numbers == (1, 2, 3, 4)
    season_three = [(e.number, e.entry.anilist_id) for e in show.episodes(3)]
    assert season_three[0] == (1, 99147)
    assert season_three[12] == (13, 104578)
    assert season_three[-1] == (22, 104578)


def test_sequels_and_side_stories_are_related_both_ways(dataset: Dataset) -> None:
    """A prequel link yields SEQUEL on the earlier entry; a parent yields SIDE_STORY."""
    bebop = dataset.by_anilist(1)
    mob_two = dataset.by_anilist(101338)
    assert bebop is not None
    assert mob_two is not None
    assert [(k, r.anilist_id) for k, r in dataset.relations(bebop)] == [("SIDE_STORY", 5)]
    assert [(k, r.anilist_id) for k, r in dataset.relations(mob_two)] == [
        ("PREQUEL", 21507), ("SEQUEL", 140439)]


def test_one_piece_has_over_a_thousand_episodes_with_fillers(dataset: Dataset) -> None:
    """One Piece is long and releasing, its air dates rise, and known filler arcs are flagged."""
    one_piece = dataset.by_anilist(21)
    assert one_piece is not None
    episodes = one_piece.episode_list()
    assert one_piece.status == "RELEASING"
    assert one_piece.episodes is None
    assert len(episodes) == one_piece.aired_episodes > 1000
    dates = [e.aired for e in episodes]
    assert dates == sorted(dates)  # type: ignore[type-var]
    assert episodes[54 - 1].filler
    assert not episodes[1 - 1].filler


def test_real_episode_titles_are_used_where_known(dataset: Dataset) -> None:
    """Cowboy Bebop's episodes carry their real titles; others are "Episode N"."""
    bebop = dataset.by_anilist(1)
    frieren = dataset.by_anilist(154587)
    assert bebop is not None
    assert frieren is not None
    assert bebop.episode(1).title == "Asteroid Blues"
    assert bebop.episode(26).title == "The Real Folk Blues (Part 2)"
    assert frieren.episode(3).title == "Episode 3"
    with pytest.raises(IndexError):
        bebop.episode(27)


def test_generated_series_depend_only_on_their_id() -> None:
    """generated() is deterministic and a record depends on its id, not on the batch."""
    first = generated(15)
    again = generated(10, start_id=GENERATED_START_ID + 5)
    assert first[5:] == again
    assert [r.anilist_id for r in first] == list(range(GENERATED_START_ID,
                                                       GENERATED_START_ID + 15))
    record = first[0]
    assert record.mal_id == record.anilist_id == GENERATED_START_ID
    assert record.imdb_id == f"tt{90_000_000 + GENERATED_START_ID}"


def test_ten_thousand_generated_series_have_unique_titles() -> None:
    """A 10,000-series dataset builds, indexes every id and keeps titles unique."""
    big = Dataset.default().with_generated(10_000)
    titles = [r.title for r in big if r.generated]
    assert len(big) == len(Dataset.default()) + 10_000
    assert len(set(titles)) == 10_000
    last = GENERATED_START_ID + 9_999
    assert big.by_mal(last) is not None
    assert big.search(titles[-1])[0][1].anilist_id == last


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Cowboy Bebop", 1),
        ("cowboy beb", 1),
        ("Attack on Titan", 16498),
        ("Shingeki no Kyojin 3", 99147),
        ("AoT", 16498),
        ("Frieren", 154587),
        ("86", 116589),
        ("Mob Psycho 100 III", 140439),
        ("spy x family", 140960),
        ("Steins Gate", 9253),
        ("進撃の巨人", 16498),
    ],
)
def test_search_ranks_exact_titles_and_synonyms_first(dataset: Dataset, query: str,
                                                       expected: int) -> None:
    """Exact titles, synonyms and prefixes rank first, like the real services."""
    assert dataset.search(query)[0][1].anilist_id == expected


def test_search_for_nonsense_finds_nothing(dataset: Dataset) -> None:
    """A query that matches no title returns no candidates."""
    assert dataset.search("zzqx unknown words") == []
    assert dataset.search("  ") == []
