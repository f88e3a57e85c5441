"""Series folders on disk for the tests: empty video files named as people name them, and the
seasons the fake dataset says a show has."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


def touch(folder: Path, names: Iterable[str]) -> None:
    """Create each (relative) file under ``folder``, with its parent folders."""
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"video")


def regular_seasons(fakes: Any, anilist_id: int) -> dict[int, list[int]]:
    """Season → episode numbers of the show the AniList entry belongs to, as the fake
    dataset numbers them (TVDB's numbering: a split cour is one season)."""
    dataset = fakes.anilist.dataset
    seasons: dict[int, list[int]] = dataset.show_of(dataset.by_anilist(anilist_id)
                                                    ).regular_seasons()
    return seasons


def season_folders(folder: Path, title: str, episodes: Iterable[tuple[int, int]]) -> None:
    """``Season NN/Title - SNNENN.mkv`` for each (season, number)."""
    touch(folder, [f"Season {season:02d}/{title} - S{season:02d}E{number:02d}.mkv"
                   for season, number in episodes])
