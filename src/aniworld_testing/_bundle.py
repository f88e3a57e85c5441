"""All the fakes plus the image host, served together, and the settings that point at them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from aniworld_testing._anilist import FakeAniList
from aniworld_testing._fanart import FakeFanart
from aniworld_testing._images import FakeImageHost
from aniworld_testing._jikan import FakeJikan
from aniworld_testing._options import FakeOptions
from aniworld_testing._serve import ServedApp, Startable
from aniworld_testing._service import FakeService
from aniworld_testing._stats import RequestStats
from aniworld_testing._tmdb import FakeTMDB
from aniworld_testing._tvmaze import FakeTVmaze
from aniworld_testing.dataset import Dataset

#: The API key the bundle hands to keyed providers (the fakes accept any non-empty key).
DEFAULT_API_KEY = "aniworld-fake-key"
#: Typical response times of the real services from Europe, in seconds (for demos/benchmarks).
REALISTIC_LATENCY = {"anilist": 0.25, "jikan": 0.35, "tvmaze": 0.08, "tmdb": 0.12,
                     "fanart": 0.2, "images": 0.05}


class RunningFake:
    """A fake and the loopback server it runs on: ``url`` (server root), ``api_url`` (with the
    API prefix, what the provider's ``url`` setting takes), ``app``, ``options``, ``stats``."""

    def __init__(self, service: FakeService, server: ServedApp | None = None) -> None:
        self.service = service
        self.server = server if server is not None else ServedApp(service.app)

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_url(self) -> str:
        return self.server.url + self.service.api_prefix

    @property
    def app(self) -> Any:
        return self.service.app

    @property
    def options(self) -> FakeOptions:
        return self.service.options

    @property
    def stats(self) -> RequestStats:
        return self.service.stats

    @property
    def dataset(self) -> Dataset:
        return self.service.dataset

    def reset(self) -> None:
        """See :meth:`FakeService.reset`."""
        self.service.reset()

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` over the real socket, ``base_url`` = ``api_url``."""
        return httpx.AsyncClient(base_url=self.api_url, **kwargs)


class FakeBundle(Startable):
    """AniList, Jikan, TVmaze, TMDB, fanart.tv and the image host on 127.0.0.1, sharing one
    dataset, with artwork URLs pointing at the served image host.

    ``latency`` (seconds, one for all or per fake name), ``jitter`` and ``rate_limit_scale``
    (``60`` makes per-minute limits per-second) become every fake's defaults, so ``reset()``
    keeps them. Use it as a context manager (sync, or async on either backend) and pass
    ``settings_overrides()`` to ``Settings.load(overrides=...)``.
    """

    def __init__(self, dataset: Dataset | None = None, *, api_key: str = DEFAULT_API_KEY,
                 latency: float | Mapping[str, float] = 0.0, jitter: float = 0.0,
                 rate_limit_scale: float = 1.0) -> None:
        self.dataset = dataset if dataset is not None else Dataset.default()
        self.api_key = api_key
        self.rate_limit_scale = rate_limit_scale
        self._running: dict[str, RunningFake] = {}
        for kind in (FakeImageHost, FakeAniList, FakeJikan, FakeTVmaze, FakeTMDB, FakeFanart):
            options = kind.default_options()
            options.latency = (latency.get(kind.name, 0.0) if isinstance(latency, Mapping)
                               else latency)
            options.jitter = jitter
            options.scale_rate_limits(rate_limit_scale)
            self._running[kind.name] = RunningFake(kind(self.dataset, options=options))

    @classmethod
    def realistic(cls, dataset: Dataset | None = None, *,
                  rate_limit_scale: float = 1.0) -> FakeBundle:
        """The real services' rate limits and typical latency (:data:`REALISTIC_LATENCY`,
        plus up to 40 ms of jitter), for the offline demo and benchmarks."""
        return cls(dataset, latency=REALISTIC_LATENCY, jitter=0.04,
                   rate_limit_scale=rate_limit_scale)

    @property
    def images(self) -> RunningFake:
        return self._running["images"]

    @property
    def anilist(self) -> RunningFake:
        return self._running["anilist"]

    @property
    def jikan(self) -> RunningFake:
        return self._running["jikan"]

    @property
    def tvmaze(self) -> RunningFake:
        return self._running["tvmaze"]

    @property
    def tmdb(self) -> RunningFake:
        return self._running["tmdb"]

    @property
    def fanart(self) -> RunningFake:
        return self._running["fanart"]

    @property
    def fakes(self) -> dict[str, RunningFake]:
        """Every fake by name, the image host included."""
        return dict(self._running)

    def start(self) -> None:
        """Start the image host, point every fake at it, then start the rest."""
        started: list[RunningFake] = []
        try:
            for fake in self._running.values():
                fake.server.start()
                started.append(fake)
                if fake is self.images:
                    for other in self._running.values():
                        other.service.image_url = fake.url
        except BaseException:
            _stop_all(started)
            raise

    def stop(self) -> None:
        """Stop every server (all shut down in parallel)."""
        _stop_all(list(self._running.values()))

    def reset(self) -> None:
        """Reset every fake (options back to the bundle's defaults, records cleared)."""
        for fake in self._running.values():
            fake.reset()

    def settings_overrides(self) -> dict[str, Any]:
        """Settings keys that point aniworld at these fakes, for ``Settings.load(overrides=)``:
        each provider's ``url``, an ``api_key`` for TMDB and fanart.tv, and ``rate_scale`` when
        the fakes' limits are scaled (so aniworld's limiters speed up to match)."""
        overrides: dict[str, Any] = {}
        for name in ("anilist", "jikan", "tvmaze", "tmdb", "fanart"):
            overrides[f"providers.{name}.url"] = self._running[name].api_url
            if name in ("tmdb", "fanart"):
                overrides[f"providers.{name}.api_key"] = self.api_key
            if self.rate_limit_scale != 1:
                overrides[f"providers.{name}.rate_scale"] = self.rate_limit_scale
        return overrides


def _stop_all(fakes: list[RunningFake]) -> None:
    for fake in fakes:
        fake.server.begin_stop()
    errors = []
    for fake in fakes:
        try:
            fake.server.stop()
        except RuntimeError as error:
            errors.append(error)
    if errors:
        raise errors[0]
