"""Loose matches: when no document holds any of the query's words, documents sharing its
Chinese character pairs (bigrams), on both engines."""

from __future__ import annotations

import pytest

from search import Query
from search.opensearch import OpenSearchEngine
from tests.search.conftest import LISTINGS

TOPICS = [
    ("气象观测小时数据", "全国地面气象站的逐小时温度和降水观测。", "meteorology"),
    ("深圳地铁客流统计", "按站点和小时统计的地铁进出站客流。", "transport"),
    ("企业信用评分接口", "小微企业信用评分，按统一社会信用代码查询。", "finance"),
    ("电商商品价格指数", "主要电商平台商品价格的日度指数。", "commerce"),
    ("粤语语音语料库", "粤语朗读与对话录音，带转写文本。", "ai"),
    ("医院门诊量月报", "三甲医院门诊人次的月度统计。", "health"),
    ("港口集装箱吞吐量", "珠三角港口集装箱吞吐量月度数据。", "transport"),
    ("农产品批发价格", "全国农产品批发市场的日度价格。", "agriculture"),
    ("商业地产租金指数", "写字楼与商铺租金的季度指数。", "real_estate"),
    ("电网负荷曲线", "省级电网每十五分钟的负荷数据。", "energy"),
    ("城市道路网络通行速度", "主干道与快速路各路段的平均车速，每五分钟更新。", "transport"),
]


def _docs(extra_description: str = "") -> list[dict]:
    return [
        {
            "id": f"D{n:02d}",
            "title_zh": title,
            "description_zh": description + extra_description,
            "category": category,
            "provider_text": "城市道路网络数据有限公司" if n == 1 else "某某数据服务公司",
            "published_at": "2024-05-01T00:00:00Z",
        }
        for n, (title, description, category) in enumerate(TOPICS, start=1)
    ]


@pytest.fixture
def catalogue(engine):
    engine.index(LISTINGS, _docs(), refresh=True)
    return engine


def _pairs_are_words(engine) -> bool:
    """OpenSearch indexes every character pair of Chinese text (``cjk_bigram``), so a
    two-character word is found wherever its pair stands, as a word, not loosely."""
    return isinstance(engine, OpenSearchEngine)


@pytest.mark.parametrize("text", ["路网", "路網", "我想要路网", "铁路网"])
def test_pair_of_a_word_no_listing_holds_finds_it(catalogue, text):
    # 路网 is in no listing's words (道路 / 网络), but its two characters stand together in
    # one title.
    results = catalogue.search(LISTINGS, Query(text=text, highlight=True))
    assert [hit.id for hit in results.hits] == ["D11"]
    assert results.strict_total is None
    if not _pairs_are_words(catalogue):
        assert results.loose and results.relaxed


def test_this_modules_catalogue_ties_its_tests_to_no_worker(request, catalogue):
    # Built for each test, it is not the demo catalogue that the tests using it share on the
    # one pytest-xdist worker that seeds it (tests/conftest.py groups those).
    assert request.node.get_closest_marker("xdist_group") is None


def test_word_whose_pairs_are_mostly_nowhere_is_a_loose_match(catalogue):
    # Of 联络通道's pairs (联络, 络通, 通道) only 络通 is in a listing, straddling two of its
    # title's words (网络 / 通行): no word matches on either engine, the pair does.
    results = catalogue.search(LISTINGS, Query(text="联络通道", highlight=True))
    assert [hit.id for hit in results.hits] == ["D11"]
    assert results.loose and results.relaxed


def test_loose_match_ranks_title_pairs_before_description_pairs(engine):
    docs = _docs()
    docs[0]["description_zh"] += "覆盖城市道路网络通行的站点。"
    engine.index(LISTINGS, docs, refresh=True)
    results = engine.search(LISTINGS, Query(text="联络通道"))
    assert [hit.id for hit in results.hits] == ["D11", "D01"]
    assert results.loose


def test_loose_match_only_when_no_word_matches(catalogue):
    results = catalogue.search(LISTINGS, Query(text="道路 通行"))
    assert [hit.id for hit in results.hits] == ["D11"]
    assert not results.loose


def test_pairs_in_most_listings_match_nothing_loosely(engine):
    # 络通 stands in every listing now (网络通行): it says nothing about any of them.
    engine.index(LISTINGS, _docs("覆盖全市道路网络通行。"), refresh=True)
    results = engine.search(LISTINGS, Query(text="联络通道"))
    assert results.total == 0 and not results.hits
    assert not results.loose and not results.relaxed


def test_rare_pair_beside_common_ones_decides(engine):
    if _pairs_are_words(engine):
        pytest.skip("a pair is a word on OpenSearch: 路网 matches every listing as a word")
    # 路网 is in every listing, 行速 in one (通行速度): only it makes a loose match.
    engine.index(LISTINGS, _docs("覆盖全市道路网络。"), refresh=True)
    results = engine.search(LISTINGS, Query(text="路网行速"))
    assert [hit.id for hit in results.hits] == ["D11"]
    assert results.loose


def test_a_provider_name_alone_makes_no_loose_match(engine):
    docs = _docs()
    docs[10]["title_zh"] = docs[10]["description_zh"] = "城市通行速度"
    engine.index(LISTINGS, docs, refresh=True)
    # Only D01's provider name holds 路网 and 络通 now.
    results = engine.search(LISTINGS, Query(text="联络通道"))
    assert results.total == 0 and not results.loose


def test_filters_apply_to_loose_matches(catalogue):
    results = catalogue.search(LISTINGS, Query(text="联络通道", filters={"category": ["energy"]}))
    assert results.total == 0 and not results.loose
    results = catalogue.search(
        LISTINGS, Query(text="联络通道", filters={"category": ["transport"]})
    )
    assert [hit.id for hit in results.hits] == ["D11"] and results.loose


def test_a_word_no_document_holds_is_reported_beside_the_matches_of_the_others(catalogue):
    # 外卖 is in no document: 电网负荷 finds D10, and the word left out is named.
    results = catalogue.search(LISTINGS, Query(text="外卖 电网负荷"))
    assert [hit.id for hit in results.hits] == ["D10"]
    assert results.unheld == ("外卖",) and not results.loose
    assert catalogue.search(LISTINGS, Query(text="电网负荷")).unheld == ()
    # Held outside the filters is held: the zero within them is honest, no word is unheld.
    filtered = Query(text="外卖 电网负荷", filters={"category": ["health"]})
    assert catalogue.search(LISTINGS, filtered).unheld == ()


def test_english_only_query_has_no_loose_match(catalogue):
    results = catalogue.search(LISTINGS, Query(text="roadnet"))
    assert not results.loose


@pytest.mark.parametrize(
    "text",
    [
        "🚗🚗 联络通道 🛣️",
        "联络通道" * 125,
        '联络通道 AND (title_zh:"网络") OR 路* ~2 ^3 {!} [a TO z] \\',
        "聯絡通道 road-net ロード 도로 Дороги",
        "\u0000联络\u200b通道",
        '"联络通道',
    ],
    ids=["emoji", "long", "lucene", "scripts", "control", "quote"],
)
def test_hostile_text_gets_a_normal_answer(catalogue, text):
    results = catalogue.search(LISTINGS, Query(text=text, highlight=True))
    assert results.total == len(results.hits) <= 1
    assert all(hit.id == "D11" for hit in results.hits)


@pytest.mark.parametrize(
    ("text", "held", "inside"),
    [
        # 联络通道 is held by an energy listing; its pair 络通 stands in a transport one.
        ("联络通道", "联络通道巡检记录", "transport"),
        # 樓價 (楼价) is held by an energy listing; 价格, a word of its alternative 房屋价格,
        # stands in a commerce one.
        ("樓價", "城市楼价月度指数", "commerce"),
        # 上海港 is held by an energy listing; 上海, a word of it, by an agriculture one.
        ("上海港", "上海港船舶进出记录", "agriculture"),
    ],
)
def test_words_held_only_outside_the_filters_find_nothing_within_them(engine, text, held, inside):
    docs = _docs()
    docs[7]["description_zh"] += "含上海市场。"  # D08, agriculture
    docs.append({**docs[9], "id": "D12", "title_zh": held, "description_zh": held})  # energy
    engine.index(LISTINGS, docs, refresh=True)
    assert engine.search(LISTINGS, Query(text=text)).hits[0].id == "D12"
    # The word is held, only not within the filters: an honest zero there, not the
    # listings sharing its character pairs or the words inside it.
    results = engine.search(LISTINGS, Query(text=text, filters={"category": [inside]}))
    assert (results.total, results.relaxed, results.loose) == (0, False, False)
    assert not results.hits and results.held


def test_words_inside_a_word_held_only_outside_the_filters_leave_its_pairs(engine):
    # No listing holds 铁路网; 铁路, inside it, only an energy one; its pair 路网 stands in a
    # transport one (道路网络): the words are held nowhere, so the pairs are tried.
    docs = [*_docs(), {**_docs()[9], "id": "D12", "title_zh": "铁路货运量", "description_zh": ""}]
    engine.index(LISTINGS, docs, refresh=True)
    results = engine.search(LISTINGS, Query(text="铁路网", filters={"category": ["transport"]}))
    assert [hit.id for hit in results.hits] == ["D11"]
    assert results.relaxed and (results.loose or _pairs_are_words(engine))
