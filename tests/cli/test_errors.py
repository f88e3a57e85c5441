"""Errors every command shares: a database written by a newer aniworld, a data dir that cannot
be used. One line on stderr, exit status 1, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.mark.parametrize("args", [("list",), ("status",), ("add", "Akira"), ("load",),
                                  ("scan", "--no-load", "."), ("plugins", "--json")])
def test_a_database_newer_than_this_aniworld(run: Run, data_dir: Path,
                                             args: tuple[str, ...]) -> None:
    """A schema revision this version does not know is refused by every command, in one line
    that says to upgrade."""
    assert run("list").code == 0
    with sqlite3.connect(data_dir / "aniworld.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    outcome = run(*args)
    assert outcome.code == 1
    assert outcome.err.startswith("Error: The database is at schema revision 'ffffffffffff'")
    assert "upgrade aniworld" in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1


def test_a_data_dir_that_cannot_be_created(run: Run, tmp_path: Path) -> None:
    """A data dir below a file is a one-line error naming it."""
    (tmp_path / "file").touch()
    outcome = run("--data-dir", str(tmp_path / "file" / "data"), "list")
    assert outcome.code == 1
    assert "Cannot create the data directory" in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1


def test_error_messages_are_not_read_as_markup(run: Run, tmp_path: Path) -> None:
    """Brackets in a message (folder names with id hints) are printed as they are."""
    outcome = run("scan", str(tmp_path / "Cowboy Bebop [anilistid-1]"))
    assert outcome.code == 1
    assert "Cowboy Bebop [anilistid-1] does not exist." in outcome.err
