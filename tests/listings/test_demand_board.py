"""The demand board's form: where it starts (the words and currency of a search, the buyer's
usual currency) and the way forward for a buyer who belongs to no organisation."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from market.listings.models import Demand
from market.listings.pages import LONGEST_LINK
from tests import factories

TYPED = {
    "title": "火星陨石成分数据",
    "need": "2024年以来的样本分析结果",
    "category": "finance",
    "currency": "HKD",
    "budget": "48,000",
    "deadline": "2030-01-31",
    "usage_scenario": "research",
    "cross_border": "true",
}


def _chosen_currency(page: str) -> str:
    select = page.split('<select id="currency"', 1)[1].split("</select>", 1)[0]
    return re.search(r'<option value="(\w+)" selected', select).group(1)


def _organisation_link(page: str) -> str:
    found = re.search(r'<a href="([^"]+)" data-testid="register-organisation"', page)
    return html.unescape(found.group(1))


@pytest.fixture
def orgless(db, client):
    """A signed-in user who belongs to no organisation."""
    user = factories.user(db)
    db.commit()
    client.log_in(user.email)
    return user


def test_a_buyer_without_an_organisation_is_refused_with_a_link_back_to_the_demand_as_typed(
    db, client, orgless
):
    refused = client.submit("/demands", TYPED, page="/demands")
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert 'data-testid="needs-organisation"' in page and 'role="alert"' in page
    assert 'value="火星陨石成分数据"' in page  # the form still holds what was typed
    link = urlsplit(_organisation_link(page))
    assert link.path == "/organisations/new"
    back = urlsplit(parse_qs(link.query)["next"][0])
    assert (back.path, back.fragment) == ("/demands", "post-demand")
    assert {name: values[0] for name, values in parse_qs(back.query).items()} == TYPED
    assert db.query(Demand).count() == 0
    db.commit()  # end the read: SQLite lets one transaction at a time
    # The way back fills the form in again, every field as typed.
    again = client.get(f"{back.path}?{back.query}").get_data(as_text=True)
    assert 'value="火星陨石成分数据"' in again and "2024年以来的样本分析结果" in again
    assert 'value="48,000"' in again and 'value="2030-01-31"' in again
    assert _chosen_currency(again) == "HKD"
    assert '<option value="finance" selected>' in again
    assert 'name="cross_border" value="true" checked' in again


def test_details_too_long_for_the_link_are_cut_to_fit_and_the_page_says_so(client, orgless):
    typed = {**TYPED, "need": "样" * 4000}
    page = client.submit("/demands", typed, page="/demands").get_data(as_text=True)
    link = _organisation_link(page)
    assert len(link) <= LONGEST_LINK
    back = parse_qs(urlsplit(parse_qs(urlsplit(link).query)["next"][0]).query)
    assert back["title"] == [TYPED["title"]] and 0 < len(back["need"][0]) < 4000
    assert 'data-testid="details-cut"' in page


def test_a_short_demand_is_taken_along_whole(client, orgless):
    page = client.submit("/demands", TYPED, page="/demands").get_data(as_text=True)
    assert 'data-testid="details-cut"' not in page


@pytest.mark.parametrize(
    ("language", "jurisdiction", "searched", "expected"),
    [
        ("zh", None, None, "CNY"),
        ("en", None, None, "CNY"),
        ("zh-HK", None, None, "HKD"),
        ("zh-HK", "CN", None, "CNY"),  # the organisation's currency over the page's
        ("zh", "HK", None, "HKD"),
        ("en", "MO", None, "HKD"),
        ("zh-HK", "SG", None, "HKD"),  # no usual currency known: the page's
        ("zh", "HK", "USD", "USD"),  # the search's filter over everything
        ("zh", None, "XYZ", "CNY"),  # a code the form does not offer is not taken
    ],
)
def test_a_demand_from_a_search_starts_in_the_currency_that_fits_the_buyer(
    db, client, language, jurisdiction, searched, expected
):
    user = factories.user(db)
    if jurisdiction:
        factories.organisation(db, user, jurisdiction=jurisdiction)
    db.commit()
    client.log_in(user.email)
    query = "title=火星陨石" + (f"&currency={searched}" if searched else "")
    page = client.get(f"/demands?{query}", headers={"Accept-Language": language})
    assert _chosen_currency(page.get_data(as_text=True)) == expected


def test_the_blank_demand_form_starts_in_the_buyers_currency_too(db, client):
    user = factories.user(db)
    factories.organisation(db, user, jurisdiction="HK")
    db.commit()
    client.log_in(user.email)
    assert _chosen_currency(client.get("/demands").get_data(as_text=True)) == "HKD"


def test_a_search_filtered_to_one_currency_offers_the_demand_in_it(client):
    page = client.get("/market?q=火星陨石&currency=HKD").get_data(as_text=True)
    links = re.findall(r'href="(/demands\?[^"]+)"', page)
    assert links and all("currency=HKD" in html.unescape(link) for link in links)
    both = client.get("/market?q=火星陨石&currency=HKD&currency=USD").get_data(as_text=True)
    assert "currency=" not in "".join(re.findall(r'href="(/demands\?[^"]+)"', both))


@pytest.fixture
def member(db, client):
    """A signed-in member of an organisation."""
    user = factories.user(db)
    factories.organisation(db, user)
    db.commit()
    client.log_in(user.email)
    return user


def test_the_usage_scenario_starts_unchosen_and_must_be_chosen(db, client, member):
    blank = client.get("/demands?title=火星陨石").get_data(as_text=True)
    select = blank.split('<select id="usage_scenario"', 1)[1].split("</select>", 1)[0]
    assert " required" in select.split(">", 1)[0]
    assert select.split(">", 1)[1].startswith('<option value="">') and " selected" not in select
    typed = {**TYPED, "usage_scenario": ""}
    refused = client.submit("/demands", typed, page="/demands")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="usage_scenario-error"' in page and 'value="火星陨石成分数据"' in page
    assert db.query(Demand).count() == 0


def test_a_refused_demand_is_summed_up_at_the_top_of_its_form(db, client, member):
    # On a phone the form is below the list of demands: the summary takes the focus there.
    typed = {**TYPED, "usage_scenario": "", "title": ""}
    refused = client.submit("/demands", typed, page="/demands")
    form = refused.get_data(as_text=True).split('id="post-demand"', 1)[1]
    summary = form.split('data-testid="error-summary"', 1)[1].split("</div>", 1)[0]
    assert form.index('data-testid="error-summary"') < form.index('id="title"')
    assert 'href="#usage_scenario"' in summary
    # Each line names its field (a required field's message alone says nothing of which).
    assert "使用场景：" in summary.split('href="#usage_scenario"', 1)[1].split("</a>", 1)[0]
    # The title's line reads as its field is labelled (a question, so no colon after it).
    assert "您需要什么数据？ " in summary.split('href="#title"', 1)[1].split("</a>", 1)[0]
    assert "data-focus-on-load" in form.split('data-testid="error-summary"', 1)[0][-200:]


def test_a_search_filtered_to_one_category_offers_the_demand_in_it(client, orgless):
    page = client.get("/market?q=火星陨石&category=finance").get_data(as_text=True)
    links = [html.unescape(link) for link in re.findall(r'href="(/demands\?[^"]+)"', page)]
    assert links and all("category=finance" in link for link in links)
    form = client.get(links[0]).get_data(as_text=True)
    assert '<option value="finance" selected>' in form
    two = client.get("/market?q=火星陨石&category=finance&category=energy").get_data(as_text=True)
    assert "category=" not in "".join(re.findall(r'href="(/demands\?[^"]+)"', two))


def test_the_way_to_register_before_typing_comes_back_to_the_form(client, orgless):
    page = client.get("/demands?title=火星陨石&currency=HKD").get_data(as_text=True)
    back = urlsplit(parse_qs(urlsplit(_organisation_link(page)).query)["next"][0])
    assert (back.path, back.fragment) == ("/demands", "post-demand")
    assert parse_qs(back.query) == {"title": ["火星陨石"], "currency": ["HKD"]}


def test_the_way_to_sign_in_comes_back_to_the_form(client):
    page = client.get("/demands?title=火星陨石").get_data(as_text=True)
    found = re.search(r'<a href="([^"]+)" data-testid="sign-in-to-post"', page)
    back = urlsplit(parse_qs(urlsplit(html.unescape(found.group(1))).query)["next"][0])
    assert (back.path, back.fragment) == ("/demands", "post-demand")
    assert parse_qs(back.query) == {"title": ["火星陨石"]}


def test_a_demand_from_a_search_in_a_region_says_the_search_was_limited_to_it(client, orgless):
    market = client.get("/market?q=樓價&region=hong_kong", headers={"Accept-Language": "zh-Hant"})
    found = re.search(r'<a href="([^"]+)" data-testid="post-demand"', market.get_data(as_text=True))
    link = html.unescape(found.group(1))
    page = client.get(link, headers={"Accept-Language": "zh-Hant"}).get_data(as_text=True)
    need = html.unescape(page.split('id="need"', 1)[1].split("</textarea>", 1)[0])
    assert "搜尋時限定了中國香港：數據需覆蓋該地區。" in need
    assert 'value="樓價"' in page
