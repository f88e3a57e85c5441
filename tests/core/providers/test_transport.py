"""The clients' transport notices connections the server closed while they sat idle."""

from __future__ import annotations

import anyio
import httpcore
import httpx
import pytest
from anyio.abc import SocketStream
from httpcore._async.connection_pool import AsyncPoolRequest

from aniworld_core.providers.transport import http_transport

from .local_http import Requests

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
            if await Requests(stream).next() is not None:
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



class IdleConnection(httpcore.AsyncConnectionInterface):
    """A kept-alive connection to one origin, idle until a request starts on it (httpcore's
    connection interface, enough for the pool's walk)."""

    def __init__(self, origin: httpcore.Origin) -> None:
        self.origin = origin
        self.busy = False

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        raise NotImplementedError  # the walk only hands requests out

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self.origin

    def is_available(self) -> bool:
        return not self.busy

    def has_expired(self) -> bool:
        return False

    def is_idle(self) -> bool:
        return not self.busy

    def is_closed(self) -> bool:
        return False


def walk(limits: httpx.Limits, idle: int, queued: int
         ) -> tuple[list[IdleConnection | None], list[object], int]:
    """One walk of the pool over ``idle`` idle connections and ``queued`` new requests:
    which connection each request got, which connections the walk closes, how many remain."""
    pool = http_transport(limits)._pool
    url = httpcore.URL("http://127.0.0.1:8000/")
    connections = [IdleConnection(url.origin) for _ in range(idle)]
    pool._connections.extend(connections)
    requests = [AsyncPoolRequest(httpcore.Request("GET", url)) for _ in range(queued)]
    pool._requests.extend(requests)
    closing = pool._assign_requests_to_connections()
    return [request.connection for request in requests], closing, len(pool._connections)


async def test_a_walk_hands_each_idle_connection_to_one_request() -> None:
    """Three requests queued together while three connections sit idle get one each. (The
    connection stays idle until its request starts on it; httpcore's own walk hands the first
    idle connection to all three, and two of them fail and walk again: encode/httpcore#1110.)"""
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
    assigned, closing, remaining = walk(limits, idle=3, queued=3)
    assert len({id(connection) for connection in assigned}) == 3
    assert (closing, remaining) == ([], 3)


async def test_a_walk_does_not_close_a_connection_it_handed_out() -> None:
    """With the pool full and more requests waiting than connections, the idle connections go
    to the first requests, and none of them is closed to make room for the rest."""
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    assigned, closing, remaining = walk(limits, idle=2, queued=4)
    assert assigned[2:] == [None, None]
    assert len({id(connection) for connection in assigned[:2]}) == 2
    assert (closing, remaining) == ([], 2)


async def test_many_requests_at_once_each_take_a_connection_of_their_own() -> None:
    """Forty requests sent together over a pool of eight all get their answer: eight
    connections, each carrying one request at a time, every request sent once."""
    connections = 0
    requests_seen = 0
    in_flight = 0
    most_in_flight = 0
    release = anyio.Event()

    async def serve(stream: SocketStream) -> None:
        nonlocal connections, requests_seen, in_flight, most_in_flight
        connections += 1
        async with stream:
            requests = Requests(stream)
            while await requests.next() is not None:
                requests_seen += 1
                in_flight += 1
                most_in_flight = max(most_in_flight, in_flight)
                if requests_seen >= 8:
                    release.set()
                await release.wait()
                in_flight -= 1
                await stream.send(RESPONSE)

    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
    attempts = 0

    async def count(event: str, info: dict[str, object]) -> None:
        nonlocal attempts
        if event == "http11.send_request_headers.started":
            attempts += 1

    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener, \
            anyio.create_task_group() as tg, \
            httpx.AsyncClient(transport=http_transport(limits)) as client:
        tg.start_soon(listener.serve, serve)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        answers: list[str] = []

        async def get(number: int) -> None:
            response = await client.get(f"http://127.0.0.1:{port}/{number}",
                                        extensions={"trace": count})
            answers.append(response.text)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as requests:
                for number in range(40):
                    requests.start_soon(get, number)
        tg.cancel_scope.cancel()
    assert answers == ["ok"] * 40
    assert (connections, most_in_flight, requests_seen, attempts) == (8, 8, 40, 40)
