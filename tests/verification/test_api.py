"""Organisation verification through the API: evidence, the review queue, decisions, mail."""

from __future__ import annotations

import email
import email.header
import os
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from market import filesweep, worker
from market.db import utcnow
from market.identity.models import MemberRole, Membership, Organisation, VerificationState
from market.verification.models import VerificationEvent, VerificationRequest
from tests import factories
from tests.verification.conftest import PDF, PNG, bearer, make_onboarding


def _state(db, organisation_id: int) -> VerificationState:
    state = db.scalar(
        sa.select(Organisation.verification_state).where(Organisation.id == organisation_id)
    )
    db.commit()
    return state


def _count(db, model) -> int:
    # Read and end the transaction: on SQLite an open one holds the write lock.
    count = db.scalar(sa.select(sa.func.count()).select_from(model))
    db.commit()
    return count


def _mails(app) -> list[email.message.Message]:
    folder = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    if not folder.exists():
        return []
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(folder.iterdir())]


def _drain(app) -> None:
    while worker.run_once(app):
        pass


def test_submit_review_approve_records_who_and_when_and_mails_the_owners(app, db, onboarding):
    submitted = onboarding.submit()
    assert submitted.status_code == 201, submitted.get_json()
    assert submitted.get_json()["state"] == "submitted"

    queue = onboarding.call("GET", "/review/organisations", onboarding.review_api)
    assert [row["id"] for row in queue.get_json()] == [onboarding.organisation.id]

    detail = onboarding.call(
        "GET", f"/review/organisations/{onboarding.organisation.id}", onboarding.review_api
    ).get_json()
    assert detail["allowed_actions"] == ["start_review"]
    request_id = detail["requests"][0]["id"]
    scan = onboarding.call(
        "GET", f"/review/verification-requests/{request_id}/licence", onboarding.review_api
    )
    assert scan.status_code == 200
    assert scan.data == PDF
    assert scan.mimetype == "application/pdf"
    scan.close()

    assert onboarding.decide("start_review").status_code == 200
    approved = onboarding.decide("approve")
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["state"] == "verified"
    assert body["verified_at"]
    assert body["requests"][0]["outcome"] == "approved"
    last = body["history"][-1]
    assert (last["action"], last["user"], last["to_state"]) == ("approve", "Reviewer", "verified")
    assert last["at"]

    db.expire_all()
    organisation = db.get(Organisation, onboarding.organisation.id)
    assert organisation.is_verified and organisation.verified_at is not None
    db.commit()
    _drain(app)
    subjects = [mail["Subject"] for mail in _mails(app) if mail["To"] == onboarding.owner.email]
    assert any("verified" in subject for subject in subjects)
    assert len(subjects) == 3  # submitted, review started, approved


def test_reject_needs_a_reason_and_the_organisation_resubmits(app, db, onboarding):
    onboarding.submit()
    onboarding.decide("start_review")
    missing = onboarding.decide("reject")
    assert missing.status_code == 422
    assert "reason" in missing.get_json()["errors"]
    invisible = onboarding.decide("reject", "\u200b\u200b")
    assert invisible.status_code == 422
    assert "reason" in invisible.get_json()["errors"]
    assert _state(db, onboarding.organisation.id) == VerificationState.UNDER_REVIEW

    rejected = onboarding.decide("reject", "the licence scan is unreadable")
    assert rejected.get_json()["state"] == "rejected"
    # The scan sent before is kept when none is attached.
    again = onboarding.submit(licence=None, legal_representative="王五")
    assert again.status_code == 201, again.get_json()
    requests = again.get_json()["requests"]
    assert [r["outcome"] for r in requests] == [None, "rejected"]
    assert requests[0]["licence_sha256"] == requests[1]["licence_sha256"]
    assert requests[0]["legal_representative"] == "王五"
    assert requests[1]["decision_reason"] == "the licence scan is unreadable"


def test_more_information_then_resubmission_with_a_new_scan(app, db, onboarding):
    onboarding.submit()
    onboarding.decide("start_review")
    asked = onboarding.decide("request_info", "send the licence's second page")
    assert asked.get_json()["state"] == "info_requested"
    resent = onboarding.submit(licence=("licence.png", PNG))
    assert resent.get_json()["state"] == "submitted"
    assert resent.get_json()["requests"][0]["licence_media_type"] == "image/png"


@pytest.mark.parametrize(
    ("licence", "status"),
    [
        (("licence.exe", b"MZ\x90\x00"), 422),
        (("licence.pdf", b"GIF89a not a pdf"), 422),
        (("licence.csv", b"a,b\n1,2\n"), 422),
        (("licence.pdf", b""), 422),
    ],
)
def test_wrong_licence_files_are_refused_naming_the_field(app, db, onboarding, licence, status):
    response = onboarding.submit(licence=licence)
    assert response.status_code == status
    assert "licence" in response.get_json()["errors"]
    assert _count(db, VerificationRequest) == 0
    assert _state(db, onboarding.organisation.id) == VerificationState.UNVERIFIED
    files = Path(app.config["FILES_PATH"])
    assert not files.exists() or not [p for p in files.rglob("*") if p.is_file()]


def test_a_licence_over_the_limit_is_413_and_nothing_is_kept(app, db, onboarding):
    app.config["MAX_LICENCE_BYTES"] = 1024
    response = onboarding.submit(licence=("licence.pdf", PDF + b"0" * 2048))
    assert response.status_code == 413
    assert "licence" in response.get_json()["errors"]
    assert _count(db, VerificationRequest) == 0
    files = Path(app.config["FILES_PATH"])
    assert not files.exists() or not [p for p in files.rglob("*") if p.is_file()]


def test_first_submission_needs_a_licence(app, db, onboarding):
    response = onboarding.submit(licence=None)
    assert response.status_code == 422
    assert "licence" in response.get_json()["errors"]


def test_foreign_organisation_needs_its_registration_number(app, db):
    hong_kong = make_onboarding(
        app, db, jurisdiction="HK", name_zh="香港數據有限公司", name_en="HK Data Ltd"
    )
    refused = hong_kong.submit()
    assert refused.status_code == 422
    assert "registration_number" in refused.get_json()["errors"]
    assert _count(db, VerificationRequest) == 0
    accepted = hong_kong.submit(registration_number="CR 3312345")
    assert accepted.status_code == 201
    assert accepted.get_json()["requests"][0]["registration_number"] == "CR 3312345"


def test_bad_evidence_fields_are_named(app, db, onboarding):
    response = onboarding.submit(contact_email="not-an-email", contact_phone="call me")
    assert response.status_code == 422
    assert {"contact_email", "contact_phone"} <= set(response.get_json()["errors"])


@pytest.mark.parametrize("action", ["approve", "reject", "request_info", "lift", "suspend"])
def test_a_decision_on_an_organisation_not_in_review_is_409_naming_the_state(
    app, db, onboarding, action
):
    response = onboarding.decide(action, "because")
    assert response.status_code == 409
    assert response.get_json()["errors"]["state"] == ["unverified"]
    assert _count(db, VerificationEvent) == 0


def test_unknown_decisions_and_organisations(app, db, onboarding):
    assert onboarding.decide("submit").status_code == 422
    assert onboarding.decide("start_review", organisation_id=999999).status_code == 404


def test_organisation_tokens_cannot_review_and_reviewers_cannot_submit(app, db, onboarding):
    response = onboarding.call("GET", "/review/organisations", onboarding.org_api)
    assert response.status_code == 403
    other = onboarding.call(
        "POST", f"/organisations/{onboarding.organisation.id}/verification", onboarding.review_api
    )
    assert other.status_code in (403, 404)


def test_members_who_are_not_admins_cannot_submit(app, db, onboarding):
    member = factories.user(db)
    organisation = db.get(Organisation, onboarding.organisation.id)
    organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.commit()
    onboarding.org_api = bearer(app, db, organisation, ["org:read", "org:write"], member)
    assert onboarding.submit().status_code == 403


def _verified(onboarding) -> None:
    onboarding.submit()
    onboarding.decide("start_review")
    onboarding.decide("approve")


def test_changing_the_legal_name_sends_it_back_to_review_keeping_history(app, db, onboarding):
    _verified(onboarding)
    path = f"/organisations/{onboarding.organisation.id}"
    website = onboarding.call("PATCH", path, onboarding.org_api, json={"website": "https://a.cn"})
    assert website.status_code == 200
    assert website.get_json()["verification_state"] == "verified"

    renamed = onboarding.call("PATCH", path, onboarding.org_api, json={"name_en": "New Name Co."})
    assert renamed.status_code == 200, renamed.get_json()
    assert renamed.get_json()["verification_state"] == "submitted"
    history = onboarding.call("GET", f"{path}/verification", onboarding.org_api).get_json()
    assert [r["name_en"] for r in history["requests"]] == [
        "New Name Co.",
        onboarding.organisation.name_en,
    ]
    assert history["requests"][1]["outcome"] == "approved"
    assert history["history"][-1]["action"] == "change_details"
    assert history["history"][-1]["reason"] == "name_en"

    # While the new details are in review, they cannot change again.
    busy = onboarding.call("PATCH", path, onboarding.org_api, json={"name_en": "Third Name"})
    assert busy.status_code == 409
    assert "name_en" in busy.get_json()["errors"]


def test_changing_the_credit_code_is_checked_and_goes_to_review(app, db, onboarding):
    _verified(onboarding)
    path = f"/organisations/{onboarding.organisation.id}"
    bad = onboarding.call("PATCH", path, onboarding.org_api, json={"credit_code": "123"})
    assert bad.status_code == 422
    assert "credit_code" in bad.get_json()["errors"]
    assert _state(db, onboarding.organisation.id) == VerificationState.VERIFIED
    changed = onboarding.call(
        "PATCH", path, onboarding.org_api, json={"credit_code": factories.credit_code()}
    )
    assert changed.get_json()["verification_state"] == "submitted"


def test_directory_lists_only_verified_organisations(app, db, onboarding):
    reader = bearer_reader(app, db)
    names = [row["id"] for row in onboarding.call("GET", "/organisations", reader).get_json()]
    assert onboarding.organisation.id not in names
    _verified(onboarding)
    rows = onboarding.call("GET", "/organisations", reader).get_json()
    mine = [row for row in rows if row["id"] == onboarding.organisation.id]
    assert mine and mine[0]["verified"] is True
    assert all(row["verified"] for row in rows)


def bearer_reader(app, db) -> dict:
    owner = factories.user(db)
    reader = factories.organisation(db, owner)
    db.commit()
    return bearer(app, db, reader, ["catalog:read"], owner)


def test_the_file_sweep_keeps_business_licence_scans(app, db, onboarding):
    onboarding.submit()
    store = app.extensions["files"]
    key = db.scalar(sa.select(VerificationRequest.licence_storage_key))
    old = (utcnow() - timedelta(hours=48)).timestamp()
    os.utime(store.root / key, (old, old))
    report = filesweep.sweep(db, store, utcnow() - timedelta(hours=24))
    db.commit()
    assert report.removed == []
    assert store.exists(key)


def test_verification_mail_tells_the_time_in_china_standard_time(app, db, onboarding):
    assert onboarding.submit().status_code == 201
    _drain(app)
    (mail,) = [m for m in _mails(app) if m["To"] == onboarding.owner.email]
    body = mail.get_payload(decode=True).decode()
    assert "中国标准时间" in body and "+00:00" not in body


def test_a_legal_change_of_an_organisation_verified_before_submissions_has_no_licence_to_open(
    app, db
):
    # Verified with no submission recorded (as seeded organisations are): its legal change
    # opens a submission holding no scan, which a reviewer asks for rather than a 500.
    onboarding = make_onboarding(app, db)
    verified = db.get(Organisation, onboarding.organisation.id)
    verified.verification_state, verified.verified_at = VerificationState.VERIFIED, utcnow()
    db.commit()
    path = f"/organisations/{onboarding.organisation.id}"
    renamed = onboarding.call("PATCH", path, onboarding.org_api, json={"name_en": "New Name Co."})
    assert renamed.status_code == 200, renamed.get_json()
    request_id = db.scalar(
        sa.select(sa.func.max(VerificationRequest.id)).where(
            VerificationRequest.organisation_id == onboarding.organisation.id
        )
    )
    db.rollback()  # no read transaction held while the app answers
    opened = onboarding.call(
        "GET", f"/review/verification-requests/{request_id}/licence", onboarding.review_api
    )
    assert opened.status_code == 404
    assert list(opened.get_json()["errors"]) == ["licence"]


def test_an_owner_reading_traditional_is_mailed_the_decision_in_traditional(app, db, onboarding):
    owner = db.get(type(onboarding.owner), onboarding.owner.id)
    owner.locale = "zh_Hant"
    db.commit()
    onboarding.submit()
    onboarding.decide("start_review")
    assert onboarding.decide("approve").status_code == 200
    _drain(app)
    [approved] = [
        mail
        for mail in _mails(app)
        if mail["To"] == onboarding.owner.email and "verified" in mail["Subject"]
    ]
    subject = str(email.header.make_header(email.header.decode_header(approved["Subject"])))
    assert subject.startswith("企業認證已通過")
    body = approved.get_payload(decode=True).decode()
    assert f"{onboarding.organisation.name_zh}：企業認證已通過" in body


def test_a_new_organisations_answer_names_submitting_evidence_as_its_next_step(onboarding):
    path = f"/organisations/{onboarding.organisation.id}"
    organisation = onboarding.call("GET", path, onboarding.org_api).get_json()
    assert organisation["verification_state"] == "unverified"
    verification = onboarding.call("GET", f"{path}/verification", onboarding.org_api).get_json()
    assert verification["allowed_actions"] == ["submit"]
