"""The contract between aniworld and a metadata provider.

A provider is a class (usually ``@attrs.define``) that a plugin registers through the
``register_metadata_providers`` hook. Its class attributes describe it; aniworld constructs one
instance per ``SeriesApp`` with a :class:`ProviderContext` that carries its settings and the HTTP
client it must use. That client keeps to the declared rate limits, obeys the server's rate-limit
headers and ``Retry-After``, retries transient failures and turns every error into
:class:`~aniworld_core.errors.ProviderError`, so a provider only turns responses into
:mod:`aniworld_core.metadata` values.

Only the methods of the declared ``capabilities`` are ever called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

import attrs

from aniworld_core.metadata import (
    Artwork,
    ArtworkKind,
    Capability,
    EpisodeInfo,
    ProviderRef,
    SearchResult,
    SeriesInfo,
)


@attrs.frozen
class RateLimit:
    """At most ``requests`` requests in any window of ``per_seconds`` seconds.

    ``burst``, when set, also caps how many of them may be sent close together: at most ``burst``
    in any window of ``per_seconds * burst / requests`` seconds.
    """

    requests: int
    per_seconds: float
    burst: int | None = None

    def scaled(self, factor: float) -> RateLimit:
        """The same limit ``factor`` times faster (for mirrors and fake servers)."""
        return RateLimit(self.requests, self.per_seconds / factor, self.burst)


@attrs.frozen
class ProviderConfig:
    """A provider's settings after defaults are applied."""

    name: str
    url: str
    api_key: str | None = attrs.field(default=None, repr=False)
    timeout: float = 20.0


class ProviderHttp(Protocol):
    """The HTTP client aniworld gives each provider: paths are relative to the configured URL,
    and the empty path ``""`` is that URL exactly (what a GraphQL endpoint wants).

    Every method waits for the provider's rate limiter, retries 5xx, timeouts and connection
    errors, and raises ``ProviderError`` for any other failure (a 4xx, malformed JSON). A 404
    raises ``ProviderError`` too; providers that treat "not found" as an answer catch it and check
    ``error.status == 404``. ``request`` names the request in errors and logs
    ("search 'Cowboy Bebop'").
    """

    async def get_json(
        self, path: str, *, params: Mapping[str, str | int] | None = None, request: str
    ) -> Any: ...

    async def post_json(self, path: str, *, body: Any, request: str) -> Any: ...


@attrs.frozen
class ProviderContext:
    """What a provider is constructed with."""

    config: ProviderConfig
    http: ProviderHttp


@runtime_checkable
class MetadataProvider(Protocol):
    """What a metadata provider class offers. See ``docs/plugins.md`` for a worked example."""

    #: Short lowercase name used in settings and refs: ``"anilist"``.
    name: ClassVar[str]
    #: Name shown to people: ``"AniList"``.
    display_name: ClassVar[str]
    #: Which id of a series this provider's refs are (``ProviderIds`` field or an extra type).
    id_type: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    rate_limits: ClassVar[tuple[RateLimit, ...]]
    #: How many refs one ``fetch_series`` call may take (1 when the API has no batch call).
    batch_size: ClassVar[int]
    default_url: ClassVar[str]
    requires_api_key: ClassVar[bool]
    # Optional: ``artwork_kinds: ClassVar[frozenset[ArtworkKind]]``, the kinds of artwork
    # ``fetch_artwork`` can return. The loader then asks the provider only when one of those
    # is still wanted (see :func:`artwork_kinds_of`); without it every kind is assumed.

    def __init__(self, context: ProviderContext) -> None: ...

    async def search(self, query: str, *, year: int | None = None) -> Sequence[SearchResult]:
        """Candidates for ``query``, best first."""
        ...

    async def fetch_series(self, refs: Sequence[ProviderRef]) -> Mapping[str, SeriesInfo]:
        """Metadata for up to ``batch_size`` refs, keyed by ref id; unknown ids are left out."""
        ...

    async def fetch_episodes(self, ref: ProviderRef) -> Sequence[EpisodeInfo]:
        """Every episode of the series, all pages fetched."""
        ...

    async def fetch_artwork(self, ref: ProviderRef) -> Sequence[Artwork]:
        """Every image the provider offers for the series."""
        ...


def artwork_kinds_of(provider: type[MetadataProvider] | MetadataProvider) -> frozenset[ArtworkKind]:
    """The artwork kinds a provider declares it can offer (every kind when it declares none)."""
    cls = provider if isinstance(provider, type) else type(provider)
    kinds = getattr(cls, "artwork_kinds", None)
    return frozenset(kinds) if kinds is not None else frozenset(ArtworkKind)

