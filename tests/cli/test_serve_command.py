"""``aniworld serve`` runs the web app with uvicorn, in a real process on a free port."""

from __future__ import annotations

import gc
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import pytest

from aniworld_cli.serve_command import SWITCH_INTERVAL, tune_for_serving

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
    port = free_port()
    command = [sys.executable, "-c", "from aniworld_cli import main; main()",
               "--data-dir", str(tmp_path / "data"), "serve", "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        ready = threading.Event()
        log: list[str] = []

        def watch() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                log.append(line)
                if "Application startup complete" in line:
                    ready.set()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        server = Server(f"http://127.0.0.1:{port}", process, log, watcher)
        try:
            assert ready.wait(START_TIMEOUT), "the server did not start: " + "".join(log)
            yield server
        finally:
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
    assert f"aniworld is at {url}/" in process.stdout.read()


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
