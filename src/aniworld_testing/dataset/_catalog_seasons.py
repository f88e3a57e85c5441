"""Catalogue, part three: the later seasons, split cours, movies and OVAs of franchises whose
first entry is in the other parts, linked by ``prequel`` (AniList's SEQUEL/PREQUEL edges) and
``parent`` (SIDE_STORY), so the fake AniList answers ``relations`` with realistic chains."""

from __future__ import annotations

from aniworld_testing.dataset._model import SeriesRecord

SEASONS: tuple[SeriesRecord, ...] = ()
