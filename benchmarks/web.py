"""The web adapter under load: uvicorn on loopback, its loader busy with hundreds of series.

    python benchmarks/web.py [--series 500] [--clients 50] [--rate 100] [--requests 40]
                             [--sockets 100] [--pings 200] [--[no-]ws-deflate]
                             [--database-url URL]

Three processes: the fake providers (the real services' latency, their rate limits scaled 10×),
the server (uvicorn with ``create_app``, configured as ``aniworld serve`` configures it, loading
``--series`` generated series meanwhile) and the clients (their garbage collector off while they
measure, so its pauses are not taken for the server's). With that load going on:

(a) ``POST /api/series`` from ``--clients`` concurrent clients with an API key, measured twice:
    *paced*, the clients together sending ``--rate`` requests a second on a fixed schedule
    (latency from the scheduled moment, so a slow answer cannot hide the ones it delays), and
    *saturated*, each client sending ``--requests`` back to back (a throughput test: there
    p99 ≈ clients / throughput). Target p99 ≤ 20 ms.
(b) ``--sockets`` WebSocket clients on ``/ws``, each first past its snapshot; then the server
    publishes ``--pings`` events on its hub through a route only this benchmark mounts, each
    stamped with the monotonic clock just before ``events.publish``, and every client notes the
    clock on arrival. Target p99 of emission → arrival over all deliveries ≤ 10 ms.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import itertools
import json
import logging
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Hashable
from pathlib import Path
from typing import Any, ClassVar

import anyio
import attrs
import httpx
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from aniworld_cli.serve_command import WS_DEFLATE, server_options, tune_for_serving
from aniworld_core import ProviderRef, SeriesApp, Settings
from aniworld_testing import (
    GENERATED_START_ID,
    REALISTIC_LATENCY,
    Dataset,
    FakeBundle,
    listening_socket,
)

RATE_LIMIT_SCALE = 10
PING_PATH = "/bench/ping"
PING_INTERVAL = 0.02


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(samples, 0.50), 3),
            "p99_ms": round(percentile(samples, 0.99), 3),
            "max_ms": round(max(samples), 3),
            "mean_ms": round(statistics.fmean(samples), 3)}


# -- the server process -------------------------------------------------------------------------


@attrs.frozen
class Ping:
    """A benchmark-only event: when it was handed to the hub (``time.monotonic_ns``)."""

    type: ClassVar[str] = "bench_ping"
    sent_ns: int
    number: int
    warmup: bool
    timestamp: dt.datetime = attrs.field(factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def coalesce_key(self) -> Hashable:
        return ("bench_ping", self.number)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "sent_ns": self.sent_ns, "number": self.number,
                "warmup": self.warmup}


def with_ping_route(app: ASGIApp) -> ASGIApp:
    """``app`` plus ``POST /bench/ping[?warmup=1]``, which publishes one :class:`Ping`."""
    numbers = itertools.count()

    async def bench_app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PING_PATH:
            core: SeriesApp = scope["state"]["web"].core
            warmup = scope["query_string"] == b"warmup=1"
            core.events.publish(Ping(time.monotonic_ns(), next(numbers), warmup))
            await Response(status_code=204)(scope, receive, send)
            return
        await app(scope, receive, send)

    return bench_app


async def prepare(settings: Settings, series: int) -> str:
    """An API key, and ``series`` generated series queued for the server's loader."""
    async with SeriesApp.open(settings, loader=False) as app:
        key = await app.accounts.create_api_key("benchmark")
        for number in range(series):
            await app.add_series(provider_ref=ProviderRef("anilist",
                                                          str(GENERATED_START_ID + number)))
    return key


def run_fakes(config: dict[str, Any]) -> None:
    """The fakes' process: serve them, print the settings pointing at them as one JSON line,
    and keep serving until standard input closes."""
    dataset = Dataset.default().with_generated(config["series"])
    with FakeBundle(dataset, latency=REALISTIC_LATENCY, jitter=0.04,
                    rate_limit_scale=RATE_LIMIT_SCALE) as fakes:
        print(json.dumps(fakes.settings_overrides()), flush=True)
        sys.stdin.read()


def serve(config: dict[str, Any]) -> None:
    """The server process: prepare, print the port and key as one JSON line, serve."""
    from aniworld_web import create_app

    settings = Settings.load(env={"ANIWORLD_LOAD_ENTRY_POINTS": "0"},
                             overrides=config["overrides"])
    # The POSTed titles are unknown to the fakes: their failed loads are expected, not news.
    logging.getLogger().setLevel(logging.ERROR)
    key = anyio.run(prepare, settings, config["series"])
    # Clients may connect now; they wait until uvicorn has started.
    listener = listening_socket(backlog=2048)
    print(json.dumps({"port": listener.getsockname()[1], "key": key}), flush=True)
    app = with_ping_route(create_app(settings, loader=True))
    tune_for_serving()  # as `aniworld serve` does
    options = {**server_options(), "ws_per_message_deflate": config["ws_deflate"],
               "timeout_graceful_shutdown": 2}
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **options)).run(
        sockets=[listener])


# -- the clients --------------------------------------------------------------------------------


async def loader_state(client: httpx.AsyncClient) -> dict[str, float]:
    """Series in flight, queued and finished, from the server's own metrics."""
    text = (await client.get("/api/metrics")).text
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    return {
        "series_in_flight": samples["aniworld_loader_series_in_flight", ()],
        "queued": sum(v for (name, _), v in samples.items()
                      if name == "aniworld_loader_queue_depth"),
        "finished": sum(v for (name, _), v in samples.items()
                        if name == "aniworld_loader_series_finished_total"),
    }


#: Numbers for the titles the benchmark adds, unique across its parts.
_TITLES = itertools.count()


async def post_series(base: str, key: str, clients: int, *, rate: float | None = None,
                      seconds: float = 10.0, requests: int = 0) -> dict[str, Any]:
    """``clients`` clients adding series: ``rate`` a second together for ``seconds`` on a
    fixed schedule (latency from each request's scheduled moment), or else ``requests`` each,
    back to back."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {key}"}
    names = _TITLES  # one count for every part: a title already in the library is a 409

    connected = 0
    everyone_connected = anyio.Event()

    async def one_client(number: int) -> None:
        nonlocal connected
        async with httpx.AsyncClient(base_url=base, headers=headers,
                                     limits=httpx.Limits(max_connections=1)) as client:
            await client.get("/api/health")  # connected before the clock starts
            connected += 1
            if connected == clients:
                everyone_connected.set()
            # Making a client blocks this process for a while: no clock starts before the last.
            await everyone_connected.wait()
            if rate:
                interval = clients / rate
                await anyio.sleep(interval * number / clients)  # spread the clients out
                first = time.perf_counter()
                schedule = (first + interval * i for i in itertools.count())
            else:
                schedule = (None for _ in range(requests))
            for due in schedule:
                if due is not None:
                    if due - first > seconds:
                        return
                    await anyio.sleep(max(0.0, due - time.perf_counter()))
                started = due or time.perf_counter()
                response = await client.post("/api/series", json={
                    "title": f"Benchmark series {next(names)}"})
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for number in range(clients):
            group.start_soon(one_client, number)
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), **summary(latencies),
            "statuses": {str(code): count for code, count in sorted(statuses.items())},
            "requests_per_second": round(len(latencies) / elapsed, 1)}


#: A ping as the server writes it: compact JSON in one unmasked, uncompressed text frame.
PING_TEXT = re.compile(rb'\{"type":"bench_ping","sent_ns":(\d+),"number":(\d+),'
                       rb'"warmup":(true|false)\}')
#: Longer than any ping's text: what one chunk keeps of the last, in case a ping spans two.
PING_TEXT_MAX = 120


class Listener(asyncio.Protocol):
    """One WebSocket client: websockets' sans-I/O protocol for the handshake, then bytes.

    A hundred clients share this process, and the loader's own events reach each of them too
    (hundreds a second): parsing every frame here would keep this process busy enough that
    arrivals wait for it, and a client's own work would be counted as the server's. So each
    chunk is stamped the moment it reaches this process and searched for ping texts as raw bytes
    (the server compresses nothing unless ``--ws-deflate``, in which case every frame is
    parsed). A ping spanning two chunks is stamped with the second. The measurement lasts well
    under uvicorn's 20 s keep-alive ping interval, so no pong is ever owed."""

    def __init__(self, url: str, key: str, pings: int, *, parse_frames: bool) -> None:
        # Browsers offer compression: with ``--ws-deflate`` the server takes it up.
        self.protocol = ClientProtocol(parse_uri(url), max_size=None, extensions=[
            ClientPerMessageDeflateFactory()] if parse_frames else None)
        request = self.protocol.connect()
        request.headers["Authorization"] = f"Bearer {key}"
        self.protocol.send_request(request)
        self.parse_frames = parse_frames
        self.pings = pings
        self.delays: list[float] = []
        self.seen: set[int] = set()
        self.carry = b""
        self.warm = asyncio.Event()  # a warm-up ping arrived: the snapshot is behind it
        self.done = asyncio.Event()  # every ping arrived, or the connection ended
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._flush()

    def data_received(self, data: bytes) -> None:
        arrived = time.monotonic_ns()
        if self.parse_frames or self.protocol.state is not State.OPEN:
            self.protocol.receive_data(data)
            for event in self.protocol.events_received():
                if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                    self._scan(event.data, arrived)
            self._flush()
        else:
            self._scan(self.carry + data, arrived)
            self.carry = data[-PING_TEXT_MAX:]

    def _scan(self, data: bytes, arrived: int) -> None:
        for match in PING_TEXT.finditer(data):
            number = int(match[2])
            if number in self.seen:
                continue  # found again in the carried-over end of the last chunk
            self.seen.add(number)
            if match[3] == b"true":
                self.warm.set()
            elif len(self.delays) < self.pings:
                self.delays.append((arrived - int(match[1])) / 1e6)
                if len(self.delays) == self.pings:
                    self.done.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.warm.set()
        self.done.set()

    def _flush(self) -> None:
        data = self.protocol.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(data))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def websocket_events(port: int, key: str, sockets: int, pings: int,
                           ping_client: httpx.AsyncClient, *, deflate: bool) -> dict[str, Any]:
    """Every client connected and past its snapshot (a warm-up ping reached each), then
    ``pings`` pings, each timed from emission to arrival at every client."""
    loop = asyncio.get_running_loop()
    url = f"ws://127.0.0.1:{port}/ws"
    listeners = [Listener(url, key, pings, parse_frames=deflate) for _ in range(sockets)]
    started = time.perf_counter()
    try:
        for listener in listeners:
            await loop.create_connection(lambda listener=listener: listener, "127.0.0.1", port)
        with anyio.fail_after(300):
            for listener in listeners:
                while not listener.warm.is_set():
                    await ping_client.post(PING_PATH, params={"warmup": 1})
                    with anyio.move_on_after(1):
                        await listener.warm.wait()
        ready = time.perf_counter() - started
        for _ in range(pings):
            await ping_client.post(PING_PATH)
            await anyio.sleep(PING_INTERVAL)
        # Every listener has every ping, or has lost some: those are stopped in the end.
        with anyio.move_on_after(60):
            for listener in listeners:
                await listener.done.wait()
    finally:
        for listener in listeners:
            listener.close()
    delays = [delay for listener in listeners for delay in listener.delays]
    return {"clients": sockets, "events": pings, "deliveries": len(delays),
            "lost": sockets * pings - len(delays), **summary(delays), "target_p99_ms": 10.0,
            "seconds_until_all_connected_past_snapshot": round(ready, 2)}


async def measure(port: int, key: str, args: argparse.Namespace) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key}"}
    # The clients' own garbage collection would stop every client at once for tens of ms and
    # show up as server latency: it is off while measuring (this process lives a minute).
    gc.collect()
    gc.disable()
    async with httpx.AsyncClient(base_url=base, headers=headers) as client:
        with anyio.fail_after(30):
            while args.series and (await loader_state(client))[  # noqa: ASYNC110
                    "series_in_flight"] == 0:
                await anyio.sleep(0.1)  # polls another process: no event to wait for
        result: dict[str, Any] = {"loader": {"before_posts": await loader_state(client)}}
        if args.clients:
            paced = await post_series(base, key, args.clients, rate=args.rate)
            saturated = await post_series(base, key, args.clients, requests=args.requests)
            result["post_series"] = {"clients": args.clients, "target_p99_ms": 20.0,
                                     "paced": {"rate_per_second": args.rate, **paced},
                                     "saturated": saturated}
        result["loader"]["before_pings"] = await loader_state(client)
        if args.sockets:
            result["websocket_events"] = await websocket_events(port, key, args.sockets,
                                                                args.pings, client,
                                                                deflate=args.ws_deflate)
        result["loader"]["after_pings"] = await loader_state(client)
    return result


def spawn(role: str, config: dict[str, Any]) -> tuple[subprocess.Popen[str], Any]:
    """This script in ``role`` in a process of its own, and the JSON line it prints first."""
    process = subprocess.Popen([sys.executable, __file__, f"--{role}", json.dumps(config)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(10)
        raise SystemExit(f"the {role} process did not start (exit status "
                         f"{process.returncode})")
    return process, json.loads(line)


def stop(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500, help="series loading meanwhile")
    parser.add_argument("--clients", type=int, default=50, help="0 skips (a)")
    parser.add_argument("--rate", type=float, default=100, help="paced POSTs a second")
    parser.add_argument("--requests", type=int, default=40, help="saturated POSTs per client")
    parser.add_argument("--sockets", type=int, default=100, help="0 skips (b)")
    parser.add_argument("--pings", type=int, default=200)
    parser.add_argument("--ws-deflate", action=argparse.BooleanOptionalAction,
                        default=WS_DEFLATE,
                        help="permessage-deflate on WebSockets (default: as `aniworld serve`)")
    parser.add_argument("--database-url", help="default: SQLite in a temporary data dir")
    parser.add_argument("--fakes", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fakes:
        run_fakes(json.loads(args.fakes))
        return
    if args.serve:
        serve(json.loads(args.serve))
        return

    with tempfile.TemporaryDirectory(prefix="aniworld-bench-") as tmp:
        fakes, overrides = spawn("fakes", {"series": args.series})
        try:
            overrides["data_dir"] = str(Path(tmp) / "data")
            if args.database_url:
                overrides["database_url"] = args.database_url
            server, started = spawn("serve", {"overrides": overrides, "series": args.series,
                                              "ws_deflate": args.ws_deflate})
            try:
                result = anyio.run(measure, started["port"], started["key"], args)
            finally:
                stop(server)
        finally:
            stop(fakes)
    print(json.dumps({"benchmark": "web", "server": "uvicorn, one process, loopback",
                      "database": "postgresql" if args.database_url else "sqlite",
                      "ws_per_message_deflate": args.ws_deflate,
                      "series_loading": args.series, "rate_limit_scale": RATE_LIMIT_SCALE,
                      **result}))


if __name__ == "__main__":
    main()
