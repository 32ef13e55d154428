"""Eligibility, exclusivity, delivery limits and bad input: clear 4xx, nothing moves."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.db import utcnow
from market.listings import compliance, listings
from market.listings import terms as licence
from market.trading.models import Entitlement, Order
from tests.listings import factories as listing_factories
from tests.listings.factories import PRICE
from tests.trading.helpers import (
    balance,
    card_payment_method,
    order_body,
    pay_by_bank,
    pay_by_card,
    place,
    plan_id,
    scalars,
    signed_webhook,
)


def _post(exchange, path, headers, **kwargs):
    return exchange.api("POST", path, headers, **kwargs)


def test_unverified_buyer_cannot_order(exchange, listing, db):
    _org, headers = exchange.new_buyer(db, verified=False)
    refused = _post(exchange, "/orders", headers, json=order_body(listing))
    assert refused.status_code == 403


def test_scenario_outside_the_licence_is_refused(exchange, listing):
    refused = _post(
        exchange,
        "/orders",
        exchange.buyer_api,
        json=order_body(listing, usage_scenario="marketing"),
    )
    assert refused.status_code == 422 and "usage_scenario" in refused.get_json()["errors"]


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "The licence does not permit this use: it permits only internal analytics and "
         "scientific research."),
        ("zh-CN", "授权条款不允许该使用场景，仅允许内部分析和科学研究。"),
    ],
)  # fmt: skip
def test_a_scenario_outside_the_licence_is_refused_naming_those_it_permits(
    exchange, listing, language, said
):
    refused = _post(
        exchange,
        "/orders",
        exchange.buyer_api,
        json=order_body(listing, usage_scenario="marketing"),
        extra_headers={"Accept-Language": language},
    ).get_json()
    assert refused["message"] == said
    assert refused["errors"]["usage_scenario"] == [said]
    assert set(refused["permitted_usage_scenarios"]) == {"research", "internal_analytics"}


def test_hong_kong_buyer_needs_a_cross_border_pathway(exchange, listing_of, db):
    _org, headers = exchange.new_buyer(db, jurisdiction="HK", registration_number="CR-1")
    mainland_only = listing_of()
    refused = _post(exchange, "/orders", headers, json=order_body(mainland_only))
    assert refused.status_code == 422 and "cross_border" in refused.get_json()["errors"]
    cleared = listing_of(
        terms=listing_factories.terms(territory=["CN", "HK"], cross_border=True),
        review=listing_factories.review_data(
            cross_border_pathway="standard_contract", cross_border_evidence="粤网信备〔2026〕1号"
        ),
    )
    order = place(exchange, cleared, headers=headers, **DECLARED)
    assert order["cross_border"] is True
    assert order["cross_border_recipient"] == DECLARED["cross_border_recipient"]


# What a cross-border order declares: the terms accepted, the recipient abroad and the purpose.
DECLARED = {
    "cross_border_terms_accepted": True,
    "cross_border_recipient": "香港數碼分析有限公司，香港",
    "usage_note": "港澳零售選址研究",
}


def _cleared(listing_of):
    return listing_of(
        terms=listing_factories.terms(territory=["CN", "HK"], cross_border=True),
        review=listing_factories.review_data(
            cross_border_pathway="standard_contract", cross_border_evidence="粤网信备〔2026〕1号"
        ),
    )


def test_a_buyer_abroad_must_accept_the_cross_border_terms(exchange, listing_of, db):
    _org, headers = exchange.new_buyer(db, jurisdiction="HK", registration_number="CR-2")
    cleared = _cleared(listing_of)
    refused = _post(exchange, "/orders", headers, json=order_body(cleared))
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {
        "cross_border_terms_accepted",
        "cross_border_recipient",
        "usage_note",
    }
    not_accepted = order_body(cleared, **{**DECLARED, "cross_border_terms_accepted": False})
    refused = _post(exchange, "/orders", headers, json=not_accepted)
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["cross_border_terms_accepted"]


@pytest.mark.parametrize("missing", ["cross_border_recipient", "usage_note"])
def test_a_buyer_abroad_must_declare_recipient_and_purpose(exchange, listing_of, db, missing):
    _org, headers = exchange.new_buyer(db, jurisdiction="HK", registration_number="CR-3")
    cleared = _cleared(listing_of)
    body = order_body(cleared, **{**DECLARED, missing: "   "})
    refused = _post(exchange, "/orders", headers, json=body)
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == [missing]
    assert not scalars(exchange.app, sa.select(Order.id))


def test_the_cross_border_declaration_is_refused_in_the_callers_language(exchange, listing_of, db):
    _org, headers = exchange.new_buyer(db, jurisdiction="HK", registration_number="CR-4")
    cleared = _cleared(listing_of)
    body = order_body(cleared, cross_border_terms_accepted=True, usage_note="研究")
    refused = _post(exchange, "/orders", {**headers, "Accept-Language": "zh-CN"}, json=body)
    assert refused.get_json()["errors"] == {
        "cross_border_recipient": ["跨境订单须写明在提供方所在法域以外接收数据的一方及其所在地。"]
    }


def test_a_mainland_buyer_declaring_use_abroad_must_accept_them_too(exchange, listing_of):
    cleared = _cleared(listing_of)
    body = order_body(cleared, cross_border=True)
    refused = _post(exchange, "/orders", exchange.buyer_api, json=body)
    assert refused.status_code == 422
    assert "cross_border_terms_accepted" in refused.get_json()["errors"]
    order = place(exchange, cleared, cross_border=True, **DECLARED)
    assert order["cross_border"] is True


def test_a_mainland_buyer_at_home_is_not_asked(exchange, listing_of):
    assert place(exchange, _cleared(listing_of))["cross_border"] is False


def test_private_offer_is_for_its_buyer_only_and_until_it_expires(exchange, listing_of, db):
    other, other_headers = exchange.new_buyer(db)
    offer = listing_factories.plan(
        kind="private_offer",
        buyer_organisation_id=exchange.buyer.id,
        expires_at=(utcnow() + timedelta(days=3)).isoformat(),
    )
    listing = listing_of(plans=[listing_factories.plan(), offer])
    offer_id = plan_id(listing, 1)
    assert (
        _post(
            exchange, "/orders", other_headers, json=order_body(listing, plan_id=offer_id)
        ).status_code
        == 404
    )
    assert place(exchange, listing, plan_id=offer_id)["price_minor"] == PRICE


def test_an_exclusive_licence_is_sold_once(exchange, listing_of, db):
    listing = listing_of(plans=[listing_factories.plan(exclusive=True)])
    first = place(exchange, listing)
    _org, other = exchange.new_buyer(db)
    second = _post(exchange, "/orders", other, json=order_body(listing))
    assert second.status_code == 409 and "plan_id" in second.get_json()["errors"]
    # Cancelling the first order frees the licence again.
    cancelled = _post(exchange, f"/orders/{first['id']}/cancel", exchange.buyer_api)
    assert cancelled.status_code == 200, cancelled.get_json()
    assert place(exchange, listing, headers=other)["exclusive"] is True


def test_an_exclusive_licence_survives_a_new_revision_of_the_listing(
    exchange, listing_of, db, drain
):
    listing = listing_of(plans=[listing_factories.plan(exclusive=True)])
    first = place(exchange, listing)
    pay_by_bank(exchange, first)
    # The provider revises the listing without changing anything; review approves it: the
    # revision's copied plan has a new id.
    now = utcnow()
    listing = db.merge(listing)
    listings.start_revision(db, listing, exchange.provider_user, now)
    listings.submit(db, listing, exchange.provider_user, now)
    compliance.decide(
        db, listing, exchange.staff, listing_factories.review_data(), now + timedelta(seconds=1)
    )
    db.commit()
    assert plan_id(listing) != first["plan_id"]
    _org, other = exchange.new_buyer(db)
    again = _post(exchange, "/orders", other, json=order_body(listing))
    assert again.status_code == 409 and "plan_id" in again.get_json()["errors"]
    # A full refund frees the licence for the next buyer.
    refund = exchange.api(
        "POST",
        f"/orders/{first['id']}/refunds",
        exchange.finance_api,
        json={"amount_minor": first["price_minor"], "reason": "退款"},
        extra_headers={"Idempotency-Key": "full-refund"},
    )
    assert refund.status_code == 201, refund.get_json()
    assert place(exchange, listing, headers=other)["exclusive"] is True


def _age_entitlement(app, order_id: int, days: int) -> None:
    # The licence was bought ``days`` ago: move its term back rather than wait a year.
    with app.extensions["db"].unit_of_work() as session:
        entitlement = session.scalar(sa.select(Entitlement).where(Entitlement.order_id == order_id))
        entitlement.starts_at -= timedelta(days=days)
        if entitlement.ends_at is not None:
            entitlement.ends_at -= timedelta(days=days)


def test_an_exclusive_licence_is_for_sale_again_when_its_term_has_ended(
    exchange, listing_of, db, drain
):
    listing = listing_of(plans=[listing_factories.plan(exclusive=True)])  # a 12-month term
    first = place(exchange, listing)
    pay_by_bank(exchange, first)
    _org, other = exchange.new_buyer(db)
    _age_entitlement(exchange.app, first["id"], days=200)  # half-way through: still held
    held = _post(exchange, "/orders", other, json=order_body(listing))
    assert held.status_code == 409 and "plan_id" in held.get_json()["errors"]
    _age_entitlement(exchange.app, first["id"], days=200)  # the year is over
    second = place(exchange, listing, headers=other)
    assert second["exclusive"] is True
    # The new holder's licence excludes everyone else, the first buyer included.
    again = _post(exchange, "/orders", exchange.buyer_api, json=order_body(listing))
    assert again.status_code == 409 and "plan_id" in again.get_json()["errors"]


def test_a_perpetual_exclusive_licence_is_never_for_sale_again(exchange, listing_of, db):
    terms = listing_factories.terms(duration_months=None)
    listing = listing_of(plans=[listing_factories.plan(exclusive=True)], terms=terms)
    first = place(exchange, listing)
    pay_by_bank(exchange, first)
    _age_entitlement(exchange.app, first["id"], days=3650)
    _org, other = exchange.new_buyer(db)
    refused = _post(exchange, "/orders", other, json=order_body(listing))
    assert refused.status_code == 409


def test_paying_a_cancelled_order_is_refused(exchange, listing):
    order = place(exchange, listing)
    cancelled = _post(exchange, f"/orders/{order['id']}/cancel", exchange.buyer_api)
    assert cancelled.get_json()["status"] == "cancelled"
    refused = _post(exchange, f"/orders/{order['id']}/payments/stripe", exchange.buyer_api)
    assert refused.status_code == 409
    # A bank transfer for it is held for finance, never applied.
    assert pay_by_bank(exchange, order).get_json()["status"] == "held"
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == 0


def test_card_payment_without_stripe_is_a_lasting_conflict(exchange, listing, monkeypatch):
    monkeypatch.setitem(exchange.app.extensions, "payments", None)  # as if never configured
    order = place(exchange, listing)
    refused = _post(exchange, f"/orders/{order['id']}/payments/stripe", exchange.buyer_api)
    assert refused.status_code == 409
    assert refused.get_json()["errors"] == {
        "state": ["card_payments_not_configured"],
        "action": ["pay_by_card"],
    }
    # The order is checked first: the provider is not its buyer, whatever the configuration.
    provider = _post(
        exchange, f"/orders/{order['id']}/payments/stripe/refresh", exchange.provider_api
    )
    assert provider.status_code == 403


def test_accepting_twice_is_refused(exchange, listing, drain):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    assert _post(exchange, f"/orders/{order['id']}/accept", exchange.buyer_api).status_code == 200
    again = _post(exchange, f"/orders/{order['id']}/accept", exchange.buyer_api)
    assert again.status_code == 409
    # The one shape of an illegal state move across the API.
    assert again.get_json()["errors"] == {"state": ["accepted"], "action": ["accept"]}
    drain()


@pytest.mark.parametrize("action", ["accept", "cancel", "disputes"])
def test_another_organisation_cannot_act_on_an_order(exchange, listing, db, action):
    order = place(exchange, listing)
    _org, stranger = exchange.new_buyer(db)
    body = {"json": {"reason": "x"}} if action == "disputes" else {}  # the others take none
    refused = _post(exchange, f"/orders/{order['id']}/{action}", stranger, **body)
    assert refused.status_code == 404
    assert exchange.api("GET", f"/orders/{order['id']}", stranger).status_code == 404


def test_provider_cannot_accept_for_the_buyer(exchange, listing):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    refused = _post(exchange, f"/orders/{order['id']}/accept", exchange.provider_api)
    assert refused.status_code == 403


def _links(exchange, headers=None):
    headers = headers or exchange.buyer_api
    entitlement = exchange.api("GET", "/entitlements", headers).get_json()[0]
    return exchange.api("POST", f"/entitlements/{entitlement['id']}/links", headers).get_json()


def test_download_links_expire(exchange, listing, app):
    app.config["DOWNLOAD_LINK_TTL"] = -1
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    link = _links(exchange)[0]["url"].removeprefix("/api/v1")
    assert exchange.api("GET", link, exchange.buyer_api).status_code == 410


def test_someone_elses_or_a_forged_link_is_refused(exchange, listing, db):
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    link = _links(exchange)[0]["url"].removeprefix("/api/v1")
    _org, stranger = exchange.new_buyer(db)
    assert exchange.api("GET", link, stranger).status_code == 404
    forged = link[:-4] + "0000"
    assert exchange.api("GET", forged, exchange.buyer_api).status_code == 403


def test_downloads_stop_at_the_limit(exchange, listing, app):
    app.config["MAX_DOWNLOADS"] = 2
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    link = _links(exchange)[0]["url"].removeprefix("/api/v1")
    statuses = []
    for _ in range(3):
        response = exchange.api("GET", link, exchange.buyer_api)
        statuses.append(response.status_code)
        response.close()
    assert statuses == [200, 200, 409]


def test_usage_package_is_metered_and_stops_when_used_up(exchange, listing_of):
    package = listing_factories.plan(kind="usage_package", calls=2, name_en="2 calls")
    listing = listing_of(delivery_method="api", plans=[package])
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    paid = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert paid["status"] == "paid"  # API access waits for the provider to provision it
    delivered = _post(exchange, f"/orders/{order['id']}/deliver", exchange.provider_api)
    assert delivered.get_json()["status"] == "delivered"
    entitlement = exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()[0]
    files = listing.live_revision.asset_version.files
    path = f"/entitlements/{entitlement['id']}/records?file_id={files[0].id}"
    first = exchange.api("GET", path, exchange.buyer_api).get_json()
    assert first["calls_left"] == 1 and first["lines"][0].startswith("id,value")
    assert exchange.api("GET", path, exchange.buyer_api).status_code == 200
    assert exchange.api("GET", path, exchange.buyer_api).status_code == 409


# --- Webhooks ----------------------------------------------------------------------------------


def _intent_object(exchange, order_id):
    started = _post(exchange, f"/orders/{order_id}/payments/stripe", exchange.buyer_api)
    gateway = exchange.app.extensions["payments"]
    intent_id = started.get_json()["payment_intent_id"]
    gateway.confirm_intent(intent_id, card_payment_method(exchange.app))
    raw = gateway.client.v1.payment_intents.retrieve(intent_id).to_dict()
    return raw


def test_payment_webhook_and_return_path_post_once(exchange, listing):
    order = place(exchange, listing)
    intent = _intent_object(exchange, order["id"])
    first = signed_webhook(exchange.app, "payment_intent.succeeded", intent, "evt_a")
    assert first.get_json()["outcome"] == "order paid"
    # Stripe retries, sends a second event for the same intent, and the browser returns.
    assert signed_webhook(exchange.app, "payment_intent.succeeded", intent, "evt_a").get_json()[
        "duplicate"
    ]
    again = signed_webhook(exchange.app, "payment_intent.succeeded", intent, "evt_b")
    assert again.get_json()["outcome"] == "already succeeded"
    refresh = _post(exchange, f"/orders/{order['id']}/payments/stripe/refresh", exchange.buyer_api)
    # The webhook paid it already: the return path shows the paid order and moves nothing.
    assert refresh.status_code == 200, refresh.get_json()
    assert refresh.get_json()["status"] == "delivered"  # paid; a file listing delivers at once
    assert balance(exchange.app, f"liabilities:escrow:order:{order['id']}") == PRICE


def test_webhook_for_an_unknown_intent_is_refused(exchange):
    unknown = {
        "id": "pi_unknown",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 100,
        "currency": "cny",
        "metadata": {"shujiao": "shujiao-test"},
    }
    response = signed_webhook(exchange.app, "payment_intent.succeeded", unknown)
    assert response.status_code == 404
    assert balance(exchange.app, "assets:stripe_clearing") == 0


def test_webhook_with_a_bad_signature_moves_nothing(exchange, listing):
    order = place(exchange, listing)
    intent = _intent_object(exchange, order["id"])
    response = exchange.app.test_client().post(
        "/webhooks/stripe",
        json={"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": intent}},
        headers={"Stripe-Signature": "t=1,v1=deadbeef"},
    )
    assert response.status_code == 400
    assert balance(exchange.app, "assets:stripe_clearing") == 0


def test_stripe_dispute_freezes_then_lost_refunds(exchange, listing):
    order = place(exchange, listing)
    intent = _intent_object(exchange, order["id"])
    signed_webhook(exchange.app, "payment_intent.succeeded", intent)
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": intent["id"], "amount": PRICE,
               "reason": "fraudulent", "status": "needs_response", "metadata": {}}  # fmt: skip
    created = signed_webhook(exchange.app, "charge.dispute.created", dispute)
    assert created.get_json()["outcome"] == "order disputed"
    closed = signed_webhook(exchange.app, "charge.dispute.closed", {**dispute, "status": "lost"})
    assert closed.get_json()["outcome"] == "refunded"
    final = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert final["status"] == "refunded"
    assert balance(exchange.app, "assets:stripe_clearing") == 0


def test_a_download_link_with_a_non_ascii_signature_is_refused(exchange, listing):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    entitlement = exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()[0]
    link = exchange.api(
        "POST", f"/entitlements/{entitlement['id']}/links", exchange.buyer_api
    ).get_json()[0]["url"]
    path, query = link.removeprefix("/api/v1").split("?", 1)
    params = dict(part.split("=", 1) for part in query.split("&"))
    params["signature"] = "签" * 64
    forged = exchange.api("GET", path, exchange.buyer_api, query_string=params)
    assert forged.status_code == 403


@pytest.mark.parametrize("value_date", ["2199-12-31", "2100-01-01"])
def test_a_bank_receipt_dated_in_the_future_is_refused_naming_the_value_date(
    exchange, listing, value_date
):
    order = place(exchange, listing)
    response = exchange.api(
        "POST",
        "/finance/bank-receipts",
        exchange.finance_api,
        json={
            "reference": order["reference"],
            "amount_minor": order["price_minor"],
            "currency": order["currency"],
            "bank_transaction_id": "CMB-FUTURE-1",
            "value_date": value_date,
        },
    )
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["value_date"]
    final = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert final["paid_at"] is None


def test_a_dispute_on_an_accepted_order_is_a_wrong_state_not_a_wrong_actor(exchange, listing):
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    assert _post(exchange, f"/orders/{order['id']}/accept", exchange.buyer_api).status_code == 200
    refused = _post(
        exchange, f"/orders/{order['id']}/disputes", exchange.buyer_api, json={"reason": "late"}
    )
    assert refused.status_code == 409
    assert refused.get_json()["errors"] == {"state": ["accepted"], "action": ["dispute"]}


def test_the_permitted_uses_read_as_running_text():
    uses = ["model_training", "product_development", "research"]
    phrase = licence.scenario_phrase(uses, str, lambda names: licence.joined(names, str))
    assert phrase == "AI model training, product development and scientific research"
