"""What a new organisation reads on the pages, in Chinese by default: its way to verification,
the jurisdiction picker, credit-code messages, the error pages, who moved what."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from market import display
from market.identity.models import StaffRole
from tests import factories
from tests.verification.test_pages import _submit


def _register(client, **fields):
    form = {"name_zh": "前海物流数据有限公司", "name_en": "Qianhai Logistics Data",
            "jurisdiction": "CN", "credit_code": factories.credit_code(), **fields}  # fmt: skip
    return client.submit("/organisations/new", form, page="/organisations/new")


def test_a_new_organisation_is_pointed_to_the_verification_form(client, db):
    factories.user(db, "owner@example.cn")
    db.commit()
    client.log_in("owner@example.cn")
    created = _register(client)
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    organisation_id = created.headers["Location"].rstrip("/").split("/")[-1]
    assert 'data-testid="verify-now"' in page
    assert f'href="/organisations/{organisation_id}/verification"' in page
    assert "提交认证材料" in page and "下一步请提交认证材料" in page


def test_registering_before_confirming_the_address_says_so_and_offers_the_link_again(client, db):
    factories.user(db, "new@example.cn", verified=False)
    db.commit()
    client.log_in("new@example.cn")
    form = client.get("/organisations/new").get_data(as_text=True)
    assert 'data-testid="confirm-email"' in form  # before filling the form, not only after
    refused = _register(client)
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert 'data-testid="confirm-email"' in page
    assert 'action="/verify-email"' in page
    assert "前海物流数据有限公司" in page  # what was typed is kept


def test_a_verified_organisation_is_not_asked_again(client, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    client.log_in("owner@example.cn")
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert 'data-testid="verify-now"' not in page


def test_the_jurisdiction_picker_names_territories_in_the_readers_language(client, db):
    factories.user(db, "owner@example.cn")
    db.commit()
    client.log_in("owner@example.cn")
    chinese = client.get("/organisations/new").get_data(as_text=True)
    options = dict(re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', chinese))
    assert options["CN"] == "中国内地" and options["HK"] == "中国香港" and options["FR"] == "法国"
    assert list(options)[:4] == ["CN", "HK", "MO", "TW"] and options["TW"] == "中国台湾"
    assert not [code for code, name in options.items() if name.strip() == code]
    # CLDR's groupings and pseudo-locales are not places an organisation is registered in.
    assert not {"EU", "UN", "XA", "XB", "ZZ", "QO"} & set(options)
    english = client.get("/organisations/new", headers={"Accept-Language": "en"})
    assert '<option value="HK" >Hong Kong, China</option>' in english.get_data(as_text=True)
    assert '<option value="TW" >Taiwan, China</option>' in english.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-HK", "HK"),
        ("zh-Hant", "HK"),
        ("zh-MO", "MO"),
        ("zh-Hant-MO", "MO"),
        ("zh-TW", "TW"),
        ("zh", "CN"),
        ("zh-CN", "CN"),
        ("en", "CN"),  # no guess: the mainland, as before
        ("en-GB, zh-MO;q=0.5", "CN"),  # the page is English: the second choice is not read
    ],
)
def test_the_jurisdiction_picker_starts_where_the_pages_language_is_spoken(
    client, db, language, expected
):
    factories.user(db, "owner@example.cn")
    db.commit()
    client.log_in("owner@example.cn")
    page = client.get("/organisations/new", headers={"Accept-Language": language})
    picker = page.get_data(as_text=True).split('<select id="jurisdiction"', 1)[1]
    assert re.findall(r'<option value="([A-Z]{2})" selected>', picker) == [expected]


def test_a_pseudo_territory_is_refused_as_a_jurisdiction(client, db):
    factories.user(db, "owner@example.cn")
    db.commit()
    client.log_in("owner@example.cn")
    page = _register(client, jurisdiction="XA", credit_code="", registration_number="X-1")
    assert page.status_code == 422
    assert 'id="jurisdiction-error"' in page.get_data(as_text=True)


def test_a_bad_credit_code_is_explained_in_chinese(client, db):
    factories.user(db, "owner@example.cn")
    db.commit()
    client.log_in("owner@example.cn")
    body = factories.credit_code()
    wrong = body[:17] + ("0" if body[17] != "0" else "1")
    refused = _register(client, credit_code=wrong)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "最后一位（校验码）与前17位不符" in page and "check character" not in page


def test_the_not_found_page_speaks_chinese(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "此地址没有内容" in page and "requested URL" not in page
    english = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert "There is nothing at this address." in english.get_data(as_text=True)


def test_who_moved_an_order_or_a_claim_is_named_in_the_readers_language(app):
    with app.test_request_context(), force_locale("zh"):
        assert [display.actor(who) for who in ("buyer", "system", "reviewer")] == [
            "买方", "交易所", "审核员",
        ]  # fmt: skip
    with app.test_request_context(), force_locale("en"):
        assert display.actor("buyer") == "Buyer"


def test_a_resubmission_starts_from_the_last_submission(app, db, client):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner, verified=False)
    reviewer = factories.user(db, "reviewer@example.cn", staff=(StaffRole.REVIEWER,))
    db.commit()
    client.log_in(owner.email)
    assert _submit(client, organisation.id, legal_representative="王五").status_code == 302
    staff = type(client)(app)
    staff.log_in(reviewer.email)
    page = f"/review/organisations/{organisation.id}"
    for action in ({"action": "start_review"}, {"action": "reject", "reason": "模糊"}):
        assert staff.submit(f"{page}/decision", action, page=page).status_code == 302
    form = client.get(f"/organisations/{organisation.id}/verification").get_data(as_text=True)
    assert 'value="王五"' in form and 'value="深圳市福田区福中三路1号"' in form


def test_a_verified_organisations_page_says_verified_once(client, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    client.log_in("owner@example.cn")
    page = client.get(
        f"/organisations/{organisation.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert organisation.is_verified
    assert page.count(">Verified<") + page.count("✔ Verified") == 1
    assert 'data-testid="verified-organisation"' in page
