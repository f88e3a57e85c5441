"""Who may use aniworld: users with argon2-hashed passwords, and API keys for scripts.

    accounts = app.accounts
    await accounts.set_password("admin", "a long passphrase")
    assert await accounts.verify_password("admin", "a long passphrase")
    key = await accounts.create_api_key("grafana")   # shown once; only its SHA-256 is kept

Hashing is deliberately slow, so it runs in worker threads behind a limiter of one thread per
CPU: a flood of logins queues up instead of exhausting memory (each hash takes 64 MiB).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
import attrs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import CHEAPEST

from aniworld_core.errors import InvalidInput, StateConflict
from aniworld_core.storage.auth_store import AccountStore
from aniworld_core.storage.database import Database
from aniworld_core.validation import check_title

T = TypeVar("T")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
MAX_KEY_NAME_LENGTH = 64
#: Every API key starts with this, so a leaked key is recognisable (and greppable) as ours.
API_KEY_PREFIX = "aw_"
_KEY_PREFIX_SHOWN = len(API_KEY_PREFIX) + 8
_MAX_KEY_LENGTH = 128
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})

_PRODUCTION_HASHER = PasswordHasher()
_hasher = _PRODUCTION_HASHER

log = logging.getLogger(__name__)


def set_testing(enabled: bool) -> None:
    """Hash with argon2's cheapest parameters (for test suites), or with the real ones again.

    Hashes made while testing are upgraded on the next successful login once it is switched off.
    """
    global _hasher
    _hasher = PasswordHasher.from_parameters(CHEAPEST) if enabled else _PRODUCTION_HASHER


@attrs.frozen
class ApiKey:
    """What is known about an API key after it was shown: its name and first characters."""

    name: str
    prefix: str
    created_at: dt.datetime


def check_username(username: object) -> str:
    """The username in lower case, or :class:`InvalidInput`."""
    if not isinstance(username, str):
        raise InvalidInput("The username must be text.", field="username")
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidInput(
            "A username is 1 to 64 characters: letters, digits, '.', '_' or '-', starting with a "
            "letter or digit.",
            field="username",
        )
    return name


def check_password(password: object) -> str:
    """The password in Unicode NFKC form (so it matches however it was typed), or
    :class:`InvalidInput` naming what is wrong."""
    if not isinstance(password, str):
        raise InvalidInput("The password must be text.", field="password")
    normal = unicodedata.normalize("NFKC", password)
    if len(normal) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters.",
            field="password",
        )
    if len(normal) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password is too long: use at most {MAX_PASSWORD_LENGTH} characters.",
            field="password",
        )
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in normal):
        raise InvalidInput("The password contains a control character or line break.",
                           field="password")
    return normal


def check_key_name(name: object) -> str:
    """An API key name: like a title, at most 64 characters."""
    clean = check_title(name, field="name")
    if len(clean) > MAX_KEY_NAME_LENGTH:
        raise InvalidInput(f"The name is longer than {MAX_KEY_NAME_LENGTH} characters.",
                           field="name")
    return clean


def key_digest(token: str) -> str:
    # API keys carry 256 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


#: Seconds a key found valid is trusted without asking the database again.
API_KEY_CACHE_SECONDS = 10.0


class Accounts:
    """Users and API keys. Reach it as ``app.accounts``; never construct it yourself."""

    def __init__(self, database: Database) -> None:
        self._store = AccountStore(database)
        self._hash_limiter = anyio.CapacityLimiter(os.cpu_count() or 1)
        self._dummy: tuple[PasswordHasher, str] | None = None
        #: Key digests recently found valid, with when that answer expires (monotonic).
        self._valid_keys: dict[str, float] = {}

    # -- users --------------------------------------------------------------------------------

    async def has_users(self) -> bool:
        """Whether anyone can log in yet (if not, the first user must be created)."""
        return await self._store.count_users() > 0

    async def set_password(self, username: str, password: str) -> str:
        """Set ``username``'s password, creating the user if needed, and return the username as
        stored (lower case); :class:`InvalidInput` for a bad username or a password that breaks
        the policy."""
        name, secret = check_username(username), check_password(password)
        await self._store.save_password(name, await self._hash(secret))
        return name

    async def create_first_user(self, username: str, password: str) -> None:
        """Create the first user; :class:`StateConflict` when any user exists already."""
        name, secret = check_username(username), check_password(password)
        if await self.has_users() or not await self._store.create_first_user(
            name, await self._hash(secret)
        ):
            raise StateConflict("A user exists already; log in instead.")

    async def verify_password(self, username: str, password: str) -> bool:
        """Whether the password is right. Takes as long for unknown users as for known ones;
        upgrades the stored hash when the hashing parameters have changed."""
        hasher = _hasher
        try:
            name, secret = check_username(username), check_password(password)
        except InvalidInput:
            stored = None
        else:
            stored = await self._store.password_hash(name)
        if stored is None:
            await self._run(_matches, hasher, await self._dummy_hash(), "not the password")
            return False
        if not await self._run(_matches, hasher, stored, secret):
            return False
        if hasher.check_needs_rehash(stored):
            await self._store.replace_hash(name, stored, await self._hash(secret))
        return True

    # -- API keys -----------------------------------------------------------------------------

    async def create_api_key(self, name: str) -> str:
        """A new key named ``name``. The key is returned once and never stored;
        :class:`StateConflict` if the name is taken."""
        clean = check_key_name(name)
        token = API_KEY_PREFIX + secrets.token_urlsafe(32)
        await self._store.add_api_key(clean, token[:_KEY_PREFIX_SHOWN], key_digest(token))
        return token

    async def verify_api_key(self, token: str) -> bool:
        """Whether ``token`` is a key that exists and was not revoked.

        A valid key is remembered for :data:`API_KEY_CACHE_SECONDS`, so scripts and scrapers
        calling often cost no database read each time: revoking a key in this process takes
        effect at once, in another process (``aniworld api-key revoke``) within that time.
        """
        if (not isinstance(token, str) or not token.startswith(API_KEY_PREFIX)
                or len(token) > _MAX_KEY_LENGTH):
            return False
        digest = key_digest(token)
        now = time.monotonic()
        if self._valid_keys.get(digest, 0.0) > now:
            return True
        valid = await self._store.has_api_key(digest)
        if valid:
            if len(self._valid_keys) > 1000:
                self._valid_keys.clear()
            self._valid_keys[digest] = now + API_KEY_CACHE_SECONDS
        return valid

    async def list_api_keys(self) -> list[ApiKey]:
        """Every key, by name (without the keys themselves)."""
        return [ApiKey(name=row.name, prefix=row.prefix, created_at=row.created_at)
                for row in await self._store.api_keys()]

    async def revoke_api_key(self, name: str) -> None:
        """Delete the key named ``name``; :class:`InvalidInput` if there is none."""
        self._valid_keys.clear()
        if not await self._store.delete_api_key(check_key_name(name)):
            raise InvalidInput(f"No API key is named {name!r}.", field="name")

    # -- hashing ------------------------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._hash_limiter)

    async def _hash(self, secret: str) -> str:
        return await self._run(_hasher.hash, secret)

    async def _dummy_hash(self) -> str:
        """A hash to verify against when the user is unknown, so timing reveals nothing."""
        hasher = _hasher
        if self._dummy is None or self._dummy[0] is not hasher:
            self._dummy = (hasher, await self._run(hasher.hash, secrets.token_urlsafe(16)))
        return self._dummy[1]


def _matches(hasher: PasswordHasher, stored: str, secret: str) -> bool:
    try:
        return hasher.verify(stored, secret)
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError):
        log.warning("A stored password hash is not a valid argon2 hash; that login fails.")
        return False


__all__ = [
    "API_KEY_PREFIX",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "Accounts",
    "ApiKey",
    "check_password",
    "check_username",
    "set_testing",
]
