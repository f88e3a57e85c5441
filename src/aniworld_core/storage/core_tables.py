"""The library's tables as SQLAlchemy Core ``Table`` objects, for the batched statements of
the library store (executemany, chunked ``IN``): one set shared by its modules."""

from __future__ import annotations

from aniworld_core.storage.library_tables import (
    LibraryFileRow,
    LibraryFolderRow,
    LibrarySeriesRow,
    SeriesEntryRow,
)
from aniworld_core.storage.tables import Base, EpisodeRow, SeriesRow

SERIES = Base.metadata.tables[SeriesRow.__tablename__]
EPISODES = Base.metadata.tables[EpisodeRow.__tablename__]
FOLDERS = Base.metadata.tables[LibraryFolderRow.__tablename__]
FILES = Base.metadata.tables[LibraryFileRow.__tablename__]
FLAGS = Base.metadata.tables[LibrarySeriesRow.__tablename__]
ENTRIES = Base.metadata.tables[SeriesEntryRow.__tablename__]
