"""Verification pages: the organisation's evidence form, the reviewers' queue, the directory."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from market.identity.models import Organisation, StaffRole, VerificationState
from market.verification.models import VerificationRequest
from tests import factories
from tests.verification.conftest import EVIDENCE, PDF
from tests.web import page_text


def _submit(client, organisation_id: int, licence=("licence.pdf", PDF), **fields):
    page = f"/organisations/{organisation_id}/verification"
    form = dict(EVIDENCE, **fields)
    if licence:
        form["licence"] = (io.BytesIO(licence[1]), licence[0])
    return client.submit(page, form, page=page, content_type="multipart/form-data")


def _state(db, organisation_id: int) -> VerificationState:
    state = db.scalar(
        sa.select(Organisation.verification_state).where(Organisation.id == organisation_id)
    )
    db.commit()
    return state


def test_owner_submits_and_a_reviewer_verifies_through_the_pages(app, db, client):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner, verified=False)
    reviewer = factories.user(db, "reviewer@example.cn", staff=(StaffRole.REVIEWER,))
    db.commit()
    client.log_in(owner.email)
    form = client.get(f"/organisations/{organisation.id}/verification").get_data(as_text=True)
    assert 'name="licence"' in form
    assert _submit(client, organisation.id).status_code == 302
    assert _state(db, organisation.id) == VerificationState.SUBMITTED
    assert client.get("/review/organisations").status_code == 403

    client.submit("/logout", {})
    client.log_in(reviewer.email)
    queue = client.get("/review/organisations").get_data(as_text=True)
    assert organisation.name_en in queue
    detail = client.get(f"/review/organisations/{organisation.id}").get_data(as_text=True)
    assert "张三" in detail and "licence.pdf" in detail
    path = f"/review/organisations/{organisation.id}/decision"
    page = f"/review/organisations/{organisation.id}"
    assert client.submit(path, {"action": "start_review"}, page=page).status_code == 302
    refused = client.submit(path, {"action": "reject", "reason": ""}, page=page)
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.get_data(as_text=True)
    assert client.submit(path, {"action": "approve"}, page=page).status_code == 302
    assert _state(db, organisation.id) == VerificationState.VERIFIED

    directory = client.get("/market/organisations").get_data(as_text=True)
    assert organisation.name_en in directory and 'data-testid="verified-organisation"' in directory


def test_a_wrong_file_on_the_page_names_the_field_and_keeps_nothing(app, db, client):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner, verified=False)
    db.commit()
    client.log_in(owner.email)
    response = _submit(client, organisation.id, licence=("licence.pdf", b"not a pdf"))
    assert response.status_code == 422
    assert 'id="licence-error"' in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(VerificationRequest)) == 0
    db.commit()
    assert _state(db, organisation.id) == VerificationState.UNVERIFIED


def test_the_directory_hides_unverified_organisations(app, db, client):
    owner = factories.user(db)
    hidden = factories.organisation(db, owner, verified=False, name_en="Hidden Data Co.")
    shown = factories.organisation(db, factories.user(db), name_en="Shown Data Co.")
    db.commit()
    page = client.get("/market/organisations").get_data(as_text=True)
    assert shown.name_en in page and hidden.name_en not in page
    # Each leads to its listings on the market (the provider facet).
    assert f'href="/market?provider={shown.id}" data-testid="provider-listings"' in page


@pytest.mark.parametrize(
    ("jurisdiction", "language", "said", "unsaid"),
    [
        ("HK", "zh-CN", ["商业登记证扫描件", "董事"], ["营业执照", "法定代表人"]),
        ("HK", "zh-Hant", ["商業登記證掃描件", "董事"], ["營業執照", "法定代表人"]),
        ("HK", "en", ["Business Registration Certificate scan", "Directors"],
         ["Business licence", "Legal representative"]),
        ("MO", "zh-CN", ["商业登记证明扫描件", "董事"], ["营业执照", "法定代表人"]),
        ("MO", "en", ["Commercial registration certificate scan", "Directors"],
         ["Business licence", "Legal representative"]),
        ("CN", "zh-CN", ["营业执照扫描件", "法定代表人"], ["商业登记证", "董事"]),
    ],
)  # fmt: skip
def test_the_evidence_is_named_as_the_organisations_jurisdiction_names_it(
    app, db, client, jurisdiction, language, said, unsaid
):
    owner = factories.user(db, "owner@example.cn")
    registration = {} if jurisdiction == "CN" else {"registration_number": "CR-2046"}
    organisation = factories.organisation(
        db, owner, verified=False, jurisdiction=jurisdiction, **registration
    )
    db.commit()
    client.log_in(owner.email)
    page = f"/organisations/{organisation.id}/verification"
    headers = {"Accept-Language": language}
    html = page_text(client.get(page, headers=headers).get_data(as_text=True))
    assert all(words in html for words in said), html
    assert not any(words in html for words in unsaid), html
    refused = client.submit(page, dict(EVIDENCE, registration_number="CR-2046"), page=page,
                            headers=headers, content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 422
    assert said[0].removesuffix("扫描件").removesuffix("掃描件").removesuffix(" scan") in (
        page_text(refused.get_data(as_text=True))
    )


def test_the_first_evidence_form_offers_the_signed_in_user_s_e_mail_as_the_contact(db, client):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner, verified=False)
    db.commit()
    client.log_in(owner.email)
    page = f"/organisations/{organisation.id}/verification"
    form = client.get(page).get_data(as_text=True)
    (contact,) = re.findall(r'<input[^>]*name="contact_email"[^>]*>', form)
    assert 'value="owner@example.cn"' in contact
