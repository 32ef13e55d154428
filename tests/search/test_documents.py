"""Writing documents: upserts, deletes, validation, reading back, reindexing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from search import IndexMissing, InvalidDocument, Query, SpecMismatch
from search.spec import text
from tests.search.listings import LISTINGS


def test_bulk_index_counts_created_documents(engine, docs):
    result = engine.index(LISTINGS, docs, refresh=True)
    assert (result.created, result.updated) == (len(docs), 0)
    assert engine.count(LISTINGS) == len(docs)


def test_upsert_replaces_the_document(engine, docs):
    engine.index(LISTINGS, docs, refresh=True)
    changed = dict(docs[0], title_zh="深圳通乘车记录", keywords=["深圳通"])
    result = engine.index(LISTINGS, [changed], refresh=True)
    assert (result.created, result.updated) == (0, 1)
    assert engine.get(LISTINGS, docs[0]["id"])["title_zh"] == "深圳通乘车记录"
    assert engine.count(LISTINGS) == len(docs)


def test_upsert_replaces_what_is_searchable(engine, docs):
    engine.index(LISTINGS, docs[:1], refresh=True)
    engine.index(LISTINGS, [dict(docs[0], title_zh="乘车记录", keywords=["乘车"])], refresh=True)
    results = engine.search(LISTINGS, Query(filters={"keywords": "公交"}, facets=["keywords"]))
    assert results.total == 0 and results.facets["keywords"] == []


def test_delete_removes_documents(engine, docs):
    engine.index(LISTINGS, docs, refresh=True)
    assert engine.delete(LISTINGS, [docs[0]["id"], "missing"], refresh=True) == 1
    assert engine.get(LISTINGS, docs[0]["id"]) is None
    assert docs[0]["id"] not in {h.id for h in engine.search(LISTINGS, Query(text="公交")).hits}


def test_get_returns_the_canonical_source(engine):
    published = dt.datetime(2024, 3, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    doc = {"id": "A1", "title_zh": "数据", "published_at": published, "extra": {"x": 1}}
    engine.index(LISTINGS, [doc], refresh=True)
    stored = engine.get(LISTINGS, "A1")
    assert stored == {"id": "A1", "title_zh": "数据", "published_at": "2024-03-01T08:00:00Z",
                      "extra": {"x": 1}}  # fmt: skip


def test_get_unknown_id_is_none(engine):
    assert engine.get(LISTINGS, "nope") is None


def test_iter_documents_returns_every_source_in_id_order(engine, docs):
    engine.index(LISTINGS, docs, refresh=True)
    assert list(engine.all_ids(LISTINGS)) == sorted(d["id"] for d in docs)
    assert [d["title_zh"] for d in engine.iter_documents(LISTINGS)][0] == docs[0]["title_zh"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "id"),
        ({"id": 17}, "id"),
        ({"id": ""}, "id"),
        ({"price": "48.00"}, "price"),
        ({"price": 4.8}, "price"),
        ({"price": True}, "price"),
        ({"coverage_from": 2**40}, "coverage_from"),
        ({"certified": "yes"}, "certified"),
        ({"category": 3}, "category"),
        ({"keywords": ["ok", ""]}, "keywords"),
        ({"title_zh": ["深圳"]}, "title_zh"),
        ({"published_at": "yesterday"}, "published_at"),
        ({"published_at": dt.datetime(2024, 1, 1)}, "published_at"),
        ({"thumbnail": object()}, "thumbnail"),
    ],
)
def test_bad_document_is_rejected_naming_the_field(engine, docs, change, field):
    with pytest.raises(InvalidDocument) as caught:
        engine.index(LISTINGS, [docs[1], dict(docs[0], **change)], refresh=True)
    assert caught.value.field == field
    assert engine.count(LISTINGS) == 0  # nothing of the batch was written


def test_document_missing_id_is_rejected(engine):
    with pytest.raises(InvalidDocument) as caught:
        engine.index(LISTINGS, [{"title_zh": "无编号"}])
    assert caught.value.field == "id"


def test_ensure_index_is_idempotent(engine):
    assert engine.ensure_index(LISTINGS) is False


def test_ensure_index_refuses_a_changed_spec(engine):
    changed = dataclasses.replace(LISTINGS, fields=(*LISTINGS.fields, text("notes_en", "en")))
    with pytest.raises(SpecMismatch):
        engine.ensure_index(changed)


def test_searching_a_missing_index_says_so(engine):
    engine.drop_index(LISTINGS)
    with pytest.raises(IndexMissing):
        engine.search(LISTINGS, Query(text="数据"))


# -- reindex ---------------------------------------------------------------------------


def test_reindex_replaces_the_contents(engine, docs):
    engine.index(LISTINGS, docs, refresh=True)
    result = engine.reindex(LISTINGS, docs[:10])
    assert result.indexed == 10
    assert engine.count(LISTINGS) == 10


def test_searches_during_reindex_answer_from_the_old_index(engine, docs):
    engine.index(LISTINGS, docs, refresh=True)
    seen = []

    def feed():
        for n, doc in enumerate(docs):
            if n == len(docs) // 2:
                seen.append(engine.search(LISTINGS, Query(text="公交")).total)
                seen.append(engine.count(LISTINGS))
            yield dict(doc, title_zh=doc["title_zh"] + "（新版）")

    engine.reindex(LISTINGS, feed(), batch_size=10)  # half the new index is loaded mid-way
    assert seen[0] > 0 and seen[1] == len(docs)
    assert engine.get(LISTINGS, docs[0]["id"])["title_zh"].endswith("（新版）")


def test_reindex_applies_a_changed_spec(engine, docs):
    engine.index(LISTINGS, docs, refresh=True)
    changed = dataclasses.replace(LISTINGS, fields=(*LISTINGS.fields, text("notes_en", "en")))
    engine.reindex(changed, [dict(docs[0], notes_en="quarterly refresh")])
    assert engine.ensure_index(changed) is False
    assert engine.search(changed, Query(text="quarterly")).total == 1
    engine.drop_index(changed)


def test_failed_reindex_keeps_the_old_index(engine, docs):
    engine.index(LISTINGS, docs, refresh=True)
    with pytest.raises(InvalidDocument):
        engine.reindex(LISTINGS, [*docs[:5], {"id": "bad", "price": "free"}])
    assert engine.count(LISTINGS) == len(docs)
    assert engine.search(LISTINGS, Query(text="公交")).total > 0


def test_the_sample_documents_fill_every_field_of_the_apps_spec():
    # The suite searches with the app's own specification; its documents must keep up with it.
    from tests.search.listings import listing_documents

    fields = {field.name for field in LISTINGS.fields}
    assert all(fields <= set(doc) for doc in listing_documents())
