"""The bank file of a payout batch: the bulk-transfer (批量代發/批量轉賬) template that Chinese
banks' corporate portals accept, one credit transfer per payout, in GBK (what most portals
expect) or UTF-8.

Columns follow the common template of the large commercial banks' portals: sequence number,
payee account number, payee account name, payee bank, branch, CNAPS code (聯行號), amount in
yuan with two decimals, currency, purpose and remark. Payees outside the mainland carry their
SWIFT code and IBAN in the last two columns. The remark is the payout's reference, which the
bank statement line quotes back and reconciliation matches on.
"""

from __future__ import annotations

import csv
import io

from ledger.currencies import to_major
from ledger.export import spreadsheet_safe
from market.errors import Conflict, InvalidInput
from market.errors import state_value as _value
from market.text import N_
from market.trading.models import PayoutBatch, PayoutBatchStatus

ENCODINGS = ("gbk", "utf-8")
HEADER = [
    "序号",
    "收款方账号",
    "收款方户名",
    "收款方开户行",
    "收款方开户网点",
    "联行号",
    "金额",
    "币种",
    "用途",
    "备注",
    "SWIFT代码",
    "IBAN",
]
PURPOSE = "数据交易结算款"


def rows(batch: PayoutBatch) -> list[list[str]]:
    """The file's rows, header first."""
    found = [HEADER]
    for number, payout in enumerate(batch.payouts, start=1):
        payee = payout.payee_account
        # Names and accounts are typed by people: never a formula in finance's spreadsheet.
        found.append(
            [
                spreadsheet_safe(cell)
                for cell in [
                    str(number),
                    payee.account_number,
                    payee.account_name,
                    payee.bank_name,
                    payee.branch_name or "",
                    payee.cnaps_code or "",
                    str(to_major(payout.amount_minor, payout.currency)),
                    payout.currency,
                    PURPOSE,
                    payout.reference,
                    payee.swift_bic or "",
                    payee.iban or "",
                ]
            ]
        )
    return found


def bank_file(batch: PayoutBatch, encoding: str = "gbk") -> bytes:
    """The batch as the bank's CSV, encoded; a built or submitted batch only."""
    if encoding not in ENCODINGS:
        raise InvalidInput(N_("Choose GBK or UTF-8."), field="encoding")
    if batch.status not in (PayoutBatchStatus.BUILT, PayoutBatchStatus.SUBMITTED):
        raise Conflict(
            N_("This batch is closed: there is nothing to send."), state=[_value(batch.status)]
        )
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows(batch))
    try:
        return text.getvalue().encode(encoding)
    except UnicodeEncodeError:
        raise InvalidInput(
            N_("A payee's details have characters GBK cannot carry; download it as UTF-8."),
            field="encoding",
        ) from None
