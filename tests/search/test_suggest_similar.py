"""As-you-type suggestions and more-like-this."""

from __future__ import annotations

import pytest

from tests.search.listings import LISTINGS


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
    english = loaded.suggest(LISTINGS, "dunh")
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
