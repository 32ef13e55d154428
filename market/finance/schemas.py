"""Schemas for the ledger API (amounts are integer minor units with their currency)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from market.context import db_session
from market.fields import AwareDateTime, Date, Id, Int, Length, SingleLine
from market.finance import audit, refund_transfers
from market.text import ISO_CURRENCY, N_, FormSchema, Money


class BalanceSchema(Schema):
    """An account and its balances on its normal side."""

    account = fields.String()
    currency = fields.String()
    normal_side = fields.String()
    posted = fields.Integer()
    available = fields.Integer()
    debits_posted = fields.Integer()
    credits_posted = fields.Integer()


class AccountQuerySchema(Schema):
    """Which part of the chart of accounts to list."""

    prefix = fields.String(load_default="", validate=Length(max=200))


class StatementQuerySchema(Schema):
    """An account statement's account and window ``[start, end)``."""

    account = fields.String(required=True, validate=Length(min=1, max=200))
    currency = fields.String(required=True, validate=Length(equal=3))
    start = AwareDateTime(load_default=None)
    end = AwareDateTime(load_default=None)


class StatementLineSchema(Schema):
    """A posting with the running balance after it."""

    entry_id = fields.Integer()
    leg = fields.Integer()
    effective_at = fields.DateTime()
    description = fields.String()
    debit = fields.Integer()
    credit = fields.Integer()
    balance = fields.Integer()


class StatementSchema(Schema):
    """An account statement (對賬單)."""

    account = fields.String()
    currency = fields.String()
    start = fields.DateTime(allow_none=True)
    end = fields.DateTime(allow_none=True)
    opening = fields.Integer()
    closing = fields.Integer()
    lines = fields.List(fields.Nested(StatementLineSchema))


class PostedLegSchema(Schema):
    """One posting of an entry."""

    account = fields.String()
    currency = fields.String()
    amount = fields.Integer(metadata={"description": "positive = debit, negative = credit"})


class EntrySchema(Schema):
    """A journal entry."""

    id = fields.Integer()
    key = fields.String()
    description = fields.String()
    effective_at = fields.DateTime()
    recorded_at = fields.DateTime()
    metadata = fields.Dict()
    reverses_entry_id = fields.Integer(allow_none=True)
    postings = fields.List(fields.Nested(PostedLegSchema))


class TrialBalanceQuerySchema(Schema):
    """Trial balance now, or as of a moment (re-derived from the postings)."""

    as_of = AwareDateTime(load_default=None)


class TrialBalanceRowSchema(Schema):
    """An account's net balance in the debit or credit column."""

    account = fields.String()
    currency = fields.String()
    type = fields.String()
    debit = fields.Integer()
    credit = fields.Integer()


class TrialBalanceSchema(Schema):
    """The trial balance (試算表), with totals per currency."""

    rows = fields.List(fields.Nested(TrialBalanceRowSchema))
    totals = fields.Dict(keys=fields.String(), values=fields.List(fields.Integer()))
    balanced = fields.Boolean()


class PeriodSchema(Schema):
    """An accounting period ``[starts_at, ends_at)``."""

    name = fields.String()
    starts_at = fields.DateTime(metadata={"description": "The first moment, included."})
    ends_at = fields.DateTime(
        metadata={
            "description": "The end, not included: a period whose last day is 2026-12-31 "
            "ends at 2027-01-01T00:00:00+08:00."
        }
    )
    status = fields.String()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    close_requested_at = fields.DateTime(allow_none=True)
    close_requested_by = fields.String(allow_none=True)


class PeriodBound(AwareDateTime):
    """A period's bound: an ISO 8601 time with its zone, or a plain date (``2026-11-01``) read
    in the exchange's zone (``BABEL_DEFAULT_TIMEZONE``) — its first midnight for a start, the
    midnight after it for an end (``last_day=True``), so ``[first day, last day]`` is whole —
    and with ``plain_time`` (a report's bounds) a day and a time without a zone
    (``2026-11-01 09:30``), that time in the exchange's zone."""

    # What the field takes, said as its refusal (the forms' hints offer a plain date too).
    default_error_messages = {
        "invalid": N_(
            "Not a valid date: write a day like 2026-11-30, or a time with its zone like "
            "2026-11-30T09:00:00+08:00."
        ),
        "invalid_awareness": N_(
            "Write the time with its zone, like 2026-11-30T09:00:00+08:00, or only the day, "
            "like 2026-11-30."
        ),
    }
    plain_time_invalid = N_(
        "Not a valid date: write a day like 2026-11-30, or a day and a time like 2026-11-30 09:30."
    )

    def __init__(self, *, last_day: bool = False, plain_time: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.last_day, self.plain_time = last_day, plain_time
        if plain_time:
            self.error_messages["invalid"] = self.plain_time_invalid

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and DATE_ONLY.fullmatch(value.strip()):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                raise self.make_error("invalid", input=value, obj_type="date") from None
            self._in_range(day)
            if self.last_day:
                day += timedelta(days=1)
            return datetime.combine(day, time(), tzinfo=exchange_zone())
        if self.plain_time and isinstance(value, str) and PLAIN_TIME.fullmatch(value.strip()):
            # A day and a time without a zone, as a form is typed: the exchange's time.
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                raise self.make_error("invalid", input=value, obj_type="datetime") from None
            self._in_range(moment)
            value = moment.replace(tzinfo=exchange_zone()).isoformat()
        return super()._deserialize(value, attr, data, **kwargs)


DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
PLAIN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")


def exchange_zone() -> ZoneInfo:
    """The zone the exchange's pages and reports speak in (``BABEL_DEFAULT_TIMEZONE``)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Asia/Shanghai")


PERIOD_NAME = N_(
    "A period's name may hold no slash, backslash, question mark, hash or percent sign, "
    "and may not be one dot or two."
)


class PeriodInputSchema(FormSchema):
    """A new period ``[starts_at, ends_at)``; either bound may be a plain date. A field left
    empty is missing, so it is told only that it is required."""

    # The name is the period's address (``/ledger/periods/<name>``): nothing a URL path
    # splits on or reads as a step.
    name = fields.String(
        required=True,
        validate=[
            Length(min=1, max=64),
            SingleLine(),
            validate.Regexp(r"^(?!\.{1,2}$)[^/\\?#%]+$", error=PERIOD_NAME),
        ],
    )
    starts_at = PeriodBound(required=True)
    ends_at = PeriodBound(required=True, last_day=True)

    @validates_schema
    def _ends_after_start(self, data, **_):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ValidationError(PERIOD_ORDER, field_name="ends_at")


# The ledger's own refusal, marked here so pages and the API can show it translated.
PERIOD_ORDER = N_("A period must end after it starts.")


class ExportQuerySchema(Schema):
    """A journal export's window and format: the whole exchange's journal (an organisation's
    own lines are its statement report)."""

    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    # Column titles: the reader's words (the pages' default) or the codes (the API's).
    header = fields.String(load_default=None, validate=validate.OneOf(["words", "codes"]))
    start = AwareDateTime(load_default=None)
    end = AwareDateTime(load_default=None)


# --- Payee accounts and payouts ---------------------------------------------------------------

CNAPS = validate.Regexp(r"^[0-9]{12}$", error=N_("A CNAPS code is 12 digits."))
SWIFT = validate.Regexp(
    r"^[A-Za-z]{4}[A-Za-z]{2}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?$",
    error=N_("A SWIFT code is 8 or 11 letters and digits."),
)
ACCOUNT_NUMBER = validate.Regexp(
    r"^[0-9A-Za-z]{6,34}$", error=N_("An account number is 6 to 34 letters and digits.")
)


class BankNumber(fields.String):
    """An account number or IBAN as printed (``004-123-456789-001``, ``GB82 WEST ...``): the
    spaces and hyphens that group its characters are dropped, so only letters and digits are
    checked and stored."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return "".join(text.split()).replace("-", "")


class PayeeAccountInputSchema(FormSchema):
    """A new payee bank account for an organisation (pending a second finance user)."""

    organisation_id = Id(required=True)
    account_name = fields.String(required=True, validate=[Length(min=1, max=200), SingleLine()])
    bank_name = fields.String(required=True, validate=[Length(min=1, max=200), SingleLine()])
    branch_name = fields.String(load_default=None, validate=[Length(max=200), SingleLine()])
    account_number = BankNumber(required=True, validate=ACCOUNT_NUMBER)
    cnaps_code = fields.String(load_default=None, validate=CNAPS)
    swift_bic = fields.String(load_default=None, validate=SWIFT)
    iban = BankNumber(load_default=None, validate=Length(min=15, max=34))
    note = fields.String(load_default=None, validate=[Length(max=1000), SingleLine()])


class PayeeDecisionSchema(FormSchema):
    """Why a pending payee account is refused."""

    note = fields.String(required=True, validate=[Length(min=1, max=1000), SingleLine()])


class PayeeAccountSchema(Schema):
    """A payee bank account."""

    id = fields.Integer()
    organisation_id = fields.Integer()
    status = fields.String()
    account_name = fields.String()
    bank_name = fields.String()
    branch_name = fields.String(allow_none=True)
    account_number = fields.String()
    cnaps_code = fields.String(allow_none=True)
    swift_bic = fields.String(allow_none=True)
    iban = fields.String(allow_none=True)
    requested_by_id = fields.Integer()
    requested_at = fields.DateTime()
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class PayoutBatchInputSchema(FormSchema):
    """Build a payout batch in one currency, for chosen providers (all owed, by default)."""

    currency = fields.String(load_default="CNY", validate=ISO_CURRENCY)
    organisation_ids = fields.List(Id(), load_default=None, validate=Length(min=1, max=1000))


class BankFileQuerySchema(Schema):
    """The bank file's encoding."""

    encoding = fields.String(load_default="gbk", validate=validate.OneOf(["gbk", "utf-8"]))


def _bank_account_field(description: str):
    return Int(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": description},
    )


class BankAccountChoiceSchema(FormSchema):
    """Which of the exchange's bank accounts the money goes through (submitting a payout
    batch, sending a bank refund)."""

    bank_account_id = _bank_account_field("default: the currency's default account")


class PayoutPaidSchema(FormSchema):
    """The bank statement line that shows a payout paid."""

    value_date = Date(required=True)
    bank_reference = fields.String(required=True, validate=[Length(min=1, max=100), SingleLine()])
    bank_account_id = _bank_account_field("if given, the account the money was sent through")


class PayoutReturnedSchema(FormSchema):
    """The bank returned a payout, and why."""

    reason = fields.String(required=True, validate=[Length(min=1, max=1000), SingleLine()])
    value_date = Date(load_default=None)


class PayoutSchema(Schema):
    """One provider's payout."""

    id = fields.Integer()
    batch_id = fields.Integer()
    organisation_id = fields.Integer()
    payee_account_id = fields.Integer(allow_none=True)
    reference = fields.String()
    amount_minor = fields.Integer()
    currency = fields.String()
    method = fields.String()
    status = fields.String()
    value_date = fields.Date(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    return_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class PayoutBatchSchema(Schema):
    """A payout batch."""

    id = fields.Integer()
    currency = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    bank_account_id = fields.Integer(allow_none=True)
    payouts = fields.List(fields.Nested(PayoutSchema))


# --- Reconciliation ----------------------------------------------------------------------------


class StatementUploadSchema(Schema):
    """A statement file sent as ``multipart/form-data`` under ``file``."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class BankAccountInputSchema(FormSchema):
    """One of the exchange's bank accounts and how its CSV statements are read."""

    name = fields.String(required=True, validate=[Length(min=1, max=100), SingleLine()])
    bank_name = fields.String(required=True, validate=[Length(min=1, max=200), SingleLine()])
    account_number = BankNumber(required=True, validate=ACCOUNT_NUMBER)
    currency = fields.String(
        load_default="CNY",
        # A typed-in box: "choose from the list" would point at a list there is not.
        validate=ISO_CURRENCY,
    )
    # A bank account posts to a bank account of the chart (the Stripe clearing account is
    # reconciled against Stripe's own balance, and must not take bank lines). Blank is refused,
    # not read as the default: a client that sent "" meant something.
    ledger_account = fields.String(
        load_default="assets:bank",
        validate=[
            Length(min=1, max=200),
            validate.Regexp(
                r"^assets:bank(:[a-z0-9][a-z0-9_\-]{0,59}){0,3}$",
                error=N_(
                    "A bank account posts to assets:bank or an account under it, such as "
                    "assets:bank:cmb-main: after each colon, lower-case letters, digits, _ or "
                    "- (starting with a letter or digit)."
                ),
            ),
        ],
    )
    csv_layout = fields.String(load_default=None, validate=validate.OneOf(["icbc", "cmb", "ccb"]))
    csv_mapping = fields.Dict(
        keys=fields.String(), values=fields.String(validate=[Length(min=1, max=100), SingleLine()]),
        load_default=None,
    )  # fmt: skip
    encoding = fields.String(
        load_default=None, validate=validate.OneOf(["utf-8", "gb18030", "gbk"])
    )
    is_default = fields.Boolean(
        load_default=False,
        metadata={
            "description": "receipts, payouts and refunds in its currency that name no "
            "account go through it (the first account of a currency is its default)"
        },
    )


class BankAccountFormSchema(BankAccountInputSchema):
    """The console's registration form: the column mapping typed one column title per field
    (``csv_mapping.value_date``, …), blank fields left out."""

    @pre_load
    def fold_mapping(self, data, **_):
        """``csv_mapping.<key>`` fields into the ``csv_mapping`` the API takes whole."""
        data = dict(data)
        mapping = {}
        for key in [key for key in data if key.startswith("csv_mapping.")]:
            value = data.pop(key)
            if isinstance(value, str) and value.strip():
                mapping[key.removeprefix("csv_mapping.")] = value.strip()
        if mapping:
            data["csv_mapping"] = mapping
        return data


class BankAccountSchema(Schema):
    """A bank account of the exchange."""

    id = fields.Integer()
    name = fields.String()
    bank_name = fields.String()
    account_number = fields.String()
    currency = fields.String()
    ledger_account = fields.String()
    csv_layout = fields.String(allow_none=True)
    csv_mapping = fields.Dict(allow_none=True)
    encoding = fields.String(allow_none=True)
    is_default = fields.Boolean()
    closed_at = fields.DateTime(allow_none=True)


class StatementOptionsSchema(FormSchema):
    """How to read a statement file (form fields beside the file)."""

    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "mt940", "camt053"]))
    encoding = fields.String(
        load_default=None, validate=validate.OneOf(["utf-8", "gb18030", "gbk"])
    )
    layout = fields.String(load_default=None, validate=validate.OneOf(["icbc", "cmb", "ccb"]))
    opening_balance = Int(bits=64, load_default=None, validate=validate.Range(-(10**15), 10**15))


class BankStatementSchema(Schema):
    """An imported bank statement."""

    id = fields.Integer()
    bank_account_id = fields.Integer()
    format = fields.String()
    encoding = fields.String(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    opening_minor = fields.Integer()
    closing_minor = fields.Integer()
    line_count = fields.Integer()


class StatementImportSchema(Schema):
    """What a statement import did."""

    statement = fields.Nested(BankStatementSchema)
    created = fields.Boolean()
    new_lines = fields.Integer()
    known_lines = fields.Integer()


class StripeImportSchema(Schema):
    """What a Stripe import did."""

    new = fields.Integer()
    unchanged = fields.Integer()
    entries = fields.Integer()
    matched = fields.Integer()


class RunSchema(Schema):
    """What a matching run did."""

    matched = fields.Dict(keys=fields.String(), values=fields.Integer())
    opened = fields.Integer()
    closed = fields.Integer()


class ExceptionQuerySchema(Schema):
    """Which exceptions to list."""

    status = fields.String(load_default="open", validate=validate.OneOf(["open", "resolved"]))


class ExceptionSchema(Schema):
    """An item reconciliation could not match."""

    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    stripe_line_id = fields.Integer(allow_none=True)
    bank_line_id = fields.Integer(allow_none=True)
    payment_id = fields.Integer(allow_none=True)
    amount_minor = fields.Integer()
    currency = fields.String()
    detail = fields.String()
    candidates = fields.List(fields.Dict())
    opened_at = fields.DateTime()
    resolution = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    resolved_by_id = fields.Integer(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    assertion_id = fields.Integer(allow_none=True)
    difference_minor = fields.Integer(allow_none=True)


class ManualMatchSchema(FormSchema):
    """Match an exception's item by hand."""

    kind = fields.String(
        required=True, validate=validate.OneOf(["payment", "refund", "payout", "stripe_payout"])
    )
    target_id = Id(required=True)
    note = fields.String(load_default=None, validate=[Length(max=1000), SingleLine()])
    accept_difference = fields.Boolean(load_default=False)


class MarkSchema(FormSchema):
    """Explain an exception."""

    reason = fields.String(required=True, validate=[Length(min=1, max=1000), SingleLine()])


def exchange_currency() -> str:
    """The exchange's currency (``SHUJIAO_CURRENCY``), where a leg or a form leaves it out."""
    return (current_app.config.get("CURRENCY") if has_app_context() else None) or "CNY"


class LegInputSchema(Schema):
    """One leg of a correcting entry."""

    side = fields.String(required=True, validate=validate.OneOf(["debit", "credit"]))
    account = fields.String(required=True, validate=[Length(min=1, max=200), SingleLine()])
    amount_minor = Int(bits=64, required=True, validate=validate.Range(min=1, max=10**15))
    currency = fields.String(load_default=exchange_currency, validate=ISO_CURRENCY)


class CorrectionInputSchema(Schema):
    """A correcting entry proposed for approval by another finance user."""

    exception_id = Id(load_default=None)
    legs = fields.List(fields.Nested(LegInputSchema), required=True,
                       validate=Length(min=2, max=20))  # fmt: skip
    reason = fields.String(required=True, validate=[Length(min=1, max=500), SingleLine()])


class CorrectionSchema(Schema):
    """A correcting entry and where it stands."""

    id = fields.Integer()
    exception_id = fields.Integer(allow_none=True)
    status = fields.String()
    legs = fields.List(fields.Dict())
    reason = fields.String()
    proposed_by_id = fields.Integer()
    decided_by_id = fields.Integer(allow_none=True)
    decision_note = fields.String(allow_none=True)
    entry_id = fields.Integer(allow_none=True)


class CorrectionDecisionSchema(FormSchema):
    """An approval or refusal of a correction, with what its proposer should read."""

    note = fields.String(
        load_default=None, allow_none=True,
        validate=[Length(min=1, max=1000), SingleLine()],
    )  # fmt: skip


class AuditEventSchema(Schema):
    """One action in the audit trail: who (the user, and the API client they acted through),
    what, on what, when."""

    id = fields.Integer()
    action = fields.String()
    kind = fields.Function(lambda event: audit.ACTIONS[event.action][0]
                           if event.action in audit.ACTIONS else None)  # fmt: skip
    subject = fields.String()
    user_id = fields.Integer(allow_none=True)
    user_name = fields.Function(lambda event: event.user.name if event.user else None)
    client_id = fields.String(allow_none=True)
    details = fields.Dict()
    at = fields.DateTime()


class AuditQuerySchema(FormSchema):
    """Which actions of the trail to show: of a kind or one action, in ``[start, end]`` (plain
    dates are the exchange's days, both included)."""

    kind = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf(list(audit.KINDS)))  # fmt: skip
    action = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(list(audit.ACTIONS)))  # fmt: skip
    start = PeriodBound(load_default=None, allow_none=True, plain_time=True)
    end = PeriodBound(load_default=None, allow_none=True, last_day=True, plain_time=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError(N_("The end may not be before the start."), field_name="end")


class ReportQuerySchema(Schema):
    """A report's window and format."""

    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    # Column titles: the reader's words (the pages' default) or the codes (the API's).
    header = fields.String(load_default=None, validate=validate.OneOf(["words", "codes"]))
    # A plain date is the exchange's day: ``start`` its first midnight, ``end`` the one after.
    start = PeriodBound(load_default=None, plain_time=True)
    end = PeriodBound(load_default=None, last_day=True, plain_time=True)
    organisation_id = Id(load_default=None)


class AssertionRangeSchema(Schema):
    """Which days to assert (both ends included; default: every day a statement covers)."""

    start = Date(load_default=None)
    end = Date(load_default=None)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(N_("The end may not be before the start."), field_name="end")


class AssertionQuerySchema(AssertionRangeSchema):
    """Which stored assertions to list."""

    account_key = fields.String(
        load_default=None, validate=validate.Regexp(r"^(stripe|bank:[0-9]{1,12})$")
    )
    status = fields.String(
        load_default=None, validate=validate.OneOf(["agrees", "explained", "differs", "accepted"])
    )


class AssertionSchema(Schema):
    """One day of one reconciled account: statement against ledger, and what explains it."""

    id = fields.Integer()
    account_key = fields.String()
    label = fields.String()
    ledger_account = fields.String()
    currency = fields.String()
    day = fields.Date()
    statement_minor = fields.Integer()
    ledger_minor = fields.Integer()
    difference_minor = fields.Integer()
    open_minor = fields.Integer()
    unexplained_minor = fields.Integer()
    carried_count = fields.Integer()
    opened_count = fields.Integer()
    cleared_count = fields.Integer()
    open_count = fields.Integer()
    status = fields.String()
    computed_at = fields.DateTime()


class OpenItemSchema(Schema):
    """An item open at the end of a day: each side's day and amount (``null``: not yet)."""

    kind = fields.String()
    ref = fields.String()
    statement_day = fields.Date(allow_none=True)
    statement_minor = fields.Integer()
    ledger_day = fields.Date(allow_none=True)
    ledger_minor = fields.Integer()
    archived = fields.Boolean()


class AssertionDetailSchema(AssertionSchema):
    """A day with its open items."""

    open_items = fields.List(fields.Nested(OpenItemSchema))


class PeriodCloseSchema(FormSchema):
    """Approve a close; a reason is needed only when the checklist is not clear."""

    override_reason = fields.String(
        load_default=None, validate=[Length(min=1, max=1000), SingleLine()]
    )


class CloseCheckSchema(Schema):
    """One line of the close checklist."""

    name = fields.String()
    ok = fields.Boolean()
    count = fields.Integer()
    detail = fields.String()


class ReportBuildSchema(Schema):
    """A report built in the background: poll it, then fetch ``download`` when ``done``."""

    id = fields.Integer()
    name = fields.String()
    format = fields.String()
    params = fields.Dict()
    status = fields.String()
    rows = fields.Integer(allow_none=True)
    size = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    requested_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class ReportBuildInputSchema(FormSchema):
    """A report for the worker to build (the console's form)."""

    name = fields.String(
        required=True,
        validate=validate.OneOf(
            ["trial_balance", "general_ledger", "payables", "provider_statement",
             "escrow_ageing", "revenue", "volume"]
        ),
    )  # fmt: skip
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["csv", "xlsx"]))
    start = PeriodBound(load_default=None, allow_none=True, plain_time=True)
    end = PeriodBound(load_default=None, allow_none=True, last_day=True, plain_time=True)
    organisation_id = Id(load_default=None, allow_none=True)


class RefundTransferQuerySchema(Schema):
    """Which bank refunds to list: those to send (the default), sent, paid, or ``all``."""

    status = fields.String(
        load_default="to_send", validate=validate.OneOf(["to_send", "sent", "paid", "all"])
    )


class RefundsPageQuerySchema(Schema):
    """Which bank refunds the payouts page lists: those still to send or in transit
    (``open``, the default), those the bank has paid, or ``all``."""

    class Meta:
        unknown = EXCLUDE

    refunds = fields.String(load_default="open", validate=validate.OneOf(["open", "paid", "all"]))


class RefundTransferSchema(Schema):
    """A bank-paid order's refund, owed to the buyer until finance sends it; with the payee
    account it goes to (the buyer's confirmed one until it is sent; null if there is none)."""

    id = fields.Integer()
    order_id = fields.Integer()
    order_reference = fields.Function(lambda refund: refund.order.reference)
    buyer_organisation_id = fields.Function(lambda refund: refund.order.buyer_organisation_id)
    reference = fields.String()
    amount_minor = fields.Integer()
    currency = fields.String()
    reason = fields.String()
    transfer_status = fields.String()
    completed_at = fields.DateTime(allow_none=True)
    payee_account = fields.Method("_payee")
    sent_by_id = fields.Integer(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    value_date = fields.Date(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    bank_account_id = fields.Integer(allow_none=True)

    def _payee(self, refund):
        payee = refund_transfers.payee_of(db_session(), refund)
        return None if payee is None else PayeeAccountSchema().dump(payee)


# --- The console's forms for imports, bank accounts, corrections and matches -----------------


class StatementFormSchema(StatementOptionsSchema):
    """A statement uploaded from the console: which account, how to read it; the opening
    balance in yuan (only for a layout without a balance column)."""

    bank_account_id = Id(required=True)
    # Yuan as the statement writes them, read by the statement parser in the account's currency.
    opening_balance = fields.String(load_default=None, allow_none=True, validate=Length(max=40))


class CorrectionFormSchema(FormSchema):
    """A two-leg correcting entry typed on the console: debit one account, credit another."""

    exception_id = Id(load_default=None, allow_none=True)
    debit_account = fields.String(required=True, validate=[Length(min=1, max=200), SingleLine()])
    credit_account = fields.String(required=True, validate=[Length(min=1, max=200), SingleLine()])
    currency = fields.String(load_default=exchange_currency, validate=ISO_CURRENCY)
    amount = Money(required=True, minimum=1, maximum=10**15)
    reason = fields.String(required=True, validate=[Length(min=1, max=500), SingleLine()])


class CandidateChoiceSchema(FormSchema):
    """A match by hand chosen from the exception's candidates (``kind:id``); the fields for
    typing another in are ignored then."""

    class Meta:
        unknown = EXCLUDE

    candidate = fields.String(
        required=True,
        validate=validate.Regexp(r"^(payment|refund|payout|stripe_payout):[0-9]{1,12}$"),
    )
    note = fields.String(load_default=None, validate=[Length(max=1000), SingleLine()])
    accept_difference = fields.Boolean(load_default=False)


class OpeningBalanceSchema(Schema):
    """A bank account's opening balance as booked (``bank_opening:<id>``)."""

    key = fields.String()
    amount_minor = fields.Integer()
    currency = fields.String()
    effective_at = fields.DateTime()
