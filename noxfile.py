"""Developer sessions: ``nox -s tests lint typecheck browser bench``."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PLUGINS = sorted(str(path) for path in (ROOT / "plugins").glob("aniworld-*") if path.is_dir())


def install(session: nox.Session) -> None:
    session.install("-e", ".[test]", *(arg for plugin in PLUGINS for arg in ("-e", plugin)))


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The whole suite (set ANIWORLD_TEST_DATABASE_URL to include PostgreSQL)."""
    install(session)
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff over everything."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """``mypy --strict`` on src and every plugin's src (the files pyproject.toml names)."""
    install(session)
    session.run("mypy", "--strict")


@nox.session(python="3.11")
def browser(session: nox.Session) -> None:
    """The browser tests only, in Debian's Chromium."""
    install(session)
    session.run("pytest", "-m", "browser", *session.posargs)


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Every benchmark under benchmarks/; each prints one JSON object per line."""
    install(session)
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        session.run("python", str(script))
