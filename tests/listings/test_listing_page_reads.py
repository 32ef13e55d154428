"""The listing page as a buyer reads it: prices per period with their total labelled, each fact
once, the asset's facts in words, and English text on English pages."""

from __future__ import annotations

import re

import pytest

from market.db import utcnow
from market.listings import listings
from tests import factories
from tests.listings import factories as lf
from tests.web import WebClient

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}


def _text(html: str) -> str:
    """The page's words without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _plans(html: str) -> str:
    start = html.index('data-testid="plan"')
    return _text(html[start : html.index('data-testid="buy"', start)])


@pytest.fixture
def subscription(db, store, provider, staff):
    """A listing sold as 12 months at ¥1,200.00 in all, and as one year at ¥1,000.00."""
    listing = lf.published_listing(
        db, store, *provider, staff,
        delivery_method="api",
        plans=[
            lf.plan(kind="subscription", name_zh="月度订阅", name_en="Monthly",
                    price_minor=120_000, period="month", periods=12),
            lf.plan(kind="subscription", name_zh="年度订阅", name_en="Yearly",
                    price_minor=100_000, period="year", periods=1),
        ],
    )  # fmt: skip
    db.commit()
    return listing


def test_a_subscription_shows_its_monthly_price_and_its_total_labelled(client, subscription):
    plans = _plans(client.get(f"/market/listings/{subscription.id}", headers=EN).text)
    assert "¥100.00 / month" in plans
    assert "¥1,200.00 for 12 months, paid at once" in plans
    assert "¥1,000.00 / year" in plans and "×" not in plans


def test_a_subscription_reads_in_chinese(client, subscription):
    plans = _plans(client.get(f"/market/listings/{subscription.id}", headers=ZH).text)
    assert "¥100.00 / 月" in plans and "12 个月共 ¥1,200.00，一次付清" in plans
    assert "×" not in plans


def test_a_price_that_does_not_divide_evenly_is_marked_approximate(
    client, db, store, provider, staff
):
    listing = lf.published_listing(
        db, store, *provider, staff,
        plans=[lf.plan(kind="subscription", price_minor=100_000, period="month", periods=12)],
    )  # fmt: skip
    db.commit()
    plans = _plans(client.get(f"/market/listings/{listing.id}", headers=EN).text)
    assert "≈ CN¥83.33 / month" in plans and "CN¥1,000.00 for 12 months" in plans


@pytest.fixture
def one_time(db, store, provider, staff):
    """A listing with one plan named as its kind is named (一次性授权)."""
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    return listing


def _rows(html: str, testid: str) -> list[str]:
    start = html.index(f'data-testid="{testid}"')
    table = html[start : html.index("</table>", start)]
    return [_text(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", table, flags=re.S)]


@pytest.mark.parametrize("headers", [ZH, EN])
def test_each_licence_term_has_its_own_heading(client, one_time, headers):
    html = client.get(f"/market/listings/{one_time.id}", headers=headers).text
    headings = _rows(html, "terms")
    assert len(headings) == len(set(headings)) == 8


@pytest.mark.parametrize(("headers", "name"), [(ZH, "一次性授权"), (EN, "One-time licence")])
def test_a_plan_named_as_its_kind_says_so_once(client, one_time, headers, name):
    assert (
        _plans(client.get(f"/market/listings/{one_time.id}", headers=headers).text).count(name) == 1
    )


def test_the_review_page_names_personal_information_once(app, db, store, provider, staff):
    listing = lf.draft_listing(db, store, *provider, staff)
    listings.submit(db, listing, provider[1], utcnow())
    db.commit()
    reviewer = WebClient(app)
    reviewer.log_in(staff.email, factories.PASSWORD)
    html = reviewer.get(f"/review/listings/{listing.id}", headers=ZH).text
    summary = html[html.index('class="card"') : html.index("</p>", html.index('class="card"'))]
    assert _text(summary).count("个人信息") == 1
