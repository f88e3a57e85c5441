"""Several real ``aniworld`` processes on one data dir and one database, as a deployment runs
them (``aniworld worker``, ``aniworld serve --no-jobs``...), for tests and benchmarks:

    with postgres_schema(url) as database_url, RemoteBundle(rate_limit_scale=10) as fakes:
        deployment = Deployment(tmp_path / "data", database_url=database_url,
                                settings=fakes.settings_overrides(), library=[tmp_path / "lib"])
        deployment.run("user", "set-password", "admin", input="pw\\npw\\n")
        with deployment:
            web = deployment.start_web()
            worker = deployment.start_worker()
            httpx.post(web.url + "/api/series", ...)

Settings go into the data dir's ``aniworld.toml``, which every process reads. Each process
writes its stdout and stderr to a log file in the data dir (a pipe nobody reads would stall a
chatty process). Leaving the ``with`` block stops every process still running (SIGTERM, then
SIGKILL after a grace period), each by its own PID.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

#: The ``aniworld`` command, run by this Python.
COMMAND = (sys.executable, "-c", "from aniworld_cli import main; main()")
#: Seconds to wait for a process to start or stop (a hang guard on a busy machine).
STARTUP = 60.0


class ProcessFailed(AssertionError):
    """A process ended, or never got ready, while it was needed; the message has its log."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def toml_text(settings: Mapping[str, Any]) -> str:
    """Dotted settings keys (``"providers.anilist.url"``) as a TOML document."""
    sections: dict[str, list[str]] = {}
    for key, value in settings.items():
        section, _, name = key.rpartition(".")
        sections.setdefault(section, []).append(f"{name} = {_toml_value(value)}")
    blocks = ["\n".join(sections.pop("", []))]
    blocks += [f"[{section}]\n" + "\n".join(lines) for section, lines in sections.items()]
    return "\n\n".join(block for block in blocks if block) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


class AniworldProcess:
    """One running ``aniworld`` command: its PID, log file, and (for ``serve``) its URL."""

    def __init__(self, args: Sequence[str], *, data_dir: Path, env: Mapping[str, str],
                 log: Path, port: int | None = None) -> None:
        self.args = list(args)
        self.log_path = log
        self.url = f"http://127.0.0.1:{port}" if port is not None else None
        self.terminated = False
        with log.open("wb") as output:
            self.popen = subprocess.Popen(
                [*COMMAND, "--data-dir", str(data_dir), *args], stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **env})

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = STARTUP) -> None:
        """Ask ``ready()`` until it is true; fail with the log if the process ends first or
        ``timeout`` passes (a hang guard, not a timing assertion)."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.popen.poll() is not None:
                raise ProcessFailed(f"aniworld {' '.join(self.args)} ended "
                                    f"({self.popen.returncode}) before {what}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise ProcessFailed(f"aniworld {' '.join(self.args)}: not {what} after "
                                    f"{timeout:.0f} s:\n{self.log()}")
            time.sleep(0.05)

    def ready(self) -> None:
        """Return once the process is ready: a web server answers, a worker runs jobs."""
        if self.url is not None:
            self.wait_until(self.serving, "serving")
        else:
            self.wait_until(lambda: "runs jobs" in self.log(), "running jobs")

    def serving(self) -> bool:
        assert self.url is not None
        try:
            return httpx.get(self.url + "/api/health", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self, grace: float = STARTUP) -> int:
        """SIGTERM, then SIGKILL if it is still running after ``grace`` seconds; the status.
        (One SIGTERM: a second one tells aniworld to quit at once.)"""
        if self.popen.poll() is None and not self.terminated:
            self.terminate()
        try:
            return self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.popen.kill()
        return self.popen.wait()

    def terminate(self) -> None:
        self.terminated = True
        self.popen.send_signal(signal.SIGTERM)


class Deployment:
    """``aniworld`` processes sharing ``data_dir`` (its settings and secrets) and a database."""

    def __init__(self, data_dir: Path, *, database_url: str | None = None,
                 settings: Mapping[str, Any] | None = None, library: Sequence[Path] = (),
                 env: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.processes: list[AniworldProcess] = []
        values = dict(settings or {})
        if database_url is not None:
            values["database_url"] = database_url
        if library:
            values["library"] = [str(folder) for folder in library]
            for folder in library:
                folder.mkdir(parents=True, exist_ok=True)
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "aniworld.toml").write_text(toml_text(values), encoding="utf-8")

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """``aniworld ARGS`` to its end (setting a password, creating an API key...)."""
        done = subprocess.run([*COMMAND, "--data-dir", str(self.data_dir), *args], input=input,
                              capture_output=True, text=True, env={**os.environ, **self.env},
                              timeout=STARTUP, check=False)
        if done.returncode != 0:
            raise ProcessFailed(f"aniworld {' '.join(args)} failed ({done.returncode}):\n"
                                f"{done.stdout}{done.stderr}")
        return done

    def start(self, *args: str, port: int | None = None) -> AniworldProcess:
        name = f"{args[0]}-{len(self.processes) + 1}.log"
        process = AniworldProcess(args, data_dir=self.data_dir, env=self.env,
                                  log=self.data_dir / name, port=port)
        self.processes.append(process)
        return process

    def start_worker(self, *, wait: bool = True) -> AniworldProcess:
        """``aniworld worker``; ``wait``: return once it says it runs jobs."""
        worker = self.start("worker")
        if wait:
            worker.ready()
        return worker

    def start_web(self, *, jobs: bool = False, wait: bool = True) -> AniworldProcess:
        """``aniworld serve`` (``--no-jobs`` unless ``jobs``) on a free port; ``wait``: return
        once it answers."""
        port = free_port()
        web = self.start("serve", "--port", str(port), *([] if jobs else ["--no-jobs"]),
                         port=port)
        if wait:
            web.ready()
        return web

    def stop(self) -> dict[int, int]:
        """Stop every process still running; each one's exit status by PID."""
        for process in self.processes:
            if process.popen.poll() is None and not process.terminated:
                process.terminate()
        return {process.pid: process.stop() for process in self.processes}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
