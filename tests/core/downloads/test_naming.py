"""Naming templates: Sonarr's tokens, vanishing empty values, sanitised names that never leave
the series folder, and templates refused with the field and token named."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aniworld_core.downloads.naming import EpisodeName, Naming, check_template, season_folder
from aniworld_core.errors import InvalidInput
from aniworld_core.library.paths import confiner
from aniworld_core.settings import DownloadSettings


def name(**changes: object) -> EpisodeName:
    values: dict[str, object] = {"series_title": "Cowboy Bebop", "season": 1,
                                 "episodes": (5,)}
    values.update(changes)
    return EpisodeName(**values)  # type: ignore[arg-type]


def test_default_template() -> None:
    """The default names a file ``Title - S01E05 - Episode Title`` in ``Season 01``."""
    path = Naming().relative_path(name(episode_title="Ballad of Fallen Angels"), "mkv")
    assert path == PurePosixPath("Season 01/Cowboy Bebop - S01E05 - Ballad of Fallen Angels.mkv")


def test_from_settings_reads_every_field() -> None:
    """Naming.from_settings takes the templates, the absolute switch and season folders."""
    settings = DownloadSettings(naming="{Series Title} {season}x{episode:00}",
                                use_absolute=True, season_folders=False)
    naming = Naming.from_settings(settings)
    assert naming.template == settings.naming
    assert naming.absolute_template == settings.absolute_naming
    assert naming.use_absolute
    assert not naming.season_folders


def test_missing_episode_title_leaves_no_dangling_separator() -> None:
    """An unknown episode title vanishes with its " - "."""
    assert Naming().relative_path(name(), ".mkv").name == "Cowboy Bebop - S01E05.mkv"


def test_empty_brackets_and_several_missing_values_vanish() -> None:
    """``({Series Year})``, ``[{Quality Full}]`` and a run of empty tokens leave nothing."""
    naming = Naming("{Series Title} ({Series Year}) - S{season:00}E{episode:00} - "
                    "[{Quality Full}] - {Release Group} - {Episode Title}", season_folders=False)
    assert str(naming.relative_path(name(), "mkv")) == "Cowboy Bebop - S01E05.mkv"
    full = name(year=1998, quality="Bluray-1080p", release_group="GRP", episode_title="Jupiter")
    assert str(naming.relative_path(full, "mkv")) == (
        "Cowboy Bebop (1998) - S01E05 - [Bluray-1080p] - GRP - Jupiter.mkv")


def test_a_leading_empty_token_takes_the_separator_after_it() -> None:
    """``{Release Group} - Title`` without a group starts with the title."""
    naming = Naming("{Release Group} - {Series Title} - {episode:00}", season_folders=False)
    assert str(naming.relative_path(name(), "mkv")) == "Cowboy Bebop - 05.mkv"


def test_multi_episode_files_use_the_prefixed_range_style() -> None:
    """Two episodes in one file: ``S01E01-E02``; ``1x01-x02``; absolute ``001-002``."""
    two = name(episodes=(1, 2), absolute=1, absolute_end=2)
    assert Naming().relative_path(two, "mkv").name == "Cowboy Bebop - S01E01-E02.mkv"
    assert Naming("{Series Title} {season}x{episode:00}").relative_path(
        two, "mkv").name == "Cowboy Bebop 1x01-x02.mkv"
    assert Naming(use_absolute=True).relative_path(two, "mkv").name == (
        "Cowboy Bebop - 001-002.mkv")


def test_absolute_template_and_its_fallback() -> None:
    """With use_absolute the absolute template names it; without an absolute number the
    season template does."""
    naming = Naming(use_absolute=True)
    assert naming.relative_path(name(absolute=30, season=2), "mkv") == PurePosixPath(
        "Season 02/Cowboy Bebop - 030.mkv")
    assert naming.relative_path(name(season=2), "mkv").name == "Cowboy Bebop - S02E05.mkv"


def test_season_folders() -> None:
    """Specials go to ``Specials``; without season folders the file sits in the series
    folder."""
    assert season_folder(0) == "Specials"
    assert season_folder(12) == "Season 12"
    assert Naming().relative_path(name(season=0), "mkv").parent == PurePosixPath("Specials")
    assert Naming(season_folders=False).relative_path(name(), "mkv").parent == PurePosixPath()


def test_dotted_tokens_join_words_with_dots() -> None:
    """``{Series.Title}`` writes ``Cowboy.Bebop``."""
    naming = Naming("{Series.Title}.S{season:00}E{episode:00}.{Quality.Full}-{Release Group}",
                    season_folders=False)
    assert str(naming.relative_path(name(quality="WEBDL 1080p", release_group="GRP"),
                                    "mkv")) == "Cowboy.Bebop.S01E05.WEBDL.1080p-GRP.mkv"


def test_values_are_sanitised() -> None:
    """Separators, reserved characters and control characters in values are replaced."""
    path = Naming().relative_path(
        name(series_title="AC/DC: <Live>", episode_title='What?\x00 "Yes" | No*\\.'), "mkv")
    assert len(path.parts) == 2
    assert path.name == "AC-DC - Live - S01E05 - What 'Yes' No-.mkv"


def test_long_names_are_cut_to_255_bytes_keeping_the_extension() -> None:
    """A 1,000-character title (multi-byte) gives a name of at most 255 bytes ending in
    ``.mkv``, cut at a character boundary."""
    path = Naming().relative_path(name(series_title="進撃の巨人" * 200), "mkv")
    assert path.name.endswith(".mkv")
    assert len(path.name.encode("utf-8")) <= 255
    path.name.encode("utf-8").decode("utf-8")


@pytest.mark.parametrize(("template", "token"), [
    ("../{Series Title} - {episode:00}", "'..'"),
    ("/srv/{Series Title} - {episode:00}", "absolute"),
    ("{Series Title} - {episode:00} - {Foo}", "{Foo}"),
    ("{Series Title} - {episode:xx}", "{episode:xx}"),
    ("{Series Title} - {episode:00", "unbalanced"),
    ("{Series Title} - }{episode:00}", "unbalanced"),
    ("a//{episode:00}", "''"),
    ("./{episode:00}", "'.'"),
    ("{Series Title}", "no {episode}"),
    ("a\\{episode}", "backslash"),
    ("   ", "empty"),
])
def test_bad_templates_are_refused(template: str, token: str) -> None:
    """A template that could leave the series folder, or names an unknown token, is refused
    with the field and what is wrong."""
    with pytest.raises(InvalidInput, match="naming template") as raised:
        check_template(template, field="downloads.naming")
    assert raised.value.field == "downloads.naming"
    assert token in str(raised.value)
    with pytest.raises(InvalidInput):
        Naming(template)


def test_good_templates_pass() -> None:
    """The defaults and folder-making templates are accepted as they are."""
    for template in (DownloadSettings().naming, DownloadSettings().absolute_naming,
                     "{Series Title} ({Series Year})/{Series Title} {season}x{episode}"):
        assert check_template(template, field="downloads.naming") == template


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(min_size=0, max_size=300),
    episode_title=st.one_of(st.none(), st.text(max_size=300)),
    group=st.one_of(st.none(), st.sampled_from(["../", "..", "/", "\x00", "a/../b", "."]),
                    st.text(max_size=40)),
    extension=st.sampled_from(["mkv", ".mp4", "", "../x", "\x00", "a/b"]),
    season=st.integers(0, 99),
    episodes=st.lists(st.integers(0, 9999), min_size=1, max_size=3),
    absolute=st.one_of(st.none(), st.integers(0, 99999)),
    use_absolute=st.booleans(),
    folders=st.booleans(),
)
def test_any_values_stay_inside_the_series_folder(
        title: str, episode_title: str | None, group: str | None, extension: str,
        season: int, episodes: list[int], absolute: int | None, use_absolute: bool,
        folders: bool) -> None:
    """Whatever the values, the path is relative, has no empty, ``.`` or ``..`` part, each
    part fits in 255 bytes, and the confiner accepts it."""
    naming = Naming("{Release Group}/{Series Title} - S{season:00}E{episode:00} - "
                    "{Episode Title}", "{Release Group}/{absolute:000} {Series Title}",
                    use_absolute=use_absolute, season_folders=folders)
    path = naming.relative_path(
        EpisodeName(title, season, tuple(episodes), absolute=absolute,
                    episode_title=episode_title, release_group=group), extension)
    assert not path.is_absolute()
    for part in path.parts:
        assert part not in ("", ".", "..")
        assert not {"/", "\x00", "\\"} & set(part)
        assert len(part.encode("utf-8")) <= 255
    assert len(path.parts) == 1 + (1 if folders else 0) + 1
    series = Path("/nonexistent-series-folder")
    assert confiner(series)(str(path)).is_relative_to(series)
