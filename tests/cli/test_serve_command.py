"""``aniworld serve`` runs the web app with uvicorn, in a real process on a free port."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from aniworld_cli.serve_command import SWITCH_INTERVAL, server_options, tune_for_serving
from aniworld_cli.serve_command import Server as ServeServer
from aniworld_core import ProviderRef, SeriesApp, Settings
from aniworld_core.auth import set_testing
from tests.cli.conftest import fake_env

START_TIMEOUT = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@attrs.frozen
class Server:
    url: str
    process: subprocess.Popen[str]
    log: list[str]
    watcher: threading.Thread

    def stop(self) -> int | None:
        """Ask the server to stop (SIGTERM to our own child), wait, and read the rest of its log."""
        self.process.terminate()
        code = self.process.wait(timeout=START_TIMEOUT)
        self.watcher.join(timeout=START_TIMEOUT)
        return code


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """``aniworld serve`` started as a child process; stopped (by its own PID) afterwards."""
    with serving(tmp_path / "data") as running:
        yield running


@contextlib.contextmanager
def serving(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``aniworld serve`` on a free port with ``env`` added to the environment, until the block
    ends (then stopped, if it still runs)."""
    port = free_port()
    command = [sys.executable, "-c", "from aniworld_cli import main; main()",
               "--data-dir", str(data_dir), "serve", "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, **(env or {})}) as process:
        ready = threading.Event()
        log: list[str] = []

        def watch() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                log.append(line)
                if "Uvicorn running on" in line:  # listening (after the app's startup)
                    ready.set()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        server = Server(f"http://127.0.0.1:{port}", process, log, watcher)
        try:
            assert ready.wait(START_TIMEOUT), "the server did not start: " + "".join(log)
            yield server
        finally:
            if process.poll() is None:
                server.stop()


def test_serve_answers_and_stops_cleanly(server: Server, tmp_path: Path) -> None:
    """The server answers health checks, offers setup to this machine, made its secret, and
    shuts down gracefully when asked to stop."""
    url, process = server.url, server.process
    assert httpx.get(f"{url}/api/health").json()["status"] == "ok"
    assert httpx.get(f"{url}/setup").status_code == 200
    assert httpx.get(f"{url}/api/series").status_code == 401
    assert (tmp_path / "data" / "session-secret").stat().st_mode & 0o777 == 0o600
    assert server.stop() in (0, -signal.SIGTERM)
    assert any("Application shutdown complete" in line for line in server.log)
    assert process.stdout is not None
    out = process.stdout.read()
    assert f"aniworld is at {url}/" in out
    assert "GET /api/health" not in out + "".join(server.log)  # a line per request: DEBUG only


def test_requests_are_logged_at_debug(tmp_path: Path) -> None:
    """With ``log_level = "DEBUG"`` every request gets a log line."""
    with serving(tmp_path / "data", {"ANIWORLD_LOG_LEVEL": "DEBUG"}) as server:
        assert httpx.get(f"{server.url}/api/health").status_code == 200
        server.stop()
        assert server.process.stdout is not None
        assert '"GET /api/health HTTP/1.1" 200' in server.process.stdout.read()


def web_app_for(settings: Settings) -> Any:
    from aniworld_web import create_app

    return create_app(settings)


def test_a_port_in_use_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    """``serve`` on a port something else listens on says so in one line and exits 1, before
    the loader (or anything that writes) starts: no database is made."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-c", "from aniworld_cli import main; main()",
             "--data-dir", str(tmp_path / "data"), "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=START_TIMEOUT, check=False,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: port {port} is in use; choose another --port or web.port"]
    assert not (tmp_path / "data" / "aniworld.db").exists()


def test_bad_port_is_a_one_line_error(tmp_path: Path) -> None:
    """A port outside 1–65535 is refused before anything starts."""
    result = subprocess.run(
        [sys.executable, "-c", "from aniworld_cli import main; main()",
         "--data-dir", str(tmp_path / "data"), "serve", "--port", "70000"],
        capture_output=True, text=True, timeout=START_TIMEOUT, check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error:")
    assert "web.port" in result.stderr


def test_serving_shortens_the_gil_switch_interval_and_freezes_startup_objects() -> None:
    """The server's process hands the GIL back to the event loop quickly and keeps what it
    started with out of full garbage collections (see ``tune_for_serving``)."""
    before = sys.getswitchinterval()
    try:
        tune_for_serving()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
        assert before > SWITCH_INTERVAL
        assert gc.get_freeze_count() > 0
    finally:
        sys.setswitchinterval(before)
        gc.unfreeze()


def closed(connection: ClientConnection) -> bool:
    """Read what the server sent before it closed the WebSocket; ``True`` once it has."""
    try:
        while True:
            connection.recv(timeout=START_TIMEOUT)
    except ConnectionClosed:
        return True


def prepared(data_dir: Path) -> str:
    """A data dir holding an API key (returned) and a series queued to load."""

    async def prepare() -> str:
        set_testing(True)
        try:
            async with SeriesApp.open(Settings(data_dir=data_dir), loader=False) as app:
                await app.add_series(provider_ref=ProviderRef("anilist", "1"))
                return await app.accounts.create_api_key("watcher")
        finally:
            set_testing(False)

    return anyio.run(prepare)


def test_stops_with_live_streams_open(tmp_path: Path, fakes: Any) -> None:
    """With a WebSocket and an event stream open and a load stuck mid-step, the server stops
    when told to: the streams end instead of holding the shutdown up,
    and the load in flight is left to resume. (How long it takes is measured, not asserted:
    that depends on the machine; :func:`test_live_streams_end_when_shutdown_begins` proves the
    streams never wait for uvicorn's graceful timeout.)"""
    key = prepared(tmp_path / "data")
    fakes.jikan.options.latency = 60  # the episodes step waits for it: a load in flight
    env = {**fake_env(fakes), "ANIWORLD_LOADER_SHUTDOWN_GRACE": "1"}
    auth = {"Authorization": f"Bearer {key}"}
    with serving(tmp_path / "data", env) as server, \
            connect(server.url.replace("http", "ws") + "/ws", additional_headers=auth,
                    open_timeout=START_TIMEOUT) as socket_, \
            httpx.Client(timeout=START_TIMEOUT) as client, \
            client.stream("GET", f"{server.url}/api/events", headers=auth) as stream:
        while json.loads(socket_.recv(timeout=START_TIMEOUT)).get("status") != \
                "loading_episodes":
            pass
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        server.process.terminate()
        assert server.process.wait(timeout=START_TIMEOUT) in (0, -signal.SIGTERM)
        for _ in lines:  # what was sent before it ended; then the event stream has ended
            pass
        assert closed(socket_)
        assert socket_.close_code in (1001, 1012)  # going away / service restart
    assert any("Application shutdown complete" in line for line in server.log)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # uvicorn runs on asyncio only
async def test_live_streams_end_when_shutdown_begins(tmp_path: Path, anyio_backend: str) -> None:
    """aniworld's server ends open event streams as its shutdown begins: with uvicorn's graceful
    timeout an hour long, it still stops (at once) while a client keeps an event stream open,
    where uvicorn's own server would wait the hour for the stream to end."""
    key = await anyio.to_thread.run_sync(prepared, tmp_path / "data")
    settings = Settings(data_dir=tmp_path / "data", load_entry_points=False)
    port = free_port()
    config = uvicorn.Config(web_app_for(settings), host="127.0.0.1", port=port,
                            log_level="warning",
                            **{**server_options(), "timeout_graceful_shutdown": 3600})
    started = anyio.Event()

    class Watched(ServeServer):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            started.set()

    server = Watched(config)
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(server.serve)
        with anyio.fail_after(START_TIMEOUT):
            await started.wait()
        async with httpx.AsyncClient(timeout=START_TIMEOUT) as client, client.stream(
                "GET", f"http://127.0.0.1:{port}/api/events",
                headers={"Authorization": f"Bearer {key}"}) as stream:
            lines = stream.aiter_lines()
            assert (await lines.__anext__()).startswith("retry:")
            server.should_exit = True
            with anyio.fail_after(START_TIMEOUT):  # an hour if the stream held it up
                async for _ in lines:
                    pass
    assert not server.force_exit
