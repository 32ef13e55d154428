"""The buyers' relevance set: queries written blind (``queries.json``), split once
(``split.json``), judged over the whole demo catalogue (``judgments.txt``), and NDCG@10.

Judgments name products (``topic`` keys of the demo catalogue) and places; every one of the
catalogue's listings (``topic@place``) gets a grade, so each query is judged against the whole
catalogue, not only what an engine returned. Rules (docs/search.md): a product that serves the
intent is 2, a related one that partly serves it is 1; when the query names places, the product
offered for another place drops to 1 and a related product for another place to 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

HERE = Path(__file__).parent


def queries() -> list[dict]:
    """The queries as written: id, group, query, intent."""
    return json.loads((HERE / "queries.json").read_text(encoding="utf-8"))


def dev_queries() -> list[dict]:
    """Development additions (``dev_queries.json``): written and judged, from the catalogue's
    products and places, before any was run; used for tuning only, never held out."""
    return json.loads((HERE / "dev_queries.json").read_text(encoding="utf-8"))


def blind_queries() -> list[dict]:
    """Blind additions (``blind_queries.json``): written before the catalogue was read, judged
    after; used for tuning only, never held out."""
    return json.loads((HERE / "blind_queries.json").read_text(encoding="utf-8"))


def fresh_queries() -> list[dict]:
    """Fresh blind additions (``fresh_queries.json``, ids ``f001``...): written before the
    catalogue was read, judged after, and measured apart (``--set fresh``) to see what buyers'
    unseen words still miss; in no other set."""
    return json.loads((HERE / "fresh_queries.json").read_text(encoding="utf-8"))


def unseen_queries() -> list[dict]:
    """Unseen blind additions (``unseen_queries.json``, ids ``u001``...): written after the
    fresh ones were tuned on, before the catalogue was read, judged after, and measured apart
    (``--set unseen``); in no other set."""
    return json.loads((HERE / "unseen_queries.json").read_text(encoding="utf-8"))


def english_queries() -> list[dict]:
    """English-weighted blind additions (``english_queries.json``, ids ``e001``...): written
    after the five tuning sets had come to about 0.935 while the held-out set's English and
    simplified Chinese stayed near 0.81 and 0.84, before the catalogue was read, judged after;
    two fifths everyday English, the rest Chinese in both scripts, mixed and long English
    requests; measured apart (``--set english``) and in ``six``; in no other set."""
    return json.loads((HERE / "english_queries.json").read_text(encoding="utf-8"))


def mix_queries() -> list[dict]:
    """Mixed blind additions (``mix_queries.json``, ids ``m001``...): written after the English
    ones, before the catalogue was read, judged after, in the proportions of the buyers' set
    (48 simplified and 18 traditional Chinese, 18 English, 12 mixed, 12 typos, 12 long
    requests half in English); measured apart (``--set mix``) and in ``seven``; in no other
    set."""
    return json.loads((HERE / "mix_queries.json").read_text(encoding="utf-8"))


def buyer_queries() -> list[dict]:
    """Buyers' blind additions (``buyer_queries.json``, ids ``y001``...): written after the
    mixed ones, before the catalogue was read, judged after, in the proportions of the buyers'
    set (40 simplified and 15 traditional Chinese, 15 English, 10 mixed, 10 typos, 10 long
    requests half in English); measured apart (``--set buyer``) and in ``eight``; in no other
    set."""
    return json.loads((HERE / "buyer_queries.json").read_text(encoding="utf-8"))


def trade_queries() -> list[dict]:
    """Trade buyers' blind additions (``trade_queries.json``, ids ``t001``...): written after
    the buyers' ones, before the catalogue was read, judged after, as buyers from many trades
    (logistics, banking, insurance, retail, property, planning, film, AI, tourism, utilities,
    hospitals, universities) would type them: 30 English, 25 simplified and 15 traditional
    Chinese, 10 mixed, no typos or long requests; measured apart (``--set trade``) and in
    ``nine``; in no other set."""
    return json.loads((HERE / "trade_queries.json").read_text(encoding="utf-8"))


def every_query() -> list[dict]:
    """The queries of every file, in the order above."""
    return (
        queries()
        + dev_queries()
        + blind_queries()
        + fresh_queries()
        + unseen_queries()
        + english_queries()
        + mix_queries()
        + buyer_queries()
        + trade_queries()
    )


def split() -> dict[str, set[str]]:
    """``{"tuning": ids, "heldout": ids}``."""
    data = json.loads((HERE / "split.json").read_text(encoding="utf-8"))
    return {name: set(ids) for name, ids in data.items()}


def judgments(listings: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Grades per query id: ``{listing key: grade}`` for every listing graded above 0.

    ``listings`` maps each product (topic) to the places it is offered for.
    """
    out = {}
    for line in (HERE / "judgments.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        qid, _, rest = line.partition(":")
        good, related, places = [], [], set()
        for part in rest.split():
            if part.startswith("@"):
                places.update(part[1:].split(","))
            elif part.startswith("*@"):
                places.update(part[2:].split(","))
                good = list(listings)
            elif part.startswith("~"):
                related += part[1:].split(",")
            else:
                good += part.split(",")
        only_places = rest.strip().startswith("*@")
        grades: dict[str, int] = {}
        for topic in related:
            for place in listings[topic]:
                if not places or place in places:
                    grades[f"{topic}@{place}"] = 1
        for topic in good:
            for place in listings[topic]:
                if only_places and place not in places:
                    continue
                grades[f"{topic}@{place}"] = 2 if not places or place in places else 1
        out[qid] = grades
    return out


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain of the first ``k`` results (exponential gain)."""

    def dcg(values: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(values[:k]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(key, 0) for key in ranked]) / ideal if ideal else 0.0
