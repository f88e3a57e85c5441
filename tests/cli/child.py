"""``aniworld`` as a real child process whose output a test reads line by line, with timeouts,
to act at the right moment (send a signal once progress has started) without sleeping."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO

TIMEOUT = 60
COMMAND = [sys.executable, "-c", "from aniworld_cli import main; main()"]


class Child:
    """The process, its stdout lines as they come, and all of stderr at the end."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, matches: Callable[[str], bool], timeout: float = TIMEOUT) -> str:
        """The first new stdout line that ``matches``; fails on end of output or timeout."""
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no matching line in {timeout} s: {self.lines}") from None
            if line is None:
                raise AssertionError(f"output ended without a matching line: {self.lines}")
            self.lines.append(line)
            if matches(line):
                return line

    def send(self, number: signal.Signals) -> None:
        self.process.send_signal(number)

    def finish(self, timeout: float = TIMEOUT) -> tuple[int, list[str], str]:
        """Wait for the exit: status, every stdout line, stderr."""
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        while (line := self._queue.get_nowait()) is not None:
            self.lines.append(line)
        assert self.process.stderr is not None
        return code, self.lines, self.process.stderr.read()


@contextmanager
def aniworld(args: Sequence[str], env: dict[str, str]) -> Iterator[Child]:
    """Start ``aniworld ARGS`` with ``env`` added to this environment; killed (by its own PID)
    if the test leaves it running."""
    with subprocess.Popen([*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env={**os.environ, **env}) as process:
        try:
            yield Child(process)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=TIMEOUT)
