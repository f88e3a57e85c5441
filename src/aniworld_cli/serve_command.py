"""``serve``: run the web UI and API with uvicorn."""

from __future__ import annotations

import gc
import ipaddress
import logging
import sys
from collections.abc import Callable
from typing import Any

import click
import uvicorn
from uvicorn.importer import import_from_string

from aniworld_cli.main import CliContext, cli, pass_context
from aniworld_core import Settings

#: The web app, named as uvicorn's command line names it (``uvicorn --factory ...``): the CLI
#: never imports the web package, it only starts it.
WEB_APP = "aniworld_web:create_app"
#: Seconds open connections (live streams) get to finish when the server stops.
SHUTDOWN_GRACE = 5
#: Event messages are a few hundred bytes; compressing each for every client costs more
#: latency than the bytes it saves (it doubled the p99 to 100 clients in benchmarks/web.py).
WS_DEFLATE = False
#: uvicorn's WebSocket protocol plus a way to send a burst of events in one write (see
#: ``aniworld_web.live_protocol``), named as uvicorn's ``--ws`` option names one.
WS_PROTOCOL = "aniworld_web.live_protocol:LiveWebSocketProtocol"
#: Seconds a thread may keep the GIL while another waits for it (Python's default: 0.005).
SWITCH_INTERVAL = 0.0002


def server_options() -> dict[str, Any]:
    """What every uvicorn server of aniworld's is configured with, besides app and address."""
    return {"ws": WS_PROTOCOL, "ws_per_message_deflate": WS_DEFLATE,
            "timeout_graceful_shutdown": SHUTDOWN_GRACE}


@cli.command()
@click.option("--host", metavar="ADDRESS",
              help="Address to listen on [default: web.host in the settings, 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [default: web.port, 8000].")
@pass_context
def serve(obj: CliContext, host: str | None, port: int | None) -> None:
    """Serve the web UI and the JSON API until interrupted (Ctrl+C)."""
    if host is not None:
        obj.overrides["web.host"] = host
    if port is not None:
        obj.overrides["web.port"] = port
    settings = obj.call(obj.settings)
    logging.getLogger().setLevel(settings.log_level)
    app = web_app(obj, settings)
    tune_for_serving()
    host, port = settings.web.host, settings.web.port
    if not _is_loopback(host):
        obj.err.print(f"[yellow]Listening on {host}, not just this machine: put aniworld "
                      "behind an HTTPS reverse proxy before exposing it.[/]", markup=True)
    obj.out.print(f"aniworld is at http://{'[' + host + ']' if ':' in host else host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(),
                proxy_headers=True, **server_options())


def web_app(obj: CliContext, settings: Settings) -> Any:
    """The web app (an ASGI app) over ``settings``, without importing the web package here."""
    create_app: Callable[..., Any] = import_from_string(WEB_APP)
    return obj.call(lambda: create_app(settings))


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
