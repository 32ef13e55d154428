"""What text finds what: Chinese words, English stemming, synonyms, mixed queries, typos."""

from __future__ import annotations

import pytest

from search import Query, analysis
from tests.search.listings import LISTINGS


def titles(engine, text: str) -> list[str]:
    results = engine.search(LISTINGS, Query(text=text, per_page=100))
    assert results.total == len(results.hits)
    return [hit.source["title_zh"] for hit in results.hits]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("气象", "气象观测小时数据"),
        ("公交", "深圳市公交刷卡数据"),
        ("粤剧", "粤剧经典唱段音频"),
        ("壁画", "敦煌壁画高清图像"),
        ("信用评分", "企业信用评分接口"),
        ("脱敏", "医疗影像脱敏数据集"),
    ],
)
def test_chinese_words_are_found(loaded, query, title):
    assert title in titles(loaded, query)


def test_chinese_word_does_not_match_unrelated_listings(loaded):
    assert "敦煌壁画高清图像" not in titles(loaded, "公交")


def test_title_match_ranks_first(loaded):
    assert titles(loaded, "粤剧")[0] == "粤剧经典唱段音频"


def test_english_plural_finds_singular(loaded):
    # Its English text says "dataset", never "datasets".
    assert "碳排放核算数据集" in titles(loaded, "datasets")


def test_english_stemming_matches_inflections(loaded):
    # "Hourly weather station observations" is found by "observation".
    assert "气象观测小时数据" in titles(loaded, "observation")


def test_english_is_case_insensitive(loaded):
    assert titles(loaded, "SHENZHEN METRO") == titles(loaded, "shenzhen metro")


def test_english_synonym_finds_chinese_only_listing(loaded):
    # "Radar echo imagery" never says "weather"; its Chinese title says 气象.
    assert "气象雷达回波图像" in titles(loaded, "weather")


def test_chinese_synonym_finds_other_chinese_word(loaded):
    # 天气 and 气象 are synonyms; the radar listing only says 气象.
    assert "气象雷达回波图像" in titles(loaded, "天气")


def test_multi_word_synonym_is_found(loaded):
    # Only its keywords say 医疗健康; "healthcare" is in the same synonym group.
    assert "互联网医院问诊统计" in titles(loaded, "healthcare")


def test_mixed_chinese_and_english_query_ranks_both_words_first(loaded):
    found = titles(loaded, "深圳 bus")
    assert set(found[:2]) == {"深圳市公交刷卡数据", "深圳公交线路与站点"}
    assert "深圳地铁客流统计" not in found[:2]


def test_chinese_without_spaces_matches_across_words(loaded):
    assert "深圳市公交刷卡数据" in titles(loaded, "深圳公交")


def test_empty_text_matches_everything(loaded, docs):
    assert loaded.search(LISTINGS, Query(text="")).total == len(docs)


def test_text_without_words_matches_nothing(loaded):
    assert loaded.search(LISTINGS, Query(text="!!! ???")).total == 0


def test_unknown_word_matches_nothing(loaded):
    assert loaded.search(LISTINGS, Query(text="zyxwvutsrq")).total == 0


def test_english_typo_is_tolerated(loaded):
    assert "气象观测小时数据" in titles(loaded, "weathr")


def test_the_variant_of_iron_is_folded_like_iron(loaded):
    # 鐡 is written for 鐵 (港鐡, Hong Kong's MTR); OpenCC leaves it as it is.
    assert titles(loaded, "港鐡") == titles(loaded, "港铁")
    assert "深圳地铁客流统计" in titles(loaded, "港鐡")


def test_indexes_fold_the_variant_of_iron_too():
    assert analysis.fold("港鐡") == "港铁"
    assert "鐡=>铁" in analysis.t2s_characters()


def test_an_abbreviation_ending_in_s_is_no_plural(engine):
    # The English stemmers cut a final s: AIS (ships' identification system) was read as AI,
    # so "AI" found the vessel listings and "AIS" the machine-learning ones.
    docs = [
        {"id": "ships", "title_en": "Vessel AIS movements", "keywords_text": "AIS 船舶"},
        {"id": "learning", "title_en": "AI training images", "keywords_text": "AI 训练"},
        {"id": "cars", "title_en": "Car GPS traces", "keywords_text": "GPS 出租车"},
    ]  # fmt: skip
    engine.index(LISTINGS, docs, refresh=True)

    def found(text: str) -> list[str]:
        return [hit.id for hit in engine.search(LISTINGS, Query(text=text)).hits]

    assert found("AI") == ["learning"]
    assert found("AIS") == ["ships"]
    assert found("ais 船舶") == ["ships"]
    assert found("GPS") == ["cars"]
    # Plurals are still read as their word.
    assert found("traces") == ["cars"] and found("trace") == ["cars"]


def test_a_typo_correction_keeps_the_first_letter(engine):
    # Typists rarely miss a word's first letter, and a word that differs there is mostly
    # another word: the embedded engine read admissions as emissions (two edits), answering
    # hospital admissions with carbon accounts. OpenSearch's suggester never did.
    docs = [
        {"id": "hospital", "title_en": "Hospital beds and outpatient volume"},
        {"id": "carbon", "title_en": "Carbon emissions accounting"},
    ]
    engine.index(LISTINGS, docs, refresh=True)
    results = engine.search(LISTINGS, Query(text="hospital admissions"))
    assert results.did_you_mean is None
    assert [hit.id for hit in results.hits] == ["hospital"]
    results = engine.search(LISTINGS, Query(text="emisions"))
    assert results.did_you_mean == "emissions"
    assert [hit.id for hit in results.hits] == ["carbon"]


def test_a_typo_match_of_a_short_word_is_one_edit_away(engine):
    # OpenSearch's fuzzy match allowed two edits from six letters: speech found speed.
    docs = [
        {"id": "speech", "title_en": "Mandarin speech corpus"},
        {"id": "speed", "title_en": "Road speed API"},
        {"id": "weather", "title_en": "Weather forecast API"},
    ]
    engine.index(LISTINGS, docs, refresh=True)
    assert [hit.id for hit in engine.search(LISTINGS, Query(text="speech")).hits] == ["speech"]
    assert [hit.id for hit in engine.search(LISTINGS, Query(text="wether")).hits] == ["weather"]
