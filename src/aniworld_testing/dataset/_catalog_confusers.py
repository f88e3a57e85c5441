"""Catalogue, part four: series that a title search confuses with others (remakes, movies of
the same name, titles sharing words), for the identification corpus."""

from __future__ import annotations

from aniworld_testing.dataset._model import SeriesRecord

CONFUSERS: tuple[SeriesRecord, ...] = ()
