"""``user set-password``, ``user sessions`` and ``api-key ...`` through click's runner, checked
against the core."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner, Result

from aniworld_cli import (
    account_commands,  # noqa: F401  (registers the commands)
    cli,
)
from aniworld_core import LoggedIn, SeriesApp, Settings
from aniworld_core.auth import set_testing

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def _cheap_hashing() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def run(data_dir: Path) -> Run:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], input=input)

    return invoke


def verify(data_dir: Path, username: str, password: str) -> bool:
    async def check() -> bool:
        async with SeriesApp.open(Settings(data_dir=data_dir)) as app:
            return await app.accounts.verify_password(username, password)

    return anyio.run(check)


def key_works(data_dir: Path, key: str) -> bool:
    async def check() -> bool:
        async with SeriesApp.open(Settings(data_dir=data_dir)) as app:
            return await app.accounts.verify_api_key(key)

    return anyio.run(check)


def test_set_password_prompts_twice_without_echo(run: Run, data_dir: Path) -> None:
    """The password is asked twice, never echoed, and then works for that user."""
    result = run("user", "set-password", "Alice", input="a fine password\na fine password\n")
    assert result.exit_code == 0, result.output
    assert "Password set for alice." in result.stdout
    assert "a fine password" not in result.output
    assert verify(data_dir, "alice", "a fine password")


def test_set_password_defaults_to_admin_and_asks_again_on_mismatch(run: Run,
                                                                   data_dir: Path) -> None:
    """Without a username it sets admin's; a mistyped repetition is asked for again."""
    result = run("user", "set-password",
                 input="first try pw\nfirst typo pw\nsecond try pw\nsecond try pw\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert verify(data_dir, "admin", "second try pw")


def test_a_script_sets_the_password_from_stdin(run: Run, data_dir: Path) -> None:
    """``--password-stdin`` reads the first line of standard input, asks nothing, and the
    password works; an empty line is a one-line error."""
    result = run("user", "set-password", "bot", "--password-stdin",
                 input="a scripted password\n")
    assert result.exit_code == 0, result.output
    assert "Repeat" not in result.output
    assert verify(data_dir, "bot", "a scripted password")
    empty = run("user", "set-password", "bot", "--password-stdin", input="\n")
    assert (empty.exit_code, empty.stderr.strip()) == (
        1, "Error: No password on standard input (--password-stdin).")


def test_a_bad_username_is_refused_before_the_password_is_asked(run: Run) -> None:
    """An invalid username is a one-line error before any password prompt."""
    result = run("user", "set-password", "no spaces!", input="a fine password\n" * 2)
    assert result.exit_code == 1
    assert "New password" not in result.output
    assert result.stderr.strip().startswith("Error: A username is 1 to 64 characters")


def test_weak_password_is_one_line_error(run: Run, data_dir: Path) -> None:
    """A password breaking the policy is refused with one line on stderr and exit status 1."""
    result = run("user", "set-password", input="short\nshort\n")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: The password is too short: use at least 8 "
                                     "characters.")
    assert not verify(data_dir, "admin", "short")


def test_api_key_create_prints_only_the_key(run: Run, data_dir: Path) -> None:
    """stdout is the key alone (for scripts); the warning goes to stderr; the key works."""
    result = run("api-key", "create", "grafana")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("aw_")
    assert "\n" not in key
    assert "cannot show it again" in result.stderr
    assert key_works(data_dir, key)


def test_api_key_list_and_revoke(run: Run, data_dir: Path) -> None:
    """Keys are listed by name and prefix, never in full; a revoked key stops working."""
    key = run("api-key", "create", "backup").stdout.strip()
    listing = run("api-key", "list")
    assert "backup" in listing.stdout
    assert key[:11] in listing.stdout
    assert key not in listing.stdout
    assert run("api-key", "revoke", "backup").exit_code == 0
    assert not key_works(data_dir, key)
    assert "No API keys" in run("api-key", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("api-key", "revoke", "nothing"), "No API key is named 'nothing'."),
        (("api-key", "create", "x" * 65), "longer than 64 characters"),
    ],
)
def test_api_key_errors(run: Run, args: tuple[str, ...], message: str) -> None:
    """Errors are one line with exit status 1."""
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_duplicate_key_name_is_refused(run: Run) -> None:
    """A second key with a taken name is refused; the first keeps working."""
    run("api-key", "create", "ci")
    result = run("api-key", "create", "ci")
    assert result.exit_code == 1
    assert "exists already" in result.stderr
    assert result.stdout == ""


def log_in(data_dir: Path, address: str, user_agent: str = "Firefox") -> str:
    """A browser session of admin's (as the web UI starts one); its token."""

    async def start() -> str:
        async with SeriesApp.open(Settings(data_dir=data_dir), loader=False) as app:
            outcome = await app.accounts.log_in("admin", "a fine password", address=address,
                                                user_agent=user_agent)
            assert isinstance(outcome, LoggedIn)
            return outcome.token

    return anyio.run(start)


def session_works(data_dir: Path, token: str) -> bool:
    async def check() -> bool:
        async with SeriesApp.open(Settings(data_dir=data_dir), loader=False) as app:
            return await app.accounts.session(token) is not None

    return anyio.run(check)


def session_ids(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines()
            if line.startswith("│") and line.split()[1].isdigit()]


def test_sessions_are_listed_and_ended_one_or_all(run: Run, data_dir: Path) -> None:
    """``user sessions`` lists the browsers logged in, with where from; ``--end ID`` logs one
    out, ``--end-all`` every one."""
    run("user", "set-password", input="a fine password\na fine password\n")
    first = log_in(data_dir, "192.0.2.1", "Firefox")
    second = log_in(data_dir, "192.0.2.2", "Phone")
    listing = run("user", "sessions")
    assert listing.exit_code == 0, listing.output
    assert "192.0.2.1" in listing.stdout
    assert "Phone" in listing.stdout
    newest, oldest = session_ids(listing.stdout)
    ended = run("user", "sessions", "--end", oldest)
    assert ended.exit_code == 0, ended.output
    assert f"Ended session {oldest} of admin." in ended.stdout
    assert not session_works(data_dir, first)
    assert session_works(data_dir, second)
    assert session_ids(run("user", "sessions").stdout) == [newest]
    assert "Ended 1 session of admin." in run("user", "sessions", "--end-all").stdout
    assert not session_works(data_dir, second)
    assert "admin has no sessions" in run("user", "sessions").stdout


def test_ending_a_session_that_is_not_there_is_an_error(run: Run) -> None:
    """An id the user has no session with is a one-line error; --end with --end-all is a
    usage error."""
    run("user", "set-password", input="a fine password\na fine password\n")
    result = run("user", "sessions", "--end", "99")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: admin has no session 99")
    assert run("user", "sessions", "--end", "1", "--end-all").exit_code == 2


def test_a_new_password_logs_every_browser_out(run: Run, data_dir: Path) -> None:
    """Setting the password ends every session of that user, and says so."""
    run("user", "set-password", input="a fine password\na fine password\n")
    token = log_in(data_dir, "192.0.2.1")
    result = run("user", "set-password", input="a new password\na new password\n")
    assert "Every session of admin has ended." in result.stdout
    assert not session_works(data_dir, token)
