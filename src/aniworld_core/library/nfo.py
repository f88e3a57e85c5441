"""Writing ``tvshow.nfo`` and the episode NFOs of a series folder, never over the user's.

An existing NFO is replaced only when aniworld wrote it and nobody changed it since (the marker
comment and its digest say so, see :mod:`.nfo_xml`). A locked NFO (``<lockdata>true</lockdata>``),
one someone else wrote, and one a person edited are skipped, each with its reason, unless
``force=True``. Writes are atomic; a failed one raises :class:`LibraryError` and leaves nothing.
An episode NFO aniworld wrote goes with its video (:func:`remove_stale_episode_nfos`); under the
same rules, no other NFO is ever deleted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from aniworld_core.errors import LibraryError, PathNotAllowed
from aniworld_core.library.atomic import atomic_write
from aniworld_core.library.folders import season_of_folder
from aniworld_core.library.nfo_xml import (
    episode_xml,
    is_episode_nfo,
    is_locked,
    is_ours,
    movie_xml,
    season_xml,
    tvshow_xml,
)
from aniworld_core.library.paths import confiner
from aniworld_core.metadata import ProviderIds, SeriesInfo
from aniworld_core.models import Episode

TVSHOW_NFO = "tvshow.nfo"
MOVIE_NFO = "movie.nfo"
SEASON_NFO = "season.nfo"
#: NFOs of a folder rather than of a video, never removed with one.
FOLDER_NFOS = frozenset({TVSHOW_NFO, MOVIE_NFO, SEASON_NFO})
MAX_NFO_BYTES = 4 * 1024 * 1024  # more than any NFO we write holds


class SkipReason(enum.StrEnum):
    """Why an NFO was left as it is."""

    LOCKED = "locked"
    NOT_OURS = "not_ours"
    EDITED = "edited"
    NO_VIDEO = "no_video"

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    SkipReason.LOCKED: "it is locked (<lockdata>true</lockdata>)",
    SkipReason.NOT_OURS: "aniworld did not write it",
    SkipReason.EDITED: "it was edited after aniworld wrote it",
    SkipReason.NO_VIDEO: "its video file is gone",
}


@attrs.frozen
class SkippedNfo:
    """An NFO left alone, and why."""

    path: Path
    reason: SkipReason

    def __str__(self) -> str:
        return f"{self.path.name}: not written, {self.reason.message}"


@attrs.frozen
class SeasonNfo:
    """A season of the show and the provider entry that begins it (its title, plot, ids)."""

    number: int
    info: SeriesInfo


@attrs.frozen
class NfoOutcome:
    """What :func:`write_nfos` did: files written, files already up to date, files skipped."""

    written: tuple[Path, ...] = ()
    unchanged: tuple[Path, ...] = ()
    skipped: tuple[SkippedNfo, ...] = ()


def write_nfos(series_dir: Path, info: SeriesInfo, ids: ProviderIds,
               episodes: Sequence[Episode], *, primary_id_type: str,
               force: bool = False, seasons: Sequence[SeasonNfo] = (),
               movie: bool = False) -> NfoOutcome:
    """Write ``tvshow.nfo`` into ``series_dir``, a ``season.nfo`` into the ``Season NN`` folder
    of each of ``seasons`` that has one, and an NFO beside each present episode file
    (``Episode.file_path``, relative to ``series_dir``); for a ``movie``, ``movie.nfo`` alone.
    Synchronous: run it in a worker thread.

    Raises :class:`LibraryError` (disk full, permission denied, ...) on the first write that
    fails, and :class:`PathNotAllowed` for an episode path outside the folder.
    """
    if not series_dir.is_dir():
        raise LibraryError(f"The series folder {series_dir} does not exist.")
    written: list[Path] = []
    unchanged: list[Path] = []
    skipped: list[SkippedNfo] = []

    def put(path: Path, content: bytes) -> None:
        existing = _read(path)
        if existing == content:
            unchanged.append(path)
            return
        reason = None if force or not existing else _reason_to_keep(existing)
        if reason is not None:
            skipped.append(SkippedNfo(path, reason))
            return
        atomic_write(path, content)
        written.append(path)

    confined = confiner(series_dir)
    if movie:
        put(confined(MOVIE_NFO), movie_xml(info, ids, primary_id_type=primary_id_type))
        return NfoOutcome(tuple(written), tuple(unchanged), tuple(skipped))
    put(confined(TVSHOW_NFO), tvshow_xml(info, ids, primary_id_type=primary_id_type))
    folders = season_folders(episodes)
    for season in seasons:
        folder = folders.get(season.number)
        if folder is not None:
            put(confined(f"{folder}/{SEASON_NFO}"),
                season_xml(season.number, season.info, primary_id_type=primary_id_type))
    by_file: dict[str, list[Episode]] = {}
    for episode in episodes:
        if episode.file_path is not None:
            by_file.setdefault(episode.file_path, []).append(episode)
    for file_path, held in sorted(by_file.items()):
        video = confined(file_path)
        nfo = video.with_name(f"{video.stem}.nfo")
        if not video.is_file():
            skipped.append(SkippedNfo(nfo, SkipReason.NO_VIDEO))
            continue
        held.sort(key=lambda e: (e.season, e.number))
        put(nfo, episode_xml(info, ids, held, primary_id_type=primary_id_type))
    return NfoOutcome(tuple(written), tuple(unchanged), tuple(skipped))


def write_episode_nfo(series_dir: Path, info: SeriesInfo, ids: ProviderIds,
                      held: Sequence[Episode], *, primary_id_type: str) -> NfoOutcome:
    """Write the NFO beside one video file (``held``: the episodes it holds, each with that
    ``file_path``), under the rules of :func:`write_nfos` (a person's NFO is kept).
    Synchronous: run it in a worker thread."""
    paths = {episode.file_path for episode in held}
    if len(paths) != 1 or None in paths:
        raise ValueError("write_episode_nfo takes the episodes of one present file")
    [file_path] = paths
    assert file_path is not None
    video = confiner(series_dir)(file_path)
    nfo = video.with_name(f"{video.stem}.nfo")
    content = episode_xml(info, ids, sorted(held, key=lambda e: (e.season, e.number)),
                          primary_id_type=primary_id_type)
    existing = _read(nfo)
    if existing == content:
        return NfoOutcome(unchanged=(nfo,))
    reason = None if not existing else _reason_to_keep(existing)
    if reason is not None:
        return NfoOutcome(skipped=(SkippedNfo(nfo, reason),))
    atomic_write(nfo, content)
    return NfoOutcome(written=(nfo,))


def season_folders(episodes: Sequence[Episode]) -> dict[int, str]:
    """Season → the ``Season NN`` folder (relative path) its present files are in, where they
    are in one named for that season."""
    found: dict[int, dict[str, int]] = {}
    for episode in episodes:
        if episode.file_path is None or "/" not in episode.file_path:
            continue
        folder = episode.file_path.rpartition("/")[0]
        if season_of_folder(folder.rpartition("/")[2]) == episode.season:
            counts = found.setdefault(episode.season, {})
            counts[folder] = counts.get(folder, 0) + 1
    return {season: max(counts, key=lambda f: (counts[f], f)) for season, counts in found.items()}


@attrs.frozen
class RemovedNfos:
    """What :func:`remove_stale_episode_nfos` did: NFOs deleted, and why others could not be
    looked at or deleted (for people)."""

    removed: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def remove_stale_episode_nfos(series_dir: Path, paths: Iterable[str]) -> RemovedNfos:
    """Delete the NFOs at ``paths`` (relative to ``series_dir``; NFOs a scan found with no
    video of the same name beside them) that are episode NFOs aniworld wrote and nobody has
    edited or locked since. Every other file stays: one a person wrote, edited or locked,
    and ``tvshow.nfo``, ``season.nfo`` and ``movie.nfo``. Synchronous: run it in a worker
    thread."""
    removed: list[str] = []
    errors: list[str] = []
    confined = confiner(series_dir)
    for relative in paths:
        if relative.rpartition("/")[2].lower() in FOLDER_NFOS:
            continue
        try:
            path = confined(relative)
            content = _read(path)
            if content is None or is_locked(content) or not is_episode_nfo(content):
                continue
            path.unlink(missing_ok=True)
        except PathNotAllowed:
            continue  # a link out of the folder: not ours to delete
        except LibraryError as error:
            errors.append(f"Cannot look at {relative} in {series_dir.name}: {error}")
            continue
        except OSError as error:
            errors.append(f"Cannot remove {relative} from {series_dir.name}: "
                          f"{error.strerror or error}")
            continue
        removed.append(relative)
    return RemovedNfos(tuple(removed), tuple(errors))


def _reason_to_keep(existing: bytes) -> SkipReason | None:
    """Why an existing NFO must stay, or ``None`` when aniworld may replace it."""
    if is_locked(existing):
        return SkipReason.LOCKED
    ours = is_ours(existing)
    if ours is None:
        return SkipReason.NOT_OURS
    return None if ours else SkipReason.EDITED


def _read(path: Path) -> bytes | None:
    """The NFO's bytes (at most a little over any NFO we write), ``None`` if there is none."""
    try:
        with path.open("rb") as file:
            return file.read(MAX_NFO_BYTES)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise LibraryError(
            f"{error.strerror or error} while reading {path.name} in {path.parent}"
        ) from None
