"""The clients' transport notices connections the server closed while they sat idle."""

from __future__ import annotations

import anyio
import httpx
import pytest
from anyio.abc import SocketStream

from aniworld_core.providers.transport import http_transport

pytestmark = pytest.mark.anyio

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


async def test_a_connection_the_server_closed_is_not_reused() -> None:
    """The server answers once per connection and then hangs up, though it promised keep-alive
    (as servers do when their idle timeout ends). The second request must go out on a new
    connection instead of failing on the dead one."""
    connections = 0
    hung_up = anyio.Event()

    async def answer_once(stream: SocketStream) -> None:
        nonlocal connections
        connections += 1
        async with stream:
            request = b""
            while b"\r\n\r\n" not in request:
                request += await stream.receive()
            await stream.send(RESPONSE)
        hung_up.set()

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener, \
            anyio.create_task_group() as tg, \
            httpx.AsyncClient(transport=http_transport(limits)) as client:
        tg.start_soon(listener.serve, answer_once)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        with anyio.fail_after(10):
            first = await client.get(f"http://127.0.0.1:{port}/one")
            await hung_up.wait()
            second = await client.get(f"http://127.0.0.1:{port}/two")
        tg.cancel_scope.cancel()
    assert (first.text, second.text, connections) == ("ok", "ok", 2)
