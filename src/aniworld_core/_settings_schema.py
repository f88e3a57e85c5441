"""The keys aniworld's settings accept and how each value is checked.

A converter takes ``(value, from_text, base)``: ``from_text`` is true for environment variables
(everything is a string there), ``base`` is the directory relative paths are resolved against.
Converters raise ``ValueError`` with a message that says what was expected.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Converter = Callable[[Any, bool, "Path | None"], Any]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_HOST_NAME = re.compile(r"[A-Za-z0-9._-]+|\[?[0-9A-Fa-f:.]+\]?")


def _string(value: Any, from_text: bool, base: Path | None) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _path(value: Any, from_text: bool, base: Path | None) -> Path:
    path = Path(value if isinstance(value, Path) else _string(value, from_text, base)).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    return path


def _paths(value: Any, from_text: bool, base: Path | None) -> tuple[Path, ...]:
    if from_text and isinstance(value, str):
        value = [part for part in value.split(os.pathsep) if part]
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list of paths, got {value!r}")
    return tuple(_path(item, False, base) for item in value)


def _names(value: Any, from_text: bool, base: Path | None) -> tuple[str, ...]:
    if from_text and isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"expected a list of names, got {value!r}")
    return tuple(value)


def _integer(low: int, high: int) -> Converter:
    def convert(value: Any, from_text: bool, base: Path | None) -> int:
        if from_text and isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(f"expected an integer, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"expected an integer from {low} to {high}, got {value}")
        return value

    return convert


def _seconds(low: float, high: float, *, what: str = "a number of seconds") -> Converter:
    def convert(value: Any, from_text: bool, base: Path | None) -> float:
        if from_text and isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError(f"expected {what}, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected {what}, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"expected a number from {low:g} to {high:g}, got {value}")
        return float(value)

    return convert


def _choice(*choices: str) -> Converter:
    def convert(value: Any, from_text: bool, base: Path | None) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return str(value)

    return convert


def _template(field: str) -> Converter:
    def convert(value: Any, from_text: bool, base: Path | None) -> str:
        from aniworld_core.downloads.naming import check_template  # naming reads settings
        from aniworld_core.errors import InvalidInput

        try:
            return check_template(_string(value, from_text, base), field=field)
        except InvalidInput as error:
            raise ValueError(str(error)) from None

    return convert


def _source_value(value: Any, from_text: bool, base: Path | None) -> Any:
    """A setting of an episode source (``[sources.NAME]``): a string, number, true/false, or a
    list of strings; the source checks what it means."""
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError(f"expected a string, number, true/false or list of strings, got {value!r}")


def _fraction(value: Any, from_text: bool, base: Path | None) -> float:
    return _seconds(0.0, 1.0)(value, from_text, base)  # type: ignore[no-any-return]


def _boolean(value: Any, from_text: bool, base: Path | None) -> bool:
    if from_text and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _url(value: Any, from_text: bool, base: Path | None) -> str:
    text = _string(value, from_text, base)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http(s) URL, got {text!r}")
    return text.rstrip("/")


def _database_url(value: Any, from_text: bool, base: Path | None) -> str:
    text = _string(value, from_text, base)
    if "://" not in text:
        raise ValueError(f"expected a database URL such as sqlite:///path or "
                         f"postgresql+psycopg://host/db, got {text!r}")
    return text


def _log_level(value: Any, from_text: bool, base: Path | None) -> str:
    text = _string(value, from_text, base).upper()
    if text not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return text


def _host_names(value: Any, from_text: bool, base: Path | None) -> tuple[str, ...]:
    names = _names(value, from_text, base)
    for name in names:
        if name != "*" and not _HOST_NAME.fullmatch(name):
            raise ValueError(f"expected host names such as media.example.org or 192.168.1.20 "
                             f"(no scheme, port or path), got {name!r}")
    return tuple(name.lower().strip("[]") for name in names)


def _networks(value: Any, from_text: bool, base: Path | None) -> tuple[str, ...]:
    names = _names(value, from_text, base)
    for name in names:
        try:
            ipaddress.ip_network(name, strict=False)
        except ValueError:
            raise ValueError(f"expected IP addresses or networks such as 10.0.0.5 or "
                             f"172.16.0.0/12, got {name!r}") from None
    return names


SCHEMA: dict[str, Converter] = {
    "data_dir": _path,
    "database_url": _database_url,
    "library": _paths,
    "log_level": _log_level,
    "disabled_plugins": _names,
    "load_entry_points": _boolean,
    "providers.order": _names,
    "loader.concurrency": _integer(1, 1024),
    "loader.max_attempts": _integer(1, 100),
    "loader.step_timeout": _seconds(0.001, 86400),
    "loader.shutdown_grace": _seconds(0, 3600),
    "loader.retry_base_delay": _seconds(0, 86400),
    "loader.retry_max_delay": _seconds(0, 7 * 86400),
    "loader.lease_seconds": _seconds(0.1, 86400),
    "loader.identify_threshold": _fraction,
    "loader.batching": _boolean,
    "loader.downloads_per_series": _integer(1, 64),
    "loader.breaker_failures": _integer(1, 1000),
    "loader.breaker_cooldown": _seconds(0.001, 86400),
    "jobs.max_pending": _integer(1, 10_000_000),
    "jobs.rescan_every": _seconds(0, 366 * 86400),
    "jobs.rescan_cron": _string,
    "jobs.timezone": _string,
    "refresh.airing_delay": _seconds(-1, 7 * 86400),
    "refresh.airing_retry": _seconds(60, 7 * 86400),
    "refresh.airing_tries": _integer(1, 100),
    "refresh.library_every": _seconds(0, 366 * 86400),
    "refresh.finished_every": _seconds(86400, 3660 * 86400),
    "downloads.concurrency": _integer(1, 64),
    "downloads.per_source": _integer(1, 64),
    "downloads.bandwidth": _integer(0, 2**40),
    "downloads.max_attempts": _integer(1, 100),
    "downloads.staging": _path,
    "downloads.sources": _names,
    "downloads.naming": _template("downloads.naming"),
    "downloads.absolute_naming": _template("downloads.absolute_naming"),
    "downloads.use_absolute": _boolean,
    "downloads.season_folders": _boolean,
    "downloads.import_folder": _path,
    "downloads.import_mode": _choice("move", "hardlink", "copy"),
    "watch.enabled": _boolean,
    "watch.settle": _seconds(0.01, 3600),
    "watch.recheck": _seconds(0.01, 86400),
    "web.host": _string,
    "web.port": _integer(1, 65535),
    "web.allowed_hosts": _host_names,
    "web.trusted_proxies": _networks,
}

#: Converter of every ``sources.NAME.KEY`` setting.
SOURCE_VALUE: Converter = _source_value

PROVIDER_KEYS: dict[str, Converter] = {
    "url": _url,
    "api_key": _string,
    "enabled": _boolean,
    "timeout": _seconds(0.001, 3600),
    "rate_scale": _seconds(0.001, 1000, what="a speed-up factor"),
}

#: Environment variables for the fixed keys; ``ANIWORLD_<PROVIDER>_<SUFFIX>`` covers providers.
ENV_KEYS: dict[str, str] = {
    "ANIWORLD_DATA_DIR": "data_dir",
    "ANIWORLD_DATABASE_URL": "database_url",
    "ANIWORLD_LIBRARY": "library",
    "ANIWORLD_LOG_LEVEL": "log_level",
    "ANIWORLD_DISABLE_PLUGINS": "disabled_plugins",
    "ANIWORLD_LOAD_ENTRY_POINTS": "load_entry_points",
    "ANIWORLD_PROVIDERS_ORDER": "providers.order",
    "ANIWORLD_WEB_HOST": "web.host",
    "ANIWORLD_WEB_PORT": "web.port",
    "ANIWORLD_WEB_ALLOWED_HOSTS": "web.allowed_hosts",
    "ANIWORLD_WEB_TRUSTED_PROXIES": "web.trusted_proxies",
    # ANIWORLD_LOADER_CONCURRENCY, ANIWORLD_JOBS_MAX_PENDING... for every sectioned key
    # besides the web's (listed above) and the providers'.
    **{
        f"ANIWORLD_{key.replace('.', '_').upper()}": key
        for key in SCHEMA
        if "." in key and key.split(".")[0] not in ("web", "providers")
    },
}

PROVIDER_ENV_SUFFIXES: dict[str, str] = {
    "_API_KEY": "api_key",
    "_URL": "url",
    "_ENABLED": "enabled",
    "_TIMEOUT": "timeout",
    "_RATE_SCALE": "rate_scale",
}


def flatten(document: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``{"loader": {"concurrency": 4}}`` → ``("loader.concurrency", 4)``; lists stay values."""
    for key, value in document.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, f"{dotted}.")
        else:
            yield dotted, value
