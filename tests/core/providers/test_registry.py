"""The providers of one app: configured order, unavailable providers with a reason, lookups,
one client per provider closed on exit, configurable endpoints."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from aniworld_core import (
    Capability,
    ConfigError,
    PluginError,
    ProviderContext,
    ProviderRef,
    ProviderSettings,
    ProviderUnavailable,
    RateLimit,
    SearchResult,
    Settings,
    hookimpl,
    open_provider,
)
from aniworld_core.providers.anilist import AniList
from aniworld_core.providers.jikan import Jikan
from aniworld_core.providers.manager import PluginManager
from aniworld_core.providers.registry import ProviderRegistry

from .provider_fakes import AniListApi, anilist_media

pytestmark = pytest.mark.anyio


class Keyed:
    """A provider that needs an API key and repeats its config back in search results."""

    name: ClassVar[str] = "tmdb"
    display_name: ClassVar[str] = "TMDB"
    id_type: ClassVar[str] = "tmdb"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.SEARCH,
                                                               Capability.EPISODES})
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(40, 1.0),)
    batch_size: ClassVar[int] = 1
    default_url: ClassVar[str] = "https://api.themoviedb.org/3"
    requires_api_key: ClassVar[bool] = True

    def __init__(self, context: ProviderContext) -> None:
        self.context = context

    async def search(self, query: str, *, year: int | None = None) -> list[SearchResult]:
        config = self.context.config
        return [SearchResult(ProviderRef("tmdb", "1"), f"{config.url} {config.api_key}")]

    async def fetch_series(self, refs: object) -> dict[str, Any]:
        return {}

    async def fetch_episodes(self, ref: object) -> list[Any]:
        return []

    async def fetch_artwork(self, ref: object) -> list[Any]:
        return []


class Broken(Keyed):
    name: ClassVar[str] = "broken"
    requires_api_key: ClassVar[bool] = False

    def __init__(self, context: ProviderContext) -> None:
        raise RuntimeError("cannot start")


class Extra(Keyed):
    name: ClassVar[str] = "beta"
    requires_api_key: ClassVar[bool] = False


class ExtraPlugin:
    @hookimpl
    def register_metadata_providers(self, register: Any) -> None:
        for provider in (Keyed, Broken, Extra):
            register(provider)


def plugins() -> PluginManager:
    manager = PluginManager()
    manager.register_builtins()
    manager.register(ExtraPlugin(), "extra", package="aniworld-extra", version="2.0")
    return manager


class ClosingTransport(httpx.MockTransport):
    """Counts how often a client closes it (each client closes its transport once)."""

    closed = 0

    async def aclose(self) -> None:
        ClosingTransport.closed += 1


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path, load_entry_points=False, **values)


async def test_providers_follow_the_configured_order(tmp_path: Path) -> None:
    """Providers come in ``providers.order``, then the rest by name, whatever the order in
    which plugins registered them."""
    async with ProviderRegistry.open(settings(tmp_path, provider_order=("jikan", "tmdb",
                                                                        "anilist")),
                                     plugins()) as registry:
        assert registry.names() == ["jikan", "tmdb", "anilist", "beta", "broken"]
        assert [p.name for p in registry.available(Capability.SEARCH)] == ["jikan", "anilist",
                                                                            "beta"]
        assert registry.first(Capability.SEARCH).name == "jikan"
        assert registry.first(Capability.EPISODES).name == "jikan"


async def test_a_missing_key_makes_a_provider_unavailable_with_the_fix(tmp_path: Path) -> None:
    """A provider whose key is missing is listed as unavailable with how to set the key, asking
    for it raises ProviderUnavailable, and the others work."""
    async with ProviderRegistry.open(settings(tmp_path), plugins()) as registry:
        status = {s.name: s for s in registry.statuses()}["tmdb"]
        assert not status.available
        assert status.reason == ("TMDB needs an API key: set ANIWORLD_TMDB_API_KEY or "
                                 "[providers.tmdb] api_key")
        with pytest.raises(ProviderUnavailable) as caught:
            registry.get("tmdb")
        assert str(caught.value) == f"tmdb is unavailable: {status.reason}"
        assert "tmdb" not in [p.name for p in registry.available()]
        assert "tmdb" not in registry.metrics()


async def test_a_key_and_url_from_the_environment_reach_the_provider(tmp_path: Path) -> None:
    """``ANIWORLD_<NAME>_API_KEY`` and ``ANIWORLD_<NAME>_URL`` configure the provider."""
    configured = Settings.load(env={"ANIWORLD_TMDB_API_KEY": "s3cret",
                                    "ANIWORLD_TMDB_URL": "http://127.0.0.1:9/tmdb/"},
                               overrides={"data_dir": str(tmp_path),
                                          "load_entry_points": False})
    async with ProviderRegistry.open(configured, plugins()) as registry:
        results = await registry.get("tmdb").search("x")
    assert results[0].title == "http://127.0.0.1:9/tmdb s3cret"


async def test_a_provider_can_be_switched_off(tmp_path: Path) -> None:
    """``enabled = false`` makes a provider unavailable with a reason, not absent."""
    off = settings(tmp_path, providers={"jikan": ProviderSettings(enabled=False)})
    async with ProviderRegistry.open(off, plugins()) as registry:
        status = {s.name: s for s in registry.statuses()}["jikan"]
        assert (status.available, status.reason) == (
            False,
            "switched off in the settings ([providers.jikan] enabled = false or "
            "ANIWORLD_JIKAN_ENABLED=0)",
        )


async def test_a_provider_that_fails_to_start_is_unavailable(tmp_path: Path) -> None:
    """A provider whose constructor raises is unavailable with the error; the app still opens."""
    async with ProviderRegistry.open(settings(tmp_path), plugins()) as registry:
        status = {s.name: s for s in registry.statuses()}["broken"]
        assert status.reason == "failed to start: RuntimeError: cannot start"
        assert registry.get("anilist").name == "anilist"


async def test_unknown_providers_are_named(tmp_path: Path) -> None:
    """Asking for a provider nobody registered lists the installed ones."""
    async with ProviderRegistry.open(settings(tmp_path), plugins()) as registry:
        with pytest.raises(ProviderUnavailable, match="no such provider is installed "
                                                      r"\(installed: anilist, jikan, "):
            registry.get("tvdb")


async def test_statuses_say_where_each_provider_came_from(tmp_path: Path) -> None:
    """Each status carries plugin, package, version, id type, capabilities and endpoint."""
    async with ProviderRegistry.open(settings(tmp_path), plugins()) as registry:
        statuses = {s.name: s for s in registry.statuses()}
    assert statuses["jikan"].to_dict() == {
        "name": "jikan", "display_name": "Jikan (MyAnimeList)", "plugin": "jikan",
        "package": "aniworld", "version": statuses["jikan"].version, "id_type": "mal",
        "capabilities": ["artwork", "episodes", "search", "series"],
        "url": "https://api.jikan.moe/v4", "available": True, "reason": None,
        "down": False, "down_reason": None, "down_since": None, "next_check_at": None,
    }
    assert (statuses["beta"].package, statuses["beta"].version) == ("aniworld-extra", "2.0")


async def test_id_types_come_from_the_providers(tmp_path: Path) -> None:
    """A jikan ref holds a MAL id; providers can be found by the id type of their refs."""
    async with ProviderRegistry.open(settings(tmp_path), plugins()) as registry:
        assert registry.id_type("jikan") == "mal"
        assert registry.id_type("anilist") == "anilist"
        assert registry.id_type("nobody") is None
        assert [p.name for p in registry.for_id_type("mal")] == ["jikan"]


async def test_one_client_per_provider_closed_on_exit(tmp_path: Path) -> None:
    """Every started provider has its own client, artwork has one more, and leaving the
    registry closes each of them (the client of a provider that failed to start is closed at
    once)."""
    ClosingTransport.closed = 0
    transport = ClosingTransport(
        lambda request: httpx.Response(200, content=b"\x89PNG", headers={"Content-Type":
                                                                          "image/png"})
    )
    async with ProviderRegistry.open(settings(tmp_path), plugins(),
                                     transport=transport) as registry:
        started = list(registry.metrics())
        image = await registry.images.fetch("https://img.example/poster.png")
        assert ClosingTransport.closed == 1  # "broken"
    assert started == ["anilist", "jikan", "beta"]
    assert (image.content, image.content_type) == (b"\x89PNG", "image/png")
    assert ClosingTransport.closed == 1 + len(started) + 1


async def test_the_toml_url_points_a_provider_at_a_mirror(
    tmp_path: Path, anilist_api: AniListApi
) -> None:
    """``[providers.anilist] url`` in the TOML file sends AniList's requests there."""
    config = tmp_path / "aniworld.toml"
    config.write_text('load_entry_points = false\n[providers.anilist]\n'
                      'url = "https://anilist-mirror.example/graphql"\n', encoding="utf-8")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return anilist_api.handle(request)

    anilist_api.add(anilist_media(1))
    async with ProviderRegistry.open(
        Settings.load(config, env={}, overrides={"data_dir": str(tmp_path)}),
        transport=httpx.MockTransport(handler),
    ) as registry:
        await registry.get("anilist").search("Bebop")
        assert registry.statuses()[0].url == "https://anilist-mirror.example/graphql"
    assert seen == ["https://anilist-mirror.example/graphql"]


async def test_metrics_and_limiter_per_provider(tmp_path: Path, anilist_api: AniListApi) -> None:
    """Each provider's requests are counted, and its limiter answers when it is next free."""
    anilist_api.add(anilist_media(1))
    async with ProviderRegistry.open(settings(tmp_path), plugins(),
                                     transport=anilist_api.transport) as registry:
        await registry.get("anilist").search("Bebop")
        metrics = registry.metrics()
        limiter = registry.limiter("anilist")
        assert limiter.next_free_at() <= limiter.now()
        assert limiter.limits == AniList.rate_limits
    assert (metrics["anilist"].requests, metrics["jikan"].requests) == (1, 0)


async def test_rate_scale_speeds_up_the_declared_limits(tmp_path: Path) -> None:
    """``ANIWORLD_<NAME>_RATE_SCALE`` (for mirrors and fakes) divides every window of that
    provider; a value that is no factor is refused by name."""
    fast = Settings.load(env={"ANIWORLD_ANILIST_RATE_SCALE": "60"},
                         overrides={"data_dir": str(tmp_path), "load_entry_points": False})
    async with ProviderRegistry.open(fast, plugins()) as registry:
        assert registry.limiter("anilist").limits == (RateLimit(30, 1.0, burst=5),)
        assert registry.limiter("jikan").limits == Jikan.rate_limits
    message = "ANIWORLD_ANILIST_RATE_SCALE: providers.anilist.rate_scale: expected a speed-up " \
              "factor, got 'fast'"
    with pytest.raises(ConfigError, match=re.escape(message)):
        Settings.load(env={"ANIWORLD_ANILIST_RATE_SCALE": "fast"},
                      overrides={"data_dir": str(tmp_path)})


async def test_open_provider_builds_one_provider_for_tests(anilist_api: AniListApi) -> None:
    """``open_provider`` gives plugin authors a provider wired exactly as in an app."""
    anilist_api.add(anilist_media(1))
    async with open_provider(AniList, transport=anilist_api.transport) as provider:
        assert [r.title for r in await provider.search("Bebop")] == ["Cowboy Bebop"]


async def test_open_provider_refuses_what_an_app_would_refuse() -> None:
    """``open_provider`` raises for a missing key and for a class breaking the contract."""
    with pytest.raises(ProviderUnavailable, match="TMDB needs an API key"):
        async with open_provider(Keyed):
            pass
    with pytest.raises(PluginError, match="has the batch_size 0"):
        async with open_provider(type("Zero", (Extra,), {"batch_size": 0})):
            pass
