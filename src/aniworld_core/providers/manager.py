"""The typed facade over pluggy: one method per hook, so nothing else calls the untyped relay.

Built-in providers are plain modules listed in :data:`BUILTIN_PLUGINS` and registered by name
through the same path as third-party plugins, which arrive through entry points of the
``aniworld`` group (loaded once, only when asked). ``ANIWORLD_DISABLE_PLUGINS`` blocks plugins by
name, built-in or not.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from collections.abc import Iterable
from typing import Any

import attrs
import pluggy

from aniworld_core._version import __version__
from aniworld_core.downloads.sources import EpisodeSource, check_source_class
from aniworld_core.errors import PluginError
from aniworld_core.providers import hookspecs
from aniworld_core.providers.base import MetadataProvider
from aniworld_core.providers.checks import check_provider_class
from aniworld_core.settings import Settings

log = logging.getLogger(__name__)

#: Modules registered as plugins on every manager, under their last name component.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "aniworld_core.providers.anilist",
    "aniworld_core.providers.jikan",
    "aniworld_core.downloads.http_source",
)
BUILTIN_PACKAGE = "aniworld"


@attrs.frozen
class RegisteredProvider:
    """A provider class, the plugin that registered it and the distribution it came from."""

    provider: type[MetadataProvider]
    plugin: str
    #: The distribution (``pip install`` name) and its version; ``None`` when unknown.
    package: str | None
    version: str | None

    @property
    def name(self) -> str:
        return self.provider.name


@attrs.frozen
class RegisteredSource:
    """An episode source class and the plugin (and distribution) it came from."""

    source: type[EpisodeSource]
    plugin: str
    package: str | None
    version: str | None

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def builtin(self) -> bool:
        return self.package == BUILTIN_PACKAGE


@attrs.frozen
class _Origin:
    package: str | None
    version: str | None


class PluginManager:
    """aniworld's plugins. Build one with :meth:`from_settings`, or by hand in tests."""

    def __init__(self, *, blocked: Iterable[str] = ()) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        for name in blocked:
            self._pm.set_blocked(name)
        self._origins: dict[str, _Origin] = {}
        self._entry_points_loaded = False
        self._providers: tuple[RegisteredProvider, ...] | None = None
        self._sources: tuple[RegisteredSource, ...] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> PluginManager:
        """Built-ins, plus entry points when ``settings.load_entry_points``; checked at once."""
        manager = cls(blocked=settings.disabled_plugins)
        manager.register_builtins()
        if settings.load_entry_points:
            manager.load_entry_points()
        manager.check_pending()
        return manager

    # -- registration ---------------------------------------------------------------------------

    def register(self, plugin: object, name: str, *, package: str | None = None,
                 version: str | None = None) -> bool:
        """Register ``plugin`` under ``name``; ``False`` when that name is blocked."""
        if self._pm.has_plugin(name):
            raise PluginError(f"Two plugins are named {name!r}; one of them has to be renamed "
                              f"or blocked with ANIWORLD_DISABLE_PLUGINS.")
        try:
            registered = self._pm.register(plugin, name)
        except pluggy.PluginValidationError as error:
            raise PluginError(f"Plugin {name!r} is invalid: {_one_line(error)}") from None
        if registered is None:
            log.info("Plugin %r is disabled (ANIWORLD_DISABLE_PLUGINS).", name)
            return False
        self._origins[name] = _Origin(package, version)
        self._providers = None
        self._sources = None
        return True

    def register_builtins(self, modules: Iterable[str] = BUILTIN_PLUGINS) -> None:
        """Import and register the built-in plugin modules."""
        for module_name in modules:
            name = module_name.rpartition(".")[2]
            if self._pm.is_blocked(name):
                log.info("Built-in plugin %r is disabled (ANIWORLD_DISABLE_PLUGINS).", name)
                continue
            self.register(importlib.import_module(module_name), name, package=BUILTIN_PACKAGE,
                          version=__version__)

    def load_entry_points(self) -> None:
        """Load the plugins of every installed distribution (once per manager)."""
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for entry_point in importlib.metadata.entry_points(group=hookspecs.PROJECT_NAME):
            if self._pm.is_blocked(entry_point.name):
                log.info("Plugin %r is disabled (ANIWORLD_DISABLE_PLUGINS).", entry_point.name)
                continue
            dist = entry_point.dist
            package = dist.name if dist is not None else None
            version = dist.version if dist is not None else None
            source = f"{package} {version}" if package else entry_point.value
            try:
                plugin = entry_point.load()
            except Exception as error:
                raise PluginError(
                    f"Plugin {entry_point.name!r} ({source}) failed to load: "
                    f"{type(error).__name__}: {error}. Set ANIWORLD_DISABLE_PLUGINS="
                    f"{entry_point.name} to start without it."
                ) from error
            self.register(plugin, entry_point.name, package=package, version=version)

    def check_pending(self) -> None:
        """Fail on any ``@hookimpl`` that matches no hook (a misspelled hook name)."""
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as error:
            name = self._pm.get_name(error.plugin) or repr(error.plugin)
            raise PluginError(f"Plugin {name!r} implements a hook aniworld does not have: "
                              f"{_one_line(error)}. Check the spelling against docs/plugins.md."
                              ) from None

    # -- questions ------------------------------------------------------------------------------

    def plugin_names(self) -> list[str]:
        """Every registered plugin, by name."""
        return sorted(name for name, plugin in self._pm.list_name_plugin() if plugin is not None)

    def metadata_providers(self) -> tuple[RegisteredProvider, ...]:
        """Every provider class the plugins register (hook called once), checked."""
        if self._providers is None:
            self._providers = self._collect_providers()
        return self._providers

    def episode_sources(self) -> tuple[RegisteredSource, ...]:
        """Every episode source class the plugins register (hook called once), checked."""
        if self._sources is None:
            found: dict[str, RegisteredSource] = {}
            for plugin, offered in self._call_each("register_episode_sources"):
                origin = self._origins.get(plugin, _Origin(None, None))
                for candidate in offered:
                    source = check_source_class(candidate, plugin)
                    earlier = found.get(source.name)
                    if earlier is not None:
                        raise PluginError(
                            f"Plugins {earlier.plugin!r} and {plugin!r} both register an "
                            f"episode source named {source.name!r}; block one with "
                            "ANIWORLD_DISABLE_PLUGINS.")
                    found[source.name] = RegisteredSource(source, plugin, origin.package,
                                                          origin.version)
            self._sources = tuple(found.values())
        return self._sources

    # -- the hooks ------------------------------------------------------------------------------

    def _collect_providers(self) -> tuple[RegisteredProvider, ...]:
        found: dict[str, RegisteredProvider] = {}
        for plugin, offered in self._call_each("register_metadata_providers"):
            origin = self._origins.get(plugin, _Origin(None, None))
            for candidate in offered:
                provider = check_provider_class(candidate, plugin)
                earlier = found.get(provider.name)
                if earlier is not None:
                    raise PluginError(
                        f"Plugins {earlier.plugin!r} and {plugin!r} both register a provider "
                        f"named {provider.name!r}; block one with ANIWORLD_DISABLE_PLUGINS."
                    )
                found[provider.name] = RegisteredProvider(provider, plugin, origin.package,
                                                          origin.version)
        return tuple(found.values())

    def _call_each(self, hook_name: str) -> list[tuple[str, list[Any]]]:
        """Call a ``register(...)`` hook once per plugin, so everything registered is known to
        come from that plugin; an exception in a plugin becomes a :class:`PluginError`."""
        caller = getattr(self._pm.hook, hook_name)
        results = []
        for impl in caller.get_hookimpls():  # in registration order
            offered: list[Any] = []
            arguments = {"register": offered.append}
            try:
                impl.function(**{name: arguments[name] for name in impl.argnames})
            except Exception as error:
                raise PluginError(
                    f"Plugin {impl.plugin_name!r} failed in {hook_name}: "
                    f"{type(error).__name__}: {error}"
                ) from error
            results.append((impl.plugin_name, offered))
        return results


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


__all__ = ["BUILTIN_PLUGINS", "PluginManager", "RegisteredProvider", "RegisteredSource"]
