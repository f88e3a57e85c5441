"""aniworld's pytest plugin: fake metadata services as fixtures.

Installing aniworld registers it (entry point ``pytest11``: ``aniworld``); ``-p no:aniworld``
turns it off. Loading it imports nothing heavy: the servers start the first time a test asks for
one of these fixtures, and run on 127.0.0.1 for the rest of the session.

Fixtures (function scope; the servers behind them are shared by the session and reset before
and after every test that uses them, so a test's knobs and request record never leak):

``fake_anilist``, ``fake_jikan``, ``fake_tvmaze``, ``fake_tmdb``, ``fake_fanart``, ``fake_images``
    A :class:`~aniworld_testing.RunningFake`: ``.url`` (server root), ``.api_url`` (with
    the API prefix: what ``providers.<name>.url`` takes), ``.app`` (the ASGI app, to mount with
    ``httpx.ASGITransport`` instead), ``.options`` (:class:`~aniworld_testing.FakeOptions`,
    change freely), ``.stats`` (:class:`~aniworld_testing.RequestStats`), ``.dataset``,
    ``.reset()`` and ``.client()`` (an ``httpx.AsyncClient`` on ``api_url``). Artwork URLs in
    their responses point at ``fake_images``.

``fake_bundle``
    The :class:`~aniworld_testing.FakeBundle` holding all six, every one reset.

``fake_settings_overrides``
    ``dict`` for ``Settings.load(overrides=...)`` that points every provider at the fakes
    (``providers.<name>.url``, plus an ``api_key`` for TMDB and fanart.tv).

``fake_files``
    The :class:`~aniworld_testing.FakeFileServer` (a real loopback socket), emptied: add files
    with ``fake_files.add(name, size, **knobs)``, read ``fake_files.records``.

``aniworld_isolated_environment``
    No test reads the developer's data dir or their ``ANIWORLD_*`` variables (those starting
    ``ANIWORLD_TEST_`` stay). Not autouse: ask for it from an autouse fixture of your own.

``aniworld_instant_retries``
    Retries keep their number of attempts (4) but lose their backoff (stamina's testing mode).

Example::

    pytestmark = pytest.mark.anyio

    async def test_my_provider_backs_off(fake_anilist):
        fake_anilist.options.force_429(1, retry_after=1)
        ...  # call your provider with url=fake_anilist.api_url
        assert fake_anilist.stats.count_429 == 1
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from aniworld_testing import FakeBundle, FakeFileServer, RunningFake


@pytest.fixture(scope="session")
def aniworld_fake_servers() -> Iterator[FakeBundle]:
    """Every fake, served on 127.0.0.1 for the whole session (use the function fixtures)."""
    from aniworld_testing import FakeBundle

    with FakeBundle() as bundle:
        yield bundle


def _fresh(bundle: FakeBundle, name: str) -> Iterator[RunningFake]:
    fake = bundle.fakes[name]
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture
def fake_bundle(aniworld_fake_servers: FakeBundle) -> Iterator[FakeBundle]:
    """All fakes and the image host, reset."""
    aniworld_fake_servers.reset()
    yield aniworld_fake_servers
    aniworld_fake_servers.reset()


@pytest.fixture
def fake_anilist(aniworld_fake_servers: FakeBundle) -> Iterator[RunningFake]:
    """The fake AniList GraphQL API, reset."""
    yield from _fresh(aniworld_fake_servers, "anilist")


@pytest.fixture
def fake_jikan(aniworld_fake_servers: FakeBundle) -> Iterator[RunningFake]:
    """The fake Jikan v4 API (``api_url`` ends in ``/v4``), reset."""
    yield from _fresh(aniworld_fake_servers, "jikan")


@pytest.fixture
def fake_tvmaze(aniworld_fake_servers: FakeBundle) -> Iterator[RunningFake]:
    """The fake TVmaze API, reset."""
    yield from _fresh(aniworld_fake_servers, "tvmaze")


@pytest.fixture
def fake_tmdb(aniworld_fake_servers: FakeBundle) -> Iterator[RunningFake]:
    """The fake TMDB v3 API (``api_url`` ends in ``/3``), reset."""
    yield from _fresh(aniworld_fake_servers, "tmdb")


@pytest.fixture
def fake_fanart(aniworld_fake_servers: FakeBundle) -> Iterator[RunningFake]:
    """The fake fanart.tv v3 API (``api_url`` ends in ``/v3``), reset."""
    yield from _fresh(aniworld_fake_servers, "fanart")


@pytest.fixture
def fake_images(aniworld_fake_servers: FakeBundle) -> Iterator[RunningFake]:
    """The fake image host every artwork URL points at, reset."""
    yield from _fresh(aniworld_fake_servers, "images")


@pytest.fixture
def fake_settings_overrides(fake_bundle: FakeBundle) -> dict[str, Any]:
    """Settings overrides pointing every provider at the (reset) fakes."""
    return fake_bundle.settings_overrides()


@pytest.fixture
def aniworld_isolated_environment(tmp_path_factory: pytest.TempPathFactory,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Private XDG data and config dirs, and no ``ANIWORLD_*`` variables but ``ANIWORLD_TEST_*``."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    for name in list(os.environ):
        if name.startswith("ANIWORLD_") and not name.startswith("ANIWORLD_TEST_"):
            monkeypatch.delenv(name)


@pytest.fixture
def aniworld_instant_retries() -> Iterator[None]:
    """Retries keep their number of attempts but lose their backoff."""
    import stamina

    with stamina.set_testing(True, attempts=4, cap=True):
        yield


@pytest.fixture(scope="session")
def aniworld_fake_file_server() -> Iterator[FakeFileServer]:
    """The fake file server on 127.0.0.1 for the whole session (use ``fake_files``)."""
    from aniworld_testing import FakeFileServer

    with FakeFileServer() as server:
        yield server


@pytest.fixture
def fake_files(aniworld_fake_file_server: FakeFileServer) -> Iterator[FakeFileServer]:
    """The fake file server with no files, no records and no server-wide knobs."""
    aniworld_fake_file_server.reset()
    yield aniworld_fake_file_server
    aniworld_fake_file_server.reset()
