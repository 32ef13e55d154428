"""As-you-type suggestions and more-like-this."""

from __future__ import annotations

import dataclasses

import pytest

from search import Query
from search.analysis import Synonyms
from search.errors import InvalidSpec
from search.spec import Field, keyword
from tests.search.listings import LISTINGS, listing_documents


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("深圳", "深圳市公交刷卡数据"),
        ("深", "深圳地铁客流统计"),
        ("敦煌", "敦煌壁画高清图像"),
        ("shen", "Shenzhen bus card transactions"),
        ("Shenzhen b", "Shenzhen bus card transactions"),
        ("cantonese op", "Cantonese opera classic arias audio"),
    ],
)
def test_suggest_completes_titles(loaded, prefix, expected):
    assert expected in [s.text for s in loaded.suggest(LISTINGS, prefix, limit=20)]


def test_suggest_returns_the_title_in_the_typed_language(loaded):
    english = [s for s in loaded.suggest(LISTINGS, "dunh") if s.kind == "title"]
    assert [(s.text, s.field) for s in english] == [
        ("Dunhuang mural high-resolution images", "title_en")
    ]


def test_suggest_respects_the_limit(loaded):
    assert len(loaded.suggest(LISTINGS, "深圳", limit=3)) == 3


def test_suggest_with_nothing_typed_is_empty(loaded):
    assert loaded.suggest(LISTINGS, "  ()  ") == []


def test_similar_excludes_the_document_itself(loaded):
    similar = loaded.similar(LISTINGS, "L001", limit=10)
    assert similar and "L001" not in [hit.id for hit in similar]


def test_similar_finds_related_listings(loaded):
    # 深圳市公交刷卡数据 is most like the other Shenzhen bus listing.
    similar = [hit.source["title_zh"] for hit in loaded.similar(LISTINGS, "L001", limit=5)]
    assert "深圳公交线路与站点" in similar


def test_similar_to_unknown_id_is_empty(loaded):
    assert loaded.similar(LISTINGS, "missing") == []


def _offered(engine, prefix, **kwargs) -> list[tuple[str, str]]:
    return [(s.text, s.kind) for s in engine.suggest(LISTINGS, prefix, limit=20, **kwargs)]


def test_suggest_reads_traditional_as_the_index_does(loaded):
    assert ("深圳地铁客流统计", "title") in _offered(loaded, "深圳地鐵")


@pytest.mark.parametrize(
    ("prefix", "term"),
    [("港鐵", "港铁"), ("港铁", "港铁"), ("ship", "ship"), ("楼", "楼价")],
)
def test_suggest_offers_a_synonym_term_whose_group_finds_documents(loaded, prefix, term):
    # No title or keyword says 港铁, ship or 楼价; 地铁, 船舶 and 房价 are in listings.
    found = [s for s in loaded.suggest(LISTINGS, prefix, limit=20) if s.kind == "synonym"]
    assert term in [s.text for s in found]
    [leading] = [s for s in found if s.text == term]
    assert loaded.search(LISTINGS, Query(text=term)).total
    assert leading.id in [hit.id for hit in loaded.search(LISTINGS, Query(text=term)).hits]


def test_suggest_leaves_out_a_term_no_document_leads_to(loaded):
    synonyms = Synonyms([("火星车", "mars rover")])
    assert _offered(loaded, "火星", synonyms=synonyms) == []
    assert ("mars rover", "synonym") not in _offered(loaded, "mars", synonyms=synonyms)


def test_suggest_takes_the_synonym_list_given(loaded):
    synonyms = Synonyms([("深铁", "地铁")])
    assert ("深铁", "synonym") in _offered(loaded, "深铁", synonyms=synonyms)
    assert ("深铁", "synonym") not in _offered(loaded, "深铁")


def test_suggest_leaves_out_a_held_back_term_but_still_looks_it_up(loaded):
    synonyms = Synonyms([("深铁", "深铁客留", "地铁")])
    assert ("深铁客留", "synonym") in _offered(loaded, "深铁客", synonyms=synonyms)
    synonyms.hold_back(["深鐵客留"])  # held back as terms are compared: either script
    assert ("深铁客留", "synonym") not in _offered(loaded, "深铁客", synonyms=synonyms)
    assert ("深铁", "synonym") in _offered(loaded, "深铁", synonyms=synonyms)
    assert synonyms.lookup("深铁客留") == synonyms.lookup("深铁")


@pytest.mark.parametrize(
    ("prefix", "keyword"), [("clim", "climate"), ("港", "港口"), ("AI", "AIS")]
)
def test_suggest_offers_keywords_starting_with_the_typed_text(loaded, prefix, keyword):
    assert (keyword, "keyword") in _offered(loaded, prefix)


def test_suggest_offers_words_before_titles_and_keeps_room_for_titles(loaded):
    offered = _offered(loaded, "港", synonyms=Synonyms([]))
    kinds = [kind for _, kind in offered]
    assert kinds[0] == "keyword" and "title" in kinds
    assert kinds == sorted(kinds, key=lambda kind: kind == "title")
    assert len(loaded.suggest(LISTINGS, "港", limit=3)) == 3


def test_offering_a_keyword_fields_values_needs_no_reindex():
    plain = dataclasses.replace(
        LISTINGS,
        fields=tuple(keyword(f.name) if f.name == "keywords" else f for f in LISTINGS.fields),
    )
    assert [f.name for f in LISTINGS.suggest_words] == ["keywords"] and not plain.suggest_words
    assert plain.fingerprint == LISTINGS.fingerprint


def test_only_text_and_keyword_fields_are_offered_as_suggestions():
    with pytest.raises(InvalidSpec) as refused:
        Field("year", "integer", suggest=True)
    assert refused.value.field == "year"


def test_suggestions_follow_writes_to_the_index(engine):
    bus = next(d for d in listing_documents() if "地铁" not in d["keywords"])
    assert "地铁" not in bus["title_zh"] + " ".join(bus["keywords"])
    engine.index(LISTINGS, [bus], refresh=True)
    synonyms = Synonyms([("深铁", "地铁")])
    assert _offered(engine, "深铁", synonyms=synonyms) == []  # remembered as leading nowhere
    metro = dict(bus, id="metro", keywords=["地铁", "Smart Card"], keywords_text="地铁 Smart Card")
    engine.index(LISTINGS, [metro], refresh=True)
    assert ("深铁", "synonym") in _offered(engine, "深铁", synonyms=synonyms)
    assert ("Smart Card", "keyword") in _offered(engine, "smart")
    engine.delete(LISTINGS, ["metro"], refresh=True)
    assert _offered(engine, "深铁", synonyms=synonyms) == []
    assert ("Smart Card", "keyword") not in _offered(engine, "smart")


def test_suggest_offers_the_words_leading_to_most_listings_first(engine, docs):
    # One listing has the keyword 港口; three hold 地铁, whose group holds 港铁 (Hong Kong's
    # metro): typing 港 offers 港铁 first, and the port group by the term it names first.
    [subway] = [d for d in docs if d["title_zh"] == "深圳地铁客流统计"]
    metro = [{**subway, "id": f"metro{n}"} for n in range(3)]
    port = {**subway, "id": "port", "keywords": ["港口"], "keywords_text": "港口"}
    port["title_zh"], port["description_zh"] = "码头作业月报", "集装箱码头作业量月报。"
    port["title_en"], port["description_en"] = "Terminal operations", "Container moves."
    engine.index(LISTINGS, [*metro, port], refresh=True)
    words = [(s.text, s.kind) for s in engine.suggest(LISTINGS, "港") if s.kind != "title"]
    assert words[:2] == [("港铁", "synonym"), ("港口", "keyword")]
    assert "港区" not in [text for text, _ in words]
