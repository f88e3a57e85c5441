"""The ``aniworld`` group itself: version, help, and the README naming every command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from aniworld_cli import load_commands
from aniworld_core import __version__
from tests.cli.conftest import Run

README = Path(__file__).parents[2] / "README.md"


def test_version(run: Run) -> None:
    """``--version`` prints the version and exits 0."""
    outcome = run("--version")
    assert (outcome.code, outcome.out) == (0, f"aniworld, version {__version__}\n")


def test_the_readme_documents_every_command(run: Run) -> None:
    """Every command is in ``--help`` and in the README's CLI section, and the README names no
    command that does not exist."""
    commands = set(load_commands().commands)
    help_text = run("--help").out
    assert all(re.search(rf"^  {name}\b", help_text, re.MULTILINE) for name in commands)
    section = README.read_text(encoding="utf-8").split("## The CLI", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^aniworld ([a-z][a-z-]*)", section, re.MULTILINE))
    assert documented == commands


def test_the_command_keeps_what_it_imported_out_of_full_collections() -> None:
    """The console script freezes everything imported before the command runs, so the
    garbage collector's full collections walk only what the command makes."""
    script = ("import atexit, gc, sys\n"
              "atexit.register(lambda: print('frozen', gc.get_freeze_count()))\n"
              "sys.argv = ['aniworld', '--version']\n"
              "from aniworld_cli import main\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    version, frozen = done.stdout.splitlines()
    assert version == f"aniworld, version {__version__}"
    assert int(frozen.removeprefix("frozen ")) > 50_000
