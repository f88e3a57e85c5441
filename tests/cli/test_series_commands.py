"""``add``, ``list``, ``remove`` and naming series by title or id prefix, through click's runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Run


def test_add_then_list_as_json(run: Run) -> None:
    """``add`` stores a series, says it waits for a loader, and ``list --json`` prints it."""
    added = run("add", "Cowboy Bebop", "--year", "1998")
    assert added.code == 0
    assert added.out.startswith("Added Cowboy Bebop (")
    assert "queued; run `aniworld load` or `aniworld serve` to load it." in added.out
    rows = run("list", "--json").json_lines()
    assert [(r["title"], r["year"], r["loading_status"]) for r in rows] == [
        ("Cowboy Bebop", 1998, "pending")
    ]


def test_list_table_and_empty_library(run: Run) -> None:
    """An empty library says how to fill it; otherwise a table with the short id."""
    assert "aniworld add TITLE" in run("list").out
    run("add", "Akira")
    series_id = run("list", "--json").json_lines()[0]["id"]
    table = run("list").out
    assert "Akira" in table
    assert series_id[:8] in table


def test_remove_by_title_keeps_the_files(run: Run) -> None:
    """``remove`` takes a title as well as an id and says files stay."""
    run("add", "Akira")
    removed = run("remove", "akira")
    assert removed.code == 0
    assert "Removed Akira" in removed.out
    assert "files are kept" in removed.out
    assert run("list", "--json").out == ""


def test_series_are_named_by_id_prefix_or_part_of_title(run: Run) -> None:
    """A unique id prefix or part of a title names a series; an ambiguous one lists the
    candidates and changes nothing."""
    run("add", "Mob Psycho 100")
    run("add", "Mob Psycho 100 II")
    first, second = run("list", "--json").json_lines()
    assert run("status", first["id"][:8], "--json").json_lines()[0]["series_id"] == first["id"]
    assert run("status", "mob psycho 100 ii", "--json").json_lines()[0]["series_id"] == (
        second["id"])
    ambiguous = run("remove", "psycho")
    assert ambiguous.code == 1
    assert "'psycho' matches 2 series" in ambiguous.err
    assert len(run("list", "--json").json_lines()) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", ""), "The title is empty."),
        (("add", "--anilist", "abc"), "not a valid anilist id"),
        (("status", "nope"), "No series matches 'nope'."),
        (("remove", "nope"), "No series matches 'nope'."),
        (("status", "00000000-0000-4000-8000-000000000000"), "No series with id"),
    ],
)
def test_errors_are_one_line_without_traceback(run: Run, args: tuple[str, ...],
                                               message: str) -> None:
    """An AniworldError exits non-zero with one line on stderr and no traceback."""
    outcome = run(*args)
    assert outcome.code == 1
    assert message in outcome.err
    assert "Traceback" not in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1


def test_bad_config_file_is_reported(run: Run, tmp_path: Path) -> None:
    """A bad setting in the config file is a one-line error naming the key."""
    config = tmp_path / "bad.toml"
    config.write_text("[loader]\nconcurrency = -1\n")
    outcome = run("--config", str(config), "list")
    assert outcome.code == 1
    assert "loader.concurrency" in outcome.err


def test_adding_a_title_twice_names_the_series_that_has_it(run: Run) -> None:
    """``add`` of a title already in the library (any case) is a one-line error naming the
    series, and adds nothing; with another year it is another series."""
    run("add", "Cowboy Bebop", "--year", "1998")
    again = run("add", "cowboy bebop")
    assert again.code == 1
    assert "'Cowboy Bebop' is already in the library" in again.err
    assert run("add", "Cowboy Bebop", "--year", "2021").code == 0
    assert sorted((r["title"], r["year"]) for r in run("list", "--json").json_lines()) == [
        ("Cowboy Bebop", 1998), ("Cowboy Bebop", 2021)]
