"""A show with seasons through the API and the series and library pages: a library scanned from
disk and loaded against the fake providers by the real app."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import pytest

from aniworld_core import Settings
from aniworld_web import create_app
from tests.show_files import regular_seasons, season_folders, touch

from .conftest import Web, keyed_client, log_in
from .schema_check import answer_schema, problems

pytestmark = pytest.mark.anyio

HTML = {"Accept": "text/html"}
#: Mob Psycho 100 on AniList: three TV entries, one season each, in the fake dataset.
MOB_PSYCHO = 21507
#: The AniList entries of Mob Psycho 100's three seasons in the fake dataset.
ENTRIES = [str(MOB_PSYCHO), "101338", "140439"]
#: A file naming a season the show does not have, with markup in its name.
UNPLACED = "Season 04/Mob <i>Psycho 100 - S04E01.mkv"


@attrs.frozen
class Shows:
    web: Web
    client: httpx.AsyncClient
    #: Series ids by title.
    ids: dict[str, str]
    library: Path

    async def detail(self, title: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/series/{self.ids[title]}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def page(self, path: str) -> str:
        response = await self.client.get(path, headers=HTML)
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture
async def shows(fake_settings: Settings, tmp_path: Path, fakes: Any) -> AsyncIterator[Shows]:
    """Mob Psycho 100 in season folders: season 1 without episode 3, season 3 with only its
    first episode, and a file naming a season 4; its second season in a folder of its own
    ("Mob Psycho 100 II", episodes 1 and 2). Scanned and loaded; a logged-in browser session."""
    assert [len(regular_seasons(fakes, MOB_PSYCHO)[n]) for n in (1, 2, 3)] == [12, 13, 12]
    library = tmp_path / "library"
    season_folders(library / "Mob Psycho 100", "Mob Psycho 100",
                   [(1, n) for n in range(1, 13) if n != 3] + [(3, 1)])
    touch(library / "Mob Psycho 100", [UNPLACED])
    touch(library / "Mob Psycho 100 II",
          [f"[Group] Mob Psycho 100 II - {n:02d} [1080p].mkv" for n in (1, 2)])
    app = create_app(attrs.evolve(fake_settings, library=[library]), loader=True)
    async with app.router.lifespan_context(app) as state:
        web = Web(app, dict(state))
        await web.core.scan()
        with anyio.fail_after(60):
            await web.core.wait_idle()
        await web.user()
        async with web.client() as client:
            await log_in(client)
            ids = {series.title: series.id for series in await web.core.list_series()}
            yield Shows(web, client, ids, library)


async def test_api_gives_seasons_entries_counts_and_unplaced_files(shows: Shows) -> None:
    """A loaded show comes with its seasons (number, title, entries, present and known
    counts), the file it could not place and why, and episodes carrying their entry; the
    season another folder holds names that series and none of its episodes is missing."""
    body = await shows.detail("Mob Psycho 100")
    seasons = body["seasons"]
    assert [(s["number"], s["title"]) for s in seasons] == [
        (1, "Mob Psycho 100"), (2, "Mob Psycho 100 II"), (3, "Mob Psycho 100 III")]
    assert [[e["ref"]["id"] for e in s["entries"]] for s in seasons] == [[i] for i in ENTRIES]
    assert [(s["present"], s["known"], s["listed"]) for s in seasons] == [
        (11, 12, 12), (0, 0, 13), (1, 12, 12)]  # season 2's episodes count in its folder
    assert (body["episodes_present"], body["episodes_known"]) == (12, 24)
    assert [e["elsewhere"] for s in seasons for e in s["entries"]] == [
        None, shows.ids["Mob Psycho 100 II"], None]
    assert body["unplaced_files"] == [
        {"path": UNPLACED, "reason": "it names season 4, but only seasons 1-3 are known"}]
    assert body["season_note"] is None
    assert body["missing_unknown_reason"] is None
    missing = [(e["season"], e["number"]) for e in body["missing_episodes"]]
    assert missing == [(1, 3)] + [(3, n) for n in range(2, 13)]
    assert body["missing_episodes"][0]["entry"] == {"provider": "anilist", "id": ENTRIES[0],
                                                    "number": 3}
    assert body["episodes_present"] == 12
    assert body["folder_missing"] is False


async def test_answers_match_the_openapi_document(shows: Shows) -> None:
    """The series answers of a loaded show, with seasons, entries held elsewhere and unplaced
    files, hold exactly the fields /openapi.json documents, of the documented types."""
    spec = (await shows.client.get("/openapi.json")).json()
    detail = answer_schema(spec, "/api/series/{series_id}", "get", 200)
    for title in shows.ids:
        assert problems(await shows.detail(title), detail, spec) == []
    listing = (await shows.client.get("/api/series")).json()
    assert problems(listing, answer_schema(spec, "/api/series", "get", 200), spec) == []
    refreshed = await shows.client.post(f"/api/series/{shows.ids['Mob Psycho 100']}/refresh")
    schema = answer_schema(spec, "/api/series/{series_id}/refresh", "post", 202)
    assert problems(refreshed.json(), schema, spec) == []


async def test_series_page_groups_episodes_by_season(shows: Shows) -> None:
    """The page heads each season with its number and title, names its entries and its
    present/known count, lists its episodes with each present one's file name, and lists the
    file it could not place with the reason, escaped."""
    page = await shows.page(f"/series/{shows.ids['Mob Psycho 100']}")
    headings = re.findall(r'<h3 id="season-(\d+)-heading">([^<]*)</h3>', page)
    assert headings == [("1", "Season 1 · Mob Psycho 100"), ("2", "Season 2 · Mob Psycho 100 II"),
                        ("3", "Season 3 · Mob Psycho 100 III")]
    assert f'<span class="entry">AniList {ENTRIES[0]}</span>' in page
    assert '<span class="count">11/12 episodes</span>' in page
    assert '<span class="count">1/12 episodes</span>' in page
    assert '<caption class="sr">Episodes of Season 1 · Mob Psycho 100</caption>' in page
    assert '<td class="file">Mob Psycho 100 - S01E01.mkv</td>' in page
    assert page.count('<tr class="missing">') == 12
    assert '<section id="unplaced" aria-labelledby="unplaced-heading">' in page
    assert "<td>it names season 4, but only seasons 1-3 are known</td>" in page
    assert "Season 04/Mob &lt;i&gt;Psycho 100 - S04E01.mkv" in page
    assert "<i>Psycho" not in page
    assert 'id="season-note"' not in page
    assert '<p id="folder-missing" class="notice" hidden></p>' in page


async def test_an_entry_another_folder_holds_links_there(shows: Shows) -> None:
    """The season whose entry another library folder holds links to that series ("in ‹its
    title›") and lists none of its episodes or counts, so none shows as missing, and the page's
    summary counts only what this folder is to hold."""
    second = shows.ids["Mob Psycho 100 II"]
    page = await shows.page(f"/series/{shows.ids['Mob Psycho 100']}")
    season_two = page[page.index('id="season-2"'):page.index('id="season-3"')]
    assert (f'<span class="entry">AniList {ENTRIES[1]} in '
            f'<a href="/series/{second}">Mob Psycho 100 II</a></span>') in season_two
    assert "<table>" not in season_two
    assert "Its episodes are listed with the series that holds them." in season_two
    assert 'class="count"' not in season_two
    assert "S02E" not in page
    assert "<p>24 known, 12 missing.</p>" in page
    own = await shows.page(f"/series/{second}")
    assert '<span class="count">2/13 episodes</span>' in own
    assert '<td class="file">[Group] Mob Psycho 100 II - 01 [1080p].mkv</td>' in own


async def test_library_cards_show_episode_counts(shows: Shows) -> None:
    """Each card of a loaded series shows "present/known episodes", and no folder notice."""
    page = (await shows.page("/")).split('<template id="card-template">')[0]
    for title in ("Mob Psycho 100", "Mob Psycho 100 II"):
        series = await shows.web.core.get_series(shows.ids[title])
        assert series.episode_counts is not None
        counts = series.episode_counts
        assert (f'<p class="episode-count">{counts.present}/{counts.known} episodes</p>'
                in page)
    assert '<p class="episode-count">2/13 episodes</p>' in page
    assert page.count('<p class="folder-missing" hidden>Folder missing</p>') == 2


async def test_a_season_note_is_shown(shows: Shows, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the core says why the seasons stop early, the answer carries the note and the page
    shows it above the seasons."""
    note = "the seasons stop at Mob Psycho 100 III (anilist:140439): its sequel <x> is unknown"

    async def season_note(series_id: str) -> str:
        return note

    monkeypatch.setattr(shows.web.core, "season_note", season_note)
    assert (await shows.detail("Mob Psycho 100"))["season_note"] == note
    page = await shows.page(f"/series/{shows.ids['Mob Psycho 100']}")
    assert ('<p id="season-note" class="notice"><strong>The seasons may be incomplete:'
            "</strong> the seasons stop at Mob Psycho 100 III (anilist:140439): its sequel "
            "&lt;x&gt; is unknown.</p>") in page


async def test_a_missing_folder_is_said_everywhere(fake_settings: Settings, web: Web,
                                                   tmp_path: Path) -> None:
    """Once a scan finds a series' folder gone, its answer says so and why the missing
    episodes are not known (null), its page shows the notice, and its card "Folder missing"."""
    library = tmp_path / "library"
    season_folders(library / "Mob Psycho 100", "Mob Psycho 100", [(1, 1)])
    # A library left with no series folder at all would look like an unmounted disk.
    season_folders(library / "Trigun", "Trigun", [(1, 1)])
    await web.core.scan([library])
    shutil.rmtree(library / "Mob Psycho 100")
    await web.core.scan([library])
    [series] = [s for s in await web.core.list_series() if s.title == "Mob Psycho 100"]
    async with keyed_client(web) as client:
        body = (await client.get(f"/api/series/{series.id}")).json()
    assert body["folder_missing"] is True
    assert body["missing_episodes"] is None
    assert "Mob Psycho 100" in body["missing_unknown_reason"]
    assert "is missing since" in body["missing_unknown_reason"]
    await web.user()
    async with web.client() as browser:
        await log_in(browser)
        page = (await browser.get(f"/series/{series.id}", headers=HTML)).text
        library_page = (await browser.get("/", headers=HTML)).text
    assert ('<p id="folder-missing" class="notice"><strong>Folder missing.</strong> The folder '
            "of &#39;Mob Psycho 100&#39; (Mob Psycho 100) is missing since") in page
    assert "missing ones not known while the folder is missing." in page
    assert '<p class="folder-missing">Folder missing</p>' in library_page
