"""The market page's price filter reads in yuan in its URLs; old links in fen still work."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.listings import factories as lf


@pytest.fixture
def published(db, store, provider, staff, drain):
    """A published, indexed listing at ¥4,800."""
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    drain()
    return listing


def test_price_facet_links_carry_whole_yuan(client, published):
    page = client.get("/market").get_data(as_text=True)
    assert "price_from=1000&amp;price_below=10000" in page
    assert "price_min" not in page and "price_max" not in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("price_from=1000&price_below=10000", True),
        ("price_from=4800&price_below=4800.01", True),
        ("price_below=4800", False),  # below is exclusive
        ("price_from=4,800.01", False),
        ("price_from=10000", False),
    ],
)
def test_a_yuan_range_filters_the_results(client, published, query, found):
    page = client.get(f"/market?{query}").get_data(as_text=True)
    assert ('data-testid="hit"' in page) is found


def test_an_old_link_in_fen_is_redirected_to_yuan(client, published):
    old = client.get("/market?q=公交&price_min=100000&price_max=999999")
    assert old.status_code == 301
    target = urlsplit(old.headers["Location"])
    assert parse_qs(target.query) == {
        "q": ["公交"],
        "price_from": ["1000"],
        "price_below": ["10000"],
    }
    assert 'data-testid="hit"' in client.get(old.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "carried", "named", "message"),
    [("price_min=abc", {"price_from": ["abc"]}, "Price from", "Enter an amount such as"),
     ("price_max=1.5", {"price_below": ["1.5"]}, "Price below", None)],
)  # fmt: skip
def test_an_old_price_argument_that_is_no_whole_fen_is_carried_not_dropped(
    client, published, query, carried, named, message
):
    old = client.get(f"/market?q=公交&region=beijing&{query}")
    assert old.status_code == 301
    target = urlsplit(old.headers["Location"])
    assert parse_qs(target.query) == {"q": ["公交"], "region": ["beijing"], **carried}
    followed = client.get(old.headers["Location"], headers={"Accept-Language": "en"})
    if message is None:  # a value the current argument takes (¥1.50) is searched
        assert followed.status_code == 200
        return
    assert followed.status_code == 422
    page = followed.get_data(as_text=True)
    assert f"“{named}” was not understood" in page and message in page


def test_a_price_with_fractions_of_a_fen_is_not_a_crash(client, published):
    response = client.get("/market?price_from=1.001&price_min=abc")
    assert response.status_code == 301
    followed = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert followed.status_code == 422
    assert "“Price from” was not understood" in followed.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "named", "message"),
    [
        ("price_from=abc", "Price from", "Enter an amount such as 48,000.00."),
        ("price_below=HK$100", "Price below", "This amount is written in HK$; enter it in CNY."),
    ],
)
def test_a_filter_that_cannot_be_read_is_named_on_the_page(
    client, published, query, named, message
):
    response = client.get(f"/market?q=公交&{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    start = html.index('data-testid="argument-errors"')
    alert = html[start : html.index("</div>", start)]
    assert f"“{named}” was not understood" in alert and message in alert
    assert 'href="/market?q=' in alert  # a way on without the filter


def test_a_page_past_the_last_says_so_and_links_back(client, published):
    response = client.get("/market?page=17", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'data-testid="hit"' not in html
    assert 'data-testid="past-the-end"' in html and "Go to the last page (1)" in html
    assert "page=1" in html[html.index('data-testid="past-the-end"') :]
    assert client.get("/market?page=1").status_code == 200


@pytest.mark.parametrize(
    ("query", "language", "told"),
    [("page=999", "en", "“Page” must be from 1 to 500."),
     ("page=0", "en", "“Page” must be from 1 to 500."),
     ("page=0", "zh-CN", "“页码”须在 1 到 500 之间。"),
     ("page_size=500", "en", "“Results per page” must be from 1 to 100."),
     ("price_from=-5", "en", "“Price from” must be 0 or more."),
     ("price_below=-0.5", "en", "“Price below” must be 0 or more."),
     ("price_from=-5", "zh-CN", "“最低价格”不能小于 0。"),
     ("price_from=100000000001", "en", "“Price from” must be from 0 to 100,000,000,000."),
     ("price_below=0", "en", "“Price below” must be from 0.01 to 100,000,000,000.")],
)  # fmt: skip
def test_a_number_out_of_its_bounds_is_told_as_understood_in_one_sentence(
    client, published, query, language, told
):
    response = client.get(f"/market?q=公交&{query}", headers={"Accept-Language": language})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    start = html.index('data-testid="argument-errors"')
    alert = html[start : html.index("</div>", start)]
    assert told in alert
    assert "not understood" not in alert and "无法识别" not in alert
