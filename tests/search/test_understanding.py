"""What buyers mean: traditional script, domain words, partial matches, synonyms, typos,
places, and what an empty query shows."""

from __future__ import annotations

import pytest

from search import Query, RangeFacet, analysis
from search.analysis import MAX_SYNONYM_GROUPS, Synonyms
from search.errors import InvalidQuery, InvalidSynonyms
from search.lexicon import DEFAULT_SYNONYMS
from search.query import check
from search.spec import IndexSpec, SortKey, boolean, date, keyword, text
from tests.search.listings import LISTINGS


def titles(engine, text: str, **options) -> list[str]:
    results = engine.search(LISTINGS, Query(text=text, per_page=100, **options))
    return [hit.source["title_zh"] for hit in results.hits]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("氣象", "气象观测小时数据"),
        ("電網負荷", "电网负荷曲线数据"),
        ("博物館 數字藏品", "博物馆数字藏品授权"),
        ("充電樁", "新能源汽车充电桩数据"),
        ("衛星遙感影像", "高分辨率卫星遥感影像"),
    ],
)
def test_traditional_characters_find_simplified_listings(loaded, query, title):
    assert titles(loaded, query)[0] == title


def test_a_long_english_request_keeps_its_last_words_past_its_small_ones():
    request = (
        "We are a fund looking for data on the spending of the people in the cities, such as "
        "the card transactions or the retail foot traffic"
    )
    assert analysis.query_terms(request)[-3:] == ["retail", "foot", "traffic"]


def test_everyday_words_of_the_trade_have_their_formal_and_english_equivalents():
    synonyms = analysis.default_synonyms()
    for word, equivalent in (
        ("发票", "税务"), ("体检", "电子病历"), ("追踪", "跟踪"),
        ("信贷评级", "信用评分"), ("卡车", "truck"), ("写字楼", "office space"),
        ("判决书", "司法"), ("kyc", "kyb"), ("受益所有人", "shareholders"),
        ("港交所", "港股"), ("hkex", "stocks"), ("observatory", "天文台"),
        ("新能源车", "电动汽车"), ("社零", "零售"), ("社会消费品零售总额", "retail"),
    ):  # fmt: skip
        assert tuple(equivalent.split()) in synonyms.lookup(word), word
    assert ("工商登记",) in synonyms.lookup("公司註冊處".translate(str.maketrans("註處", "注处")))
    # An office block is not a public building (公共建筑 is the energy listings' word).
    assert ("公共建筑",) not in synonyms.lookup("写字楼")
    # A stock exchange is named, never 交易所 alone: a data exchange is one too.
    assert not synonyms.lookup("交易所")


def test_domain_words_stay_whole_in_either_script():
    for word in ("遥测", "充电桩", "粤港澳大湾区", "博物馆"):
        assert analysis.query_terms(word) == [word]
        assert analysis.query_terms(analysis.fold(word) and _traditional(word)) == [word]


@pytest.mark.parametrize(
    ("written", "word"),
    [("碳中和", "碳中和"), ("開機率", "开机率"), ("中古屋", "中古屋"), ("殖利率", "殖利率"),
     ("可再生能源", "可再生能源"), ("新能源車", "新能源车")],
)  # fmt: skip
def test_words_jieba_would_split_wrongly_stay_whole(written, word):
    assert analysis.query_terms(written) == [word]


def test_the_built_in_synonym_list_keeps_every_group():
    assert len(analysis.default_synonyms()) == len(DEFAULT_SYNONYMS)


def _traditional(word: str) -> str:
    return {"遥测": "遙測", "充电桩": "充電樁", "粤港澳大湾区": "粵港澳大灣區", "博物馆": "博物館"}[
        word
    ]


def test_most_words_must_match_not_all(loaded):
    # "历史" is in the typhoon listing's title but not the word "深圳港"; three of four match.
    found = titles(loaded, "深圳 台风 路径 海啸")
    assert found[0] == "深圳台风路径历史数据集"


def test_listings_with_both_words_come_before_those_with_one(loaded):
    results = loaded.search(LISTINGS, Query(text="深圳 metro", per_page=100))
    assert results.hits[0].source["title_zh"] == "深圳地铁客流统计"
    assert results.strict_total == 1  # the others, matching one word, follow it
    for hit in results.hits[1:]:
        assert hit.score < results.hits[0].score


def test_words_no_listing_holds_do_not_hide_the_ones_that_match(loaded):
    results = loaded.search(LISTINGS, Query(text="台风 海啸 火山"))
    assert [hit.source["title_zh"] for hit in results.hits] == ["深圳台风路径历史数据集"]
    # They do not count among the words that must match: no retry was needed.
    assert not results.relaxed


def test_nothing_matching_both_words_is_retried_with_either(loaded):
    results = loaded.search(LISTINGS, Query(text="粤剧 台风"))
    assert results.relaxed
    found = {hit.source["title_zh"] for hit in results.hits}
    assert {"深圳台风路径历史数据集", "粤剧经典唱段音频"} <= found


def test_a_search_that_finds_nothing_even_relaxed_is_not_called_relaxed(loaded):
    # 火星探测器 is retried as the words inside it after the whole found nothing: still
    # nothing, so no result "matches some of the words".
    results = loaded.search(LISTINGS, Query(text="火星探测器"))
    assert (results.total, results.relaxed) == (0, False)


def test_consumer_words_find_retail_listings_in_either_script_and_english(loaded):
    for query in ("消費者", "消费", "consumer"):
        assert "零售门店客流数据" in titles(loaded, query), query


def test_the_rarer_word_ranks_its_listings_first_when_no_listing_has_both(loaded):
    # No listing is about stock prices: the one listing of stocks says more of what is asked
    # than the several listings of prices, which hold "price" in their titles.
    results = loaded.search(LISTINGS, Query(text="stock prices"))
    assert results.relaxed
    assert results.hits[0].source["title_en"] == "Listed company sentiment index"


def test_a_providers_name_alone_does_not_make_its_listings_match(loaded):
    # 博物馆 is in one listing's text and in another's provider (潮州市博物馆) only.
    results = loaded.search(LISTINGS, Query(text="博物馆", per_page=100))
    providers = {hit.source["provider"] for hit in results.hits}
    assert results.total >= 1
    assert "潮州市博物馆" not in providers


def test_a_providers_name_still_finds_its_listings_when_nothing_else_matches(loaded):
    results = loaded.search(LISTINGS, Query(text="富士康"))
    assert [hit.source["provider"] for hit in results.hits] == ["富士康工业互联网"]


def test_everyday_words_find_formal_ones(loaded):
    assert "电商商品价格指数" in titles(loaded, "网购 价格")
    assert "深圳地铁客流统计" in titles(loaded, "subway ridership")


def test_synonyms_given_with_the_query_apply_without_reindex(loaded):
    assert "气象观测小时数据" not in titles(loaded, "晴雨")
    mine = Synonyms([("晴雨", "气象")])
    assert "气象观测小时数据" in titles(loaded, "晴雨", synonyms=mine)


@pytest.mark.parametrize(
    ("groups", "field"),
    [
        ([("地铁",)], "groups[0]"),
        ([("地铁", " ")], "groups[0]"),
        ([("地铁", "metro"), ("metro", "subway")], "groups[1]"),
        ([("a" * 41, "b")], "groups[0]"),
        ([[f"w{n}a", f"w{n}b"] for n in range(2001)], "groups"),
    ],
)
def test_bad_synonym_lists_are_refused_naming_the_group(groups, field):
    with pytest.raises(InvalidSynonyms) as error:
        Synonyms(groups)
    assert error.value.field == field


def test_a_default_group_sharing_a_traditional_term_with_a_group_is_left_out():
    mine = Synonyms([("氣象", "hqqx")], DEFAULT_SYNONYMS)
    assert mine.lookup("气象") == (("气象",), ("hqqx",))
    assert mine.lookup("天气") is None


def test_defaults_do_not_count_toward_the_limit_of_groups():
    full = [[f"w{n}a", f"w{n}b"] for n in range(MAX_SYNONYM_GROUPS)]
    assert len(Synonyms(full, DEFAULT_SYNONYMS)) > MAX_SYNONYM_GROUPS


def test_a_stored_list_the_check_refuses_is_built_without_its_bad_groups():
    stored = [("地铁", "metro"), ("metro", "subway"), ("a" * 41, "b"), ("晴雨", "气象")]
    stored += [[f"w{n}a", f"w{n}b"] for n in range(MAX_SYNONYM_GROUPS)]
    built = Synonyms.stored(stored, DEFAULT_SYNONYMS)
    assert built.lookup("metro") == (("地铁",), ("metro",))
    assert built.lookup("subway") is None
    assert built.lookup("晴雨") == (("晴雨",), ("气象",))
    assert built.lookup(f"w{MAX_SYNONYM_GROUPS - 3}a") is not None
    assert built.lookup(f"w{MAX_SYNONYM_GROUPS - 1}a") is None


def test_english_typos_are_corrected_with_did_you_mean(loaded):
    results = loaded.search(LISTINGS, Query(text="logstics", per_page=5))
    assert results.hits[0].source["title_zh"] == "粤港澳大湾区货运物流指数"
    assert results.did_you_mean == "logistics"
    assert loaded.search(LISTINGS, Query(text="weathr forcast")).did_you_mean == "weather forecast"


def test_did_you_mean_is_absent_for_words_the_index_holds(loaded):
    assert loaded.search(LISTINGS, Query(text="weather forecast")).did_you_mean is None


SPEC = IndexSpec(
    "places",
    fields=(
        text("title", "mixed", boost=3, suggest=True),
        text("provider", "mixed", boost=0.3),
        keyword("region"),
        boolean("certified"),
        date("published_at"),
    ),
    tiebreak=(SortKey("certified", descending=True), SortKey("published_at", descending=True)),
    browse=(SortKey("published_at", descending=True),),
)
DOCS = [
    {"id": "a", "title": "公交数据", "provider": "深圳交通数据公司", "region": "guangzhou",
     "certified": False, "published_at": "2024-01-01"},
    {"id": "b", "title": "公交数据", "provider": "某公司", "region": "shenzhen",
     "certified": False, "published_at": "2023-01-01"},
    {"id": "c", "title": "公交数据", "provider": "某公司", "region": "guangzhou",
     "certified": True, "published_at": "2022-01-01"},
    {"id": "d", "title": "公交数据", "provider": "某公司", "region": "guangzhou",
     "certified": False, "published_at": "2025-01-01"},
    {"id": "e", "title": "深圳 公交线路", "provider": "某公司", "region": "shenzhen",
     "certified": False, "published_at": "2021-01-01"},
    {"id": "f", "title": "深圳 公交线路", "provider": "某公司", "region": "guangzhou",
     "certified": True, "published_at": "2021-06-01"},
]  # fmt: skip


@pytest.fixture
def places(engine):
    engine.ensure_index(SPEC)
    engine.index(SPEC, DOCS, refresh=True)
    yield engine
    engine.drop_index(SPEC)


def test_a_place_in_the_query_favours_that_region_over_a_provider_name(places):
    plain = [h.id for h in places.search(SPEC, Query(text="深圳 公交")).hits]
    assert plain[:3] == ["f", "e", "a"]  # a matches 深圳 only through its provider's name
    boosted = places.search(SPEC, Query(text="深圳 公交", boosts={"region": ["shenzhen"]}))
    assert [h.id for h in boosted.hits][:3] == ["e", "f", "a"]


def test_ties_are_broken_by_certification_then_freshness(places):
    found = [h.id for h in places.search(SPEC, Query(text="公交数据")).hits]
    assert [i for i in found if i in "bcd"] == ["c", "d", "b"]  # same text, same score


def test_an_empty_query_lists_newest_first(places):
    found = [h.id for h in places.search(SPEC, Query(text="")).hits]
    assert found == ["d", "a", "b", "c", "f", "e"]


@pytest.mark.parametrize(
    ("query", "corrected", "title"),
    [
        ("气像 数据", "气象 数据", "气象观测小时数据"),
        ("航班 延悟", "航班 延误", "航班准点率统计"),
        ("敦皇 壁画", "敦煌 壁画", "敦煌壁画高清图像"),
        ("電網 富荷", "电网 负荷", "电网负荷曲线数据"),
        ("气像", "气象", "气象观测小时数据"),
    ],
)
def test_chinese_homophone_typos_are_corrected(loaded, query, corrected, title):
    results = loaded.search(LISTINGS, Query(text=query, per_page=5))
    assert results.hits[0].source["title_zh"] == title
    assert results.did_you_mean == corrected


def test_a_common_word_no_listing_holds_is_not_read_as_a_word_sounding_like_it(loaded):
    # 蔬菜 (vegetables) sounds like 素材 (footage) of the documentary listing: a buyer typing
    # it means vegetables, and the search says no listing holds it rather than answering
    # with footage.
    results = loaded.search(LISTINGS, Query(text="蔬菜 批发价"))
    assert results.did_you_mean is None
    assert "深圳城市纪录片素材" not in [hit.source["title_zh"] for hit in results.hits]
    # A dictionary word seldom meant is still read as the word a buyer of data means.
    assert loaded.search(LISTINGS, Query(text="医疗 影象")).did_you_mean == "医疗 影像"


def test_words_the_index_holds_are_not_corrected(loaded):
    results = loaded.search(LISTINGS, Query(text="实时 路况"))
    assert results.did_you_mean is None and results.total >= 1


def test_a_word_with_a_measure_suffix_also_matches_its_stem(loaded):
    # "负荷量" is no listing's word; its stem "负荷" is the grid listing's.
    assert titles(loaded, "电网 负荷量")[0] == "电网负荷曲线数据"
    assert ("负荷",) in analysis.expand(["负荷量"])[0].alternatives


def test_a_word_of_a_place_and_a_kind_finds_the_kind_when_the_place_has_none(loaded):
    # No listing is about Tianjin's port: the retry takes 天津 and 港口 apart, and ports come.
    results = loaded.search(LISTINGS, Query(text="天津港"))
    assert results.relaxed
    assert "港口集装箱吞吐量" in [hit.source["title_zh"] for hit in results.hits]


def test_transposed_letters_count_as_one_typo(loaded):
    assert loaded.search(LISTINGS, Query(text="metor")).did_you_mean == "metro"


def test_everyday_words_of_hong_kong_and_the_weather_find_the_trade_words(loaded):
    assert "深圳台风路径历史数据集" in titles(loaded, "八號風球")
    assert "天气预报接口" in titles(loaded, "明天 天气")


def test_a_long_word_no_listing_holds_falls_back_to_the_words_inside_it(loaded):
    # jieba keeps 总人口 whole and 人口 does not cover it; nothing holds 总人口 itself.
    results = loaded.search(LISTINGS, Query(text="总人口"))
    assert results.relaxed
    assert any("人口" in hit.source["title_zh"] for hit in results.hits[:3])


def test_words_that_only_say_data_neither_match_nor_count(loaded):
    # Every listing is data: 数据 and 统计 say nothing of which, so only 台风 must match.
    assert titles(loaded, "台风 数据 统计") == ["深圳台风路径历史数据集"]
    assert [g.text for g in analysis.expand(["台风", "历史", "数据"])] == ["台风"]
    assert [g.text for g in analysis.expand(["数据"])] == ["数据"]


def test_a_word_found_by_its_stem_takes_the_stems_synonyms(loaded):
    # No listing says 降雨量 or 降雨; its stem 降雨 is a synonym of the weather listing's 降水.
    assert ("降水",) in analysis.expand(["降雨量"])[0].alternatives
    # Rain radar holds 降水 too (in its keywords): either may come first.
    assert "气象观测小时数据" in titles(loaded, "降雨量")[:2]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("飞机 晚点", "航班准点率统计"),
        ("打车", "广州出租车轨迹数据"),
        ("气温", "气象观测小时数据"),
        ("肺癌", "医疗影像脱敏数据集"),
        ("貨櫃", "港口集装箱吞吐量"),
        ("sensor vibration", "工厂设备传感器数据"),
    ],
)
def test_buyers_everyday_and_regional_words_find_the_listings_words(loaded, query, title):
    # Top two: 气温 (温度) is also a column of the factory sensors, a shorter text.
    assert title in titles(loaded, query)[:2]


def test_the_filler_of_long_requests_is_not_matched():
    terms = analysis.query_terms("想要深圳的客流数据，特别是商场之类的，最好能按小时")
    assert not {"特别是", "之类", "最好", "能"} & set(terms)
    assert {"客流", "商场", "小时"} <= set(terms)
    assert analysis.query_terms("I'm looking for data, ideally available via API") == [
        "data",
        "api",
    ]


SYNONYM_SPEC = IndexSpec("synonymy", fields=(text("title", "en"),))


def test_a_word_scores_by_its_best_synonym_not_their_sum(engine):
    # Both engines take the best of a word's alternatives (OpenSearch ``dis_max``): holding
    # three synonyms of one word is worth no more than holding the word once.
    engine.ensure_index(SYNONYM_SPEC)
    docs = [
        {"id": "many", "title": "alpha beta gamma"},
        {"id": "once", "title": "alpha zeta"},
        {"id": "other-beta", "title": "beta eta"},
        {"id": "other-gamma", "title": "gamma eta"},
    ]  # each word in two documents, so none is rarer than another
    engine.index(SYNONYM_SPEC, docs, refresh=True)
    groups = Synonyms([["alpha", "beta", "gamma"]])
    results = engine.search(SYNONYM_SPEC, Query(text="alpha", synonyms=groups))
    assert [hit.id for hit in results.hits][:2] == ["once", "many"]
    engine.drop_index(SYNONYM_SPEC)


def test_a_query_of_words_no_listing_holds_still_counts_every_facet(loaded):
    # OpenSearch sends no search for words it knows no document holds; the answer keeps
    # every facet, with nothing counted.
    buckets = ((None, 100_000), (100_000, None))
    query = Query(text="qqxxzz zzyyqq", facets=["category", RangeFacet("price", buckets)])
    for _ in range(2):  # the second time, which words are held is remembered
        results = loaded.search(LISTINGS, query)
        assert results.total == 0 and results.hits == []
        assert results.facets == {"category": [], "price": [("*-100000", 0), ("100000-*", 0)]}


def test_a_word_said_twice_counts_once_among_the_words_that_must_match():
    terms = analysis.query_terms("grid load data to train a load forecasting model")
    assert [g.text for g in analysis.expand(terms)] == [
        "grid",
        "load",
        "train",
        "forecasting",
        "model",
    ]


def test_did_you_mean_knows_the_words_of_keywords_and_tags(engine):
    # "stock" is only in a listing's keywords, "turnover" only in its generated tags: neither
    # is a typo to correct into a title's word ("store", "turnout").
    docs = [
        {"id": "shares", "title_en": "Listed company sentiment index",
         "keywords_text": "stock 舆情", "tags_text": "finance 金融 turnover"},
        {"id": "shops", "title_en": "Store prices of groceries", "tags_text": "retail 零售"},
        {"id": "votes", "title_en": "Election turnout", "tags_text": "government 政务"},
    ]  # fmt: skip
    engine.index(LISTINGS, docs, refresh=True)
    for asked in ("stock prices", "stock", "turnover"):
        results = engine.search(LISTINGS, Query(text=asked))
        assert results.did_you_mean is None, asked
        assert "shares" in [hit.id for hit in results.hits], asked
    assert engine.search(LISTINGS, Query(text="stcok")).did_you_mean == "stock"


def test_pinned_documents_match_whatever_the_text_and_rank_first(places):
    # The Shenzhen documents are pinned: "e" matching the words, "b" not; "f" matches them
    # unpinned.
    query = Query(text="深圳 公交线路", pinned={"region": ["shenzhen"]}, facets=["region"])
    results = places.search(SPEC, query)
    found = [hit.id for hit in results.hits]
    assert found[:2] == ["e", "b"]  # pinned: the one matching the words first
    assert set(found[2:]) >= {"f"}
    assert dict(results.facets["region"])["shenzhen"] == 2


def test_pinned_documents_obey_the_filters_and_come_when_no_word_is_known(places):
    pinned = {"region": ["shenzhen"]}
    filtered = places.search(
        SPEC, Query(text="深圳 公交", pinned=pinned, filters={"certified": True})
    )
    found = [hit.id for hit in filtered.hits]
    assert found[0] == "f" and "e" not in found  # "e" is pinned but not certified
    unknown = places.search(SPEC, Query(text="qqxxzz", pinned=pinned))
    assert {hit.id for hit in unknown.hits} == {"b", "e"}


def test_pins_name_keyword_fields():
    with pytest.raises(InvalidQuery) as error:
        check(SPEC, Query(text="x", pinned={"title": ["x"]}))
    assert error.value.field == "pinned"


def test_when_few_match_most_words_those_matching_some_follow(engine):
    engine.ensure_index(SYNONYM_SPEC)
    docs = [
        {"id": "both", "title": "harbour cranes"},
        {"id": "harbour", "title": "harbour tides"},
        {"id": "cranes", "title": "cranes on towers"},
        {"id": "neither", "title": "river tides"},
    ]
    engine.index(SYNONYM_SPEC, docs, refresh=True)
    results = engine.search(SYNONYM_SPEC, Query(text="harbour cranes"))
    assert [hit.id for hit in results.hits][0] == "both"
    assert {hit.id for hit in results.hits[1:]} == {"harbour", "cranes"}
    assert (results.total, results.strict_total, results.relaxed) == (3, 1, False)
    # The page size does not change which documents match; a sorted search adds nothing.
    paged = engine.search(SYNONYM_SPEC, Query(text="harbour cranes", per_page=1))
    assert (paged.total, paged.strict_total, paged.hits[0].id) == (3, 1, "both")
    ordered = engine.search(SYNONYM_SPEC, Query(text="harbour cranes", sort=[SortKey("id")]))
    assert (ordered.total, ordered.strict_total) == (1, None)
    engine.drop_index(SYNONYM_SPEC)


def test_records_written_as_hong_kong_does_find_records_not_documentaries(loaded):
    # 紀錄 folds to 纪录, the first two characters of 纪录片 (documentary).
    found = titles(loaded, "紀錄")
    assert "共享单车骑行记录" in found
    assert "深圳城市纪录片素材" not in found
    assert "深圳城市纪录片素材" in titles(loaded, "紀錄片")


def test_hong_kong_words_for_a_shop_find_store_listings(loaded):
    for query in ("門市", "舖位"):
        assert "零售门店客流数据" in titles(loaded, query), query


@pytest.mark.parametrize(
    ("typed", "wanted"),
    [
        ("weath", "weather"),
        ("weather fore", "weather forecast"),
        ("metro rider", "metro ridership"),
    ],
)
def test_a_half_typed_last_word_is_read_as_a_prefix_before_any_correction(loaded, typed, wanted):
    results = loaded.search(LISTINGS, Query(text=typed, per_page=3))
    assert results.did_you_mean is None
    assert results.hits and all(
        wanted in hit.source["title_en"].lower() for hit in results.hits[:1]
    )
    assert not results.relaxed


COMPANY_SPEC = IndexSpec("companies", fields=(text("title", "zh", boost=3), text("about", "zh")))


COMPANIES = [
    {"id": "registry", "title": "企业工商登记", "about": "企业名称、股东与经营状态，用于核验"},
    {"id": "invoices", "title": "增值税开票记录", "about": "企业开具与作废的发票"},
    {
        "id": "sentiment",
        "title": "上市公司舆情指数",
        "about": "新闻舆情，供投资前核验与开票前尽调",
    },
    {"id": "loans", "title": "小微企业贷款", "about": "企业贷款余额与利率"},
    {"id": "power", "title": "企业用电量", "about": "企业每月用电"},
    {"id": "jobs", "title": "企业招聘岗位", "about": "企业发布的岗位与薪资"},
    {"id": "patents", "title": "企业专利", "about": "企业申请的发明专利"},
    {"id": "weather", "title": "气象观测", "about": "逐小时气温与降水"},
]


@pytest.mark.parametrize("asked", ["企业", "企业 核验", "企业开票"])
def test_a_words_rare_synonym_weighs_no_more_than_the_word(engine, asked):
    # 企业 ≡ 公司 weigh as one word: 公司, in one listing, must not outweigh 企业, in most,
    # because it is rarer on its own (the listed-company sentiment index is not a registry).
    engine.ensure_index(COMPANY_SPEC)
    engine.index(COMPANY_SPEC, COMPANIES, refresh=True)
    groups = Synonyms([["企业", "公司"]])
    ids = [hit.id for hit in engine.search(COMPANY_SPEC, Query(text=asked, synonyms=groups)).hits]
    wanted = "invoices" if "开票" in asked else "registry"
    assert ids.index(wanted) < ids.index("sentiment"), ids
    engine.drop_index(COMPANY_SPEC)


def test_a_word_keeps_its_weight_after_searches_of_groups_sharing_its_terms(engine):
    # A term's document count is the whole index's, not that of the documents of whichever
    # group counted it last (企业 in 企业 登记, a word of another group).
    engine.ensure_index(COMPANY_SPEC)
    engine.index(COMPANY_SPEC, COMPANIES, refresh=True)
    groups = Synonyms([["企业", "公司"], ["工商登记", "企业 登记"]])
    for asked in ("企业", "工商登记", "企业"):
        results = engine.search(COMPANY_SPEC, Query(text=asked, synonyms=groups))
    ids = [hit.id for hit in results.hits]
    assert ids.index("registry") < ids.index("sentiment"), ids
    engine.drop_index(COMPANY_SPEC)


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [("天汽预报", "天气预报"), ("wether forcast", "weather forecast"), ("气像 数据", "气象 数据")],
)
def test_a_corrected_query_answers_what_its_correction_finds(loaded, typed, corrected):
    # Not the correction plus every listing holding a fragment of the misspelt words.
    results = loaded.search(LISTINGS, Query(text=typed, per_page=100))
    wanted = loaded.search(LISTINGS, Query(text=corrected, per_page=100))
    assert results.did_you_mean == corrected
    assert [h.id for h in results.hits] == [h.id for h in wanted.hits]
    assert (results.total, results.strict_total) == (wanted.total, wanted.strict_total)


def test_a_homophone_typo_is_read_as_the_word_sharing_its_characters(loaded):
    # 注侧 sounds like 注册 (registered) and, leniently, like 租车 (car hire) of the taxi
    # listings; an input method keeps the characters it got right.
    results = loaded.search(LISTINGS, Query(text="工商 注侧", per_page=3))
    assert results.did_you_mean == "工商 注册"
    assert results.hits[0].source["title_zh"] == "企业工商登记信息"


def test_a_long_request_is_not_answered_through_look_alikes_of_its_everyday_words(loaded):
    # team, plan and near are not in the listings, but team → text, plan → plants and
    # near → news are: answering the request through those would answer another one.
    asked = (
        "our team needs metro ridership numbers per station to plan new shops near busy stations"
    )
    results = loaded.search(LISTINGS, Query(text=asked, per_page=3))
    assert results.did_you_mean is None
    assert results.hits[0].source["title_en"] == "Shenzhen metro ridership statistics"


def test_taking_a_taxi_in_everyday_words_finds_taxi_data(loaded):
    # 打的 is one word (take a taxi), not 打 and the particle 的 that searches drop.
    results = loaded.search(LISTINGS, Query(text="打的", per_page=3))
    assert results.hits[0].source["title_en"] == "Guangzhou taxi GPS trajectories"


def test_a_synonym_no_listing_holds_neither_narrows_nor_lowers_the_word(engine, docs):
    # A curator's typo (天汽預報) grouped with 天氣預報: the word must still find the listing
    # that says 天气 and 预报 apart, as it does without the group, and score every one alike.
    apart = {**docs[8], "id": "apart", "title_zh": "城市天气逐日预报", "keywords": []}
    apart["description_zh"], apart["keywords_text"] = "各城市天气的逐日预报。", ""
    engine.index(LISTINGS, [*docs, apart], refresh=True)
    plain = Synonyms([], DEFAULT_SYNONYMS)
    typo = Synonyms([["天汽預報", "天氣預報"]], DEFAULT_SYNONYMS)
    for asked in ("天气预报", "天氣預報"):
        wanted = engine.search(LISTINGS, Query(text=asked, synonyms=plain))
        found = engine.search(LISTINGS, Query(text=asked, synonyms=typo))
        assert "apart" in [hit.id for hit in wanted.hits]
        assert [(h.id, pytest.approx(h.score)) for h in found.hits] == [
            (h.id, h.score) for h in wanted.hits
        ]
        assert found.total == wanted.total


def test_a_term_no_listing_holds_finds_what_the_terms_of_its_group_find(engine, docs):
    # The typo itself, searched: it is read as its group, so it finds what 天氣預報 finds,
    # the listing saying 天气 and 预报 apart included, not only those holding 天气预报 whole.
    # 预报 keeps its own synonyms (预测): listings holding only those follow, told apart.
    apart = {**docs[8], "id": "apart", "title_zh": "城市天气逐日预报", "keywords": []}
    apart["description_zh"], apart["keywords_text"] = "各城市天气的逐日预报。", ""
    engine.index(LISTINGS, [*docs, apart], refresh=True)
    typo = Synonyms([["天汽預報", "天氣預報"]], DEFAULT_SYNONYMS)
    wanted = engine.search(LISTINGS, Query(text="天氣預報", synonyms=typo, per_page=100))
    assert "apart" in [hit.id for hit in wanted.hits]
    for asked in ("天汽預報", "天汽预报"):
        found = engine.search(LISTINGS, Query(text=asked, synonyms=typo, per_page=100))
        strict = found.hits[: found.strict_total or found.total]
        assert sorted(h.id for h in strict) == sorted(h.id for h in wanted.hits), asked


def test_a_long_english_request_answered_as_typed_is_not_searched_again(loaded, monkeypatch):
    # OpenSearch matches English words as typed and only suggests corrections beside them:
    # when the correction is not taken, its first search is the answer.
    if not hasattr(loaded, "driver"):
        pytest.skip("the embedded engine corrects English words inside its search")
    runs = []
    answer = loaded._answer
    monkeypatch.setattr(
        loaded, "_answer", lambda *a, **k: runs.append(a[2].text) or answer(*a, **k)
    )
    asked = (
        "our team needs metro ridership numbers per station to plan new shops near busy stations"
    )
    results = loaded.search(LISTINGS, Query(text=asked, per_page=3))
    assert results.did_you_mean is None
    assert results.hits[0].source["title_en"] == "Shenzhen metro ridership statistics"
    # As typed only: its short words are two edits from the index's (team, text; plan,
    # plants; near, news), one too many for a word of five letters or fewer, so there is
    # no correction to search beside it.
    assert runs == [asked]


def test_a_listing_holding_all_three_words_comes_first(engine):
    # Three words must all match (then the listings matching some follow): before, two of
    # three were enough, and two words in a title outranked all three in a description.
    docs = [
        {"id": "all", "title_en": "Port report", "description_en": "harbour cranes and tides"},
        {"id": "two", "title_en": "Harbour cranes", "description_en": "harbour cranes"},
        {"id": "one", "title_en": "River tides"},
        {"id": "other", "title_en": "Museum murals"},
        {"id": "more", "title_en": "Bus card taps"},
    ]  # fmt: skip
    engine.index(LISTINGS, docs, refresh=True)
    results = engine.search(LISTINGS, Query(text="harbour cranes tides"))
    assert [hit.id for hit in results.hits][0] == "all"
    assert {hit.id for hit in results.hits[1:]} == {"two", "one"}
    assert results.strict_total == 1


def test_a_hotels_room_rate_is_no_house_price(engine, docs):
    # 平均房价 (average room rate) holds 房价, which alone is a house price: 樓價 listed hotel
    # occupancy reports. The room rate still finds the hotel, and 房价 the homes.
    hotel = {**docs[8], "id": "hotel", "title_zh": "澳门酒店入住率与平均房价", "keywords": []}
    hotel["description_zh"], hotel["keywords_text"] = "酒店入住率、客房价格与日均房价月报。", ""
    homes = {**docs[8], "id": "homes", "title_zh": "香港住宅房价指数", "keywords": []}
    homes["description_zh"], homes["keywords_text"] = "香港各区住宅房价月度指数。", ""
    engine.index(LISTINGS, [*docs, hotel, homes], refresh=True)
    for asked in ("樓價", "香港 樓價", "房价", "house prices"):
        found = [hit.id for hit in engine.search(LISTINGS, Query(text=asked)).hits]
        assert "homes" in found and "hotel" not in found, asked
    for asked in ("平均房價", "客房价格", "日均房价", "average daily rate"):
        found = [hit.id for hit in engine.search(LISTINGS, Query(text=asked)).hits]
        assert found[:1] == ["hotel"] and "homes" not in found, asked


def test_a_whole_words_inner_words_are_not_indexed():
    assert analysis.index_tokens("平均房價") == "平均房价"
    assert "房价" in analysis.index_tokens("住宅房价").split()
    for word, form in analysis.whole_word_forms().items():
        assert "房价" not in form, word


CORPUS_SPEC = IndexSpec(
    "corpora", fields=(text("title", "zh", boost=3), text("title_en", "en"), text("about", "zh"))
)

CORPORA = [
    {
        "id": "instructions",
        "title": "中文大模型指令微调数据集",
        "title_en": "Chinese LLM instruction tuning dataset",
        "about": "政务与金融场景的指令样本",
    },
    *(
        {
            "id": f"speech-{n}",
            "title": f"{dialect}语音识别训练语料",
            "title_en": f"{dialect_en} speech recognition corpus",
            "about": "朗读语音与转写文本",
        }
        for n, (dialect, dialect_en) in enumerate(
            [("普通话", "Mandarin"), ("粤语", "Cantonese"), ("闽南语", "Hokkien")]
        )
    ),
    *(
        {"id": name, "title": title, "title_en": title_en, "about": about}
        for name, title, title_en, about in [
            ("weather", "气象观测", "Weather observations", "逐小时气温"),
            ("metro", "地铁客流", "Metro ridership", "进出站人次"),
            ("taxi", "出租车轨迹", "Taxi trajectories", "每30秒的定位点"),
            ("power", "电网负荷", "Grid load", "逐小时用电负荷"),
            ("murals", "敦煌壁画图像", "Dunhuang mural images", "高清壁画扫描"),
            ("prices", "生猪价格", "Hog prices", "每日批发价格"),
        ]
    ),
]


@pytest.mark.parametrize("asked", ["中文语音数据集", "Chinese speech dataset"])
def test_a_word_of_form_or_language_weighs_less_than_the_subject(engine, asked):
    # 中文 (Chinese) is in one listing, 语音 (speech) in three: by its rarity alone 中文 would
    # say more, and the instruction-tuning data, holding 中文 and 数据集, would come first.
    # The buyer asks for speech; Chinese and dataset say little about which data.
    engine.ensure_index(CORPUS_SPEC)
    engine.index(CORPUS_SPEC, CORPORA, refresh=True)
    ids = [hit.id for hit in engine.search(CORPUS_SPEC, Query(text=asked)).hits]
    assert set(ids[:3]) == {"speech-0", "speech-1", "speech-2"}, ids
    assert "instructions" in ids, ids
    engine.drop_index(CORPUS_SPEC)


ROADS = [
    {"id": "bikes", "title": "共享单车骑行记录", "about": "自行车道规划与自行车调度"},
    {"id": "dashcams", "title": "车载视频", "about": "行车途中录制的视频与车速"},
    {"id": "weather", "title": "气象观测", "about": "逐小时气温与降水"},
    {"id": "stations", "title": "气象观测站点", "about": "站点位置与海拔"},
    {"id": "metro", "title": "地铁客流", "about": "进出站人次"},
    {"id": "power", "title": "电网负荷", "about": "逐小时用电负荷"},
]


def test_a_word_inside_a_longer_word_it_is_no_part_of_matches_after_it_as_a_word(engine):
    # Jieba indexes every dictionary word inside a long word: 自行车 (自行 + 车) also gives
    # 行车 (driving). A listing of bicycles still matches 行车, but after one that says it.
    if hasattr(engine, "driver"):
        pytest.skip("OpenSearch matches Chinese by character pairs, which know no words")
    engine.ensure_index(COMPANY_SPEC)
    engine.index(COMPANY_SPEC, ROADS, refresh=True)
    ids = [hit.id for hit in engine.search(COMPANY_SPEC, Query(text="行车")).hits]
    assert ids == ["dashcams", "bikes"], ids
    # A word that is a part of the longer word (气象 in 气象观测) is matched there as itself.
    results = engine.search(COMPANY_SPEC, Query(text="气象"))
    assert {hit.id for hit in results.hits} == {"weather", "stations"}
    engine.drop_index(COMPANY_SPEC)


def test_a_word_inside_too_many_longer_words_matches_in_them_all_as_itself(engine, monkeypatch):
    # The longer words a query word is kept apart from are bounded, so the query stays small.
    if hasattr(engine, "driver"):
        pytest.skip("OpenSearch matches Chinese by character pairs, which know no words")
    monkeypatch.setattr("search.embedded.CONTAINERS", 0)
    engine.ensure_index(COMPANY_SPEC)
    engine.index(COMPANY_SPEC, ROADS, refresh=True)
    ids = [hit.id for hit in engine.search(COMPANY_SPEC, Query(text="行车")).hits]
    assert ids == ["bikes", "dashcams"], ids
    engine.drop_index(COMPANY_SPEC)


def test_an_inflected_english_word_takes_its_words_synonyms(engine):
    # Only the Chinese says company, city and property; the lookup cut a final s alone, so
    # companies (companie) and property prices (property price) missed their groups.
    docs = [
        {"id": "firms", "title_zh": "企业名单", "keywords_text": "企业"},
        {"id": "towns", "title_zh": "城区名单", "keywords_text": "城区"},
        {"id": "homes", "title_zh": "楼价指数", "keywords_text": "楼价"},
    ]  # fmt: skip
    engine.index(LISTINGS, docs, refresh=True)
    mine = Synonyms([("企业", "company"), ("城区", "city"), ("楼价", "property price")])

    def found(text: str) -> list[str]:
        return [hit.id for hit in engine.search(LISTINGS, Query(text=text, synonyms=mine)).hits]

    assert found("companies") == ["firms"]
    assert found("cities") == ["towns"]
    assert found("property prices") == ["homes"]
    assert found("properties prices") == ["homes"]


def test_a_word_of_another_words_stem_takes_none_of_its_synonyms(engine):
    # Porter cuts parking to park, news to new and AIS to ai: other words, whose synonyms
    # are not theirs.
    docs = [
        {"id": "green", "title_zh": "公园名录", "keywords_text": "公园"},
        {"id": "fresh", "title_zh": "新楼盘", "keywords_text": "新"},
        {"id": "learning", "title_zh": "人工智能", "keywords_text": "人工智能"},
        {"id": "bonds", "title_zh": "国债收益率", "keywords_text": "收益率"},
    ]  # fmt: skip
    engine.index(LISTINGS, docs, refresh=True)
    # yields (of bonds) is written in the plural only: a crop's yield is not one.
    mine = Synonyms([("公园", "park"), ("新楼盘", "new"), ("人工智能", "ai"), ("收益率", "yields")])

    def found(text: str) -> list[str]:
        return [hit.id for hit in engine.search(LISTINGS, Query(text=text, synonyms=mine)).hits]

    assert found("parks") == ["green"]
    assert found("parking") == found("news") == found("ais") == found("yield") == []


@pytest.mark.parametrize(
    ("typed", "term", "plural"),
    [
        ("companies", "company", True),
        ("prices", "price", True),
        ("boxes", "box", True),
        ("movies", "movie", True),
        ("apis", "api", True),
        ("price", "price", True),
        ("company", "companies", False),
        ("yield", "yields", False),
        ("news", "new", False),
        ("ais", "ai", False),
        ("parking", "park", False),
        ("glass", "glas", False),
    ],
)
def test_a_typed_english_word_is_a_term_or_its_plural(typed, term, plural):
    assert analysis.plural_of(typed, term) is plural


#: A curator's group whose terms are each two words (港铁 + 客流, 港铁 + 乘客量).
HONG_KONG_RIDERSHIP = Synonyms([("港鐵客流", "港鐵乘客量")], defaults=DEFAULT_SYNONYMS)


@pytest.mark.parametrize(
    "query", ["港鐵客流", "港铁客流", "港鐵 客流", "港鐵乘客量", "mtr ridership"]
)
@pytest.mark.parametrize(
    "synonyms",
    [HONG_KONG_RIDERSHIP, Synonyms([("mtr ridership", "港铁客流")], defaults=DEFAULT_SYNONYMS)],
)
def test_a_curated_term_of_several_words_only_widens_the_search(loaded, query, synonyms):
    # Without the group, 港铁 finds 地铁 (Hong Kong's metro's group) and 客流 itself: the
    # metro ridership listing comes first. The group must keep that, not ask for 港铁 客流
    # written as typed, which no listing holds.
    before = Query(text=query, per_page=100, synonyms=Synonyms([], defaults=DEFAULT_SYNONYMS))
    results = loaded.search(LISTINGS, Query(text=query, per_page=100, synonyms=synonyms))
    assert not results.relaxed
    assert results.hits[0].source["title_zh"] == "深圳地铁客流统计"
    found = {hit.id for hit in results.hits}
    assert {hit.id for hit in loaded.search(LISTINGS, before).hits} <= found


def test_a_curated_term_of_several_words_finds_its_groups_other_terms(engine, docs):
    [metro] = [d for d in docs if d["title_zh"] == "深圳地铁客流统计"]
    hong_kong = {
        **metro,
        "id": "HK",
        "title_zh": "月报",
        "title_en": "MTR boardings monthly",
        "description_zh": "按月统计。",
        "description_en": "Monthly.",
        "keywords": ["月报"],
        "keywords_text": "月报",
    }
    engine.index(LISTINGS, [metro, hong_kong], refresh=True)
    mine = Synonyms([("港鐵客流", "MTR boardings")], defaults=DEFAULT_SYNONYMS)

    def holding_every_word(synonyms):
        results = engine.search(LISTINGS, Query(text="港鐵客流", synonyms=synonyms))
        strict = results.total if results.strict_total is None else results.strict_total
        return [hit.source["title_zh"] for hit in results.hits[:strict]]

    assert holding_every_word(Synonyms([], defaults=DEFAULT_SYNONYMS)) == ["深圳地铁客流统计"]
    assert set(holding_every_word(mine)) == {"深圳地铁客流统计", "月报"}


def test_words_of_a_curated_term_keep_their_own_groups_and_take_its_synonyms():
    groups = analysis.expand(analysis.query_terms("港鐵客流"), HONG_KONG_RIDERSHIP)
    assert [g.text for g in groups] == ["港铁", "客流"]
    assert ("地铁",) in groups[0].alternatives
    assert all(("港铁", "乘客", "量") in g.alternatives for g in groups)


def test_hong_kong_words_for_estates_and_homes_to_let_find_property_listings(loaded):
    # No listing says 楼盘 or 租盘: they are the real-estate group's, as 楼市 and 物业 are.
    for query in ("樓盤", "租盤", "楼盘"):
        assert titles(loaded, query)[:1] == ["不动产交易登记统计"], query


def test_a_hong_kong_metro_line_finds_metro_listings_not_its_first_character(loaded):
    # jieba cut 東鐵綫 into 东 + 铁线: the embedded engine found nothing, and OpenSearch
    # matched 东 inside 广东 and 东莞 (a lone character matches inside any word there).
    assert analysis.query_terms("東鐵綫") == ["东铁线"]
    found = titles(loaded, "東鐵綫")
    assert found and found[0] == "深圳地铁客流统计"
    assert not [title for title in found if "地铁" not in title and "轨道" not in title]


STOCK_SPEC = IndexSpec("stocks", fields=(text("title", "zh", boost=3), text("about", "mixed")))


def test_a_lone_chinese_character_typed_last_reads_as_the_words_it_starts(engine):
    # The embedded engine indexes words, none of them 港 alone here: it found nothing, where
    # OpenSearch matches the character inside any word.
    engine.ensure_index(STOCK_SPEC)
    engine.index(
        STOCK_SPEC,
        [
            {"id": "port", "title": "港口集装箱吞吐量", "about": "码头月度统计"},
            {"id": "metro", "title": "地铁客流统计", "about": "进出站客流"},
        ],
        refresh=True,
    )
    assert [hit.id for hit in engine.search(STOCK_SPEC, Query(text="港")).hits] == ["port"]
    engine.drop_index(STOCK_SPEC)


def test_a_synonym_reading_as_one_character_it_is_more_than_is_not_searched(engine):
    # A股 loses its A to the stop words and reads as 股, which on OpenSearch matched every
    # word holding it: 港股 found the company registry by its shareholders (股东).
    assert ("股",) not in analysis.default_synonyms().lookup("港股")
    engine.ensure_index(STOCK_SPEC)
    engine.index(
        STOCK_SPEC,
        [
            {"id": "registry", "title": "企业工商登记", "about": "企业名称、股东与经营状态"},
            {"id": "sentiment", "title": "上市公司舆情指数", "about": "股票 stocks 新闻舆情"},
        ],
        refresh=True,
    )
    hits = engine.search(STOCK_SPEC, Query(text="港股")).hits
    assert [hit.id for hit in hits] == ["sentiment"]
    engine.drop_index(STOCK_SPEC)


@pytest.mark.parametrize("query", ["股票行情", "股票 价格", "stock prices"])
def test_a_word_of_price_weighs_less_than_the_thing_priced(loaded, query):
    # Only the hog prices listing says 行情 (in its title) and price words are in several; the
    # stock listing holds 股票 alone. 行情 was as rare as 股票, so the hogs came first.
    assert titles(loaded, query)[:1] == ["上市公司舆情指数"]


ARRIVALS_SPEC = IndexSpec("arrivals", fields=(text("title", "zh", boost=3), text("about", "mixed")))


@pytest.mark.parametrize("query", ["bus arrival", "real-time bus arrival", "machine learning"])
def test_a_word_meaning_a_groups_sense_only_in_a_phrase_takes_none_of_its_synonyms(engine, query):
    # arrival alone was 入境 (visitor arrivals) and machine alone 设备 (equipment): a bus's
    # arrival found border crossings, machine learning found machinery.
    engine.ensure_index(ARRIVALS_SPEC)
    engine.index(
        ARRIVALS_SPEC,
        [
            {"id": "border", "title": "口岸入境旅客统计", "about": "每日入境人次"},
            {"id": "plant", "title": "工厂设备运行数据", "about": "设备振动与温度"},
            {"id": "bus", "title": "公交实时到站", "about": "bus arrival times, machine learning"},
        ],
        refresh=True,
    )
    assert [hit.id for hit in engine.search(ARRIVALS_SPEC, Query(text=query)).hits] == ["bus"]
    engine.drop_index(ARRIVALS_SPEC)


@pytest.mark.parametrize(
    "query", ["medical records", "hospital records", "anonymised hospital records", "医疗记录"]
)
def test_a_word_of_form_in_a_phrase_says_what_is_wanted(loaded, query):
    # records (记录) is a word of form and was left out: medical records read as medical alone
    # and found the online consultations, the imaging and the drugs before the health records.
    assert titles(loaded, query)[:1] == ["电子病历结构化数据"]


def test_a_word_saying_data_is_left_out_in_a_phrase_too():
    # Every listing is data: kept in alternative data, it added a group of its own to a long
    # request, whose query went past OpenSearch's 1,024 clauses.
    groups = analysis.expand(analysis.query_terms("alternative data on consumer spending"))
    assert "data" not in [group.text for group in groups]
    assert "records" in [g.text for g in analysis.expand(["medical", "records"])]


def _synonym_rich(latin: bool) -> str:
    """A request of the first word of each of the largest built-in groups: many words with
    many synonyms each, past the clauses an OpenSearch query takes when all are asked."""
    words = []
    for group in sorted(DEFAULT_SYNONYMS, key=len, reverse=True):
        fitting = [t for t in group if t.isascii() == latin and " " not in t and len(t) > 1]
        if fitting:
            words.append(fitting[0])
    return " ".join(words)[:500]


@pytest.mark.parametrize("latin", [True, False])
def test_a_request_of_many_synonym_rich_words_is_answered_not_refused(loaded, latin):
    # OpenSearch refused it ("too many nested clauses"), and the buyer was told search was
    # unavailable: it is asked again with fewer synonyms a word, then with the words alone.
    text = _synonym_rich(latin)
    assert len(analysis.expand(analysis.query_terms(text))) >= 12
    results = loaded.search(LISTINGS, Query(text=text, per_page=10))
    assert results.total >= 0 and len(results.hits) <= 10


def test_a_short_word_is_corrected_by_one_edit_a_longer_one_by_two(engine):
    engine.ensure_index(SYNONYM_SPEC)
    docs = [
        {"id": "bus", "title": "bus line timetable"},
        {"id": "weather", "title": "weather observations"},
        {"id": "clock", "title": "time series"},
        {"id": "maps", "title": "line maps"},
        {"id": "zones", "title": "time zones"},
        {"id": "sky", "title": "cloud cover"},
    ]
    engine.index(SYNONYM_SPEC, docs, refresh=True)

    def meant(text: str) -> str | None:
        return engine.search(SYNONYM_SPEC, Query(text=text)).did_you_mean

    # Two edits make another word of a short one: land is not line, tick not time.
    assert (meant("land maps"), meant("tick zones")) == (None, None)
    # Nor of one of six: the British colour is not a cloud (OpenSearch offered it).
    assert meant("colour maps") is None
    assert meant("lina maps") == "line maps"
    assert meant("bus obsevatoins") == "bus observations"
    engine.drop_index(SYNONYM_SPEC)


PURPOSE_SPEC = IndexSpec("purposes", fields=(text("title", "mixed"),))


def test_a_purpose_clause_is_read_apart_from_the_data_wanted():
    def purpose(text: str) -> set[str]:
        return {g.text for g in analysis.words_of(text) if g.purpose}

    assert purpose("historical crop yields by county to train a crop model") == {"train", "model"}
    assert purpose("bus arrivals in order to build a commuter app") == {
        "order",
        "build",
        "commuter",
        "app",
    }
    assert purpose("weather observations for training, hourly") == {"training"}
    # A clause after the data runs to the sentence's end; one opening the request, to its 的.
    assert purpose("想找深圳的二手房成交数据，用来做房地产投资分析") == {"房地产", "投资", "分析"}
    assert purpose("有没有用来训练医疗问答大模型的中文医疗文本语料") == {"训练", "问答", "大模型"}
    assert purpose("为了做选址分析，需要人口热力数据") == {"为了", "选址", "分析"}
    # A plan needs no opening word: a word of intent before a verb of planning opens one.
    assert purpose("澳门跨境旅客数据，我们要规划口岸附近的商业项目") == {
        "规划", "口岸", "附近", "商业", "项目"
    }  # fmt: skip
    assert purpose("打算评估门店选址，需要人流数据") == {"打算", "评估", "门店", "选址"}
    assert purpose("想要深圳的人口数据") == set()
    # Not every "to" opens one, and a request that is all purpose keeps its words.
    assert purpose("truck traffic from Shenzhen to Hong Kong") == set()
    assert purpose("用于训练") == set()


@pytest.mark.parametrize(
    "request_",
    [
        "historical crop yields by county to train a crop model",
        "县域粮食产量数据，用来训练作物模型",
        "用于训练作物模型的县域粮食产量",
        "县域粮食产量数据，我们要规划作物模型训练",
    ],
)
def test_words_of_purpose_weigh_less_than_the_words_of_the_data(engine, request_):
    engine.ensure_index(PURPOSE_SPEC)
    docs = [
        {"id": "yields", "title": "crop yields by county 县域 粮食 产量 作物"},
        {"id": "corpus", "title": "crop model training corpus 作物 模型 训练 语料"},
        {"id": "population", "title": "county population 县域 人口"},
        {"id": "bonds", "title": "bond yields 债券 产量"},
        *({"id": f"other-{n}", "title": f"harbour tides {n} 港口 潮汐"} for n in range(6)),
    ]  # the words of the data in two listings each, those of purpose in one: rarer
    engine.index(PURPOSE_SPEC, docs, refresh=True)
    results = engine.search(PURPOSE_SPEC, Query(text=request_))
    assert results.hits[0].id == "yields"
    engine.drop_index(PURPOSE_SPEC)


def test_the_words_naming_a_breakdown_are_not_words_of_the_data():
    def words(text: str) -> list[str]:
        return [g.text for g in analysis.words_of(text)]

    assert words("electricity usage by industry") == ["electricity", "usage"]
    assert words("bus card taps by route and stop") == ["bus", "card", "taps"]
    assert words("rainfall by the hour in Shenzhen") == ["rainfall", "shenzhen"]
    assert words("按行业 用电量") == ["用电量"]
    # Said of the data as well, or alone, the word stays; 按揭 (mortgage) is no 按.
    assert words("district boundaries by district") == ["district", "boundaries"]
    assert words("by industry") == ["industry"]
    assert words("按揭 利率") == ["按揭", "利率"]
    # Nor when the words of purpose would then match as many as the words of the data do.
    assert words("crop yields by county to train a crop model") == [
        "crop", "yields", "county", "train", "model"
    ]  # fmt: skip


@pytest.mark.parametrize("request_", ["electricity usage by industry", "电力 按行业"])
def test_a_listing_holding_the_breakdown_does_not_rank_above_the_data(engine, request_):
    # The carbon accounts hold industry among their columns: as a word to match, it brought
    # them above the grid's load curves for electricity usage by industry.
    engine.ensure_index(PURPOSE_SPEC)
    docs = [
        {"id": "load", "title": "electricity load 电力 负荷"},
        {
            "id": "carbon",
            "title": "carbon emission accounts of key enterprises, columns: industry, "
            "electricity 碳排放 核算 重点 企业 行业 电力 排放 因子",
        },
        *({"id": f"other-{n}", "title": f"harbour tides {n} 港口 潮汐"} for n in range(6)),
    ]
    engine.index(PURPOSE_SPEC, docs, refresh=True)
    results = engine.search(PURPOSE_SPEC, Query(text=request_))
    assert results.hits[0].id == "load"
    engine.drop_index(PURPOSE_SPEC)


@pytest.mark.parametrize("request_", ["high resolution museum images", "博物馆高清图片"])
def test_a_quality_any_listing_may_state_does_not_choose_the_product(engine, request_):
    # High resolution is said of satellite imagery, murals and woodcarvings alike: as a word
    # to match, it brought the satellite imagery first for high resolution museum images.
    assert [g.text for g in analysis.words_of("古画高清图片")] == ["古画", "图片"]
    assert [g.text for g in analysis.words_of("高清")] == ["高清"]
    engine.ensure_index(PURPOSE_SPEC)
    docs = [
        {"id": "satellite", "title": "high resolution satellite imagery 高分辨率 卫星 影像"},
        {"id": "museum", "title": "museum artefacts 博物馆 文物"},
        *({"id": f"other-{n}", "title": f"harbour images {n} 港口 图片"} for n in range(6)),
    ]
    engine.index(PURPOSE_SPEC, docs, refresh=True)
    results = engine.search(PURPOSE_SPEC, Query(text=request_))
    assert results.hits[0].id == "museum"
    engine.drop_index(PURPOSE_SPEC)


FORMS_SPEC = IndexSpec("forms", fields=(text("title", "mixed"), keyword("region")))


def test_a_word_made_of_words_of_form_says_no_more_than_they_do(engine):
    # 历史数据 is one word to jieba: kept, it made the typhoon history match a request for
    # stock prices' history as well as the stock listings did, and rank first.
    assert analysis.form_word("历史数据") and analysis.form_word("统计信息")
    assert not analysis.form_word("气象数据") and not analysis.form_word("历史天气")
    assert [g.text for g in analysis.words_of("港股 行情 歷史數據")] == ["港股", "行情"]
    engine.ensure_index(FORMS_SPEC)
    docs = [
        {"id": "typhoon", "title": "台风路径历史数据", "region": "hong_kong"},
        *(
            {"id": f"stocks-{n}", "title": "上市公司股票日线", "region": "beijing"}
            for n in range(3)
        ),
        *({"id": f"tides-{n}", "title": f"港口潮汐 {n}", "region": "shanghai"} for n in range(4)),
    ]
    engine.index(FORMS_SPEC, docs, refresh=True)
    results = engine.search(
        FORMS_SPEC, Query(text="股票 历史数据", nudges={"region": ["hong_kong"]})
    )
    assert [hit.id for hit in results.hits] == ["stocks-0", "stocks-1", "stocks-2"]
    engine.drop_index(FORMS_SPEC)


def test_a_listing_in_the_place_named_counts_the_place_as_a_word_it_holds(engine):
    # 澳門 旅客 消費: Macao's visitor counts hold one of the two words and are offered for
    # Macao; twenty other cities' listings holding both words left them out altogether.
    engine.ensure_index(FORMS_SPEC)
    docs = [
        {"id": "macao", "title": "景区旅客人次", "region": "macao"},
        *({"id": f"hk-{n}", "title": "景区旅客人次", "region": "hong_kong"} for n in range(3)),
        *(
            {"id": f"mall-{n}", "title": f"商场旅客消费 {n}", "region": "beijing"}
            for n in range(20)
        ),
        *({"id": f"tides-{n}", "title": f"港口潮汐 {n}", "region": "shanghai"} for n in range(4)),
    ]
    engine.index(FORMS_SPEC, docs, refresh=True)
    results = engine.search(
        FORMS_SPEC, Query(text="旅客 消费", boosts={"region": ["macao"]}, per_page=100)
    )
    found = [hit.id for hit in results.hits]
    assert "macao" in found and results.total == 21
    assert not any(name.startswith("hk-") for name in found)
    # A place is no word alone: a search of one word needs it.
    alone = engine.search(
        FORMS_SPEC, Query(text="消费", boosts={"region": ["macao"]}, per_page=100)
    )
    assert "macao" not in [hit.id for hit in alone.hits]
    engine.drop_index(FORMS_SPEC)


TITLED = IndexSpec(
    "titled",
    fields=(
        text("title", "en", boost=3, suggest=True),
        text("description", "en"),
        keyword("region"),
    ),
)


def test_a_longer_title_costs_little_against_a_place_the_query_names(engine):
    # Shenzhen's station observations, whose longer title names the weather, come before the
    # other cities' forecasts, whose short titles do: a title's length says little of how
    # much it is about a word (OpenSearch weighed it as a description's, Lucene's default).
    engine.ensure_index(TITLED)
    docs = [
        {"id": "observations", "region": "shenzhen",
         "title": "hourly weather station observations from surface stations",
         "description": "hourly temperature, humidity and wind from surface stations"},
        *({"id": f"forecast-{city}", "region": city, "title": "weather forecast",
           "description": "seven-day hourly forecasts for every district"}
          for city in ("beijing", "shanghai", "hangzhou")),
        *({"id": f"other-{n}", "region": "shenzhen", "title": title, "description": title}
          for n, title in enumerate(("bus card taps", "metro ridership", "port throughput"))),
    ]  # fmt: skip
    engine.index(TITLED, docs, refresh=True)
    found = engine.search(TITLED, Query(text="weather", boosts={"region": ["shenzhen"]}))
    assert [hit.id for hit in found.hits][0] == "observations"
    engine.drop_index(TITLED)
