"""The session secret: made on first run, private to its owner, kept across restarts."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from aniworld_core import StorageError
from aniworld_web.secret_file import SECRET_FILE_NAME, load_or_create_secret


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_run_creates_a_private_secret(tmp_path: Path) -> None:
    """The secret is made with mode 0600 in a data dir of mode 0700, and is long and random."""
    data_dir = tmp_path / "data"
    secret = load_or_create_secret(data_dir)
    assert len(secret) >= 32
    assert mode(data_dir / SECRET_FILE_NAME) == 0o600
    assert mode(data_dir) == 0o700
    assert load_or_create_secret(tmp_path / "other") != secret


def test_the_secret_is_kept(tmp_path: Path) -> None:
    """Later runs read the same secret, so sessions survive a restart."""
    assert load_or_create_secret(tmp_path) == load_or_create_secret(tmp_path)
    assert len(list(tmp_path.iterdir())) == 1  # no temporary files left behind


def test_a_readable_secret_is_made_private(tmp_path: Path) -> None:
    """A secret someone made world-readable is tightened back to 0600 and kept."""
    first = load_or_create_secret(tmp_path)
    (tmp_path / SECRET_FILE_NAME).chmod(0o644)
    assert load_or_create_secret(tmp_path) == first
    assert mode(tmp_path / SECRET_FILE_NAME) == 0o600


@pytest.mark.parametrize("content", [b"", b"short\n", b"\xff" * 64])
def test_an_unusable_secret_is_replaced(tmp_path: Path, content: bytes) -> None:
    """An empty, truncated or garbled file is replaced by a fresh secret."""
    (tmp_path / SECRET_FILE_NAME).write_bytes(content)
    secret = load_or_create_secret(tmp_path)
    assert len(secret) >= 32
    assert mode(tmp_path / SECRET_FILE_NAME) == 0o600


def test_an_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    """When the secret cannot be written the error names the file."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="session secret"):
        load_or_create_secret(blocker / "data")
