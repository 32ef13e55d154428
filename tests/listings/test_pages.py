"""The marketplace pages: search with facets, the listing page, review and demand pages."""

from __future__ import annotations

import io
import re

import pytest

from tests.listings import factories as lf


@pytest.fixture
def published(db, store, provider, staff, drain):
    """A published, indexed listing."""
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    drain()
    return listing


def test_the_marketplace_finds_a_listing_without_signing_in(client, published):
    page = client.get("/market?q=公交").get_data(as_text=True)
    assert "深圳市公交刷卡数据" in page
    assert 'data-testid="facet-category-transport"' in page


def test_a_search_finding_nothing_shows_no_empty_filters_column(client, published):
    page = client.get("/market?q=zzyzx").get_data(as_text=True)
    assert 'data-testid="hit"' not in page
    assert 'data-testid="facets"' not in page
    assert 'class="market market-bare"' in page


def test_a_place_no_listing_shown_covers_is_said_not_silently_dropped(client, published):
    english = {"Accept-Language": "en"}
    elsewhere = client.get("/market?q=香港 公交", headers=english).get_data(as_text=True)
    assert 'data-testid="hit"' in elsewhere
    assert (
        "None of the first listings shown covers Hong Kong: they match your other words."
        in elsewhere
    )
    hant = client.get("/market?q=港鐵 公交", headers={"Accept-Language": "zh-Hant"})
    assert 'data-testid="regions-missed"' in hant.get_data(as_text=True)
    here = client.get("/market?q=深圳 公交", headers=english).get_data(as_text=True)
    assert 'data-testid="hit"' in here and 'data-testid="regions-missed"' not in here


def test_one_listing_found_is_counted_in_the_singular(client, published):
    page = client.get("/market?q=公交", headers={"Accept-Language": "en"}).get_data(as_text=True)
    count = page.split('data-testid="result-count">', 1)[1].split("<", 1)[0]
    assert count == "1 listing"


def test_a_filter_its_facet_does_not_hold_stays_shown_and_removable(client, published):
    # No listing of 公交 is in Hong Kong, so the region facet (counted without the region
    # filter) holds only Shenzhen; the filter must still show as a chip and in its facet.
    page = client.get("/market?q=公交&region=hong_kong", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    chip = html.split('data-testid="chip"', 1)[1].split("</a>", 1)[0]
    assert "Hong Kong" in chip
    assert 'data-testid="facet-region-hong_kong" aria-current="true"' in html


def test_a_facet_link_filters_the_results(client, published):
    page = client.get("/market?q=公交&category=finance").get_data(as_text=True)
    assert 'data-testid="hit"' not in page


def test_the_currency_facet_names_the_hong_kong_dollar_as_the_demand_form_does(
    client, db, store, provider, staff, drain
):
    lf.published_listing(db, store, *provider, staff, plans=[lf.plan(currency="HKD")])
    db.commit()
    drain()
    hant = {"Accept-Language": "zh-Hant"}
    market = client.get("/market?q=公交", headers=hant).get_data(as_text=True)
    facet = market.split('data-testid="facet-currency-HKD"', 1)[1].split("</a>", 1)[0]
    assert facet.endswith(">港元")
    client.sign_up("hk.buyer@example.cn")
    demand_form = client.get("/demands", headers=hant).get_data(as_text=True)
    assert '<option value="HKD" selected>港元</option>' in demand_form


def test_a_long_query_on_the_page_is_refused_beside_the_box_with_the_words_kept(client, published):
    response = client.get("/market?q=" + "数" * 5000, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-testid="hit"' not in page
    assert 'role="alert"' in page and "数" * 5000 in page
    # The way to post a demand stays, untitled: the refused words are no demand's title.
    demand = re.search(r'href="([^"]*)" data-testid="cant-find"', page).group(1)
    assert demand.startswith("/demands") and "title=" not in demand


def test_the_listing_page_shows_plans_terms_and_the_certificate(client, published):
    page = client.get(f"/market/listings/{published.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert published.live_revision.certificate.number in html
    # The permitted uses read as one phrase: a use after the first is in lower case.
    assert re.search(r"[A-Z][a-z ]+(, [a-z ]+)* and scientific research", html)
    assert "Mainland China only" in html


def test_the_listing_page_speaks_chinese(client, published):
    html = client.get(f"/market/listings/{published.id}", headers={"Accept-Language": "zh"})
    assert "仅限中国内地" in html.get_data(as_text=True)


def test_the_review_queue_is_for_reviewers(client):
    client.sign_up("visitor@example.cn")
    assert client.get("/review/listings").status_code == 403


def test_the_demand_board_lists_open_demands(client):
    assert client.get("/demands").status_code == 200


@pytest.fixture
def draft(db, store, provider, staff):
    """A draft listing, and its provider signed in."""
    listing = lf.draft_listing(db, store, *provider, staff)
    db.commit()
    return listing


def _upload(client, listing, name, content):
    page = f"/provider/listings/{listing.id}"
    token = client.csrf_token(page)
    return client.raw.post(
        f"{page}/samples",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_the_provider_uploads_a_sample_to_the_draft(client, db, draft, provider):
    client.log_in(provider[1].email)
    response = _upload(client, draft, "sample.csv", b"date,line,taps\n2026-01-01,1,100\n")
    assert response.status_code == 302
    db.expire_all()
    assert [sample.name for sample in draft.latest_revision.samples] == ["sample.csv"]


@pytest.mark.parametrize(
    ("name", "content"), [("empty.csv", b""), ("fake.png", b"date,line\n1,2\n")]
)
def test_a_bad_sample_is_refused_naming_the_file(client, db, draft, provider, name, content):
    client.log_in(provider[1].email)
    response = _upload(client, draft, name, content)
    assert response.status_code in (413, 422)
    assert 'id="file-error"' in response.get_data(as_text=True)
    db.expire_all()
    assert draft.latest_revision.samples == []


def test_another_organisation_cannot_add_samples(client, db, draft):
    client.sign_up("stranger@example.cn")
    assert _upload(client, draft, "s.csv", b"a,b\n1,2\n").status_code == 404


def test_a_move_the_listing_no_longer_allows_is_said_on_its_page(client, draft, provider):
    client.log_in(provider[1].email)
    page = f"/provider/listings/{draft.id}"
    assert client.submit(page, {"action": "submit"}).status_code == 302
    assert "已提交合规审查" in client.get(page).text  # the redirect's page, as a browser follows it
    again = client.submit(page, {"action": "submit"}, headers={"Accept-Language": "en"})
    assert again.status_code == 409
    html = again.text
    assert 'data-testid="action-error"' in html and 'class="flash"' not in html


def test_an_unknown_move_is_a_422_named_on_the_page(client, draft, provider):
    client.log_in(provider[1].email)
    page = f"/provider/listings/{draft.id}"
    refused = client.submit(page, {"action": "publish"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and 'data-testid="action-error"' in refused.text


def test_a_region_filter_leaving_nothing_links_the_search_in_every_region(client, published):
    english = {"Accept-Language": "en"}
    page = client.get("/market?q=公交&region=hong_kong&sort=newest", headers=english)
    html = page.get_data(as_text=True)
    link = html.split('data-testid="elsewhere"', 1)[1].split("</a>", 1)[0]
    assert "1 listing outside the chosen region matches: search every region" in link
    target = html.split('data-testid="elsewhere"', 1)[0].rsplit('href="', 1)[1].split('"')[0]
    assert "region" not in target and "sort=newest" in target
    assert client.get(target.replace("&amp;", "&"), headers=english).status_code == 200
