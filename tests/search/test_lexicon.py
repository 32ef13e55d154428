"""The built-in lexicon grown from the catalogue's side: for what each product is about, the
words a mainland, Hong Kong or foreign buyer types, whatever query they come in."""

from __future__ import annotations

import pytest

from search import Query, analysis
from search.lexicon import DEFAULT_SYNONYMS
from search.spec import IndexSpec, text
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
        # culture and tourism
        ("數藏", "数字藏品"), ("peking opera", "戏曲"), ("粵曲", "粤剧"), ("善本", "古籍"),
        ("stock footage", "视频素材"), ("sheet music", "曲谱"), ("source market", "客源地"),
        # government, geography and energy
        ("商事登記", "工商登记"), ("contract award", "中标"), ("衛片", "卫星影像"),
        ("building footprint", "建筑轮廓"), ("碳盤查", "碳核算"), ("smart meter", "智能电表"),
        ("electricity demand", "电网负荷"), ("green power", "新能源"),
        # retail, manufacturing, farming, research and AI
        ("海淘", "跨境电商"), ("industry 4.0", "智能制造"), ("swine", "生猪"),
        ("livestock", "畜牧"), ("scholarly article", "论文"), ("speech-to-text", "语音识别"),
        ("supervised fine-tuning", "指令微调"), ("bounding box", "标注框"),
    ],
)  # fmt: skip
def test_a_buyers_word_for_what_a_product_is_about_takes_its_group(word, equivalent):
    found = analysis.default_synonyms().lookup(analysis.fold(word))
    assert found and tuple(analysis.query_terms(equivalent)) in found, word


@pytest.mark.parametrize(
    "word",
    [
        "深圳通", "羊城通", "准时率", "细颗粒物", "浮动车", "高解析度", "起终点", "起讫点",
        "中小微企业", "呎价", "汽车险", "看医生", "睇医生", "生物样本库", "纪实片", "非物质遗产",
        "中标人", "语料集", "语音转文字", "无人车", "碳盘查", "元资料", "多光谱", "标注框",
    ],
)  # fmt: skip
def test_a_word_jieba_would_cut_into_a_lone_character_stays_whole(word):
    # 浮动车 was 浮动 + 车: the lone 车 matches inside any word on OpenSearch.
    assert analysis.query_terms(word) == [word]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("塞車", "实时路况接口"),
        ("patronage", "深圳地铁客流统计"),
        ("數藏", "博物馆数字藏品授权"),
        ("碳盤查", "碳排放核算数据集"),
    ],
)
def test_a_buyers_word_no_listing_holds_finds_the_product(loaded, query, title):
    results = loaded.search(LISTINGS, Query(text=query, per_page=10))
    assert title in [hit.source["title_zh"] for hit in results.hits][:3]
    assert not results.relaxed


def test_no_english_word_of_a_group_shares_its_stem_with_another_groups_word():
    # Both engines index Porter stems: hospitality (hospit) beside hotel would have made every
    # search for 酒店 match the hospitals, medication (medic) every search for 药品 the medical
    # listings. These three pairs are near enough in sense for a shared stem to do no harm.
    apart = {"ship", "digit", "truck"}
    owners: dict[str, set[int]] = {}
    for n, group in enumerate(DEFAULT_SYNONYMS):
        for term in group:
            if term.isascii() and term.isalnum():
                owners.setdefault(analysis.stem(term.lower()), set()).add(n)
    assert {stem for stem, groups in owners.items() if len(groups) > 1} <= apart


KIND_SPEC = IndexSpec("kinds", fields=(text("title", "mixed"),))


def test_a_kind_of_a_thing_is_not_another_word_for_it_and_a_spelling_is(engine):
    # A mortgage is a loan, a loan no mortgage: in one group, 小微企业 贷款 违约 found the
    # property reports (whose uses name 按揭风控). A neighbourhood is a community (社区),
    # however it is spelt.
    lookup = analysis.default_synonyms().lookup
    assert ("按揭",) not in lookup("贷款") and ("loan",) not in lookup("mortgage")
    assert ("房贷",) in lookup("mortgage") and ("贷款",) in lookup("loan")
    assert ("社区",) in lookup("neighbourhood") and ("社区",) in lookup("neighborhood")
    engine.ensure_index(KIND_SPEC)
    docs = [
        {"id": "property", "title": "房价 月报 按揭 风控 property prices"},
        {"id": "boundaries", "title": "区 街道 社区 边界 district boundaries"},
        *({"id": f"other-{n}", "title": f"harbour tides {n} 港口 潮汐"} for n in range(6)),
    ]
    engine.index(KIND_SPEC, docs, refresh=True)

    def found(text: str) -> list[str]:
        return [hit.id for hit in engine.search(KIND_SPEC, Query(text=text)).hits]

    assert "property" not in found("贷款 违约") and "property" not in found("loan defaults")
    assert found("房贷") == ["property"]
    assert found("neighbourhood boundaries")[0] == "boundaries"
    engine.drop_index(KIND_SPEC)
