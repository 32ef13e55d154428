"""Changing a listing on the web: the editor on a draft revision, prefilled with what the draft
says (money in yuan), saving what the API's draft takes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from market.db import utcnow
from market.identity.models import StaffRole
from market.listings import compliance, listings
from market.listings.schemas import RevisionFormSchema, RevisionInputSchema
from market.valuation import schemas as valuation_schemas
from market.valuation import services as valuation
from tests import factories
from tests.listings import factories as lf
from tests.valuation.test_api import INPUTS

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def draft(db, store, provider, staff):
    listing = lf.draft_listing(db, store, *provider, staff)
    db.commit()
    return listing


@pytest.fixture
def published(db, store, provider, staff):
    listing = lf.published_listing(db, store, *provider, staff)
    db.commit()
    return listing


def _fields(listing, **changes) -> dict:
    """The editor's fields as it shows them for the listing's draft, with ``changes``."""
    form = listings.revision_form(listing.latest_revision)
    form.pop("asset_id")
    form.update(changes)
    return {key: value for key, value in form.items() if value not in ("", [])}


def test_the_editor_shows_the_draft_with_prices_in_yuan(client, draft, provider):
    client.log_in(provider[1].email)
    response = client.get(f"/provider/listings/{draft.id}/edit", headers=ENGLISH)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="深圳市公交刷卡数据"' in html
    assert 'id="plan0_price" name="plan0_price" type="text" value="4800"' in html
    assert 'name="scenarios" value="research" checked' in html
    assert 'id="valuation_report_number"' in html
    assert 'name="asset_id"' not in html


def test_the_provider_changes_the_price_of_a_draft(client, db, draft, provider):
    client.log_in(provider[1].email)
    path = f"/provider/listings/{draft.id}/edit"
    response = client.submit(path, _fields(draft, plan0_price="52,000.50", title_en="Bus taps"))
    assert response.status_code == 302
    db.expire_all()
    revision = draft.latest_revision
    assert [plan.price_minor for plan in revision.public_plans] == [5_200_050]
    assert revision.title_en == "Bus taps"
    assert set(revision.terms["scenarios"]) == {"research", "internal_analytics"}


def test_a_returned_listing_is_revised_and_edited_on_the_web(client, db, draft, provider, staff):
    listings.submit(db, draft, provider[1], utcnow())
    returned = lf.review_data(decision="changes_requested", reason="请补充数据字典")
    compliance.decide(db, draft, staff, returned, utcnow() + timedelta(seconds=1))
    db.commit()
    client.log_in(provider[1].email)
    page = f"/provider/listings/{draft.id}"
    assert "请补充数据字典" in client.get(page).get_data(as_text=True)
    revised = client.submit(page, {"action": "revise"})
    assert revised.status_code == 302 and revised.location.endswith(f"{page}/edit")
    db.expire_all()
    fixed = _fields(draft, description_zh="深圳公交刷卡记录，附数据字典。")
    db.rollback()  # the test's read ends before the page writes
    assert client.submit(f"{page}/edit", fixed).status_code == 302
    assert client.submit(page, {"action": "submit"}).status_code == 302
    db.expire_all()
    assert draft.latest_revision.description_zh == "深圳公交刷卡记录，附数据字典。"
    assert draft.latest_revision.state == "in_review"


def test_a_listing_with_no_draft_has_no_editor(client, published, provider):
    client.log_in(provider[1].email)
    refused = client.get(f"/provider/listings/{published.id}/edit")
    assert refused.status_code == 409
    # The page leads back to the listing, where a new revision is started.
    assert f'href="/provider/listings/{published.id}" data-testid="back"' in refused.get_data(
        as_text=True
    )


def test_another_organisation_cannot_edit(client, draft):
    client.sign_up("stranger@example.cn")
    assert client.get(f"/provider/listings/{draft.id}/edit").status_code == 404


def test_a_plan_beyond_the_third_row_survives_an_edit(client, db, store, provider, staff):
    listing = lf.draft_listing(
        db, store, *provider, staff,
        plans=[lf.plan(price_minor=100 * (i + 1), name_en=f"Plan {i}") for i in range(4)],
    )  # fmt: skip
    db.commit()
    client.log_in(provider[1].email)
    html = client.get(f"/provider/listings/{listing.id}/edit").get_data(as_text=True)
    assert 'id="plan3_price" name="plan3_price" type="text" value="4"' in html
    path = f"/provider/listings/{listing.id}/edit"
    assert client.submit(path, _fields(listing, plan3_price="5")).status_code == 302
    db.expire_all()
    assert [p.price_minor for p in listing.latest_revision.public_plans] == [100, 200, 300, 500]


def test_an_unknown_valuation_report_is_named_and_nothing_saved(client, db, draft, provider):
    client.log_in(provider[1].email)
    path = f"/provider/listings/{draft.id}/edit"
    fields = _fields(draft, valuation_report_number="SZDX-V-2026-999999", title_en="Changed")
    response = client.submit(path, fields, headers=ENGLISH)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="valuation_report_number-error"' in html
    assert 'value="SZDX-V-2026-999999"' in html
    db.expire_all()
    assert draft.latest_revision.title_en == "Shenzhen bus card transactions"


def test_citing_a_final_valuation_report_on_the_web_earns_the_badge(client, db, draft, provider):
    organisation, owner = provider
    appraiser = factories.user(db, staff=(StaffRole.APPRAISER,), name="Appraiser Wang")
    now = utcnow()
    asset_id = draft.asset_id
    report = valuation.request(
        db, [organisation.id], owner, {"asset_id": asset_id, "purpose": "trading"}, now
    )
    valuation.take(db, report, appraiser, now)
    inputs = valuation_schemas.InputsSchema()
    valuation.save_inputs(db, report, appraiser, inputs.dump(inputs.load(INPUTS)))
    valuation.run(db, report, appraiser, now)
    valuation.finalise(db, report, appraiser, now)
    db.commit()
    client.log_in(owner.email)
    path = f"/provider/listings/{draft.id}/edit"
    response = client.submit(path, _fields(draft, valuation_report_number=report.number))
    assert response.status_code == 302
    db.expire_all()
    assert draft.latest_revision.valuation_report_number == report.number


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Choose at least one usage scenario."), ("zh", "请至少选择一种使用场景")],
)
def test_no_usage_scenario_asks_for_one(client, db, draft, provider, language, message):
    client.log_in(provider[1].email)
    fields = _fields(draft)
    fields.pop("scenarios")
    response = client.submit(
        f"/provider/listings/{draft.id}/edit", fields, headers={"Accept-Language": language}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "1 到 8" not in html and "between 1 and" not in html


def test_coverage_years_backwards_are_refused_in_the_readers_language(client, draft, provider):
    client.log_in(provider[1].email)
    fields = _fields(draft, coverage_from="2024", coverage_to="2020")
    response = client.submit(
        f"/provider/listings/{draft.id}/edit", fields, headers={"Accept-Language": "zh"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="coverage_to-error"' in html and "结束年份不能早于起始年份。" in html


def test_the_reviewer_sees_what_a_revision_changes(client, db, published, provider, staff):
    owner = provider[1]
    listings.start_revision(db, published, owner, utcnow())
    db.commit()
    client.log_in(owner.email)
    path = f"/provider/listings/{published.id}/edit"
    fields = _fields(published, plan0_price="5200", title_en="Shenzhen bus taps")
    db.rollback()
    assert client.submit(path, fields).status_code == 302
    assert (
        client.submit(f"/provider/listings/{published.id}", {"action": "submit"}).status_code == 302
    )
    client.submit("/logout", {})
    client.log_in(staff.email)
    html = client.get(f"/review/listings/{published.id}", headers=ENGLISH).get_data(as_text=True)
    assert 'data-testid="revision-changes"' in html
    assert html.count('data-testid="changed-field"') == 2
    assert "<del>Shenzhen bus card transactions</del>" in html
    assert "¥5,200.00</ins>" in html


def test_the_editor_fields_of_a_draft_load_into_what_the_api_was_sent(db, draft):
    """Prefilling loses nothing: the draft as the editor shows it loads, through the page's
    schema, into what the API's draft schema loads from the JSON the draft was made from."""
    form = listings.revision_form(draft.latest_revision)
    form.pop("asset_id")
    sent = lf.listing_data(draft.asset_id)
    for name in ("asset_id", "asset_version"):
        sent.pop(name, None)
    shown, expected = RevisionFormSchema().load(form), RevisionInputSchema().load(sent)
    for data in (shown, expected):  # stored terms keep scenarios in a canonical order
        data["terms"]["scenarios"] = sorted(data["terms"]["scenarios"])
    assert shown == expected


def test_a_never_published_draft_says_so_and_submitting_it_is_confirmed(
    client, db, draft, provider
):
    client.log_in(provider[1].email)
    page = f"/provider/listings/{draft.id}"
    editor = client.get(f"{page}/edit", headers=ENGLISH).get_data(as_text=True)
    assert "not yet on the market" in editor and "published revision" not in editor
    submitted = client.submit(page, {"action": "submit"}, page=page, headers=ENGLISH)
    assert submitted.status_code == 302
    after = client.get(page, headers=ENGLISH).get_data(as_text=True)
    assert "Submitted for compliance review." in after


def test_the_editor_says_why_the_holding_right_is_not_offered(client, draft, provider):
    client.log_in(provider[1].email)
    editor = client.get(f"/provider/listings/{draft.id}/edit").get_data(as_text=True)
    assert 'value="holding"' not in editor
    assert 'data-testid="holding-not-listed"' in editor and "数据资源持有权仍归贵机构所有" in editor


def test_a_subscription_without_its_period_is_refused_in_the_readers_language(
    client, draft, provider
):
    client.log_in(provider[1].email)
    fields = _fields(draft, plan0_kind="subscription", plan0_periods="12")
    fields.pop("plan0_period", None)
    response = client.submit(
        f"/provider/listings/{draft.id}/edit", fields, headers={"Accept-Language": "zh"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="plan0_period-error">此类方案必须填写。<' in html
    assert "required for this kind of plan" not in html.lower()


def test_the_price_hint_fits_any_currency_and_billing_periods_are_capitalised(
    client, draft, provider
):
    client.log_in(provider[1].email)
    html = client.get(f"/provider/listings/{draft.id}/edit", headers=ENGLISH).get_data(as_text=True)
    hint = re.search(r'id="plan0_price-hint">([^<]+)<', html).group(1)
    assert "yuan" not in hint.split("(")[0]  # not "In yuan" while HKD may be chosen
    assert hint.startswith("In the currency's major unit (yuan, dollars…)")
    period = re.search(r'<select id="plan0_period".*?</select>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</option>", period) == ["—", "Month", "Year"]
