"""The shared dataset: consistent ids, franchises, episodes, generated series, search."""

from __future__ import annotations

from collections import defaultdict

import attrs
import pytest

from aniworld_core.library.sequels import split_marker
from aniworld_testing import GENERATED_START_ID, Dataset, FakeAniList, FakeOptions, generated
from aniworld_testing.dataset import SeriesRecord, Show

#: Formats that make regular seasons; movies, OVAs and specials on a chain are passed through.
TV_FORMATS = frozenset({"TV", "TV_SHORT", "ONA"})
INVERSE = {"PREQUEL": "SEQUEL", "SEQUEL": "PREQUEL", "PARENT": "SIDE_STORY",
           "SIDE_STORY": "PARENT", "ALTERNATIVE": "ALTERNATIVE"}


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.default()


def test_catalogue_has_about_ninety_real_entries_with_unique_ids(dataset: Dataset) -> None:
    """Every AniList and MAL id appears once; the catalogue is the promised size."""
    assert 80 <= len(dataset) <= 150
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


def shows(dataset: Dataset) -> list[Show]:
    """Every TVDB show of ``dataset``, in catalogue order."""
    found: dict[int, Show] = {}
    for record in dataset:
        show = dataset.show_of(record)
        if show is not None:
            found.setdefault(show.tvdb_id, show)
    return list(found.values())


def entry(dataset: Dataset, anilist_id: int) -> SeriesRecord:
    record = dataset.by_anilist(anilist_id)
    assert record is not None, anilist_id
    return record


def related(dataset: Dataset, record: SeriesRecord, kind: str) -> list[SeriesRecord]:
    return [other for relation, other in dataset.relations(record) if relation == kind]


def tv_entries_on_the_sequel_chain(dataset: Dataset, root: SeriesRecord) -> list[SeriesRecord]:
    """The TV/TV_SHORT/ONA entries met walking SEQUEL edges from ``root``, as the core will."""
    chain: list[SeriesRecord] = []
    seen: set[int] = set()
    current: SeriesRecord | None = root
    while current is not None:
        assert current.anilist_id not in seen, f"SEQUEL cycle through {current.romaji}"
        seen.add(current.anilist_id)
        if current.format in TV_FORMATS:
            chain.append(current)
        sequels = related(dataset, current, "SEQUEL")
        assert len(sequels) <= 1, f"{current.romaji} has several sequels"
        current = sequels[0] if sequels else None
    return chain


def continues_the_season_of(later: SeriesRecord, previous: SeriesRecord) -> bool:
    """Whether one of ``later``'s titles is a later part or cour of ``previous``'s same title
    ("Season 3 Part 2" after "Season 3", "TO THE TOP 第2クール" after "TO THE TOP")."""
    pairs = zip((later.romaji, later.english, later.native),
                (previous.romaji, previous.english, previous.native), strict=True)
    for title, before in pairs:
        if not title or not before:
            continue
        base, marker = split_marker(title)
        if marker.part is not None and marker.part > 1 and (
                base.casefold() == split_marker(before)[0].casefold()):
            return True
    return False


def test_the_sequel_chain_of_every_show_numbers_seasons_like_tvdb(dataset: Dataset) -> None:
    """From each TVDB show's first entry, SEQUEL edges (past movies and OVAs) reach exactly the
    show's TV entries in order; counting a Part/Cour title as the previous entry's season gives
    TVDB's season numbers, and a part's offset is the episodes of the season's earlier parts."""
    problems: list[str] = []
    for show in shows(dataset):
        assert all(e.format in TV_FORMATS for e in show.entries), show.name
        chain = tv_entries_on_the_sequel_chain(dataset, show.first)
        if [e.anilist_id for e in chain] != [e.anilist_id for e in show.entries]:
            problems.append(f"{show.name}: chain {[e.anilist_id for e in chain]}, "
                            f"show {[e.anilist_id for e in show.entries]}")
            continue
        season, offset = 0, 0
        for previous, record in zip((None, *chain), chain, strict=False):
            if previous is not None and continues_the_season_of(record, previous):
                offset += previous.episodes or previous.aired_episodes
            else:
                season, offset = season + 1, 0
            if (record.tvdb_season, record.tvdb_offset) != (season, offset):
                problems.append(f"{record.romaji}: TVDB S{record.tvdb_season} +"
                                f"{record.tvdb_offset}, chain S{season} +{offset}")
    assert problems == []


def test_no_tv_entry_comes_before_a_shows_first_entry(dataset: Dataset) -> None:
    """Walking PREQUEL edges back from a show's first entry meets only movies and OVAs (the
    core's search for the first season stops at the right entry)."""
    for show in shows(dataset):
        current, seen = show.first, set[int]()
        while prequels := related(dataset, current, "PREQUEL"):
            assert len(prequels) == 1
            current = prequels[0]
            assert current.anilist_id not in seen
            seen.add(current.anilist_id)
            assert current.format not in TV_FORMATS, (show.name, current.romaji)


def test_franchises_have_their_later_seasons_movies_and_ovas(dataset: Dataset) -> None:
    """The season catalogue gives chains with split cours, a movie between two seasons, an OVA
    inside a chain and a movie that is a TV series' prequel."""
    def ids(tvdb_id: int) -> list[tuple[int, int, int]]:
        show = dataset.show_by_tvdb(tvdb_id)
        assert show is not None
        return [(e.anilist_id, e.tvdb_season, e.tvdb_offset) for e in show.entries]

    assert ids(278157) == [(20464, 1, 0), (20992, 2, 0), (21698, 3, 0), (106625, 4, 0),
                           (113538, 4, 13)]
    assert ids(305089) == [(21355, 1, 0), (108632, 2, 0), (119661, 2, 13), (163134, 3, 0)]
    assert ids(281183) == [(20605, 1, 0), (20850, 2, 0), (100240, 3, 0), (102351, 4, 0)]
    assert ids(377543) == [(113415, 1, 0), (145064, 2, 0)]
    chains = {
        97986: [("SEQUEL", 100643)],  # Made in Abyss → Dawn of the Deep Soul (movie) → S2
        100643: [("PREQUEL", 97986), ("SEQUEL", 114922)],
        101922: [("SEQUEL", 112151)],  # Demon Slayer → Mugen Train (movie) → Entertainment
        112151: [("PREQUEL", 101922), ("SEQUEL", 142329)],
        125368: [("PREQUEL", 112641), ("SEQUEL", 125367)],  # Kaguya-sama S2 → OVA → S3
        113415: [("PREQUEL", 131573), ("SEQUEL", 145064)],  # JJK 0 (movie) → JJK → S2
        9253: [("SIDE_STORY", 10863), ("ALTERNATIVE", 21127)],  # S;G 0: not a sequel
        21127: [("ALTERNATIVE", 9253)],
    }
    for anilist_id, expected in chains.items():
        relations = dataset.relations(entry(dataset, anilist_id))
        assert [(k, r.anilist_id) for k, r in relations] == expected
    side_stories = {parent: [(r.anilist_id, r.format)
                             for r in related(dataset, entry(dataset, parent), "SIDE_STORY")]
                    for parent in (20605, 21507, 9253)}
    assert side_stories == {20605: [(21132, "OVA")], 21507: [(100353, "SPECIAL")],
                            9253: [(10863, "SPECIAL")]}
    assert all(r.tvdb_id is None for r in dataset if r.format not in TV_FORMATS)


def test_every_relation_has_its_inverse_and_none_form_a_cycle(dataset: Dataset) -> None:
    """Each edge is seen from both ends (SEQUEL/PREQUEL, SIDE_STORY/PARENT, ALTERNATIVE), and
    following SEQUEL and SIDE_STORY edges never leads back to where it started."""
    later: dict[int, list[int]] = defaultdict(list)
    for record in dataset:
        for kind, other in dataset.relations(record):
            back = [(k, r.anilist_id) for k, r in dataset.relations(other)]
            assert (INVERSE[kind], record.anilist_id) in back, (record.romaji, kind)
            if kind in ("SEQUEL", "SIDE_STORY"):
                later[record.anilist_id].append(other.anilist_id)
    done: set[int] = set()
    for start in list(later):
        path = {start}
        stack = [(start, iter(later[start]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.discard(node)
                done.add(node)
            elif child not in done:
                assert child not in path, f"relation cycle through AniList {child}"
                path.add(child)
                stack.append((child, iter(later.get(child, []))))


def test_related_accepts_only_symmetric_relation_types(dataset: Dataset) -> None:
    """``related`` holds edges both entries name alike; a SEQUEL there is a ValueError."""
    bebop = attrs.evolve(entry(dataset, 1), related=(("SEQUEL", 5),))
    with pytest.raises(ValueError, match="use prequel or parent"):
        Dataset([bebop])


@pytest.mark.anyio
async def test_fake_anilist_answers_relations_with_the_related_entries() -> None:
    """``relations { edges { relationType node { ... } } }`` lists a TV season's prequel and
    sequel with their format, episodes and titles, and a movie inside a chain likewise."""
    anilist = FakeAniList(options=FakeOptions())
    edge = "edges { relationType node { id idMal format episodes title { romaji english } } }"
    query = (f"query {{ top: Media(id: 106625) {{ relations {{ {edge} }} }} "
             f"movie: Media(id: 100643) {{ format relations {{ {edge} }} }} }}")
    async with anilist.client() as client:
        response = await client.post("/", json={"query": query})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["top"]["relations"]["edges"] == [
        {"relationType": "PREQUEL",
         "node": {"id": 21698, "idMal": 32935, "format": "TV", "episodes": 10,
                  "title": {"romaji": "Haikyuu!! Karasuno Koukou vs Shiratorizawa Gakuen Koukou",
                            "english": "HAIKYU!! 3rd Season"}}},
        {"relationType": "SEQUEL",
         "node": {"id": 113538, "idMal": 40776, "format": "TV", "episodes": 12,
                  "title": {"romaji": "Haikyuu!! TO THE TOP 2",
                            "english": "HAIKYU!! TO THE TOP Part 2"}}},
    ]
    assert data["movie"]["format"] == "MOVIE"
    assert [(e["relationType"], e["node"]["id"], e["node"]["format"])
            for e in data["movie"]["relations"]["edges"]] == [
        ("PREQUEL", 97986, "TV"), ("SEQUEL", 114922, "TV")]
