"""Show folders on disk for the web tests: files named the way people keep multi-season
shows, and what the fake dataset says those shows hold."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: Mob Psycho 100 on AniList: three TV entries, one season each, in the fake dataset.
MOB_PSYCHO = 21507


def touch(folder: Path, names: Iterable[str]) -> None:
    """Create each (relative) file under ``folder``, with its parent folders."""
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"video")


def regular_seasons(fakes: Any, anilist_id: int) -> dict[int, list[int]]:
    """Season → episode numbers of the show the AniList entry belongs to, as the fake
    dataset numbers them (TV, TV_SHORT and ONA entries only)."""
    dataset = fakes.anilist.dataset
    show = dataset.show_of(dataset.by_anilist(anilist_id))
    seasons: dict[int, list[int]] = {}
    for episode in show.episodes():
        if episode.entry.format in ("TV", "TV_SHORT", "ONA"):
            seasons.setdefault(episode.season, []).append(episode.number)
    return seasons


def season_folders(folder: Path, title: str, episodes: Iterable[tuple[int, int]]) -> None:
    """``Season NN/Title - SNNENN.mkv`` for each (season, number)."""
    touch(folder, [f"Season {season:02d}/{title} - S{season:02d}E{number:02d}.mkv"
                   for season, number in episodes])
