"""Folder names derived from titles are safe everywhere; every path stays inside its base."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aniworld_core import PathNotAllowed
from aniworld_core.library.paths import (
    MAX_NAME_BYTES,
    WINDOWS_RESERVED,
    confined,
    confiner,
    sanitise_name,
    series_dir,
    series_folder_name,
)

names = st.text(max_size=400)
tricky = st.sampled_from(["CON", "con.txt", "Nul ", "COM1.", "lpt9.mkv", "..", ".", "...",
                          ".hack//Sign", "a/../b", "C:\\x", " \u3000 ", "\x00", "Re:Zero",
                          "AUX (1998)", "é" * 200, "🎌" * 100])


@given(st.one_of(names, tricky))
@example("CON")
@example("x" * 300)
def test_sanitising_is_idempotent(name: str) -> None:
    """Sanitising a sanitised name changes nothing."""
    once = sanitise_name(name)
    assert sanitise_name(once) == once


@given(st.one_of(names, tricky))
def test_sanitised_names_have_no_separators_or_dot_names(name: str) -> None:
    """No separator, no NUL, never ``.`` or ``..``, no leading dot, never empty."""
    clean = sanitise_name(name)
    assert clean
    assert not set(clean) & {"/", "\\", "\0"}
    assert clean not in (".", "..")
    assert not clean.startswith(".")


@given(st.one_of(names, tricky))
@example("CON")
@example("com1.mkv")
@example("nul .txt")
def test_sanitised_names_are_not_windows_reserved(name: str) -> None:
    """No device name Windows reserves (CON, NUL, COM1, ... with or without an extension),
    no character Windows forbids, no trailing dot or space."""
    clean = sanitise_name(name)
    assert clean.split(".", 1)[0].rstrip(" ").upper() not in WINDOWS_RESERVED
    assert not set(clean) & set('<>:"|?*')
    assert not clean.endswith((".", " "))


@given(st.one_of(names, tricky))
@example("é" * 200)
@example("🎌" * 100)
def test_sanitised_names_fit_in_255_bytes(name: str) -> None:
    """A sanitised name is at most 255 bytes of UTF-8 (what Linux file systems allow)."""
    assert len(sanitise_name(name).encode("utf-8")) <= MAX_NAME_BYTES


@given(st.text(max_size=300), st.one_of(st.none(), st.integers(1900, 2200)))
def test_series_folder_name_is_safe_and_keeps_the_year(title: str, year: int | None) -> None:
    """The series folder name is sanitised, fits, and ends with ``(year)`` when a year is
    known, however long the title."""
    folder = series_folder_name(title, year)
    assert sanitise_name(folder) == folder
    assert len(folder.encode()) <= MAX_NAME_BYTES
    if year is not None:
        assert folder.endswith(f"({year})")


@pytest.mark.parametrize(
    ("title", "year", "folder"),
    [
        ("Cowboy Bebop", 1998, "Cowboy Bebop (1998)"),
        ("Re:Zero kara Hajimeru Isekai Seikatsu", 2016,
         "Re-Zero kara Hajimeru Isekai Seikatsu (2016)"),
        ("Fate/Zero", None, "Fate-Zero"),
        ("Mobile Suit Gundam: The Witch from Mercury", 2022,
         "Mobile Suit Gundam - The Witch from Mercury (2022)"),
        ("Hunter x Hunter (2011)", 2011, "Hunter x Hunter (2011)"),
        (".hack//Sign", 2002, "hack--Sign (2002)"),
        ("What?!", None, "What!"),
    ],
)
def test_series_folder_names(title: str, year: int | None, folder: str) -> None:
    """Titles become the folder names a person expects."""
    assert series_folder_name(title, year) == folder


def test_series_dir_is_a_direct_child_of_the_root(tmp_path: Path) -> None:
    """``series_dir`` resolves a folder name under the root."""
    assert series_dir(tmp_path, "Cowboy Bebop (1998)") == tmp_path.resolve() / "Cowboy Bebop (1998)"


@pytest.mark.parametrize("folder", ["", ".", "..", "../x", "a/b", "a\\b", "/etc", "x\0y"])
def test_series_dir_refuses_anything_but_one_component(tmp_path: Path, folder: str) -> None:
    """A folder name with separators, ``..`` or NUL is PathNotAllowed."""
    with pytest.raises(PathNotAllowed):
        series_dir(tmp_path, folder)


def test_series_dir_refuses_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    """A series folder that is a symlink to elsewhere is PathNotAllowed."""
    root, outside = tmp_path / "library", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "Escape").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PathNotAllowed, match="outside"):
        series_dir(root, "Escape")


def test_confined_joins_relative_paths(tmp_path: Path) -> None:
    """A relative POSIX path lands inside the base."""
    assert confined(tmp_path, "Season 01/x.nfo") == tmp_path.resolve() / "Season 01" / "x.nfo"


@given(st.text(min_size=1, max_size=60))
def test_confined_never_leaves_the_base(relative: str) -> None:
    """Whatever the path, the result is inside the base or PathNotAllowed is raised."""
    base = Path(os.getcwd()) / "base-that-does-not-exist"
    try:
        path = confined(base, relative)
    except PathNotAllowed:
        return
    assert path.is_relative_to(base.resolve())
    assert path != base.resolve()


@pytest.mark.parametrize("relative", ["../x", "a/../../x", "/etc/passwd", "..", "a\\..\\x", ""])
def test_confined_refuses_escapes(tmp_path: Path, relative: str) -> None:
    """``..``, absolute paths and backslashes are PathNotAllowed."""
    with pytest.raises(PathNotAllowed):
        confined(tmp_path, relative)


def test_confined_refuses_symlinks_out_of_the_base(tmp_path: Path) -> None:
    """A symlink inside the base that points outside it is PathNotAllowed."""
    base, outside = tmp_path / "series", tmp_path / "outside"
    base.mkdir()
    outside.mkdir()
    (base / "link").symlink_to(outside, target_is_directory=True)
    (base / "file.nfo").symlink_to(outside / "file.nfo")
    with pytest.raises(PathNotAllowed):
        confined(base, "link/x.nfo")
    with pytest.raises(PathNotAllowed):
        confined(base, "file.nfo")


def test_confined_follows_symlinks_that_stay_inside(tmp_path: Path) -> None:
    """A symlink to somewhere inside the base is followed: the result is where it leads,
    also below a symlinked folder and when the base itself is reached through a symlink."""
    real = tmp_path / "real"
    (real / "Season 01").mkdir(parents=True)
    (real / "S1").symlink_to(real / "Season 01", target_is_directory=True)
    (real / "cover.jpg").touch()
    (real / "poster.jpg").symlink_to(real / "cover.jpg")
    (real / "Season 01" / "gone.mkv").symlink_to(real / "Season 01" / "gone")  # dangling
    (tmp_path / "via").symlink_to(real, target_is_directory=True)
    resolved = real.resolve()
    for base in (real, tmp_path / "via"):
        inside = confiner(base)
        assert inside("poster.jpg") == resolved / "cover.jpg"
        assert inside("S1/x.nfo") == resolved / "Season 01" / "x.nfo"
        assert inside("S1/gone.mkv") == resolved / "Season 01" / "gone"
        assert inside("Season 01/new/x.nfo") == resolved / "Season 01" / "new" / "x.nfo"
        assert confined(base, "S1/x.nfo") == inside("S1/x.nfo")
    (real / "S1" / "up").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(PathNotAllowed):
        confiner(real)("S1/up/x.nfo")
