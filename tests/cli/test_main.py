"""The ``aniworld`` group itself: version, help, and the README naming every command."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

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


def test_global_options_go_before_or_after_the_command(tmp_path: Path) -> None:
    """``--data-dir`` and the other global options work after the command as before it (the
    README once wrote ``aniworld demo --data-dir``), in both spellings; a command's arguments
    after ``--`` are left alone."""
    cli = load_commands()
    runner = CliRunner()
    data = tmp_path / "data"
    added = runner.invoke(cli, ["add", "Akira", "--data-dir", str(data)])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["list", "--json", f"--data-dir={data}"])
    assert [json.loads(line)["title"] for line in listed.stdout.splitlines()] == ["Akira"]
    nested = runner.invoke(cli, ["user", "list", "--data-dir", str(data)])
    assert "No such option" not in nested.output
    literal = runner.invoke(cli, ["--data-dir", str(data), "add", "--", "--config"])
    assert literal.exit_code == 0, literal.output
    assert "Added --config" in literal.stdout


def readme_command_lines() -> list[list[str]]:
    """Every ``aniworld`` command line of the README (code blocks and inline code), as argv
    after ``aniworld``; usage forms are made concrete: optional parts kept, the first of
    alternatives taken, ``...`` dropped, comments cut."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines()]
    lines += re.findall(r"`((?:\.venv/bin/)?aniworld [^`]*)`", text)
    commands = []
    for line in lines:
        line = re.split(r"\s#", line, maxsplit=1)[0].strip()
        line = line.split("&& ")[-1]
        if not line or line.split()[0].rpartition("/")[2] != "aniworld":
            continue
        words = shlex.split(line.replace("[", "").replace("]", "").replace("...", ""))
        commands.append([word.split("|")[0] for word in words[1:]])
    return commands


def test_every_command_line_in_the_readme_parses() -> None:
    """Each command the README shows has the options it is shown with, in that place."""
    cli = load_commands()
    commands = readme_command_lines()
    assert ["--data-dir", "DATA", "demo", "--dir", "LIBRARY"] in commands
    assert len(commands) >= 25
    for argv in commands:
        if argv == ["--version"]:
            continue
        # Parsed down to the command, whose --help then ends the run: nothing is executed,
        # and an option the command does not have is a usage error (exit 2).
        outcome = CliRunner().invoke(cli, [*argv, "--help"])
        assert (outcome.exit_code, outcome.output[:6]) == (0, "Usage:"), (argv, outcome.output)
