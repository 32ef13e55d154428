"""Getting Stripe's balance transactions in: pulled from the API page by page, or read from
the itemised balance CSV that Stripe's dashboard exports (``balance_change_from_activity``).

The pull is incremental and resumable: each page is recorded in its own unit of work together
with the id it reached, so a pull that dies resumes after the last page it kept; it stops at a
page whose every line was known before (the history an earlier pull brought in). Stripe's list
pages backwards by ``starting_after``; a server that answers an unknown cursor with the first
page again (localstripe does) would loop for ever, so a page already seen in this pull ends it.
Stripe is never called inside a database transaction.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from ledger.currencies import EXPONENTS
from ledger.periods import closed_between
from market.db import Database, utcnow
from market.errors import InvalidInput
from market.finance import stripe_balance
from market.finance.models import StripeBalanceTransaction, StripeSync
from market.finance.stripe_balance import BalanceLine
from market.payments.gateway import PaymentGateway
from market.text import N_

REQUIRED_COLUMNS = (
    "balance_transaction_id",
    "created_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
)
OPTIONAL_COLUMNS = {
    "source_id": "source_id",
    "charge_id": "charge_id",
    "payment_intent_id": "payment_intent_id",
    "refund_id": "refund_id",
    "dispute_id": "dispute_id",
    "automatic_payout_id": "payout_id",
    "description": "description",
}


def pull(
    database: Database,
    gateway: PaymentGateway,
    *,
    page_size: int = 100,
    pause: float = 0.05,
    progress: Callable[[StripeSync], None] | None = None,
) -> StripeSync:
    """Pull balance transactions newer than what is recorded (resuming an unfinished pull)."""
    with database.unit_of_work() as session:
        run = session.scalar(
            sa.select(StripeSync)
            .where(StripeSync.finished_at.is_(None))
            .order_by(StripeSync.id.desc())
        )
        if run is None:
            run = StripeSync(started_at=utcnow())
            session.add(run)
            session.flush()
        run_id, cursor = run.id, run.cursor
        # Stripe orders lines by their creation second only: lines of one second may come in
        # any order, so a page of known lines ends the pull only once it is older than that.
        newest_known = session.scalar(sa.select(sa.func.max(StripeBalanceTransaction.created)))
    if newest_known is not None and newest_known.tzinfo is None:
        newest_known = newest_known.replace(tzinfo=UTC)
    seen: set[str] = set()
    outcome = "complete"
    while True:
        raw_lines, has_more = gateway.balance_transaction_page(page_size, cursor)
        if not raw_lines:
            break
        ids = [raw["id"] for raw in raw_lines]
        if ids[0] in seen:
            outcome = "stopped: Stripe returned a page already seen (cursor loop)"
            break
        seen.update(ids)
        lines = [stripe_balance.from_api(raw) for raw in raw_lines]
        with database.unit_of_work() as session:
            known = session.scalar(
                sa.select(sa.func.count())
                .select_from(StripeBalanceTransaction)
                .where(StripeBalanceTransaction.stripe_id.in_(ids))
            )
            result = stripe_balance.record(session, lines, "api")
            run = session.get(StripeSync, run_id)
            run.cursor, run.pages = ids[-1], run.pages + 1
            run.lines_new += result.new
            run.lines_known += result.unchanged
            if progress:
                progress(run)
        caught_up = known == len(ids) and (newest_known is None or lines[-1].created < newest_known)
        if caught_up or not has_more:
            break
        cursor = ids[-1]
        time.sleep(pause)
    with database.unit_of_work() as session:
        run = session.get(StripeSync, run_id)
        run.finished_at, run.outcome, run.cursor = utcnow(), outcome, None
        session.flush()
        session.expunge(run)
    return run


def _minor(text: str, currency: str, where: str) -> int:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(N_("this is not an amount"), field=where) from None
    scaled = value.scaleb(EXPONENTS[currency])
    if scaled != scaled.to_integral_value():
        raise InvalidInput(N_("this amount has more decimals than its currency"), field=where)
    return int(scaled)


def _moment(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(N_("this is not a date and time"), field=where) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _day(text: str, where: str) -> date | None:
    if not text.strip():
        return None
    return _moment(text, where).date()


def _currency(text: str, where: str) -> str:
    code = text.strip().upper()
    if code not in EXPONENTS:
        raise InvalidInput(N_("this is not a currency code"), field=where)
    return code


def parse_itemised_csv(data: bytes) -> list[BalanceLine]:
    """Stripe's itemised balance report as lines; any bad value refuses the whole file with
    its line and column named (``lines[<line number>].<column>``)."""
    if b"\x00" in data:
        raise InvalidInput(N_("this is not a text file"), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            N_("Stripe's reports are UTF-8; this file is not"), field="file"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise InvalidInput(
            N_("the file lacks columns of Stripe's itemised balance report"),
            field="file",
            missing=missing,
        )
    lines = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise InvalidInput(
                N_("this line has more cells than the header"), field=f"lines[{number}]"
            )
        where = f"lines[{number}]."
        currency = _currency(row["currency"], where + "currency")
        amounts = {
            name: _minor(row[name], currency, where + name) for name in ("gross", "fee", "net")
        }
        if amounts["gross"] - amounts["fee"] != amounts["net"]:
            raise InvalidInput(N_("gross less fee is not net"), field=where + "net")
        facing = (row.get("customer_facing_currency") or "").strip()
        facing_currency = _currency(facing, where + "customer_facing_currency") if facing else None
        facing_amount = (row.get("customer_facing_amount") or "").strip()
        txn = row["balance_transaction_id"].strip()
        if not txn.startswith("txn_"):
            raise InvalidInput(
                N_("this is not a balance transaction id"), field=where + "balance_transaction_id"
            )
        extra = {
            attribute: (row.get(column) or "").strip() or None
            for column, attribute in OPTIONAL_COLUMNS.items()
        }
        category = row["reporting_category"].strip()
        lines.append(
            BalanceLine(
                id=txn,
                type=category,
                reporting_category=category,
                amount=amounts["gross"],
                fee=amounts["fee"],
                net=amounts["net"],
                currency=currency,
                created=_moment(row["created_utc"], where + "created_utc"),
                available_on=_day(row.get("available_on_utc") or "", where + "available_on_utc"),
                customer_facing_amount=(
                    _minor(facing_amount, facing_currency, where + "customer_facing_amount")
                    if facing_amount and facing_currency
                    else None
                ),
                customer_facing_currency=facing_currency,
                **{
                    key: value[:500] if key == "description" and value else value
                    for key, value in extra.items()
                },
            )
        )
    return lines


def refuse_closed_periods(session, moments: list[tuple[str, datetime]]) -> None:
    """Refuse, naming the line, anything dated inside a closed accounting period."""
    if not moments:
        return
    closed = closed_between(session, min(at for _, at in moments), max(at for _, at in moments))
    for where, at in moments:
        if any(starts <= at < ends for _, starts, ends in closed):
            raise InvalidInput(N_("this line falls in a closed accounting period"), field=where)


def import_csv(session, data: bytes) -> stripe_balance.ImportResult:
    """Parse and record an itemised balance CSV in the caller's unit of work (all or nothing)."""
    lines = parse_itemised_csv(data)
    refuse_closed_periods(session, [(f"lines.{line.id}", line.created) for line in lines])
    return stripe_balance.record(session, lines, "csv")
