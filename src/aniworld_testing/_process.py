"""The fake bundle in a process of its own, driven over a small control API.

Fakes served as threads of the process under test stamp arrival times late whenever that
process keeps the GIL busy (tens of milliseconds while a loader runs), so a test or benchmark
that judges rate limits by the fakes' own records, or must see no 429 at all, runs them here:

    with RemoteBundle(latency=0.1, rate_limit_scale=60, generated=500) as fakes:
        settings = Settings.load(overrides=fakes.settings_overrides())
        ...
        fakes.stats("jikan").max_requests_in_any_window(1.0)

The child prints one JSON line (the fakes' URLs, the control URL, the settings overrides) and
serves until its stdin closes, so it never outlives the parent.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from aniworld_testing._serve import Startable
from aniworld_testing._stats import RequestRecord, RequestStats

#: Option fields the control API may set (numbers only; the rest has methods).
SETTABLE = frozenset({"latency", "jitter", "penalty", "error_rate", "error_status",
                      "timeout_rate", "timeout_delay", "malformed_rate", "seed"})


@attrs.frozen
class BundleConfig:
    """What the child builds: the default dataset plus ``generated`` series, and the
    bundle's latency, jitter and rate-limit scale."""

    generated: int = 0
    latency: float | Mapping[str, float] = 0.0
    jitter: float = 0.0
    rate_limit_scale: float = 1.0

    def to_json(self) -> str:
        latency = dict(self.latency) if isinstance(self.latency, Mapping) else self.latency
        return json.dumps({"generated": self.generated, "latency": latency,
                           "jitter": self.jitter, "rate_limit_scale": self.rate_limit_scale})


class RemoteBundle(Startable):
    """A :class:`~aniworld_testing.FakeBundle` running in a child process."""

    def __init__(self, *, generated: int = 0, latency: float | Mapping[str, float] = 0.0,
                 jitter: float = 0.0, rate_limit_scale: float = 1.0) -> None:
        self.config = BundleConfig(generated, latency, jitter, rate_limit_scale)
        self._process: subprocess.Popen[str] | None = None
        self._info: dict[str, Any] = {}
        self._control: httpx.Client | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "aniworld_testing._process", self.config.to_json()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("the fake bundle process ended before it was ready")
        self._info = json.loads(line)
        self._control = httpx.Client(base_url=self._info["control"], timeout=30)

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            if self._process.stdin is not None:
                self._process.stdin.close()  # the child serves until its stdin closes
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None

    def settings_overrides(self) -> dict[str, Any]:
        """As :meth:`FakeBundle.settings_overrides`: URLs, API keys, ``rate_scale``."""
        return dict(self._info["settings_overrides"])

    def cpu_seconds(self) -> float:
        """CPU time the fake servers' process has used so far (Linux)."""
        assert self._process is not None
        with open(f"/proc/{self._process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def url(self, name: str) -> str:
        return str(self._info["fakes"][name])

    def stats(self, name: str) -> RequestStats:
        """A snapshot of fake ``name``'s request record."""
        stats = RequestStats()
        for record in self._call("GET", f"/stats/{name}"):
            stats.add(RequestRecord(*record))
        return stats

    def rate_limits(self, name: str) -> list[tuple[int, float]]:
        """Fake ``name``'s enforced limits as ``(requests, per_seconds)``."""
        limits = self._call("GET", f"/limits/{name}")
        return [(int(count), float(seconds)) for count, seconds in limits]

    def set_options(self, name: str, **fields: float) -> None:
        """Set numeric option fields (see :data:`SETTABLE`) of fake ``name``."""
        unknown = set(fields) - SETTABLE
        if unknown:
            raise ValueError(f"cannot set {sorted(unknown)} remotely")
        self._call("POST", f"/options/{name}", json=fields)

    def force_429(self, name: str, count: int, retry_after: int = 1) -> None:
        self._call("POST", f"/force-429/{name}", json=[count, retry_after])

    def reset(self) -> None:
        self._call("POST", "/reset")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._control is None:
            raise RuntimeError("the remote bundle is not running")
        response = self._control.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()


def _control_app(bundle: Any) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def stats(request: Request) -> JSONResponse:
        fake = bundle.fakes[request.path_params["name"]]
        return JSONResponse([attrs.astuple(record) for record in fake.stats.records])

    async def limits(request: Request) -> JSONResponse:
        fake = bundle.fakes[request.path_params["name"]]
        return JSONResponse([[limit.requests, limit.per_seconds]
                             for limit in fake.options.rate_limits])

    async def options(request: Request) -> JSONResponse:
        fake = bundle.fakes[request.path_params["name"]]
        for field, value in (await request.json()).items():
            if field in SETTABLE:
                setattr(fake.options, field, value)
        return JSONResponse(True)

    async def force(request: Request) -> JSONResponse:
        count, retry_after = await request.json()
        bundle.fakes[request.path_params["name"]].options.force_429(count, retry_after)
        return JSONResponse(True)

    async def reset(request: Request) -> JSONResponse:
        bundle.reset()
        return JSONResponse(True)

    return Starlette(routes=[
        Route("/stats/{name}", stats), Route("/limits/{name}", limits),
        Route("/options/{name}", options, methods=["POST"]),
        Route("/force-429/{name}", force, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
    ])


def main(argv: list[str]) -> None:
    from aniworld_testing._bundle import FakeBundle
    from aniworld_testing._serve import serve_app
    from aniworld_testing.dataset import Dataset

    config = json.loads(argv[0])
    # Every fake is a thread here; hand the GIL over often, so a busy one (the image host
    # making files) cannot hold another's arrival stamp back by tens of milliseconds.
    sys.setswitchinterval(0.0002)
    dataset = Dataset.default()
    if config["generated"]:
        dataset = dataset.with_generated(config["generated"])
    latency = config["latency"]
    with FakeBundle(dataset, latency=latency, jitter=config["jitter"],
                    rate_limit_scale=config["rate_limit_scale"]) as bundle, \
            serve_app(_control_app(bundle)) as control:
        # The dataset lives as long as the process: keep it out of the collector's full passes,
        # which with 10,000 generated series stopped every fake for tens of milliseconds and
        # stamped the requests that came meanwhile as arriving together.
        gc.collect()
        gc.freeze()
        print(json.dumps({
            "control": control.url,
            "fakes": {name: fake.url for name, fake in bundle.fakes.items()},
            "settings_overrides": bundle.settings_overrides(),
        }), flush=True)
        sys.stdin.read()  # until the parent closes it (or dies)


if __name__ == "__main__":
    main(sys.argv[1:])
