"""The key that signs session cookies: made on first run, kept in the data dir, mode 0600.

Kept across restarts so logins survive them; deleting the file logs everybody out.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from aniworld_core import StorageError

SECRET_FILE_NAME = "session-secret"
_MIN_LENGTH = 32

log = logging.getLogger(__name__)


def load_or_create_secret(data_dir: Path) -> str:
    """The secret in ``data_dir``, created (readable only by its owner) when missing or unusable.

    Safe when several processes start at once: the first file written wins and every process
    uses it.
    """
    path = data_dir / SECRET_FILE_NAME
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for _ in range(3):
            existing = _read(path)
            if existing is not None:
                return existing
            if _write_new(path, secrets.token_urlsafe(48)):
                log.info("Created a new session secret in %s.", path)
    except OSError as error:
        raise StorageError(f"Cannot keep the session secret in {path}: {error.strerror}.") from None
    raise StorageError(f"Cannot keep the session secret in {path}: it keeps changing.")


def _read(path: Path) -> str | None:
    try:
        secret = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        secret = ""
    if len(secret) < _MIN_LENGTH:
        log.warning("The session secret in %s is unusable; replacing it.", path)
        path.unlink(missing_ok=True)
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("The session secret %s was readable by others (mode %o); now 0600.",
                    path, mode)
        path.chmod(0o600)
    return secret


def _write_new(path: Path, secret: str) -> bool:
    """Write ``secret`` unless another process got there first (then ``False``)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secret + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)  # atomic, and fails if the file exists
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
