"""Split the buyers' queries once, at random with a fixed seed, into tuning and held-out sets.

Stratified by language group so both halves have every group. Run once; the output
(``split.json``) is committed before any query is judged or measured::

    .venv/bin/python -m tests.search.relevance.split
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent
SEED = 20261129


def split(queries: list[dict]) -> dict[str, list[str]]:
    """Half of each group (rounded down) for tuning, the rest held out."""
    rng = random.Random(SEED)
    out: dict[str, list[str]] = {"tuning": [], "heldout": []}
    for group in sorted({q["group"] for q in queries}):
        ids = sorted(q["id"] for q in queries if q["group"] == group)
        rng.shuffle(ids)
        half = len(ids) // 2
        out["tuning"] += sorted(ids[:half])
        out["heldout"] += sorted(ids[half:])
    return {key: sorted(value) for key, value in out.items()}


if __name__ == "__main__":
    queries = json.loads((HERE / "queries.json").read_text(encoding="utf-8"))
    result = split(queries)
    (HERE / "split.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print({key: len(value) for key, value in result.items()})
