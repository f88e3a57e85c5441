"""The CLI through click's runner, in this process, against a private data dir and, when a test
asks for it, the fake provider servers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from aniworld_cli import load_commands
from tests.conftest import FAST


@attrs.frozen
class Outcome:
    """What a command did: exit status, stdout, stderr."""

    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines()]


Run = Callable[..., Outcome]


def fake_env(fakes: Any) -> dict[str, str]:
    """Environment variables pointing every provider at the fake servers, limits as fast as
    theirs, retries quick."""
    env = {"ANIWORLD_LOADER_RETRY_BASE_DELAY": "0.01", "ANIWORLD_LOADER_RETRY_MAX_DELAY": "0.05"}
    for key, value in fakes.settings_overrides().items():
        _, provider, field = key.split(".")
        env[f"ANIWORLD_{provider.upper()}_{field.upper()}"] = str(value)
        env[f"ANIWORLD_{provider.upper()}_RATE_SCALE"] = str(FAST)
    return env


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def run(data_dir: Path) -> Run:
    """``run("list", "--json", env={...})``: the command with ``--data-dir`` set."""
    cli = load_commands()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Outcome:
        result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def loading_env(fakes: Any) -> dict[str, str]:
    """The environment for commands that load: the fake servers, reset, fast."""
    return fake_env(fakes)
