"""``aniworld_web.live_protocol`` subclasses uvicorn's private ``websockets-sansio`` protocol,
so aniworld depends on a range of uvicorn versions it was tested with (``pyproject.toml``).
A uvicorn outside that range fails here, loudly, before anything subtler can."""

from __future__ import annotations

import importlib.metadata
import inspect
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from aniworld_web.live_protocol import LiveWebSocketProtocol

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
#: What LiveWebSocketProtocol uses of uvicorn's protocol besides the methods it overrides.
USED_STATE = ("handshake_initiated", "handshake_complete", "close_sent", "initial_response",
              "disconnected", "writable", "transport", "conn", "scope")


def pinned() -> SpecifierSet:
    """The uvicorn versions ``pyproject.toml`` allows."""
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    (uvicorn,) = [Requirement(line) for line in dependencies
                  if Requirement(line).name == "uvicorn"]
    return uvicorn.specifier


def test_uvicorn_is_pinned_to_a_tested_range() -> None:
    """The dependency on uvicorn has an upper bound: a new uvicorn is taken only once the live
    protocol has been checked against it."""
    assert any(spec.operator in ("<", "<=", "==", "~=") for spec in pinned())


def test_the_installed_uvicorn_is_one_the_live_protocol_was_tested_with() -> None:
    """The installed uvicorn is inside the pinned range."""
    installed = importlib.metadata.version("uvicorn")
    assert pinned().contains(installed, prereleases=True), (
        f"uvicorn {installed} is outside {pinned()}, the versions aniworld_web/live_protocol.py "
        "was tested with: it subclasses uvicorn's private WebSocketsSansIOProtocol. Check "
        "handle_connect, send and the state it reads still work the same (tests/web/"
        "test_live_protocol.py), then move the pin in pyproject.toml.")


def test_what_the_live_protocol_relies_on_is_still_there() -> None:
    """uvicorn's protocol still has the methods the live protocol overrides (with the same
    parameters) and sets the state it reads."""
    for name in ("handle_connect", "send"):
        ours = inspect.signature(getattr(LiveWebSocketProtocol, name))
        theirs = inspect.signature(getattr(WebSocketsSansIOProtocol, name))
        assert list(ours.parameters) == list(theirs.parameters), name
    source = "".join(inspect.getsource(cls) for cls in WebSocketsSansIOProtocol.__mro__
                     if cls.__module__.startswith("uvicorn."))
    missing = [name for name in USED_STATE if f"self.{name} =" not in source
               and f"self.{name}:" not in source]
    assert missing == []
