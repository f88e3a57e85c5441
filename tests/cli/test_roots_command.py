"""``roots`` (list, add, remove) and ``scan ROOT`` remembering ROOT, on a real data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.fixture
def shelf(tmp_path: Path) -> Path:
    """A library folder (resolved, as it is stored) with one series folder."""
    root = tmp_path.resolve() / "shelf"
    (root / "Trigun (1998)").mkdir(parents=True)
    (root / "Trigun (1998)" / "Trigun - 01.mkv").touch()
    return root


def test_scan_root_adds_it_and_later_scans_cover_it(run: Run, shelf: Path) -> None:
    """``scan ROOT`` says it added ROOT, once; ``scan`` alone then scans it, and ``roots``
    lists it as added."""
    first = run("scan", str(shelf), "--no-load")
    assert first.code == 0, first.err
    assert first.out.splitlines()[0] == (f"Added {shelf} to the library folders; later scans, "
                                         "rescans and watching include it.")
    again = run("scan", str(shelf), "--no-load")
    assert again.out.splitlines()[0].startswith("Scanned 1 series folders in ")
    alone = run("scan", "--no-load", "--json")
    assert alone.code == 0, alone.err
    assert alone.json_lines()[0]["roots"] == [str(shelf)]
    listed = run("roots")
    assert listed.out.startswith(f"{shelf} (added ")


def test_scan_root_json_names_the_added_root(run: Run, shelf: Path) -> None:
    """With ``--json`` the added root is a line of its own before the report."""
    lines = run("scan", str(shelf), "--no-load", "--json").json_lines()
    assert lines[0]["type"] == "library_root_added"
    assert (lines[0]["path"], lines[0]["source"], lines[0]["removable"]) == (
        str(shelf), "added", True)
    assert lines[1]["type"] == "scan_report"


def test_scan_of_a_folder_inside_a_root_is_refused(run: Run, shelf: Path) -> None:
    """A series folder given as ROOT is refused in one line, and nothing is scanned."""
    run("roots", "add", str(shelf))
    outcome = run("scan", str(shelf / "Trigun (1998)"), "--no-load")
    assert outcome.code == 1
    assert outcome.err.strip() == (
        f"Error: {shelf / 'Trigun (1998)'} is inside the library folder {shelf}: every folder "
        "directly under a library folder is one series, so a folder inside it cannot be "
        "another library folder.")
    assert run("list", "--json").out == ""


def test_roots_lists_settings_and_added_ones(run: Run, shelf: Path, tmp_path: Path) -> None:
    """The settings' folder comes first, marked as such; an added one after it; ``--json``
    says which may be removed, and which is not available."""
    configured = tmp_path.resolve() / "configured"
    configured.mkdir()
    env = {"ANIWORLD_LIBRARY": str(configured)}
    assert run("roots", env=env).out == (
        f"{configured} (settings)\n")
    added = run("roots", "add", str(shelf), env=env)
    assert added.out.strip() == (f"Added {shelf} to the library folders; later scans, rescans "
                                 "and watching include it. Run `aniworld scan` to scan it now.")
    lines = run("roots", env=env).out.splitlines()
    assert lines[0] == f"{configured} (settings)"
    assert lines[1].startswith(f"{shelf} (added ")
    configured.rmdir()
    rows = run("roots", "--json", env=env).json_lines()
    assert [(row["path"], row["source"], row["removable"], row["available"]) for row in rows] == [
        (str(configured), "settings", False, False), (str(shelf), "added", True, True)]
    assert run("roots", env=env).out.splitlines()[0] == (
        f"{configured} (settings) — not available (missing or not mounted)")


def test_adding_a_root_twice_says_it_is_one(run: Run, shelf: Path) -> None:
    """The second ``roots add`` of a folder says it is a library folder already."""
    run("roots", "add", str(shelf))
    again = run("roots", "add", str(shelf))
    assert (again.code, again.out.strip()) == (0, f"{shelf} is a library folder already.")


def test_remove_forgets_an_added_root_but_not_one_of_the_settings(
        run: Run, shelf: Path, tmp_path: Path) -> None:
    """An added root is removed (its series stay); a root of the settings is refused with
    where to change it; a folder that is no root is refused."""
    configured = tmp_path.resolve() / "configured"
    configured.mkdir()
    env = {"ANIWORLD_LIBRARY": str(configured)}
    run("scan", str(shelf), "--no-load", env=env)
    removed = run("roots", "remove", str(shelf), env=env)
    assert removed.out.strip() == (f"Removed {shelf} from the library folders; its series stay "
                                   "in the library (files on disk untouched) and are no longer "
                                   "scanned.")
    assert run("roots", env=env).out == f"{configured} (settings)\n"
    assert [row["title"] for row in run("list", "--json").json_lines()] == ["Trigun"]
    refused = run("roots", "remove", str(configured), env=env)
    assert refused.code == 1
    assert f"Error: {configured} is a library folder of the settings" in refused.err
    assert "ANIWORLD_LIBRARY): it cannot be removed while aniworld runs; remove it there." \
        in refused.err
    unknown = run("roots", "remove", str(shelf), env=env)
    assert unknown.code == 1
    assert unknown.err.strip() == (f"Error: {shelf} is not a library folder (the library "
                                   f"folders: {configured}).")


def test_without_any_root_roots_and_scan_say_how_to_add_one(run: Run) -> None:
    """No library folder at all: ``roots`` and ``scan`` both name ``aniworld roots add``."""
    assert run("roots").out.strip() == ("No library folders: add one with `aniworld roots add "
                                        "PATH` or set `library` in the settings.")
    scanned = run("scan")
    assert scanned.code == 1
    assert "add one with `aniworld roots add PATH`" in scanned.err
