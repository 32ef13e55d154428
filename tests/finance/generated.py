"""Generated statement files: Stripe's itemised balance CSV, Chinese banks' CSV exports (GBK
or UTF-8), MT940 and camt.053 — with whatever lines a test plants."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

STRIPE_COLUMNS = [
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "source_id",
    "description",
    "customer_facing_amount",
    "customer_facing_currency",
    "charge_id",
    "payment_intent_id",
    "automatic_payout_id",
]


def yuan(minor: int) -> str:
    """Minor units as a decimal string with two places."""
    return f"{Decimal(minor) / 100:.2f}"


def stripe_csv(rows: list[dict], columns=STRIPE_COLUMNS) -> bytes:
    """Stripe's itemised balance report; each row gives amounts in minor units."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = dict(row)
        for name in ("gross", "fee", "net", "customer_facing_amount"):
            if isinstance(cells.get(name), int):
                cells[name] = yuan(cells[name])
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def stripe_row(txn, category, gross, fee=0, created="2026-11-02 10:00:00", **extra) -> dict:
    """One row of the itemised report."""
    return {
        "balance_transaction_id": txn,
        "created_utc": created,
        "available_on_utc": created,
        "currency": "cny",
        "gross": gross,
        "fee": fee,
        "net": gross - fee,
        "reporting_category": category,
        **extra,
    }


@dataclass
class BankRow:
    """A bank statement line: money in (positive) or out (negative)."""

    value_date: date
    amount: int
    reference: str
    counterparty: str = ""
    account: str = ""
    remark: str = ""


def icbc_csv(
    rows: list[BankRow], opening: int, encoding="gbk", title=True, account: str | None = None
) -> bytes:
    """An ICBC-style export: a two-line title block (the second states ``account`` when
    given, as "账号" and the number), then 交易日期/摘要/借方/贷方/余额/... columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if title:
        writer.writerow(["中国工商银行 账户明细"])
        writer.writerow(["账号", account] if account else ["户名", "数交数据交易平台"])
    writer.writerow(
        [
            "交易日期",
            "摘要",
            "借方发生额",
            "贷方发生额",
            "余额",
            "对方户名",
            "对方账号",
            "交易流水号",
        ]
    )
    balance = opening
    for row in rows:
        balance += row.amount
        writer.writerow(
            [
                row.value_date.strftime("%Y-%m-%d"),
                row.remark,
                yuan(-row.amount) if row.amount < 0 else "",
                yuan(row.amount) if row.amount > 0 else "",
                yuan(balance),
                row.counterparty,
                row.account,
                row.reference,
            ]
        )
    return out.getvalue().encode(encoding)


def cmb_csv(rows: list[BankRow], opening: int, account: str | None = None) -> bytes:
    """A China Merchants Bank-style export (dates as YYYYMMDD), UTF-8; with ``account``, under
    a title line "账号：<account>"."""
    out = io.StringIO()
    writer = csv.writer(out)
    if account:
        writer.writerow([f"账号：{account}"])
    writer.writerow(
        [
            "交易日",
            "起息日",
            "借方金额",
            "贷方金额",
            "余额",
            "摘要",
            "流水号",
            "收(付)方名称",
            "收(付)方账号",
        ]
    )
    balance = opening
    for row in rows:
        balance += row.amount
        day = row.value_date.strftime("%Y%m%d")
        writer.writerow(
            [
                day,
                day,
                yuan(-row.amount) if row.amount < 0 else "",
                yuan(row.amount) if row.amount > 0 else "",
                yuan(balance),
                row.remark,
                row.reference,
                row.counterparty,
                row.account,
            ]
        )
    return out.getvalue().encode("utf-8")


def mt940(
    rows: list[BankRow], opening: int, currency="CNY", account="ICBKCNBJ/4000021009200000001"
) -> bytes:
    """A SWIFT MT940 statement."""

    def amount(minor: int) -> str:
        return yuan(abs(minor)).replace(".", ",")

    closing = opening + sum(row.amount for row in rows)
    first = rows[0].value_date if rows else date(2026, 11, 2)
    last = rows[-1].value_date if rows else first
    lines = [
        ":20:STMT2026",
        f":25:{account}",
        ":28C:1/1",
        f":60F:{'C' if opening >= 0 else 'D'}{first:%y%m%d}{currency}{amount(opening)}",
    ]
    for row in rows:
        sign = "C" if row.amount > 0 else "D"
        lines.append(
            f":61:{row.value_date:%y%m%d}{row.value_date:%m%d}{sign}{amount(row.amount)}NTRFNONREF//{row.reference}"
        )
        lines.append(f":86:{row.remark}")
    lines.append(f":62F:{'C' if closing >= 0 else 'D'}{last:%y%m%d}{currency}{amount(closing)}")
    return ("\r\n".join(lines) + "\r\n-").encode("utf-8")


def camt053(rows: list[BankRow], opening: int, currency="CNY", account=None) -> bytes:
    """An ISO 20022 camt.053.001.02 statement."""

    def balance(kind: str, minor: int) -> str:
        sign = "CRDT" if minor >= 0 else "DBIT"
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="{currency}">{yuan(abs(minor))}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
            f"<Dt><Dt>2026-11-02</Dt></Dt></Bal>"
        )

    entries = []
    for row in rows:
        credit = row.amount > 0
        party = "Dbtr" if credit else "Cdtr"
        entries.append(
            f'<Ntry><Amt Ccy="{currency}">{yuan(abs(row.amount))}</Amt>'
            f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{row.value_date.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{row.value_date.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{row.reference}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RltdPties><{party}><Nm>{row.counterparty}</Nm></{party}>"
            f"<{party}Acct><Id><Othr><Id>{row.account}</Id></Othr></Id></{party}Acct>"
            f"</RltdPties><RmtInf><Ustrd>{row.remark}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    closing = opening + sum(row.amount for row in rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-03T08:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S1</Id>"
        + (f"<Acct><Id><Othr><Id>{account}</Id></Othr></Id></Acct>" if account else "")
        + balance("OPBD", opening)
        + balance("CLBD", closing)
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode("utf-8")
