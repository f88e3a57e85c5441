"""A provider that is down (its circuit breaker open) in the page footer and in Prometheus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import attrs
import pytest

from aniworld_core import ProviderRef, Settings
from aniworld_web import create_app

from .conftest import Web, keyed_client, log_in
from .test_metrics import scrape, value

pytestmark = pytest.mark.anyio


@pytest.fixture
async def jikan_down(fake_settings: Settings, fakes: Any) -> AsyncIterator[Web]:
    """The app with its loader after Jikan failed every request until it was marked down."""
    fakes.jikan.options.error_rate = 1.0
    settings = attrs.evolve(fake_settings,
                            loader=attrs.evolve(fake_settings.loader, breaker_failures=2))
    app = create_app(settings, loader=True)
    async with app.router.lifespan_context(app) as state:
        web = Web(app, dict(state))
        await web.core.add_series(provider_ref=ProviderRef("anilist", "1"))
        with anyio.fail_after(60):
            await web.core.wait_idle()
        yield web


async def test_prometheus_says_which_provider_is_down(jikan_down: Web) -> None:
    """The scrape has ``aniworld_provider_down`` 1 for Jikan (0 for AniList) and counts the
    time it went down."""
    async with keyed_client(jikan_down) as client:
        families = await scrape(client)
    process = jikan_down.core.process_id
    down = families["aniworld_provider_down"]
    assert value(down, "aniworld_provider_down", provider="jikan", process=process) == 1
    assert value(down, "aniworld_provider_down", provider="anilist", process=process) == 0
    assert value(families["aniworld_provider_times_down"], "aniworld_provider_times_down_total",
                 provider="jikan", process=process) == 1


async def test_the_footer_says_a_provider_is_down(jikan_down: Web) -> None:
    """Every page's status line names a provider that is down, why, and when it is checked
    next."""
    await jikan_down.user()
    async with jikan_down.client() as client:
        await log_in(client)
        page = await client.get("/")
    assert page.status_code == 200
    footer = page.text.split('<span id="notice">', 1)[1].split("</span>", 1)[0]
    assert footer.startswith("Jikan (MyAnimeList) is down: ")
    assert "next check <time datetime=" in footer
