"""The anime the fake servers know: a catalogue of real series plus generated ones for scale.

Every fake serves the same :class:`Dataset`, so ids agree across them: AniList's ``idMal`` is
Jikan's ``mal_id``; a record's TVDB id is what fanart.tv, TVmaze's lookup and TMDB's find answer
to. See :mod:`aniworld_testing` for example ids.
"""

from aniworld_testing.dataset._dataset import Dataset, Show, ShowEpisode
from aniworld_testing.dataset._generated import (
    GENERATED_START_ID,
    generated,
    generated_record,
)
from aniworld_testing.dataset._model import EpisodeRecord, SeriesRecord
from aniworld_testing.dataset._search import normalize

__all__ = [
    "GENERATED_START_ID",
    "Dataset",
    "EpisodeRecord",
    "SeriesRecord",
    "Show",
    "ShowEpisode",
    "generated",
    "generated_record",
    "normalize",
]
