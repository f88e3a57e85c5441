"""How often folder-name identification is right, asks, or is confidently wrong.

    python benchmarks/identify.py [--threshold 0.8] [--corpus tests/data/identify_corpus.tsv]

Runs every folder name of the labelled corpus through ``read_folder_name`` and ``identify``
(with ``identify_with_seasons``: a later season no title marks is counted along its show's chain)
with the real AniList provider class against the fake AniList in-process (its rate limits off,
the dataset of ``aniworld_testing``). An expected id the dataset does not have means the right
answer is to ask. Prints one JSON object: counts of right, asked (correctly: the corpus says
"ask"; wrongly: it names an entry), confidently wrong, their percentages, searches per folder,
answers and precision per confidence band (how well the confidence is calibrated) and every
failure. Target: right or correctly asked >= 98 %, confidently wrong = 0.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import httpx

from aniworld_core import (
    LoaderSettings,
    ProviderRef,
    ProviderSettings,
    SearchResult,
    SeriesInfo,
    open_provider,
)
from aniworld_core.library.names import read_folder_name
from aniworld_core.loader.sequel_lookup import identify_with_seasons
from aniworld_core.providers.anilist import AniList
from aniworld_testing import Dataset, FakeAniList, FakeOptions

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "identify_corpus.tsv"
BANDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)


def read_corpus(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, expected = line.split("\t")
            rows.append((name, expected.strip()))
    return rows


async def run(rows: Sequence[tuple[str, str]], threshold: float) -> dict[str, Any]:
    fake = FakeAniList(options=FakeOptions())
    dataset = Dataset.default()
    settings = ProviderSettings(url="http://anilist.invalid", rate_scale=1_000_000)
    outcome = {"right": 0, "asked_correctly": 0, "asked_wrongly": 0, "confidently_wrong": 0}
    failures: list[dict[str, Any]] = []
    answers: list[tuple[float, bool]] = []
    searches = fetches = 0
    async with open_provider(AniList, settings,
                             transport=httpx.ASGITransport(app=fake.app)) as anilist:

        async def search(query: str, year: int | None) -> Sequence[SearchResult]:
            nonlocal searches
            searches += 1
            return await anilist.search(query, year=year)

        async def fetch(ref: ProviderRef) -> SeriesInfo | None:
            nonlocal fetches
            fetches += 1
            return (await anilist.fetch_series([ref])).get(ref.id)

        started = time.perf_counter()
        for name, expected in rows:
            known = expected != "ask" and dataset.by_anilist(int(expected)) is not None
            wanted = expected if known else "ask"
            found = await identify_with_seasons(read_folder_name(name), search, fetch,
                                                threshold=threshold)
            got = found.match.ref.id if found.match else "ask"
            if found.candidates:
                answers.append((found.confidence, found.candidates[0].result.ref.id == wanted))
            if got == wanted:
                kind = "right" if got != "ask" else "asked_correctly"
            else:
                kind = "asked_wrongly" if got == "ask" else "confidently_wrong"
                failures.append({"folder": name, "expected": wanted, "got": got,
                                 "confidence": found.confidence, "reason": found.reason})
            outcome[kind] += 1
        seconds = time.perf_counter() - started
    total = len(rows)
    return {
        "benchmark": "identify", "threshold": threshold, "folders": total, **outcome,
        "right_or_correctly_asked_percent":
            round(100 * (outcome["right"] + outcome["asked_correctly"]) / total, 2),
        "confidently_wrong_percent": round(100 * outcome["confidently_wrong"] / total, 2),
        "searches_per_folder": round(searches / total, 3),
        "entry_fetches_per_folder": round(fetches / total, 3),
        "seconds": round(seconds, 2),
        "calibration": calibration(answers),
        "failures": failures,
    }


def calibration(answers: Sequence[tuple[float, bool]]) -> list[dict[str, Any]]:
    """Per confidence band: how many best candidates fell in it and the share that was right."""
    bands = []
    low = 0.0
    for high in BANDS:
        inside = [right for confidence, right in answers
                  if low <= confidence < high or (high == 1.0 and confidence == 1.0)]
        bands.append({"confidence": f"{low:.2f}-{high:.2f}", "answers": len(inside),
                      "best_was_right": round(sum(inside) / len(inside), 3) if inside else None})
        low = high
    return bands


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float,
                        default=LoaderSettings().identify_threshold)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    print(json.dumps(anyio.run(run, read_corpus(args.corpus), args.threshold)))


if __name__ == "__main__":
    main()
