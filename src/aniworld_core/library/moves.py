"""Which new series folder is an old one renamed or moved: the same files (by name and size),
or the same provider ids in its name. A renamed folder keeps its series; only a folder that
matches nothing is a new series."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

import attrs

from aniworld_core.metadata import ProviderIds

#: Of the files of the larger folder, how many must be in the other one too.
SAME_FILES = 0.5


@attrs.frozen
class Signature:
    """What identifies a series folder's content: its video files by name and size, and the
    ids its series is known by."""

    files: frozenset[tuple[str, int]]
    ids: ProviderIds = ProviderIds()


def signature_of(files: Iterable[tuple[str, int]], ids: ProviderIds | None = None) -> Signature:
    """``files`` are ``(relative path, size)``; only their base names count (a season folder
    renamed on the way still matches)."""
    return Signature(frozenset((PurePosixPath(path).name, size) for path, size in files),
                     ids or ProviderIds())


def best_match(new: Signature, vanished: Mapping[str, Signature]) -> str | None:
    """The vanished series ``new`` is, if exactly one is clearly it: the most files in common
    (at least :data:`SAME_FILES` of the larger folder), or, when neither folder holds files,
    an id in common."""
    scored: list[tuple[float, str]] = []
    for series_id, old in vanished.items():
        score = _overlap(new.files, old.files)
        if score >= SAME_FILES or (not new.files and not old.files and _same_ids(new.ids,
                                                                                old.ids)):
            scored.append((score, series_id))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None  # two equally good: not clear, leave both as they are
    return scored[0][1]


def _overlap(a: frozenset[tuple[str, int]], b: frozenset[tuple[str, int]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / max(len(a), len(b))


def _same_ids(a: ProviderIds, b: ProviderIds) -> bool:
    theirs = dict(b.items())
    return any(theirs.get(id_type) == value for id_type, value in a.items())
