"""Claimants hear what happens to their claims, a holder hears when another organisation
claims the same content, and a conflicting claim is approved only knowingly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from market.errors import InvalidInput
from market.listings.models import Notification
from market.registry import claims
from market.registry.models import ClaimState
from market.registry.states import Action
from tests import factories
from tests.registry import factories as rf

SHARED = rf.csv("stop,riders\n福田,1200\n")


def _told(db, organisation_id: int) -> list[tuple[str, str]]:
    return [
        (row.kind, row.subject["zh"])
        for row in db.scalars(
            sa.select(Notification)
            .where(Notification.organisation_id == organisation_id)
            .order_by(Notification.id)
        )
    ]


def test_the_claimant_is_told_of_approval_objection_and_failure(db, store, staff, drain):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    objector, objector_user = rf.provider(db)
    claims.file_objection(
        db, store, claim, objector.id, objector_user, "这份数据是我们采集的。", [],
        rf.MAX_BYTES, rf.MONDAY,
    )  # fmt: skip
    objection = claim.objections[0]
    claims.decide_objection(db, objection, staff, True, "采集授权书属实", rf.MONDAY)
    db.commit()
    drain()
    kinds = [kind for kind, _ in _told(db, claim.organisation_id)]
    assert kinds == ["claim.approved", "claim.objected", "claim.failed"]
    assert "采集授权书属实" in _told(db, claim.organisation_id)[-1][1]


def test_a_certificate_holder_is_told_when_another_organisation_claims_its_content(
    db, store, staff, drain
):
    holder = rf.advance(
        db, rf.draft(db, store, files={"a.csv": SHARED}), ClaimState.CERTIFIED, staff
    )
    db.commit()
    drain()
    before = len(_told(db, holder.organisation_id))
    rf.advance(db, rf.draft(db, store, files={"b.csv": SHARED}), ClaimState.SUBMITTED, staff)
    db.commit()
    drain()
    news = _told(db, holder.organisation_id)[before:]
    assert [kind for kind, _ in news] == ["claim.conflict"]
    assert holder.certificate.number in news[0][1]


def _conflicting(db, store, staff):
    rf.advance(db, rf.draft(db, store, files={"a.csv": SHARED}), ClaimState.CERTIFIED, staff)
    second = rf.draft(db, store, files={"b.csv": SHARED})
    return rf.advance(db, second, ClaimState.UNDER_REVIEW, staff)


def test_a_conflicting_claim_needs_the_conflict_acknowledged_with_a_reason(db, store, staff):
    claim = _conflicting(db, store, staff)
    with pytest.raises(InvalidInput) as unacknowledged:
        claims.decide(db, claim, staff, Action.APPROVE, "材料齐全", rf.MONDAY, 5)
    assert unacknowledged.value.field == "acknowledge_conflicts"
    with pytest.raises(InvalidInput) as unexplained:
        claims.decide(
            db, claim, staff, Action.APPROVE, " ", rf.MONDAY, 5, acknowledge_conflicts=True
        )
    assert unexplained.value.field == "reason"
    assert claim.state == ClaimState.UNDER_REVIEW
    claims.decide(
        db, claim, staff, Action.APPROVE, "双方为联合采集，协议已附", rf.MONDAY, 5,
        acknowledge_conflicts=True,
    )  # fmt: skip
    assert claim.state == ClaimState.PUBLIC_NOTICE


def test_the_reviewer_page_asks_for_the_acknowledgement(client, db, store, staff):
    claim = _conflicting(db, store, staff)
    db.commit()
    client.log_in(staff.email)
    page = client.get(f"/review/claims/{claim.id}").get_data(as_text=True)
    assert 'name="acknowledge_conflicts"' in page
    path = f"/review/claims/{claim.id}/decision"
    refused = client.submit(path, {"action": "approve", "reason": "材料齐全"}, page=path[:-9])
    assert refused.status_code == 422
    assert 'id="acknowledge_conflicts-error"' in refused.get_data(as_text=True)
    form = {"action": "approve", "reason": "联合采集", "acknowledge_conflicts": "true"}
    assert client.submit(path, form, page=path[:-9]).status_code == 302


def test_the_api_refuses_an_unacknowledged_approval_naming_the_field(app, db, store, staff):
    claim = _conflicting(db, store, staff)
    operator = factories.organisation(db, staff, is_operator=True)
    client_row, secret = factories.api_client(db, operator, ["review:write"], creator=staff)
    db.commit()
    raw = app.test_client()
    token = factories.token(raw, client_row.client_id, secret, "review:write")
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/review/claims/{claim.id}/decisions"
    refused = raw.post(path, json={"action": "approve", "reason": "ok"}, headers=headers)
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["acknowledge_conflicts"]
    body = {"action": "approve", "reason": "联合采集", "acknowledge_conflicts": True}
    assert raw.post(path, json=body, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("uphold", "objector_kind", "claimant_kinds"),
    [
        (True, "objection.upheld", ["claim.approved", "claim.objected", "claim.failed"]),
        (
            False,
            "objection.dismissed",
            ["claim.approved", "claim.objected", "claim.objection_dismissed"],
        ),
    ],
)
def test_both_sides_hear_how_an_objection_was_decided(
    db, store, staff, drain, uphold, objector_kind, claimant_kinds
):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    objector, objector_user = rf.provider(db)
    claims.file_objection(
        db, store, claim, objector.id, objector_user, "这份数据是我们采集的。", [],
        rf.MAX_BYTES, rf.MONDAY,
    )  # fmt: skip
    claims.decide_objection(db, claim.objections[0], staff, uphold, "核对了采集记录", rf.MONDAY)
    db.commit()
    drain()
    # (The notice of a claim whose objection was dismissed may since have run out: certified.)
    assert [kind for kind, _ in _told(db, claim.organisation_id)][:3] == claimant_kinds
    told = _told(db, objector.id)
    assert [kind for kind, _ in told] == [objector_kind]
    assert "核对了采集记录" in told[0][1]


def test_a_certificate_holder_is_told_when_a_conflicting_claim_enters_its_notice(
    db, store, staff, drain
):
    holder = rf.advance(
        db, rf.draft(db, store, files={"a.csv": SHARED}), ClaimState.CERTIFIED, staff
    )
    second = rf.advance(
        db, rf.draft(db, store, files={"b.csv": SHARED}), ClaimState.UNDER_REVIEW, staff
    )
    db.commit()
    drain()
    before = len(_told(db, holder.organisation_id))
    claims.decide(
        db, second, staff, Action.APPROVE, "联合采集", rf.MONDAY, 5, acknowledge_conflicts=True
    )
    db.commit()
    drain()
    news = db.scalars(
        sa.select(Notification)
        .where(Notification.organisation_id == holder.organisation_id)
        .order_by(Notification.id)
    ).all()[before:]
    assert [row.kind for row in news] == ["claim.conflict_in_notice"]
    ends = second.notice_ends_at.astimezone(claims.CHINA).strftime("%Y-%m-%d %H:%M")
    assert holder.certificate.number in news[0].subject["zh"]
    assert f"公示期至 {ends}（中国标准时间）" in news[0].subject["zh"]
    assert f"until {ends} China Standard Time" in news[0].subject["en"]
    assert news[0].link == f"/notices/{second.id}"
