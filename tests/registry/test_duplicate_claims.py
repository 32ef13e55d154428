"""One organisation, one active claim per right on an asset version."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from market.errors import Conflict
from market.registry import claims
from market.registry.assets import Upload
from market.registry.models import Claim, ClaimState, Right, SourceKind
from tests.registry import factories as rf


def _second(db, claim, rights):
    return claims.create_claim(
        db,
        claim.asset,
        rf.user_of(claim),
        {"rights": rights, "source": SourceKind.SELF_COLLECTED, "version": claim.version.number},
        rf.MONDAY,
    )


def test_a_second_claim_while_the_first_is_in_public_notice_is_refused(db, store, staff):
    first = rf.draft(db, store)
    rf.advance(db, first, ClaimState.PUBLIC_NOTICE, staff)
    with pytest.raises(Conflict) as refused:
        _second(db, first, [Right.HOLDING])
    assert refused.value.field == "rights"
    assert refused.value.errors["claim_id"] == [first.id]
    assert db.scalar(sa.select(sa.func.count()).select_from(Claim)) == 1


def test_two_drafts_cannot_both_be_submitted(db, store, staff):
    first = rf.draft(db, store)
    second = _second(db, first, [Right.PROCESSING_USE])
    claims.add_evidence(
        db, store, second, rf.user_of(first), Upload("e.pdf", io.BytesIO(rf.PDF)), rf.MAX_BYTES,
        rf.MONDAY,
    )  # fmt: skip
    claims.submit(db, first, rf.user_of(first), rf.MONDAY)
    with pytest.raises(Conflict):
        claims.submit(db, second, rf.user_of(first), rf.MONDAY)
    assert second.state == ClaimState.DRAFT


def test_other_rights_or_a_withdrawn_claim_leave_room(db, store, staff):
    first = rf.draft(db, store, rights=[Right.HOLDING])
    rf.advance(db, first, ClaimState.PUBLIC_NOTICE, staff)
    other_right = _second(db, first, [Right.PRODUCT_OPERATION])
    assert other_right.state == ClaimState.DRAFT
    withdrawn = rf.draft(db, store)
    claims.withdraw(db, withdrawn, rf.user_of(withdrawn), None, rf.MONDAY)
    assert _second(db, withdrawn, [Right.HOLDING]).state == ClaimState.DRAFT
