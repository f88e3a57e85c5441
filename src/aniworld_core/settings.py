"""Settings: defaults < TOML file < environment < explicit overrides.

``Settings.load()`` reads ``aniworld.toml`` in the data dir (or the file given), then ``ANIWORLD_*``
environment variables, then explicit overrides (dotted keys such as ``"loader.concurrency"``).
Every value is checked on the way in; an unknown key or a bad value is a :class:`ConfigError`
naming the key and where it came from. ``Settings(data_dir=...)`` builds one directly with
defaults, which is what tests and scripts usually want.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import platformdirs

from aniworld_core._settings_schema import (
    ENV_KEYS,
    PROVIDER_ENV_SUFFIXES,
    PROVIDER_KEYS,
    SCHEMA,
    SOURCE_VALUE,
    Converter,
    flatten,
)
from aniworld_core.errors import ConfigError

CONFIG_FILE_NAME = "aniworld.toml"
DEFAULT_PROVIDER_ORDER = ("anilist", "jikan", "tvmaze", "tmdb", "fanart")


@attrs.frozen
class ProviderSettings:
    """Per-provider settings from ``[providers.<name>]`` or ``ANIWORLD_<NAME>_*``."""

    url: str | None = None
    api_key: str | None = attrs.field(default=None, repr=False)
    enabled: bool = True
    timeout: float | None = None
    #: Speeds the provider's declared rate limits up by this factor; only for mirrors and fake
    #: servers (the public APIs block clients that ignore their limits).
    rate_scale: float = 1.0


@attrs.frozen
class LoaderSettings:
    """How the background loader works."""

    concurrency: int = 32
    max_attempts: int = 5
    step_timeout: float = 120.0
    shutdown_grace: float = 5.0
    retry_base_delay: float = 30.0
    retry_max_delay: float = 3600.0
    lease_seconds: float = 60.0
    identify_threshold: float = 0.8
    #: Coalesce metadata requests into the providers' batch calls (off: one series per call,
    #: one series claimed at a time beyond the running ones; for comparisons).
    batching: bool = True
    #: Images of one series downloaded at the same time (1: one after another).
    downloads_per_series: int = 4
    #: Transient failures in a row (5xx, timeouts, no connection) after which a provider is
    #: marked down: work that needs it waits, and one probe at a time checks it.
    breaker_failures: int = 8
    #: Seconds from a provider going down to the first check; doubled after each failed
    #: check, up to ten minutes.
    breaker_cooldown: float = 30.0


@attrs.frozen
class JobsSettings:
    """The jobs engine and its built-in schedules."""

    #: Pending jobs of one kind at most; adding more raises ``QueueFull`` (HTTP 503).
    max_pending: int = 10_000
    #: Seconds between scheduled rescans of the library roots (0: none). Gives the built-in
    #: ``rescan`` schedule its first timing; later changes are made at run time (Tasks page,
    #: ``aniworld schedules set``) and kept in the database.
    rescan_every: float = 86400.0
    #: A cron expression for the rescan instead (``"0 4 * * *"``), in ``timezone``.
    rescan_cron: str | None = None
    #: The time zone of cron schedules (an IANA name).
    timezone: str = "UTC"


@attrs.frozen
class RefreshSettings:
    """Keeping loaded series current (``[refresh]``)."""

    #: Check an airing show this many seconds after its next episode airs (MyAnimeList lists
    #: episodes some hours after they air); a negative value turns airing checks off.
    airing_delay: float = 3 * 3600.0
    #: When the new episode is not listed yet: wait this long, doubling, up to
    #: ``airing_tries`` checks; then plan the next episode anyway.
    airing_retry: float = 3600.0
    airing_tries: int = 6
    #: Seconds between library-wide refreshes: AniList is asked about every loaded show, 50
    #: per request, and only shows that changed load their episodes again (0: none).
    library_every: float = 86400.0
    #: Shows that finished airing load everything again after this many seconds.
    finished_every: float = 30 * 86400.0


@attrs.frozen
class WatchSettings:
    """Watching the library roots for changes (``[watch]``; in a process that runs
    background work)."""

    #: Watch the roots: added, removed and renamed video files and series folders reach the
    #: library within seconds. Off: only scans and the scheduled rescans notice them.
    enabled: bool = True
    #: Seconds a new or changed video file must keep its size and modification time before
    #: it counts (a file still being copied does not).
    settle: float = 1.0
    #: Seconds between looks at a paused (unavailable) root, and at the list of roots.
    recheck: float = 30.0


@attrs.frozen
class DownloadSettings:
    """Episode downloads and imports (``[downloads]``)."""

    #: Downloads running at once in one process, and at most this many from one source.
    concurrency: int = 3
    per_source: int = 2
    #: Bytes per second all downloads of a process may fetch together (0: no limit).
    bandwidth: int = 0
    #: Tries of a download that fails for a reason that may pass (a timeout, 5xx).
    max_attempts: int = 5
    #: Where ``.part`` files wait. It must be on the file system of the library so that the
    #: finished file is renamed into place; unset: ``.aniworld-downloads`` in each library
    #: root.
    staging: Path | None = None
    #: The sources asked for offers, in this order (unset: every registered source, the
    #: built-in ones first).
    sources: tuple[str, ...] = ()
    #: File names of downloaded and imported episodes, relative to the series folder, with
    #: Sonarr's tokens (see docs/downloads.md).
    naming: str = "{Series Title} - S{season:00}E{episode:00} - {Episode Title}"
    absolute_naming: str = "{Series Title} - {absolute:000} - {Episode Title}"
    #: Name episodes by their absolute number (where known) with ``absolute_naming``.
    use_absolute: bool = False
    #: Put each episode in a ``Season NN`` folder (``Specials`` for season 0).
    season_folders: bool = True
    #: A folder the user's own download tools fill: finished files are matched and imported.
    import_folder: Path | None = None
    #: How an imported file gets into the library: ``move``, ``hardlink`` (the file stays
    #: for a torrent client to seed; needs the same file system) or ``copy``.
    import_mode: str = "move"


@attrs.frozen
class WebSettings:
    """Where ``aniworld serve`` listens, and whom the web app believes."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: Host names (or addresses) requests may name besides the loopback names and ``host``;
    #: ``"*"`` allows any (only behind a proxy that checks the name itself).
    allowed_hosts: tuple[str, ...] = ()
    #: Addresses or networks of reverse proxies whose ``X-Forwarded-For`` and
    #: ``X-Forwarded-Proto`` are believed; nobody else's are.
    trusted_proxies: tuple[str, ...] = ()


@attrs.frozen
class Settings:
    """Everything aniworld can be told. Build with ``Settings.load()`` or directly."""

    data_dir: Path
    database_url: str | None = None
    library: tuple[Path, ...] = ()
    log_level: str = "INFO"
    provider_order: tuple[str, ...] = DEFAULT_PROVIDER_ORDER
    providers: Mapping[str, ProviderSettings] = attrs.field(factory=dict, hash=False)
    disabled_plugins: tuple[str, ...] = ()
    #: Load third-party plugins from the ``aniworld`` entry-point group (built-ins always load).
    load_entry_points: bool = True
    loader: LoaderSettings = LoaderSettings()
    web: WebSettings = WebSettings()
    jobs: JobsSettings = JobsSettings()
    refresh: RefreshSettings = RefreshSettings()
    watch: WatchSettings = WatchSettings()
    downloads: DownloadSettings = DownloadSettings()
    #: Settings of each episode source, ``[sources.NAME]``, as given (the source checks them).
    sources: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, hash=False)
    config_file: Path | None = None

    @property
    def resolved_database_url(self) -> str:
        """The configured database URL, or the SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'aniworld.db'}"

    def provider(self, name: str) -> ProviderSettings:
        """Settings for provider ``name`` (defaults when none are configured)."""
        return self.providers.get(name, ProviderSettings())

    @classmethod
    def load(
        cls,
        config_file: Path | str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Layer defaults, the TOML file, the environment and ``overrides``, then validate."""
        env = os.environ if env is None else env
        overrides = dict(overrides or {})
        values: dict[str, Any] = {}

        from_env = _read_env(env)
        data_dir = _pick_data_dir(overrides, from_env)
        explicit = config_file or overrides.pop("config_file", None) or env.get("ANIWORLD_CONFIG")
        path: Path | None
        if explicit:
            path = Path(explicit).expanduser()
            if not path.is_file():
                raise ConfigError(f"Config file {path} does not exist.")
        else:
            path = (data_dir or default_data_dir()) / CONFIG_FILE_NAME
        if path.is_file():
            values.update(_read_toml(path))
        else:
            path = None

        values.update(from_env)
        for key, value in overrides.items():
            values[key] = _convert(key, value, source="arguments", from_text=False, base=None)
        if "data_dir" not in values:
            values["data_dir"] = default_data_dir()
        return _build(values, config_file=path)


def default_data_dir() -> Path:
    """Where aniworld keeps its database and secrets unless told otherwise."""
    return platformdirs.user_data_path("aniworld", appauthor=False)


def _pick_data_dir(overrides: Mapping[str, Any], from_env: Mapping[str, Any]) -> Path | None:
    if overrides.get("data_dir") is not None:
        return Path(overrides["data_dir"]).expanduser()
    value = from_env.get("data_dir")
    return Path(value) if value is not None else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    values: dict[str, Any] = {}
    for key, value in flatten(document):
        values[key] = _convert(key, value, source=str(path), from_text=False, base=path.parent)
    return values


def _read_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith("ANIWORLD_"):
            continue
        key = ENV_KEYS.get(name)
        if key is None:
            key = _provider_env_key(name)
        if key is None:
            continue  # test and tool variables share the prefix; only ours are read
        values[key] = _convert(key, raw, source=f"environment variable {name}", from_text=True,
                               base=Path.cwd())
    return values


def _provider_env_key(name: str) -> str | None:
    rest = name.removeprefix("ANIWORLD_")
    for suffix, key in PROVIDER_ENV_SUFFIXES.items():
        provider = rest.removesuffix(suffix)
        if provider != rest and provider.isalnum():
            return f"providers.{provider.lower()}.{key}"
    return None


def _converter_for(key: str) -> Converter | None:
    if key in SCHEMA:
        return SCHEMA[key]
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "providers" and parts[2] in PROVIDER_KEYS:
        return PROVIDER_KEYS[parts[2]]
    if len(parts) == 3 and parts[0] == "sources" and all(parts):
        return SOURCE_VALUE
    return None


def _convert(key: str, value: Any, *, source: str, from_text: bool, base: Path | None) -> Any:
    converter = _converter_for(key)
    if converter is None:
        raise ConfigError(f"{source}: unknown setting {key!r}.")
    try:
        return converter(value, from_text, base)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{source}: {key}: {error}") from None


#: The sections of settings with a class of their own: ``[loader]`` is ``Settings.loader``.
_SECTIONS: dict[str, type[Any]] = {"loader": LoaderSettings, "web": WebSettings,
                                   "jobs": JobsSettings, "refresh": RefreshSettings,
                                   "watch": WatchSettings, "downloads": DownloadSettings}


def _build(values: Mapping[str, Any], *, config_file: Path | None) -> Settings:
    providers: dict[str, dict[str, Any]] = {}
    sources: dict[str, dict[str, Any]] = {}
    sections: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    top: dict[str, Any] = {}
    for key, value in values.items():
        parts = key.split(".")
        if parts[0] == "providers" and len(parts) == 3:
            providers.setdefault(parts[1], {})[parts[2]] = value
        elif parts[0] == "sources" and len(parts) == 3:
            sources.setdefault(parts[1], {})[parts[2]] = value
        elif key == "providers.order":
            top["provider_order"] = value
        elif parts[0] in sections:
            sections[parts[0]][parts[1]] = value
        else:
            top[key] = value
    return Settings(
        **top,
        providers={name: ProviderSettings(**conf) for name, conf in providers.items()},
        sources=sources,
        **{name: _SECTIONS[name](**conf) for name, conf in sections.items()},
        config_file=config_file,
    )


__all__ = ["DownloadSettings", "JobsSettings", "LoaderSettings", "ProviderSettings",
           "RefreshSettings", "Settings", "WatchSettings", "WebSettings", "default_data_dir"]
