"""``status`` tells a failure that needs the user's choice from one whose cause must be fixed,
by the series' ``needs_choice`` rather than by its error's wording; against the fake
providers, through click's runner."""

from __future__ import annotations

from tests.cli.conftest import Run


def test_status_names_the_command_that_picks_the_entry(
        run: Run, loading_env: dict[str, str]) -> None:
    """A title no provider matches fails needing a choice: ``status`` and ``status SERIES``
    name the ``identify`` command for it (with its short id), and no refresh is suggested."""
    run("add", "Bebop Cowboy Space Western Thing", "--year", "1990")
    run("load", env=loading_env)
    (series,) = run("list", "--json").json_lines()
    hint = f"aniworld identify {series['id'][:8]} --anilist ID"
    library = run("status").out
    assert f"    → {hint}" in library
    assert "aniworld refresh" not in library
    one = run("status", series["id"][:8])
    assert f"Say which entry it is: {hint}" in one.out
    assert run("status", series["id"][:8], "--json").json_lines()[0]["needs_choice"] is True
