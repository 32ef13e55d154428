"""Compliance review (合規審查) of listing revisions: the reviewer's checklist and decision.

The checklist: how personal information is handled (none, de-identified, or a lawful basis),
whether the data is important data (asked of a mainland provider only: 重要数据 is a mainland
category), and — when the terms allow cross-border use of a mainland
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


def _refuse(found: dict[str, str]) -> None:
    """Every rule broken, at once (the first as the error, the rest beside it)."""
    if found:
        (field, message), *rest = found.items()
        raise InvalidInput(message, field=field, **{name: [text] for name, text in rest})


# What each pathway's evidence is, asked by name when a pathway that has one is chosen without
# it; an exemption has no filing or approval number, so it is never asked for one.
EVIDENCE_NEEDED = {
    CrossBorderPathway.STANDARD_CONTRACT: N_(
        "Record the filing number of the standard contract (the evidence of this pathway)."
    ),
    CrossBorderPathway.CERTIFICATION: N_(
        "Record the number of the personal information protection certificate (the "
        "evidence of this pathway)."
    ),
    CrossBorderPathway.SECURITY_ASSESSMENT: N_(
        "Record the approval number of the CAC security assessment (the evidence of this pathway)."
    ),
}


NOT_MAINLAND_IMPORTANT_DATA = N_(
    "Important data is a category of mainland China's data security rules: the provider is "
    "registered outside mainland China, so none is recorded."
)
NOT_MAINLAND_PATHWAY = N_(
    "The provider is registered outside mainland China: its data does not leave the "
    "mainland, so no export pathway is recorded."
)


def _mainland_only_errors(revision: ListingRevision, data: dict) -> dict[str, str]:
    """Important data (重要数据) and the export pathway (数据出境) are categories of the
    mainland's data rules, never asked of a provider registered elsewhere (its data does not
    leave the mainland: ``Listing.is_outbound``): a finding sent for one is refused, whatever
    the decision, so that no review of such a listing records one."""
    if revision.listing.is_outbound:
        return {}
    messages = {
        "important_data": NOT_MAINLAND_IMPORTANT_DATA,
        "important_data_note": NOT_MAINLAND_IMPORTANT_DATA,
        "cross_border_pathway": NOT_MAINLAND_PATHWAY,
        "cross_border_evidence": NOT_MAINLAND_PATHWAY,
    }
    return {name: message for name, message in messages.items() if data.get(name)}


def _checklist_errors(revision: ListingRevision, data: dict) -> dict[str, str]:
    asset = revision.listing.asset
    errors: dict[str, str] = {}
    handling = data["personal_info"]
    if handling == PersonalInfoHandling.NONE and asset.personal_info in (
        PersonalInfo.PERSONAL,
        PersonalInfo.SENSITIVE,
    ):
        errors["personal_info"] = N_(
            "The asset declares personal information: record how it is handled."
        )
    if handling == PersonalInfoHandling.LAWFUL_BASIS and not data.get("personal_info_note"):
        errors["personal_info_note"] = N_("Record the lawful basis.")
    if not revision.listing.is_outbound:
        # The provider is outside the mainland: neither important data nor the mainland's
        # export pathway applies or is recorded.
        errors.update(_mainland_only_errors(revision, data))
        return errors
    if data.get("important_data") is None:
        errors["important_data"] = N_("Say whether the data is important data.")
    elif data["important_data"] and not data.get("important_data_note"):
        errors["important_data_note"] = N_("Record why and how important data is handled.")
    if not revision.terms["cross_border"]:
        return errors
    errors.update(_pathway_errors(data, asset.personal_info))
    return errors


def _pathway_errors(data: dict, personal_info: PersonalInfo) -> dict[str, str]:
    """What the chosen export pathway lacks, and only that: no pathway is asked for alone
    (whether evidence is needed depends on which), a pathway that does not apply is refused
    without asking for its evidence, and evidence is asked by the name the pathway gives it."""
    pathway = data.get("cross_border_pathway")
    if pathway is None:
        return {
            "cross_border_pathway": N_(
                "The terms allow cross-border use: record the export pathway."
            )
        }
    if data.get("important_data") and pathway != CrossBorderPathway.SECURITY_ASSESSMENT:
        return {
            "cross_border_pathway": N_(
                "Important data leaves the mainland only after a CAC security assessment."
            )
        }
    if personal_info == PersonalInfo.SENSITIVE and pathway == CrossBorderPathway.EXEMPT:
        return {
            "cross_border_pathway": N_(
                "Sensitive personal information is not exempt from the cross-border rules."
            )
        }
    if pathway in EVIDENCE_NEEDED and not data.get("cross_border_evidence"):
        return {"cross_border_evidence": EVIDENCE_NEEDED[pathway]}
    return {}


def _check_valuation(session: Session, revision: ListingRevision) -> None:
    """A cited valuation report must be final and still match the hash in the registry log."""
    if not revision.valuation_report_number:
        return
    report = valuation_reports.final_report(session, revision.valuation_report_number)
    if report is None or not valuation_reports.verify(session, report):
        raise InvalidInput(
            N_("The cited valuation report is not final or does not verify."),
            field="valuation_report_number",
        )


def decide(
    session: Session, listing: Listing, reviewer: User, data: dict, now: datetime
) -> ComplianceReview:
    """Record the checklist and decide the revision in review: approve (it goes on sale) or
    request changes (with a reason)."""
    revision = listing.latest_revision
    if revision.state != RevisionState.IN_REVIEW:
        raise Conflict(N_("This listing has no revision waiting for review."))
    approving = data["decision"] == ReviewDecision.APPROVED
    reason = visible_text(data.get("reason")) or ""
    if approving:
        _refuse(_checklist_errors(revision, data))
        _check_valuation(session, revision)
    else:
        missing = {} if reason else {"reason": N_("Give a reason for this decision.")}
        _refuse({**missing, **_mainland_only_errors(revision, data)})
    review = ComplianceReview(
        revision=revision,
        reviewer_id=reviewer.id,
        decision=data["decision"],
        personal_info=data["personal_info"],
        personal_info_note=data.get("personal_info_note"),
        important_data=bool(data.get("important_data")),
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
