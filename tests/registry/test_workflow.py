"""The claim workflow through the services: evidence, notice, objections, certificates,
conflicts on shared content."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from market import worker
from market.errors import Conflict, InvalidInput, PermissionDenied
from market.registry import certificates, claims
from market.registry.models import (
    Certificate,
    CertificateStatus,
    ClaimConflict,
    ClaimState,
    ObjectionState,
)
from market.registry.states import Action
from tests.registry import factories as rf


def test_submit_needs_evidence(db, store):
    organisation, user = rf.provider(db)
    asset = rf.asset(db, organisation, user)
    rf.version(db, store, asset, user)
    claim = claims.create_claim(
        db, asset, user, {"rights": ["holding"], "source": "self_collected"}, rf.MONDAY
    )
    with pytest.raises(InvalidInput) as raised:
        claims.submit(db, claim, user, rf.MONDAY)
    assert raised.value.field == "evidence"
    assert claim.state == ClaimState.DRAFT


def test_cultural_assets_take_copyright_not_the_three_rights(db, store):
    organisation, user = rf.provider(db)
    asset = rf.asset(db, organisation, user, kind="image", industry="culture_tourism")
    rf.version(db, store, asset, user, {"mural.png": b"\x89PNG\r\n\x1a\nxxxx"})
    with pytest.raises(InvalidInput) as raised:
        claims.create_claim(
            db, asset, user, {"rights": ["holding"], "source": "self_collected"}, rf.MONDAY
        )
    assert raised.value.field == "rights"


@pytest.mark.parametrize(
    ("approved", "ends"),
    [
        # Monday 10:00 in Shenzhen -> the next Monday 10:00.
        (datetime(2026, 3, 2, 2, 0, tzinfo=UTC), datetime(2026, 3, 9, 2, 0, tzinfo=UTC)),
        # Friday 10:00 -> the next Friday.
        (datetime(2026, 3, 6, 2, 0, tzinfo=UTC), datetime(2026, 3, 13, 2, 0, tzinfo=UTC)),
        # Saturday 10:00 -> Friday 10:00 (Monday is the first working day).
        (datetime(2026, 3, 7, 2, 0, tzinfo=UTC), datetime(2026, 3, 13, 2, 0, tzinfo=UTC)),
        # Friday 23:30 in Shenzhen is still Friday UTC 15:30 -> next Friday.
        (datetime(2026, 3, 6, 15, 30, tzinfo=UTC), datetime(2026, 3, 13, 15, 30, tzinfo=UTC)),
    ],
)
def test_notice_lasts_five_working_days(approved, ends):
    assert claims.add_working_days(approved, 5) == ends


def test_approval_starts_the_notice(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff, notice_days=3)
    assert claim.notice_starts_at == rf.MONDAY
    assert claim.notice_ends_at == rf.MONDAY + timedelta(days=3)


def test_certificate_issued_once_the_notice_ends(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    assert (
        certificates.issue_due_certificates(db, claim.notice_ends_at - timedelta(seconds=1)) == []
    )
    issued = certificates.issue_due_certificates(db, claim.notice_ends_at)
    assert [c.claim_id for c in issued] == [claim.id]
    certificate = issued[0]
    assert certificate.number == f"SZDX-{claim.notice_ends_at.year}-000001"
    assert certificate.fingerprint == claim.version.fingerprint
    assert certificate.rights == ["holding", "processing_use"]
    assert claim.state == ClaimState.CERTIFIED
    assert certificates.issue_due_certificates(db, claim.notice_ends_at + timedelta(days=1)) == []


def test_numbers_count_up_per_year(db, store, staff):
    first = rf.advance(db, rf.draft(db, store), ClaimState.CERTIFIED, staff)
    second = rf.advance(db, rf.draft(db, store), ClaimState.CERTIFIED, staff)
    assert first.certificate.number.endswith("-000001")
    assert second.certificate.number.endswith("-000002")
    assert certificates.allocate_number(db, 2031) == "SZDX-2031-000001"


def test_a_new_certificate_supersedes_the_old_one_for_the_asset(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.CERTIFIED, staff)
    user = rf.user_of(claim)
    rf.version(db, store, claim.asset, user)
    newer = claims.create_claim(
        db, claim.asset, user, {"rights": ["holding"], "source": "self_collected"}, rf.MONDAY
    )
    claims.add_evidence(
        db, store, newer, user, rf.Upload("e.pdf", rf.io.BytesIO(rf.PDF)), rf.MAX_BYTES, rf.MONDAY
    )
    rf.advance(db, newer, ClaimState.CERTIFIED, staff)
    assert claim.certificate.status == CertificateStatus.SUPERSEDED
    assert newer.certificate.status == CertificateStatus.VALID


def test_revoke_twice_is_a_conflict(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.CERTIFIED, staff)
    certificates.revoke(db, claim.certificate, staff, "forged evidence", rf.MONDAY)
    with pytest.raises(Conflict):
        certificates.revoke(db, claim.certificate, staff, "again", rf.MONDAY)
    assert claim.certificate.status_reason == "forged evidence"


def _objector(db):
    organisation, user = rf.provider(db)
    return organisation, user


def test_objection_after_the_notice_ended_is_refused(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    organisation, user = _objector(db)
    with pytest.raises(Conflict):
        claims.file_objection(
            db,
            store,
            claim,
            organisation.id,
            user,
            "too late",
            [],
            rf.MAX_BYTES,
            claim.notice_ends_at,
        )
    assert claim.objections == []


def test_objecting_to_your_own_claim_is_refused(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    with pytest.raises(PermissionDenied):
        claims.file_objection(
            db,
            store,
            claim,
            claim.organisation_id,
            rf.user_of(claim),
            "mine",
            [],
            rf.MAX_BYTES,
            rf.MONDAY,
        )


def test_upheld_objection_fails_the_claim(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    organisation, user = _objector(db)
    evidence = [rf.Upload("contract.pdf", rf.io.BytesIO(rf.PDF))]
    first = claims.file_objection(
        db,
        store,
        claim,
        organisation.id,
        user,
        "we collected this",
        evidence,
        rf.MAX_BYTES,
        rf.MONDAY,
    )
    second = claims.file_objection(
        db, store, claim, organisation.id, user, "also this", [], rf.MAX_BYTES, rf.MONDAY
    )
    assert [e.name for e in first.evidence] == ["contract.pdf"]
    claims.decide_objection(db, first, staff, True, "the contract shows it", rf.MONDAY)
    assert claim.state == ClaimState.FAILED
    assert (first.state, second.state) == (ObjectionState.UPHELD, ObjectionState.MOOT)
    assert certificates.issue_due_certificates(db, claim.notice_ends_at) == []
    with pytest.raises(Conflict):
        claims.decide_objection(db, first, staff, False, "changed my mind", rf.MONDAY)


def test_open_objection_holds_the_certificate_until_dismissed(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    organisation, user = _objector(db)
    objection = claims.file_objection(
        db, store, claim, organisation.id, user, "not theirs", [], rf.MAX_BYTES, rf.MONDAY
    )
    later = claim.notice_ends_at + timedelta(days=1)
    assert certificates.issue_due_certificates(db, later) == []
    claims.decide_objection(db, objection, staff, False, "no evidence given", later)
    assert [c.claim_id for c in certificates.issue_due_certificates(db, later)] == [claim.id]


def test_shared_file_flags_both_claims(db, store, staff):
    shared = rf.csv("city,riders\n深圳,100\n")
    first = rf.advance(
        db, rf.draft(db, store, files={"a.csv": shared}), ClaimState.SUBMITTED, staff
    )
    second = rf.draft(db, store, files={"b.csv": shared, "extra.csv": rf.csv()})
    rf.advance(db, second, ClaimState.SUBMITTED, staff)
    sha = rf.hashlib.sha256(shared).hexdigest()
    flags = db.execute(
        sa.select(
            ClaimConflict.claim_id,
            ClaimConflict.other_claim_id,
            ClaimConflict.kind,
            ClaimConflict.sha256,
        )
    ).all()
    assert set(flags) == {(second.id, first.id, "file", sha), (first.id, second.id, "file", sha)}


def test_same_fingerprint_is_a_fingerprint_conflict(db, store, staff):
    files = {"data.csv": rf.csv(), "more.csv": rf.csv()}
    first = rf.advance(db, rf.draft(db, store, files=files), ClaimState.SUBMITTED, staff)
    second = rf.advance(db, rf.draft(db, store, files=files), ClaimState.SUBMITTED, staff)
    kinds = {row.kind for row in second.conflicts}
    assert kinds == {"fingerprint", "file"}
    assert {row.other_claim_id for row in second.conflicts} == {first.id}


def test_no_conflict_with_your_own_or_withdrawn_claims(db, store, staff):
    files = {"data.csv": rf.csv()}
    organisation, user = rf.provider(db)
    rf.advance(
        db, rf.draft(db, store, organisation, user, files=files), ClaimState.SUBMITTED, staff
    )
    withdrawn = rf.draft(db, store, files=files)
    claims.withdraw(db, withdrawn, rf.user_of(withdrawn), None, rf.MONDAY)
    mine = rf.advance(
        db, rf.draft(db, store, organisation, user, files=files), ClaimState.SUBMITTED, staff
    )
    assert mine.conflicts == []


def test_certificate_checks_files_by_hash(db, store, staff):
    content = rf.csv()
    claim = rf.advance(
        db, rf.draft(db, store, files={"d.csv": content}), ClaimState.CERTIFIED, staff
    )
    certificate = db.scalar(sa.select(Certificate))
    sha = rf.hashlib.sha256(content).hexdigest()
    assert certificates.file_in_certificate(db, certificate, sha).name == "d.csv"
    assert certificates.file_in_certificate(db, certificate, "0" * 64) is None
    assert claim.certificate is certificate


def test_request_info_then_resubmit_goes_back_to_review(db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.UNDER_REVIEW, staff)
    claims.decide(db, claim, staff, Action.REQUEST_INFO, "attach the licence", rf.MONDAY, 5)
    user = rf.user_of(claim)
    claims.add_evidence(
        db,
        store,
        claim,
        user,
        rf.Upload("licence2.pdf", rf.io.BytesIO(rf.PDF)),
        rf.MAX_BYTES,
        rf.MONDAY,
    )
    claims.resubmit(db, claim, user, "attached", rf.MONDAY)
    claims.decide(db, claim, staff, Action.START_REVIEW, None, rf.MONDAY, 5)
    assert [e.action for e in claim.events] == [
        "submit",
        "start_review",
        "request_info",
        "resubmit",
        "start_review",
    ]
    assert len(claim.evidence) == 2


def test_the_worker_issues_the_certificate_when_the_notice_ends(app, db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    db.commit()
    assert claim.notice_ends_at < datetime.now(UTC)  # the factory's notice began in the past
    while worker.run_once(app):
        pass
    db.expire_all()
    assert db.get(type(claim), claim.id).state == ClaimState.CERTIFIED
    assert db.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_the_worker_waits_for_the_notice_to_end(app, db, store, staff):
    now = datetime.now(UTC)
    claim = rf.advance(db, rf.draft(db, store, now=now), ClaimState.PUBLIC_NOTICE, staff, now=now)
    db.commit()
    while worker.run_once(app):  # the claimant's notice and its mail go; the issuing waits
        pass
    db.expire_all()
    assert db.get(type(claim), claim.id).state == ClaimState.PUBLIC_NOTICE
