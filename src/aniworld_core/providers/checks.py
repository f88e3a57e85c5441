"""Checks a provider class must pass before aniworld uses it; each failure names the plugin."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import urlsplit

from aniworld_core.errors import PluginError
from aniworld_core.metadata import Capability
from aniworld_core.providers.base import MetadataProvider, RateLimit
from aniworld_core.validation import is_provider_name

#: The method each capability promises.
CAPABILITY_METHODS: dict[Capability, str] = {
    Capability.SEARCH: "search",
    Capability.SERIES: "fetch_series",
    Capability.EPISODES: "fetch_episodes",
    Capability.ARTWORK: "fetch_artwork",
}


def check_provider_class(candidate: object, plugin: str) -> type[MetadataProvider]:
    """``candidate`` if it is a usable provider class, else :class:`PluginError`."""
    if not isinstance(candidate, type):
        raise PluginError(
            f"Plugin {plugin!r} registered {candidate!r}, which is not a class; register the "
            "provider class itself (aniworld creates the instances)."
        )
    problem = _problem(candidate)
    if problem is not None:
        raise PluginError(f"Plugin {plugin!r}: provider class {candidate.__qualname__} {problem}.")
    provider: type[MetadataProvider] = candidate
    return provider


def _problem(cls: type) -> str | None:
    attributes: dict[str, Any] = {name: getattr(cls, name, None) for name in (
        "name", "display_name", "id_type", "capabilities", "rate_limits", "batch_size",
        "default_url", "requires_api_key",
    )}
    missing = [name for name, value in attributes.items() if value is None]
    if missing:
        return f"has no {', '.join(missing)}"
    if not is_provider_name(attributes["name"]):
        return (f"has the name {attributes['name']!r}; a provider name is 1-32 lowercase letters "
                "and digits, starting with a letter")
    if not isinstance(attributes["display_name"], str) or not attributes["display_name"].strip():
        return "has an empty display_name"
    if not is_provider_name(attributes["id_type"]):
        return f"has the id_type {attributes['id_type']!r}; use lowercase letters and digits"
    return (
        _capabilities_problem(cls, attributes["capabilities"])
        or _rate_limits_problem(attributes["rate_limits"])
        or _scalar_problem(attributes)
    )


def _capabilities_problem(cls: type, capabilities: object) -> str | None:
    if not isinstance(capabilities, frozenset) or not capabilities or not all(
        isinstance(capability, Capability) for capability in capabilities
    ):
        return "needs capabilities: a non-empty frozenset of Capability values"
    for capability in sorted(capabilities):
        method = CAPABILITY_METHODS[capability]
        if not inspect.iscoroutinefunction(getattr(cls, method, None)):
            return f"declares {capability.value!r} but has no async method {method}()"
    return None


def _rate_limits_problem(rate_limits: object) -> str | None:
    if not isinstance(rate_limits, tuple) or not all(
        isinstance(limit, RateLimit) for limit in rate_limits
    ):
        return "needs rate_limits: a tuple of RateLimit values"
    for limit in rate_limits:
        if limit.requests < 1 or limit.per_seconds <= 0:
            return f"has the rate limit {limit}; it needs at least 1 request in a positive window"
        if limit.burst is not None and not 1 <= limit.burst <= limit.requests:
            return f"has the rate limit {limit}; its burst must be from 1 to {limit.requests}"
    return None


def _scalar_problem(attributes: dict[str, Any]) -> str | None:
    batch_size = attributes["batch_size"]
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        return f"has the batch_size {batch_size!r}; it must be a whole number of at least 1"
    url = attributes["default_url"]
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        return f"has the default_url {url!r}; it must be an http(s) URL"
    if not isinstance(attributes["requires_api_key"], bool):
        return "needs requires_api_key: True or False"
    return None
