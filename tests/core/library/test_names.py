"""Series folder names as users write them: what to search for, the year, id hints, the season
or part the folder holds, and the release tags around them."""

from __future__ import annotations

import pytest

from aniworld_core import ProviderIds
from aniworld_core.library.names import FolderName, read_folder_name
from aniworld_core.library.sequels import NO_MARKER, SequelMarker

S1, S2, S3 = SequelMarker(season=1), SequelMarker(season=2), SequelMarker(season=3)

CLEANED = [
    # Scene releases: dots, S01, resolution, source, codec, group.
    ("Vinland.Saga.S01.1080p.BluRay.x264-GROUP", "Vinland Saga", None, S1),
    ("Attack.on.Titan.S02.1080p.WEB-DL.AAC2.0.H.264-VARYG", "Attack on Titan Season 2", None,
     S2),
    ("Cowboy.Bebop.1998.1080p.BluRay.x265-RARBG", "Cowboy Bebop", 1998, NO_MARKER),
    ("Mob.Psycho.100.II.1080p", "Mob Psycho 100 II", None, S2),
    ("Attack.on.Titan.S03.Part.2.1080p.WEB-DL", "Attack on Titan Season 3 Part 2", None,
     SequelMarker(season=3, part=2)),
    ("The.Apothecary.Diaries.S01E01-E24.1080p.NF.WEB-DL", "The Apothecary Diaries", None, S1),
    ("Fate_Zero_S01_BD_1080p", "Fate Zero", None, S1),
    ("Cowboy_Bebop_Complete_Series_1080p", "Cowboy Bebop", None, NO_MARKER),
    ("2.5.Jigen.no.Ririsa.S01.1080p", "2.5 Jigen no Ririsa", None, S1),
    ("Evangelion.3.0+1.0.Thrice.Upon.a.Time.2021.1080p", "Evangelion 3.0+1.0 Thrice Upon a Time",
     2021, NO_MARKER),
    ("Attack.on.Titan.S01-S04.Complete.1080p.BluRay", "Attack on Titan", None, S1),
    # Fansub batches: group first, episode ranges, bracketed tags.
    ("[SubsPlease] Sousou no Frieren (01-28) (1080p) [Batch]", "Sousou no Frieren", None,
     NO_MARKER),
    ("[Judas] Jujutsu Kaisen (Season 2) [1080p][HEVC x265 10bit][Multi-Subs]",
     "Jujutsu Kaisen Season 2", None, S2),
    ("[Erai-raws] Kimetsu no Yaiba - 01 ~ 26 [1080p][Multiple Subtitle]", "Kimetsu no Yaiba",
     None, NO_MARKER),
    ("[HorribleSubs] Mob Psycho 100 S2 [1080p]", "Mob Psycho 100 Season 2", None, S2),
    ("[Anime Time] Cowboy Bebop (Complete Series + Movie) [BD][1080p][HEVC 10bit x265][AAC]",
     "Cowboy Bebop", None, NO_MARKER),
    ("[Coalgirls] Toradora! (1920x1080 Blu-Ray FLAC) [Batch]", "Toradora!", None, NO_MARKER),
    ("[Golumpa] Fruits Basket (2001) [English Dub] [FuniDub 720p x264 AAC]", "Fruits Basket",
     2001, NO_MARKER),
    ("[Cleo] Shingeki no Kyojin Season 3 Part 2 [Dual Audio 10bit 720p][HEVC-x265]",
     "Shingeki no Kyojin Season 3 Part 2", None, SequelMarker(season=3, part=2)),
    ("Kaguya-sama - Love is War S03 (BD 1080p HEVC) [Dual Audio]",
     "Kaguya-sama - Love is War Season 3", None, S3),
    ("One Piece (1999) E001-E1100", "One Piece", 1999, NO_MARKER),
    # Plain names, years and sequel markers.
    ("Cowboy Bebop", "Cowboy Bebop", None, NO_MARKER),
    ("Hunter x Hunter 2011", "Hunter x Hunter", 2011, NO_MARKER),
    ("Fruits Basket 2019 S02", "Fruits Basket Season 2", 2019, S2),
    ("Code Geass R2", "Code Geass R2", None, S2),
    ("Shingeki no Kyojin - The Final Season Part 2 [1080p]",
     "Shingeki no Kyojin - The Final Season Part 2", None, SequelMarker(part=2, final=True)),
    ("Haikyuu!! 2nd Season (2015) [BD 1080p]", "Haikyuu!! 2nd Season", 2015, S2),
    ("Vinland Saga Season 1", "Vinland Saga", None, S1),
    ("Naruto Shippuden Season 1-21 (Dub)", "Naruto Shippuden", None, S1),
    ("Cowboy Bebop Complete Series", "Cowboy Bebop", None, NO_MARKER),
    # Numbers and symbols that belong to the title.
    ("86 - Eighty Six (2021)", "86 - Eighty Six", 2021, NO_MARKER),
    ("86", "86", None, NO_MARKER),
    ("Steins;Gate 0 [BD][1080p][FLAC]", "Steins;Gate 0", None, NO_MARKER),
    ("Mob Psycho 100", "Mob Psycho 100", None, NO_MARKER),
    ("Tokyo Ghoul √A", "Tokyo Ghoul √A", None, NO_MARKER),
    ("Made in Abyss Movie 3", "Made in Abyss Movie 3", None, NO_MARKER),
    ("Haikyuu!!", "Haikyuu!!", None, NO_MARKER),
    ("Akira (988)", "Akira (988)", None, NO_MARKER),
    ("The Office (US)", "The Office (US)", None, NO_MARKER),
    # Japanese titles, and names that are nothing but brackets.
    ("葬送のフリーレン", "葬送のフリーレン", None, NO_MARKER),
    ("【推しの子】", "【推しの子】", None, NO_MARKER),
    ("[Oshi no Ko]", "Oshi no Ko", None, NO_MARKER),
    ("(2019)", "(2019)", None, NO_MARKER),
]


@pytest.mark.parametrize(("name", "title", "year", "marker"), CLEANED)
def test_folder_names_are_cleaned_for_searching(name: str, title: str, year: int | None,
                                                marker: SequelMarker) -> None:
    """Tags, groups, brackets, episode ranges and scene dots go; the year and the season
    marker are read; the marker stays in the title unless it names the first season."""
    folder = read_folder_name(name)
    assert (folder.name, folder.title, folder.year, folder.marker) == (name, title, year, marker)


@pytest.mark.parametrize(
    ("name", "base"),
    [("Attack.on.Titan.S02.1080p", "Attack on Titan"), ("Code Geass R2", "Code Geass"),
     ("Mob Psycho 100 III", "Mob Psycho 100"), ("Fruits Basket 2019 S02", "Fruits Basket"),
     ("Re:Zero kara Hajimeru Isekai Seikatsu 2nd Season Part 2",
      "Re:Zero kara Hajimeru Isekai Seikatsu"),
     ("Vinland Saga", "Vinland Saga")],
)
def test_the_base_title_has_no_marker(name: str, base: str) -> None:
    """``base_title`` is the title without its sequel marker (and without a year before it)."""
    assert read_folder_name(name).base_title == base


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("Cowboy Bebop (1998) [anilistid-1]", ProviderIds(anilist="1")),
        ("Frieren [tvdbid-424536] [tmdbid-209867] (2023)",
         ProviderIds(tvdb="424536", tmdb="209867")),
        ("Monster {imdb-tt0434706} [malid-19]", ProviderIds(imdb="tt0434706", mal="19")),
        ("One Piece {tvdb-81797}", ProviderIds(tvdb="81797")),
        ("Cowboy Bebop [anidb-23]", ProviderIds(anidb="23")),
        ("Cowboy Bebop [anidbid=23]", ProviderIds(anidb="23")),
        ("[anilistid-9253] Steins Gate", ProviderIds(anilist="9253")),
        ("Death Note [imdbid-tt0877057]", ProviderIds(imdb="tt0877057")),
        ("Bad Hint [anilistid-abc]", ProviderIds()),
        ("Bad Imdb [imdbid-0877057]", ProviderIds()),
    ],
)
def test_id_hints_are_read_and_removed(name: str, ids: ProviderIds) -> None:
    """Jellyfin, Plex and anime-tool id hints give ids; malformed ones are dropped unread."""
    folder = read_folder_name(name)
    assert folder.ids == ids
    assert not set("[]{}") & set(folder.title)


def test_release_group_and_tags_are_kept_as_data() -> None:
    """The fansub group and the dropped tags are reported, in the order they appeared."""
    folder = read_folder_name("[Judas] Jujutsu Kaisen (Season 1) [1080p][HEVC x265 10bit]")
    assert folder.group == "Judas"
    assert folder.tags == ("1080p", "HEVC x265 10bit")
    scene = read_folder_name("Vinland.Saga.S01.1080p.BluRay.x264-GROUP")
    assert (scene.group, scene.tags) == (None, ("1080p", "BluRay", "x264-GROUP"))


@pytest.mark.parametrize(
    ("name", "movie"),
    [("Violet Evergarden (Movie)", True), ("Cowboy Bebop The Movie", True),
     ("Gekijouban Kimetsu no Yaiba Mugen Ressha-hen", True), ("劇場版 鬼滅の刃", True),
     ("Cowboy Bebop (Complete Series + Movie)", False), ("Cowboy Bebop", False)],
)
def test_movie_words_mark_a_movie(name: str, movie: bool) -> None:
    """A name that says it holds a movie is flagged, a batch that includes one is not."""
    assert read_folder_name(name).movie is movie


def test_a_name_that_is_only_tags_keeps_a_title() -> None:
    """Nothing is left after cleaning: the name itself is the title, never an empty one."""
    folder = read_folder_name("[1080p]")
    assert folder.title == "[1080p]"
    assert isinstance(folder, FolderName)


def test_control_characters_never_reach_the_title() -> None:
    """Unprintable characters in a folder name become spaces."""
    assert read_folder_name("Cowboy\tBebop\x00 (1998)").title == "Cowboy Bebop"
