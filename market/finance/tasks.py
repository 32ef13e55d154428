"""Finance's work for ``shujiao worker``: mail organisation owners about payee account changes;
build reports too large for a request."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from market.db import utcnow
from market.errors import DomainError
from market.finance import report_builds
from market.finance.payees import MAIL_TOPIC
from market.mail import Mail
from market.outbox import Handler

PAYEE_SUBJECT = {
    "requested": "收款账户变更待确认 · A change of payee account is waiting for confirmation",
    "confirmed": "收款账户已变更 · Your payee account was changed",
}

PAYEE_BODY = """\
{organisation_zh} 的收款账户{what_zh}：
{account_name} · {bank_name} · {account_number}
如非贵方申请，请立即联系交易所财务部。

The payee account of {organisation_en} {what_en}:
{account_name} · {bank_name} · {account_number}
If your organisation did not ask for this, contact the exchange's finance team at once.
"""

WHAT = {
    "requested": ("已提交变更，待第二位财务人员确认", "was entered and waits for a second check"),
    "confirmed": ("已确认变更，此后付款将汇入该账户", "was confirmed; payouts now go to it"),
}


def handlers(app: Flask) -> dict[str, Handler]:
    """Outbox handlers by topic."""
    mailer = app.extensions["mailer"]

    def payee_mail(_session: Session, payload: dict) -> None:
        what_zh, what_en = WHAT[payload["event"]]
        mailer.send(
            Mail(
                to=payload["to"],
                subject=PAYEE_SUBJECT[payload["event"]],
                body=PAYEE_BODY.format(what_zh=what_zh, what_en=what_en, **payload),
            )
        )

    def build_report(session: Session, payload: dict) -> None:
        try:
            report_builds.run(session, app.extensions["files"], payload["build_id"], utcnow())
        except DomainError as error:
            # Nothing to retry: the request itself cannot be built.
            report_builds.fail(session, payload["build_id"], error.message, utcnow())

    return {MAIL_TOPIC: payee_mail, report_builds.TOPIC: build_report}
