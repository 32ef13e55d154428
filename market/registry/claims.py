"""Rights claims (確權): drafts, the workflow moves, evidence, conflicts and objections.

Every move goes through :func:`move`, which consults the table in ``states``, records a
:class:`ClaimEvent` (who, when, why) and appends the move to the registry log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from market import outbox
from market.errors import Conflict, InvalidInput, PermissionDenied
from market.fields import visible_text
from market.files import FileStore
from market.identity.models import User
from market.registry import chain, news
from market.registry.assets import Upload, store_upload
from market.registry.models import (
    CULTURAL_RIGHTS,
    DATA_RIGHTS,
    Asset,
    AssetFile,
    AssetKind,
    AssetVersion,
    Claim,
    ClaimConflict,
    ClaimEvent,
    ClaimState,
    Evidence,
    Objection,
    ObjectionState,
    SourceKind,
)
from market.registry.states import ACTIVE, NEEDS_REASON, REVIEW_DECISIONS, Action, Actor, next_state
from market.text import N_

# Working days are counted in China Standard Time (no daylight saving), Monday to Friday.
CHINA = timezone(timedelta(hours=8), "CST")
EDITABLE = frozenset({ClaimState.DRAFT, ClaimState.INFO_REQUESTED})


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` working days (Saturdays and Sundays skipped).

    Public holidays are not modelled yet; see docs/registry.md.
    """
    moment = start.astimezone(CHINA)
    counted = 0
    while counted < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            counted += 1
    return moment.astimezone(UTC)


def _check_rights(asset: Asset, data: dict) -> None:
    allowed = CULTURAL_RIGHTS if AssetKind(asset.kind).is_cultural else DATA_RIGHTS
    rights = set(data.get("rights") or [])
    if not rights:
        raise InvalidInput(N_("Name at least one right."), field="rights")
    if not rights <= allowed:
        raise InvalidInput(
            N_("These rights do not apply to this kind of asset."),
            field="rights",
            allowed=sorted(allowed),
        )
    if data.get("source") == SourceKind.DERIVED and not data.get("source_references"):
        raise InvalidInput(
            N_("A derived asset must name the assets it derives from."), field="source_references"
        )


def _version(asset: Asset, number: int | None) -> AssetVersion:
    if number is None:
        if asset.latest_version is None:
            raise InvalidInput(
                N_("Upload the asset's files before claiming rights."), field="version"
            )
        return asset.latest_version
    for version in asset.versions:
        if version.number == number:
            return version
    raise InvalidInput(N_("The asset has no such version."), field="version")


def create_claim(session: Session, asset: Asset, user: User, data: dict, now: datetime) -> Claim:
    """A draft claim on a version of ``asset`` (the latest unless ``data['version']``)."""
    data = dict(data)
    version = _version(asset, data.pop("version", None))
    _check_rights(asset, data)
    _check_not_claimed(session, asset.organisation_id, version.id, data["rights"], None)
    claim = Claim(
        asset=asset,
        version=version,
        organisation_id=asset.organisation_id,
        rights=sorted(str(right) for right in data["rights"]),
        source=data["source"],
        source_note=data.get("source_note"),
        source_references=list(data.get("source_references") or []),
        state=ClaimState.DRAFT,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(claim)
    session.flush()
    return claim


def update_claim(session: Session, claim: Claim, data: dict, now: datetime) -> Claim:
    """Change a draft, or a claim asked for more information (e.g. point at a newer version)."""
    if claim.state not in EDITABLE:
        raise Conflict(N_("The claim can be changed only as a draft or when asked for more."))
    data = dict(data)
    if "version" in data:
        claim.version = _version(claim.asset, data.pop("version"))
    merged = {
        "rights": claim.rights,
        "source": claim.source,
        "source_references": claim.source_references,
    } | data
    _check_rights(claim.asset, merged)
    claim.rights = sorted(str(right) for right in merged["rights"])
    claim.source = merged["source"]
    claim.source_references = list(merged.get("source_references") or [])
    if "source_note" in data:
        claim.source_note = data["source_note"]
    claim.updated_at = now
    session.flush()
    return claim


def move(
    session: Session,
    claim: Claim,
    action: Action,
    actor: Actor,
    user: User | None,
    reason: str | None,
    now: datetime,
) -> ClaimEvent:
    """Make one move of the state machine, recording who, when and why, and log it."""
    target = next_state(claim.state, action, actor)
    reason = visible_text(reason)
    if action in NEEDS_REASON and not reason:
        raise InvalidInput(N_("Give a reason for this decision."), field="reason")
    event = ClaimEvent(
        claim=claim,
        action=action.value,
        from_state=claim.state,
        to_state=target,
        actor=actor.value,
        user_id=user.id if user else None,
        reason=reason,
        at=now,
    )
    session.add(event)
    claim.state = target
    claim.updated_at = now
    chain.append(
        session,
        f"claim.{action.value}",
        {
            "claim_id": claim.id,
            "asset_id": claim.asset_id,
            "organisation_id": claim.organisation_id,
            "fingerprint": claim.version.fingerprint,
            "from": event.from_state.value,
            "to": target.value,
            "actor": actor.value,
            "user_id": event.user_id,
            "reason": reason,
        },
        now,
    )
    news.claim_moved(session, claim, action, reason)
    return event


def add_evidence(
    session: Session,
    store: FileStore,
    claim: Claim,
    user: User,
    upload: Upload,
    max_bytes: int,
    now: datetime,
    objection: Objection | None = None,
) -> Evidence:
    """Store an evidence document for a claim (while it can still change) or an objection."""
    if objection is None and claim.state not in EDITABLE:
        raise Conflict(N_("Evidence can be added only to a draft or when asked for more."))
    name, media_type, stored = store_upload(store, upload, max_bytes, "evidence")
    evidence = Evidence(
        claim_id=claim.id,
        objection_id=objection.id if objection else None,
        name=name,
        media_type=media_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_by_id=user.id,
        uploaded_at=now,
    )
    session.add(evidence)
    session.flush()
    return evidence


def _has_evidence(session: Session, claim: Claim) -> bool:
    return bool(
        session.scalar(
            sa.select(Evidence.id).where(
                Evidence.claim_id == claim.id, Evidence.objection_id.is_(None)
            )
        )
    )


def _check_not_claimed(
    session: Session, organisation_id: int, version_id: int, rights, claim_id: int | None
) -> None:
    # One organisation has one active claim per right on a version: a second one would run
    # beside the first through review, notice and certification.
    wanted = {str(right) for right in rights}
    for other in session.scalars(
        sa.select(Claim).where(
            Claim.organisation_id == organisation_id,
            Claim.version_id == version_id,
            Claim.state.in_(ACTIVE),
            Claim.id != (claim_id or 0),
        )
    ):
        if wanted & set(other.rights):
            raise Conflict(
                N_(
                    "Your organisation already has an active claim on these rights of this version."
                ),
                field="rights",
                claim_id=[other.id],
            )


def submit(session: Session, claim: Claim, user: User, now: datetime) -> ClaimEvent:
    """File a draft for review (it needs at least one evidence document); flags conflicts."""
    if not _has_evidence(session, claim):
        raise InvalidInput(N_("Attach at least one evidence document."), field="evidence")
    _check_not_claimed(session, claim.organisation_id, claim.version_id, claim.rights, claim.id)
    event = move(session, claim, Action.SUBMIT, Actor.PROVIDER, user, None, now)
    detect_conflicts(session, claim, now)
    return event


def resubmit(
    session: Session, claim: Claim, user: User, reason: str | None, now: datetime
) -> ClaimEvent:
    """Answer a request for more information; conflicts are looked for again."""
    event = move(session, claim, Action.RESUBMIT, Actor.PROVIDER, user, reason, now)
    detect_conflicts(session, claim, now)
    return event


def withdraw(
    session: Session, claim: Claim, user: User, reason: str | None, now: datetime
) -> ClaimEvent:
    """Withdraw a claim before a decision."""
    return move(session, claim, Action.WITHDRAW, Actor.PROVIDER, user, reason, now)


def decide(
    session: Session,
    claim: Claim,
    reviewer: User,
    action: Action,
    reason: str | None,
    now: datetime,
    notice_working_days: int,
    acknowledge_conflicts: bool = False,
) -> ClaimEvent:
    """A reviewer's move: start review, approve (public notice begins), reject, ask for more.

    A claim on content another organisation also claims (or holds a certificate for) is
    approved only with ``acknowledge_conflicts`` and a reason saying why it stands."""
    if action not in REVIEW_DECISIONS:
        raise InvalidInput(N_("Not a review decision."), field="action")
    next_state(claim.state, action, Actor.REVIEWER)  # an illegal move is refused first (409)
    if action == Action.APPROVE and has_conflicts(session, claim):
        if not acknowledge_conflicts:
            raise InvalidInput(
                N_(
                    "This claim conflicts with another organisation's: acknowledge the conflict "
                    "to approve it."
                ),
                field="acknowledge_conflicts",
            )
        if not (reason or "").strip():
            raise InvalidInput(
                N_("Say why this claim stands despite the conflict."), field="reason"
            )
    event = move(session, claim, action, Actor.REVIEWER, reviewer, reason, now)
    if action == Action.APPROVE:
        claim.notice_starts_at = now
        claim.notice_ends_at = add_working_days(now, notice_working_days)
        # The worker issues the certificate once the notice is over (if no objection holds).
        message = outbox.enqueue(session, ISSUE_DUE_TOPIC, {"claim_id": claim.id})
        message.available_at = claim.notice_ends_at
        news.conflict_in_notice(session, claim)
    return event


ISSUE_DUE_TOPIC = "registry.issue_due"


def has_conflicts(session: Session, claim: Claim) -> bool:
    """Whether another organisation's claim was flagged on the same content as this one."""
    return (
        session.scalar(
            sa.select(ClaimConflict.id).where(ClaimConflict.claim_id == claim.id).limit(1)
        )
        is not None
    )


def detect_conflicts(session: Session, claim: Claim, now: datetime) -> list[ClaimConflict]:
    """Flag other organisations' active claims on the same fingerprint or any same file.

    Both claims get a flag, so whichever a reviewer opens shows the other side by side.
    """
    version = claim.version
    hashes = {file.sha256 for file in version.files}
    other = aliased(Claim)
    other_version = aliased(AssetVersion)
    base = (
        sa.select(other.id, other_version.fingerprint)
        .join(other_version, other.version_id == other_version.id)
        .where(other.organisation_id != claim.organisation_id, other.state.in_(ACTIVE))
    )
    # (other claim, hash) -> kind; a one-file version's fingerprint is its file's hash.
    found: dict[tuple[int, str], str] = {}
    for other_id, _fingerprint in session.execute(
        base.where(other_version.fingerprint == version.fingerprint)
    ):
        found[(other_id, version.fingerprint)] = "fingerprint"
    shared = session.execute(
        sa.select(other.id, AssetFile.sha256)
        .join(other_version, other.version_id == other_version.id)
        .join(AssetFile, AssetFile.version_id == other_version.id)
        .where(
            other.organisation_id != claim.organisation_id,
            other.state.in_(ACTIVE),
            AssetFile.sha256.in_(hashes),
        )
        .distinct()
    )
    for other_id, sha256 in shared:
        found.setdefault((other_id, sha256), "file")
    existing = {
        (row.claim_id, row.other_claim_id, row.sha256)
        for row in session.scalars(
            sa.select(ClaimConflict).where(
                sa.or_(ClaimConflict.claim_id == claim.id, ClaimConflict.other_claim_id == claim.id)
            )
        )
    }
    added = []
    told = set()
    for (other_id, sha256), kind in sorted(found.items()):
        for mine, theirs in ((claim.id, other_id), (other_id, claim.id)):
            if (mine, theirs, sha256) in existing:
                continue
            row = ClaimConflict(
                claim_id=mine, other_claim_id=theirs, kind=kind, sha256=sha256, found_at=now
            )
            session.add(row)
            added.append(row)
            if mine == claim.id and other_id not in told:
                told.add(other_id)
                news.conflict_found(session, claim, session.get(Claim, other_id))
    session.flush()
    return added


def file_objection(
    session: Session,
    store: FileStore,
    claim: Claim,
    organisation_id: int,
    user: User,
    reasons: str,
    uploads: list[Upload],
    max_bytes: int,
    now: datetime,
) -> Objection:
    """Object to a claim during its public notice, with reasons and evidence documents."""
    if claim.state != ClaimState.PUBLIC_NOTICE or now >= claim.notice_ends_at:
        raise Conflict(N_("Objections can be filed only while the claim is in public notice."))
    if organisation_id == claim.organisation_id:
        raise PermissionDenied(
            N_("An organisation cannot object to its own claim."), action=["object"]
        )
    if not reasons.strip():
        raise InvalidInput(N_("Give the reasons for the objection."), field="reasons")
    objection = Objection(
        claim=claim,
        organisation_id=organisation_id,
        filed_by_id=user.id,
        reasons=reasons.strip(),
        state=ObjectionState.OPEN,
        filed_at=now,
    )
    session.add(objection)
    session.flush()
    for upload in uploads:
        add_evidence(session, store, claim, user, upload, max_bytes, now, objection=objection)
    news.objection_filed(session, claim)
    chain.append(
        session,
        "objection.filed",
        {
            "objection_id": objection.id,
            "claim_id": claim.id,
            "organisation_id": organisation_id,
            "user_id": user.id,
        },
        now,
    )
    return objection


def decide_objection(
    session: Session,
    objection: Objection,
    reviewer: User,
    uphold: bool,
    reason: str | None,
    now: datetime,
) -> Objection:
    """Uphold an objection (the claim fails) or dismiss it (the notice carries on)."""
    if objection.state != ObjectionState.OPEN:
        raise Conflict(N_("This objection has already been decided."))
    reason = visible_text(reason) or ""
    if not reason:
        raise InvalidInput(N_("Give a reason for this decision."), field="reason")
    claim = objection.claim
    if uphold:
        move(session, claim, Action.UPHOLD_OBJECTION, Actor.REVIEWER, reviewer, reason, now)
        for other in claim.objections:
            if other is not objection and other.state == ObjectionState.OPEN:
                other.state = ObjectionState.MOOT
                other.decided_at = now
    objection.state = ObjectionState.UPHELD if uphold else ObjectionState.DISMISSED
    if not uphold and now >= claim.notice_ends_at:
        # The notice ran out while this objection was open: issuing waited for this decision.
        outbox.enqueue(session, ISSUE_DUE_TOPIC, {"claim_id": claim.id})
    objection.decided_by_id = reviewer.id
    objection.decided_at = now
    objection.decision_reason = reason
    news.objection_decided(session, objection)
    chain.append(
        session,
        f"objection.{objection.state.value}",
        {
            "objection_id": objection.id,
            "claim_id": claim.id,
            "user_id": reviewer.id,
            "reason": reason,
        },
        now,
    )
    session.flush()
    return objection
