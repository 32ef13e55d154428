"""The built-in lexicon grown from the catalogue's side: for what each product is about, the
words a mainland, Hong Kong or foreign buyer types, whatever query they come in."""

from __future__ import annotations

import pytest

from search import Query, analysis
from tests.search.listings import LISTINGS


@pytest.mark.parametrize(
    ("word", "equivalent"),
    [
        # transport and weather
        ("羊城通", "交通卡"), ("patronage", "ridership"), ("塞車", "路况"),
        ("charging pile", "充电桩"), ("ship tracking", "ais"), ("od matrix", "起终点"),
        ("road haulage", "公路货运"), ("颱風路徑", "typhoon track"), ("gridded", "格点"),
        ("高清", "高分辨率"),
        # finance and health
        ("bad debt", "违约"), ("呎價", "房价"), ("收益率曲線", "yield curve"), ("索償", "索赔"),
        ("睇醫生", "门诊"), ("telehealth", "互联网医院"), ("drug safety", "药物警戒"),
        ("next-generation sequencing", "测序"), ("long-term condition", "慢病"),
    ],
)  # fmt: skip
def test_a_buyers_word_for_what_a_product_is_about_takes_its_group(word, equivalent):
    found = analysis.default_synonyms().lookup(analysis.fold(word))
    assert found and tuple(analysis.query_terms(equivalent)) in found, word


@pytest.mark.parametrize(
    "word",
    [
        "深圳通", "羊城通", "准时率", "细颗粒物", "浮动车", "高解析度", "起终点", "起讫点",
        "中小微企业", "呎价", "汽车险", "看医生", "睇医生", "生物样本库",
    ],
)  # fmt: skip
def test_a_word_jieba_would_cut_into_a_lone_character_stays_whole(word):
    # 浮动车 was 浮动 + 车: the lone 车 matches inside any word on OpenSearch.
    assert analysis.query_terms(word) == [word]


@pytest.mark.parametrize(
    ("query", "title"),
    [("塞車", "实时路况接口"), ("patronage", "深圳地铁客流统计")],
)
def test_a_buyers_word_no_listing_holds_finds_the_product(loaded, query, title):
    results = loaded.search(LISTINGS, Query(text=query, per_page=10))
    assert title in [hit.source["title_zh"] for hit in results.hits][:3]
    assert not results.relaxed
