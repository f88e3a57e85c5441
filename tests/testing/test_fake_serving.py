"""Serving fakes on 127.0.0.1 from sync code and both anyio backends, the bundle, the plugin."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from starlette.types import Receive, Scope, Send

from aniworld_core import Settings
from aniworld_core.providers.base import RateLimit
from aniworld_testing import (
    REALISTIC_LATENCY,
    FakeAniList,
    FakeBundle,
    FakeJikan,
    FakeOptions,
    RunningFake,
    listening_socket,
    serve_app,
)

QUERY = {"query": "{ Media(id: 1) { id coverImage { large } } }"}


@pytest.mark.anyio
async def test_serving_works_on_both_backends_and_stops_cleanly() -> None:
    """A served fake answers over loopback; afterwards its thread is gone and its port closed."""
    server = serve_app(FakeJikan(options=FakeOptions()).app)
    async with server, httpx.AsyncClient() as client:
        response = await client.get(f"{server.url}/v4/anime/1")
        url = server.url
    assert response.status_code == 200
    assert response.json()["data"]["title"] == "Cowboy Bebop"
    assert url.startswith("http://127.0.0.1:")
    assert not server.running
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{url}/v4/anime/1")


def test_serving_works_from_synchronous_code() -> None:
    """The sync context manager serves and stops the same way."""
    anilist = FakeAniList()
    with serve_app(anilist.app) as server:
        response = httpx.post(server.url, json=QUERY)
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "90"
    assert not server.running
    assert anilist.stats.count == 1


def test_connections_accepted_by_a_listening_socket_send_small_writes_at_once() -> None:
    """asyncio (and so uvicorn) turns Nagle's algorithm off on what ``listening_socket``
    accepts: a live event written after another does not wait for the client's delayed ACK."""
    nodelay: list[int] = []

    class Accepted(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            nodelay.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        loop = asyncio.get_running_loop()
        with listening_socket() as sock:
            server = await loop.create_server(Accepted, sock=sock)
            async with server:
                reader, writer = await asyncio.open_connection(*sock.getsockname())
                assert await reader.read() == b""  # closed by the server after the check
                writer.close()
                await writer.wait_closed()

    asyncio.run(accept_one())
    assert nodelay == [1]


def test_a_busy_port_is_a_clear_error() -> None:
    """Serving on a port that is taken fails at start with the OS error."""
    with serve_app(FakeJikan().app) as first, pytest.raises(OSError, match="in use"):
        serve_app(FakeJikan().app, port=first.port).start()


@pytest.mark.anyio
async def test_stopping_answers_hanging_requests_at_once() -> None:
    """A request stuck in an injected timeout gets a 503 when the server shuts down."""
    anilist = FakeAniList(options=FakeOptions(timeout_rate=1.0, timeout_delay=300))
    arrived = threading.Event()

    async def noticing(scope: Scope, receive: Receive, send: Send) -> None:
        arrived.set()
        await anilist.app(scope, receive, send)

    server = serve_app(noticing)
    await anyio.to_thread.run_sync(server.start)
    responses: list[httpx.Response] = []
    with anyio.fail_after(10):
        async with httpx.AsyncClient(timeout=60) as client, anyio.create_task_group() as group:

            async def call() -> None:
                responses.append(await client.post(server.url, json=QUERY))

            group.start_soon(call)
            assert await anyio.to_thread.run_sync(arrived.wait, 5)
            await anyio.to_thread.run_sync(server.stop)
    assert [r.status_code for r in responses] == [503]
    assert [(r.status, r.fault) for r in anilist.stats.records] == [(503, "timeout")]


@pytest.mark.anyio
async def test_the_bundle_serves_every_fake_and_points_settings_at_them(tmp_path: Path) -> None:
    """The bundle's overrides load into Settings (rate scale included), every provider URL
    answers, and artwork URLs point at the served image host."""
    async with FakeBundle(latency={"anilist": 0.001}, rate_limit_scale=10) as bundle:
        settings = Settings.load(overrides={"data_dir": str(tmp_path),
                                            **bundle.settings_overrides()})
        assert settings.provider("jikan").rate_scale == 10
        key = {"api_key": settings.provider("tmdb").api_key or ""}
        async with httpx.AsyncClient() as client:
            anilist = await client.post(settings.provider("anilist").url or "", json=QUERY)
            cover = await client.get(anilist.json()["data"]["Media"]["coverImage"]["large"])
            others = [
                await client.get(f"{settings.provider('jikan').url}/anime/1"),
                await client.get(f"{settings.provider('tvmaze').url}/shows/1253"),
                await client.get(f"{settings.provider('tmdb').url}/tv/30991", params=key),
                await client.get(f"{settings.provider('fanart').url}/tv/76885", params=key),
            ]
        servers = [fake.server for fake in bundle.fakes.values()]
        bundle.reset()
        assert (bundle.anilist.options.latency, bundle.jikan.options.latency) == (0.001, 0.0)
    assert anilist.status_code == 200
    assert cover.headers["content-type"] == "image/jpeg"
    assert [r.status_code for r in others] == [200, 200, 200, 200]
    assert not any(server.running for server in servers)


def test_the_realistic_bundle_has_real_limits_and_latency() -> None:
    """FakeBundle.realistic() keeps each service's real limits and adds its typical latency."""
    bundle = FakeBundle.realistic(rate_limit_scale=60)
    assert bundle.anilist.options.latency == REALISTIC_LATENCY["anilist"]
    assert bundle.anilist.options.rate_limits == (RateLimit(30, 1.0),)
    assert bundle.jikan.options.rate_limits == (RateLimit(3, 1 / 60), RateLimit(60, 1.0))


def test_the_pytest_plugin_is_registered(pytestconfig: pytest.Config) -> None:
    """Installing aniworld registers the plugin under the name "aniworld"."""
    assert pytestconfig.pluginmanager.has_plugin("aniworld")


@pytest.mark.anyio
async def test_plugin_fixtures_are_running_and_reset(fake_anilist: RunningFake,
                                                     fake_images: RunningFake) -> None:
    """fake_anilist starts each test with default options and an empty record, and its artwork
    lives on fake_images."""
    assert fake_anilist.options == FakeAniList.default_options()
    assert fake_anilist.stats.count == 0
    async with fake_anilist.client() as client:
        response = await client.post("/", json=QUERY)
    assert response.json()["data"]["Media"]["coverImage"]["large"].startswith(fake_images.url)
    assert fake_anilist.stats.count == 1


def test_plugin_settings_overrides_name_every_provider(
    fake_settings_overrides: dict[str, Any], fake_jikan: RunningFake, fake_tmdb: RunningFake
) -> None:
    """fake_settings_overrides points each provider at its fake, with keys where needed."""
    assert fake_settings_overrides["providers.jikan.url"] == fake_jikan.api_url
    assert fake_settings_overrides["providers.tmdb.url"] == fake_tmdb.api_url
    assert fake_jikan.api_url.endswith("/v4")
    assert fake_settings_overrides["providers.fanart.api_key"]
    assert {key.split(".")[1] for key in fake_settings_overrides} == {
        "anilist", "jikan", "tvmaze", "tmdb", "fanart"}
    assert not any(key.endswith(".rate_scale") for key in fake_settings_overrides)


def test_loading_the_plugin_imports_no_server_library() -> None:
    """Importing the plugin (as every pytest run does) loads neither Starlette, uvicorn nor
    graphql-core, and warns about nothing."""
    code = ("import sys, aniworld_testing.pytest_plugin\n"
            "print(sorted(m for m in ('starlette', 'uvicorn', 'graphql') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""


def test_every_public_name_resolves() -> None:
    """Each name in aniworld_testing.__all__ imports, and unknown names raise."""
    import aniworld_testing as testing

    assert all(getattr(testing, name) is not None for name in testing.__all__)
    with pytest.raises(AttributeError):
        _ = testing.NoSuchThing
