"""``aniworld parse``: the numbers in file names, as JSON or as a table."""

from __future__ import annotations

import json

from click.testing import CliRunner

from aniworld_cli import cli
from aniworld_cli import parse_command as _parse_command  # noqa: F401  (registers it)


def test_parse_json_prints_one_object_per_path() -> None:
    """``--json`` prints path, title, season, episode, episode_end and special per path,
    null where unknown; the series folder keeps a numeric title out of the numbers."""
    result = CliRunner().invoke(cli, [
        "parse", "--json", "--series", "86 - Eighty Six (2021)",
        "Season 02/[SubsPlease] 86 - Eighty Six - 03 (1080p) [ABCDEF12].mkv",
        "[Group] 86 - Eighty Six - 01-02 [720p].mkv",
        "Specials/86 - Eighty Six - 01.mkv",
        "notes.txt",
    ])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [
        {"path": "Season 02/[SubsPlease] 86 - Eighty Six - 03 (1080p) [ABCDEF12].mkv",
         "title": "86 - Eighty Six", "season": 2, "episode": 3, "episode_end": None,
         "special": False},
        {"path": "[Group] 86 - Eighty Six - 01-02 [720p].mkv", "title": "86 - Eighty Six",
         "season": None, "episode": 1, "episode_end": 2, "special": False},
        {"path": "Specials/86 - Eighty Six - 01.mkv", "title": "86 - Eighty Six", "season": 0,
         "episode": 1, "episode_end": None, "special": True},
        {"path": "notes.txt", "title": "notes", "season": None, "episode": None,
         "episode_end": None, "special": False},
    ]


def test_parse_without_json_prints_a_table() -> None:
    """Without ``--json`` each path is a row with its title, season and episode range."""
    result = CliRunner().invoke(cli, ["parse", "Title.S02E03E04.mkv"])
    assert result.exit_code == 0, result.output
    assert "Title" in result.stdout
    assert "3-4" in result.stdout


def test_parse_needs_a_path() -> None:
    """``parse`` without a path is a usage error."""
    result = CliRunner().invoke(cli, ["parse"])
    assert result.exit_code == 2
    assert "PATH" in result.stderr
