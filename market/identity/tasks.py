"""Identity's outbox work: the mail that confirms an address and the password reset mail."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from market.hant import to_traditional
from market.mail import Mail

CONFIRMATION_BODY = """\
{name}，您好：

请打开以下链接确认您的邮箱地址，确认后即可创建或加入机构：
Please open this link to confirm your e-mail address; then you can create or join an
organisation:

{link}

链接 {days} 天内有效，仅可使用一次。 The link is valid for {days} days and works once.
如果您没有注册数交账户，请忽略此邮件。 If you did not sign up for Shujiao, ignore this mail.
"""

RESET_BODY = """\
{name}，您好：

请打开以下链接设置新密码；设置后，您在所有设备上的登录都将结束：
Open this link to choose a new password; afterwards every session of yours ends:

{link}

链接 {minutes} 分钟内有效，仅可使用一次。 The link is valid for {minutes} minutes and works once.
如果您没有申请重置密码，请忽略此邮件，您的密码不会改变。
If you did not ask for this, ignore this mail: your password stays as it is.
"""


def handlers(app: Flask) -> dict:
    """Outbox handlers by topic, bound to the app's mailer and settings."""
    mailer = app.extensions["mailer"]
    days = max(1, app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 86400)
    minutes = max(1, app.config["PASSWORD_RESET_MAX_AGE"] // 60)

    def send_confirmation(_session: Session, payload: dict) -> None:
        subject, body = "确认您的邮箱地址 · Confirm your e-mail address", CONFIRMATION_BODY
        if payload.get("locale") == "zh_Hant":  # the words only: the name stays as typed
            subject, body = to_traditional(subject), to_traditional(body)
        mailer.send(Mail(to=payload["to"], subject=subject, body=body.format(days=days, **payload)))

    def send_reset(_session: Session, payload: dict) -> None:
        mailer.send(
            Mail(
                to=payload["to"],
                subject="重置密码 · Reset your password",
                body=RESET_BODY.format(minutes=minutes, **payload),
            )
        )

    return {"mail.email_confirmation": send_confirmation, "mail.password_reset": send_reset}
