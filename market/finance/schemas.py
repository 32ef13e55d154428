"""Schemas for the ledger API (amounts are integer minor units with their currency)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from market.fields import SingleLine


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

    prefix = fields.String(load_default="", validate=validate.Length(max=200))


class StatementQuerySchema(Schema):
    """An account statement's account and window ``[start, end)``."""

    account = fields.String(required=True, validate=validate.Length(min=1, max=200))
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    start = fields.AwareDateTime(load_default=None)
    end = fields.AwareDateTime(load_default=None)


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

    as_of = fields.AwareDateTime(load_default=None)


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
    """An accounting period."""

    name = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    close_requested_at = fields.DateTime(allow_none=True)
    close_requested_by = fields.String(allow_none=True)


class PeriodInputSchema(Schema):
    """A new period ``[starts_at, ends_at)``."""

    name = fields.String(required=True, validate=[validate.Length(min=1, max=64), SingleLine()])
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


class ExportQuerySchema(Schema):
    """A journal export's window and format."""

    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    start = fields.AwareDateTime(load_default=None)
    end = fields.AwareDateTime(load_default=None)
