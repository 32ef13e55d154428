"""Search curation API for exchange staff: the synonym list (audited) and the search report."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_smorest import Blueprint, Page

from market.api import QueryPage
from market.context import db_session, principal
from market.db import utcnow
from market.errors import InvalidInput
from market.hant import group_to_traditional
from market.i18n import reads_traditional
from market.identity.models import User
from market.oauth.server import requires
from market.searching import schemas, services

blp = Blueprint("search_api", __name__, description="Search curation (staff)")


def _caller() -> User:
    return db_session().get(User, principal().user_id)


def _client() -> str | None:
    return principal().client_id


def _warned(group):
    """``group`` with ``warnings``: each of its terms no listing holds."""
    group.warnings = [
        {
            "code": "unfound",
            "term": item.term,
            "close_to": item.close_to,
            "message": services.unfound_message(item, _),
        }
        for item in services.check_found(db_session(), current_app.extensions["search"], group)
    ]
    return group


def _saved(change, sent: int):
    """The group ``change()`` saves, with ``warnings``; a refusal's ``group`` (the group a term
    is already in, or repeats) in the caller's script, as its message is: the built-in terms,
    which the library writes in Simplified, in Traditional for ``zh-TW``/``zh-HK``. A group of
    too many terms is told how many of the ``sent`` terms were too many."""
    try:
        return _warned(change())
    except InvalidInput as error:
        if error.message == services.MESSAGES["too_many_terms"]:
            told = _(services.MESSAGES["too_many_sent"], sent=sent)
            raise InvalidInput(told, field="terms") from None
        if reads_traditional() and "group" in error.details:
            error.details["group"] = [group_to_traditional(g) for g in error.details["group"]]
        raise


class _GroupPage(QueryPage):
    """A page of groups, each with the built-in groups it joins."""

    @property
    def items(self):
        return services.annotate(db_session(), super().items)


class _ChangePage(QueryPage):
    """A page of the trail, each edit with the names of its user and API client."""

    @property
    def items(self):
        return services.named(db_session(), super().items)


@blp.route("/search/synonyms")
@requires("review:write")
@blp.response(200, schemas.SynonymGroupSchema(many=True))
@blp.paginate(_GroupPage)
def list_synonyms():
    """The exchange's synonym groups, oldest first (the library's defaults apply where none
    overlaps)."""
    return services.groups_query()


@blp.route("/search/synonyms", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.SynonymGroupInputSchema)
@blp.response(201, schemas.SynonymGroupSchema)
def add_synonyms(data):
    """Add a group of equivalent terms; applies to the next search, no reindex. ``warnings``
    names each term no listing holds (saved all the same)."""
    return _saved(
        lambda: services.create(
            db_session(), _caller(), data["terms"], data["note"], utcnow(), _client()
        ),
        len(data["terms"]),
    )


@blp.route("/search/synonyms/<int:group_id>", methods=["PUT"])
@requires("review:write")
@blp.arguments(schemas.SynonymGroupReplaceSchema)
@blp.response(200, schemas.SynonymGroupSchema)
def replace_synonyms(data, group_id: int):
    """Replace a group's terms (and its note, when one is sent: without, it is kept);
    ``warnings`` as for an addition."""
    note = data.get("note", services.KEEP)
    return _saved(
        lambda: services.update(
            db_session(), _caller(), group_id, data["terms"], note, utcnow(), _client()
        ),
        len(data["terms"]),
    )


@blp.route("/search/synonyms/<int:group_id>", methods=["DELETE"])
@requires("review:write")
@blp.arguments(schemas.SynonymDeleteSchema, location="query")
@blp.response(204)
def remove_synonyms(args, group_id: int):
    """Delete a group; ``?note=`` says why, for the trail (200 characters at most)."""
    services.delete(db_session(), _caller(), group_id, utcnow(), _client(), args["note"])


@blp.route("/search/synonyms/defaults")
@requires("review:write")
@blp.arguments(schemas.DefaultGroupArgsSchema, location="query")
@blp.response(200, schemas.DefaultGroupSchema(many=True))
@blp.paginate(Page)
def list_default_synonyms(args):
    """The built-in synonym groups, each named by its first term, and which are deleted;
    ``?term=`` lists those with a term holding it (script, case and width folded)."""
    return services.defaults(db_session(), args["term"])


@blp.route("/search/synonyms/defaults/<string:term>", methods=["DELETE"])
@requires("review:write")
@blp.arguments(schemas.SynonymDeleteSchema, location="query")
@blp.response(204)
def delete_default_synonyms(args, term: str):
    """Stop applying a built-in group, named by any of its terms in either script (audited;
    applies to the next search); ``?note=`` says why."""
    services.delete_default(db_session(), _caller(), term, utcnow(), _client(), args["note"])


@blp.route("/search/synonyms/defaults/<string:term>/restore", methods=["POST"])
@requires("review:write")
@blp.arguments(schemas.SynonymDeleteSchema, location="query")
@blp.response(204)
def restore_default_synonyms(args, term: str):
    """Apply a deleted built-in group again (audited); ``?note=`` says why."""
    services.restore_default(db_session(), _caller(), term, utcnow(), _client(), args["note"])


@blp.route("/search/synonyms/changes")
@requires("review:write")
@blp.response(200, schemas.SynonymChangeSchema(many=True))
@blp.paginate(_ChangePage)
def synonym_changes():
    """The edits of the synonym list, newest first (who, through which API client, when,
    before, after, and the note given)."""
    return services.changes_query()


@blp.route("/search/report")
@requires("review:write")
@blp.arguments(schemas.ReportArgsSchema, location="query")
@blp.response(200, schemas.ReportSchema)
def search_report(args):
    """Top queries without results and frequent queries whose results are rarely opened;
    each query that found nothing within its filters with what its words find without them."""
    engine = current_app.extensions["search"]
    return services.report(db_session(), engine, utcnow(), days=args["days"])
