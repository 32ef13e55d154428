"""Featured listings: a reviewer features a published listing with a reason (kept in its
history); the home page shows it; the API says so; withdrawing takes it off again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from market.db import utcnow
from market.listings import listings
from market.listings.models import ListingEvent
from tests import factories
from tests.listings import factories as lf
from tests.web import WebClient


def _staff_client(app, staff):
    client = WebClient(app)
    client.log_in(staff.email, factories.PASSWORD)
    return client


def _home_featured(client) -> str:
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    start = html.find('data-testid="featured"')
    return html[start : html.find("</section>", start)] if start >= 0 else ""


def test_a_reviewer_features_a_listing_for_the_home_page(app, db, store, provider, staff, drain):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    drain()
    web = _staff_client(app, staff)
    path = f"/review/listings/{listing.id}/featured"
    assert "Shenzhen bus card transactions" not in _home_featured(web)
    done = web.submit(path, {"featured": "true", "reason": "本月推荐"}, page=path)
    assert done.status_code == 302
    assert "Shenzhen bus card transactions" in _home_featured(web)
    body = app.test_client().get(f"/api/v1/listings/{listing.id}").get_json()
    assert body["featured"] is True and body["featured_at"]
    event = db.scalar(sa.select(ListingEvent).where(ListingEvent.action == "feature"))
    assert (event.listing_id, event.user_id, event.reason) == (listing.id, staff.id, "本月推荐")
    db.commit()

    assert (
        web.submit(path, {"featured": "false", "reason": "推荐期结束"}, page=path).status_code
        == 302
    )
    assert "Shenzhen bus card transactions" not in _home_featured(web)
    assert app.test_client().get(f"/api/v1/listings/{listing.id}").get_json()["featured"] is False


def test_featuring_needs_a_reason_and_a_published_listing(app, db, store, provider, staff):
    draft = lf.draft_listing(db, store, *provider, staff)
    db.commit()
    web = _staff_client(app, staff)
    path = f"/review/listings/{draft.id}/featured"
    blank = web.submit(path, {"featured": "true", "reason": ""}, page=path)
    assert blank.status_code == 422 and 'id="reason-error"' in blank.get_data(as_text=True)
    refused = web.submit(path, {"featured": "true", "reason": "推荐"}, page=path)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "挂牌须处于已挂牌状态才能设为精选" in html
    assert 'value="推荐"' in html
    assert db.scalar(sa.select(sa.func.count()).select_from(ListingEvent).where(
        ListingEvent.action == "feature")) == 0  # fmt: skip


def test_only_reviewers_feature_listings(app, db, store, provider, staff):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    owner = _staff_client(app, provider[1])
    path = f"/review/listings/{listing.id}/featured"
    assert owner.get(path).status_code == 403
    assert owner.submit(path, {"featured": "true", "reason": "自荐"}, page="/").status_code == 403


def test_the_review_page_offers_a_decision_only_while_a_version_awaits_it(
    app, db, store, provider, staff, drain
):
    organisation, user = provider
    waiting = lf.draft_listing(db, store, organisation, user, staff)
    listings.submit(db, waiting, user, utcnow())
    published = lf.published_listing(db, store, organisation, user, staff)
    db.commit()
    drain()
    web = _staff_client(app, staff)
    in_review = web.get(f"/review/listings/{waiting.id}").get_data(as_text=True)
    assert 'data-testid="review-decision"' in in_review
    assert 'data-testid="feature-link"' not in in_review
    path = f"/review/listings/{published.id}"
    decided = web.get(path).get_data(as_text=True)
    assert 'data-testid="review-decision"' not in decided
    assert 'value="approved"' not in decided
    assert 'data-testid="nothing-to-review"' in decided
    assert f'href="/review/listings/{published.id}/featured"' in decided
    again = web.submit(path, {"decision": "approved", "personal_info": "none"}, page=path)
    assert again.status_code == 409


def test_staff_feature_and_withdraw_a_listing_by_api(
    app, db, client, store, provider, staff, operator, bearer
):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    headers = bearer(operator[0], ["review:write"])
    path = f"/api/v1/reviews/listings/{listing.id}/featured"
    chosen = client.raw.post(path, json={"featured": True, "reason": "本月推荐"}, headers=headers)
    assert chosen.status_code == 200 and chosen.get_json()["featured"] is True
    assert "Shenzhen bus card transactions" in _home_featured(WebClient(app))
    again = client.raw.post(path, json={"featured": True, "reason": "再推荐"}, headers=headers)
    assert again.status_code == 409 and "featured" in again.get_json()["errors"]
    withdrawn = client.raw.post(path, json={"featured": False, "reason": "期满"}, headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["featured"] is False
    events = db.scalars(sa.select(ListingEvent.action).order_by(ListingEvent.id)).all()
    assert events[-2:] == ["feature", "unfeature"]


@pytest.mark.parametrize(
    ("body", "field"), [({"featured": True}, "reason"), ({"reason": "x"}, "featured")]
)
def test_featuring_by_api_names_a_missing_field(
    db, client, store, provider, staff, operator, bearer, body, field
):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    headers = bearer(operator[0], ["review:write"])
    path = f"/api/v1/reviews/listings/{listing.id}/featured"
    refused = client.raw.post(path, json=body, headers=headers)
    assert refused.status_code == 422 and field in refused.get_json()["errors"]


def test_featuring_by_api_needs_the_staff_scope(db, client, store, provider, staff, bearer):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    headers = bearer(provider[0], ["catalog:write"])
    path = f"/api/v1/reviews/listings/{listing.id}/featured"
    refused = client.raw.post(path, json={"featured": True, "reason": "自荐"}, headers=headers)
    assert refused.status_code in (401, 403)


def test_the_openapi_document_shows_the_featuring_endpoint(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/reviews/listings/{listing_id}/featured"]["post"]
    assert operation["requestBody"] and "200" in operation["responses"]
