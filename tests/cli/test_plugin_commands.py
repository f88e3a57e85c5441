"""``aniworld plugins`` through click's runner: JSON lines, the table, disabled providers."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from aniworld_cli import (
    cli,
    load_commands,
    plugin_commands,  # noqa: F401  (registers the command)
)
from aniworld_core import __version__


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), *args], env=env)
    return result.exit_code, result.stdout


def test_plugins_json_lists_every_provider(tmp_path: Path) -> None:
    """``plugins --json`` prints one object per provider with package, version and availability."""
    code, out = run(tmp_path, "plugins", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["name"], r["package"], r["version"], r["available"], r["reason"]) for r in rows] == [
        ("anilist", "aniworld", __version__, True, None),
        ("jikan", "aniworld", __version__, True, None),
    ]
    assert rows[0]["capabilities"] == ["artwork", "search", "series"]
    assert rows[1]["url"] == "https://api.jikan.moe/v4"


def test_plugins_shows_why_a_provider_is_unavailable(tmp_path: Path) -> None:
    """A provider switched off in the settings is listed as unavailable, with the reason."""
    code, out = run(tmp_path, "plugins", env={"ANIWORLD_JIKAN_ENABLED": "0"})
    assert code == 0
    assert "AniList" in out
    assert out.splitlines()[-1] == ("jikan is unavailable: switched off in the settings "
                                    "([providers.jikan] enabled = false or "
                                    "ANIWORLD_JIKAN_ENABLED=0)")


@pytest.mark.parametrize("variable", ["ANIWORLD_DISABLE_PLUGINS", "ANIWORLD_PROVIDERS_ORDER"])
def test_plugins_follows_the_settings(tmp_path: Path, variable: str) -> None:
    """Disabled plugins are not listed; the list follows ``providers.order``."""
    value = {"ANIWORLD_DISABLE_PLUGINS": "anilist", "ANIWORLD_PROVIDERS_ORDER": "jikan,anilist"}
    code, out = run(tmp_path, "plugins", "--json", env={variable: value[variable]})
    names = [json.loads(line)["name"] for line in out.splitlines()]
    expected = {"ANIWORLD_DISABLE_PLUGINS": ["jikan"],
                "ANIWORLD_PROVIDERS_ORDER": ["jikan", "anilist"]}
    assert (code, names) == (0, expected[variable])


@pytest.mark.usefixtures("aniworld_instant_retries")
def test_plugins_shows_a_provider_that_is_down(tmp_path: Path, loading_env: dict[str, str],
                                               database_url: str) -> None:
    """After a load found AniList unreachable, ``plugins`` (another process, which loads
    nothing) shows it down with the reason, since when and the next check, as series still
    wait for it; ``--json`` says the same."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = {**loading_env, "ANIWORLD_ANILIST_URL": f"http://127.0.0.1:{closed}",
           "ANIWORLD_DATABASE_URL": database_url}
    folder = tmp_path / "library" / "Cowboy Bebop (1998)"
    folder.mkdir(parents=True)
    (folder / "Cowboy Bebop - 01.mkv").touch()
    scanned = CliRunner().invoke(load_commands(), ["--data-dir", str(tmp_path / "data"), "scan",
                                                   str(tmp_path / "library")], env=env)
    assert scanned.exit_code == 0, scanned.output
    code, out = run(tmp_path, "plugins", env=env)
    assert code == 0
    assert re.search(r"│ AniList +│ anilist +│ aniworld +│ [^│]+│ [^│]+│ down +│", out), out
    assert re.search(r"^anilist is down since \d{4}-\d\d-\d\d \d\d:\d\d UTC: cannot reach "
                     r"AniList \(network down\?\); (next check \d\d:\d\d:\d\d UTC|checked "
                     r"again when something needs it)$", out, re.MULTILINE), out
    code, out = run(tmp_path, "plugins", "--json", env=env)
    rows = {row["name"]: row for row in map(json.loads, out.splitlines())}
    assert (rows["anilist"]["down"], rows["anilist"]["down_reason"]) == (
        True, "cannot reach AniList (network down?)")
    assert rows["jikan"]["down"] is False
