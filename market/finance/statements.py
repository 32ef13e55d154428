"""Reading bank statement files: CSV through a column mapping (three common Chinese bank
layouts ready, or one saved per account), SWIFT MT940 (the ``mt-940`` library) and ISO 20022
camt.053 (parsed with ``defusedxml``: a statement is input from outside).

Every parser returns a :class:`ParsedStatement` or raises ``InvalidInput`` naming the line
(``lines[<n>].<column>``) — nothing is read half-way. Text files are decoded with the encoding
given or detected by ``charset-normalizer`` (GBK and GB18030 are read as GB18030, their
superset).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import mt940
from charset_normalizer import from_bytes
from defusedxml import ElementTree

from ledger.currencies import EXPONENTS
from market.errors import InvalidInput
from market.finance import inputs
from market.text import N_

FORMATS = ("csv", "mt940", "camt053")
ENCODINGS = ("utf-8", "gb18030", "gbk")

# Column mappings of the statement exports of three large banks' corporate portals.
LAYOUTS: dict[str, dict[str, str]] = {
    # 中国工商银行 (ICBC) 企业网银 明细导出
    "icbc": {
        "value_date": "交易日期",
        "debit": "借方发生额",
        "credit": "贷方发生额",
        "balance": "余额",
        "counterparty_name": "对方户名",
        "counterparty_account": "对方账号",
        "remark": "摘要",
        "reference": "交易流水号",
    },
    # 招商银行 (China Merchants Bank) 企业银行 交易明细
    "cmb": {
        "booking_date": "交易日",
        "value_date": "起息日",
        "debit": "借方金额",
        "credit": "贷方金额",
        "balance": "余额",
        "counterparty_name": "收(付)方名称",
        "counterparty_account": "收(付)方账号",
        "remark": "摘要",
        "reference": "流水号",
    },
    # 中国建设银行 (CCB) 企业网银 账户明细
    "ccb": {
        "value_date": "记账日期",
        "debit": "支出金额",
        "credit": "收入金额",
        "balance": "账户余额",
        "counterparty_name": "对方户名",
        "counterparty_account": "对方账号",
        "remark": "摘要",
        "reference": "交易流水号",
    },
}
MAPPING_KEYS = {
    "value_date",
    "booking_date",
    "amount",
    "debit",
    "credit",
    "balance",
    "counterparty_name",
    "counterparty_account",
    "remark",
    "reference",
}


@dataclass(frozen=True)
class ParsedLine:
    """A statement line: signed amount (money in is positive), dates, who and why."""

    line_number: int
    value_date: date
    amount_minor: int
    bank_reference: str
    booking_date: date | None = None
    counterparty_name: str | None = None
    counterparty_account: str | None = None
    remark: str | None = None


@dataclass
class ParsedStatement:
    """A statement's balances and lines, in one currency."""

    currency: str
    opening_minor: int
    closing_minor: int
    lines: list[ParsedLine] = field(default_factory=list)
    encoding: str | None = None
    # The account the file says it is for (MT940's :25:, camt.053's Acct/Id, a CSV title line
    # "账号：…"), when it says.
    account: str | None = None

    @property
    def period(self) -> tuple[date, date]:
        """First and last value date (the statement's dates when it has no lines)."""
        days = [line.value_date for line in self.lines] or [datetime.now(UTC).date()]
        return min(days), max(days)


def same_account(stated: str, account_number: str) -> bool:
    """Whether a statement's stated account is ``account_number``: compared on letters and
    digits only, and an MT940 ``:25:`` may put the bank's code before it (``CMBCCNBS/7559…``)."""
    stated, number = (re.sub(r"[^0-9A-Z]", "", x.upper()) for x in (stated, account_number))
    return bool(number) and stated.endswith(number)


def check_mapping(mapping: dict) -> dict:
    """A CSV column mapping: known keys only, a date, a reference, and amounts as one signed
    column or a debit and a credit column."""
    unknown = sorted(set(mapping) - MAPPING_KEYS)
    if unknown:
        raise InvalidInput(
            N_("The mapping names fields that do not exist."),
            field=f"csv_mapping.{unknown[0]}",
            unknown=unknown,
            known=sorted(MAPPING_KEYS),
        )
    if "amount" in mapping and ({"debit", "credit"} & set(mapping)):
        raise InvalidInput(
            N_("Map either one signed amount column or a debit and a credit column, not both."),
            field="csv_mapping.amount",
        )
    needed = {"value_date", "reference"}
    if not needed <= set(mapping) or not (
        "amount" in mapping or {"debit", "credit"} <= set(mapping)
    ):
        raise InvalidInput(
            N_("The mapping needs a date, a reference and the amount columns."),
            field="csv_mapping",
        )
    return mapping


def decode(data: bytes, encoding: str | None, usual: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding used: ``encoding`` when one was chosen; else UTF-8
    when the file is UTF-8, then the account's ``usual`` encoding when the file decodes in it,
    then what ``charset-normalizer`` detects. A file opening with UTF-16's byte-order mark
    (some portals' and Excel's "Unicode" export) is UTF-16 whatever was chosen: the mark says so."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InvalidInput(
                N_("The file starts as UTF-16 but is not UTF-16 text."), field="file"
            ) from None
    if b"\x00" in data:
        raise InvalidInput(N_("This is not a text file."), field="file")
    if encoding:
        chosen = "gb18030" if encoding.lower() in ("gbk", "gb2312", "gb18030") else encoding
        try:
            return data.decode(chosen), encoding
        except (UnicodeDecodeError, LookupError):
            line = data[: _first_bad_byte(data, chosen)].count(b"\n") + 1
            raise InvalidInput(
                N_("The file is not in the chosen encoding."), field=f"lines[{line}]"
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if usual:
        chosen = "gb18030" if usual.lower() in ("gbk", "gb2312", "gb18030") else usual
        try:
            return data.decode(chosen), usual
        except (UnicodeDecodeError, LookupError):
            pass
    best = from_bytes(data, cp_isolation=["gb18030", "gbk", "big5", "utf_16"]).best()
    if best is None:
        raise InvalidInput(N_("The file's encoding could not be recognised."), field="encoding")
    name = best.encoding.lower().replace("_", "-")
    if name in ("gbk", "gb2312", "gb18030"):
        return data.decode("gb18030"), "gb18030"
    return str(best), name


def _first_bad_byte(data: bytes, encoding: str) -> int:
    """Where decoding ``data`` with ``encoding`` first fails."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        return error.start
    except LookupError:
        return 0
    return len(data)


def to_minor(text: str, currency: str, where: str, *, signed: bool = True) -> int:
    """A statement amount in the currency's minor units (``inputs.amount``: a plain decimal,
    thousands grouped in threes at most); an empty cell or a lone dash is nothing."""
    if text.strip() in ("", "-"):
        return 0
    return inputs.amount(text, EXPONENTS[currency], where, signed=signed, grouped=True)


DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def to_date(text: str, where: str) -> date:
    """A date in any of the forms Chinese bank exports use (a time after it is ignored), within
    what a statement may report (``inputs.day``)."""
    value = text.strip().split(" ")[0]
    for form in DATE_FORMATS:
        try:
            return inputs.day(datetime.strptime(value, form).date(), where)
        except ValueError:
            continue
    raise InvalidInput(N_("This is not a date."), field=where)


# A title line above a CSV export's table that states its account: "账号：7559…" in one cell,
# or "账号" and the number in the next.
_STATED_ACCOUNT = re.compile(r"^[账帐]\s*号\s*[:：]?\s*(.*)$")


def _stated_account(rows: list[list[str]]) -> str | None:
    """The account number a CSV's title block states, if it states one."""
    for row in rows:
        cells = [cell.strip() for cell in row]
        for at, cell in enumerate(cells):
            found = _STATED_ACCOUNT.match(cell)
            if found is None:
                continue
            value = found.group(1) or next((x for x in cells[at + 1 :] if x), "")
            if re.search(r"\d", value):
                return value[:64]
    return None


def _nearest_header(rows: list[list[str]], wanted: set[str]) -> set[str]:
    """The cells of the row carrying most of the mapped columns (the title block above a
    table carries none of them)."""
    cells = ({cell.strip() for cell in row} for row in rows)
    return max(cells, key=lambda found: len(wanted & found), default=set())


def parse_csv(text: str, mapping: dict, currency: str, opening: int | None) -> ParsedStatement:
    """A CSV statement through ``mapping``. With a balance column the opening balance is read
    from the first line and every line's running balance is checked; without one the opening
    balance must be given."""
    check_mapping(mapping)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    # Bank exports put a title and account details above the table: the header is the first
    # row that carries every mapped column.
    wanted = set(mapping.values())
    header_at = next((i for i, row in enumerate(rows) if wanted <= {c.strip() for c in row}), None)
    if header_at is None:
        raise InvalidInput(
            N_("No header row carries the columns of this mapping."),
            field="file",
            missing=sorted(wanted - _nearest_header(rows, wanted)),
        )
    header = [cell.strip() for cell in rows[header_at]]
    index = {key: header.index(column) for key, column in mapping.items()}
    lines, balances = [], []
    for offset, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(
                N_("This line does not have the header's number of cells."),
                field=f"lines[{offset}]",
            )
        where = f"lines[{offset}]."

        def cell(key, row=row):
            return row[index[key]].strip() if key in index else ""

        if "amount" in index:
            amount = to_minor(cell("amount"), currency, where + mapping["amount"])
        else:
            out = to_minor(cell("debit"), currency, where + mapping["debit"], signed=False)
            into = to_minor(cell("credit"), currency, where + mapping["credit"], signed=False)
            if out and into:
                raise InvalidInput(N_("A line is either a debit or a credit."), field=where[:-1])
            amount = into - out
        reference = inputs.cell(cell("reference"), 100)
        if not reference:
            raise InvalidInput(N_("The line has no reference."), field=where + mapping["reference"])
        lines.append(
            ParsedLine(
                line_number=offset,
                value_date=to_date(cell("value_date"), where + mapping["value_date"]),
                booking_date=(
                    to_date(cell("booking_date"), where + mapping["booking_date"])
                    if cell("booking_date")
                    else None
                ),
                amount_minor=amount,
                bank_reference=reference,
                counterparty_name=inputs.cell(cell("counterparty_name"), 200),
                counterparty_account=inputs.cell(cell("counterparty_account"), 64),
                remark=inputs.cell(cell("remark"), 500),
            )
        )
        if "balance" in index:
            balances.append(to_minor(cell("balance"), currency, where + mapping["balance"]))
    if balances:
        start = balances[0] - lines[0].amount_minor
        if opening is not None and opening != start:
            raise InvalidInput(
                N_("The opening balance given differs from the file's."), field="opening_balance"
            )
        running = start
        for line, stated in zip(lines, balances, strict=True):
            running += line.amount_minor
            if running != stated:
                raise InvalidInput(
                    N_("The balance on this line does not follow from the one before."),
                    field=f"lines[{line.line_number}].{mapping['balance']}",
                )
        return ParsedStatement(
            currency, start, balances[-1], lines, account=_stated_account(rows[:header_at])
        )
    if opening is None:
        raise InvalidInput(
            N_("This layout has no balance column: give the opening balance."),
            field="opening_balance",
        )
    return ParsedStatement(
        currency, opening, opening + sum(x.amount_minor for x in lines), lines,
        account=_stated_account(rows[:header_at]),
    )  # fmt: skip


def parse_mt940(text: str, currency: str) -> ParsedStatement:
    """A SWIFT MT940 statement (one account, one or more pages)."""
    try:
        transactions = mt940.models.Transactions()
        transactions.parse(text)
    except Exception as error:  # noqa: BLE001 - the library raises anything on bad input
        raise InvalidInput(N_("This is not an MT940 statement."), field="file") from error
    data = transactions.data
    opening = data.get("final_opening_balance") or data.get("opening_balance")
    closing = data.get("final_closing_balance") or data.get("closing_balance")
    if opening is None or closing is None:
        raise InvalidInput(N_("The statement has no opening or closing balance."), field="file")
    if str(opening.amount.currency) != currency:
        raise InvalidInput(N_("The statement is in another currency."), field="file")
    lines = []
    for number, item in enumerate(transactions, start=1):
        where = f"lines[{number}]."
        details = item.data
        amount = inputs.bounded(details["amount"].amount, EXPONENTS[currency], where + "amount")
        reference = details.get("bank_reference") or details.get("customer_reference") or ""
        reference = inputs.cell(reference, 100) or ""
        if not reference or reference == "NONREF":
            reference = f"{details['date'].isoformat()}:{number}"
        lines.append(
            ParsedLine(
                line_number=number,
                value_date=inputs.day(details["date"], where + "date"),
                booking_date=(
                    inputs.day(details["entry_date"], where + "entry_date")
                    if details.get("entry_date")
                    else None
                ),
                amount_minor=amount,
                bank_reference=reference,
                remark=inputs.cell(
                    (details.get("transaction_details") or "").replace("\n", ""), 500
                ),
            )
        )
    return ParsedStatement(
        currency,
        inputs.bounded(opening.amount.amount, EXPONENTS[currency], "opening_balance"),
        inputs.bounded(closing.amount.amount, EXPONENTS[currency], "closing_balance"),
        lines,
        account=str(data.get("account_identification") or "") or None,
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element, path: str):
    # Namespace-blind lookup of a path of local names ("Amt", "BookgDt/Dt").
    current = element
    for name in path.split("/"):
        if current is None:
            return None
        current = next((child for child in current if _local(child.tag) == name), None)
    return current


def _text(element, path: str) -> str:
    found = _find(element, path)
    return (found.text or "").strip() if found is not None else ""


def _signed(entry, currency: str, where: str) -> int:
    amount = _find(entry, "Amt")
    if amount is None or amount.get("Ccy") != currency:
        raise InvalidInput(N_("The amount is missing or in another currency."), field=where)
    value = inputs.amount(amount.text or "", EXPONENTS[currency], where, signed=False)
    sign = _text(entry, "CdtDbtInd")
    if sign not in ("CRDT", "DBIT"):
        raise InvalidInput(N_("A line is either a debit or a credit."), field=where)
    return value if sign == "CRDT" else -value


def parse_camt053(data: bytes, currency: str) -> ParsedStatement:
    """An ISO 20022 camt.053 bank-to-customer statement (its first statement)."""
    try:
        root = ElementTree.fromstring(data)
    except Exception as error:  # noqa: BLE001 - malformed, or an entity bomb defusedxml refused
        raise InvalidInput(N_("This is not a camt.053 statement."), field="file") from error
    statement = next((e for e in root.iter() if _local(e.tag) == "Stmt"), None)
    if statement is None:
        raise InvalidInput(N_("This is not a camt.053 statement."), field="file")
    balances = {}
    for balance in (child for child in statement if _local(child.tag) == "Bal"):
        kind = _text(balance, "Tp/CdOrPrtry/Cd")
        balances[kind] = _signed(balance, currency, f"balances.{kind}")
    opening = balances.get("OPBD", balances.get("PRCD"))
    closing = balances.get("CLBD")
    if opening is None or closing is None:
        raise InvalidInput(N_("The statement has no opening or closing balance."), field="file")
    lines = []
    entries = [child for child in statement if _local(child.tag) == "Ntry"]
    for number, entry in enumerate(entries, start=1):
        where = f"lines[{number}]"
        details = _find(entry, "NtryDtls/TxDtls")
        credit = _text(entry, "CdtDbtInd") == "CRDT"
        party = "RltdPties/Dbtr/Nm" if credit else "RltdPties/Cdtr/Nm"
        account = "RltdPties/DbtrAcct/Id/Othr/Id" if credit else "RltdPties/CdtrAcct/Id/Othr/Id"
        reference = inputs.cell(
            _text(entry, "AcctSvcrRef")
            or (_text(details, "Refs/AcctSvcrRef") if details is not None else ""),
            100,
        )
        if not reference:
            raise InvalidInput(N_("The line has no reference."), field=where + ".AcctSvcrRef")
        value_date = _text(entry, "ValDt/Dt") or _text(entry, "BookgDt/Dt")
        booking = _text(entry, "BookgDt/Dt")
        lines.append(
            ParsedLine(
                line_number=number,
                value_date=to_date(value_date, where + ".ValDt"),
                booking_date=to_date(booking, where + ".BookgDt") if booking else None,
                amount_minor=_signed(entry, currency, where + ".Amt"),
                bank_reference=reference,
                counterparty_name=inputs.cell(
                    _text(details, party) if details is not None else "", 200
                ),
                counterparty_account=inputs.cell(
                    _text(details, account) if details is not None else "", 64
                ),
                remark=inputs.cell(
                    (_text(details, "RmtInf/Ustrd") if details is not None else "")
                    or _text(entry, "AddtlNtryInf"),
                    500,
                ),
            )
        )
    account = _text(statement, "Acct/Id/IBAN") or _text(statement, "Acct/Id/Othr/Id")
    return ParsedStatement(currency, opening, closing, lines, account=account or None)


# A Stripe payout id is taken whole, whatever its shape (``po_1Abc``, ``po_test_001``).
REFERENCE_PATTERN = re.compile(r"SJ\d{10}|SJ-PAYOUT-\d+|SJ-REFUND-\d+|po_\w+", re.ASCII)


def references_in(text: str | None) -> list[str]:
    """Our payment, payout and refund references quoted in a line's remark (what matching joins on)."""
    return REFERENCE_PATTERN.findall(text or "")
