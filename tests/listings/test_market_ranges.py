"""The market page's own price range (a small form beside the price buckets) and every range
in force shown as a removable chip, whether a bucket's, the form's or typed in the URL."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.listings import factories as lf

EN = {"Accept-Language": "en"}


@pytest.fixture
def published(db, store, provider, staff, drain):
    """A published, indexed listing at ¥4,800 whose data runs up to 2024."""
    listing = lf.published_listing(db, store, *provider, staff, coverage_to=2024)
    db.commit()
    drain()
    return listing


def _chips(page: str) -> list[tuple[str, dict]]:
    """Each filter chip's text and the arguments of its link."""
    found = re.findall(r'<a class="chip" href="([^"]*)" data-testid="chip">(.*?)</a>', page, re.S)
    return [
        (re.sub(r"<[^>]+>", "", text).strip(), parse_qs(urlsplit(html.unescape(href)).query))
        for href, text in found
    ]


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("price_from=1500&price_below=6000", "Price: CN¥1,500 – CN¥6,000"),
        ("price_from=1500", "Price: CN¥1,500 and above"),
        ("price_below=6000", "Price: Under CN¥6,000"),
        ("price_from=4799.5", "Price: CN¥4,799.50 and above"),
        ("year_from=2016&year_to=2025", "Data up to: 2016–2025"),
        ("year_from=2024&year_to=2024", "Data up to: 2024"),
        ("year_from=2021", "Data up to: 2021 and later"),
        ("year_to=2030", "Data up to: 2030 and earlier"),
    ],
)
def test_a_range_that_is_no_bucket_shows_as_a_removable_chip(client, published, query, label):
    page = client.get(f"/market?q=深圳&category=transport&{query}", headers=EN)
    assert page.status_code == 200
    chips = dict(_chips(page.get_data(as_text=True)))
    assert label + " ×remove this filter" in chips, chips
    removed = chips[label + " ×remove this filter"]
    # The chip's link drops the range only: the words and the other filters stay.
    assert removed == {"q": ["深圳"], "category": ["transport"]}


def test_a_buckets_range_shows_one_chip_the_buckets(client, published):
    page = client.get("/market?price_from=1000&price_below=10000", headers=EN)
    assert [text for text, _ in _chips(page.get_data(as_text=True))] == [
        "Price: CN¥1,000 – CN¥10,000 ×remove this filter"
    ]


def test_the_price_form_carries_the_search_and_shows_the_range_in_force(client, published):
    page = client.get(
        "/market?q=深圳&region=shenzhen&sort=newest&price_from=1500&page=2", headers=EN
    ).get_data(as_text=True)
    form = re.search(r'<form [^>]*data-testid="price-range".*?</form>', page, re.S).group()
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert hidden == {"q": "深圳", "region": "shenzhen", "sort": "newest"}
    assert re.search(r'name="price_from" value="1500"', form)
    assert re.search(r'name="price_below" value=""', form)


def test_a_form_field_left_empty_is_no_argument(client, published):
    page = client.get("/market?q=&price_from=&price_below=6000", headers=EN)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-testid="hit"' in text
    assert "price_from=&" not in html.unescape(text)


@pytest.mark.parametrize(
    ("query", "named", "message"),
    [
        ("price_from=abc", "Price from", "Enter an amount such as 48,000.00."),
        ("price_below=1e3", "Price below", "Enter an amount such as 48,000.00."),
    ],
)
def test_a_bad_range_is_named_and_what_was_typed_kept(client, published, query, named, message):
    response = client.get(f"/market?q=深圳&{query}", headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.search(r'data-testid="argument-errors">(.*?)</div>', page, re.S).group(1)
    assert f"“{named}” was not understood. {message}" in html.unescape(errors)
    # Typed values stay in their fields to be put right; the words are still searched.
    for key, value in parse_qs(query).items():
        if key.startswith("price_"):
            assert re.search(rf'name="{key}" value="{re.escape(html.escape(value[0]))}"', page)
    assert 'data-testid="hit"' in page
    assert not _chips(page)


def test_a_refused_price_is_told_in_chinese(client, published):
    page = client.get("/market?price_from=abc", headers={"Accept-Language": "zh-CN"})
    assert "无法识别“最低价格”" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "told"),
    [("en", "“hongkon”: Did you mean Hong Kong? Choose one of the offered values."),
     ("zh-CN", "“hongkon”：您是不是要找 中国香港？请从列表中选择一项。")],
)  # fmt: skip
def test_a_region_close_to_a_known_one_is_offered_on_the_page_by_its_name(
    client, published, language, told
):
    # The API offers the code a client sends; a reader gets the region's name.
    response = client.get("/market?region=hongkon", headers={"Accept-Language": language})
    assert response.status_code == 422
    assert told in html.unescape(response.get_data(as_text=True))


def test_a_refused_region_names_the_value_on_the_page(client, published):
    page = client.get("/market?region=atlantis", headers=EN).get_data(as_text=True)
    assert (
        "“Coverage region” was not understood. “atlantis”: Choose one of the offered values."
        in (html.unescape(page))
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("price_from=6000&price_below=1500", "The range is reversed: “Price from” is above “Price below”."),
        ("price_from=1500&price_below=1500", "The range holds no price: “Price below” must be above “Price from”."),
    ],
    ids=["reversed", "empty"],
)  # fmt: skip
def test_a_reversed_price_range_is_told_beside_both_fields(client, published, query, message):
    response = client.get(f"/market?q=深圳&{query}", headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # Both numbers were understood: nothing is said to be "not understood", nor at the top.
    assert "was not understood" not in page
    assert 'data-testid="argument-errors"' not in page
    beside = re.search(
        r'data-testid="price-range".*?<p class="error" id="price-range-error" role="alert" '
        r'data-testid="price-range-error">(.*?)</p>',
        page,
        re.S,
    )
    assert html.unescape(beside.group(1)) == message
    for key, value in parse_qs(query).items():
        field = re.search(rf'<input [^>]*name="{key}"[^>]*>', page).group(0)
        assert f'value="{value[0]}"' in field
        assert 'aria-invalid="true"' in field
        assert 'aria-describedby="price-currency price-range-error"' in field
    assert 'data-testid="hit"' in page
    # The results, counted without the range, say so at their top, linking to the fields.
    results = page.split('data-testid="price-not-applied">')[1].split("</p>")[0]
    assert html.unescape(results).startswith("The price range was not applied")
    assert '<a href="#price_from">' in results
    assert page.index('data-testid="price-not-applied"') < page.index('data-testid="result-count"')


def test_a_reversed_year_range_is_told_as_reversed(client, published):
    response = client.get("/market?q=深圳&year_from=2020&year_to=2015", headers=EN)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    errors = re.search(r'data-testid="argument-errors">(.*?)</div>', page, re.S).group(1)
    assert (
        "The range is reversed: “Data up to (until year)” is before “Data up to (from year)”."
        in errors
    )
    assert "was not understood" not in errors
