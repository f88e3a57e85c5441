"""Release names: real-world names parse to the right numbers, numeric titles stay titles,
and the fast path gives exactly what anitopy gives wherever it answers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aniworld_core.library import fastpath
from aniworld_core.library.release import (
    MASK,
    ParsedName,
    ReleaseParser,
    parse_path,
    parse_with_anitopy,
)

# (name, series folder or None, expected (season, episode, episode_end, version, special))
REAL_WORLD = [
    ("[SubsPlease] Sousou no Frieren - 01 (1080p) [F02B9CBE].mkv", None,
     (None, 1, None, None, False)),
    ("[Erai-raws] Shingeki no Kyojin - The Final Season - 01 [1080p][Multiple Subtitle].mkv",
     None, (None, 1, None, None, False)),
    ("[Judas] Mob Psycho 100 S3 - 05.mkv", None, (3, 5, None, None, False)),
    ("[Group] Title - 12v2 (BD 1080p x265 HEVC 10bit) [1A2B3C4D].mkv", None,
     (None, 12, None, 2, False)),
    ("[Group] Title - 01v2 [720p].mkv", None, (None, 1, None, 2, False)),
    ("[Group] Title - 01-02 [720p].mkv", None, (None, 1, 2, None, False)),
    ("[HorribleSubs] Boku no Hero Academia - 89 [1080p].mkv", None, (None, 89, None, None, False)),
    ("[Group] Title x264 - 07 [720p].mkv", None, (None, 7, None, None, False)),
    ("Cowboy Bebop S01E01.mkv", None, (1, 1, None, None, False)),
    ("Cowboy.Bebop.S01E05.Ballad.of.Fallen.Angels.1080p.BluRay.x264-GROUP.mkv",
     "Cowboy Bebop (1998)", (1, 5, None, None, False)),
    ("Title.S02E03E04.mkv", None, (2, 3, 4, None, False)),
    ("Title - 1x05.mkv", None, (1, 5, None, None, False)),
    ("[Group] Title Season 2 - 03 [1080p].mkv", None, (2, 3, None, None, False)),
    ("Title - SP1.mkv", None, (0, 1, None, None, True)),
    ("[Group] Title - OVA [BD].mkv", None, (0, None, None, None, True)),
    ("[Group] Title - OVA 02.mkv", None, (0, 2, None, None, True)),
    ("Title S00E02.mkv", None, (0, 2, None, None, True)),
    ("Title - 05.5.mkv", None, (0, None, None, None, True)),
    ("Title - NCOP1.mkv", None, (None, None, None, None, False)),
    ("86 - Eighty Six - 01.mkv", None, (None, 1, None, None, False)),
    ("[SubsPlease] 86 - Eighty Six - 11 (1080p) [ABCDEF12].mkv", "86 - Eighty Six (2021)",
     (None, 11, None, None, False)),
    ("Mob Psycho 100 III - 05.mkv", None, (None, 5, None, None, False)),
    ("Mob Psycho 100 III - 05.mkv", "Mob Psycho 100 III", (None, 5, None, None, False)),
    ("2.5 Jigen no Ririsa - 03.mkv", None, (None, 3, None, None, False)),
    ("2.5 Jigen no Ririsa - 03.mkv", "2.5 Jigen no Ririsa (2024)", (None, 3, None, None, False)),
    ("[Erai-raws] 2.5 Jigen no Ririsa - 03 [1080p].mkv", None, (None, 3, None, None, False)),
    ("[Group] Mob Psycho 100 - 100.mkv", "100", (None, 100, None, None, False)),
    ("Title (2019) - 05.mkv", None, (None, 5, None, None, False)),
    ("Title 2019 - 05 [1080p].mkv", None, (None, 5, None, None, False)),
    ("Season 02/Title - 03.mkv", None, (2, 3, None, None, False)),
    ("Season 2/[Group] Title - 03 [1080p].mkv", "Title", (2, 3, None, None, False)),
    ("Season 02/Title S03E04.mkv", None, (3, 4, None, None, False)),
    ("Specials/Title - 01.mkv", None, (0, 1, None, None, True)),
    ("01.mkv", None, (None, 1, None, None, False)),
    ("Season 01/E05.mkv", None, (1, 5, None, None, False)),
    ("Episode 12v2.mp4", None, (None, 12, None, 2, False)),
]


@pytest.mark.parametrize(("path", "series", "expected"), REAL_WORLD)
def test_real_world_names(path: str, series: str | None,
                          expected: tuple[int | None, int | None, int | None, int | None, bool]
                          ) -> None:
    """Fansub, scene and plain names give the season, episode, range, version and special flag
    a person reads in them; years, resolutions, CRCs and codecs never become episodes."""
    parsed = parse_path(path, series)
    assert (parsed.season, parsed.episode, parsed.episode_end, parsed.version,
            parsed.special) == expected


@pytest.mark.parametrize(
    ("path", "series", "title"),
    [
        ("[SubsPlease] 86 - Eighty Six - 01 (1080p) [ABCDEF12].mkv", "86 - Eighty Six",
         "86 - Eighty Six"),
        ("2.5 Jigen no Ririsa - 03.mkv", None, "2.5 Jigen no Ririsa"),
        ("Cowboy.Bebop.S01E01.1080p.BluRay.x264-GROUP.mkv", "Cowboy Bebop", "Cowboy Bebop"),
        ("[Group] Title - SP1.mkv", None, "Title"),
    ],
)
def test_titles_keep_their_numbers(path: str, series: str | None, title: str) -> None:
    """The title read from a name is the series title, numbers included, without type words."""
    assert parse_path(path, series).title == title


def test_folder_season_applies_where_the_name_has_none() -> None:
    """A ``Season NN`` folder gives the season to names without one; ``Specials`` makes
    specials."""
    assert ReleaseParser("Title", 2).parse("Title - 03").season == 2
    special = ReleaseParser("Title", 0).parse("Title - 03")
    assert (special.season, special.episode, special.special) == (0, 3, True)


# Names built from the parts releases are made of, the tricky ones included: numeric titles,
# anitopy keywords as title words, hex words that look like CRCs, years, resolutions, codecs.
TRICKY_WORDS = [
    "86", "100", "2.5", "III", "S2", "Season", "2nd", "Second", "Part", "OVA", "SP", "Movie",
    "Final", "End", "The", "no", "Ep", "Episode", "Vol", "v2", "x264", "HEVC", "1080p", "BD",
    "TV", "2019", "(2019)", "DEADBEEF", "Deadbeef", "Cafe", "Ace", "E", "S", "Hi", "Op", "Sub",
    "Raw", "Batch", "Mkv", "A", "Re", "Dual Audio", "Multi Subs", "Blu-Ray", "h264", MASK,
]
words = st.one_of(
    st.sampled_from(TRICKY_WORDS),
    st.from_regex(r"[A-Za-z][a-z]{0,9}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9]{1,6}", fullmatch=True),
)
groups = st.one_of(
    st.just(""),
    st.sampled_from(["[SubsPlease] ", "[Erai-raws] ", "[Judas]", "[BD] ", "[DEADBEEF] ",
                     "[Anime Time] ", "[Some Group v2] ", "[E8] ", "[Dual Audio] ", "[S2] "]),
    st.from_regex(r"\[[A-Za-z0-9]{1,4}(?:[ -][A-Za-z0-9]{1,4}){0,2}\] ?", fullmatch=True),
)
numbers = st.one_of(
    st.from_regex(r"[0-9]{1,4}", fullmatch=True),
    st.from_regex(r"[0-9]{2,3}v[0-5]", fullmatch=True),
    st.from_regex(r"S[0-9]{2}E[0-9]{2,3}", fullmatch=True),
    st.sampled_from(["01-02", "05.5", "SP1", "OVA", "E05", "S2 - 03"]),
)
tag_words = st.sampled_from([
    "1080p", "720p", "480p", "2160p", "1920x1080", "BD", "x264", "x265", "HEVC", "10bit", "AAC",
    "FLAC", "Multiple Subtitle", "F02B9CBE", "deadbeef", "WEB", "Dual Audio", "ENG", "2019",
    "v2", "OPUS", "DTS", "Hi10P", "END", "Judas", "BluRay", "WEBRip", "AVC", "XviD", "DVD",
])
tags = st.lists(
    st.tuples(st.sampled_from(["[]", "()"]), st.lists(tag_words, min_size=1, max_size=3)).map(
        lambda t: t[0][0] + " ".join(t[1]) + t[0][1]),
    max_size=3,
).map(" ".join)
release_names = st.tuples(
    groups, st.lists(words, min_size=1, max_size=5).map(" ".join),
    st.sampled_from([" - ", " ", " -", " – "]), numbers, st.sampled_from(["", " "]), tags,
).map("".join)
# Names in the fast path's own shape, with a tricky part now and then, so that the property
# meets many names the fast path answers and many it must refuse.
plain_words = st.from_regex(r"[A-Z][a-z]{1,8}", fullmatch=True)
common_names = st.tuples(
    st.one_of(st.just(""), st.from_regex(r"\[[A-Z][A-Za-z]{2,6}(?:[ -][A-Z][a-z]{1,5})?\] ",
                                         fullmatch=True), groups),
    st.lists(st.one_of(plain_words, plain_words, plain_words, st.sampled_from(TRICKY_WORDS)),
             min_size=1, max_size=4).map(" ".join),
    st.sampled_from([" - ", " - ", " - ", " ", " -"]),
    st.one_of(st.from_regex(r"[0-9]{2,3}(?:v[1-4])?", fullmatch=True),
              st.from_regex(r"S[0-9]{2}E[0-9]{2,3}", fullmatch=True), numbers),
    st.lists(st.one_of(st.from_regex(r"\[[0-9A-F]{8}\]", fullmatch=True), tags), max_size=2)
    .map(lambda parts: "".join(f" {part}" for part in parts if part)),
).map("".join)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(common_names, common_names, release_names, st.text(max_size=80)))
@example("[SubsPlease] Maskedtitle - 01 (1080p) [F02B9CBE]")
@example("[Anime Time] Sousou no Frieren - 12v2 [BD 1080p x265 HEVC 10bit]")
@example("Maskedtitle - S01E05 [1080p]")
@example("Aa - 00 [00000000] [E0000000]")  # two checksums: anitopy reads the second otherwise
def test_fast_path_agrees_with_anitopy(name: str) -> None:
    """Wherever the fast path answers, it gives exactly what anitopy reads in the name."""
    fast = fastpath.parse(name)
    if fast is not None:
        assert fast == parse_with_anitopy(name)


def test_fast_path_answers_the_common_patterns() -> None:
    """The patterns most libraries are made of are read without anitopy."""
    for name in ("[SubsPlease] Maskedtitle - 01 (1080p) [F02B9CBE]",
                 "[Erai-raws] Maskedtitle - 12v2 [BD 1080p x265 HEVC 10bit]",
                 "Maskedtitle - 05", "Maskedtitle - S01E05 [1080p]"):
        assert fastpath.parse(name) is not None, name


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=120), st.one_of(st.none(), st.text(max_size=40)))
@example("E²", None)  # a digit that is no number
def test_any_name_parses_without_error(name: str, series: str | None) -> None:
    """Arbitrary text never makes the parser fail; it answers with what it can tell."""
    parsed = ReleaseParser(series).parse(name)
    assert isinstance(parsed, ParsedName)
    assert parsed.episode is None or 0 <= parsed.episode <= 9999
