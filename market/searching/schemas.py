"""Schemas of the synonym list and the search report."""

from __future__ import annotations

import re

from marshmallow import fields, pre_load, validate

from market.text import FormSchema

_SEPARATORS = re.compile(r"[,，、;；\n]+")


class SynonymGroupInputSchema(FormSchema):
    """A synonym group: equivalent terms (a list, or one text separated by commas)."""

    terms = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=2, max=20),
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @pre_load
    def split_terms(self, data, **_):
        """A page sends the terms as one text: 地铁, metro, subway."""
        terms = data.get("terms")
        if isinstance(terms, list) and len(terms) == 1 and isinstance(terms[0], str):
            terms = terms[0]
        if isinstance(terms, str):
            data = {**data, "terms": [t.strip() for t in _SEPARATORS.split(terms) if t.strip()]}
        return data


class SynonymGroupReplaceSchema(SynonymGroupInputSchema):
    """A group's new terms; its note is kept unless one (or ``null``) is sent."""

    note = fields.String(allow_none=True, validate=validate.Length(max=200))


class SynonymGroupSchema(FormSchema):
    """A synonym group as stored."""

    id = fields.Integer()
    terms = fields.List(fields.String())
    note = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class DefaultGroupSchema(FormSchema):
    """A built-in synonym group, named by its first term, and whether staff deleted it."""

    term = fields.String()
    terms = fields.List(fields.String())
    deleted = fields.Boolean()


class SynonymChangeSchema(FormSchema):
    """One audited edit of the synonym list."""

    id = fields.Integer()
    group_id = fields.Integer()
    action = fields.String()
    before = fields.List(fields.String(), allow_none=True)
    after = fields.List(fields.String(), allow_none=True)
    user_id = fields.Integer()
    at = fields.DateTime()


class ReportArgsSchema(FormSchema):
    """Which period the search report covers."""

    days = fields.Integer(load_default=30, validate=validate.Range(1, 366))


class ReportRowSchema(FormSchema):
    """A query in the report."""

    query = fields.String()
    searches = fields.Integer()
    clicked = fields.Integer()
    click_rate = fields.Float()


class ReportSchema(FormSchema):
    """Top queries without results and queries whose results are rarely opened."""

    days = fields.Integer()
    searches = fields.Integer()
    zero_results = fields.List(fields.Nested(ReportRowSchema))
    low_clicks = fields.List(fields.Nested(ReportRowSchema))
