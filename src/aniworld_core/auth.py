"""Who may use aniworld: users with argon2-hashed passwords, their browser sessions, and API
keys for scripts.

    accounts = app.accounts
    await accounts.set_password("admin", "a long passphrase")
    outcome = await accounts.log_in("admin", "a long passphrase", address="192.0.2.7")
    key = await accounts.create_api_key("grafana")   # shown once; only its SHA-256 is kept

Sessions and keys live in the database, so ending one works in every process: in this one at
once, in others within :data:`CREDENTIAL_CACHE_SECONDS`. Logins are throttled per username and
per address, counted in the database too (see :data:`LOGIN_LIMITS`).

Hashing is deliberately slow, so it runs in worker threads behind a limiter of one thread per
CPU: a flood of logins queues up instead of exhausting memory (each hash takes 64 MiB).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import anyio
import anyio.to_thread
import attrs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import CHEAPEST

from aniworld_core.errors import InvalidInput, StateConflict
from aniworld_core.storage.auth_store import (
    AccountStore,
    AttemptLimits,
    LoginAttemptStore,
    StoredSession,
)
from aniworld_core.storage.database import Database
from aniworld_core.storage.types import utcnow
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
    # Keys and session tokens carry 256 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


#: Seconds a key or session found valid is trusted without asking the database again: ending
#: one in another process (``aniworld api-key revoke``, ``aniworld user sessions --end``) takes
#: effect here within this time.
CREDENTIAL_CACHE_SECONDS = 5.0
#: A session not used for this long ends.
SESSION_IDLE = dt.timedelta(days=7)
#: A session in use has its "last seen" time written at most this often.
_SESSION_TOUCH = dt.timedelta(minutes=5)
#: Login attempts allowed a minute, per username and per address. An attempt counts from the
#: moment it starts, so parallel guesses cannot slip past while their hashes are checked; a
#: successful one forgives its address (not the username's attempts from elsewhere).
LOGIN_LIMITS = AttemptLimits(per_username=10, per_address=5, window=dt.timedelta(minutes=1))
_MAX_ADDRESS_LENGTH = 64
_MAX_AGENT_LENGTH = 200
_MAX_TOKEN_LENGTH = 128


@attrs.frozen
class UserSession:
    """A browser session as its user sees it: when it began and was last used, from where."""

    id: int
    username: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    address: str
    user_agent: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username,
                "created_at": _timestamp(self.created_at),
                "last_seen_at": _timestamp(self.last_seen_at),
                "address": self.address, "user_agent": self.user_agent}


@attrs.frozen
class LoggedIn:
    """A session just started. ``token`` goes into the cookie; only its SHA-256 is stored."""

    token: str = attrs.field(repr=False)
    session: UserSession


@attrs.frozen
class LoginRefused:
    """A login that did not start a session: wrong credentials, or (``retry_after`` set) too
    many attempts; ``retry_after`` is the whole seconds to wait."""

    retry_after: int | None = None


class Accounts:
    """Users, their sessions, and API keys. Reach it as ``app.accounts``; never construct it
    yourself."""

    @staticmethod
    def check_username(username: object) -> str:
        """The username as stored (lower case), or :class:`InvalidInput` saying what a
        username may be: for frontends that check it before asking for a password."""
        return check_username(username)

    #: A session unused this long ends (an adapter's cookie may live as long).
    session_idle: ClassVar[dt.timedelta] = SESSION_IDLE

    def __init__(self, database: Database) -> None:
        self._store = AccountStore(database)
        self._attempts = LoginAttemptStore(database)
        self._hash_limiter = anyio.CapacityLimiter(os.cpu_count() or 1)
        self._dummy: tuple[PasswordHasher, str] | None = None
        #: Digests of keys and of session tokens recently found valid, with when that answer
        #: expires (monotonic) and, for sessions, the session found.
        self._valid_keys: dict[str, float] = {}
        self._valid_sessions: dict[str, tuple[float, UserSession]] = {}
        self._revocation: anyio.Event | None = None
        self._revocations = 0
        #: The time sessions and the login throttle go by (tests move it).
        self.clock: Callable[[], dt.datetime] = utcnow

    # -- users --------------------------------------------------------------------------------

    async def has_users(self) -> bool:
        """Whether anyone can log in yet (if not, the first user must be created)."""
        return await self._store.count_users() > 0

    async def set_password(self, username: str, password: str) -> str:
        """Set ``username``'s password, creating the user if needed, and return the username as
        stored (lower case); every session of theirs ends. :class:`InvalidInput` for a bad
        username or a password that breaks the policy."""
        name, secret = check_username(username), check_password(password)
        await self._store.save_password(name, await self._hash(secret))
        self._revoked_now()
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

        A valid key is remembered for :data:`CREDENTIAL_CACHE_SECONDS`, so scripts and scrapers
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
            _bounded(self._valid_keys)[digest] = now + CREDENTIAL_CACHE_SECONDS
        return valid

    async def list_api_keys(self) -> list[ApiKey]:
        """Every key, by name (without the keys themselves)."""
        return [ApiKey(name=row.name, prefix=row.prefix, created_at=row.created_at)
                for row in await self._store.api_keys()]

    async def revoke_api_key(self, name: str) -> None:
        """Delete the key named ``name``; :class:`InvalidInput` if there is none."""
        deleted = await self._store.delete_api_key(check_key_name(name))
        self._revoked_now()
        if not deleted:
            raise InvalidInput(f"No API key is named {name!r}.", field="name")

    # -- logging in and sessions --------------------------------------------------------------

    async def log_in(self, username: object, password: object, *, address: str,
                     user_agent: str = "") -> LoggedIn | LoginRefused:
        """Check the password, throttled per username and per address (:data:`LOGIN_LIMITS`),
        and start a session for a right one. ``address`` is the caller's (as the adapter
        trusts it), ``user_agent`` what its browser calls itself; both are shown in the list of
        sessions."""
        where = _clip(address, _MAX_ADDRESS_LENGTH) or "unknown"
        who = _clip(username.strip().lower() if isinstance(username, str) else "", 64)
        now = self.clock()
        begun = await self._attempts.begin(who, where, now=now, limits=LOGIN_LIMITS)
        if isinstance(begun, dt.datetime):
            return LoginRefused(max(1, math.ceil((begun - now).total_seconds())))
        if not (isinstance(username, str) and isinstance(password, str)
                and await self.verify_password(username, password)):
            return LoginRefused()
        await self._attempts.forgive(begun, where)
        return await self.start_session(username, address=where, user_agent=user_agent)

    async def start_session(self, username: str, *, address: str,
                            user_agent: str = "") -> LoggedIn:
        """A new session for ``username`` (after the adapter made sure who it is: a login, the
        first user's setup); :class:`InvalidInput` if there is no such user. Sessions of the
        user unused for :data:`SESSION_IDLE` are deleted on the way."""
        name = check_username(username)
        token = secrets.token_urlsafe(32)
        now = self.clock()
        where, agent = _clip(address, _MAX_ADDRESS_LENGTH), _clip(user_agent, _MAX_AGENT_LENGTH)
        await self._store.delete_sessions(name, idle_since=now - SESSION_IDLE)
        session_id = await self._store.add_session(name, key_digest(token), address=where,
                                                   user_agent=agent, now=now)
        if session_id is None:
            raise InvalidInput(f"There is no user {name!r}.", field="username")
        return LoggedIn(token, UserSession(session_id, name, now, now, where, agent))

    async def session(self, token: object) -> UserSession | None:
        """The live session the cookie's ``token`` names, or ``None`` (ended, unused for
        :data:`SESSION_IDLE`, never existed). Remembered like API keys
        (:data:`CREDENTIAL_CACHE_SECONDS`)."""
        if not isinstance(token, str) or not 0 < len(token) <= _MAX_TOKEN_LENGTH:
            return None
        digest = key_digest(token)
        remembered = self._valid_sessions.get(digest)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
        now = self.clock()
        found = await self._store.find_session(digest, idle_since=now - SESSION_IDLE,
                                               touch_before=now - _SESSION_TOUCH, now=now)
        if found is None:
            return None
        session = _user_session(found)
        _bounded(self._valid_sessions)[digest] = (time.monotonic() + CREDENTIAL_CACHE_SECONDS,
                                                  session)
        return session

    async def end_session(self, token: object) -> None:
        """Log out: the session ``token`` names ends (nothing happens if it has already)."""
        if isinstance(token, str) and 0 < len(token) <= _MAX_TOKEN_LENGTH:
            await self._store.delete_session(key_digest(token))
        self._revoked_now()

    async def sessions(self, username: str) -> list[UserSession]:
        """The user's sessions, most recently used first (those unused for
        :data:`SESSION_IDLE` left out)."""
        idle_since = self.clock() - SESSION_IDLE
        return [_user_session(row) for row in await self._store.sessions_of(
            check_username(username)) if row.last_seen_at >= idle_since]

    async def end_sessions(self, username: str, session_id: int | None = None) -> int:
        """End the user's session ``session_id``, or every one of theirs; returns how many
        ended (0: there was no such session)."""
        ended = await self._store.delete_sessions(check_username(username),
                                                  session_id=session_id)
        self._revoked_now()
        return ended

    @property
    def revocations(self) -> int:
        """How many revocations this process has made so far."""
        return self._revocations

    async def revoked(self, since: int) -> int:
        """Return :attr:`revocations` once it is above ``since``: after a logout, an ended
        session, a new password or a revoked key in this process. Live streams wait on it to
        check their credentials again at once (revocations in other processes they notice by
        asking again in time)."""
        while self._revocations <= since:
            if self._revocation is None:
                self._revocation = anyio.Event()
            await self._revocation.wait()
        return self._revocations

    def _revoked_now(self) -> None:
        """Something was revoked: forget what was found valid, wake whoever waits."""
        self._valid_keys.clear()
        self._valid_sessions.clear()
        self._revocations += 1
        if self._revocation is not None:
            self._revocation.set()
            self._revocation = None

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


D = TypeVar("D", bound=dict[str, Any])


def _bounded(cache: D) -> D:
    """``cache``, emptied first when it has grown past a thousand entries."""
    if len(cache) > 1000:
        cache.clear()
    return cache


def _clip(text: str, length: int) -> str:
    """``text`` without control characters, at most ``length`` characters."""
    return "".join(char for char in text if unicodedata.category(char) not in
                   _FORBIDDEN_CATEGORIES)[:length].strip()


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _user_session(row: StoredSession) -> UserSession:
    return UserSession(row.id, row.username, row.created_at, row.last_seen_at, row.address,
                       row.user_agent)


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
    "CREDENTIAL_CACHE_SECONDS",
    "LOGIN_LIMITS",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SESSION_IDLE",
    "Accounts",
    "ApiKey",
    "LoggedIn",
    "LoginRefused",
    "UserSession",
    "check_password",
    "check_username",
    "set_testing",
]
