"""Accounts: argon2 passwords with a policy, first-user creation, API keys stored as hashes."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
import sqlalchemy as sa

from aniworld_core import InvalidInput, SeriesApp, Settings, StateConflict
from aniworld_core.auth import API_KEY_PREFIX, MAX_PASSWORD_LENGTH, set_testing
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
