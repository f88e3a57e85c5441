"""``aniworld plugins`` through click's runner: JSON lines, the table, disabled providers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from aniworld_cli import (
    cli,
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
