"""The blind, the fresh, the unseen, the English-weighted, the mixed, the buyers' and the trade
buyers' additions to the buyers' relevance set are judged, once each, in names the demo catalogue knows: a misspelt
product or place would grade nothing and pass for "nothing fits"."""

from __future__ import annotations

import statistics

import pytest

from market.demo.catalogue import PLACES, TOPICS
from tests.search.relevance import judged

GROUPS = {"zh-hans", "zh-hant", "en", "mixed", "typo", "long"}

# Each set of additions with the letter its ids start with.
ADDITIONS = pytest.mark.parametrize(
    ("additions", "letter"),
    [
        (judged.blind_queries, "b"),
        (judged.fresh_queries, "f"),
        (judged.unseen_queries, "u"),
        (judged.english_queries, "e"),
        (judged.mix_queries, "m"),
        (judged.buyer_queries, "y"),
        (judged.trade_queries, "t"),
    ],
)


def judgment_lines() -> dict[str, list[str]]:
    """``{query id: [the rest of each line judging it]}`` from ``judgments.txt``."""
    out: dict[str, list[str]] = {}
    for line in (judged.HERE / "judgments.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, _, rest = line.partition(":")
            out.setdefault(qid.strip(), []).append(rest)
    return out


def names(rest: str) -> tuple[list[str], list[str]]:
    """The products and the places a judgment line names."""
    products, places = [], []
    for part in rest.split():
        if part.startswith("*@"):
            places += part[2:].split(",")
        elif part.startswith("@"):
            places += part[1:].split(",")
        else:
            products += part.removeprefix("~").split(",")
    return products, places


@ADDITIONS
def test_every_added_query_is_written_once_in_a_known_group(additions, letter):
    queries = additions()
    ids = [q["id"] for q in queries]
    assert ids == [f"{letter}{n:03d}" for n in range(1, len(ids) + 1)]
    assert {q["group"] for q in queries} <= GROUPS
    assert all(q["query"].strip() and q["intent"].strip() for q in queries)
    everything = judged.every_query()
    others = {q["id"] for q in everything if not q["id"].startswith(letter)}
    assert not others & set(ids)


def test_the_fresh_queries_are_the_written_mix():
    groups = [q["group"] for q in judged.fresh_queries()]
    assert {group: groups.count(group) for group in GROUPS} == {
        "zh-hans": 48, "zh-hant": 18, "en": 18, "mixed": 12, "typo": 12, "long": 12,
    }  # fmt: skip


def test_the_unseen_queries_are_the_written_mix():
    groups = [q["group"] for q in judged.unseen_queries()]
    assert {group: groups.count(group) for group in GROUPS} == {
        "zh-hans": 40, "zh-hant": 10, "en": 40, "mixed": 10, "typo": 10, "long": 10,
    }  # fmt: skip
    long = [q for q in judged.unseen_queries() if q["group"] == "long"]
    assert sum(1 for q in long if q["query"].isascii()) == 5


def test_the_english_queries_are_the_written_mix():
    groups = [q["group"] for q in judged.english_queries()]
    assert {group: groups.count(group) for group in GROUPS} == {
        "zh-hans": 20, "zh-hant": 15, "en": 40, "mixed": 15, "typo": 0, "long": 10,
    }  # fmt: skip
    long = [q for q in judged.english_queries() if q["group"] == "long"]
    assert all(q["query"].isascii() for q in long)


def test_the_mix_queries_are_the_written_mix():
    groups = [q["group"] for q in judged.mix_queries()]
    assert {group: groups.count(group) for group in GROUPS} == {
        "zh-hans": 48, "zh-hant": 18, "en": 18, "mixed": 12, "typo": 12, "long": 12,
    }  # fmt: skip
    long = [q for q in judged.mix_queries() if q["group"] == "long"]
    assert sum(1 for q in long if q["query"].isascii()) == 6


def test_the_buyer_queries_are_the_written_mix():
    groups = [q["group"] for q in judged.buyer_queries()]
    assert {group: groups.count(group) for group in GROUPS} == {
        "zh-hans": 40, "zh-hant": 15, "en": 15, "mixed": 10, "typo": 10, "long": 10,
    }  # fmt: skip
    long = [q for q in judged.buyer_queries() if q["group"] == "long"]
    assert sum(1 for q in long if q["query"].isascii()) == 5


def test_the_trade_queries_are_the_written_mix():
    queries = judged.trade_queries()
    groups = [q["group"] for q in queries]
    assert {group: groups.count(group) for group in GROUPS} == {
        "zh-hans": 25, "zh-hant": 15, "en": 30, "mixed": 10, "typo": 0, "long": 0,
    }  # fmt: skip
    assert all(q["query"].isascii() for q in queries if q["group"] == "en")


@ADDITIONS
def test_every_added_query_has_one_judgment_naming_known_products_and_places(additions, letter):
    lines = judgment_lines()
    for query in additions():
        assert len(lines.get(query["id"], [])) == 1, query["id"]
        products, places = names(lines[query["id"]][0])
        assert set(products) <= {topic.key for topic in TOPICS}, query["id"]
        assert set(places) <= set(PLACES), query["id"]
    assert not {qid for qid in lines if qid.startswith(letter)} - {q["id"] for q in additions()}


@ADDITIONS
def test_judged_grades_every_added_query_over_the_catalogue(additions, letter):
    listings = {topic.key: list(topic.places) for topic in TOPICS}
    keys = {f"{topic}@{place}" for topic, places in listings.items() for place in places}
    grades = judged.judgments(listings)
    for query in additions():
        assert set(grades[query["id"]]) <= keys
        assert set(grades[query["id"]].values()) <= {1, 2}


def test_a_place_a_query_names_lowers_the_product_offered_elsewhere():
    grades = judged.judgments({topic.key: list(topic.places) for topic in TOPICS})
    # b001 names 深圳 metro ridership: 2 there, 1 for the metro of another city.
    assert grades["b001"]["metro_flow@sz"] == 2
    assert grades["b001"]["metro_flow@sh"] == 1
    # f030 asks for 广州 rainfall, which the catalogue offers only for wider areas and other
    # cities: every rainfall listing is 1, the related observations 0.
    assert set(grades["f030"].values()) == {1}
    assert not any(key.startswith("weather_obs@") for key in grades["f030"])
    # u055 asks for 深圳 house prices: 2 there, 1 elsewhere; u081 asks for Hong Kong's metro,
    # which the catalogue does not offer there: every metro listing is 1.
    assert grades["u055"]["property_prices@sz"] == 2
    assert grades["u055"]["property_prices@sh"] == 1
    assert set(grades["u081"].values()) == {1}
    assert len(grades["u081"]) == len(next(t for t in TOPICS if t.key == "metro_flow").places)


def test_the_five_tuning_sets_hold_no_held_out_query():
    from tests.search.relevance.measure import FIVE, query_sets

    sets = query_sets()
    assert sets["five"] == set().union(*(sets[name] for name in FIVE))
    assert not sets["five"] & sets["heldout"]
    assert sets["tuning"] <= sets["dev"] and sets["blind"] <= sets["dev"]


def test_six_is_the_five_and_the_english_additions_which_are_in_no_other_set():
    from tests.search.relevance.measure import SIX, query_sets

    sets = query_sets()
    english = {q["id"] for q in judged.english_queries()}
    assert sets["english"] == english
    assert sets["six"] == sets["five"] | english
    assert SIX[-1] == "english"
    assert not english & (sets["five"] | sets["heldout"] | sets["tuning"])


def test_seven_is_the_six_and_the_mix_additions_which_are_in_no_other_set():
    from tests.search.relevance.measure import SEVEN, SIX, query_sets

    sets = query_sets()
    mix = {q["id"] for q in judged.mix_queries()}
    assert sets["mix"] == mix
    assert sets["seven"] == sets["six"] | mix
    assert SEVEN[:-1] == SIX and SEVEN[-1] == "mix"
    assert not mix & (sets["six"] | sets["heldout"] | sets["tuning"])


def test_eight_is_the_seven_and_the_buyer_additions_which_are_in_no_other_set():
    from tests.search.relevance.measure import EIGHT, SEVEN, query_sets

    sets = query_sets()
    buyer = {q["id"] for q in judged.buyer_queries()}
    assert sets["buyer"] == buyer
    assert sets["eight"] == sets["seven"] | buyer
    assert EIGHT[:-1] == SEVEN and EIGHT[-1] == "buyer"
    assert not buyer & (sets["seven"] | sets["heldout"] | sets["tuning"])


def test_nine_is_the_eight_and_the_trade_additions_which_are_in_no_other_set():
    from tests.search.relevance.measure import EIGHT, NINE, query_sets

    sets = query_sets()
    trade = {q["id"] for q in judged.trade_queries()}
    assert sets["trade"] == trade
    assert sets["nine"] == sets["eight"] | trade
    assert NINE[:-1] == EIGHT and NINE[-1] == "trade"
    assert not trade & (sets["eight"] | sets["heldout"] | sets["tuning"])


def test_the_five_sets_are_each_summed_up_and_averaged():
    from tests.search.relevance.measure import per_set

    sets = {"dev": {"a", "b"}, "tuning": {"a"}, "blind": {"b"}, "fresh": {"c"}, "unseen": {"d"}}
    rows = [
        {"id": "a", "group": "en", "judged": True, "ndcg": 1.0, "total": 3},
        {"id": "b", "group": "en", "judged": True, "ndcg": 0.5, "total": 2},
        {"id": "c", "group": "en", "judged": True, "ndcg": 0.0, "total": 0},
        {"id": "d", "group": "en", "judged": True, "ndcg": 0.5, "total": 1},
    ]
    out = per_set(rows, sets)
    assert out["dev"] == (0.75, 0, 2)
    assert out["fresh"] == (0.0, 1, 1)
    assert out["macro"] == (statistics.fmean([0.75, 1.0, 0.5, 0.0, 0.5]), 1, 6)
    sets["english"] = {"c", "d"}
    six = per_set(rows, sets, ("dev", "tuning", "blind", "fresh", "unseen", "english"))
    assert six["english"] == (0.25, 1, 2)
    assert six["macro"] == (statistics.fmean([0.75, 1.0, 0.5, 0.0, 0.5, 0.25]), 2, 8)
    sets["mix"] = {"a"}
    seven = per_set(rows, sets, ("dev", "tuning", "blind", "fresh", "unseen", "english", "mix"))
    assert seven["mix"] == (1.0, 0, 1)
    assert seven["macro"] == (statistics.fmean([0.75, 1.0, 0.5, 0.0, 0.5, 0.25, 1.0]), 2, 9)
    sets["buyer"] = {"c"}
    eight = per_set(
        rows, sets, ("dev", "tuning", "blind", "fresh", "unseen", "english", "mix", "buyer")
    )
    assert eight["buyer"] == (0.0, 1, 1)
    assert eight["macro"] == (statistics.fmean([0.75, 1.0, 0.5, 0.0, 0.5, 0.25, 1.0, 0.0]), 3, 10)
