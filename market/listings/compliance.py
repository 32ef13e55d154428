"""Compliance review (合規審查) of listing revisions: the reviewer's checklist and decision.

The checklist: how personal information is handled (none, de-identified, or a lawful basis),
whether the data is important data, and — when the terms allow cross-border use of a mainland
provider's data (``Listing.is_outbound``) — the pathway under the 2024 CAC provisions on
cross-border data flows with its evidence (a filing or approval number); a provider outside
the mainland's data does not leave the mainland, so no pathway is recorded for it. Approval is
refused (422, naming the field) when the terms contradict it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import Conflict, InvalidInput
from market.fields import visible_text
from market.identity.models import User
from market.listings import listings
from market.listings import terms as licence
from market.listings.models import (
    ComplianceReview,
    CrossBorderPathway,
    Listing,
    ListingRevision,
    PersonalInfoHandling,
    ReviewDecision,
    RevisionState,
)
from market.registry.models import PersonalInfo
from market.text import N_
from market.valuation import reports as valuation_reports


def queue(session: Session) -> sa.Select:
    """Revisions waiting for review, oldest submission first."""
    return (
        sa.select(ListingRevision)
        .where(ListingRevision.state == RevisionState.IN_REVIEW)
        .order_by(ListingRevision.submitted_at, ListingRevision.id)
    )


def _check_checklist(revision: ListingRevision, data: dict) -> None:
    """Every rule the checklist breaks, at once (the first as the error, the rest beside it)."""
    found = _checklist_errors(revision, data)
    if found:
        (field, message), *rest = found.items()
        raise InvalidInput(message, field=field, **{name: [text] for name, text in rest})


def _checklist_errors(revision: ListingRevision, data: dict) -> dict[str, str]:
    asset = revision.listing.asset
    errors: dict[str, str] = {}
    handling = data["personal_info"]
    if handling == PersonalInfoHandling.NONE and asset.personal_info in (
        PersonalInfo.PERSONAL,
        PersonalInfo.SENSITIVE,
    ):
        errors["personal_info"] = N_(
            "the asset declares personal information; record how it is handled"
        )
    if handling == PersonalInfoHandling.LAWFUL_BASIS and not data.get("personal_info_note"):
        errors["personal_info_note"] = N_("record the lawful basis")
    if data["important_data"] and not data.get("important_data_note"):
        errors["important_data_note"] = N_("record why and how important data is handled")
    if not revision.listing.is_outbound:
        # The provider is outside the mainland: its data does not leave the mainland, so the
        # mainland's export pathway neither applies nor is recorded.
        for name in ("cross_border_pathway", "cross_border_evidence"):
            if data.get(name):
                errors[name] = N_(
                    "the provider is registered outside mainland China: its data does not "
                    "leave the mainland, so no export pathway is recorded"
                )
        return errors
    if not revision.terms["cross_border"]:
        return errors
    pathway = data.get("cross_border_pathway")
    if pathway is None:
        errors["cross_border_pathway"] = N_(
            "the terms allow cross-border use: record the cross-border pathway"
        )
    elif data["important_data"] and pathway != CrossBorderPathway.SECURITY_ASSESSMENT:
        errors["cross_border_pathway"] = N_(
            "important data leaves the mainland only after a CAC security assessment"
        )
    elif asset.personal_info == PersonalInfo.SENSITIVE and pathway == CrossBorderPathway.EXEMPT:
        errors["cross_border_pathway"] = N_(
            "sensitive personal information is not exempt from the cross-border rules"
        )
    # An exemption has no filing or approval number to record; the other pathways do.
    if pathway != CrossBorderPathway.EXEMPT and not data.get("cross_border_evidence"):
        errors["cross_border_evidence"] = N_(
            "record the evidence of the cross-border pathway (e.g. the filing number)"
        )
    return errors


def _check_valuation(session: Session, revision: ListingRevision) -> None:
    """A cited valuation report must be final and still match the hash in the registry log."""
    if not revision.valuation_report_number:
        return
    report = valuation_reports.final_report(session, revision.valuation_report_number)
    if report is None or not valuation_reports.verify(session, report):
        raise InvalidInput(
            N_("the cited valuation report is not final or does not verify"),
            field="valuation_report_number",
        )


def decide(
    session: Session, listing: Listing, reviewer: User, data: dict, now: datetime
) -> ComplianceReview:
    """Record the checklist and decide the revision in review: approve (it goes on sale) or
    request changes (with a reason)."""
    revision = listing.latest_revision
    if revision.state != RevisionState.IN_REVIEW:
        raise Conflict(N_("this listing has no revision waiting for review"))
    approving = data["decision"] == ReviewDecision.APPROVED
    reason = visible_text(data.get("reason")) or ""
    if approving:
        _check_checklist(revision, data)
        _check_valuation(session, revision)
    elif not reason:
        raise InvalidInput(N_("give a reason for this decision"), field="reason")
    review = ComplianceReview(
        revision=revision,
        reviewer_id=reviewer.id,
        decision=data["decision"],
        personal_info=data["personal_info"],
        personal_info_note=data.get("personal_info_note"),
        important_data=data["important_data"],
        important_data_note=data.get("important_data_note"),
        cross_border_pathway=data.get("cross_border_pathway"),
        cross_border_evidence=data.get("cross_border_evidence"),
        reason=reason or None,
        decided_at=now,
    )
    session.add(review)
    if approving:
        licence.check_cleared(revision.terms, review, outbound=listing.is_outbound, field="terms")
        listings.approve(session, listing, revision, reviewer, now)
    else:
        listings.request_changes(session, listing, revision, reviewer, reason, now)
    session.flush()
    return review
