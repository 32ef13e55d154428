"""The exchange staff's pages (reviewers, appraisers, finance, search curation) and the owner's
pages around them (verification form, valuations, statements), in both languages, on a phone
and a desktop, each with something in it: the checks of ``pagecheck``, and a screenshot each."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import ledger
from ledger.models import Entry
from market import worker
from market.db import utcnow
from market.finance import bank, matching, payees, payouts
from market.identity.models import StaffRole
from market.listings import compliance, listings
from market.registry import claims
from market.registry.assets import Upload
from market.registry.models import ClaimState
from market.searching import services as searching
from market.trading import orders, payments, refunds, settlement
from market.trading.settings import from_config
from market.trading.states import Actor
from market.valuation import schemas as valuation_schemas
from market.valuation import services as valuation
from market.verification import services as verification
from tests import factories
from tests.browser.helpers import sign_in
from tests.browser.pagecheck import LOCALES, WIDTHS, check
from tests.finance.factories import payee_account
from tests.finance.generated import BankRow, icbc_csv
from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.valuation.test_api import INPUTS
from tests.verification.conftest import EVIDENCE, PDF

pytestmark = pytest.mark.browser


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


def _trades(session, config, listing, buyer, buyer_user, finance, now):
    """An order paid by bank transfer and settled, one disputed, one awaiting payment and a
    short transfer held for finance."""
    settings = from_config(config)
    plan = listing.live_revision.plans[0]
    counter = iter(range(1, 100))

    def order():
        placed, _ = orders.place(
            session, buyer, buyer_user, {"plan_id": plan.id, "usage_scenario": "research"},
            now, settings.fee_bps_for, vat_bps=settings.vat_bps,
        )  # fmt: skip
        return placed

    def pay(placed, amount=None):
        payments.record_bank_receipt(
            session, finance,
            {"reference": placed.reference, "amount_minor": amount or placed.price_minor,
             "currency": placed.currency, "bank_transaction_id": f"CMB-{next(counter):05d}",
             "payer_name": buyer.name_zh},
            settings, now,
        )  # fmt: skip

    settled = order()
    pay(settled)
    settlement.accept(session, settled, now, Actor.BUYER, buyer_user)
    settlement.settle(session, settled.id, now)
    disputed = order()
    pay(disputed)
    refunds.open_dispute(session, disputed, "字段与说明不符", now, buyer_user)
    order()
    short = order()
    pay(short, short.price_minor - 10_000)
    session.flush()
    return settled, disputed


@pytest.fixture
def staff_exchange(live_app):
    """Something on every staff page: ``(paths by who signs in, e-mail by who)``."""
    store = live_app.extensions["files"]
    now = utcnow()
    with live_app.extensions["db"].unit_of_work() as session:
        staff = factories.user(
            session, staff=(StaffRole.REVIEWER, StaffRole.APPRAISER, StaffRole.FINANCE),
            name="Staff",
        )  # fmt: skip
        other_finance = factories.user(session, staff=(StaffRole.FINANCE,), name="Finance B")
        factories.organisation(session, staff, is_operator=True)
        organisation, owner = rf.provider(session)
        listing = lf.published_listing(session, store, organisation, owner, staff)
        buyer, buyer_user = rf.provider(session)

        # reviewers: a claim submitted, a claim on notice with an objection, a listing waiting
        # for compliance review, an organisation's evidence, a dispute, search logs
        submitted = rf.advance(
            session, rf.draft(session, store, organisation, owner), ClaimState.SUBMITTED, staff
        )
        noticed = rf.advance(
            session, rf.draft(session, store, organisation, owner), ClaimState.PUBLIC_NOTICE,
            staff, now=now,
        )  # fmt: skip
        claims.file_objection(
            session, store, noticed, buyer.id, buyer_user, "该数据由我方采集",
            [Upload("evidence.pdf", io.BytesIO(rf.PDF))], rf.MAX_BYTES, now,
        )  # fmt: skip
        waiting = lf.draft_listing(session, store, organisation, owner, staff)
        listings.submit(session, waiting, owner, now)
        # A Hong Kong provider's, whose review records no mainland export pathway, saying why.
        harbour_owner = factories.user(session, name="Harbour")
        harbour = factories.organisation(
            session, harbour_owner, jurisdiction="HK", registration_number="HK-1",
            name_zh="海港數據有限公司", name_en="Harbour Data Ltd",
        )  # fmt: skip
        abroad = lf.draft_listing(
            session, store, harbour, harbour_owner, staff,
            terms=lf.terms(territory=["*"], cross_border=True),
        )  # fmt: skip
        listings.submit(session, abroad, harbour_owner, now)
        # A new revision of a mainland listing on sale: the page shows the export pathway the
        # last approval recorded and starts the checklist with it.
        revised = lf.draft_listing(
            session, store, organisation, owner, staff,
            terms=lf.terms(territory=["CN", "HK"], cross_border=True),
        )  # fmt: skip
        listings.submit(session, revised, owner, now - timedelta(minutes=2))
        approval = lf.review_data(
            cross_border_pathway="standard_contract", cross_border_evidence="粤网信备〔2026〕0042号"
        )
        compliance.decide(session, revised, staff, approval, now - timedelta(minutes=1))
        listings.start_revision(session, revised, owner, now)
        listings.submit(session, revised, owner, now)
        newcomer_owner = factories.user(session, name="Newcomer")
        newcomer = factories.organisation(session, newcomer_owner, verified=False)
        applicant_owner = factories.user(session, name="Applicant")
        applicant = factories.organisation(session, applicant_owner, verified=False)
        verification.submit(
            session, store, applicant, applicant_owner, dict(EVIDENCE),
            Upload("licence.pdf", io.BytesIO(PDF)), rf.MAX_BYTES, now,
        )  # fmt: skip
        searching.create(session, staff, ["公交", "巴士", "叮叮车"], "同义", now)
        for text, results in (("公交客流", 3), ("港口吞吐量", 0)):
            searching.log_query(session, text, results, False, "web", buyer.id, now)

        # appraisers: a report worked through, one waiting to be taken
        asset_id = listing.asset_id
        report = valuation.request(
            session, {organisation.id}, owner, {"asset_id": asset_id, "purpose": "financing"}, now
        )
        valuation.take(session, report, staff, now)
        schema = valuation_schemas.InputsSchema()
        valuation.save_inputs(session, report, staff, schema.dump(schema.load(INPUTS)))
        valuation.run(session, report, staff, now)
        valuation.request(
            session, {organisation.id}, owner, {"asset_id": asset_id, "purpose": "accounting"}, now
        )

        # finance: trades, a payout batch, a payee account waiting, a period, an exception
        settled, disputed = _trades(
            session, live_app.config, listing, buyer, buyer_user, staff, now
        )
        payee_account(session, organisation, other_finance, staff)
        payees.request_change(
            session, buyer.id, other_finance,
            {"account_name": buyer.name_zh, "bank_name": "招商银行",
             "account_number": "755912345678901", "cnaps_code": "308584000013"}, now,
        )  # fmt: skip
        payouts.build_batch(session, staff, "CNY", now)
        month = datetime(now.year, now.month, 1, tzinfo=UTC)
        ledger.create_period(session, f"{now:%Y-%m}", month, month + timedelta(days=32))
        account = bank.create_account(
            session, {"name": "工行基本户", "bank_name": "工商银行", "account_number": "400002100920",
                      "currency": "CNY", "csv_layout": "icbc"},
        )  # fmt: skip
        rows = [BankRow(now.date(), 500, "L9", "", "", "利息")]
        bank.import_statement(session, account.id, icbc_csv(rows, 0), "csv", None, now)
        matching.run(session, now)
        entry_id = session.scalar(sa.select(sa.func.min(Entry.id)))
        paths = {
            "staff": {
                "review-claims": "/review/claims",
                "review-claim": f"/review/claims/{submitted.id}",
                "review-objection": f"/review/claims/{noticed.id}",
                "review-listings": "/review/listings",
                "review-listing": f"/review/listings/{waiting.id}",
                "review-listing-abroad": f"/review/listings/{abroad.id}",
                "review-listing-revised": f"/review/listings/{revised.id}",
                "feature-listing": f"/review/listings/{listing.id}/featured",
                "staff-listing": f"/market/listings/{listing.id}",
                "review-disputes": "/review/disputes",
                "review-organisations": "/review/organisations",
                "review-organisation": f"/review/organisations/{applicant.id}",
                "search-curation": "/staff/search",
                "appraisal-queue": "/appraisal/valuations",
                "appraisal-report": f"/valuations/{report.id}",
                "finance-ledger": "/finance/ledger",
                "finance-trial-balance": "/finance/ledger/trial-balance",
                "finance-statement": "/finance/ledger/statement?account=assets:bank&currency=CNY",
                "finance-entry": f"/finance/ledger/entries/{entry_id}",
                "finance-periods": "/finance/periods",
                "finance-payees": "/finance/payees",
                "finance-payouts": "/finance/payouts",
                "finance-reconciliation": "/finance/reconciliation",
                "finance-imports": "/finance/imports",
                "finance-audit": "/finance/audit",
                "finance-trading": "/finance/trading",
                "staff-order": f"/orders/{disputed.id}",
            },
            "owner": {
                "valuations": "/valuations",
                "valuation": f"/valuations/{report.id}",
                "organisation": f"/organisations/{organisation.id}",
                "clients": f"/organisations/{organisation.id}/clients",
                "statement": "/provider/statement",
                "asset": f"/registry/assets/{asset_id}",
                "asset-new": "/registry/assets/new",
                "claim": f"/registry/claims/{noticed.id}",
                "claim-new": f"/registry/assets/{asset_id}/claims/new",
                "sale": f"/orders/{settled.id}",
                "provider-listing": f"/provider/listings/{waiting.id}",
            },
            "newcomer": {
                "verification-form": f"/organisations/{newcomer.id}/verification",
                "listing-unverified": f"/market/listings/{listing.id}",
                "notice": f"/notices/{noticed.id}",
                "directory": "/market/organisations",
                "verify-lookup": "/verify",
            },
        }
        emails = {
            "staff": staff.email, "owner": owner.email, "newcomer": newcomer_owner.email,
        }  # fmt: skip
    while worker.run_once(live_app):
        pass
    return paths, emails


@pytest.mark.parametrize("who", ["staff", "owner", "newcomer"])
@pytest.mark.parametrize("language", sorted(LOCALES))
@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_fit_speak_one_language_and_pass_axe(
    browser, live_app, staff_exchange, who, language, width
):
    paths, emails = staff_exchange
    context = browser.new_context(
        locale=LOCALES[language], base_url=live_app.url,
        viewport={"width": width, "height": 900},
    )  # fmt: skip
    context.set_default_timeout(15000)
    page = context.new_page()
    failures = []
    try:
        sign_in(page, emails[who])
        for name, path in paths[who].items():
            failures += check(page, path, f"{name}-{language}-{width}", language)
    finally:
        context.close()
    assert not failures, "\n".join(failures)
