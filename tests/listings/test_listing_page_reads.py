"""The listing page as a buyer reads it: prices per period with their total labelled, each fact
once, the asset's facts in words, and English text on English pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from market.db import utcnow
from market.listings import compliance, listings
from market.registry.models import Industry, UpdateFrequency
from tests import factories
from tests.listings import factories as lf
from tests.web import WebClient, page_text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}


def _text(html: str) -> str:
    """The page's words without tags, spaces collapsed."""
    return page_text(html)


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


@pytest.fixture
def described(db, store, provider, staff, drain):
    """A published listing of an asset whose provider gave its facts."""
    organisation, user = provider
    asset = lf.certified_asset(
        db, store, organisation, user, staff,
        industry=Industry.TRANSPORT, update_frequency=UpdateFrequency.MONTHLY, data_format="CSV",
        record_count=420_000, spatial_coverage="greater_bay_area",
        temporal_start=date(2019, 1, 1), temporal_end=date(2023, 12, 31),
    )  # fmt: skip
    listing = listings.create_listing(
        db, organisation.id, user, lf.loaded(lf.listing_data(asset.id)), utcnow()
    )
    listings.submit(db, listing, user, utcnow())
    compliance.decide(db, listing, staff, lf.review_data(), utcnow() + timedelta(seconds=1))
    db.commit()
    drain()
    return listing


@pytest.mark.parametrize(
    ("headers", "words"),
    [(ZH, ["420,000 条记录", "每月", "CSV", "2019–2023", "深圳"]),
     (EN, ["420,000 records", "Monthly", "CSV", "2019–2023", "Shenzhen"])],
)  # fmt: skip
def test_a_search_result_shows_the_assets_facts_in_words(client, described, headers, words):
    html = client.get("/market?q=公交", headers=headers).text
    start = html.index('data-testid="hit-facts"')
    line = _text(html[start : html.index("</p>", start)])
    assert all(word in line for word in words), line
    assert "monthly" not in line and "shenzhen" not in line


def test_the_listing_page_shows_the_providers_coverage(client, described):
    html = client.get(f"/market/listings/{described.id}", headers=ZH).text
    facts = _text(
        html[
            html.index('data-testid="facts"') : html.index(
                "</table>", html.index('data-testid="facts"')
            )
        ]
    )
    assert "2019-01-01 – 2023-12-31" in facts and "粤港澳大湾区" in facts
    assert "每月" in facts and "CSV" in facts and "420,000" in facts


def _descriptions(html: str) -> list[str]:
    return [_text(p) for p in re.findall(r'data-testid="hit-description">(.*?)</p>', html, re.S)]


def test_an_english_page_shows_the_english_description_for_chinese_words(client, described):
    (shown,) = _descriptions(client.get("/market?q=公交刷卡", headers=EN).text)
    assert "Anonymised smart-card taps" in shown and not re.search("[\u4e00-\u9fff]", shown)


def test_a_chinese_page_shows_the_chinese_description_for_english_words(client, described):
    (shown,) = _descriptions(client.get("/market?q=bus", headers=ZH).text)
    assert "深圳市公交车" in shown.replace(" ", "") and "Anonymised" not in shown
