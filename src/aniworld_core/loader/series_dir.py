"""Where a series' files go: its scanned folder, or a new one under the first library root."""

from __future__ import annotations

from pathlib import Path

import anyio
import attrs

from aniworld_core.errors import LibraryError
from aniworld_core.library.paths import library_root_key, series_dir, series_folder_name
from aniworld_core.loader.job import Job
from aniworld_core.storage.series import SeriesStore


@attrs.define
class SeriesDirs:
    roots: tuple[Path, ...]
    series_store: SeriesStore

    async def ensure(self, job: Job) -> Path | None:
        """The series folder, created under the first library root when the series has none;
        ``None`` when the series has no folder and no library root is configured. Found once
        per load (the NFO, logo and images steps all ask).

        The folder is made before its name is saved: a crash between the two leaves an empty
        folder that the next attempt finds by the same name and takes over, where the other
        order would leave a saved name with no folder behind it.
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
        if not self.roots:
            return None
        root = self.roots[0]
        key = await anyio.to_thread.run_sync(library_root_key, root)
        name, number = series_folder_name(series.title, series.year), 1
        while await self.series_store.find_by_folder(key, name) is not None:
            number += 1
            name = series_folder_name(f"{series.title} {number}", series.year)

        def make() -> Path:
            path = series_dir(root, name)
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise LibraryError(f"Cannot create the series folder {path}: "
                                   f"{error.strerror}.") from None
            return path

        path = await anyio.to_thread.run_sync(make)
        assert job.persist is not None
        await job.persist(folder=name, library_root=key)
        return path
