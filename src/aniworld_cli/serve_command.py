"""``serve``: run the web UI and API with uvicorn."""

from __future__ import annotations

import gc
import ipaddress
import logging
import socket
import sys
from collections.abc import Callable
from typing import Any

import click
import uvicorn
from uvicorn.importer import import_from_string

from aniworld_cli.listening import listen_on
from aniworld_cli.main import CliContext, cli, pass_context, set_log_level
from aniworld_core import Settings

#: The web app, named as uvicorn's command line names it (``uvicorn --factory ...``): the CLI
#: never imports the web package, it only starts it.
WEB_APP = "aniworld_web:create_app"
#: What the web app's lifespan state offers a server to call as it starts shutting down (see
#: ``aniworld_web.state.BEGIN_SHUTDOWN``): its live streams end then.
BEGIN_SHUTDOWN = "begin_shutdown"
#: Seconds requests in flight get to finish when the server stops. Live streams end at once
#: (:class:`Server`), so this only waits for ordinary requests; it is short because the loader's
#: own grace (``loader.shutdown_grace``) comes after it and the whole stop must take at most
#: that grace and a second.
SHUTDOWN_GRACE = 0.5
#: Event messages are a few hundred bytes; compressing each for every client costs more
#: latency than the bytes it saves (it doubled the p99 to 100 clients in benchmarks/web.py).
WS_DEFLATE = False
#: uvicorn's WebSocket protocol plus a way to send a burst of events in one write (see
#: ``aniworld_web.live_protocol``), named as uvicorn's ``--ws`` option names one.
WS_PROTOCOL = "aniworld_web.live_protocol:LiveWebSocketProtocol"
#: Seconds a thread may keep the GIL while another waits for it (Python's default: 0.005).
SWITCH_INTERVAL = 0.0002
#: The exit status when the server could not start (as ``uvicorn.run`` has it).
STARTUP_FAILURE = 3


def server_options() -> dict[str, Any]:
    """What every uvicorn server of aniworld's is configured with, besides app and address.

    uvicorn's own proxy headers are off: by default it would believe ``X-Forwarded-For`` from
    any loopback peer. The app believes them from ``web.trusted_proxies`` only."""
    return {"ws": WS_PROTOCOL, "ws_per_message_deflate": WS_DEFLATE,
            "timeout_graceful_shutdown": SHUTDOWN_GRACE, "proxy_headers": False}


class Server(uvicorn.Server):
    """uvicorn's server that tells the app the moment it starts shutting down, so the app's
    live streams (WebSockets, server-sent events) end then instead of holding the shutdown up
    until uvicorn's graceful timeout (an event stream never ends on its own)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if sockets and self.started:
            # uvicorn says where it listens only when it made the socket itself.
            host, port = sockets[0].getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            logging.getLogger("uvicorn.error").info(
                "Uvicorn running on http://%s:%d (Press CTRL+C to quit)", shown, port)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # first no new connections, then end the open streams
        state = getattr(getattr(self, "lifespan", None), "state", None) or {}
        begin = state.get(BEGIN_SHUTDOWN)
        if callable(begin):
            begin()
        await super().shutdown(sockets)


@cli.command()
@click.option("--host", metavar="ADDRESS",
              help="Address to listen on [default: web.host in the settings, 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [default: web.port, 8000].")
@click.option("--no-jobs", is_flag=True,
              help="Run no jobs here (no loading, downloads, schedules or watching): what "
                   "this process queues is run by `aniworld worker` processes on the same "
                   "database.")
@pass_context
def serve(obj: CliContext, host: str | None, port: int | None, no_jobs: bool) -> None:
    """Serve the web UI and the JSON API until interrupted (Ctrl+C)."""
    if host is not None:
        obj.overrides["web.host"] = host
    if port is not None:
        obj.overrides["web.port"] = port
    settings = obj.call(obj.settings)
    set_log_level(settings.log_level)
    host, port = settings.web.host, settings.web.port
    # The port first: in use, that is one line before the loader (in the app's lifespan) starts.
    sock = listen_on(host, port, hint="; choose another --port or web.port")
    app = web_app(obj, settings, jobs=not no_jobs)
    tune_for_serving()
    if not _is_loopback(host):
        obj.err.print(f"[yellow]Listening on {host}, not just this machine: put aniworld "
                      "behind an HTTPS reverse proxy before exposing it.[/]", markup=True)
    if not _is_loopback(host) and not settings.web.allowed_hosts:
        obj.err.print("[yellow]Only requests naming localhost or this address are answered: "
                      "put the names people use (media.example.org, 192.168.1.20) in "
                      "web.allowed_hosts.[/]", markup=True)
    obj.out.print(f"aniworld is at http://{'[' + host + ']' if ':' in host else host}:{port}/")
    server = Server(uvicorn.Config(app, host=host, port=port,
                                   log_level=settings.log_level.lower(),
                                   # A line per request is for debugging, not for every day.
                                   access_log=settings.log_level == "DEBUG",
                                   **server_options()))
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def web_app(obj: CliContext, settings: Settings, *, jobs: bool = True) -> Any:
    """The web app (an ASGI app) over ``settings``, without importing the web package here;
    ``jobs=False``: it runs no jobs (another process does)."""
    create_app: Callable[..., Any] = import_from_string(WEB_APP)
    return obj.call(lambda: create_app(settings, loader=jobs))


def tune_for_serving() -> None:
    """Ready this process to serve: one event loop answering pages while the database work runs
    in a worker thread.

    What exists now (imported modules, the app) lives as long as the process, yet every full
    garbage collection would walk it all again: with the web stack loaded that stopped the
    server for 50-70 ms at a time while pages waited for their events. Frozen, it is out of the
    collector's sight. (The console script froze the modules as it started; this adds the app
    and what it imported, and does it all for ``benchmarks/web.py``, which starts its server
    without the console script.)

    Every write to a page releases the GIL, and while the database thread is busy it takes the
    GIL each time: the event loop then waits for its next turn, measured at ~0.6 ms a write,
    so one event to a hundred pages took 15 ms instead of 4. A shorter switch interval makes
    those turns short (benchmarks/web.py: WebSocket p99 7-8 ms instead of 8-16 ms, POSTs no
    slower)."""
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
