"""What the registry tells organisations about their claims (in the app and by mail, through
the listings domain's notification service, which the registry may not import): the claimant
on approval into public notice, a request for information, rejection, an objection and its
outcome, failure and the certificate; the objector of the outcome of its objection; a claimant
or certificate holder when another organisation claims the same content, and again when that
claim enters its public notice (the time to object).

Each is an outbox message (``TOPIC``) written in the caller's transaction, with the texts in
Chinese and English as of the event; the listings worker turns it into a notification.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from market import outbox
from market.registry.models import Claim, ClaimState, Objection, ObjectionState
from market.registry.states import Action

TOPIC = "registry.news"


def _tell(session: Session, organisation_id: int, kind: str, zh: str, en: str, link: str) -> None:
    outbox.enqueue(
        session,
        TOPIC,
        {"organisation_id": organisation_id, "kind": kind, "zh": zh, "en": en, "link": link},
    )


def _names(claim: Claim) -> tuple[str, str]:
    return (
        f"确权申请 #{claim.id}（「{claim.asset.title_zh}」）",
        f"rights claim #{claim.id} (“{claim.asset.title_en}”)",
    )


def _held(claim: Claim) -> tuple[str, str]:
    """What another organisation holds: its certificate once issued, else its claim."""
    if claim.state == ClaimState.CERTIFIED and claim.certificate is not None:
        number = claim.certificate.number
        return f"登记证书 {number}", f"certificate {number}"
    return _names(claim)


# What a move means to the claimant: (kind, Chinese, English), {reason} filled in.
MOVES = {
    Action.APPROVE: (
        "claim.approved",
        "{zh}已通过审核，进入公示，公示期满且无异议成立后颁发证书",
        "Your {en} was approved and is in public notice; the certificate follows when the "
        "notice ends without an upheld objection",
    ),
    Action.REQUEST_INFO: (
        "claim.info_requested",
        "{zh}需要补充材料：{reason}",
        "Your {en} needs more information: {reason}",
    ),
    Action.REJECT: (
        "claim.rejected",
        "{zh}未通过审核：{reason}",
        "Your {en} was rejected: {reason}",
    ),
    Action.UPHOLD_OBJECTION: (
        "claim.failed",
        "{zh}的异议成立，确权未通过：{reason}",
        "An objection to your {en} was upheld; the claim failed: {reason}",
    ),
    Action.ISSUE_CERTIFICATE: (
        "claim.certified",
        "{zh}公示期满，登记证书已颁发",
        "Your {en} completed its public notice; the certificate is issued",
    ),
}


def claim_moved(session: Session, claim: Claim, action: Action, reason: str | None) -> None:
    """Tell the claimant what a reviewer (or the clock) did to its claim."""
    if action not in MOVES:
        return
    kind, zh, en = MOVES[action]
    zh_name, en_name = _names(claim)
    values = {"zh": zh_name, "en": en_name, "reason": reason or ""}
    _tell(
        session, claim.organisation_id, kind, zh.format(**values),
        en.format(**values)[:1].upper() + en.format(**values)[1:],
        f"/registry/claims/{claim.id}",
    )  # fmt: skip


def objection_filed(session: Session, claim: Claim) -> None:
    """Tell the claimant that its claim in public notice was objected to."""
    zh_name, en_name = _names(claim)
    _tell(
        session, claim.organisation_id, "claim.objected",
        f"{zh_name}在公示期内收到异议，审核员将作出处理",
        f"An objection was filed against your {en_name} during its public notice; a reviewer "
        "will decide it",
        f"/registry/claims/{claim.id}",
    )  # fmt: skip


def conflict_found(session: Session, claim: Claim, other: Claim) -> None:
    """Tell the organisation behind ``other`` (a claim or a certificate) that ``claim``, of
    another organisation, covers the same content."""
    zh_name, en_name = _held(other)
    claimant_zh, claimant_en = claim.organisation.name_zh, claim.organisation.name_en
    _tell(
        session, other.organisation_id, "claim.conflict",
        f"{claimant_zh} 就与您的{zh_name}相同的内容提交了确权申请（#{claim.id}），审核员将比对处理；"
        "如有异议，可在公示期内提出",
        f"{claimant_en} filed a rights claim (#{claim.id}) on content matching your {en_name}; "
        "a reviewer will compare them, and you may object during its public notice",
        f"/registry/claims/{other.id}",
    )  # fmt: skip


CHINA = timezone(timedelta(hours=8))


def _until(moment: datetime) -> tuple[str, str]:
    """The end of a notice in China Standard Time, written out in each language."""
    text = moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return f"{text}（中国标准时间）", f"{text} China Standard Time"


def conflict_in_notice(session: Session, claim: Claim) -> None:
    """``claim`` entered its public notice: tell each other organisation whose claim or
    certificate covers the same content, with the day the time to object ends."""
    zh_until, en_until = _until(claim.notice_ends_at)
    claimant_zh, claimant_en = claim.organisation.name_zh, claim.organisation.name_en
    told = set()
    for conflict in claim.conflicts:
        other = conflict.other_claim
        if other.organisation_id in told or other.organisation_id == claim.organisation_id:
            continue
        told.add(other.organisation_id)
        zh_name, en_name = _held(other)
        _tell(
            session, other.organisation_id, "claim.conflict_in_notice",
            f"{claimant_zh} 就与您的{zh_name}相同内容的确权申请（#{claim.id}）已进入公示，"
            f"公示期至 {zh_until}；如有异议，请在此之前提出",
            f"{claimant_en}'s rights claim (#{claim.id}) on content matching your {en_name} is "
            f"in public notice until {en_until}; file any objection before then",
            f"/notices/{claim.id}",
        )  # fmt: skip


def objection_decided(session: Session, objection: Objection) -> None:
    """Tell the objector how its objection was decided, and the claimant when one was
    dismissed (an upheld one fails the claim, which :func:`claim_moved` tells)."""
    claim = objection.claim
    zh_name, en_name = _names(claim)
    reason = objection.decision_reason or ""
    if objection.state == ObjectionState.UPHELD:
        zh, en = "成立，确权未通过", "upheld; the claim failed"
    else:
        zh, en = "被驳回，公示继续", "dismissed; the public notice carries on"
    # A failed claim leaves the notice board; the board is where the objector looks then.
    link = "/notices" if objection.state == ObjectionState.UPHELD else f"/notices/{claim.id}"
    _tell(
        session, objection.organisation_id, f"objection.{objection.state.value}",
        f"您对{zh_name}提出的异议{zh}：{reason}",
        f"Your objection to {en_name} was {en}: {reason}",
        link,
    )  # fmt: skip
    if objection.state == ObjectionState.DISMISSED:
        _tell(
            session, claim.organisation_id, "claim.objection_dismissed",
            f"针对{zh_name}的异议被驳回，公示继续：{reason}",
            f"An objection to your {en_name} was dismissed; the public notice carries on: "
            f"{reason}",
            f"/registry/claims/{claim.id}",
        )  # fmt: skip
