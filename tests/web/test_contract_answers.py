"""What the web adapter answers for the core's contracts: a provider nobody installed is 422, a
title already in the library is 409 naming the series, and the series page offers the entry
picker by the series' ``needs_choice``, never by its error's wording."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from aniworld_core.storage.tables import SeriesRow

from .conftest import Web
from .test_pages import HTML, logged_in

pytestmark = pytest.mark.anyio


async def test_a_provider_that_does_not_exist_is_422(script: httpx.AsyncClient,
                                                     web: Web) -> None:
    """Adding or identifying by provider "nope" answers 422 saying no provider is called that,
    and nothing is stored."""
    added = await script.post("/api/series", json={"title": "Trigun", "provider": "nope",
                                                   "id": 1})
    assert added.status_code == 422
    assert added.json()["error"]["message"] == "No provider is called 'nope'."
    assert await web.core.list_series() == []
    series = await web.core.add_series("Trigun")
    chosen = await script.post(f"/api/series/{series.id}/identify",
                               json={"provider": "nope", "id": 6})
    assert chosen.status_code == 422
    assert (await web.core.get_series(series.id)).ids.to_dict() == {}


async def test_a_title_already_in_the_library_is_409(script: httpx.AsyncClient,
                                                     web: Web) -> None:
    """Adding a title the library has answers 409 naming that series and its id."""
    first = await web.core.add_series("Cowboy Bebop", year=1998)
    again = await script.post("/api/series", json={"title": "cowboy bebop"})
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "series_exists"
    assert error["message"].startswith("'Cowboy Bebop' is already in the library")
    assert error["series_id"] == first.id


async def failed(web: Web, series_id: str, error: str, *, needs_choice: bool) -> None:
    """Leave the series failed with ``error``, needing the user's choice or not."""

    def write(session: Session) -> None:
        session.execute(update(SeriesRow).where(SeriesRow.id == series_id).values(
            loading_status="failed", loading_error=error, needs_choice=needs_choice))

    await web.core._database.session(write)


async def test_the_picker_opens_by_the_flag_not_the_wording(web: Web) -> None:
    """A failure that needs the user's choice opens the panel to pick the series whatever its
    message says; one that does not, even worded "Identify: ...", leaves it closed."""
    choice = await web.core.add_series("Something Nobody Knows")
    other = await web.core.add_series("Something Else")
    await failed(web, choice.id, "Picked nothing yet", needs_choice=True)
    await failed(web, other.id, "Identify: no metadata provider is available",
                 needs_choice=False)
    async with logged_in(web) as client:
        asking = (await client.get(f"/series/{choice.id}", headers=HTML)).text
        not_asking = (await client.get(f"/series/{other.id}", headers=HTML)).text
    assert '<details id="identify-details" open>' in asking
    assert '<details id="identify-details">' in not_asking
