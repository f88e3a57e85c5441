"""Episode NFOs aniworld wrote go with their video: the next scan removes them, never an NFO a
person wrote, edited or locked, nor a folder's own NFO. Real folders, the real database(s)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from aniworld_core import Episode, ProviderIds, SeriesApp, SeriesInfo
from aniworld_core.library.nfo import remove_stale_episode_nfos, write_nfos

pytestmark = pytest.mark.anyio

FOLDER = "Cowboy Bebop (1998) [anilistid-1]"
VIDEOS = [f"Cowboy Bebop - {n:02d}.mkv" for n in range(1, 6)] + ["Season 02/Bebop S02E01.mkv"]


def write_episode_nfos(series_dir: Path, info: SeriesInfo) -> None:
    """A video per name in :data:`VIDEOS` and the NFOs aniworld writes beside them."""
    for name in VIDEOS:
        (series_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (series_dir / name).write_bytes(b"video")
    episodes = [Episode("s", 1 if "/" not in name else 2, number, file_path=name)
                for number, name in enumerate(VIDEOS, start=1)]
    outcome = write_nfos(series_dir, info, ProviderIds(anilist="1"), episodes,
                         primary_id_type="anilist")
    assert len(outcome.written) == len(VIDEOS) + 1  # and tvshow.nfo


def backdate(root: Path) -> None:
    """Every folder an hour old, as in a library nobody touched in the last seconds."""
    an_hour_ago = time.time() - 3600
    for folder, _, _ in os.walk(root):
        os.utime(folder, (an_hour_ago, an_hour_ago))


async def test_a_scan_removes_the_nfos_aniworld_wrote_for_deleted_videos(
        app: SeriesApp, tmp_path: Path, info: SeriesInfo) -> None:
    """Of the NFOs whose video was deleted, the next scan removes the ones aniworld wrote and
    nobody touched (in season folders too) and keeps an edited one, a locked one and a
    person's own; NFOs of videos still there and tvshow.nfo stay; the report names what went."""
    library = tmp_path / "library"
    series_dir = library / FOLDER
    series_dir.mkdir(parents=True)
    write_episode_nfos(series_dir, info)
    (series_dir / "My notes.nfo").write_text("<episodedetails><title>mine</title>"
                                             "</episodedetails>")
    backdate(library)
    await app.scan([library])
    edited = series_dir / "Cowboy Bebop - 03.nfo"
    edited.write_bytes(edited.read_bytes().replace(b"<title>", b"<title>My "))
    locked = series_dir / "Cowboy Bebop - 04.nfo"
    locked.write_bytes(locked.read_bytes().replace(b"</episodedetails>",
                                                   b"<lockdata>true</lockdata></episodedetails>"))
    for name in ("Cowboy Bebop - 02.mkv", "Cowboy Bebop - 03.mkv", "Cowboy Bebop - 04.mkv",
                 "Season 02/Bebop S02E01.mkv"):
        (series_dir / name).unlink()
    report = await app.scan([library])
    assert sorted(report.nfos_removed) == [f"{FOLDER}/Cowboy Bebop - 02.nfo",
                                           f"{FOLDER}/Season 02/Bebop S02E01.nfo"]
    assert sorted(path.relative_to(series_dir).as_posix()
                  for path in series_dir.rglob("*.nfo")) == [
        "Cowboy Bebop - 01.nfo", "Cowboy Bebop - 03.nfo", "Cowboy Bebop - 04.nfo",
        "Cowboy Bebop - 05.nfo", "My notes.nfo", "tvshow.nfo"]
    assert report.to_dict()["nfos_removed"] == list(report.nfos_removed)


def test_only_untouched_episode_nfos_of_aniworld_are_removed(tmp_path: Path,
                                                            info: SeriesInfo) -> None:
    """Asked to remove every NFO of a folder, it removes only the untouched episode NFOs
    aniworld wrote: never tvshow.nfo, a person's NFO, an edited or locked one."""
    write_episode_nfos(tmp_path, info)
    (tmp_path / "Theirs.nfo").write_text("<episodedetails/>")
    edited = tmp_path / "Cowboy Bebop - 02.nfo"
    edited.write_bytes(edited.read_bytes() + b"\n")
    every = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.nfo"))
    outcome = remove_stale_episode_nfos(tmp_path, [*every, "../outside.nfo"])
    assert outcome.errors == ()
    assert sorted(outcome.removed) == ["Cowboy Bebop - 01.nfo", "Cowboy Bebop - 03.nfo",
                                       "Cowboy Bebop - 04.nfo", "Cowboy Bebop - 05.nfo",
                                       "Season 02/Bebop S02E01.nfo"]
    assert sorted(path.name for path in tmp_path.rglob("*.nfo")) == [
        "Cowboy Bebop - 02.nfo", "Theirs.nfo", "tvshow.nfo"]
