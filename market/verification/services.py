"""Verification services: submit evidence, review it, suspend and lift, re-review on change.

Every function takes the caller's session and never commits. Each move is recorded as a
:class:`VerificationEvent` and mailed to the organisation's owners through the outbox.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import outbox
from market.errors import Conflict, InvalidInput, NotFound
from market.fields import visible_text
from market.files import FileStore
from market.identity.models import Organisation, User, VerificationState
from market.identity.services import normalise_organisation
from market.listings import indexing
from market.listings.models import Listing, ListingStatus
from market.registry import filetypes
from market.registry.assets import Upload, store_upload
from market.text import N_
from market.trading.models import Order
from market.trading.states import FINISHED, LIVE
from market.verification import evidence
from market.verification.models import VerificationEvent, VerificationRequest
from market.verification.states import (
    NEEDS_REASON,
    REVIEW_DECISIONS,
    STANDING_DECISIONS,
    Action,
    Actor,
    next_state,
)

MAIL_TOPIC = "mail.verification"
# A business licence scan: a PDF or a photograph.
LICENCE_TYPES = ("pdf", "jpg", "jpeg", "png")
# Changing any of these on a verified organisation sends it back to review.
LEGAL_FIELDS = ("name_zh", "name_en", "credit_code", "jurisdiction")
PROFILE_FIELDS = (*LEGAL_FIELDS, "registration_number", "website", "description")
EVIDENCE_FIELDS = (
    "legal_representative",
    "registered_address",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def latest_request(session: Session, organisation_id: int) -> VerificationRequest | None:
    """The organisation's most recent submission, if any."""
    return session.scalar(
        sa.select(VerificationRequest)
        .where(VerificationRequest.organisation_id == organisation_id)
        .order_by(VerificationRequest.id.desc())
        .limit(1)
    )


def _move(
    session: Session,
    organisation: Organisation,
    action: Action,
    actor: Actor,
    user: User | None,
    reason: str | None,
    now: datetime,
    request: VerificationRequest | None = None,
) -> VerificationEvent:
    """Make one move of the state machine, record it and mail the owners after commit."""
    target = next_state(organisation.verification_state, action, actor)
    reason = visible_text(reason)
    if action in NEEDS_REASON and not reason:
        raise InvalidInput(N_("Give a reason for this decision."), field="reason")
    event = VerificationEvent(
        organisation_id=organisation.id,
        request_id=request.id if request else None,
        action=action.value,
        from_state=organisation.verification_state,
        to_state=target,
        actor=actor.value,
        user_id=user.id if user else None,
        reason=reason,
        at=now,
    )
    session.add(event)
    organisation.verification_state = target
    session.flush()
    outbox.enqueue(session, MAIL_TOPIC, {"event_id": event.id})
    return event


def _check_registration(organisation: Organisation, registration_number: str | None) -> None:
    # Mainland organisations are identified by their (already checked) credit code; the rest
    # by their own jurisdiction's registration number.
    if not organisation.is_mainland and not (registration_number or "").strip():
        raise InvalidInput(
            N_("Organisations outside the mainland must give their registration number."),
            field="registration_number",
        )


def check_submission(organisation: Organisation, data: dict, licence: Upload | None) -> None:
    """The checks of :func:`submit` that need no database: whether the organisation may submit
    now, its registration number and the licence scan's file type. A view runs them before it
    stores the scan (outside its transaction), so a refused submission stores nothing."""
    next_state(organisation.verification_state, Action.SUBMIT, Actor.ORGANISATION)
    _check_registration(
        organisation, data.get("registration_number") or organisation.registration_number
    )
    if licence is not None and filetypes.extension(licence.name or "") not in LICENCE_TYPES:
        raise InvalidInput(
            evidence.words(organisation.jurisdiction).licence_type,
            field="licence",
            accepted=list(LICENCE_TYPES),
        )


def submit(
    session: Session,
    store: FileStore,
    organisation: Organisation,
    user: User,
    data: dict,
    licence: Upload | None,
    max_bytes: int,
    now: datetime,
) -> VerificationRequest:
    """Submit (or resubmit) evidence for review.

    ``data`` holds the legal representative, registered address, authorised contact and, for
    organisations outside the mainland, ``registration_number``. Without a new ``licence`` a
    resubmission keeps the previous scan. Every check runs before the file is stored; a view
    stores it first, outside its transaction, once :func:`check_submission` has passed.
    """
    check_submission(organisation, data, licence)
    registration_number = data.get("registration_number") or organisation.registration_number
    previous = latest_request(session, organisation.id)
    if licence is None:
        if previous is None:
            missing = evidence.words(organisation.jurisdiction).licence_missing
            raise InvalidInput(missing, field="licence")
        name, media_type = previous.licence_name, previous.licence_media_type
        size, sha256, key = (
            previous.licence_size,
            previous.licence_sha256,
            previous.licence_storage_key,
        )
    else:
        name, media_type, stored = store_upload(store, licence, max_bytes, "licence")
        size, sha256, key = stored.size, stored.sha256, stored.key
    if not organisation.is_mainland:
        organisation.registration_number = registration_number.strip()
    request = VerificationRequest(
        organisation_id=organisation.id,
        name_zh=organisation.name_zh,
        name_en=organisation.name_en,
        jurisdiction=organisation.jurisdiction,
        credit_code=organisation.credit_code,
        registration_number=organisation.registration_number,
        **{field: data[field].strip() for field in EVIDENCE_FIELDS},
        licence_name=name,
        licence_media_type=media_type,
        licence_size=size,
        licence_sha256=sha256,
        licence_storage_key=key,
        submitted_by_id=user.id,
        submitted_at=now,
    )
    session.add(request)
    session.flush()
    _move(session, organisation, Action.SUBMIT, Actor.ORGANISATION, user, None, now, request)
    return request


def decide(
    session: Session,
    organisation: Organisation,
    reviewer: User,
    action: Action,
    reason: str | None,
    now: datetime,
    acknowledge_open_orders: bool = False,
) -> VerificationEvent:
    """A reviewer's move: start review, approve, reject, ask for more, suspend or lift.

    Suspending an organisation with open orders needs ``acknowledge_open_orders``: the orders
    and their money stay where they are, and staff should know that they do.
    """
    if action not in (*REVIEW_DECISIONS, *STANDING_DECISIONS):
        raise InvalidInput(N_("Not a verification decision."), field="action")
    request = latest_request(session, organisation.id)
    if action == Action.SUSPEND and not acknowledge_open_orders:
        count = open_orders(session, organisation.id)
        if count:
            raise Conflict(
                N_("This organisation has open orders; confirm that they stay as they are."),
                field="acknowledge_open_orders",
                open_orders=[count],
            )
    event = _move(session, organisation, action, Actor.REVIEWER, reviewer, reason, now, request)
    if action in (Action.APPROVE, Action.REJECT, Action.REQUEST_INFO) and request is not None:
        request.outcome = {
            Action.APPROVE: "approved",
            Action.REJECT: "rejected",
            Action.REQUEST_INFO: "info_requested",
        }[action]
        request.decided_by_id = reviewer.id
        request.decided_at = now
        request.decision_reason = event.reason
    if action == Action.APPROVE:
        organisation.verified_at = now
    if action in STANDING_DECISIONS:
        _reindex_listings(session, organisation.id)
    return event


def open_orders(session: Session, organisation_id: int) -> int:
    """How many not yet finished orders the organisation has, as buyer or provider."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Order)
        .where(
            sa.or_(
                Order.buyer_organisation_id == organisation_id,
                Order.provider_organisation_id == organisation_id,
            ),
            Order.status.in_(LIVE - FINISHED),
        )
    )


def _reindex_listings(session: Session, organisation_id: int) -> None:
    # Suspension hides the organisation's listings from search; lifting it shows them again.
    for listing_id in session.scalars(
        sa.select(Listing.id).where(
            Listing.organisation_id == organisation_id, Listing.status == ListingStatus.PUBLISHED
        )
    ):
        indexing.enqueue(session, listing_id)


def update_profile(
    session: Session, organisation: Organisation, user: User, data: dict, now: datetime
) -> Organisation:
    """Change an organisation's profile; new legal details on a verified one go to review.

    The old submission stays in the history; the new one reuses its evidence with the new
    details. Legal details cannot change while a review is under way or under suspension.
    """
    merged = {field: getattr(organisation, field) for field in PROFILE_FIELDS}
    merged.update({key: value for key, value in data.items() if key in PROFILE_FIELDS})
    merged = normalise_organisation(merged)
    changed = [field for field in LEGAL_FIELDS if merged[field] != getattr(organisation, field)]
    state = organisation.verification_state
    if changed and state not in (
        VerificationState.UNVERIFIED,
        VerificationState.REJECTED,
        VerificationState.INFO_REQUESTED,
        VerificationState.VERIFIED,
    ):
        raise Conflict(
            N_("Legal details cannot change while verification is under review or suspended."),
            field=changed[0],
            state=[state.value],
        )
    if merged["credit_code"] and merged["credit_code"] != organisation.credit_code:
        taken = session.scalar(
            sa.select(Organisation.id).where(
                Organisation.credit_code == merged["credit_code"],
                Organisation.id != organisation.id,
            )
        )
        if taken:
            raise Conflict(
                N_("An organisation with this credit code is registered."), field="credit_code"
            )
    if not merged["registration_number"] and merged["jurisdiction"] != organisation.jurisdiction:
        _check_registration(
            Organisation(jurisdiction=merged["jurisdiction"]), merged["registration_number"]
        )
    for field, value in merged.items():
        setattr(organisation, field, value)
    if changed and state == VerificationState.VERIFIED:
        previous = latest_request(session, organisation.id)
        request = VerificationRequest(
            organisation_id=organisation.id,
            name_zh=organisation.name_zh,
            name_en=organisation.name_en,
            jurisdiction=organisation.jurisdiction,
            credit_code=organisation.credit_code,
            registration_number=organisation.registration_number,
            **_carried_evidence(previous),
            submitted_by_id=user.id,
            submitted_at=now,
        )
        session.add(request)
        session.flush()
        reason = ", ".join(changed)
        _move(
            session,
            organisation,
            Action.CHANGE_DETAILS,
            Actor.ORGANISATION,
            user,
            reason,
            now,
            request,
        )
    session.flush()
    return organisation


def _carried_evidence(previous: VerificationRequest | None) -> dict:
    fields = (*EVIDENCE_FIELDS, "licence_name", "licence_media_type", "licence_size")
    fields = (*fields, "licence_sha256", "licence_storage_key")
    if previous is None:
        # Verified before submissions were recorded (seeded): reviewers ask for evidence.
        blank = dict.fromkeys(fields, "")
        blank["licence_size"] = 0
        return blank
    return {field: getattr(previous, field) for field in fields}


def organisation_for_review(session: Session, organisation_id: int) -> Organisation:
    """Any organisation except the exchange itself, for staff; NotFound otherwise."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.is_operator:
        raise NotFound(N_("No such organisation."))
    return organisation


def review_queue(state: VerificationState | None = None) -> sa.Select:
    """Organisations waiting for a reviewer (or in ``state``), oldest submission first."""
    waiting = (
        sa.select(
            VerificationRequest.organisation_id,
            sa.func.max(VerificationRequest.submitted_at).label("submitted_at"),
        )
        .group_by(VerificationRequest.organisation_id)
        .subquery()
    )
    states = [state] if state else [VerificationState.SUBMITTED, VerificationState.UNDER_REVIEW]
    return (
        sa.select(Organisation)
        .outerjoin(waiting, waiting.c.organisation_id == Organisation.id)
        .where(Organisation.verification_state.in_(states), Organisation.is_operator.is_(False))
        .order_by(waiting.c.submitted_at, Organisation.id)
    )


def history(session: Session, organisation_id: int) -> list[VerificationEvent]:
    """Every move of an organisation's verification, oldest first."""
    return list(
        session.scalars(
            sa.select(VerificationEvent)
            .where(VerificationEvent.organisation_id == organisation_id)
            .order_by(VerificationEvent.id)
        )
    )


def requests(session: Session, organisation_id: int) -> list[VerificationRequest]:
    """Every submission of an organisation, newest first."""
    return list(
        session.scalars(
            sa.select(VerificationRequest)
            .where(VerificationRequest.organisation_id == organisation_id)
            .order_by(VerificationRequest.id.desc())
        )
    )


def request_or_404(session: Session, request_id: int) -> VerificationRequest:
    """A submission, or NotFound."""
    request = session.get(VerificationRequest, request_id)
    if request is None:
        raise NotFound(N_("No such verification request."))
    return request


def licence_of(session: Session, request_id: int) -> VerificationRequest:
    """A submission that holds a licence scan, or NotFound naming ``licence`` (a legal change
    of an organisation verified before submissions were recorded carries none)."""
    request = request_or_404(session, request_id)
    if not request.licence_storage_key:
        raise NotFound(N_("This submission holds no licence scan."), field="licence")
    return request


def verified_directory() -> sa.Select:
    """The public directory: verified organisations only, by name."""
    return (
        sa.select(Organisation)
        .where(Organisation.verification_state == VerificationState.VERIFIED)
        .order_by(Organisation.name_en, Organisation.id)
    )
