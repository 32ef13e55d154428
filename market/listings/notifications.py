"""Notifications: in the app (per organisation) and by mail to its owners and admins.

The row and a ``mail.notification`` outbox message are written in the caller's transaction;
the worker mails it after commit, through the app's mailer (console or file sink by default).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import outbox
from market.errors import NotFound
from market.hant import sentence_to_traditional
from market.identity.models import MemberRole, Membership, User
from market.listings.models import Notification
from market.mail import Mail, Mailer
from market.text import N_

TOPIC = "mail.notification"


def notify(
    session: Session,
    organisation_id: int,
    kind: str,
    subject: dict,
    link: str | None,
    now: datetime,
) -> Notification:
    """Tell an organisation something (``subject`` in ``zh`` and ``en``); mailed after commit."""
    notification = Notification(
        organisation_id=organisation_id, kind=kind, subject=subject, link=link, created_at=now
    )
    session.add(notification)
    session.flush()
    outbox.enqueue(session, TOPIC, {"notification_id": notification.id})
    return notification


def for_organisation(organisation_id: int, unread_only: bool = False) -> sa.Select:
    """An organisation's notifications, newest first."""
    statement = sa.select(Notification).where(Notification.organisation_id == organisation_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement.order_by(Notification.id.desc())


def mark_read(session: Session, organisation_id: int, notification_id: int, now: datetime):
    """Mark one of the organisation's notifications read."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.organisation_id != organisation_id:
        raise NotFound(N_("No such notification."))
    notification.read_at = notification.read_at or now
    return notification


def send_mail(session: Session, mailer: Mailer, base_url: str, payload: dict) -> int:
    """Outbox handler: mail a notification to its organisation's owners and admins."""
    notification = session.get(Notification, payload["notification_id"])
    if notification is None:
        return 0
    recipients = session.execute(
        sa.select(User.email, User.locale)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == notification.organisation_id,
            Membership.role.in_([MemberRole.OWNER, MemberRole.ADMIN]),
            User.is_active,
        )
        .order_by(User.id)
    ).all()
    link = f"{base_url.rstrip('/')}{notification.link}" if notification.link else ""
    items = "".join(
        f"- {item['zh']} / {item['en']}\n" for item in notification.subject.get("items", [])
    )
    for email, locale in recipients:
        # The recipient's language first (Chinese unless they chose English), the other below;
        # a reader of Traditional Chinese gets the exchange's words in Traditional.
        first, second = ("en", "zh") if (locale or "zh").startswith("en") else ("zh", "en")
        subject = dict(notification.subject)
        if locale == "zh_Hant":
            subject["zh"] = sentence_to_traditional(subject["zh"])
        body = f"{subject[first]}\n{subject[second]}\n\n{items}"
        if subject.get("note"):  # people's own words (a provider's delivery note), as typed
            body += f"{subject['note']}\n\n"
        body += f"\n{link}\n" if items else f"{link}\n"
        mailer.send(Mail(to=email, subject=subject[first], body=body))
    return len(recipients)
