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
from datetime import UTC, datetime

import sqlalchemy as sa

from ledger.currencies import EXPONENTS
from ledger.periods import closed_between
from market.db import Database, utcnow
from market.errors import InvalidInput
from market.finance import audit, inputs, stripe_balance
from market.finance.models import StripeBalanceTransaction, StripeSync
from market.finance.stripe_balance import BalanceLine
from market.identity.models import User
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
# Categories whose gross has one sign in Stripe's report.
SIGNED_IN = ("charge", "payment")
SIGNED_OUT = ("refund", "payment_refund")
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
        # A page after a cursor holds only lines older than every line before it: any line seen
        # already means the cursor was lost (lines created meanwhile may head the page again).
        if seen.intersection(ids):
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
            refuse_new_in_closed_periods(
                session, lines, lambda _place, line: f"lines.{line.id}.created"
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
        audit.record(session, "stripe_imported", "stripe", None, run.finished_at, source="api",
                     sync_id=run.id, pages=run.pages, new_lines=run.lines_new,
                     duplicates=run.lines_known, outcome=outcome)  # fmt: skip
        session.flush()
        session.expunge(run)
    return run


def _minor(text: str, exponent: int, where: str) -> int:
    # Stripe writes plain decimals, signed (a refund's gross is negative): ``inputs.amount``.
    return inputs.amount(text, exponent, where)


class _Amounts(dict):
    """The amounts a report has read, by (text, exponent): fees and prices repeat from line
    to line, and each text is checked and converted once (``inputs.amount`` the first time)."""

    def read(self, text: str, exponent: int, where: str, column: str) -> int:
        minor = self.get((text, exponent))
        if minor is None:
            minor = self[text, exponent] = _minor(text, exponent, where + column)
        return minor


def _moment(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(N_("This is not a date and time."), field=where) from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if where.endswith("created_utc"):
        # When the line happened: no later than tomorrow (available_on is rightly ahead).
        inputs.day((moment + inputs.CHINA_STANDARD_TIME_OFFSET).date(), where)
    elif moment.date() < inputs.EARLIEST_DAY:
        inputs.day(moment.date(), where)
    return moment


def _signs(category: str, gross: int, fee: int, where: str) -> None:
    """A charge brings money in and costs a fee; a refund takes money out: a sign the other
    way is a broken report, not a line to book."""
    if category in SIGNED_IN and (gross < 0 or fee < 0):
        raise InvalidInput(
            N_("A charge's gross and fee are not negative."),
            field=where + ("gross" if gross < 0 else "fee"),
        )
    if category in SIGNED_OUT and gross > 0:
        raise InvalidInput(N_("A refund's gross is not positive."), field=where + "gross")


def _cached_moment(text: str, where: str, moments: dict[str, datetime]) -> datetime:
    # Stripe's reports repeat a timestamp on many lines; each text is read once.
    moment = moments.get(text)
    if moment is None:
        moment = moments[text] = _moment(text, where)
    return moment


def _currency(text: str, where: str) -> str:
    code = text.strip().upper()
    if code not in EXPONENTS:
        raise InvalidInput(N_("This is not a currency code."), field=where)
    return code


def parse_itemised_csv(data: bytes) -> list[BalanceLine]:
    """Stripe's itemised balance report as lines; any bad value refuses the whole file with
    its line and column named (``lines[<line number>].<column>``)."""
    if b"\x00" in data:
        raise InvalidInput(N_("This is not a text file."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            N_("Stripe's reports are UTF-8; this file is not."), field="file"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    columns = next(reader, [])
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise InvalidInput(
            N_("The file lacks columns of Stripe's itemised balance report."),
            field="file",
            missing=missing,
        )
    width = len(columns)
    # Where each column is; an optional column the file lacks reads the empty cell added last.
    at = {name: index for index, name in reversed(list(enumerate(columns)))}
    place = tuple(at.get(name, width) for name in (*REQUIRED_COLUMNS, *_OTHER_COLUMNS))
    padding = [""] * (width + 1)
    lines = []
    moments: dict[str, datetime] = {}
    amounts = _Amounts()
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) > width:
            raise InvalidInput(
                N_("This line has more cells than the header."), field=f"lines[{number}]"
            )
        cells = [cell.strip() for cell in row]
        cells += padding[len(row) :]
        lines.append(_line(cells, place, f"lines[{number}].", moments, amounts))
    return lines


_OTHER_COLUMNS = (*OPTIONAL_COLUMNS, "available_on_utc", "customer_facing_amount",
                  "customer_facing_currency")  # fmt: skip
# The optional ids in the order of ``_OTHER_COLUMNS``, as ``BalanceLine`` names them.
_IDS = tuple(OPTIONAL_COLUMNS.values())[:6]


def _line(
    cells: list[str],
    place: tuple[int, ...],
    where: str,
    moments: dict[str, datetime],
    amounts: _Amounts,
) -> BalanceLine:
    # Positions unpacked once per line: this runs 100,000 times an import.
    (txn_at, created_at, currency_at, gross_at, fee_at, net_at, category_at, *ids_at,
     description_at, available_at, facing_amount_at, facing_currency_at) = place  # fmt: skip
    currency = _currency(cells[currency_at], where + "currency")
    exponent = EXPONENTS[currency]
    gross = amounts.read(cells[gross_at], exponent, where, "gross")
    fee = amounts.read(cells[fee_at], exponent, where, "fee")
    net = amounts.read(cells[net_at], exponent, where, "net")
    if gross - fee != net:
        raise InvalidInput(N_("Gross less fee is not net."), field=where + "net")
    category = cells[category_at]
    _signs(category, gross, fee, where)
    facing = cells[facing_currency_at]
    facing_currency = _currency(facing, where + "customer_facing_currency") if facing else None
    facing_amount = cells[facing_amount_at]
    txn = cells[txn_at]
    if not txn.startswith("txn_"):
        raise InvalidInput(
            N_("This is not a balance transaction id."), field=where + "balance_transaction_id"
        )
    created = _cached_moment(cells[created_at], where + "created_utc", moments)
    available = cells[available_at]
    ids = dict(zip(_IDS, [cells[at] or None for at in ids_at], strict=True))
    source = ids["source_id"]
    if source:
        for prefix, name in stripe_balance.KINDS:
            if source.startswith(prefix):
                ids[name] = ids[name] or source
                break
    return BalanceLine(
        id=txn,
        type=category,
        reporting_category=category,
        amount=gross,
        fee=fee,
        net=net,
        currency=currency,
        created=created,
        available_on=(
            _cached_moment(available, where + "available_on_utc", moments).date()
            if available
            else None
        ),
        customer_facing_amount=(
            _minor(facing_amount, EXPONENTS[facing_currency], where + "customer_facing_amount")
            if facing_amount and facing_currency
            else None
        ),
        customer_facing_currency=facing_currency,
        description=cells[description_at][:500] or None,
        **ids,
    )


def refuse_closed_periods(session, moments: list[tuple[str, datetime]]) -> None:
    """Refuse, naming the line, anything dated inside a closed accounting period."""
    if not moments:
        return
    closed = closed_between(session, min(at for _, at in moments), max(at for _, at in moments))
    for where, at in moments:
        if any(starts <= at < ends for _, starts, ends in closed):
            raise InvalidInput(N_("This line falls in a closed accounting period."), field=where)


def import_csv(
    session, data: bytes, user: User | None = None, now: datetime | None = None,
    file_name: str | None = None,
) -> stripe_balance.ImportResult:  # fmt: skip
    """Parse and record an itemised balance CSV in the caller's unit of work (all or nothing).
    A report overlapping a closed period is taken when the closed period's lines were
    imported before unchanged: only a new or changed line there is refused. Each import is in
    the audit trail, one that adds nothing too."""
    lines = parse_itemised_csv(data)
    refuse_new_in_closed_periods(
        session, lines, lambda place, _line: f"lines[{_line_number(data, place)}].created_utc"
    )
    result = stripe_balance.record(session, lines, "csv")
    audit.record(
        session, "stripe_imported", "stripe", user, now or utcnow(), source="csv",
        file_name=(file_name or "")[:200] or None, lines=len(lines), new_lines=result.new,
        duplicates=result.unchanged, charges_matched=result.matched,
    )  # fmt: skip
    return result


def refuse_new_in_closed_periods(
    session, lines: list[BalanceLine], where: Callable[[int, BalanceLine], str]
) -> None:
    """Refuse a new or changed line dated inside a closed accounting period, named by
    ``where(place, line)``; a line recorded before unchanged is taken (reports and pulls
    cover whole ranges)."""
    if not lines:
        return
    closed = closed_between(session, min(x.created for x in lines), max(x.created for x in lines))
    inside = [x for x in lines if any(a <= x.created < b for _, a, b in closed)]
    if not inside:
        return
    known = stripe_balance.known_lines(session, [x.id for x in inside])
    for line in inside:
        before = known.get(line.id)
        if before is None or not stripe_balance.same(before, line.with_ids()):
            raise InvalidInput(
                N_("This line falls in a closed accounting period."),
                field=where(lines.index(line), line),
                balance_transaction_id=line.id,
            )


def _line_number(data: bytes, place: int) -> int:
    """The file line of the ``place``-th line ``parse_itemised_csv`` read (it skips blank
    rows), read again only to name a refused line."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    rows = (number for number, row in enumerate(reader, start=1) if number > 1 and row)
    return next(n for i, n in enumerate(rows) if i == place)
