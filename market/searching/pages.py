"""Pages: the staff's search curation page, result-click tracking and page suggestions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from market.auth import staff_required
from market.context import current_user, db_session
from market.db import utcnow
from market.display import colon, word_list
from market.errors import DomainError, InvalidInput
from market.forms import parse_form
from market.hant import built_in_to_traditional, group_to_traditional
from market.i18n import reads_traditional
from market.identity.models import Organisation, StaffRole
from market.listings import discovery
from market.listings.pages import FACET_TITLES
from market.listings.rates import CNY
from market.listings.schemas import SUGGEST_MAX
from market.money import money, plain_amount
from market.searching import schemas, services
from market.text import N_
from search import analysis
from search.lexicon import DEFAULT_SYNONYMS

blp = Blueprint("searching", __name__)


def _shown(term: str) -> str:
    """A term as the page shows it: a built-in term (the library writes most in Simplified)
    in Traditional on a Traditional page, display only; the staff's own terms as typed."""
    return built_in_to_traditional(term) if reads_traditional() else term


def _shown_list(terms: str) -> str:
    """A group as a message quotes it (terms joined by ", "), each term :func:`_shown`."""
    return group_to_traditional(terms) if reads_traditional() else terms


@blp.route("/staff/search")
@staff_required(StaffRole.REVIEWER)
def curation():
    """Queries without results or clicks, the synonym list and its latest edits."""
    return _page({}, {})


def _page(
    errors: dict, form: dict, status: int = 200, editing: int | None = None, confirm=None,
    deleting: int | None = None, deleting_default: str | None = None,
):  # fmt: skip
    session = db_session()
    groups = services.annotate(session, services.groups(session))
    found = services.report(session, current_app.extensions["search"], utcnow())
    # A query of the report that a staff group now holds says so in its row, read as the
    # search reads it (船運數據 is held by a group of 船運); its one-step form offers the words
    # a query keeps less its place words (香港 樓價 → 樓價), none when no word is left.
    holding = {analysis.term_key(term): group for group in groups for term in group.terms}
    for row in (*found["zero_results"], *found["zero_results_with_filters"], *found["low_clicks"]):
        row["term"] = services.offered(row["query"])
        # A whole request (hourly weather observations Hong Kong …) is no synonym term: its
        # form would be refused, so its row offers none.
        row["too_long"] = len(row["term"] or "") > analysis.MAX_TERM_LENGTH
        row["group"] = holding.get(analysis.term_key(row["term"] or row["query"]))
    for row in found["zero_results_with_filters"]:
        row["labels"] = _filter_labels(session, row["filters"])
        row["with_filters"] = url_for("listings.market", q=row["query"], **_market_args(row))
        row["without_filters"] = url_for("listings.market", q=row["query"])
    changes = services.changes(session, limit=20)
    for change in changes:
        # A built-in group's deletion or restoration quotes the library's terms.
        show = _shown if change.action.startswith("default_") else str
        change.shown_before = [show(term) for term in change.before or ()]
        change.shown_after = [show(term) for term in change.after or ()]
    # ``built_in``: the built-in groups with a term holding it (the whole list is long).
    holding = " ".join(request.args.get("built_in", "").split())[: analysis.MAX_TERM_LENGTH]
    page = render_template(
        "searching/curation.html",
        report=found,
        groups=groups,
        defaults=services.defaults(session, holding or None),
        holding=holding,
        all_defaults=len(DEFAULT_SYNONYMS),
        changes=changes,
        errors=errors,
        form=form,
        editing=editing,
        confirm=confirm,
        deleting=deleting,
        deleting_default=deleting_default,
        shown=_shown,
    )
    return page, status


#: The titles of a logged search's filters besides the market's own facet titles.
_FILTER_TITLES = {
    "price_min": N_("Price from"),
    "price_max": N_("Price up to"),
    "year_from": N_("Data up to (from year)"),
    "year_to": N_("Data up to (until year)"),
}


def _filter_labels(session, filters: dict) -> list[str]:
    """A logged search's filters (the API's names and values) as a reader names them:
    ``Category: Finance``, ``Price up to: ¥1,000.00``; a provider by its name."""
    locale, out = str(get_locale()), []
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if name in ("price_min", "price_max"):
            shown = [money(v, CNY) if isinstance(v, int) else str(v) for v in values]
        elif name in ("year_from", "year_to"):
            shown = [str(v) for v in values]
        elif name == "provider":
            shown = _provider_names(session, values, locale)
        else:
            shown = [discovery.filter_label(name, v, _, locale) for v in values]
        title = _FILTER_TITLES.get(name) or FACET_TITLES.get(name)
        out.append(colon(_(title) if title else name) + word_list(shown))
    return out


def _provider_names(session, ids: list, locale: str) -> list[str]:
    """Providers' names in the reader's language, by the ids a search was filtered on."""
    known = [int(i) for i in ids if str(i).isdigit()]
    rows = session.execute(
        sa.select(Organisation.id, Organisation.name_zh, Organisation.name_en).where(
            Organisation.id.in_(known)
        )
    )
    names = {i: (zh if locale.startswith("zh") else en) or zh for i, zh, en in rows}
    return [names.get(int(i), str(i)) if str(i).isdigit() else str(i) for i in ids]


def _market_args(row: dict) -> dict:
    """The market page's URL arguments for a logged search's filters (prices in yuan, the
    highest as the page's exclusive ``price_below``), to run it again on the page."""
    out = {}
    for name, value in row["filters"].items():
        if name == "price_min" and isinstance(value, int):
            out["price_from"] = plain_amount(value, CNY)
        elif name == "price_max" and isinstance(value, int):
            out["price_below"] = plain_amount(value + 1, CNY)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = value
    return out


def _messages(errors: dict, terms: list[str]) -> dict:
    """Errors as the page shows them: a term's message names the term (marshmallow keys a
    list item's message by its position), a clash names the term and the group it is in."""
    hidden = ("terms", "term", "group", "same_as")
    out = {key: value for key, value in errors.items() if key not in hidden}
    found = errors.get("terms")
    messages: list[str] = []
    if isinstance(found, dict):
        for index, items in sorted(found.items(), key=lambda item: int(item[0])):
            term = terms[int(index)] if int(index) < len(terms) else ""
            shown = term if len(term) <= 20 else term[:20] + "…"
            messages += [_("“%(term)s”: %(message)s", term=shown, message=_(m)) for m in items]
    elif found and errors.get("term") and not errors.get("group") and not errors.get("same_as"):
        term = errors["term"][0]
        shown = term if len(term) <= 20 else term[:20] + "…"
        messages = [_("“%(term)s”: %(message)s", term=shown, message=_(m)) for m in found]
    elif found == [services.MESSAGES["too_many_terms"]]:
        messages = [_(services.MESSAGES["too_many_sent"], sent=len(terms))]
    elif found:
        messages = [_(m) for m in found]
    if errors.get("term") and errors.get("same_as"):
        # The same word twice, written otherwise (港鐵, 港铁): say so, naming both.
        both = {"term": errors["same_as"][0], "other": errors["term"][0]}
        if found == [services.MESSAGES["other_script"]]:
            messages = [
                _(
                    "“%(term)s” and “%(other)s” are one word written in other characters "
                    "(Traditional, Simplified or a variant): a search already finds either by "
                    "the other, so give it once, beside terms that differ.",
                    **both,
                )
            ]
        else:
            messages = [
                _(
                    "“%(term)s” and “%(other)s” differ only in case, width or spaces: a search "
                    "reads them as one term, so give it once.",
                    **both,
                )
            ]
    elif errors.get("group") and found == [services.MESSAGES["duplicate"]]:
        quoted = [_("“%(term)s”", term=term) for term in errors.get("term") or ()]
        messages = [
            _(
                "%(terms)s are already in the built-in synonym group “%(group)s”: a search "
                "for any of them already finds what the others find, so the group would add "
                "nothing.",
                terms=word_list(quoted),
                group=_shown_list(errors["group"][0]),
            )
        ]
    elif errors.get("term") and errors.get("group"):
        messages = [
            _(
                "“%(term)s” is already in the synonym group “%(group)s”; edit that group instead.",
                term=errors["term"][0],
                group=_shown_list(errors["group"][0]),
            )
        ]
    elif errors.get("group"):
        messages = [
            _(
                "With the built-in group it joins (“%(group)s”), the group would have more "
                "than 20 terms.",
                group=_shown_list(errors["group"][0]),
            )
        ]
    if messages:
        out["terms"] = messages
    return out


def _typed_terms() -> list[str]:
    return schemas.SynonymGroupFormSchema().split_terms({"terms": request.form.getlist("terms")})[
        "terms"
    ]


def _save(group_id: int | None = None):
    data, errors = parse_form(schemas.SynonymGroupFormSchema())
    group = None
    if not errors and data["confirm"] != "join":
        # Joining a built-in group widens what every term of the group finds: ask first.
        try:
            joins = services.joining(db_session(), data["terms"], group_id)
        except DomainError as error:
            if error.status == 404:
                raise
            errors, joins = error.errors, []
        if joins:
            form = {"terms": ", ".join(data["terms"]), "note": data["note"] or ""}
            confirm = {"joins": joins, "terms": data["terms"], "note": data["note"] or ""}
            confirm["group"] = group_id
            return _page({}, form, editing=group_id, confirm=confirm)
    if not errors:
        try:
            if group_id is None:
                group = services.create(
                    db_session(), current_user(), data["terms"], data["note"], utcnow()
                )
            else:
                # The form sends the group's note back as it was: the trail records a note
                # only when it changed.
                kept = services.group_or_404(db_session(), group_id).note
                note = services.KEEP if (data["note"] or None) == (kept or None) else data["note"]
                group = services.update(
                    db_session(), current_user(), group_id, data["terms"], note, utcnow()
                )
        except DomainError as error:
            if error.status == 404:
                raise
            errors = error.errors
    if errors:
        # What was typed comes back to be mended; an entry of only commas too, which splits
        # into no term at all.
        typed = ", ".join(_typed_terms()) or " ".join(request.form.getlist("terms")).strip()
        form = {"terms": typed, "note": request.form.get("note", "")}
        return _page(_messages(errors, _typed_terms()), form, 422, editing=group_id)
    flash(_("Synonyms saved; they apply to the next search."))
    if group.extends:
        flash(
            _(
                "The group joins the built-in group “%(group)s”: its words apply with yours.",
                group="”, “".join(_shown(first) for first in group.extends),
            )
        )
    # A buyer's word missing from the listings is what synonyms are for, but one close to a
    # word the listings hold may be a typo: say which, the group saved all the same.
    for item in services.check_found(db_session(), current_app.extensions["search"], group):
        flash(services.unfound_message(item, _))
    return redirect(url_for("searching.curation"))


@blp.route("/staff/search", methods=["POST"])
@staff_required(StaffRole.REVIEWER)
def curate():
    """Add a synonym group (the main form, or the one-step form next to a query of the
    report), replace one (``group``) or delete one (``delete``, with an optional note).

    Every synonym form posts to the page's own address, so a refused form comes back (422)
    at the page's address: reopened, asked for from the address bar or through the language
    switch, it is the page; a reload sends the refused form again, which saves nothing."""
    target, errors = _target()
    if errors:
        return _page(errors, {}, 422)
    if target.get("delete") is not None:
        return _delete(target["delete"])
    return _save(target.get("group"))


def _target() -> tuple[dict, dict]:
    """Which group the posted form is about (``group``, ``delete``), or a 422 naming it."""
    wanted = {key: request.form[key] for key in ("group", "delete") if key in request.form}
    try:
        return schemas.SynonymTargetSchema().load(wanted), {}
    except ValidationError as error:
        return {}, error.normalized_messages()


def _delete(group_id: int):
    """Delete a synonym group, with an optional note for the trail."""
    data, errors = parse_form(schemas.SynonymDeleteFormSchema())
    if errors:
        return _page(errors, {"note": request.form.get("note", "")}, 422, deleting=group_id)
    services.delete(db_session(), current_user(), group_id, utcnow(), note=data["note"])
    flash(_("Synonym group deleted."))
    return redirect(url_for("searching.curation"))


@blp.route("/staff/search/synonyms/defaults/delete", methods=["POST"])
@staff_required(StaffRole.REVIEWER)
def delete_default_synonyms():
    """Stop applying a built-in synonym group (named by its first term), with an optional
    note for the trail, as a staff group's deletion takes."""
    data, errors = parse_form(schemas.DefaultDeleteFormSchema())
    if errors:
        form = {"note": request.form.get("note", "")}
        return _page(errors, form, 422, deleting_default=request.form.get("term", ""))
    services.delete_default(db_session(), current_user(), data["term"], utcnow(), note=data["note"])
    flash(_("Built-in synonym group deleted."))
    return redirect(url_for("searching.curation"))


@blp.route("/staff/search/synonyms/defaults/restore", methods=["POST"])
@staff_required(StaffRole.REVIEWER)
def restore_default_synonyms():
    """Apply a deleted built-in synonym group again."""
    services.restore_default(db_session(), current_user(), request.form.get("term", ""), utcnow())
    flash(_("Built-in synonym group restored."))
    return redirect(url_for("searching.curation"))


@blp.route("/market/open/<int:query_id>/<int:listing_id>")
def open_result(query_id: int, listing_id: int):
    """Count a click on a search result, then show the listing."""
    given = request.args.getlist("pos")
    if len(given) != 1 or not given[0].isascii() or not given[0].isdigit() or len(given[0]) > 6:
        raise InvalidInput(N_("Not a position among the search's results."), field="pos")
    position = int(given[0])
    services.log_click(db_session(), query_id, listing_id, position, utcnow())
    return redirect(url_for("listings.listing_page", listing_id=listing_id))


@blp.route("/market/suggest")
def suggest():
    """Suggestions for the search box, as JSON (as the API's ``/listings/suggest``)."""
    given = request.args.getlist("q")
    if len(given) > 1:
        raise InvalidInput(N_("Given more than once."), field="q")
    text = given[0] if given else ""  # the box's text as typed so far
    if len(text) > SUGGEST_MAX:  # as the API's /listings/suggest refuses it
        raise InvalidInput(f"Longer than maximum length {SUGGEST_MAX}.", field="q")
    engine, synonyms = current_app.extensions["search"], services.current(db_session())
    try:
        found = discovery.suggest(engine, text, synonyms, str(get_locale()))
    except DomainError:
        found = []
    return jsonify(
        [{"text": item.text, "listing_id": int(item.id), "kind": item.kind} for item in found]
    )
