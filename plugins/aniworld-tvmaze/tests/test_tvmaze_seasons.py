"""TVmaze put before Jikan in ``providers.order``: the show's seasons are TVmaze's seasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from aniworld_core import LoadingStatus, SeriesApp, Settings

pytestmark = pytest.mark.anyio


async def test_a_season_based_provider_first_gives_the_seasons(
    tmp_path: Path, fake_bundle: Any
) -> None:
    """Attack on Titan in `Season NN` folders, with TVmaze ordered before Jikan: the episode list
    is TVmaze's, four seasons as TVmaze numbers them, S02E05 left out is the one missing of the
    seasons present, and season 2's files are season 2's."""
    for name, fake in fake_bundle.fakes.items():
        if name != "images":
            fake.options.scale_rate_limits(60)
    overrides = {
        **fake_bundle.settings_overrides(),
        **{f"providers.{name}.rate_scale": 60
           for name in ("anilist", "jikan", "tvmaze", "tmdb", "fanart")},
        "providers.order": ["anilist", "tvmaze", "jikan", "tmdb", "fanart"],
        "data_dir": str(tmp_path / "data"),
        "library": [str(tmp_path / "library")],
        "load_entry_points": True,
    }
    dataset = fake_bundle.anilist.dataset
    show = dataset.show_of(dataset.by_anilist(16498))
    folder = tmp_path / "library" / "Attack on Titan (2013) [anilistid-16498]"
    for episode in show.episodes():
        if episode.season <= 2 and (episode.season, episode.number) != (2, 5):
            path = folder / f"Season {episode.season:02d}" / (
                f"Attack on Titan - S{episode.season:02d}E{episode.number:02d}.mkv")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"video")
    settings = Settings.load(env={}, overrides=overrides)
    async with SeriesApp.open(settings) as app:
        await app.scan()
        with anyio.fail_after(60):
            await app.wait_idle()
        (series,) = await app.list_series()
        missing = [(e.season, e.number) for e in await app.missing_episodes(series.id)]
        seasons = await app.seasons(series.id)
        episodes = await app.episodes(series.id)
    assert series.loading_status is LoadingStatus.COMPLETED, series.loading_error
    assert series.ids.extra.get("tvmaze") == "919"
    assert [season.number for season in seasons] == list(show.season_numbers)
    assert all(episode.entry is None for episode in episodes)  # TVmaze's own list
    assert [key for key in missing if key[0] <= 2] == [(2, 5)]
    present = {(e.season, e.number): e.file_path for e in episodes if e.present}
    assert present[(2, 6)] == "Season 02/Attack on Titan - S02E06.mkv"
