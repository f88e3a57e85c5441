"""Accounts: argon2 passwords with a policy, first-user creation, API keys stored as hashes,
sessions kept in the database (so they can be ended), and logins throttled per username and per
address in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest
import sqlalchemy as sa

from aniworld_core import InvalidInput, SeriesApp, Settings, StateConflict
from aniworld_core import auth as auth_module
from aniworld_core.auth import (
    API_KEY_PREFIX,
    LOGIN_LIMITS,
    MAX_PASSWORD_LENGTH,
    SESSION_IDLE,
    LoggedIn,
    LoginRefused,
    set_testing,
)
from aniworld_core.storage.engine import open_engine

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _cheap_hashing() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def stored(settings: Settings, query: str) -> list[tuple[object, ...]]:
    engine = open_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


async def test_set_and_verify_password(app: SeriesApp) -> None:
    """A set password verifies; a wrong one and an unknown user do not."""
    assert not await app.accounts.has_users()
    await app.accounts.set_password("Admin", "correct horse")
    assert await app.accounts.has_users()
    assert await app.accounts.verify_password("admin", "correct horse")
    assert await app.accounts.verify_password("ADMIN", "correct horse")
    assert not await app.accounts.verify_password("admin", "wrong horse!")
    assert not await app.accounts.verify_password("nobody", "correct horse")
    assert not await app.accounts.verify_password("bad name!", "correct horse")


async def test_only_an_argon2_hash_is_stored(app: SeriesApp, settings: Settings) -> None:
    """The users table holds an argon2id hash, never the password."""
    await app.accounts.set_password("admin", "correct horse")
    [(username, password_hash)] = stored(settings, "SELECT username, password_hash FROM users")
    assert username == "admin"
    assert isinstance(password_hash, str)
    assert password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash


async def test_setting_a_new_password_replaces_the_old(app: SeriesApp) -> None:
    """After a change only the new password verifies, and the user is not duplicated."""
    await app.accounts.set_password("admin", "first password")
    await app.accounts.set_password("admin", "second password")
    assert not await app.accounts.verify_password("admin", "first password")
    assert await app.accounts.verify_password("admin", "second password")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "too short"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), "too long"),
        ("good password\n", "control character"),
        ("good\x00password", "control character"),
        (12345678, "must be text"),
    ],
)
async def test_password_policy(app: SeriesApp, password: object, message: str) -> None:
    """A password breaking the policy is refused with a clear message and nothing is written."""
    with pytest.raises(InvalidInput, match=message) as caught:
        await app.accounts.set_password("admin", password)  # type: ignore[arg-type]
    assert caught.value.field == "password"
    assert not await app.accounts.has_users()


@pytest.mark.parametrize("username", ["", " ", "has space", "a" * 65, "-leading", "ümlaut", None])
async def test_username_policy(app: SeriesApp, username: object) -> None:
    """A username outside letters, digits, '.', '_' and '-' is refused."""
    with pytest.raises(InvalidInput) as caught:
        await app.accounts.set_password(username, "correct horse")  # type: ignore[arg-type]
    assert caught.value.field == "username"


async def test_password_matches_however_it_was_typed(app: SeriesApp) -> None:
    """A password with accents verifies whether typed composed or decomposed (NFKC)."""
    await app.accounts.set_password("admin", "caf\u00e9 au lait")
    assert await app.accounts.verify_password("admin", "cafe\u0301 au lait")


async def test_hash_is_upgraded_when_parameters_change(app: SeriesApp, settings: Settings) -> None:
    """A hash made with old parameters is replaced by one with the current parameters on login."""
    await app.accounts.set_password("admin", "correct horse")
    [(cheap,)] = stored(settings, "SELECT password_hash FROM users")
    set_testing(False)
    assert await app.accounts.verify_password("admin", "correct horse")
    [(upgraded,)] = stored(settings, "SELECT password_hash FROM users")
    assert upgraded != cheap
    assert isinstance(upgraded, str)
    assert "m=65536" in upgraded
    assert await app.accounts.verify_password("admin", "correct horse")


async def test_corrupt_hash_fails_the_login(app: SeriesApp, settings: Settings) -> None:
    """A stored hash that is not argon2 makes the login fail instead of raising."""
    await app.accounts.set_password("admin", "correct horse")
    engine = open_engine(settings.resolved_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE users SET password_hash = 'garbage'"))
    finally:
        engine.dispose()
    assert not await app.accounts.verify_password("admin", "correct horse")


async def test_first_user_only_once(app: SeriesApp) -> None:
    """The first user can be created once; afterwards it is a conflict."""
    await app.accounts.create_first_user("admin", "correct horse")
    with pytest.raises(StateConflict, match="exists already"):
        await app.accounts.create_first_user("mallory", "evil password")
    assert not await app.accounts.verify_password("mallory", "evil password")


async def test_concurrent_first_users_make_exactly_one(app: SeriesApp) -> None:
    """Two first visitors at the same moment: one becomes the user, the other gets a conflict."""
    outcomes: list[str] = []

    async def attempt(name: str) -> None:
        try:
            await app.accounts.create_first_user(name, "correct horse")
            outcomes.append("created")
        except StateConflict:
            outcomes.append("conflict")

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(attempt, "alice")
            group.start_soon(attempt, "bob")
    assert sorted(outcomes) == ["conflict", "created"]


async def test_api_key_lifecycle(app: SeriesApp, settings: Settings) -> None:
    """A created key verifies, is listed by name and prefix, is stored only as a hash, and stops
    working once revoked."""
    key = await app.accounts.create_api_key("grafana")
    assert key.startswith(API_KEY_PREFIX)
    assert len(key) > 40
    assert await app.accounts.verify_api_key(key)
    [listed] = await app.accounts.list_api_keys()
    assert listed.name == "grafana"
    assert key.startswith(listed.prefix)
    assert len(listed.prefix) < len(key) // 3
    assert all(key not in str(value) for row in stored(settings, "SELECT * FROM api_keys")
               for value in row)
    await app.accounts.revoke_api_key("grafana")
    assert not await app.accounts.verify_api_key(key)
    assert await app.accounts.list_api_keys() == []


async def test_api_key_errors(app: SeriesApp) -> None:
    """Duplicate names conflict, unknown names cannot be revoked, bad names are refused."""
    await app.accounts.create_api_key("backup")
    with pytest.raises(StateConflict, match="exists already"):
        await app.accounts.create_api_key("backup")
    with pytest.raises(InvalidInput, match="No API key"):
        await app.accounts.revoke_api_key("nothing")
    with pytest.raises(InvalidInput):
        await app.accounts.create_api_key("x" * 65)
    with pytest.raises(InvalidInput):
        await app.accounts.create_api_key("line\nbreak")


@pytest.mark.parametrize("token", ["", "aw_", "aw_wrong", "Bearer aw_x", "x" * 1000,
                                   API_KEY_PREFIX + "y" * 200])
async def test_malformed_or_unknown_keys_do_not_verify(app: SeriesApp, token: str) -> None:
    """Anything that is not an issued key is refused."""
    await app.accounts.create_api_key("real")
    assert not await app.accounts.verify_api_key(token)


# -- sessions ---------------------------------------------------------------------------------


class Clock:
    """A clock the test moves; sessions and the throttle go by it."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def other_process(settings: Settings) -> AsyncIterator[SeriesApp]:
    """A second ``SeriesApp`` on the same database, as another aniworld process would be."""
    async with SeriesApp.open(settings, loader=False) as opened:
        yield opened


async def logged_in(app: SeriesApp, username: str = "admin",
                    address: str = "192.0.2.1") -> LoggedIn:
    outcome = await app.accounts.log_in(username, "correct horse", address=address,
                                        user_agent="Firefox")
    assert isinstance(outcome, LoggedIn), outcome
    return outcome


async def test_logging_out_ends_the_session(app: SeriesApp, settings: Settings) -> None:
    """A login's token names a session until logout; the database keeps only its hash."""
    await app.accounts.set_password("admin", "correct horse")
    login = await logged_in(app)
    session = await app.accounts.session(login.token)
    assert session is not None
    assert (session.username, session.address, session.user_agent) == (
        "admin", "192.0.2.1", "Firefox")
    assert all(login.token not in str(value) for row in stored(settings, "SELECT * FROM sessions")
               for value in row)
    await app.accounts.end_session(login.token)
    assert await app.accounts.session(login.token) is None
    assert await app.accounts.sessions("admin") == []


async def test_a_new_password_ends_every_session_of_that_user(app: SeriesApp) -> None:
    """Setting a password ends all of that user's sessions and no one else's."""
    for user in ("admin", "bob"):
        await app.accounts.set_password(user, "correct horse")
    admin_sessions = [await logged_in(app) for _ in range(2)]
    bob = await logged_in(app, "bob")
    await app.accounts.set_password("admin", "another horse")
    for login in admin_sessions:
        assert await app.accounts.session(login.token) is None
    assert await app.accounts.session(bob.token) is not None


async def test_sessions_are_listed_and_ended_one_or_all(app: SeriesApp) -> None:
    """A user's sessions are listed newest first; one can be ended by id, then all."""
    clock = app.accounts.clock = Clock()
    await app.accounts.set_password("admin", "correct horse")
    first = await logged_in(app, address="192.0.2.1")
    clock.now += dt.timedelta(hours=1)
    second = await logged_in(app, address="192.0.2.2")
    listed = await app.accounts.sessions("ADMIN")
    assert [s.id for s in listed] == [second.session.id, first.session.id]
    assert [s.address for s in listed] == ["192.0.2.2", "192.0.2.1"]
    assert listed[0].to_dict()["last_seen_at"] == "2026-11-01T13:00:00Z"
    assert await app.accounts.end_sessions("admin", first.session.id) == 1
    assert await app.accounts.end_sessions("admin", first.session.id) == 0
    assert await app.accounts.session(first.token) is None
    assert await app.accounts.session(second.token) is not None
    await logged_in(app)
    assert await app.accounts.end_sessions("admin") == 2
    assert await app.accounts.sessions("admin") == []


async def test_an_unused_session_expires(app: SeriesApp) -> None:
    """A session unused for the idle time ends; one in use stays."""
    clock = app.accounts.clock = Clock()
    await app.accounts.set_password("admin", "correct horse")
    used, unused = await logged_in(app), await logged_in(app)
    clock.now += SESSION_IDLE / 2
    auth_module_cache_off(app)
    assert await app.accounts.session(used.token) is not None
    clock.now += SESSION_IDLE / 2 + dt.timedelta(minutes=1)
    assert await app.accounts.session(used.token) is not None
    assert await app.accounts.session(unused.token) is None
    assert [s.id for s in await app.accounts.sessions("admin")] == [used.session.id]


def auth_module_cache_off(app: SeriesApp) -> None:
    """Forget what this process found valid, as happens after the cache time."""
    app.accounts._valid_sessions.clear()
    app.accounts._valid_keys.clear()


async def test_ending_in_another_process_is_noticed_after_the_cache_time(
        app: SeriesApp, other_process: SeriesApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session or key ended by another process is still trusted here until the cache time
    has passed, then refused (here the cache time is zero)."""
    await app.accounts.set_password("admin", "correct horse")
    login = await logged_in(app)
    key = await app.accounts.create_api_key("script")
    assert await app.accounts.session(login.token) is not None
    assert await app.accounts.verify_api_key(key)
    await other_process.accounts.end_sessions("admin")
    await other_process.accounts.revoke_api_key("script")
    assert await app.accounts.session(login.token) is not None  # remembered
    assert await app.accounts.verify_api_key(key)
    monkeypatch.setattr(auth_module, "CREDENTIAL_CACHE_SECONDS", 0.0)
    auth_module_cache_off(app)
    assert await app.accounts.session(login.token) is None
    assert not await app.accounts.verify_api_key(key)


async def test_a_revocation_wakes_whoever_waits(app: SeriesApp) -> None:
    """Logging out, ending sessions, a new password and revoking a key each wake waiters; a
    revocation made before the wait began is not missed."""
    await app.accounts.set_password("admin", "correct horse")
    login = await logged_in(app)
    await app.accounts.create_api_key("script")
    before = app.accounts.revocations
    revocations = [lambda: app.accounts.end_session(login.token),
                   lambda: app.accounts.end_sessions("admin"),
                   lambda: app.accounts.set_password("admin", "another horse"),
                   lambda: app.accounts.revoke_api_key("script")]

    async def wait(since: int, woken: anyio.Event) -> None:
        assert await app.accounts.revoked(since) == since + 1
        woken.set()

    for revoke in revocations:
        woken = anyio.Event()
        with anyio.fail_after(5):
            async with anyio.create_task_group() as group:
                group.start_soon(wait, app.accounts.revocations, woken)
                await anyio.wait_all_tasks_blocked()
                await revoke()
                await woken.wait()
    with anyio.fail_after(5):
        assert await app.accounts.revoked(before) == before + len(revocations)


async def test_a_session_needs_an_existing_user(app: SeriesApp) -> None:
    """No session can be started for someone who is not a user; bad tokens name none."""
    with pytest.raises(InvalidInput, match="no user"):
        await app.accounts.start_session("ghost", address="::1")
    for token in ("", "x" * 1000, 12, None):
        assert await app.accounts.session(token) is None


# -- login throttling -------------------------------------------------------------------------


async def failures(app: SeriesApp, count: int, *, username: str = "admin",
                   address: str = "192.0.2.66") -> None:
    for _ in range(count):
        outcome = await app.accounts.log_in(username, "wrong horse", address=address)
        assert outcome == LoginRefused(), outcome


async def test_an_address_gets_five_attempts_a_minute(app: SeriesApp) -> None:
    """After five failures from one address the next attempt, even a right one, waits until the
    oldest is a minute old; another address may still log in."""
    clock = app.accounts.clock = Clock()
    await app.accounts.set_password("admin", "correct horse")
    for _ in range(LOGIN_LIMITS.per_address):
        await failures(app, 1)
        clock.now += dt.timedelta(seconds=10)
    refused = await app.accounts.log_in("admin", "correct horse", address="192.0.2.66")
    assert refused == LoginRefused(retry_after=10)
    await logged_in(app, address="192.0.2.67")
    clock.now += dt.timedelta(seconds=10)
    await logged_in(app, address="192.0.2.66")


async def test_a_username_is_throttled_across_addresses(app: SeriesApp) -> None:
    """Guesses at one username from rotating addresses are limited too, whatever the address;
    other usernames are not affected."""
    app.accounts.clock = Clock()
    for user in ("admin", "bob"):
        await app.accounts.set_password(user, "correct horse")
    for number in range(LOGIN_LIMITS.per_username):
        await failures(app, 1, username="ADMIN", address=f"198.51.100.{number}")
    refused = await app.accounts.log_in("admin", "correct horse", address="203.0.113.1")
    assert refused == LoginRefused(retry_after=60)
    await logged_in(app, "bob", address="203.0.113.1")


async def test_success_forgives_its_address_only(app: SeriesApp) -> None:
    """A right password clears its own address's failures, not the username's from others."""
    app.accounts.clock = Clock()
    await app.accounts.set_password("admin", "correct horse")
    await failures(app, 3, address="192.0.2.1")
    await failures(app, 3, address="192.0.2.2")
    await logged_in(app, address="192.0.2.1")
    await failures(app, LOGIN_LIMITS.per_address, address="192.0.2.1")  # its 3 were forgiven
    assert (await app.accounts.log_in("admin", "wrong", address="192.0.2.1")).retry_after
    left = LOGIN_LIMITS.per_username - 3 - LOGIN_LIMITS.per_address  # 192.0.2.2's 3 count
    await failures(app, left, address="192.0.2.3")
    assert (await app.accounts.log_in("admin", "wrong", address="192.0.2.3")).retry_after


async def test_the_count_is_shared_by_processes(app: SeriesApp,
                                                other_process: SeriesApp) -> None:
    """Failures counted by one process throttle the same address in another."""
    await app.accounts.set_password("admin", "correct horse")
    await failures(app, LOGIN_LIMITS.per_address - 1)
    await failures(other_process, 1)
    for accounts in (app.accounts, other_process.accounts):
        outcome = await accounts.log_in("admin", "correct horse", address="192.0.2.66")
        assert outcome.retry_after is not None  # type: ignore[union-attr]


async def test_parallel_guesses_cannot_pass_the_limit(app: SeriesApp,
                                                      other_process: SeriesApp) -> None:
    """Twenty guesses at once from one address, through two processes, get at most five
    answers that are not "wait"."""
    await app.accounts.set_password("admin", "correct horse")
    outcomes: list[LoggedIn | LoginRefused] = []

    async def guess(accounts: auth_module.Accounts) -> None:
        outcomes.append(await accounts.log_in("admin", "wrong horse", address="192.0.2.5"))

    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            for number in range(20):
                group.start_soon(guess, (app, other_process)[number % 2].accounts)
    checked = [o for o in outcomes if isinstance(o, LoginRefused) and o.retry_after is None]
    assert len(checked) == LOGIN_LIMITS.per_address
