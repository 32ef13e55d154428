"""The whole exchange from an empty database, through its public doors only.

Staff are made with the ``shujiao`` command; organisations sign up, register and make their
first API client on the pages, in Chromium (no API exists for these); everything else goes
through ``/api/v1``, the Stripe webhook and the command line. Runs on SQLite and PostgreSQL,
with the real OpenSearch node and localstripe. The notice period passes by running the
command at a later date (libfaketime), never by sleeping.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tests.listings import factories as lf
from tests.trading.helpers import card_payment_method, signed_webhook
from tests.verification.conftest import EVIDENCE, PDF
from tests.web import confirmation_link

CHINA = ZoneInfo("Asia/Shanghai")

pytestmark = [pytest.mark.browser, pytest.mark.opensearch, pytest.mark.stripe]

PASSWORD = "correct horse battery"
DATA = "站点,日期,客流\n前海湾,2026-11-02,18234\n蛇口港,2026-11-02,9211\n".encode()
PROVIDER_SCOPES = ["org:read", "org:write", "registry:read", "registry:write",
                   "catalog:read", "catalog:write", "orders:read", "orders:write"]  # fmt: skip
BUYER_SCOPES = ["org:read", "org:write", "orders:read", "orders:write", "deliveries:read",
                "catalog:read"]  # fmt: skip
STAFF_SCOPES = ["review:write", "finance:read", "finance:write"]
ACCOUNT = {
    "account_name": "前海物流数据有限公司",
    "bank_name": "招商银行",
    "branch_name": "深圳分行营业部",
    "account_number": "755912345678901",
    "cnaps_code": "308584000013",
}
FEE = lf.PRICE * 500 // 10_000  # the default platform fee, 5 %


# --- The doors with no API: pages in Chromium ---------------------------------------------------


def sign_up(exchange, page, email: str, name: str) -> None:
    """A new person creates an account on the web and is signed in (the one sign-up step)."""
    page.goto("/signup")
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(confirmation_link(exchange.app, email))  # the address, confirmed from the mail


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in on the login page."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def register_organisation(page, name_en: str, name_zh: str) -> int:
    """Register a mainland organisation on the web; its id."""
    page.goto("/organisations/new")
    page.fill("#name_zh", name_zh)
    page.fill("#name_en", name_en)
    page.select_option("#jurisdiction", "CN")
    page.fill("#credit_code", factories.credit_code())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/organisations/\d+$"))
    # The new organisation's page points its owner to the verification form.
    assert page.get_by_test_id("verify-now").is_visible()
    return int(page.url.rstrip("/").split("/")[-1])


def api_client(exchange, page, organisation_id: int, scopes: list[str]) -> dict:
    """Create an API client on the organisation's page; Authorization headers of a token."""
    page.goto(f"/organisations/{organisation_id}/clients")
    form = page.locator("main form:has(#name)")
    form.locator("#name").fill("erp")
    for scope in scopes:
        form.locator(f"input[name=scopes][value='{scope}']").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    client_id = page.get_by_test_id("client-id").inner_text()
    secret = page.get_by_test_id("client-secret").inner_text()
    token = factories.token(exchange.app.test_client(), client_id, secret)
    return {"Authorization": f"Bearer {token}"}


def newcomer(exchange, browser, email: str, name_en: str, name_zh: str, scopes) -> tuple:
    """Someone signs up, registers an organisation and makes its API client: ``(id, headers)``."""
    context = browser.new_context(locale="zh-CN", base_url=exchange.url)
    context.set_default_timeout(20000)
    page = context.new_page()
    try:
        sign_up(exchange, page, email, name_en + " owner")
        organisation_id = register_organisation(page, name_en, name_zh)
        return organisation_id, api_client(exchange, page, organisation_id, scopes)
    finally:
        context.close()


def staff_client(exchange, browser, email: str, password: str, operator_id: int, scopes) -> dict:
    """A staff member signs in and makes an API client of the operator's organisation."""
    context = browser.new_context(locale="zh-CN", base_url=exchange.url)
    context.set_default_timeout(20000)
    page = context.new_page()
    try:
        sign_in(page, email, password)
        return api_client(exchange, page, operator_id, scopes)
    finally:
        context.close()


# --- The API -------------------------------------------------------------------------------------


def ok(response, status: int = 200):
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def staff(exchange, browser) -> dict:
    """Staff made with the command line, the operator's organisation, their API headers."""
    secret = "a long staff password"
    exchange.cli("user", "create", "ops@exchange.cn", "--name", "Ops", "--password", secret,
                 "--staff", "reviewer", "--staff", "finance")  # fmt: skip
    exchange.cli("user", "create", "checker@exchange.cn", "--name", "Checker",
                 "--password", secret, "--staff", "finance")  # fmt: skip
    created = exchange.cli("operator", "create", "--owner", "ops@exchange.cn",
                           "--name-zh", "深圳数据交易所", "--name-en", "Shenzhen Data Exchange",
                           "--credit-code", factories.credit_code())  # fmt: skip
    operator_id = int(re.search(r"#(\d+)", created).group(1))
    exchange.cli("operator", "add-member", "checker@exchange.cn", "--role", "admin")
    return {
        "review": staff_client(
            exchange, browser, "ops@exchange.cn", secret, operator_id, STAFF_SCOPES
        ),  # fmt: skip
        "checker": staff_client(
            exchange,
            browser,
            "checker@exchange.cn",
            secret,
            operator_id,
            ["finance:read", "finance:write"],
        ),  # fmt: skip
    }


def submit_evidence(exchange, organisation_id: int, headers: dict, **overrides):
    """The organisation submits its verification evidence (multipart, with the licence)."""
    form = dict(EVIDENCE, **overrides)
    form["licence"] = (io.BytesIO(PDF), "licence.pdf")
    return exchange.api(
        "POST",
        f"/organisations/{organisation_id}/verification",
        headers,
        data=form,
        content_type="multipart/form-data",
    )


def review_organisation(exchange, reviewer: dict, organisation_id: int, *moves) -> dict:
    """The reviewer's decisions on an organisation, in order; the last answer."""
    body = None
    for action, reason in moves:
        decision = {"action": action} | ({"reason": reason} if reason else {})
        body = ok(
            exchange.api(
                "POST",
                f"/review/organisations/{organisation_id}/decisions",
                reviewer,
                json=decision,
            )
        )
    return body


def verified(exchange, reviewer: dict, organisation_id: int, headers: dict) -> None:
    """Evidence in, review started, approved."""
    ok(submit_evidence(exchange, organisation_id, headers), 201)
    queue = ok(exchange.api("GET", "/review/organisations", reviewer))
    assert organisation_id in [row["id"] for row in queue]
    done = review_organisation(
        exchange, reviewer, organisation_id, ("start_review", None), ("approve", None)
    )
    assert done["state"] == "verified"


def claimed_asset(
    exchange,
    headers: dict,
    reviewer: dict,
    data: bytes = DATA,
    title_en: str = "Qianhai port ridership",
) -> tuple[int, dict]:
    """An asset with a file and a claim approved into public notice: ``(asset id, claim)``."""
    asset = ok(
        exchange.api(
            "POST",
            "/assets",
            headers,
            json={
                "kind": "dataset",
                "title_zh": "前海港区客流数据",
                "title_en": title_en,
                "industry": "transport",
                "keywords": ["客流", "ridership"],
                "personal_info": "none",
            },
        ),
        201,
    )
    version = ok(
        exchange.api(
            "POST",
            f"/assets/{asset['id']}/versions",
            headers,
            data={"file": [(io.BytesIO(data), "ridership.csv")]},
            content_type="multipart/form-data",
        ),
        201,
    )
    assert version["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    claim = ok(
        exchange.api(
            "POST",
            "/claims",
            headers,
            json={
                "asset_id": asset["id"],
                "rights": ["holding", "processing_use", "product_operation"],
                "source": "self_collected",
            },
        ),
        201,
    )
    ok(
        exchange.api(
            "POST",
            f"/claims/{claim['id']}/evidence",
            headers,
            data={"evidence": (io.BytesIO(PDF), "collection-records.pdf")},
            content_type="multipart/form-data",
        ),
        201,
    )
    ok(exchange.api("POST", f"/claims/{claim['id']}/submit", headers))
    for action in ("start_review", "approve"):
        claim = ok(
            exchange.api(
                "POST",
                f"/review/claims/{claim['id']}/decisions",
                reviewer,
                json={"action": action, "reason": "collection records match the file"},
            )
        )
    assert claim["state"] == "public_notice"
    return asset["id"], claim


def notice_passes(exchange, claim: dict) -> str:
    """A day after the claim's notice ends, the operator runs ``shujiao registry issue-due``
    (under libfaketime: the app's own clock is never touched); what it printed."""
    later = datetime.fromisoformat(claim["notice_ends_at"]) + timedelta(days=1)
    return exchange.cli("registry", "issue-due", faketime=later.strftime("%Y-%m-%d %H:%M:%S"))


def published_listing(exchange, headers: dict, reviewer: dict, asset_id: int) -> dict:
    """A listing of the asset, through compliance review to publication."""
    data = lf.listing_data(
        asset_id, title_zh="前海港区客流数据", title_en="Qianhai port ridership", region="shenzhen"
    )
    listing = ok(exchange.api("POST", "/provider/listings", headers, json=data), 201)
    submitted = ok(exchange.api("POST", f"/provider/listings/{listing['id']}/submit", headers))
    assert submitted["status"] == "in_review"
    queue = ok(exchange.api("GET", "/reviews/listings", reviewer))
    assert listing["id"] in [row["id"] for row in queue]
    review = {"decision": "approved", "personal_info": "none", "important_data": False}
    published = ok(
        exchange.api("POST", f"/reviews/listings/{listing['id']}", reviewer, json=review)
    )
    assert published["status"] == "published"
    return published


def search_ids(exchange, query: str) -> list[int]:
    """Listing ids an anonymous search finds."""
    body = ok(exchange.api("GET", f"/listings/search?q={query}"))
    return [hit["id"] for hit in body["hits"]]


def found_by_search(
    exchange, query: str, listing_id: int, found: bool = True, within: float = 15.0
) -> None:
    """The worker (re)indexes the listing and, within seconds, an anonymous search finds it
    (or, with ``found=False``, no longer does)."""
    deadline = time.monotonic() + within
    while True:
        exchange.drain()
        if (listing_id in search_ids(exchange, query)) == found:
            return
        assert time.monotonic() < deadline, f"listing {listing_id}, {query!r}: found is not {found}"
        time.sleep(0.2)


def place_order(exchange, headers: dict, plan_id: int, key: str) -> dict:
    """An order under an Idempotency-Key (sent twice: one order)."""
    body = {"plan_id": plan_id, "usage_scenario": "research"}
    first = ok(exchange.api("POST", "/orders", {**headers, "Idempotency-Key": key}, json=body), 201)
    again = ok(exchange.api("POST", "/orders", {**headers, "Idempotency-Key": key}, json=body), 201)
    assert again["id"] == first["id"]
    return first


def pay_by_card(exchange, headers: dict, order: dict) -> None:
    """Start the PaymentIntent, confirm it at localstripe as Stripe.js would, and deliver
    Stripe's signed ``payment_intent.succeeded``."""
    started = ok(exchange.api("POST", f"/orders/{order['id']}/payments/stripe", headers), 201)
    gateway = exchange.app.extensions["payments"]
    gateway.confirm_intent(started["payment_intent_id"], card_payment_method(exchange.app))
    intent = gateway.client.v1.payment_intents.retrieve(started["payment_intent_id"]).to_dict()
    event = signed_webhook(exchange.app, "payment_intent.succeeded", intent)
    assert event.status_code == 200 and event.get_json()["outcome"] == "order paid"


def pay_by_bank(exchange, headers: dict, finance: dict, order: dict) -> None:
    """The buyer reads the transfer instructions; finance records the bank receipt."""
    instructions = ok(exchange.api("GET", f"/orders/{order['id']}/bank-transfer", headers))
    assert instructions["reference"] == order["reference"]
    receipt = {
        "reference": instructions["reference"],
        "amount_minor": order["price_minor"],
        "currency": order["currency"],
        "bank_transaction_id": f"CMB{uuid.uuid4().hex[:16]}",
        "payer_name": "南山分析科技有限公司",
    }
    paid = ok(exchange.api("POST", "/finance/bank-receipts", finance, json=receipt), 201)
    assert paid["status"] == "succeeded"


def downloaded_sha256(exchange, headers: dict, order_id: int) -> str:
    """Download the order's file through a signed link; the SHA-256 of the bytes received."""
    entitlements = ok(exchange.api("GET", "/entitlements", headers))
    [entitlement] = [e for e in entitlements if e["order_id"] == order_id]
    [link] = ok(exchange.api("POST", f"/entitlements/{entitlement['id']}/links", headers))
    response = exchange.app.test_client().get(link["url"], headers=headers)
    assert response.status_code == 200
    body = response.get_data()
    response.close()
    assert hashlib.sha256(body).hexdigest() == link["sha256"]
    return hashlib.sha256(body).hexdigest()


def balances(exchange, finance: dict, prefix: str) -> dict[str, int]:
    """Posted balances of the accounts under ``prefix`` (CNY), by account."""
    rows = ok(exchange.api("GET", f"/ledger/accounts?prefix={prefix}", finance))
    return {row["account"]: row["posted"] for row in rows if row["currency"] == "CNY"}


def pay_provider(exchange, finance: dict, checker: dict, provider_id: int) -> dict:
    """Payee account entered by one finance user, confirmed by another; a batch built (under an
    Idempotency-Key), submitted to the bank and seen paid on the statement."""
    entered = ok(
        exchange.api(
            "POST",
            "/finance/payee-accounts",
            finance,
            json={"organisation_id": provider_id, **ACCOUNT},
        ),
        201,
    )
    confirmed = ok(
        exchange.api("POST", f"/finance/payee-accounts/{entered['id']}/confirm", checker)
    )
    assert confirmed["status"] == "active"
    build = {**finance, "Idempotency-Key": "payouts-first-run"}
    batch = ok(
        exchange.api("POST", "/finance/payout-batches", build, json={"currency": "CNY"}), 201
    )
    replay = ok(
        exchange.api("POST", "/finance/payout-batches", build, json={"currency": "CNY"}), 201
    )
    assert replay["id"] == batch["id"]
    ok(exchange.api("POST", f"/finance/payout-batches/{batch['id']}/submit", finance))
    [payout] = batch["payouts"]
    paid = ok(
        exchange.api(
            "POST",
            f"/finance/payouts/{payout['id']}/paid",
            finance,
            # The bank's day is the exchange's (UTC+8), a day ahead of UTC from 16:00 UTC.
            json={
                "value_date": datetime.now(CHINA).date().isoformat(),
                "bank_reference": "CMB-P-1",
            },
        )
    )
    assert paid["status"] == "paid"
    return payout


def test_the_whole_exchange_from_an_empty_database(exchange, browser):
    crew = staff(exchange, browser)
    reviewer, checker = crew["review"], crew["checker"]

    # A provider signs up, registers, and is verified.
    provider_id, provider = newcomer(exchange, browser, "owner@qianhai-logistics.cn",
                                     "Qianhai Logistics Data", "前海物流数据有限公司",
                                     PROVIDER_SCOPES)  # fmt: skip
    assert (
        ok(exchange.api("GET", f"/organisations/{provider_id}/verification", provider))["state"]
        == "unverified"
    )
    verified(exchange, reviewer, provider_id, provider)

    # Its asset is registered and claimed; the claim goes into public notice.
    asset_id, claim = claimed_asset(exchange, provider, reviewer)
    notices = ok(exchange.api("GET", "/notices"))
    assert claim["id"] in [notice["claim_id"] for notice in notices]

    # The notice period passes with no objection: the operator's command, a day after its end.
    number = re.search(r"issued (\S+)", notice_passes(exchange, claim)).group(1)
    claim = ok(exchange.api("GET", f"/claims/{claim['id']}", provider))
    assert claim["state"] == "certified" and claim["certificate_number"] == number

    # Anyone checks the certificate against the file, without logging in.
    certificate = ok(exchange.api("GET", f"/certificates/{number}"))
    assert certificate["status"] == "valid"
    digest = hashlib.sha256(DATA).hexdigest()
    check = ok(exchange.api("POST", f"/certificates/{number}/check", json={"sha256": digest}))
    assert check["belongs"] is True and check["file_name"] == "ridership.csv"
    assert number in exchange.app.test_client().get(f"/verify/{number}").get_data(as_text=True)

    # Listed, reviewed for compliance, published, and found by search.
    listing = published_listing(exchange, provider, reviewer, asset_id)
    found_by_search(exchange, "客流", listing["id"])
    plan_id = listing["live"]["plans"][0]["id"]

    # A buyer signs up; unverified, it may not order; verified, it may.
    buyer_id, buyer = newcomer(exchange, browser, "owner@nanshan-analytics.cn",
                               "Nanshan Analytics", "南山分析科技有限公司",
                               BUYER_SCOPES)  # fmt: skip
    refused = exchange.api(
        "POST", "/orders", {**buyer, "Idempotency-Key": "too-early"},
        json={"plan_id": plan_id, "usage_scenario": "research"},
    )  # fmt: skip
    assert refused.status_code == 403
    verified(exchange, reviewer, buyer_id, buyer)
    directory = ok(exchange.api("GET", "/organisations"))
    assert {provider_id, buyer_id} <= {row["id"] for row in directory}

    # One order paid by card (a signed Stripe webhook), one by bank transfer.
    by_card = place_order(exchange, buyer, plan_id, "buyer-order-1")
    pay_by_card(exchange, buyer, by_card)
    by_bank = place_order(exchange, buyer, plan_id, "buyer-order-2")
    pay_by_bank(exchange, buyer, reviewer, by_bank)
    for order in (by_card, by_bank):
        assert ok(exchange.api("GET", f"/orders/{order['id']}", buyer))["status"] == "delivered"
        # The bytes received are the bytes registered.
        assert downloaded_sha256(exchange, buyer, order["id"]) == hashlib.sha256(DATA).hexdigest()
        accepted = ok(exchange.api("POST", f"/orders/{order['id']}/accept", buyer))
        assert accepted["status"] == "accepted"
    exchange.drain()
    for order in (by_card, by_bank):
        settled = ok(exchange.api("GET", f"/orders/{order['id']}", buyer))
        assert settled["status"] == "settled"
        assert (settled["fee_minor"], settled["provider_minor"]) == (FEE, lf.PRICE - FEE)

    # The provider is paid what it earned.
    payable = f"liabilities:provider_payable:org:{provider_id}"
    assert balances(exchange, reviewer, payable)[payable] == 2 * (lf.PRICE - FEE)
    payout = pay_provider(exchange, reviewer, checker, provider_id)
    assert payout["amount_minor"] == 2 * (lf.PRICE - FEE)
    assert balances(exchange, reviewer, payable)[payable] == 0

    # The books: every invariant holds, escrow is empty, the trial balance is zero.
    escrow = balances(exchange, reviewer, "liabilities:escrow")
    assert escrow and set(escrow.values()) == {0}
    trial = ok(exchange.api("GET", "/ledger/trial-balance", reviewer))
    assert trial["balanced"] is True
    exchange.cli("ledger", "seal")
    report = exchange.cli("ledger", "verify")
    assert "all invariants hold" in report and " 0 entries awaiting seal" in report

    # Every verification decision was mailed to the owners.
    exchange.drain()
    mail = Path(exchange.app.config["MAIL_SINK"].removeprefix("file:"))
    subjects = [path.read_text(errors="replace") for path in mail.glob("*.eml")]
    assert len(subjects) >= 6  # two organisations: submitted, under review, verified


def test_the_ways_in_that_are_refused(exchange, browser):
    crew = staff(exchange, browser)
    reviewer = crew["review"]
    provider_id, provider = newcomer(exchange, browser, "owner@futian-data.cn",
                                     "Futian Data", "福田数据有限公司",
                                     PROVIDER_SCOPES)  # fmt: skip

    # Verification rejected with a reason; a decision out of turn changes nothing; resubmitted,
    # then approved, with the rejection kept in the history.
    ok(submit_evidence(exchange, provider_id, provider), 201)
    rejected = review_organisation(exchange, reviewer, provider_id, ("start_review", None),
                                   ("reject", "the licence scan is unreadable"))  # fmt: skip
    assert rejected["state"] == "rejected"
    out_of_turn = exchange.api("POST", f"/review/organisations/{provider_id}/decisions",
                               reviewer, json={"action": "approve"})  # fmt: skip
    assert out_of_turn.status_code == 409
    assert out_of_turn.get_json()["errors"]["state"] == ["rejected"]
    verified(exchange, reviewer, provider_id, provider)
    history = ok(exchange.api("GET", f"/organisations/{provider_id}/verification", provider))
    assert "the licence scan is unreadable" in str(history)

    # An unverified buyer may not order.
    buyer_id, buyer = newcomer(exchange, browser, "owner@luohu-research.cn",
                               "Luohu Research", "罗湖研究有限公司",
                               [*BUYER_SCOPES, "registry:read", "registry:write"])  # fmt: skip

    # An objection upheld during the notice fails the claim: no certificate.
    _asset, claim = claimed_asset(exchange, provider, reviewer)
    objection = ok(
        exchange.api(
            "POST",
            f"/claims/{claim['id']}/objections",
            buyer,
            data={"reasons": "we collected these passenger counts ourselves"},
            content_type="multipart/form-data",
        ),
        201,
    )
    upheld = ok(exchange.api("POST", f"/review/objections/{objection['id']}/decision", reviewer,
                             json={"decision": "uphold", "reason": "their records are earlier"}))  # fmt: skip
    assert upheld["state"] == "upheld"
    assert ok(exchange.api("GET", f"/claims/{claim['id']}", provider))["state"] == "failed"
    assert "0 certificates issued" in notice_passes(exchange, claim)

    # Another asset is certified; its listing is sent back by compliance, fixed and published.
    other = "线路,日期,客流\n M1,2026-11-03,5120\n".encode()
    asset_id, claim = claimed_asset(exchange, provider, reviewer, other, "Futian metro ridership")
    notice_passes(exchange, claim)
    data = lf.listing_data(asset_id, title_zh="福田地铁客流", title_en="Futian metro ridership")
    listing = ok(exchange.api("POST", "/provider/listings", provider, json=data), 201)
    ok(exchange.api("POST", f"/provider/listings/{listing['id']}/submit", provider))
    sent_back = ok(exchange.api("POST", f"/reviews/listings/{listing['id']}", reviewer, json={
        "decision": "changes_requested", "personal_info": "none", "important_data": False,
        "reason": "describe how the counts were collected",
    }))  # fmt: skip
    assert sent_back["status"] == "draft"
    fixed = {key: value for key, value in data.items() if key != "asset_id"}
    fixed["description_en"] += " Counted at the gates by the operator."
    revision = f"/provider/listings/{listing['id']}/revisions"
    ok(exchange.api("POST", revision, provider), 201)
    ok(exchange.api("PUT", f"/provider/listings/{listing['id']}/draft", provider, json=fixed))
    ok(exchange.api("POST", f"/provider/listings/{listing['id']}/submit", provider))
    review = {"decision": "approved", "personal_info": "none", "important_data": False}
    listing = ok(exchange.api("POST", f"/reviews/listings/{listing['id']}", reviewer, json=review))
    assert listing["status"] == "published"
    found_by_search(exchange, "地铁", listing["id"])
    plan_id = listing["live"]["plans"][0]["id"]
    body = {"plan_id": plan_id, "usage_scenario": "research"}
    early = exchange.api("POST", "/orders", {**buyer, "Idempotency-Key": "early"}, json=body)
    assert early.status_code == 403
    verified(exchange, reviewer, buyer_id, buyer)

    # A refund before settlement empties the order's escrow back to the bank.
    refunded = place_order(exchange, buyer, plan_id, "to-refund")
    pay_by_bank(exchange, buyer, reviewer, refunded)
    refund = ok(exchange.api("POST", f"/orders/{refunded['id']}/refunds",
                             {**reviewer, "Idempotency-Key": "refund-1"},
                             json={"amount_minor": lf.PRICE, "reason": "ordered twice"}), 201)  # fmt: skip
    assert refund["after_settlement"] is False
    assert ok(exchange.api("GET", f"/orders/{refunded['id']}", buyer))["status"] == "refunded"

    # A suspended buyer cannot order; lifted, it can.
    review_organisation(exchange, reviewer, buyer_id, ("suspend", "unpaid invoices"))
    suspended = exchange.api("POST", "/orders", {**buyer, "Idempotency-Key": "s1"}, json=body)
    assert suspended.status_code == 403
    review_organisation(exchange, reviewer, buyer_id, ("lift", None))
    open_order = place_order(exchange, buyer, plan_id, "open-order")
    pay_by_bank(exchange, buyer, reviewer, open_order)

    # Suspending a provider with an open order must be acknowledged; then it cannot list, be
    # ordered from or be paid, and its listing leaves search; its open order's money stays.
    decision = {"action": "suspend", "reason": "licence revoked by the regulator"}
    unacknowledged = exchange.api(
        "POST", f"/review/organisations/{provider_id}/decisions", reviewer, json=decision
    )
    assert unacknowledged.status_code == 409
    assert "acknowledge_open_orders" in unacknowledged.get_json()["errors"]
    ok(exchange.api("POST", f"/review/organisations/{provider_id}/decisions", reviewer,
                    json={**decision, "acknowledge_open_orders": True}))  # fmt: skip
    escrow = f"liabilities:escrow:order:{open_order['id']}"
    assert balances(exchange, reviewer, escrow)[escrow] == lf.PRICE
    no_order = exchange.api("POST", "/orders", {**buyer, "Idempotency-Key": "s2"}, json=body)
    assert no_order.status_code == 409 and "plan_id" in no_order.get_json()["errors"]
    no_listing = exchange.api("POST", "/provider/listings", provider, json=data)
    assert no_listing.status_code == 403
    found_by_search(exchange, "地铁", listing["id"], found=False)
    # The buyer still accepts the open order and it settles; the payable waits for the lift.
    ok(exchange.api("POST", f"/orders/{open_order['id']}/accept", buyer))
    exchange.drain()
    assert ok(exchange.api("GET", f"/orders/{open_order['id']}", buyer))["status"] == "settled"
    entered = ok(exchange.api("POST", "/finance/payee-accounts", reviewer,
                              json={"organisation_id": provider_id, **ACCOUNT}), 201)  # fmt: skip
    ok(exchange.api("POST", f"/finance/payee-accounts/{entered['id']}/confirm", crew["checker"]))
    skipped = exchange.api("POST", "/finance/payout-batches", reviewer, json={"currency": "CNY"})
    assert skipped.status_code == 409
    review_organisation(exchange, reviewer, provider_id, ("lift", None))
    batch = ok(exchange.api("POST", "/finance/payout-batches", reviewer,
                            json={"currency": "CNY"}), 201)  # fmt: skip
    assert [p["amount_minor"] for p in batch["payouts"]] == [lf.PRICE - FEE]
    found_by_search(exchange, "地铁", listing["id"])

    report = exchange.cli("ledger", "verify")
    assert "all invariants hold" in report
    escrows = balances(exchange, reviewer, "liabilities:escrow")
    assert set(escrows.values()) == {0}
