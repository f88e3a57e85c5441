"""The providers of one ``SeriesApp``: built in configured order, each with its own client.

``ProviderRegistry.open(settings)`` creates one instance of every registered provider class, in
``providers.order`` and then the rest by name, each with its own HTTP client and limiter, plus one
artwork downloader, and closes every client on exit. A provider that is switched off or lacks the
API key it needs is kept as *unavailable* with a reason a person can act on; nothing crashes.
Each available provider also has a circuit breaker (see :mod:`.breaker`): one that keeps failing
is *down* for a while, which its status shows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Protocol, TypeVar

import attrs
import httpx

from aniworld_core.errors import ProviderUnavailable
from aniworld_core.metadata import Capability
from aniworld_core.providers.base import MetadataProvider, ProviderConfig, ProviderContext
from aniworld_core.providers.breaker import BreakerState, ChangeCallback, CircuitBreaker
from aniworld_core.providers.budget import SharedBudget
from aniworld_core.providers.checks import check_provider_class
from aniworld_core.providers.http import DEFAULT_TIMEOUT, ProviderHttpClient
from aniworld_core.providers.images import ImageDownloader
from aniworld_core.providers.limiter import ProviderLimiter, WaitCallback
from aniworld_core.providers.manager import PluginManager, RegisteredProvider
from aniworld_core.providers.metrics import ProviderMetrics
from aniworld_core.settings import ProviderSettings, Settings

log = logging.getLogger(__name__)

P = TypeVar("P", bound=MetadataProvider)


@attrs.frozen
class ProviderStatus:
    """What ``aniworld plugins`` shows about one provider."""

    name: str
    display_name: str
    plugin: str
    package: str | None
    version: str | None
    id_type: str
    capabilities: frozenset[Capability]
    url: str
    available: bool
    #: Why the provider is unavailable (``None`` when it is available).
    reason: str | None = None
    #: Available but down: it failed so often in a row that aniworld asks it nothing but a
    #: check now and then, and work that needs it waits (see :mod:`.breaker`).
    down: bool = False
    #: Why it is down ("cannot reach AniList (network down?)"), since when, and when it is
    #: checked again (UTC).
    down_reason: str | None = None
    down_since: dt.datetime | None = None
    next_check_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "plugin": self.plugin,
            "package": self.package,
            "version": self.version,
            "id_type": self.id_type,
            "capabilities": sorted(capability.value for capability in self.capabilities),
            "url": self.url,
            "available": self.available,
            "reason": self.reason,
            "down": self.down,
            "down_reason": self.down_reason,
            "down_since": _iso(self.down_since),
            "next_check_at": _iso(self.next_check_at),
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class DownSince(Protocol):
    """Why a provider is down, since when, and until when work waits for it."""

    @property
    def cause(self) -> str: ...

    @property
    def since(self) -> dt.datetime: ...

    @property
    def until(self) -> dt.datetime: ...


@attrs.frozen
class BreakerSettings:
    """When a provider counts as down and how long until it is checked (``loader.*``)."""

    failures: int = 8
    cooldown: float = 30.0
    on_change: ChangeCallback | None = None


def unavailable_reason(provider: type[MetadataProvider], settings: ProviderSettings) -> str | None:
    """Why ``provider`` cannot be used with ``settings``, or ``None`` when it can."""
    env = f"ANIWORLD_{provider.name.upper()}"
    if not settings.enabled:
        return (f"switched off in the settings ([providers.{provider.name}] enabled = false or "
                f"{env}_ENABLED=0)")
    if provider.requires_api_key and not settings.api_key:
        return (f"{provider.display_name} needs an API key: set {env}_API_KEY or "
                f"[providers.{provider.name}] api_key")
    return None


def provider_config(provider: type[MetadataProvider], settings: ProviderSettings) -> ProviderConfig:
    """The provider's settings with its defaults filled in."""
    return ProviderConfig(
        name=provider.name,
        url=settings.url or provider.default_url,
        api_key=settings.api_key,
        timeout=settings.timeout or DEFAULT_TIMEOUT,
    )


async def _start(
    provider: type[P],
    settings: ProviderSettings,
    *,
    transport: httpx.AsyncBaseTransport | None,
    on_wait: WaitCallback | None,
    breaker: BreakerSettings | None = None,
    budget: SharedBudget | None = None,
) -> tuple[P, ProviderHttpClient]:
    config = provider_config(provider, settings)
    limits = provider.rate_limits
    if settings.rate_scale != 1.0:
        limits = tuple(limit.scaled(settings.rate_scale) for limit in limits)
    limiter = ProviderLimiter(provider.name, limits, label=provider.display_name, on_wait=on_wait,
                              budget=budget)
    breaker = breaker or BreakerSettings()
    http = ProviderHttpClient(config, limiter, transport=transport, breaker=CircuitBreaker(
        provider.name, label=provider.display_name, failures=breaker.failures,
        cooldown=breaker.cooldown, on_change=breaker.on_change, clock=limiter.now))
    try:
        return provider(ProviderContext(config, http)), http
    except BaseException:
        await http.aclose()
        raise


@asynccontextmanager
async def open_provider(
    provider: type[P],
    settings: ProviderSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_wait: WaitCallback | None = None,
) -> AsyncIterator[P]:
    """One provider set up exactly as a ``SeriesApp`` would (limiter, retries, errors), for
    tests and scripts; ``transport`` (say ``httpx.MockTransport``) takes every request.

    Raises :class:`ProviderUnavailable` when ``settings`` switch it off or lack its API key.
    """
    check_provider_class(provider, provider.__module__)
    settings = settings or ProviderSettings()
    reason = unavailable_reason(provider, settings)
    if reason is not None:
        raise ProviderUnavailable(provider.name, reason)
    instance, http = await _start(provider, settings, transport=transport, on_wait=on_wait)
    try:
        yield instance
    finally:
        await http.aclose()


@attrs.define
class _Entry:
    registered: RegisteredProvider
    url: str
    instance: MetadataProvider | None = None
    http: ProviderHttpClient | None = None
    reason: str | None = None


class ProviderRegistry:
    """Every provider of one ``SeriesApp``, in configured order. Create it with :meth:`open`."""

    def __init__(self, entries: Sequence[_Entry], images: ImageDownloader,
                 plugins: PluginManager | None = None) -> None:
        self._entries = {entry.registered.name: entry for entry in entries}
        #: Downloads artwork from any host, outside the providers' limiters.
        self.images = images
        #: The plugins the providers came from (episode sources come from them too).
        self.plugins = plugins if plugins is not None else PluginManager()

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        plugins: PluginManager | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        on_wait: WaitCallback | None = None,
        on_down: ChangeCallback | None = None,
        budget: SharedBudget | None = None,
    ) -> AsyncIterator[ProviderRegistry]:
        """Start every provider the plugins register and the artwork downloader; close every
        client on exit. ``on_down(provider, state)`` is told when a provider goes down, is
        found still down, or comes back. ``budget``: the rate budget shared with other
        processes on one database (every provider's limiter draws its turns from it too)."""
        breaker = BreakerSettings(settings.loader.breaker_failures,
                                  settings.loader.breaker_cooldown, on_down)
        if plugins is None:
            plugins = PluginManager.from_settings(settings)
        async with AsyncExitStack() as stack:
            images = ImageDownloader(transport=transport)
            stack.push_async_callback(images.aclose)
            entries = []
            for registered in _in_order(plugins.metadata_providers(), settings.provider_order):
                provider = registered.provider
                provider_settings = settings.provider(provider.name)
                entry = _Entry(registered, provider_config(provider, provider_settings).url)
                entry.reason = unavailable_reason(provider, provider_settings)
                if entry.reason is None:
                    try:
                        entry.instance, entry.http = await _start(
                            provider, provider_settings, transport=transport, on_wait=on_wait,
                            breaker=breaker, budget=budget,
                        )
                    except Exception as error:
                        log.exception("Provider %s failed to start", provider.name)
                        entry.reason = f"failed to start: {type(error).__name__}: {error}"
                    else:
                        stack.push_async_callback(entry.http.aclose)
                entries.append(entry)
            yield cls(entries, images, plugins)

    # -- which providers ------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every provider name, available or not, in configured order."""
        return list(self._entries)

    def statuses(self) -> list[ProviderStatus]:
        """Every provider with its origin and availability, in configured order."""
        return [self._status(entry) for entry in self._entries.values()]

    def get(self, name: str) -> MetadataProvider:
        """The provider ``name``, or :class:`ProviderUnavailable` saying why not."""
        entry = self._entries.get(name)
        if entry is None:
            known = ", ".join(self._entries) or "none"
            raise ProviderUnavailable(name, f"no such provider is installed (installed: {known})")
        if entry.instance is None:
            raise ProviderUnavailable(name, entry.reason or "not started")
        return entry.instance

    def available(self, capability: Capability | None = None) -> list[MetadataProvider]:
        """Available providers (with ``capability``, when given), in configured order."""
        return [
            entry.instance
            for entry in self._entries.values()
            if entry.instance is not None
            and (capability is None or capability in entry.instance.capabilities)
        ]

    def first(self, capability: Capability) -> MetadataProvider:
        """The first available provider that can do ``capability``."""
        found = self.available(capability)
        if not found:
            raise ProviderUnavailable(
                capability.value, f"no available provider can {capability.value}; see "
                "'aniworld plugins'"
            )
        return found[0]

    def id_type(self, name: str) -> str | None:
        """Which id a ref of provider ``name`` holds (``jikan`` refs are ``mal`` ids)."""
        entry = self._entries.get(name)
        return entry.registered.provider.id_type if entry is not None else None

    def for_id_type(self, id_type: str) -> list[MetadataProvider]:
        """Available providers whose refs are ids of ``id_type``, in configured order."""
        return [provider for provider in self.available() if provider.id_type == id_type]

    # -- how they are doing ---------------------------------------------------------------------

    def limiter(self, name: str) -> ProviderLimiter:
        """The rate limiter of an available provider (ask it ``next_free_at()``)."""
        return self._http(name).limiter

    def breaker(self, name: str) -> CircuitBreaker:
        """The circuit breaker of an available provider."""
        return self._http(name).breaker

    def metrics(self) -> dict[str, ProviderMetrics]:
        """A snapshot of every available provider's counters (its limiter's dealings with a
        shared rate budget included), and whether it is down."""
        snapshots = {}
        for name, entry in self._entries.items():
            if entry.http is not None:
                state = entry.http.breaker.state()
                limiter = entry.http.limiter
                snapshots[name] = attrs.evolve(entry.http.metrics.copy(), down=state.down,
                                               times_down=state.times_down,
                                               budget_asks=limiter.budget_asks,
                                               budget_turns_dropped=limiter.turns_expired)
        return snapshots

    def seed_down(self, waiting: Mapping[str, DownSince]) -> None:
        """Providers another process found down (work still waits for them: cause, since,
        until when) start down until then, so ``statuses()`` shows them down."""
        now = dt.datetime.now(dt.UTC)
        for name, found in waiting.items():
            entry = self._entries.get(name)
            if entry is not None and entry.http is not None:
                entry.http.breaker.seed(found.cause, found.since,
                                        max(0.0, (found.until - now).total_seconds()))

    def stop_waiting(self, reason: str) -> None:
        """Shutting down: requests waiting for a rate limit or a down provider's check fail at
        once with ``reason``; requests on the wire go on."""
        for entry in self._entries.values():
            if entry.http is not None:
                entry.http.limiter.stop_waiting(reason)
                entry.http.breaker.stop_waiting(reason)

    def _http(self, name: str) -> ProviderHttpClient:
        self.get(name)
        http = self._entries[name].http
        assert http is not None
        return http

    @staticmethod
    def _status(entry: _Entry) -> ProviderStatus:
        registered = entry.registered
        provider = registered.provider
        state = entry.http.breaker.state() if entry.http is not None else BreakerState()
        return ProviderStatus(
            name=provider.name,
            display_name=provider.display_name,
            plugin=registered.plugin,
            package=registered.package,
            version=registered.version,
            id_type=provider.id_type,
            capabilities=provider.capabilities,
            url=entry.url,
            available=entry.instance is not None,
            reason=entry.reason,
            down=state.down,
            down_reason=state.cause,
            down_since=state.since,
            next_check_at=state.next_check_at,
        )


def _in_order(providers: Sequence[RegisteredProvider],
              order: Sequence[str]) -> list[RegisteredProvider]:
    by_name: Mapping[str, RegisteredProvider] = {p.name: p for p in providers}
    first = [by_name[name] for name in dict.fromkeys(order) if name in by_name]
    rest = sorted((p for p in providers if p.name not in order), key=lambda p: p.name)
    return [*first, *rest]


__all__ = ["BreakerSettings", "ProviderRegistry", "ProviderStatus", "open_provider",
           "unavailable_reason"]
