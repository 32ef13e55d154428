"""Verification's work for ``shujiao worker``: mail each decision to the organisation's owners."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import Flask
from sqlalchemy.orm import Session

from market.hant import to_traditional
from market.identity.models import MemberRole, Membership, Organisation, User
from market.mail import Mail, Mailer
from market.outbox import Handler
from market.verification.models import VerificationEvent
from market.verification.services import MAIL_TOPIC

SUBJECTS = {
    "submit": ("已提交企业认证材料", "Verification evidence submitted"),
    "start_review": ("企业认证审核已开始", "Verification review started"),
    "approve": ("企业认证已通过", "Your organisation is verified"),
    "reject": ("企业认证未通过", "Verification rejected"),
    "request_info": ("企业认证需要补充材料", "More information needed for verification"),
    "suspend": ("机构已被暂停", "Your organisation is suspended"),
    "lift": ("机构暂停已解除", "Your organisation's suspension is lifted"),
    "change_details": ("法定信息变更，重新审核", "Legal details changed: back to review"),
}

BODY = """\
{name_zh}：{subject_zh}
{name_en}: {subject_en}
{reason}
{when} · {who}

{link}
"""


def mail_time(moment: datetime, zone: str) -> str:
    """A moment as both readers of the mail read it, in the exchange's zone
    (``2026-11-30 09:16 中国标准时间 / China Standard Time``)."""
    tz = ZoneInfo(zone)
    local = format_datetime(moment, "yyyy-MM-dd HH:mm", tzinfo=tz, locale="zh_CN")
    names = [format_datetime(moment, "zzzz", tzinfo=tz, locale=lang) for lang in ("zh_CN", "en")]
    return f"{local} {names[0]} / {names[1]}"


def send_decision(
    session: Session, mailer: Mailer, base_url: str, payload: dict, zone: str = "Asia/Shanghai"
) -> int:
    """Mail one verification move to the owners of its organisation; how many were mailed."""
    event = session.get(VerificationEvent, payload["event_id"])
    if event is None:
        return 0
    organisation = session.get(Organisation, event.organisation_id)
    owners = session.execute(
        sa.select(User.email, User.locale)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.role == MemberRole.OWNER,
            User.is_active,
        )
        .order_by(User.id)
    ).all()
    subject_en = SUBJECTS[event.action][1]
    for email, locale in owners:
        # A reader of Traditional Chinese gets the exchange's words in Traditional; the names
        # and the reviewer's reason stay as typed.
        words = to_traditional if locale == "zh_Hant" else str
        subject_zh = words(SUBJECTS[event.action][0])
        body = BODY.format(
            name_zh=organisation.name_zh,
            name_en=organisation.name_en,
            subject_zh=subject_zh,
            subject_en=subject_en,
            reason=f"\n{words('理由')} / Reason: {event.reason}\n" if event.reason else "",
            when=mail_time(event.at, zone),
            who=event.user.name if event.user else "",
            link=f"{base_url.rstrip('/')}/organisations/{organisation.id}",
        )
        mailer.send(Mail(to=email, subject=f"{subject_zh} · {subject_en}", body=body))
    return len(owners)


def handlers(app: Flask) -> dict[str, Handler]:
    """Outbox handlers by topic."""

    def mail(session: Session, payload: dict) -> None:
        send_decision(
            session, app.extensions["mailer"], app.config["BASE_URL"], payload,
            app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai",
        )  # fmt: skip

    return {MAIL_TOPIC: mail}
