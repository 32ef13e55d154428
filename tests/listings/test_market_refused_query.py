"""The market page refuses a search holding a character no text may hold beside the search
box, with the search and its filters kept, instead of a bare error page."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("control", ["\u202e", "\x00", "\x07"], ids=["bidi", "nul", "bell"])
def test_a_refused_search_keeps_the_page_the_words_and_the_filters(client, control):
    query = {"q": f"公交{control}数据", "category": "transport"}
    response = client.get("/market", query_string=query, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="search-input"' in html  # the market, not a bare error page
    start = html.index('data-testid="argument-errors"')
    alert = html[start : html.index("</div>", start)]
    said = "bidirectional embedding" if control == "\u202e" else "control characters."
    assert "“Search” was not understood. Text may not hold " + said in alert
    # The words were refused, not a filter: the way on says so.
    assert "Search again without the values refused" in alert
    assert "Search without these filters" not in alert
    assert '<input type="hidden" name="category" value="transport">' in html
    assert "公交" in html[html.index('id="q"') :].split(">", 1)[0]  # the words as typed


def test_a_refused_filter_is_named_and_the_words_still_searched(client):
    response = client.get(
        "/market",
        query_string={"q": "公交", "provider": "a\u202eb"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“Provider” was not understood" in html
    assert "Search without these filters" in html
    assert 'value="公交"' in html


@pytest.mark.parametrize(
    "query", ["q=ab%FFcd&category=transport", "q=ab\xffcd&category=transport"], ids=["ff", "raw-ff"]
)
def test_a_search_that_is_not_utf8_is_refused_on_the_page(client, query):
    response = client.get(
        "/market", environ_overrides={"QUERY_STRING": query}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“Search” was not understood. The text is not valid UTF-8." in html
    assert '<input type="hidden" name="category" value="transport">' in html


@pytest.mark.parametrize(("name", "title"), [("page", "Page"), ("q", "Search")])
def test_a_single_valued_argument_given_twice_is_named(client, name, title):
    query = [("category", "transport"), (name, "1"), (name, "2")]
    response = client.get("/market", query_string=query, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    start = html.index('data-testid="argument-errors"')
    alert = html[start : html.index("</div>", start)]
    assert f"“{title}” was not understood. Given more than once." in alert
    assert '<input type="hidden" name="category" value="transport">' in html
