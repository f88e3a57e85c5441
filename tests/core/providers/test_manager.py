"""The plugin manager: built-ins and real entry points through the hook, blocking, and every way
a plugin can be wrong ending in a PluginError that names it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from aniworld_core import (
    Capability,
    PluginError,
    ProviderContext,
    ProviderRef,
    RateLimit,
    RegisterProvider,
    SearchResult,
    Settings,
    __version__,
    hookimpl,
)
from aniworld_core.providers.manager import PluginManager
from tests.conftest import Install

DEMO_PLUGIN = '''
from typing import ClassVar

import attrs

from aniworld_core import (Capability, ProviderContext, ProviderRef, RateLimit, SearchResult,
                           hookimpl)


@attrs.define
class Demo:
    name: ClassVar[str] = "demo"
    display_name: ClassVar[str] = "Demo"
    id_type: ClassVar[str] = "demo"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.SEARCH})
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(10, 1.0),)
    batch_size: ClassVar[int] = 1
    default_url: ClassVar[str] = "https://demo.example"
    requires_api_key: ClassVar[bool] = KEY

    context: ProviderContext

    async def search(self, query, *, year=None):
        return [SearchResult(ProviderRef("demo", "1"), query)]

    async def fetch_series(self, refs):
        return {}

    async def fetch_episodes(self, ref):
        return []

    async def fetch_artwork(self, ref):
        return []


@hookimpl
def register_metadata_providers(register):
    register(Demo)
'''

DEMO = DEMO_PLUGIN.replace("KEY", "False")


def manager_for(tmp_path: Path, **settings: Any) -> PluginManager:
    return PluginManager.from_settings(Settings(data_dir=tmp_path, **settings))


def summary(manager: PluginManager) -> list[tuple[str, str, str | None, str | None]]:
    return [(p.name, p.plugin, p.package, p.version) for p in manager.metadata_providers()]


def test_register_metadata_providers_offers_the_builtins(tmp_path: Path) -> None:
    """The built-in AniList and Jikan providers arrive through the hook like any plugin's, from
    the aniworld package itself."""
    manager = manager_for(tmp_path, load_entry_points=False)
    assert summary(manager) == [("anilist", "anilist", "aniworld", __version__),
                                ("jikan", "jikan", "aniworld", __version__)]
    assert manager.plugin_names() == ["anilist", "http_source", "jikan"]


def test_register_metadata_providers_through_a_real_entry_point(
    tmp_path: Path, install_plugin: Install
) -> None:
    """An installed distribution's ``aniworld`` entry point is loaded, and its provider is known
    with the distribution's name and version."""
    install_plugin(DEMO)
    manager = manager_for(tmp_path, load_entry_points=True)
    assert ("demo", "demo", "aniworld-demo", "1.2.3") in summary(manager)
    # Other installed plugins (this repository's own, in CI) are listed too.
    assert {"anilist", "demo", "jikan"} <= set(manager.plugin_names())


def test_installed_plugins_are_ignored_unless_asked_for(
    tmp_path: Path, install_plugin: Install
) -> None:
    """With entry points off (what every test gets by default) an installed plugin is not even
    imported."""
    module = install_plugin(DEMO)
    assert Settings.load(env={}, overrides={"data_dir": str(tmp_path)}).load_entry_points
    assert not Settings.load(env={"ANIWORLD_LOAD_ENTRY_POINTS": "0"},
                             overrides={"data_dir": str(tmp_path)}).load_entry_points
    manager = manager_for(tmp_path, load_entry_points=False)
    assert [p.name for p in manager.metadata_providers()] == ["anilist", "jikan"]
    assert module not in sys.modules


def test_disable_plugins_blocks_builtin_and_installed_plugins(
    tmp_path: Path, install_plugin: Install
) -> None:
    """ANIWORLD_DISABLE_PLUGINS keeps the named plugins out, built-in or installed, without
    importing them."""
    module = install_plugin(DEMO)
    settings = Settings.load(env={"ANIWORLD_DISABLE_PLUGINS": "demo, jikan",
                                  "ANIWORLD_LOAD_ENTRY_POINTS": "1"},
                             overrides={"data_dir": str(tmp_path)})
    manager = PluginManager.from_settings(settings)
    names = {p.name for p in manager.metadata_providers()}
    assert "anilist" in names
    assert not names & {"demo", "jikan"}
    assert module not in sys.modules


def test_a_misspelled_hook_is_an_error(tmp_path: Path, install_plugin: Install) -> None:
    """A ``@hookimpl`` whose name is no hook stops start-up with an error naming the plugin."""
    install_plugin(DEMO_PLUGIN.replace("KEY", "False").replace(
        "def register_metadata_providers(", "def register_metadata_provider("
    ), entry_point="typo")
    with pytest.raises(PluginError, match=r"^Plugin 'typo' implements a hook aniworld does not "
                                          r"have: .*register_metadata_provider"):
        manager_for(tmp_path, load_entry_points=True)


def test_a_hook_with_unknown_arguments_is_an_error() -> None:
    """A hook implementation asking for an argument the hook doesn't have is refused."""

    class WrongArgument:
        @hookimpl
        def register_metadata_providers(self, registry: RegisterProvider) -> None:
            """Asks for ``registry`` instead of ``register``."""

    with pytest.raises(PluginError, match=r"^Plugin 'wrong' is invalid: .*registry"):
        PluginManager().register(WrongArgument(), "wrong")


def test_a_plugin_that_fails_to_import_is_named(tmp_path: Path, install_plugin: Install) -> None:
    """A plugin whose import fails stops start-up with its name, package, the error, and how to
    start without it."""
    install_plugin("import does_not_exist_anywhere\n", entry_point="broken", dist="aniworld-broken",
                   version="0.3")
    with pytest.raises(PluginError) as caught:
        manager_for(tmp_path, load_entry_points=True)
    assert str(caught.value) == (
        "Plugin 'broken' (aniworld-broken 0.3) failed to load: ModuleNotFoundError: No module "
        "named 'does_not_exist_anywhere'. Set ANIWORLD_DISABLE_PLUGINS=broken to start without it."
    )


@attrs.define
class Good:
    name: ClassVar[str] = "good"
    display_name: ClassVar[str] = "Good"
    id_type: ClassVar[str] = "good"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.SEARCH})
    rate_limits: ClassVar[tuple[RateLimit, ...]] = (RateLimit(10, 1.0, burst=2),)
    batch_size: ClassVar[int] = 1
    default_url: ClassVar[str] = "https://good.example"
    requires_api_key: ClassVar[bool] = False

    context: ProviderContext

    async def search(self, query: str, *, year: int | None = None) -> list[SearchResult]:
        return [SearchResult(ProviderRef("good", "1"), query)]

    async def fetch_series(self, refs: object) -> dict[str, Any]:
        return {}

    async def fetch_episodes(self, ref: object) -> list[Any]:
        return []

    async def fetch_artwork(self, ref: object) -> list[Any]:
        return []


class Offers:
    """A plugin object that registers the given things."""

    def __init__(self, *offered: object) -> None:
        self.offered = offered

    @hookimpl
    def register_metadata_providers(self, register: Callable[[object], None]) -> None:
        for thing in self.offered:
            register(thing)


def variant(**attributes: object) -> type:
    return type("Variant", (Good,), attributes)


def test_a_valid_provider_class_is_accepted() -> None:
    """The reference class used below passes every check."""
    manager = PluginManager()
    manager.register(Offers(Good), "mine")
    assert [p.provider for p in manager.metadata_providers()] == [Good]


@pytest.mark.parametrize(
    ("offered", "problem"),
    [
        (object(), "registered <object object at .*>, which is not a class"),
        (variant(name="Good Name"), "has the name 'Good Name'"),
        (variant(display_name=None), "has no display_name"),
        (variant(capabilities=frozenset()), "needs capabilities"),
        (variant(rate_limits=[RateLimit(1, 1.0)]), "needs rate_limits: a tuple"),
        (variant(rate_limits=(RateLimit(2, 1.0, burst=5),)), "its burst must be from 1 to 2"),
        (variant(rate_limits=(RateLimit(0, 1.0),)), "needs at least 1 request"),
        (variant(batch_size=0), "has the batch_size 0"),
        (variant(default_url="graphql.example"), "has the default_url 'graphql.example'"),
        (variant(requires_api_key="no"), "needs requires_api_key"),
        (variant(id_type="MAL ID"), "has the id_type 'MAL ID'"),
    ],
)
def test_invalid_provider_classes_name_the_plugin(offered: object, problem: str) -> None:
    """A class that breaks the provider contract is a PluginError naming the plugin and what is
    wrong."""
    manager = PluginManager()
    manager.register(Offers(offered), "sloppy")
    with pytest.raises(PluginError, match=rf"^Plugin 'sloppy'.*{problem}"):
        manager.metadata_providers()


def test_a_capability_needs_an_async_method() -> None:
    """Declaring a capability whose method is missing or not async is refused."""

    def fetch_episodes(self: object, ref: object) -> list[Any]:
        return []

    manager = PluginManager()
    manager.register(Offers(variant(capabilities=frozenset({Capability.EPISODES}),
                                    fetch_episodes=fetch_episodes)), "sync")
    with pytest.raises(PluginError, match="declares 'episodes' but has no async method "
                                          r"fetch_episodes\(\)"):
        manager.metadata_providers()


def test_two_providers_with_one_name_are_an_error(tmp_path: Path) -> None:
    """A plugin registering a provider named like a built-in one is refused, naming both."""
    manager = PluginManager()
    manager.register_builtins()
    manager.register(Offers(variant(name="anilist")), "impostor")
    with pytest.raises(PluginError, match=r"^Plugins 'anilist' and 'impostor' both register a "
                                          "provider named 'anilist'"):
        manager.metadata_providers()


def test_two_plugins_with_one_name_are_an_error() -> None:
    """Registering a second plugin under a taken name is refused."""
    manager = PluginManager()
    manager.register(Offers(Good), "mine")
    with pytest.raises(PluginError, match=r"^Two plugins are named 'mine'"):
        manager.register(Offers(), "mine")


def test_an_exception_in_a_hook_names_the_plugin() -> None:
    """A plugin whose hook raises is reported by name, with the error."""

    class Raises:
        @hookimpl
        def register_metadata_providers(self, register: RegisterProvider) -> None:
            raise KeyError("boom")

    manager = PluginManager()
    manager.register(Raises(), "raiser")
    message = r"^Plugin 'raiser' failed in register_metadata_providers: KeyError: 'boom'"
    with pytest.raises(PluginError, match=message):
        manager.metadata_providers()
