"""Registry factories: assets, versions and claims arranged through the real services."""

from __future__ import annotations

import hashlib  # noqa: F401 - re-exported for tests
import io
import itertools
from datetime import UTC, datetime, timedelta

from market.identity.models import StaffRole
from market.registry import assets, certificates, claims
from market.registry.assets import Upload
from market.registry.models import AssetKind, ClaimState, Industry, Right, SourceKind
from market.registry.states import Action
from tests import factories

# A Monday, 10:00 in Shenzhen.
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
MAX_BYTES = 1024 * 1024
_serial = itertools.count(1)


def csv(text: str | None = None) -> bytes:
    """A small, distinct CSV file."""
    return (text or f"id,value\n{next(_serial)},{next(_serial)}\n").encode()


PDF = b"%PDF-1.7\n% evidence\n"


def provider(session):
    """``(organisation, owner)`` of a verified provider."""
    owner = factories.user(session)
    return factories.organisation(session, owner), owner


def reviewer(session):
    """A user with the reviewer staff role."""
    return factories.user(session, staff=(StaffRole.REVIEWER,), name="Reviewer")


def asset(session, organisation, user, kind=AssetKind.DATASET, **data):
    """An asset with minimal metadata."""
    fields = {
        "kind": kind,
        "title_zh": "深圳公交客流数据",
        "title_en": "Shenzhen bus ridership",
        "industry": Industry.TRANSPORT,
        "keywords": ["公交", "bus"],
    }
    fields.update(data)
    return assets.create_asset(session, organisation.id, user, fields)


def version(session, store, asset_, user, files=None, now=MONDAY):
    """A new version of ``asset_`` with ``files`` (name -> bytes; one fresh CSV by default)."""
    files = files or {"data.csv": csv()}
    uploads = [Upload(name, io.BytesIO(content)) for name, content in files.items()]
    return assets.add_version(session, store, asset_, user, uploads, MAX_BYTES, now)


def draft(session, store, organisation=None, user=None, files=None, now=MONDAY, rights=None):
    """A draft claim with one evidence document, on a new asset of ``organisation``."""
    if organisation is None:
        organisation, user = provider(session)
    created = asset(session, organisation, user)
    version(session, store, created, user, files, now)
    claim = claims.create_claim(
        session,
        created,
        user,
        {
            "rights": rights or [Right.HOLDING, Right.PROCESSING_USE],
            "source": SourceKind.SELF_COLLECTED,
        },
        now,
    )
    claims.add_evidence(
        session, store, claim, user, Upload("licence.pdf", io.BytesIO(PDF)), MAX_BYTES, now
    )
    return claim


def user_of(claim):
    """The member who created a claim."""
    return claim.organisation.memberships[0].user


def advance(session, claim, target: ClaimState, staff, now=MONDAY, notice_days=5):
    """Drive ``claim`` through the real services from where it is until it reaches ``target``."""
    user = user_of(claim)
    steps = [
        (ClaimState.SUBMITTED, lambda: claims.submit(session, claim, user, now)),
        (
            ClaimState.UNDER_REVIEW,
            lambda: claims.decide(
                session, claim, staff, Action.START_REVIEW, None, now, notice_days
            ),
        ),
        (
            ClaimState.PUBLIC_NOTICE,
            lambda: claims.decide(session, claim, staff, Action.APPROVE, "ok", now, notice_days),
        ),
        (
            ClaimState.CERTIFIED,
            lambda: certificates.issue(session, claim, now + timedelta(days=30)),
        ),
    ]
    order = [state for state, _ in steps]
    current = order.index(claim.state) if claim.state in order else -1
    for _state, step in steps[current + 1 : order.index(target) + 1]:
        step()
    session.flush()
    return claim
