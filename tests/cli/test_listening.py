"""The port a server will use is taken before anything starts; a port in use is one plain
line."""

from __future__ import annotations

import socket

import click
import pytest

from aniworld_cli.listening import listen_on


def test_a_port_in_use_is_named_in_one_line() -> None:
    """Listening where something else listens fails with "port N is in use" (and the hint)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(click.ClickException) as caught:
            listen_on("127.0.0.1", port, hint="; choose another --port")
    assert caught.value.message == f"port {port} is in use; choose another --port"


def test_a_free_port_is_listening_before_the_server_starts() -> None:
    """The socket returned already accepts connections (they wait until the server takes
    them), on IPv4 and IPv6 loopback alike."""
    for host in ("127.0.0.1", "::1"):
        try:
            sock = listen_on(host, 0)
        except click.ClickException:
            assert host == "::1"  # a machine without IPv6
            continue
        with sock, socket.create_connection(sock.getsockname()[:2], timeout=5):
            assert sock.proto == socket.IPPROTO_TCP
