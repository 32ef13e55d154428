"""Schemas of the synonym list and the search report."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from market.fields import Length
from market.hant import built_in_to_traditional
from market.i18n import reads_traditional
from market.searching.services import MESSAGES
from market.text import N_, FormSchema
from search.analysis import MAX_GROUP_SIZE

_SEPARATORS = re.compile(r"[,，、;；\n]+")


def _one_term(term: str) -> None:
    if _SEPARATORS.search(term):
        raise ValidationError(N_("One term per item: a term holds no comma, semicolon or 、."))


class BuiltInTerm(fields.String):
    """A built-in group's first term in the caller's script: the library writes most in
    Simplified, so in Traditional for ``zh-TW``/``zh-HK``, as a refusal quotes a group."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and reads_traditional():
            value = built_in_to_traditional(value)
        return super()._serialize(value, attr, obj, **kwargs)


class SynonymGroupInputSchema(FormSchema):
    """A synonym group: equivalent terms, a JSON list (a text is refused: "not a valid list")."""

    terms = fields.List(
        fields.String(
            validate=[
                Length(min=1, max=40, error=N_("A synonym term holds at most 40 characters.")),
                _one_term,
            ]
        ),
        required=True,
        # How many terms a group holds is the service's rule, so that a refusal says what is
        # wrong at the top of the answer too (a group needs at least two different terms),
        # not only beside ``terms``; the document still gives the bounds.
        metadata={"minItems": 2, "maxItems": MAX_GROUP_SIZE},
    )
    note = fields.String(load_default=None, allow_none=True, validate=Length(max=200))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def count_with_other_errors(self, data, original, **_):
        # A refusal of another field (a note too long) names the count of terms too, when it
        # is also wrong: the caller mends both at once, not one a round. Alone, the count is
        # left to the service, whose refusal says it at the top.
        if not isinstance(original, dict):
            return
        terms, typed = data.get("terms"), original.get("terms")
        failed = set(original) & set(self.fields) - {*data, "terms"}
        # every term typed was loaded (a term refused is named by itself)
        whole = not isinstance(typed, list) or len(typed) == len(terms or ())
        if failed and whole and isinstance(terms, list) and len(terms) < 2:
            raise ValidationError(MESSAGES["too_few"], "terms")


class SynonymGroupFormSchema(SynonymGroupInputSchema):
    """The page's synonym forms: every typed field is split on , ， 、 ; ； and line breaks
    (the one-step form sends the report's query and the typed words as two fields).
    ``confirm=join`` saves a group that joins a built-in group; without it the page asks first."""

    confirm = fields.String(load_default=None, validate=validate.OneOf(["join"]))
    # the group an edit form replaces (see SynonymTargetSchema)
    group = fields.Integer(load_default=None, validate=validate.Range(min=1))

    @pre_load
    def split_terms(self, data, **_):
        terms = data.get("terms")
        if isinstance(terms, str):
            terms = [terms]
        if isinstance(terms, list) and all(isinstance(t, str) for t in terms):
            split = [p.strip() for t in terms for p in _SEPARATORS.split(t) if p.strip()]
            data = {**data, "terms": split}
        return data


class SynonymGroupReplaceSchema(SynonymGroupInputSchema):
    """A group's new terms; its note is kept unless one (or ``null``) is sent."""

    note = fields.String(allow_none=True, validate=Length(max=200))


class SynonymDeleteSchema(FormSchema):
    """Why a group is deleted: an optional note for the trail, as a group's note is given."""

    note = fields.String(load_default=None, allow_none=True, validate=Length(max=200))


class SynonymWarningSchema(FormSchema):
    """Something the curator should know about a saved group: ``code`` ``unfound`` is a
    term no listing holds (kept; perhaps a typo when ``close_to`` names a word they hold)."""

    code = fields.String()
    term = fields.String()
    # the word the listings hold that the term is close to (a correction a search for it
    # offers), when the term is no known word: perhaps a typo; else none
    close_to = fields.String(allow_none=True)
    message = fields.String()


class SynonymTargetSchema(FormSchema):
    """Which group a form of the curation page (all post to the page's own address) is
    about: ``group`` is replaced, ``delete`` deleted; neither adds a group."""

    group = fields.Integer(validate=validate.Range(min=1))
    delete = fields.Integer(validate=validate.Range(min=1))


class SynonymDeleteFormSchema(SynonymDeleteSchema):
    """The page's deletion form: the group (``delete``) and the note."""

    delete = fields.Integer(required=True, validate=validate.Range(min=1))


class DefaultDeleteFormSchema(SynonymDeleteSchema):
    """The page's deletion form of a built-in group: its first term (``term``) and the note."""

    term = fields.String(required=True, validate=Length(min=1, max=40))


class SynonymGroupSchema(FormSchema):
    """A synonym group as stored."""

    id = fields.Integer()
    terms = fields.List(fields.String())
    note = fields.String(allow_none=True)
    updated_at = fields.DateTime()
    # the first terms of the built-in groups this group joins (their terms apply with it)
    extends = fields.List(BuiltInTerm())
    # the terms no listing held when the group was last saved (none: every term found one)
    unfound = fields.List(fields.String(), allow_none=True)
    # in the answer to an addition or replacement only: terms no listing holds
    warnings = fields.List(fields.Nested(SynonymWarningSchema))


class DefaultGroupArgsSchema(FormSchema):
    """Which built-in groups to list: ``term``, those with a term holding it."""

    term = fields.String(
        load_default=None,
        validate=Length(max=40, error=N_("A synonym term holds at most 40 characters.")),
    )


class DefaultGroupSchema(FormSchema):
    """A built-in synonym group, named by its first term, and whether staff deleted it."""

    term = fields.String()
    terms = fields.List(fields.String())
    deleted = fields.Boolean()


class NoteChangeSchema(FormSchema):
    """A group's note before and after a change (none: it had none, or it was cleared)."""

    before = fields.String(allow_none=True)
    after = fields.String(allow_none=True)


class SynonymChangeSchema(FormSchema):
    """One audited edit of the synonym list."""

    id = fields.Integer()
    group_id = fields.Integer()
    action = fields.String()
    before = fields.List(fields.String(), allow_none=True)
    after = fields.List(fields.String(), allow_none=True)
    user_id = fields.Integer()
    user_name = fields.String()
    # the API client the edit came through (none from the staff page), and its name
    client_id = fields.String(allow_none=True)
    client_name = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    # an addition or change that joins built-in groups: their first terms (else none)
    joins = fields.List(BuiltInTerm(), allow_none=True)
    # a replacement that changed the group's note: the note before and after (else none)
    note_change = fields.Nested(NoteChangeSchema, allow_none=True)
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
    # a query found nothing within these filters (by the search API's names and values, as
    # the search log holds them): ``zero_results_with_filters`` only
    filters = fields.Dict()
    # ``zero_results_with_filters`` only: some of the searches found, within the filters,
    # only listings matching some of the words (relaxed there)
    relaxed = fields.Boolean()
    # ``zero_results_with_filters`` only: how many listings the words find without the
    # filters (none when the search could not answer)
    total_without_filters = fields.Integer(allow_none=True)


class ReportSchema(FormSchema):
    """Top queries without results and queries whose results are rarely opened."""

    days = fields.Integer()
    searches = fields.Integer()
    # searched without filters: words the listings lack
    zero_results = fields.List(fields.Nested(ReportRowSchema))
    # searched with filters (category, region, price …): nothing within them
    zero_results_with_filters = fields.List(fields.Nested(ReportRowSchema))
    low_clicks = fields.List(fields.Nested(ReportRowSchema))
