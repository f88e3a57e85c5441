"""Where a series' files go: its scanned folder, or a new one under the first library root
(the roots as they are when the folder is made: one added at run time, in any process, counts).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import anyio
import attrs

from aniworld_core.errors import LibraryError
from aniworld_core.library.paths import library_root_key, series_dir, series_folder_name
from aniworld_core.loader.job import Job
from aniworld_core.models import Series
from aniworld_core.storage.series import SeriesStore
from aniworld_core.storage.work import FolderTaken

#: Names tried for a new series folder: "Title (1998)", "Title 2 (1998)", ... "Title 100".
MAX_NAMES = 100


#: The library roots now, in order (``SeriesApp.library_roots``).
Roots = Callable[[], Awaitable[Sequence[Path]]]


def fixed_roots(*roots: Path) -> Roots:
    """Roots that never change (tests, scripts)."""
    async def read() -> Sequence[Path]:
        return roots

    return read


@attrs.define
class SeriesDirs:
    roots: Roots
    series_store: SeriesStore

    async def ensure(self, job: Job) -> Path | None:
        """The series folder, created under the first library root when the series has none;
        ``None`` when the series has no folder and no library root is configured. Found once
        per load (the NFO, logo and images steps all ask).

        A new folder's name is the first of "Title (1998)", "Title 2 (1998)", ... that no
        other series has, chosen and saved in one transaction with the folder made before it
        commits (see ``WorkStore.take_folder``): two titles that make the same name get two
        folders, whatever loads at the same time, and a crash leaves at worst an empty folder
        that the next attempt finds by the same name and takes over.
        """
        if job.directory is None:
            job.directory = await self._ensure(job)
        return job.directory

    async def _ensure(self, job: Job) -> Path | None:
        series = job.series
        if series.folder is not None and series.library_root is not None:
            root, folder = Path(series.library_root), series.folder
            # It looks at the disk (is the folder a symlink?): not on the event loop.
            return await anyio.to_thread.run_sync(series_dir, root, folder)
        roots = await self.roots()
        if not roots:
            return None
        root = roots[0]
        key = await anyio.to_thread.run_sync(library_root_key, root)
        made: list[Path] = []

        def make(name: str) -> None:
            path = series_dir(root, name)
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise LibraryError(f"Cannot create the series folder {path}: "
                                   f"{error.strerror}.") from None
            made.append(path)

        assert job.take_folder is not None
        try:
            await job.take_folder(key, _names(series), make)
        except FolderTaken:
            first = series_folder_name(series.title, series.year)
            raise LibraryError(f"Every folder name from {first!r} to number {MAX_NAMES} under "
                               f"{root} belongs to another series.") from None
        return made[-1]


def _names(series: Series) -> Iterator[str]:
    yield series_folder_name(series.title, series.year)
    for number in itertools.count(2):
        if number > MAX_NAMES:
            return
        yield series_folder_name(f"{series.title} {number}", series.year)
