"""Staff curate search: the synonym list (API and page, audited, applied without reindex),
search analytics (queries, result counts, clicks), and what the market page offers when a
search finds nothing."""

from __future__ import annotations

import html
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from market.searching import services
from market.searching.models import SearchClick, SearchQuery, SynonymChange, SynonymGroup
from search.analysis import MAX_SYNONYM_GROUPS
from search.lexicon import DEFAULT_SYNONYMS
from tests import factories
from tests.listings import factories as lf


@pytest.fixture
def reader(db, bearer):
    """Authorization headers of a buyer's client with catalog:read."""
    organisation, _ = lf.registry.provider(db)
    return bearer(organisation, ["catalog:read"])


@pytest.fixture
def published(db, store, provider, staff):
    """A published listing, committed (its indexing message waits in the outbox)."""
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    return listing


def _search(client, headers, **params):
    return client.raw.get("/api/v1/listings/search", query_string=params, headers=headers)


@pytest.fixture
def staff_api(operator, bearer):
    """Authorization headers of the exchange's own client with review:write."""
    return bearer(operator[0], ["review:write"])


def _add(client, headers, terms, **extra):
    return client.raw.post(
        "/api/v1/search/synonyms", json={"terms": terms, **extra}, headers=headers
    )


def test_a_synonym_added_by_staff_applies_to_the_next_search(
    client, published, reader, staff_api, drain
):
    drain()
    assert json.loads(_search(client, reader, q="嘟嘟卡").headers["X-Pagination"])["total"] == 0
    response = _add(client, staff_api, ["嘟嘟卡", "公交"], note="HK word")
    assert response.status_code == 201, response.get_json()
    assert json.loads(_search(client, reader, q="嘟嘟卡").headers["X-Pagination"])["total"] == 1


def test_synonym_edits_are_audited(db, client, staff_api, operator):
    group = _add(client, staff_api, ["地铁", "嘟嘟铁"]).get_json()
    client.raw.put(
        f"/api/v1/search/synonyms/{group['id']}",
        json={"terms": ["地铁", "嘟嘟铁", "MTR"]}, headers=staff_api,
    )  # fmt: skip
    assert (
        client.raw.delete(f"/api/v1/search/synonyms/{group['id']}", headers=staff_api).status_code
        == 204
    )
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert [c["action"] for c in changes] == ["deleted", "updated", "created"]
    assert changes[1]["before"] == ["地铁", "嘟嘟铁"] and changes[1]["after"][-1] == "MTR"
    assert {c["user_id"] for c in changes} == {operator[1].id}
    assert db.query(SynonymChange).count() == 3


@pytest.mark.parametrize(
    "terms",
    [
        ["地铁"],
        ["地铁", ""],
        ["地铁", "地铁"],
        ["x" * 41, "y"],
        [str(n) + "a" for n in range(21)],
        [],
    ],
)
def test_bad_synonym_groups_are_refused_naming_terms(client, staff_api, terms):
    response = _add(client, staff_api, terms)
    assert response.status_code == 422
    assert "terms" in str(response.get_json()["errors"])


def test_a_term_in_two_groups_is_refused_as_a_loop(client, staff_api):
    assert _add(client, staff_api, ["单车", "bicycle", "铁马"]).status_code == 201
    response = _add(client, staff_api, ["bicycle", "自行车"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["terms"]
    assert response.get_json()["errors"]["term"] == ["bicycle"]


def test_a_loop_is_told_in_chinese_without_markup(client, staff_api):
    assert _add(client, staff_api, ["单车", "bicycle", "铁马"]).status_code == 201
    headers = {**staff_api, "Accept-Language": "zh-CN"}
    response = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["bicycle", "自行车"]}, headers=headers
    )
    message = response.get_json()["errors"]["terms"][0]
    assert "另一个同义词组" in message and "`" not in message


def test_replacing_a_groups_terms_keeps_its_note_unless_one_is_sent(client, staff_api):
    group = _add(client, staff_api, ["单车", "bicycle", "铁马"], note="from the report").get_json()
    url = f"/api/v1/search/synonyms/{group['id']}"
    kept = client.raw.put(url, json={"terms": ["单车", "bike"]}, headers=staff_api)
    assert kept.get_json()["note"] == "from the report"
    cleared = client.raw.put(url, json={"terms": ["单车", "bike"], "note": None}, headers=staff_api)
    assert cleared.get_json()["note"] is None


def _store_groups(db, operator, groups):
    db.add_all(SynonymGroup(terms=terms, updated_by_id=operator[1].id) for terms in groups)
    db.commit()


def test_a_stored_group_holding_a_built_in_term_in_traditional_script_keeps_search_up(
    db, client, published, reader, operator, drain
):
    drain()
    _store_groups(db, operator, [["公車", "公交", "hqbus"]])
    response = _search(client, reader, q="hqbus")
    assert response.status_code == 200, response.get_json()
    assert json.loads(response.headers["X-Pagination"])["total"] == 1
    assert client.raw.get("/market?q=公交").status_code == 200


def test_a_stored_list_as_long_as_the_api_takes_keeps_search_up(
    db, client, published, reader, operator, drain
):
    drain()
    _store_groups(db, operator, [[f"hq{n}a", f"hq{n}b"] for n in range(MAX_SYNONYM_GROUPS)])
    response = _search(client, reader, q="巴士")
    assert response.status_code == 200, response.get_json()
    assert json.loads(response.headers["X-Pagination"])["total"] == 1
    assert client.raw.get("/market?q=巴士").status_code == 200


def test_the_longest_list_the_api_takes_is_built_in_well_under_a_second():
    # Built on the first search after every change to the list: each staff group finds the
    # default groups it extends by its terms, not by folding every default term again
    # (2,000 groups took 35 s of CPU so, and a search waited for it).
    groups = [[f"hq{n}a", f"hq{n}b"] for n in range(MAX_SYNONYM_GROUPS - 1)]
    groups.append(["公交", "hqbus"])  # one that extends a default group
    started = time.process_time()
    built = services.effective(groups)
    assert time.process_time() - started < 2
    bus = next(group for group in DEFAULT_SYNONYMS if "公交" in group)
    assert services.extended(["公交", "hqbus"]) == [bus]
    assert set(bus) <= set(next(group for group in built.groups if "hqbus" in group))


@pytest.mark.parametrize(
    ("terms", "repeated"),
    [(["单车", "bicycle", "单车"], "单车"), (["单车", "bicycle", "Bicycle"], "Bicycle")],
)
def test_a_term_given_twice_in_a_group_is_refused_naming_it(client, staff_api, terms, repeated):
    response = _add(client, staff_api, terms)
    assert response.status_code == 422
    assert response.get_json()["errors"]["term"] == [repeated]


def test_synonyms_need_a_staff_scope(client, reader):
    assert _add(client, reader, ["a b", "c d"]).status_code in (401, 403)


def test_searches_and_clicks_are_logged_with_the_organisation_only(
    db, client, published, reader, staff_api, drain
):
    drain()
    body = _search(client, reader, q="公交").get_json()
    _search(client, reader, q="火星 土壤")
    _search(client, reader, q="火星 土壤")
    logged = db.get(SearchQuery, body["search_id"])
    assert (logged.text, logged.results, logged.channel) == ("公交", 1, "api")
    assert logged.organisation_id is not None
    db.commit()  # end the read: SQLite lets one transaction at a time
    response = client.raw.get(f"/market/open/{body['search_id']}/{published.id}?pos=1")
    assert response.status_code == 302
    assert db.query(SearchClick).filter_by(query_id=body["search_id"]).count() == 1
    db.commit()
    report = client.raw.get("/api/v1/search/report", headers=staff_api).get_json()
    assert report["zero_results"] == [{"query": "火星 土壤", "searches": 2}]


@pytest.mark.parametrize(
    ("where", "status", "field"),
    [
        ("{search}/999999?pos=1", 404, "listing_id"),
        ("999999/{listing}?pos=1", 404, "query_id"),
        ("{search}/{listing}?pos=2", 422, "pos"),
        ("{search}/{listing}?pos=0", 422, "pos"),
        ("{search}/{listing}?pos=-5", 422, "pos"),
        ("{search}/{listing}?pos=99999999999999999999", 422, "pos"),
        ("{search}/{listing}?pos=1&pos=1", 422, "pos"),
        ("{search}/{listing}", 422, "pos"),
    ],
)
def test_a_click_is_counted_only_for_a_listing_and_position_of_the_search(
    db, client, published, reader, drain, where, status, field
):
    drain()
    search_id = _search(client, reader, q="公交").get_json()["search_id"]
    url = "/market/open/" + where.format(search=search_id, listing=published.id)
    response = client.raw.get(url)
    assert response.status_code == status
    if status == 422:  # a page names the argument; a 404 page says what is not there
        assert field in response.get_data(as_text=True)
    db.commit()
    assert db.query(SearchClick).count() == 0


def test_the_market_page_offers_a_demand_when_nothing_matches(db, client, published, drain):
    drain()
    page = client.get("/market?q=火星探测器").get_data(as_text=True)
    assert 'data-testid="no-results"' in page
    # Nothing matched, even some of the words: the page does not also say that some did.
    assert 'data-testid="relaxed"' not in page
    assert "/demands?title=" in page
    assert 'data-testid="sign-in-to-post"' in client.get("/demands?title=x").get_data(as_text=True)
    buyer = factories.user(db)
    factories.organisation(db, buyer)
    db.commit()
    client.log_in(buyer.email)
    demand_form = client.get("/demands?title=火星土壤样本").get_data(as_text=True)
    assert 'value="火星土壤样本"' in demand_form


def test_the_market_page_says_did_you_mean(client, published, drain):
    drain()
    page = client.get("/market?q=shenzen").get_data(as_text=True)
    assert 'data-testid="did-you-mean"' in page


def test_the_did_you_mean_link_keeps_the_filters_and_sort(client, published, drain):
    drain()
    page = client.get("/market?q=北京+shenzen&sort=newest&category=transport&page=1")
    link = page.get_data(as_text=True).split('data-testid="did-you-mean"')[1].split('"')[1]
    assert link.startswith("/market?")
    assert parse_qs(urlsplit(html.unescape(link)).query) == {
        "q": ["北京 shenzhen"], "sort": ["newest"], "category": ["transport"]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("北京 shenzen", "北京 shenzhen"),
        ("shenzen, 北京", "shenzhen, 北京"),
        ("shenzen «北京»", "shenzhen «北京»"),
        ("北京:shenzen", "北京:shenzhen"),
    ],
)
def test_did_you_mean_keeps_the_buyers_other_words_and_punctuation(
    client, published, reader, drain, query, suggestion
):
    drain()
    assert _search(client, reader, q=query).get_json()["did_you_mean"] == suggestion


def test_did_you_mean_spells_a_misspelt_place_though_every_other_word_is_right(
    client, published, reader, drain
):
    drain()
    assert _search(client, reader, q="metro shenzen").get_json()["did_you_mean"] == (
        "metro shenzhen"
    )


def test_a_reversed_price_range_names_its_end(client, reader):
    response = _search(client, reader, price_min=500, price_max=100)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["price_max"]


def test_page_suggestions_are_served_as_json(client, published, drain):
    drain()
    items = client.get("/market/suggest?q=深圳").get_json()
    assert items and all("text" in item for item in items)
    assert client.get("/market/suggest?q=" + "深" * 100).status_code == 200


@pytest.mark.parametrize("path", ["/market/suggest", "/api/v1/listings/suggest"])
def test_suggestions_are_sent_as_utf8_not_escapes(client, published, reader, drain, path):
    drain()
    response = client.raw.get(path, query_string={"q": "深圳"}, headers=reader)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    raw = response.get_data()
    texts = [item["text"] for item in response.get_json()]
    assert texts and all(text.encode() in raw for text in texts)
    assert b"\\u" not in raw


@pytest.mark.parametrize("save", ["api", "page"])
def test_a_staff_term_no_listing_holds_is_never_suggested(
    db, client, published, staff_api, reviewer, drain, save
):
    # 拍卡 finds the listing only through its group: a word kept that way (perhaps a typo)
    # must not complete what buyers type; 刷卡, which the listing holds, still does.
    drain()
    terms = ["刷卡", "拍卡"]
    if save == "api":
        assert _add(client, staff_api, terms).status_code == 201
    else:
        page = client.submit("/staff/search", {"terms": ", ".join(terms)}, page="/staff/search")
        assert page.status_code == 302
    db.commit()

    def offered(typed):
        found = client.get("/market/suggest", query_string={"q": typed}).get_json()
        return [item["text"] for item in found if item["kind"] == "synonym"]

    assert "拍卡" not in offered("拍")
    assert "刷卡" in offered("刷")
    assert db.query(SynonymGroup).one().unfound == ["拍卡"]
    db.commit()


@pytest.mark.parametrize("path", ["/market/suggest", "/api/v1/listings/suggest"])
def test_suggestions_refuse_over_100_characters_alike_on_the_page_and_the_api(client, path):
    response = client.raw.get(path, query_string={"q": "深" * 101})
    assert response.status_code == 422
    assert response.is_json and list(response.get_json()["errors"]) == ["q"]


@pytest.mark.parametrize("query", ["q=%FF", "q=%00", "q=%E2%80%AEbus", "q=bus&q=metro"])
def test_page_suggestions_refuse_bad_input_in_json_naming_q(client, query):
    response = client.raw.get("/market/suggest?" + query)
    assert response.status_code == 422
    assert response.is_json and "q" in response.get_json()["errors"]


def test_staff_add_a_synonym_from_the_report_in_one_step(db, client, published, drain):
    drain()
    client.get("/market?q=嘟嘟卡")
    reviewer = factories.user(db, staff=(factories.StaffRole.REVIEWER,))
    db.commit()
    client.log_in(reviewer.email)
    page = client.get("/staff/search").get_data(as_text=True)
    assert "嘟嘟卡" in page
    asked = client.submit("/staff/search", {"terms": ["嘟嘟卡", "公交"]}, page="/staff/search")
    assert asked.status_code == 200 and 'data-testid="confirm-join"' in asked.get_data(as_text=True)
    response = client.submit(
        "/staff/search",
        {"terms": ["嘟嘟卡", "公交"], "confirm": "join"},
        page="/staff/search",
    )
    assert response.status_code == 302
    assert "嘟嘟卡" in client.get("/market?q=嘟嘟卡").get_data(as_text=True)
    assert 'data-testid="hit"' in client.get("/market?q=嘟嘟卡").get_data(as_text=True)
    bad = client.submit("/staff/search", {"terms": "嘟嘟卡"}, page="/staff/search")
    assert bad.status_code == 422


def test_staff_delete_and_restore_a_built_in_group_audited(
    client, published, reader, staff_api, operator, drain
):
    drain()
    assert (
        json.loads(_search(client, reader, q="巴士").headers["X-Pagination"])["total"] == 1
    )  # built-in: 公交 = 巴士
    groups = _defaults(client, staff_api)
    bus = next(list(group) for group in DEFAULT_SYNONYMS if group[0] == "公交")
    assert "巴士" in bus
    assert {"term": "公交", "terms": bus, "deleted": False} in groups
    for _ in range(2):  # deleting twice changes nothing more
        deleted = client.raw.delete("/api/v1/search/synonyms/defaults/公交", headers=staff_api)
        assert deleted.status_code == 204
    assert json.loads(_search(client, reader, q="巴士").headers["X-Pagination"])["total"] == 0
    groups = _defaults(client, staff_api)
    assert next(g for g in groups if g["term"] == "公交")["deleted"]
    restored = client.raw.post("/api/v1/search/synonyms/defaults/公交/restore", headers=staff_api)
    assert restored.status_code == 204
    assert json.loads(_search(client, reader, q="巴士").headers["X-Pagination"])["total"] == 1
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert [(c["action"], c["group_id"]) for c in changes] == [
        ("default_restored", 0),
        ("default_deleted", 0),
    ]
    assert changes[1]["before"][0] == "公交" and {c["user_id"] for c in changes} == {operator[1].id}


def _defaults(client, staff_api) -> list[dict]:
    """Every built-in group, page by page as the API lists them."""
    groups, page = [], 1
    while True:
        answer = client.raw.get(
            "/api/v1/search/synonyms/defaults",
            query_string={"page": page, "page_size": 100},
            headers=staff_api,
        )
        groups += answer.get_json()
        if page >= json.loads(answer.headers["X-Pagination"])["last_page"]:
            return groups
        page += 1


def test_built_in_groups_are_listed_page_by_page(client, staff_api):
    answer = client.raw.get(
        "/api/v1/search/synonyms/defaults", query_string={"page_size": 2}, headers=staff_api
    )
    assert answer.status_code == 200 and len(answer.get_json()) == 2
    assert json.loads(answer.headers["X-Pagination"])["total"] == len(DEFAULT_SYNONYMS)


def test_a_built_in_group_is_named_by_any_of_its_terms_and_its_deletion_takes_a_note(
    client, staff_api
):
    url = "/api/v1/search/synonyms/defaults/天氣"  # a term of the group of 气象, in 繁體
    deleted = client.raw.delete(url, query_string={"note": "试用"}, headers=staff_api)
    assert deleted.status_code == 204
    weather = next(g for g in _defaults(client, staff_api) if "天气" in g["terms"])
    assert weather["deleted"]
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert (changes[0]["action"], changes[0]["note"]) == ("default_deleted", "试用")


def test_deleting_an_unknown_built_in_group_is_a_404_and_needs_staff(client, staff_api, reader):
    missing = client.raw.delete("/api/v1/search/synonyms/defaults/不存在", headers=staff_api)
    assert missing.status_code == 404
    assert client.raw.delete(
        "/api/v1/search/synonyms/defaults/公交", headers=reader
    ).status_code in (
        401,
        403,
    )


def test_staff_delete_a_built_in_group_from_the_page(db, client):
    reviewer = factories.user(db, staff=(factories.StaffRole.REVIEWER,))
    db.commit()
    client.log_in(reviewer.email)
    page = client.get("/staff/search").get_data(as_text=True)
    assert 'data-testid="default-groups"' in page
    response = client.submit(
        "/staff/search/synonyms/defaults/delete", {"term": "公交"}, page="/staff/search"
    )
    assert response.status_code == 302
    page = client.get("/staff/search").get_data(as_text=True)
    assert "/staff/search/synonyms/defaults/restore" in page
    response = client.submit(
        "/staff/search/synonyms/defaults/restore", {"term": "公交"}, page="/staff/search"
    )
    assert response.status_code == 302
    assert db.query(SynonymChange).filter_by(group_id=0).count() == 2


def test_deleting_a_built_in_group_on_the_page_asks_first_and_takes_a_note(
    db, client, reviewer, staff_api
):
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    built_in = page.split('data-testid="default-groups"')[1].split("</ul>")[0]
    form = built_in.split('value="公交"')[1].split("</form>")[0]
    assert 'name="note"' in form and 'data-confirm="Delete this synonym group?"' in form
    long = client.submit(
        "/staff/search/synonyms/defaults/delete", {"term": "公交", "note": "x" * 201},
        page="/staff/search",
    )  # fmt: skip
    assert long.status_code == 422
    refused = long.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="default-note-' in refused
    assert db.query(SynonymChange).count() == 0
    db.commit()
    response = client.submit(
        "/staff/search/synonyms/defaults/delete", {"term": "公交", "note": "买家不用"},
        page="/staff/search",
    )  # fmt: skip
    assert response.status_code == 302
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert (changes[0]["action"], changes[0]["note"]) == ("default_deleted", "买家不用")


def test_listings_matching_some_words_follow_and_are_told_apart(
    db, client, store, provider, staff, published, reader, drain
):
    lf.published_listing(
        db, store, *provider, staff, title_zh="广州地铁客流统计", title_en="Guangzhou metro ridership",
        description_zh="广州地铁各站进出站客流。", description_en="Entries and exits per station.",
        keywords=["地铁"], region="guangzhou",
    )  # fmt: skip
    db.commit()
    drain()
    # Three of the four words are the bus listing's; the metro listing holds the fourth.
    body = _search(client, reader, q="公交 刷卡 交通 地铁").get_json()
    assert [hit["listing"]["title_zh"] for hit in body["hits"]][0] == "深圳市公交刷卡数据"
    assert (len(body["hits"]), body["strict_total"], body["relaxed"]) == (2, 1, False)
    page = client.get("/market?q=公交 刷卡 交通 地铁", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert (
        text.index("Shenzhen bus card transactions")
        < text.index('data-testid="partial"')
        < text.index("Guangzhou metro ridership")
    )
    # Above the line some listings may miss a word too (most must match): the line says fewer.
    assert "The listings below match fewer of your words." in text
    # Which listings match does not depend on the page size: one a page, the same two.
    paged = [_search(client, reader, q="公交 刷卡 交通 地铁", page=n, page_size=1) for n in (1, 2)]
    assert [json.loads(r.headers["X-Pagination"])["total"] for r in paged] == [2, 2]
    ids = [hit["id"] for r in paged for hit in r.get_json()["hits"]]
    assert ids == [hit["id"] for hit in body["hits"]]


# -- curators' corrections: built-in groups, typed lists, page errors, editing, the audit ------


def _total(client, headers, q):
    return json.loads(_search(client, headers, q=q).headers["X-Pagination"])["total"]


def test_a_staff_group_sharing_a_built_in_term_joins_it_instead_of_switching_it_off(
    client, published, reader, staff_api, drain
):
    drain()
    assert _total(client, reader, "小巴") == 1  # built-in: 公交 = 小巴
    response = _add(client, staff_api, ["巴士", "嘟嘟车"])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["extends"] == ["公交"]
    assert _total(client, reader, "小巴") == 1
    assert _total(client, reader, "嘟嘟车") == 1
    listed = client.raw.get("/api/v1/search/synonyms", headers=staff_api).get_json()
    assert listed[0]["extends"] == ["公交"]


def test_a_second_staff_group_joining_the_same_built_in_group_is_refused_naming_both(
    client, staff_api
):
    assert _add(client, staff_api, ["的士", "搭的士"]).status_code == 201
    response = _add(client, staff_api, ["计程车", "cab car"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["term"] == ["计程车"]
    assert errors["group"][0].startswith("的士, 搭的士, 出租车")


def test_a_group_joined_to_a_built_in_one_over_20_terms_is_refused(client, staff_api):
    terms = ["的士"] + [f"taxi{n}" for n in range(2, 15)]
    response = _add(client, staff_api, terms)
    assert response.status_code == 422
    assert response.get_json()["errors"]["group"] == ["出租车"]


@pytest.mark.parametrize(
    "terms", ["电费, 电价", ["电费, 电价", "电网负荷"], ["电费", "电价；电网"]]
)
def test_the_api_wants_a_list_of_single_terms(client, staff_api, terms):
    response = _add(client, staff_api, terms)
    assert response.status_code == 422
    assert "terms" in response.get_json()["errors"]


@pytest.fixture
def reviewer(db, client):
    user = factories.user(db, staff=(factories.StaffRole.REVIEWER,), name="審核員 陳大文")
    db.commit()
    client.log_in(user.email)
    return user


def test_the_one_step_form_splits_the_typed_words(db, client, reviewer):
    response = client.submit(
        "/staff/search",
        {"terms": ["电费", "电网负荷, 电价、用电"], "confirm": "join"},  # joins a built-in group
        page="/staff/search",
    )
    assert response.status_code == 302
    changes = db.query(SynonymChange).all()
    assert changes[-1].after == ["电费", "电网负荷", "电价", "用电"]
    db.commit()


def test_a_refused_term_on_the_page_is_named_with_a_message(client, reviewer):
    response = client.submit(
        "/staff/search", {"terms": "字" * 41 + ", y"}, page="/staff/search",
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-testid="error-summary"' in page
    assert page.index('data-testid="error-summary"') < page.index('data-testid="zero-results"')
    assert "“" + "字" * 20 + "…”: A synonym term holds at most 40 characters" in page
    assert '<p class="error" id="terms-error">0</p>' not in page


def test_the_page_says_a_group_needs_two_terms(client, reviewer):
    response = client.submit("/staff/search", {"terms": "孤单"}, page="/staff/search")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "同义词组至少需要两个不同的词" in page
    assert "个字符" not in page


@pytest.mark.parametrize(
    ("terms", "told"),
    [(["地铁"], "A synonym group needs at least two different terms."),
     ([], "A synonym group needs at least two different terms."),
     ([f"{n}a" for n in range(21)], "A synonym group has at most 20 terms; 21 were sent.")],
)  # fmt: skip
def test_a_group_of_too_few_or_many_terms_says_so_at_the_top_too(client, staff_api, terms, told):
    response = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": terms},
        headers={**staff_api, "Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    body = response.get_json()
    assert (body["message"], body["errors"]) == (told, {"terms": [told]})


@pytest.mark.parametrize(
    ("terms", "language", "told"),
    [(["🚕🚕", "的士"], "en", "A synonym term needs letters or characters: an emoji or a symbol alone "
      "is never searched."),
     (["🚕🚕", "的士"], "zh", "同义词须含文字或字母：单独的表情符号或符号不会被搜索。"),
     (["电费, 电价", "电网"], "en", "One term per item: a term holds no comma, semicolon or 、."),
     (["电费, 电价", "电网"], "zh", "每项只放一个词：词中不能有逗号、分号或顿号。"),
     ([f"{n}a" for n in range(23)], "zh", "同义词组最多 20 个词，本次提交了 23 个。")],
)  # fmt: skip
def test_the_api_says_what_is_wrong_with_a_term_in_words_that_fit(
    client, staff_api, terms, language, told
):
    response = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": terms},
        headers={**staff_api, "Accept-Language": language},
    )  # fmt: skip
    assert response.status_code == 422
    assert told in str(response.get_json()["errors"]["terms"])
    assert "的, " not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "told"),
    [("🚕🚕, 的士", "A synonym term needs letters or characters"),
     (",,, ,", "A synonym group needs at least two different terms."),
     (", ".join(f"{n}a" for n in range(22)), "A synonym group has at most 20 terms; 22 were sent.")],
)  # fmt: skip
def test_a_refused_entry_on_the_page_is_told_in_words_that_fit_and_kept(
    client, reviewer, typed, told
):
    response = client.submit(
        "/staff/search", {"terms": typed}, page="/staff/search",
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert told in page and "stop word" not in page and "的, 我们" not in page
    kept = html.unescape(re.search(r'id="terms" name="terms" required value="([^"]*)"', page)[1])
    assert kept.replace(" ", "") == typed.replace(" ", "")


def test_the_page_names_the_clashing_term_and_its_group(client, reviewer):
    client.submit(
        "/staff/search", {"terms": "的士, 搭的士", "confirm": "join"}, page="/staff/search"
    )
    response = client.submit(
        "/staff/search", {"terms": "计程车, 出租汽车"}, page="/staff/search",
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "“计程车” is already in the synonym group “的士, 搭的士" in response.get_data(
        as_text=True
    )


def test_staff_edit_a_group_on_the_page_and_the_trail_names_them(db, client, reviewer, staff_api):
    client.submit("/staff/search", {"terms": "甲乙, 丙丁"}, page="/staff/search")
    group = db.query(SynonymChange).one().group_id
    db.commit()  # end the read: SQLite lets one transaction at a time
    page = client.get("/staff/search").get_data(as_text=True)
    assert f'name="group" value="{group}"' in page
    response = client.submit(
        "/staff/search", {"group": group, "terms": "甲乙, 丙丁, 戊己", "note": "改"},
        page="/staff/search",
    )  # fmt: skip
    assert response.status_code == 302
    db.expire_all()
    assert [c.action for c in db.query(SynonymChange).order_by(SynonymChange.id)] == [
        "created",
        "updated",
    ]
    db.commit()
    page = client.get("/staff/search").get_data(as_text=True)
    assert "審核員 陳大文" in page
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert changes[0]["user_name"] == "審核員 陳大文"
    bad = client.submit("/staff/search", {"group": group, "terms": "甲乙"}, page="/staff/search")
    assert bad.status_code == 422
    assert f'id="terms-{group}-error"' in bad.get_data(as_text=True)


def test_the_report_shows_queries_as_typed_and_counts_opens_of_page_searches_only(
    db, client, staff_api
):
    from market.db import utcnow
    from market.searching import services as searching

    now = utcnow()
    for text, channel, results in [
        ("港鐵", "web", 0), ("港鐵", "web", 0), ("天气", "api", 5), ("天气", "api", 5),
        ("地铁", "web", 3), ("地铁", "web", 3),
    ]:  # fmt: skip
        searching.log_query(db, text, results, False, channel, None, now)
    db.commit()
    report = client.raw.get("/api/v1/search/report", headers=staff_api).get_json()
    assert report["zero_results"] == [{"query": "港鐵", "searches": 2}]
    assert [row["query"] for row in report["low_clicks"]] == ["地铁"]


def test_did_you_mean_is_in_the_script_typed_or_read():
    from market.listings.discovery import in_typed_script

    assert in_typed_script("气象数据", "汽象數據", False) == "氣象數據"
    assert in_typed_script("气象数据", "汽象数据", True) == "气象数据"
    assert in_typed_script("气象数据", "qixiang", True) == "氣象數據"
    assert in_typed_script("气象数据", "汽象数据", False) == "气象数据"
    assert in_typed_script("weather", "wether", True) == "weather"
    assert in_typed_script(None, "x", True) is None
    # Searched as shown: the index's words in Traditional characters, not Hong Kong's words.
    assert in_typed_script("实时路况接口", "實時路況接扣", False) == "實時路況接口"
    assert in_typed_script("古籍文本", "gujiwenben", True) == "古籍文本"


def test_the_api_offers_did_you_mean_in_the_script_typed(
    client, db, store, provider, staff, reader, drain
):
    lf.published_listing(db, store, *provider, staff, title_zh="天气预报接口")
    db.commit()
    drain()
    assert _search(client, reader, q="天汽預報").get_json()["did_you_mean"] == "天氣預報"
    assert _search(client, reader, q="天汽预报").get_json()["did_you_mean"] == "天气预报"


def test_an_empty_search_offers_the_demand_once(client, published, drain):
    drain()
    page = client.get("/market?q=火星探测器").get_data(as_text=True)
    assert page.count("/demands?title=") == 1
    assert 'data-testid="cant-find"' in client.get("/market?q=公交").get_data(as_text=True)


@pytest.mark.parametrize(
    "name",
    [
        "category",
        "asset_kind",
        "pricing_model",
        "currency",
        "delivery_method",
        "provider",
        "region",
    ],
)
def test_an_unknown_filter_value_is_refused_naming_the_parameter(client, reader, name):
    response = _search(client, reader, **{name: "nope"})
    assert response.status_code == 422
    assert name in response.get_json()["errors"]


def test_the_market_page_tells_an_unknown_filter_value(client):
    response = client.get("/market?category=nope", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "“Category” was not understood" in response.get_data(as_text=True)


def test_an_unknown_region_is_refused_and_a_known_one_filters(client, reader, published, drain):
    drain()
    refused = _search(client, reader, region="atlantis")
    assert refused.status_code == 422
    assert "shenzhen" in str(refused.get_json()["errors"]["region"])  # the codes it takes
    found = _search(client, reader, region="shenzhen").get_json()
    assert len(found["hits"]) == 1
    assert _search(client, reader, region="beijing").get_json()["hits"] == []
    page = client.get("/market?region=atlantis", headers={"Accept-Language": "en"})
    assert page.status_code == 422
    assert "“Coverage region” was not understood" in page.get_data(as_text=True)


def _market_links(page) -> list[dict]:
    """The query arguments of every link of a market page back to the market."""
    hrefs = re.findall(r'href="(/market(?:\?[^"]*)?)"', page.get_data(as_text=True))
    return [parse_qs(urlsplit(html.unescape(href)).query) for href in hrefs]


@pytest.mark.parametrize(
    "query",
    [
        {"q": "深圳" * 300, "region": "shenzhen"},  # too long for the search
        {"q": "深圳" * 300, "category": "nope"},  # and a filter refused beside it
        {"q": "深圳\x01", "region": "shenzhen"},  # a control character
        {"q": "公交", "sort": "nope", "category": "transport"},
    ],
)
def test_links_of_a_page_answering_a_refused_query_do_not_carry_it(client, published, drain, query):
    drain()
    page = client.get("/market", query_string=query, headers={"Accept-Language": "en"})
    assert page.status_code == 422
    links = _market_links(page)
    refused = "sort" if query.get("sort") == "nope" else "q"
    assert not [link for link in links if refused in link]
    if refused == "sort":  # the words and the filter searched stay in the links
        assert any(link.get("q") == ["公交"] and "category" in link for link in links)


def test_the_trail_names_the_api_client_and_the_note_given(db, client, staff_api, reviewer):
    group = _add(client, staff_api, ["甲乙", "丙丁"], note="买家常用说法").get_json()
    url = f"/api/v1/search/synonyms/{group['id']}"
    client.raw.put(url, json={"terms": ["甲乙", "丙丁", "戊己"]}, headers=staff_api)
    client.submit("/staff/search", {"group": group['id'], "terms": "甲乙, 丙丁", "note": "改"},
                  page="/staff/search")  # fmt: skip
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert [(c["action"], c["client_name"], c["note"]) for c in changes] == [
        ("updated", None, "改"),
        ("updated", "test client", None),  # the note was kept, none given
        ("created", "test client", "买家常用说法"),
    ]
    assert changes[0]["client_id"] is None and changes[2]["client_id"]
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.count('data-testid="change-client"') == 2 and "test client" in page
    notes = page.split('data-testid="change-note"')[1:]
    assert len(notes) == 2 and "改" in notes[0] and "买家常用说法" in notes[1]


def test_the_synonym_lists_are_paginated(client, staff_api):
    for n in range(23):
        assert _add(client, staff_api, [f"hq{n}a", f"hq{n}b"]).status_code == 201
    for path in ("/api/v1/search/synonyms", "/api/v1/search/synonyms/changes"):
        first = client.raw.get(path, headers=staff_api)
        assert len(first.get_json()) == 20
        assert json.loads(first.headers["X-Pagination"])["total"] == 23
        second = client.raw.get(path, query_string={"page": 2, "page_size": 20}, headers=staff_api)
        assert len(second.get_json()) == 3
        ids = [item["id"] for item in first.get_json() + second.get_json()]
        assert len(set(ids)) == 23
    groups = client.raw.get("/api/v1/search/synonyms", headers=staff_api).get_json()
    assert groups[0]["terms"] == ["hq0a", "hq0b"] and "extends" in groups[0]
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert changes[0]["after"] == ["hq22a", "hq22b"] and changes[0]["user_name"]
    bad = client.raw.get("/api/v1/search/synonyms", query_string={"page_size": 101},
                         headers=staff_api)  # fmt: skip
    assert bad.status_code == 422 and "page_size" in bad.get_json()["errors"]


def test_a_deleted_groups_id_is_never_given_to_another(client, staff_api):
    first = _add(client, staff_api, ["甲乙", "丙丁"]).get_json()["id"]
    client.raw.delete(f"/api/v1/search/synonyms/{first}", headers=staff_api)
    second = _add(client, staff_api, ["戊己", "庚辛"]).get_json()["id"]
    assert second != first
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert [c["after"] or c["before"] for c in changes if c["group_id"] == first] == [
        ["甲乙", "丙丁"], ["甲乙", "丙丁"]
    ]  # fmt: skip


def test_full_width_letters_and_digits_in_a_term_are_folded_like_the_search_does(client, staff_api):
    stored = _add(client, staff_api, ["ＡＢＣ卡", "ｅ通卡２"]).get_json()
    assert stored["terms"] == ["ABC卡", "e通卡2"]
    again = _add(client, staff_api, ["abc卡", "八达通"])
    assert again.status_code == 422 and again.get_json()["errors"]["term"] == ["abc卡"]
    twice = _add(client, staff_api, ["XYZ", "ＸＹＺ"])
    assert twice.status_code == 422 and twice.get_json()["errors"]["term"] == ["ＸＹＺ"]


@pytest.mark.parametrize(
    ("language", "start", "end"),
    [
        ("en", "Showing results for “<a", "</a>”.</p>"),
        ("zh", "以下是“<a", "</a>”的搜索结果。</p>"),
        ("zh-HK", "以下是「<a", "</a>」的搜尋結果。</p>"),
    ],
)
def test_the_correction_says_the_results_shown_are_its_own(
    client, published, drain, language, start, end
):
    # The listings shown are those the correction finds, not the words as typed.
    drain()
    page = client.get("/market?q=shenzen", headers={"Accept-Language": language})
    line = page.get_data(as_text=True).split('data-testid="did-you-mean">')[1].split("\n")[0]
    assert line.startswith(start) and line.endswith(end), line


def test_the_did_you_mean_link_carries_the_correction_as_shown(client, published, drain):
    drain()
    page = client.get("/market?q=技錄").get_data(as_text=True)
    shown = page.split('data-testid="did-you-mean"')[1]
    link = shown.split('"')[1]
    assert "記錄" in shown
    assert parse_qs(urlsplit(html.unescape(link)).query)["q"] == ["記錄"]


def test_deleting_a_group_through_the_api_records_the_note_given(client, staff_api):
    group = _add(client, staff_api, ["甲乙", "丙丁"]).get_json()
    url = f"/api/v1/search/synonyms/{group['id']}"
    deleted = client.raw.delete(url, query_string={"note": "与内置组重复"}, headers=staff_api)
    assert deleted.status_code == 204
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert (changes[0]["action"], changes[0]["note"]) == ("deleted", "与内置组重复")


@pytest.mark.parametrize("note", ["x" * 201, "两行\n说明"])
def test_a_deletion_note_is_held_to_the_rules_of_a_groups_note(client, staff_api, note):
    group = _add(client, staff_api, ["甲乙", "丙丁"]).get_json()
    url = f"/api/v1/search/synonyms/{group['id']}"
    refused = client.raw.delete(url, query_string={"note": note}, headers=staff_api)
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["note"]
    kept = client.raw.get("/api/v1/search/synonyms", headers=staff_api).get_json()
    assert [g["id"] for g in kept] == [group["id"]]


def test_the_deletion_note_is_documented_in_the_openapi_document(client):
    spec = client.raw.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/search/synonyms/{group_id}"]["delete"]
    note = next(p for p in operation["parameters"] if p["name"] == "note")
    assert note["in"] == "query" and note["schema"]["maxLength"] == 200


def test_staff_delete_a_group_on_the_page_with_a_note(db, client, reviewer, staff_api):
    client.submit("/staff/search", {"terms": "甲乙, 丙丁"}, page="/staff/search")
    group = db.query(SynonymChange).one().group_id
    db.commit()
    page = client.get("/staff/search").get_data(as_text=True)
    assert f'id="delete-note-{group}"' in page
    long = client.submit(
        "/staff/search", {"delete": group, "note": "x" * 201}, page="/staff/search"
    )
    assert long.status_code == 422
    assert f'id="delete-note-{group}-error"' in long.get_data(as_text=True)
    response = client.submit(
        "/staff/search", {"delete": group, "note": "买家不用"}, page="/staff/search"
    )
    assert response.status_code == 302
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert (changes[0]["action"], changes[0]["note"]) == ("deleted", "买家不用")


def test_a_term_is_stored_as_the_words_a_search_keeps(client, staff_api):
    response = _add(client, staff_api, ["嘟嘟卡數據", "公交卡"])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["terms"] == ["嘟嘟卡", "公交卡"]


def test_a_term_a_search_leaves_out_entirely_is_refused_naming_it(client, staff_api):
    response = _add(client, staff_api, ["我们需要", "公交卡"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["term"] == ["我们需要"] and errors["terms"]


def test_a_term_a_search_would_read_as_one_character_is_refused_naming_it(client, staff_api):
    # 紅的 (a red taxi) as 紅 would make 紅磡 and every red thing find taxis.
    response = _add(client, staff_api, ["的士", "紅的"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["term"] == ["紅的"] and errors["terms"]
    assert _add(client, staff_api, ["的士", "紅色的士"]).status_code == 201


def test_the_one_step_form_offers_the_words_a_search_keeps_and_then_finds_the_listing(
    db, client, published, drain
):
    drain()
    client.get("/market?q=叮叮數據")
    reviewer = factories.user(db, staff=(factories.StaffRole.REVIEWER,))
    db.commit()
    client.log_in(reviewer.email)
    page = client.get("/staff/search").get_data(as_text=True)
    offered = re.search(r'name="terms" required value="([^"]*)" data-testid="query-words"', page)
    assert offered and offered.group(1) == "叮叮"
    response = client.submit(
        "/staff/search",
        {"terms": [offered.group(1), "公交"], "confirm": "join"},
        page="/staff/search",
    )
    assert response.status_code == 302
    assert 'data-testid="hit"' in client.get("/market?q=叮叮數據").get_data(as_text=True)
    page = client.get("/staff/search").get_data(as_text=True)
    assert 'data-testid="handled"' in page


@pytest.mark.parametrize(
    ("query", "offered"), [("香港 樓價", "樓價"), ("香港樓價", "樓價"), ("樓價 深圳", "樓價")]
)
def test_the_one_step_form_offers_no_place_word(db, client, query, offered):
    # A place only ranks the region's listings higher: as a synonym term it would make 樓價
    # mean whatever the group's other terms find, for a buyer anywhere.
    client.get("/market", query_string={"q": query})
    reviewer = factories.user(db, staff=(factories.StaffRole.REVIEWER,))
    db.commit()
    client.log_in(reviewer.email)
    page = client.get("/staff/search").get_data(as_text=True)
    found = re.findall(r'name="terms" required value="([^"]*)" data-testid="query-words"', page)
    assert found == [offered]


def test_a_whole_request_in_the_report_offers_no_one_step_form_it_would_refuse(
    db, client, published, drain
):
    drain()
    client.get("/market?q=zebra quokka wombat platypus kookaburra echidna wallaby numbat")
    reviewer = factories.user(db, staff=(factories.StaffRole.REVIEWER,))
    db.commit()
    client.log_in(reviewer.email)
    page = client.get("/staff/search").get_data(as_text=True)
    assert 'data-testid="too-long"' in page
    assert 'data-testid="query-words"' not in page


def test_a_group_inside_a_built_in_group_is_refused_naming_it(client, staff_api):
    response = _add(client, staff_api, ["天氣", "weather"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["terms"] and errors["group"][0].startswith("气象, 天气")


def test_the_page_says_a_group_inside_a_built_in_group_adds_nothing(client, reviewer):
    response = client.submit(
        "/staff/search", {"terms": "天氣, weather", "confirm": "join"},
        page="/staff/search", headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "“天氣” and “weather” are already in the built-in synonym group “气象, 天气" in page


def test_a_term_in_a_built_in_group_is_named_with_the_group_it_is_in(client, staff_api, reviewer):
    response = _add(client, staff_api, ["樓價", "房價"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["term"] == ["樓價", "房價"] and errors["group"][0].startswith("房价, 楼价")
    assert "built-in" in errors["terms"][0]
    page = client.submit(
        "/staff/search", {"terms": "樓價, 房價"}, page="/staff/search", headers=HONG_KONG
    ).get_data(as_text=True)
    summary = page.split('data-testid="error-summary"')[1].split("</div>")[0]
    assert "「樓價」和「房價」已在內建同義詞組「房價, 樓價" in summary


@pytest.mark.parametrize(
    ("terms", "language", "told"),
    [(["港鐵", "港铁"], "en", "“港鐵” and “港铁” are one word written in other characters"),
     (["港鐵", "港铁"], "zh-CN", "“港鐵”和“港铁”是同一个词的不同写法"),
     (["臺灣", "台灣"], "zh-CN", "“臺灣”和“台灣”是同一个词的不同写法"),
     (["Metro", "metro"], "en", "“Metro” and “metro” differ only in case, width or spaces")],
)  # fmt: skip
def test_a_term_written_in_the_other_script_is_refused_naming_both(
    client, staff_api, reviewer, terms, language, told
):
    response = _add(client, staff_api, terms)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert (errors["term"], errors["same_as"]) == ([terms[1]], [terms[0]])
    assert "once" in errors["terms"][0] and "each term once" not in errors["terms"][0]
    # The message names no other terms than the ones sent (it once cited 港鐵, 港铁 to all).
    assert "港" not in errors["terms"][0]
    # Not "give it once" alone, which a group of the two would then refuse as one term; no
    # markup in a message.
    assert "`" not in errors["terms"][0]
    if "differ only" not in told:
        assert "already finds either by the other" in errors["terms"][0]
    page = client.submit(
        "/staff/search", {"terms": ", ".join(terms)}, page="/staff/search",
        headers={"Accept-Language": language},
    ).get_data(as_text=True)  # fmt: skip
    assert told in page.split('data-testid="error-summary"')[1].split("</div>")[0]


def test_a_clash_is_told_in_words_not_key_names(client, staff_api):
    assert _add(client, staff_api, ["单车", "bicycle", "铁马"]).status_code == 201
    headers = {**staff_api, "Accept-Language": "en"}
    response = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["bicycle", "自行车"]}, headers=headers
    )
    errors = response.get_json()["errors"]
    assert "named by" not in errors["terms"][0] and errors["term"] == ["bicycle"]


def test_editing_a_group_on_the_page_records_no_note_it_kept(db, client, reviewer, staff_api):
    group = _add(client, staff_api, ["甲乙", "丙丁"], note="买家常用说法").get_json()
    client.submit("/staff/search",
                  {"group": group['id'], "terms": "甲乙, 丙丁, 戊己", "note": "买家常用说法"}, page="/staff/search")  # fmt: skip
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert changes[0]["action"] == "updated" and changes[0]["note"] is None


def test_the_trail_tells_a_cleared_or_replaced_note(client, reviewer, staff_api):
    group = _add(client, staff_api, ["楼", "楼宇", "大厦"], note="旧说明").get_json()
    url = f"/api/v1/search/synonyms/{group['id']}"
    terms = ["楼", "楼宇", "大厦"]
    assert (
        client.raw.put(url, json={"terms": terms, "note": "新说明"}, headers=staff_api).status_code
        == 200
    )
    assert (
        client.raw.put(url, json={"terms": terms, "note": None}, headers=staff_api).status_code
        == 200
    )
    assert client.raw.put(url, json={"terms": terms}, headers=staff_api).status_code == 200
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert [change["note_change"] for change in changes] == [
        None,  # kept
        {"before": "新说明", "after": None},
        {"before": "旧说明", "after": "新说明"},
        None,  # an addition
    ]
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    notes = re.findall(r'data-testid="change-note">(.*?)</span>(?= ·|</li>)', page)
    notes = [re.sub(r"<[^>]+>", "", note) for note in notes]
    assert notes == ["Note cleared: 新说明", "Note changed: 旧说明 → 新说明", "Note: 旧说明"]


def test_the_trail_shows_no_arrow_without_a_side(db, client, reviewer, staff_api):
    group = _add(client, staff_api, ["甲乙", "丙丁"]).get_json()
    client.raw.delete(f"/api/v1/search/synonyms/{group['id']}", headers=staff_api)
    page = client.get("/staff/search").get_data(as_text=True)
    trail = page.split('data-testid="changes"')[1]
    assert "→" not in trail and trail.count("甲乙, 丙丁") == 2


def test_a_reviewer_finds_search_curation_in_the_staff_navigation(client, reviewer):
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/staff/search"' in page


def test_the_api_warns_of_a_term_no_listing_holds(client, published, staff_api, drain):
    drain()
    added = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["嘟嘟卡", "公交"]},
        headers={**staff_api, "Accept-Language": "en"},
    )  # fmt: skip
    assert added.status_code == 201, added.get_json()
    warnings = added.get_json()["warnings"]
    assert [(w["code"], w["term"]) for w in warnings] == [("unfound", "嘟嘟卡")]
    assert "No listing holds “嘟嘟卡”" in warnings[0]["message"]
    group = added.get_json()["id"]
    replaced = client.raw.put(
        f"/api/v1/search/synonyms/{group}", json={"terms": ["嘟嘟票", "公交"]}, headers=staff_api
    )
    assert replaced.status_code == 200
    assert [w["term"] for w in replaced.get_json()["warnings"]] == ["嘟嘟票"]


def test_the_page_warns_of_a_term_no_listing_holds_and_saves_it(
    db, client, reviewer, published, drain
):
    drain()
    response = client.submit(
        "/staff/search", {"terms": "嘟嘟卡, 公交", "confirm": "join"},
        page="/staff/search",
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 302
    assert db.query(SynonymGroup).count() == 1
    db.commit()
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No listing holds “嘟嘟卡”: the group is saved" in page
    assert "“公交”" not in page.split("No listing holds")[1].split("</div>")[0]


@pytest.mark.parametrize(
    ("language", "told"),
    [("en", "No listing held these terms when the group was saved"),
     ("zh-CN", "保存同义词组时没有挂牌含有这些词"),
     ("zh-HK", "儲存同義詞組時沒有掛牌含有這些詞")],
)  # fmt: skip
def test_the_group_list_keeps_the_terms_no_listing_holds(
    db, client, reviewer, published, staff_api, drain, language, told
):
    drain()
    client.submit(
        "/staff/search", {"terms": "嘟嘟卡, 公交", "confirm": "join"}, page="/staff/search"
    )
    db.commit()
    page = client.get("/staff/search", headers={"Accept-Language": language})
    group = page.get_data(as_text=True).split('data-testid="synonym-group"')[1].split("</li>")[0]
    unfound = group.split('data-testid="group-unfound"')[1].split("</p>")[0]
    assert told in unfound and "嘟嘟卡" in unfound and "公交" not in unfound
    listed = client.raw.get("/api/v1/search/synonyms", headers=staff_api).get_json()
    assert [g["unfound"] for g in listed] == [["嘟嘟卡"]]


def test_a_group_no_listing_holds_any_term_of_is_not_said_to_find_what_the_others_find(
    db, client, published, staff_api, reviewer, drain
):
    drain()
    added = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["嘟嘟卡", "嘟嘟票"]},
        headers={**staff_api, "Accept-Language": "en"},
    )  # fmt: skip
    assert added.status_code == 201, added.get_json()
    messages = [w["message"] for w in added.get_json()["warnings"]]
    assert [w["term"] for w in added.get_json()["warnings"]] == ["嘟嘟卡", "嘟嘟票"]
    for message in messages:
        assert "nor any other term of the group" in message
        assert "finds what the other terms find" not in message
    db.commit()
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    unfound = page.split('data-testid="group-unfound"')[1].split("</p>")[0]
    assert "No listing held any term of the group when it was saved" in unfound
    assert "what the other terms find" not in unfound


@pytest.mark.parametrize("path", ["/api/v1/search/synonyms", "/api/v1/search/synonyms/1"])
def test_a_one_term_group_with_a_bad_note_is_told_both_at_once(client, staff_api, path):
    if path.endswith("/1"):
        _add(client, staff_api, ["甲乙", "丙丁"])
    send = client.raw.put if path.endswith("/1") else client.raw.post
    response = send(
        path, json={"terms": ["地铁"], "note": "x" * 201},
        headers={**staff_api, "Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "note": ["At most 200 characters."],
        "terms": ["A synonym group needs at least two different terms."],
    }


def test_the_page_tells_a_one_term_group_with_a_bad_note_both_at_once(client, reviewer):
    response = client.submit(
        "/staff/search", {"terms": "孤单", "note": "x" * 201}, page="/staff/search",
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A synonym group needs at least two different terms." in page
    summary = page.split('data-testid="error-summary"')[1].split("</div>")[0]
    # The summary names the field a line is about, as beside the field.
    assert '<a href="#note">Note: At most 200 characters.</a>' in summary
    assert '<a href="#terms">A synonym group needs at least two different terms.</a>' in summary
    assert "200" in page.split('id="note-error"')[1].split("</p>")[0]
    assert 'aria-describedby="note-error"' in page
    # The browser does not cut a longer note short unsaid: the page names it.
    note = page.split('id="note"')[1].split(">")[0]
    assert "maxlength" not in note and 'value="' + "x" * 201 + '"' in note
    hant = client.submit(
        "/staff/search", {"terms": "孤单", "note": "x" * 201}, page="/staff/search",
        headers={"Accept-Language": "zh-HK"},
    ).get_data(as_text=True)  # fmt: skip
    assert '<a href="#note">備註：最多 200 個字元。</a>' in hant


def test_the_api_lists_the_built_in_groups_holding_a_term(client, staff_api):
    everything = client.raw.get(
        "/api/v1/search/synonyms/defaults", query_string={"page_size": 100}, headers=staff_api
    )
    total = json.loads(everything.headers["X-Pagination"])["total"]
    found = client.raw.get(
        "/api/v1/search/synonyms/defaults", query_string={"term": "巴士"}, headers=staff_api
    )
    assert found.status_code == 200
    groups = found.get_json()
    assert any("公交" in group["terms"] for group in groups)
    assert 0 < len(groups) < total
    for group in groups:
        assert any("巴士" in term for term in group["terms"]), group
    # script and case folded: the Simplified and the Traditional form find the same groups
    traditional = client.raw.get(
        "/api/v1/search/synonyms/defaults", query_string={"term": "地鐵"}, headers=staff_api
    ).get_json()
    simplified = client.raw.get(
        "/api/v1/search/synonyms/defaults", query_string={"term": "地铁"}, headers=staff_api
    ).get_json()
    assert traditional == simplified and any("地铁" in g["terms"] for g in simplified)
    upper = client.raw.get(
        "/api/v1/search/synonyms/defaults", query_string={"term": "METRO"}, headers=staff_api
    ).get_json()
    assert upper and all(any("metro" in t.lower() for t in g["terms"]) for g in upper)
    # a latin word as a whole word, its plural taken: bus is no part of business
    buses = client.raw.get(
        "/api/v1/search/synonyms/defaults", query_string={"term": "bus"}, headers=staff_api
    ).get_json()
    assert any("buses" in g["terms"] for g in buses)
    assert not any(all("business" in t or "bus" not in t for t in g["terms"]) for g in buses)
    long = client.raw.get(
        "/api/v1/search/synonyms/defaults", query_string={"term": "字" * 41},
        headers={**staff_api, "Accept-Language": "en"},
    )  # fmt: skip
    assert long.status_code == 422
    assert list(long.get_json()["errors"]) == ["term"]


@pytest.mark.parametrize(
    ("language", "told", "shown"),
    [("en", "of the", "公交"), ("zh-HK", "個內建同義詞組中有", "公交")],
)  # fmt: skip
def test_the_page_finds_the_built_in_groups_holding_a_term(client, reviewer, language, told, shown):
    page = client.get(
        "/staff/search", query_string={"built_in": "巴士"}, headers={"Accept-Language": language}
    ).get_data(as_text=True)
    found = page.split('data-testid="built-in-found"')[1].split("</p>")[0]
    assert told in found and "巴士" in found
    details = page.split('data-testid="built-in-synonyms"')[1]
    assert details.startswith(" open>")
    groups = details.split('data-testid="default-groups"')[1].split("</ul>")[0]
    items = groups.split("<li>")[1:]
    assert items and all("巴士" in item for item in items)
    assert any(shown in item for item in items)
    assert 'value="巴士"' in page.split('data-testid="find-built-in"')[1].split("</form>")[0]
    unfiltered = client.get("/staff/search").get_data(as_text=True)
    assert 'data-testid="built-in-found"' not in unfiltered
    assert len(unfiltered.split('data-testid="default-groups"')[1].split("</ul>")[0]
               .split("<li>")) > len(items) + 1  # fmt: skip


def test_the_page_says_when_no_built_in_group_holds_a_term(client, reviewer):
    page = client.get(
        "/staff/search", query_string={"built_in": "嘟嘟卡"}, headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "No built-in group holds “嘟嘟卡”." in page
    assert 'data-testid="built-in-synonyms"' not in page


HONG_KONG = {"Accept-Language": "zh-HK"}


def test_a_traditional_page_shows_built_in_terms_in_traditional(db, client, reviewer):
    page = client.get("/staff/search", headers=HONG_KONG).get_data(as_text=True)
    built_in = page.split('data-testid="default-groups"')[1].split("</ul>")[0]
    assert ">地鐵<" in built_in and ">軌道交通<" in built_in and ">地铁<" not in built_in
    assert "刪除內建同義詞組「地鐵」" in built_in
    client.submit("/staff/search/synonyms/defaults/delete", {"term": "地铁"}, page="/staff/search")
    page = client.get("/staff/search", headers=HONG_KONG).get_data(as_text=True)
    trail = page.split('data-testid="changes"')[1].split("</ul>")[0]
    assert "地鐵, 軌道交通" in trail and "地铁" not in trail
    # Display only: the built-in list and the trail keep the library's terms.
    assert db.query(SynonymChange).one().before[:2] == ["地铁", "轨道交通"]
    db.commit()


def test_a_traditional_page_quotes_a_built_in_group_in_traditional_when_refusing(client, reviewer):
    response = client.submit(
        "/staff/search", {"terms": "天氣, weather", "confirm": "join"},
        page="/staff/search", headers=HONG_KONG,
    )  # fmt: skip
    assert response.status_code == 422
    summary = response.get_data(as_text=True).split('data-testid="error-summary"')[1]
    summary = summary.split("</div>")[0]
    assert "「氣象, 天氣" in summary and "气象" not in summary


def test_every_synonym_form_posts_to_the_page_so_a_refusal_stays_at_its_address(
    db, client, reviewer
):
    client.submit("/staff/search", {"terms": "甲乙, 丙丁"}, page="/staff/search")
    db.commit()
    page = client.get("/staff/search").get_data(as_text=True)
    actions = set(re.findall(r'<form method="post" action="(/staff[^"]+)"', page))
    assert actions == {
        "/staff/search",
        "/staff/search/synonyms/defaults/delete",
    }
    refused = client.submit(
        "/staff/search", {"terms": "甲乙, 戊己"}, page="/staff/search",
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert 'value="甲乙, 戊己"' in refused.get_data(as_text=True)
    # The address the refusal answered at is the page: asked for again, it is the page.
    again = client.get("/staff/search").get_data(as_text=True)
    assert 'data-testid="error-summary"' not in again
    assert db.query(SynonymGroup).count() == 1


@pytest.mark.parametrize("target", [{"group": "x"}, {"delete": "0"}])
def test_a_curation_form_naming_no_group_is_refused_naming_the_field(client, reviewer, target):
    response = client.submit(
        "/staff/search", {"terms": "甲乙, 丙丁", **target}, page="/staff/search"
    )
    assert response.status_code == 422
    assert 'data-testid="error-summary"' in response.get_data(as_text=True)


def test_the_trail_names_the_built_in_group_a_group_joins(db, client, reviewer, staff_api):
    taxi = next(group for group in DEFAULT_SYNONYMS if "的士" in group)
    group = _add(client, staff_api, ["的士", "搭的士"]).get_json()
    client.raw.put(
        f"/api/v1/search/synonyms/{group['id']}",
        json={"terms": ["甲乙", "丙丁"]},
        headers=staff_api,
    )
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=staff_api).get_json()
    assert [change["joins"] for change in changes] == [None, [taxi[0]]]
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    joined = page.split('data-testid="change-joins"')
    assert len(joined) == 2 and f">{taxi[0]}</span>" in joined[1][:150]


#: A row of the report's searches that found nothing within their filters, whose words
#: find one listing (the one published) without them.
ELSEWHERE = {"relaxed": False, "total_without_filters": 1}


def test_the_report_lists_apart_queries_that_found_nothing_within_their_filters(
    db, client, published, reader, staff_api, reviewer, drain
):
    drain()
    assert client.get("/market?q=公交&category=finance").status_code == 200
    _search(client, reader, q="公交", region="beijing", price_max="100")
    client.get("/market?q=火星探测器")
    logged = {row.text: row.filters for row in db.query(SearchQuery).filter_by(results=0)}
    db.commit()
    assert logged == {"火星探测器": None, "公交": {"region": ["beijing"], "price_max": 100}}
    report = client.raw.get("/api/v1/search/report", headers=staff_api).get_json()
    assert report["zero_results"] == [{"query": "火星探测器", "searches": 1}]
    assert sorted(report["zero_results_with_filters"], key=str) == [
        {"query": "公交", "searches": 1, "filters": {"category": ["finance"]}, **ELSEWHERE},
        {
            "query": "公交",
            "searches": 1,
            "filters": {"region": ["beijing"], "price_max": 100},
            **ELSEWHERE,
        },
    ]
    page = client.get("/staff/search").get_data(as_text=True)
    filtered = page.split('data-testid="zero-with-filters"')[1].split("</table>")[0]
    assert "公交" in filtered and "火星探测器" not in filtered
    assert "公交" not in page.split('data-testid="zero-results"')[1].split("</table>")[0]


def test_words_held_only_outside_the_filters_are_an_honest_zero_within_them(
    db, client, store, provider, staff, reader, staff_api, drain
):
    house = lf.published_listing(
        db, store, *provider, staff, title_zh="深圳二手住宅楼价指数",
        title_en="Shenzhen resale house prices", description_zh="深圳各区二手住宅楼价月度指数。",
        description_en="Monthly resale house prices by district.", keywords=["楼价"],
        region="shenzhen",
    )  # fmt: skip
    lf.published_listing(
        db, store, *provider, staff, title_zh="香港政府债券价格与收益率",
        title_en="Hong Kong government bond prices and yields",
        description_zh="香港政府债券每日价格与收益率。", description_en="Daily bond yields.",
        keywords=["债券"], region="hong_kong",
    )  # fmt: skip
    db.commit()
    drain()
    assert [hit["id"] for hit in _search(client, reader, q="樓價").get_json()["hits"]] == [house.id]
    # 樓價 is held, only not in Hong Kong: nothing there, not the bonds sharing 价格.
    response = _search(client, reader, q="樓價", region="hong_kong")
    body = response.get_json()
    assert (body["hits"], body["relaxed"], body["loose"]) == ([], False, False)
    assert json.loads(response.headers["X-Pagination"])["total"] == 0
    # Nor the Hong Kong listings holding the place named beside the word.
    body = _search(client, reader, q="香港 樓價", region="hong_kong").get_json()
    assert (body["hits"], body["relaxed"], body["loose"]) == ([], False, False)
    page = client.get("/market?q=樓價&region=hong_kong", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "No listings match. Try other words or remove a filter." in text
    assert 'data-testid="relaxed"' not in text and "bond" not in text
    db.commit()
    report = client.raw.get("/api/v1/search/report", headers=staff_api).get_json()
    assert report["zero_results"] == []
    assert report["zero_results_with_filters"] == [
        {"query": "樓價", "searches": 2, "filters": {"region": ["hong_kong"]}, **ELSEWHERE},
        {"query": "香港 樓價", "searches": 1, "filters": {"region": ["hong_kong"]}, **ELSEWHERE},
    ]


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", ["Category: Financial services", "Coverage region: Beijing", "Price up to: CN¥1.00"]),
     ("zh-CN", ["行业类别：金融", "覆盖地区：北京", "最高价格：¥1.00"]),
     ("zh-HK", ["行業類別：金融", "覆蓋地區：北京", "最高價格：CN¥1.00"])],
)  # fmt: skip
def test_a_query_that_found_nothing_within_filters_shows_them_and_opens_the_search(
    db, client, published, reader, reviewer, drain, language, shown
):
    drain()
    client.get("/market?q=公交&category=finance")
    _search(client, reader, q="公交", region="beijing", price_max="100")
    db.commit()
    page = client.get("/staff/search", headers={"Accept-Language": language})
    filtered = page.get_data(as_text=True).split('data-testid="zero-with-filters"')[1]
    filtered = filtered.split("</table>")[0]
    labels = re.findall(r"<li>([^<]*)</li>", filtered)
    assert sorted(labels) == sorted(shown)
    opened = [
        html.unescape(h) for h in re.findall(r'href="([^"]+)" data-testid="with-filters"', filtered)
    ]
    wanted = [{"q": ["公交"], "category": ["finance"]},
              {"q": ["公交"], "region": ["beijing"], "price_below": ["1.01"]}]  # fmt: skip
    assert sorted((parse_qs(urlsplit(h).query) for h in opened), key=str) == sorted(wanted, key=str)
    for link in opened:  # the search again, on the market page: still nothing within them
        again = client.get(link).get_data(as_text=True)
        assert 'data-testid="hit"' not in again
    bare = re.findall(r'href="([^"]+)" data-testid="without-filters"', filtered)
    assert {html.unescape(h) for h in bare} == {"/market?q=%E5%85%AC%E4%BA%A4"}
    assert 'data-testid="hit"' in client.get(html.unescape(bare[0])).get_data(as_text=True)


def test_a_filter_value_given_twice_is_one_filter_in_the_report(
    db, client, published, reader, staff_api, reviewer, drain
):
    drain()
    _search(client, reader, q="公交", region=["beijing", "beijing"])
    client.get("/market?q=公交&region=beijing&region=beijing")
    # As searches logged before repeats were folded were recorded.
    db.add(SearchQuery(text="公交", normalized="公交", results=0, channel="api",
                       filters={"region": ["beijing", "beijing"]}))  # fmt: skip
    db.commit()
    logged = [row.filters for row in db.query(SearchQuery).filter_by(results=0).limit(2)]
    assert logged == [{"region": ["beijing"]}] * 2
    db.commit()
    report = client.raw.get("/api/v1/search/report", headers=staff_api).get_json()
    assert report["zero_results_with_filters"] == [
        {"query": "公交", "searches": 3, "filters": {"region": ["beijing"]}, **ELSEWHERE}
    ]
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    filtered = page.split('data-testid="zero-with-filters"')[1].split("</table>")[0]
    assert re.findall(r"<li>([^<]*)</li>", filtered) == ["Coverage region: Beijing"]


def test_the_document_gives_how_many_terms_a_group_holds(client):
    document = client.raw.get("/api/openapi.json").get_json()
    terms = document["components"]["schemas"]["SynonymGroupInput"]["properties"]["terms"]
    assert (terms["minItems"], terms["maxItems"]) == (2, 20)


def test_a_refusals_group_follows_the_callers_script(client, staff_api):
    hong_kong = {**staff_api, "Accept-Language": "zh-HK"}
    inside = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["天氣", "weather"]}, headers=hong_kong
    )
    assert inside.status_code == 422
    assert inside.get_json()["errors"]["group"][0].startswith("氣象, 天氣")
    assert "气象" not in inside.get_json()["errors"]["group"][0]
    assert _add(client, staff_api, ["的士", "搭的士"]).status_code == 201
    loop = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["計程車", "街車"]}, headers=hong_kong
    )
    assert loop.status_code == 422
    group = loop.get_json()["errors"]["group"][0]
    assert group.startswith("的士, 搭的士, ") and "計程車" in group and "计程车" not in group
    # Simplified for a Simplified reader, as the library writes it.
    simplified = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["天氣", "weather"]},
        headers={**staff_api, "Accept-Language": "zh-CN"},
    )  # fmt: skip
    assert simplified.get_json()["errors"]["group"][0].startswith("气象, 天气")


@pytest.mark.parametrize(
    ("term", "known"),
    [("天气预报", True), ("八達通", True), ("資訊", True), ("樓價", True),
     ("天汽預報", False), ("港鐵客留", False), ("嘟嘟卡", False)],
)  # fmt: skip
def test_a_known_word_is_told_from_a_made_up_one(term, known):
    from market.searching.services import known_word

    assert known_word(term) is known


def test_a_term_no_listing_holds_is_called_a_possible_typo_only_when_close_to_a_held_word(
    db, client, store, provider, staff, staff_api, drain
):
    lf.published_listing(
        db, store, *provider, staff, title_zh="城市天气预报", title_en="City weather forecasts",
        description_zh="逐小时天气预报。", description_en="Hourly forecasts.", keywords=["天气预报"],
    )  # fmt: skip
    db.commit()
    drain()
    english = {**staff_api, "Accept-Language": "en"}
    added = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["呎價", "天汽預報", "天气预报"]}, headers=english
    )
    assert added.status_code == 201, added.get_json()
    warnings = {w["term"]: w for w in added.get_json()["warnings"]}
    assert set(warnings) == {"呎價", "天汽預報"}
    real = warnings["呎價"]
    assert real["close_to"] is None
    assert real["message"] == (
        "No listing holds “呎價”: the group is saved, and a search for it finds what the other "
        "terms find."
    )
    typo = warnings["天汽預報"]
    assert typo["close_to"] == "天氣預報"
    assert typo["message"].startswith(
        "No listing holds “天汽預報”; listings hold “天氣預報”, which it is close to: check that "
        "it is not a typo."
    )
    assert added.get_json()["unfound"] == ["呎價", "天汽預報"]


def test_a_query_that_found_nothing_within_filters_says_what_it_finds_without_and_offers_synonyms(
    db, client, store, provider, staff, published, reader, staff_api, reviewer, drain
):
    lf.published_listing(
        db, store, *provider, staff, title_zh="北京地铁客流统计", title_en="Beijing metro ridership",
        description_zh="北京地铁各站客流。", description_en="Ridership by station.",
        keywords=["地铁", "客流"], region="beijing",
    )  # fmt: skip
    db.commit()
    drain()
    _search(client, reader, q="公交", region="beijing")
    _search(client, reader, q="嘟嘟卡", category="transport")
    # Within the filters only some of the words match: relaxed there, nothing for the words.
    relaxed = _search(client, reader, q="公交 地铁 客流", region="shenzhen").get_json()
    assert relaxed["relaxed"] and relaxed["hits"], relaxed
    db.commit()
    report = client.raw.get("/api/v1/search/report", headers=staff_api).get_json()
    rows = {row["query"]: row for row in report["zero_results_with_filters"]}
    assert {q: (r["total_without_filters"], r["relaxed"]) for q, r in rows.items()} == {
        "公交": (1, False), "嘟嘟卡": (0, False), "公交 地铁 客流": (2, True)
    }  # fmt: skip
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    filtered = page.split('data-testid="zero-with-filters"')[1].split("</table>")[0]
    rows = {
        re.sub("<[^>]+>", "", row.split("</td>")[0].split("<p")[0]): row
        for row in filtered.split("<tr><td>")[1:]
    }
    assert "Without the filters: 1 listing<" in rows["公交"]
    assert "Without the filters: none either" in rows["嘟嘟卡"]
    assert 'data-testid="relaxed-within"' in rows["公交 地铁 客流"].split("</td>")[0] + "</td>"
    assert 'value="嘟嘟卡" data-testid="query-words"' in rows["嘟嘟卡"]
    # Its form adds the group, as a row of the other list's does.
    added = client.submit(
        "/staff/search", {"terms": ["嘟嘟卡", "公交"], "confirm": "join"}, page="/staff/search"
    )
    assert added.status_code == 302
    db.commit()
    page = client.get("/staff/search", headers={"Accept-Language": "en"}).get_data(as_text=True)
    filtered = page.split('data-testid="zero-with-filters"')[1].split("</table>")[0]
    assert 'data-testid="handled"' in filtered


def test_a_group_of_several_word_terms_keeps_what_the_words_found(
    db, client, store, provider, staff, published, reader, staff_api, drain
):
    lf.published_listing(
        db, store, *provider, staff, title_zh="深圳地铁客流统计", title_en="Shenzhen metro ridership",
        description_zh="按站点统计的地铁进出站客流。", description_en="Entries and exits per station.",
        keywords=["地铁", "客流"], region="shenzhen",
    )  # fmt: skip
    db.commit()
    drain()
    # 港鐵 is in the metro's built-in group; the curated terms are each two words.
    assert _add(client, staff_api, ["港鐵客流", "港鐵乘客量"]).status_code == 201
    for query in ("港鐵客流", "港铁客流", "港鐵 客流", "港鐵乘客量"):
        body = _search(client, reader, q=query).get_json()
        assert body["hits"][0]["listing"]["title_zh"] == "深圳地铁客流统计", query
        assert not body["relaxed"], query
    page = client.get("/market?q=港鐵客流", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert 'data-testid="relaxed"' not in text and "Shenzhen metro ridership" in text


def test_a_term_a_built_in_group_finds_listings_for_is_not_called_unfound(
    client, published, staff_api, drain
):
    # 巴士 is in the built-in group of 公交, which the listing holds: a buyer's search for 巴士
    # finds it, so only 巴仕 is a term no listing holds.
    drain()
    added = _add(client, staff_api, ["巴仕", "巴士"])
    assert added.status_code == 201, added.get_json()
    assert [w["term"] for w in added.get_json()["warnings"]] == ["巴仕"]


def test_a_term_is_called_a_possible_typo_only_of_words_listings_hold(
    db, client, store, provider, staff, staff_api, drain
):
    lf.published_listing(
        db, store, *provider, staff, title_en="Hong Kong rain gauge readings",
        description_en="Hourly rain gauge readings across Hong Kong.",
    )  # fmt: skip
    db.commit()
    drain()
    added = _add(client, staff_api, ["east rail line", "东铁线"])
    assert added.status_code == 201, added.get_json()
    warnings = {w["term"]: w["close_to"] for w in added.get_json()["warnings"]}
    assert warnings["east rail line"] is None
    # A term whose correction the listings hold is still told as a possible typo.
    added = _add(client, staff_api, ["rian gauge", "雨量计"])
    warnings = {w["term"]: w["close_to"] for w in added.get_json()["warnings"]}
    assert warnings["rian gauge"] == "rain gauge"


def test_the_api_names_built_in_groups_in_the_callers_script(client, staff_api):
    headers = {**staff_api, "Accept-Language": "zh-HK"}
    added = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["樓價", "屋價"]}, headers=headers
    )
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["extends"] == ["房價"]
    listed = client.raw.get("/api/v1/search/synonyms", headers=headers).get_json()
    assert listed[0]["extends"] == ["房價"]
    changes = client.raw.get("/api/v1/search/synonyms/changes", headers=headers).get_json()
    assert changes[0]["joins"] == ["房價"]
    # Simplified and English callers get the library's own name.
    simplified = client.raw.get("/api/v1/search/synonyms", headers=staff_api).get_json()
    assert simplified[0]["extends"] == ["房价"]


def test_a_control_character_in_a_term_is_refused_in_the_callers_language(client, staff_api):
    refused = client.raw.post(
        "/api/v1/search/synonyms", json={"terms": ["巴\x01士", "公交"]},
        headers={**staff_api, "Accept-Language": "zh-HK"},
    )  # fmt: skip
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["errors"]["terms"]["0"] == [body["message"]]
    assert "control characters" not in body["message"]


def test_a_group_of_one_term_is_refused_in_a_sentence(client, staff_api):
    refused = _add(client, staff_api, ["公交"])
    assert refused.get_json()["errors"]["terms"] == [
        "A synonym group needs at least two different terms."
    ]


@pytest.mark.parametrize(
    ("path", "language", "message"),
    [
        ("/api/v1/search/synonyms/defaults/不存在", "en", "No such built-in synonym group."),
        ("/api/v1/search/synonyms/defaults/不存在", "zh-CN", "没有这个内置同义词组。"),
        ("/api/v1/search/synonyms/999999", "en", "No such synonym group."),
        ("/api/v1/search/synonyms/999999", "zh-HK", "沒有這個同義詞組。"),
    ],
)
def test_the_synonym_apis_refusals_are_sentences(client, staff_api, path, language, message):
    # A capital and a full stop, as every other answer of the API.
    missing = client.raw.delete(path, headers={**staff_api, "Accept-Language": language})
    assert missing.status_code == 404
    assert missing.get_json()["message"] == message


def test_a_listing_id_nothing_has_is_told_in_a_sentence(client):
    missing = client.raw.get("/api/v1/listings/999999", headers={"Accept-Language": "en"})
    assert missing.status_code == 404
    assert missing.get_json()["message"][0].isupper()
    assert missing.get_json()["message"].endswith(".")
