"""Naming a series as a person would: id, id prefix, title, part of a title."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from aniworld_core import InvalidInput, SeriesApp, SeriesNotFound, Settings

pytestmark = pytest.mark.anyio


async def test_a_series_is_found_by_id_prefix_or_title(app: SeriesApp) -> None:
    """The exact id, a unique id prefix, the title in any case, or a unique part of the title
    all name the same series."""
    bebop = await app.add_series("Cowboy Bebop")
    await app.add_series("Trigun")
    for name in (bebop.id, bebop.id[:4], bebop.id[:8].upper(), "cowboy bebop", " Bebop "):
        assert (await app.find_series(name)).id == bebop.id, name


async def test_an_exact_title_wins_over_a_part_of_a_longer_one(app: SeriesApp) -> None:
    """"Mob Psycho 100" names that series even though "Mob Psycho 100 II" contains it."""
    first = await app.add_series("Mob Psycho 100")
    await app.add_series("Mob Psycho 100 II")
    assert (await app.find_series("mob psycho 100")).id == first.id


async def test_ambiguous_names_list_the_candidates(app: SeriesApp) -> None:
    """A name that fits several series is refused, naming them with their short ids."""
    first = await app.add_series("Attack on Titan")
    second = await app.add_series("Attack on Titan Season 2")
    with pytest.raises(InvalidInput) as caught:
        await app.find_series("titan")
    message = str(caught.value)
    assert message.startswith("'titan' matches 2 series: ")
    assert f"Attack on Titan ({first.id[:8]})" in message
    assert f"Attack on Titan Season 2 ({second.id[:8]})" in message
    assert caught.value.field == "series"


async def test_two_series_with_the_same_title(app: SeriesApp) -> None:
    """Two series with one title (a remake) can only be told apart by id."""
    old = await app.add_series("Hunter x Hunter", year=1999)
    await app.add_series("Hunter x Hunter", year=2011)
    with pytest.raises(InvalidInput, match="matches 2 series"):
        await app.find_series("Hunter x Hunter")
    assert (await app.find_series(old.id[:8])).year == 1999


@pytest.mark.parametrize("name", ["Akira", "abc", "", "00000000-0000-4000-8000-000000000000"])
async def test_unknown_names(app: SeriesApp, name: str) -> None:
    """Nothing matches: SeriesNotFound with the name; short prefixes are not ids."""
    await app.add_series("Cowboy Bebop")
    with pytest.raises(SeriesNotFound, match="No series"):
        await app.find_series(name)


async def test_a_three_character_prefix_is_too_short(app: SeriesApp) -> None:
    """Id prefixes need four characters, so short words are never read as ids."""
    series = await app.add_series("Trigun")  # no run of hex letters a prefix could match
    with pytest.raises(SeriesNotFound, match=f"No series matches '{series.id[:3]}'"):
        await app.find_series(series.id[:3])



async def test_a_series_is_found_by_its_other_names(fake_settings: Settings,
                                                    tmp_path: Path) -> None:
    """Once loaded, a series carries the provider's title ("Mushi-Shi"); its folder's title
    ("Mushishi", without year and id hint) and the provider's original title still name it,
    exactly or in part, while another series' exact title wins over a part of these names."""
    root = tmp_path / "library"
    (root / "Mushishi (2005) [anilistid-457]").mkdir(parents=True)
    async with SeriesApp.open(fake_settings) as app:
        await app.scan([root])
        with anyio.fail_after(30):
            await app.wait_idle()
        other = await app.add_series("Mushishi Zoku Shou", year=2014)
        (series,) = [found for found in await app.list_series() if found.id != other.id]
        assert series.title == "Mushi-Shi"
        for name in ("mushishi", "蟲師", "Mushi-Shi"):
            assert (await app.find_series(name)).id == series.id, name
        assert (await app.find_series("zoku")).id == other.id
