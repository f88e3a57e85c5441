"""The hooks a plugin may implement, typed and documented in one place.

A plugin is a module (or any object) with functions marked ``@aniworld_core.hookimpl`` whose
names are hooks below. A distribution makes its plugin known through an entry point of the
``aniworld`` group::

    [project.entry-points.aniworld]
    myprovider = "aniworld_myprovider"

Built-in providers are registered through these same hooks. A function marked ``@hookimpl`` whose
name is not a hook here is an error when aniworld starts, so a misspelled hook never goes
unnoticed. Every hook has a section in ``docs/plugins.md``.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from aniworld_core.downloads.sources import EpisodeSource
from aniworld_core.providers.base import MetadataProvider

#: The pluggy project name, which is also the entry-point group.
PROJECT_NAME = "aniworld"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Marks a plugin's hook implementations: ``@hookimpl def register_metadata_providers(...)``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: What ``register_metadata_providers`` is given: call it with each provider class.
RegisterProvider = Callable[[type[MetadataProvider]], None]
#: What ``register_episode_sources`` is given: call it with each source class.
RegisterSource = Callable[[type[EpisodeSource]], None]


# -- providers ------------------------------------------------------------------------------------


@hookspec
def register_metadata_providers(register: RegisterProvider) -> None:
    """Offer metadata provider classes by calling ``register(ProviderClass)`` for each.

    Called once per plugin manager, before any ``SeriesApp`` uses a provider. Register classes,
    not instances: aniworld creates one instance per ``SeriesApp`` with a
    :class:`~aniworld_core.ProviderContext` carrying its settings and HTTP client. A class that
    does not satisfy :class:`~aniworld_core.MetadataProvider` (a bad or duplicate ``name``, a
    missing attribute or method) is a :class:`~aniworld_core.PluginError` naming the plugin.
    Which provider is asked first is the ``providers.order`` setting, never registration order.
    """


# -- episode sources ------------------------------------------------------------------------------


@hookspec
def register_episode_sources(register: RegisterSource) -> None:
    """Offer episode source classes by calling ``register(SourceClass)`` for each.

    Called once per plugin manager. Register classes, not instances: aniworld creates one
    instance per ``SeriesApp`` with a :class:`~aniworld_core.SourceContext` carrying its
    settings (``[sources.NAME]``) and an HTTP client. A class that does not satisfy
    :class:`~aniworld_core.EpisodeSource` (a bad or duplicate ``name``, no ``display_name`` or
    ``find``) is a :class:`~aniworld_core.PluginError` naming the plugin. Which source is asked
    first is the ``downloads.sources`` setting, else the built-in ones first, then by name.
    """
