"""Valuation pages: providers request and read reports; appraisers work through their queue.

The report page shows the inputs, each method's result, the reconciled range, the disclosure
fields and three server-rendered SVG charts; the same page, printed by WeasyPrint, is the PDF.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from marshmallow import ValidationError

from market.auth import login_required, staff_required
from market.context import acting_for, current_user, db_session
from market.db import utcnow
from market.errors import DomainError, InvalidInput, NotFound
from market.forms import error_text, parse_form
from market.identity.models import StaffRole
from market.identity.operator import find_operator
from market.identity.services import membership
from market.money import money
from market.registry.models import Asset
from market.states import Actor
from market.text import N_, Money
from market.trading import comparables as trading_comparables
from market.valuation import (
    charts,
    forms,
    imports,
    models,
    pdf,
    reports,
    schemas,
    services,
    states,
)
from market.valuation.methods import COST_CATEGORIES
from market.valuation.models import ReportStatus, ValuationReport
from market.valuation.states import Action

blp = Blueprint("valuation", __name__)

METHOD_LABELS = {
    "cost": N_("Cost approach"),
    "income": N_("Income approach"),
    "market": N_("Market approach"),
    "range": N_("Reconciled range"),
}
ASSUMPTION_LABELS = {
    "discount_rate": N_("Discount rate"),
    "growth_rate": N_("Growth rate"),
    "attribution_share": N_("Attribution share"),
    "quality": N_("Quality coefficient"),
}
# The reader's language only: the Chinese names of GB/T 36344 are the zh catalogue's.
DIMENSION_LABELS = {
    "conformance": N_("Conformance"),
    "completeness": N_("Completeness"),
    "accuracy": N_("Accuracy"),
    "consistency": N_("Consistency"),
    "timeliness": N_("Timeliness"),
    "accessibility": N_("Accessibility"),
}
CODE_LABELS = {
    "planning": N_("Planning"),
    "collection": N_("Collection"),
    "storage": N_("Storage"),
    "processing": N_("Processing"),
    "labour": N_("Labour"),
    "compliance": N_("Compliance"),
    "indirect": N_("Indirect costs"),
    "opportunity": N_("Opportunity cost"),
    "taxes": N_("Taxes"),
    "historical": N_("Historical cost"),
    "replacement": N_("Replacement cost"),
    "quality": N_("Quality coefficient"),
    "remaining_life": N_("Remaining economic life"),
    "attributable": N_("Attributable income"),
    "royalty": N_("Licence royalties"),
    "entered": N_("Entered by the appraiser"),
    "exchange": N_("Settled on this exchange"),
}
FACTOR_LABELS = {
    "quality": N_("Quality of the comparable"),
    "scale": N_("Scale"),
    "timeliness": N_("Timeliness"),
    "rights": N_("Rights"),
    "region": N_("Region"),
}
LABELS = {
    "code": CODE_LABELS,
    "status": models.REPORT_STATUS_LABELS,
    "purpose": models.PURPOSE_LABELS,
    "classification": models.CLASSIFICATION_LABELS,
    "action": states.ACTION_LABELS,
    "method": METHOD_LABELS,
    "assumption": ASSUMPTION_LABELS,
    "dimension": DIMENSION_LABELS,
    "job": models.PROFILE_JOB_STATUS_LABELS,
    "factor": FACTOR_LABELS,
}
# Blank rows the editor offers after the filled ones.
SPARE_COST_ROWS = 2
COMPARABLE_CANDIDATES = 500
# Error fields the page shows beside a field; any other goes at the top.
SHOWN_NEXT_TO_FIELDS = (
    "weight",
    "cost",
    "income",
    "comp",
    "market",
    "sens_",
    "qo_",
    "quality_override",
    "disclosure",
    "notes",
    "file",
    "schema",
)
SPARE_COMPARABLE_ROWS = 2


@blp.context_processor
def valuation_globals():
    """Labels for the valuation templates."""
    return {
        "vlabels": LABELS,
        "ReportStatus": ReportStatus,
        "field_label": lambda name: forms.field_label(name, _),
    }


@blp.app_context_processor
def asset_valuations_global():
    """``asset_valuations(asset)`` for the registry's asset page (the registry does not know
    valuations): the asset's valuations, newest first."""

    def asset_valuations(asset: Asset) -> list[ValuationReport]:
        return (
            db_session()
            .scalars(
                sa.select(ValuationReport)
                .where(ValuationReport.asset_id == asset.id)
                .order_by(ValuationReport.id.desc())
            )
            .all()
        )

    return {
        "asset_valuations": asset_valuations,
        "valuation_status_labels": models.REPORT_STATUS_LABELS,
    }


def _readable(report_id: int) -> ValuationReport:
    """A report the signed-in user may read: their organisation's, or any for appraisers and
    reviewers (compliance review checks cited reports)."""
    user = current_user()
    staff = user.has_staff_role(StaffRole.APPRAISER, StaffRole.REVIEWER)
    return services.report_or_404(db_session(), report_id, None if staff else acting_for())


def sealed(report: ValuationReport) -> bool:
    """Whether the signed-in user sees only the status: a provider, before the report is final
    (so nobody watches, or argues over, the values while the appraiser works)."""
    if report.status == ReportStatus.FINAL:
        return False
    return not current_user().has_staff_role(StaffRole.APPRAISER, StaffRole.REVIEWER)


def _fmt(report: ValuationReport):
    return lambda minor: money(minor, report.currency)


def report_charts(report: ValuationReport) -> dict:
    """The report's charts (empty until the methods have run)."""
    found = {}
    results = report.results
    label = {name: _(text) for name, text in METHOD_LABELS.items()}
    if results:
        found["methods"] = charts.methods_chart(
            _("Value by method and the reconciled range"),
            label,
            results["methods"],
            results["low"],
            results["base"],
            results["high"],
            _fmt(report),
        )
        if results["swings"]:
            found["tornado"] = charts.tornado_chart(
                _("Sensitivity of the reconciled value"),
                {name: _(text) for name, text in ASSUMPTION_LABELS.items()},
                results["swings"],
                results["base"],
                _fmt(report),
            )
    if report.profile:
        found["radar"] = charts.radar_chart(
            _("Data quality by dimension (GB/T 36344-2018)"),
            {name: _(text) for name, text in DIMENSION_LABELS.items()},
            report.profile["scores"],
        )
    return found


# --- provider ------------------------------------------------------------------------------


@blp.route("/valuations", methods=["GET", "POST"])
@login_required
def valuation_list():
    """Your organisations' valuations, and a form to request one."""
    session, errors, form = db_session(), {}, request.args  # ?asset_id= from the asset page
    if request.method == "POST":
        form = request.form
        data, errors = parse_form(schemas.RequestFormSchema())
        if not errors:
            try:
                report = services.request(session, acting_for(), current_user(), data, utcnow())
            except DomainError as error:
                errors = {error.field or "form": [_(error.message)]}
            else:
                flash(_("Valuation requested; an appraiser will take it."))
                return redirect(url_for("valuation.report_page", report_id=report.id))
    reports = session.scalars(
        sa.select(ValuationReport)
        .where(ValuationReport.organisation_id.in_(acting_for()))
        .order_by(ValuationReport.id.desc())
    ).all()
    assets = session.scalars(
        sa.select(Asset).where(Asset.organisation_id.in_(acting_for())).order_by(Asset.id.desc())
    ).all()
    status = 422 if errors else 200
    return render_template(
        "valuation/list.html",
        reports=reports,
        assets=assets,
        purposes=list(models.Purpose),
        errors=errors,
        form=form,
    ), status


@blp.route("/valuations/<int:report_id>")
@login_required
def report_page(report_id: int):
    """A valuation report: inputs, each method, the range, charts and disclosure."""
    report = _readable(report_id)
    return _render_report(report)


def _render_report(
    report: ValuationReport,
    errors: dict | None = None,
    drafts: dict | None = None,
    form: dict | None = None,
):
    user = current_user()
    appraiser = user.has_staff_role(StaffRole.APPRAISER)
    actor_actions = states.allowed_actions(report.status, Actor.APPRAISER) if appraiser else []
    if report.organisation_id in acting_for():
        actor_actions += states.allowed_actions(report.status, Actor.PROVIDER)
    drafts = drafts or {}
    editing = Action.EDIT in actor_actions and report.appraiser_id == user.id
    form = form if form is not None else forms.to_form(report.inputs, report.currency)
    return render_template(
        "valuation/report.html",
        report=report,
        charts=report_charts(report),
        actions=actor_actions,
        Action=Action,
        errors=errors or {},
        form=form,
        editor=_editor(report, form) if editing else None,
        schema_text=_schema_text(report, drafts.get("schema")),
        sealed=sealed(report),
        chosen_file=drafts.get("file"),
        verified=reports.verify(db_session(), report)
        if report.status == ReportStatus.FINAL
        else None,
    ), (422 if errors else 200)


def _ranked(report: ValuationReport) -> list[dict]:
    """The exchange's settled trades ranked for this report (as ``GET …/comparables``)."""
    session, now = db_session(), utcnow()
    trades = trading_comparables.settled_trades(
        session, None, report.currency, now, limit=COMPARABLE_CANDIDATES
    )
    listed = trading_comparables.listed_terms(session, report.asset_id)
    return services.ranked_comparables(session, report, trades, listed, {}, now)


def _editor(report: ValuationReport, form: dict) -> dict:
    """The inputs editor's rows: cost items and comparables (filled, then spare), with the
    exchange's ranked trades not yet counted offered to include."""
    cost = forms.row_indexes(form, "cost_item")
    spare = range(max(cost, default=-1) + 1, max(cost, default=-1) + 1 + SPARE_COST_ROWS)
    ranked = _ranked(report)
    comparables = _comparable_rows(form, ranked, report.currency)
    return {
        "cost_rows": [*cost, *spare],
        "comparable_rows": comparables,
        "categories": COST_CATEGORIES,
        "classifications": list(models.Classification),
    }


def _comparable_rows(form: dict, ranked: list[dict], currency: str) -> list[dict]:
    """The comparable rows in the order the appraiser saw them, renumbered in ``form`` so that
    a row's index is its position (what is saved is then in that order too).

    The exchange's trades come first, in their ranked order: a trade left out stays where it
    was offered, between the ones counted, instead of dropping below them after a save. Rows
    of the appraiser's own follow, in the order they were entered; then spare rows.
    """
    position = {trade["reference"]: rank for rank, trade in enumerate(ranked)}
    by_reference = {trade["reference"]: trade for trade in ranked}
    present = [
        {name: form.get(f"comp{i}_{name}") for name in (*forms.COMP_FIELDS, "include")}
        for i in forms.row_indexes(form, "comp")
    ]
    taken = {row["reference"] for row in present}
    offered = [
        {
            **{
                name: forms.major(trade[name], currency) if name == "price" else str(trade[name])
                for name in forms.COMP_FIELDS
            },
            "include": None,
        }
        for trade in ranked
        if trade["reference"] not in taken
    ]
    trades = [row for row in present if row["source"] == "exchange"] + offered
    # Stable: trades no longer ranked keep their saved order, after the ranked ones.
    trades.sort(key=lambda row: position.get(row["reference"], len(position)))
    own = [row for row in present if row["source"] != "exchange"]
    for key in [key for key in form if forms.ROW.match(key) and key.startswith("comp")]:
        del form[key]
    rows = []
    for index, row in enumerate([*trades, *own]):
        for name, value in row.items():
            if value is not None:
                form[f"comp{index}_{name}"] = value
        trade = by_reference.get(row["reference"] or "") if row["source"] == "exchange" else None
        rows.append(
            {
                "index": index,
                "trade": trade,
                "price": _shown_price(row["price"], trade, currency),
            }
        )
    first_spare = len(rows)
    rows += [
        {"index": i, "trade": None, "price": None}
        for i in range(first_spare, first_spare + SPARE_COMPARABLE_ROWS)
    ]
    return rows


def _shown_price(typed: str | None, trade: dict | None, currency: str) -> str | None:
    """An exchange trade's price as money (``¥7,650.00``), as every page shows money."""
    if trade is not None:
        return money(trade["price"], currency)
    try:
        return money(Money(currency=currency).deserialize(typed or ""), currency)
    except ValidationError:
        return typed


def print_html(report: ValuationReport) -> str:
    """The page WeasyPrint prints: marked as a draft on every page until the report is final."""
    return render_template(
        "valuation/report_print.html",
        report=report,
        charts=report_charts(report),
        sealed=False,
        verified=reports.verify(db_session(), report)
        if report.status == ReportStatus.FINAL
        else None,
        **valuation_globals(),
    )


@blp.route("/valuations/<int:report_id>/report.pdf")
@login_required
def report_pdf(report_id: int):
    """The report as a PDF (WeasyPrint), Chinese included."""
    report = _readable(report_id)
    if sealed(report):
        raise NotFound(N_("The report is shown once it is final."))
    body = pdf.render(print_html(report), base_url=request.url_root)
    name = report.number or f"valuation-{report.id}"
    return current_app.response_class(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@blp.route("/verify/valuations/<number>")
def verify_page(number: str):
    """Public verification of a final report: what it values, its range, who signed it, its
    hash and whether it still matches the registry log (no sign-in)."""
    session = db_session()
    report = reports.final_report(session, number)
    if report is None:
        raise NotFound(N_("No such valuation report."))
    return render_template(
        "valuation/verify.html", report=report, verified=reports.verify(session, report)
    )


@blp.route("/valuations/<int:report_id>/cancel", methods=["POST"])
@login_required
def cancel(report_id: int):
    """Withdraw a request no appraiser has taken yet."""
    report = services.report_or_404(db_session(), report_id, acting_for())
    try:
        services.cancel(db_session(), report)
    except DomainError as error:
        return _render_report(report, {"form": [_(error.message)]})
    flash(_("Request cancelled."))
    return redirect(url_for("valuation.report_page", report_id=report.id))


# --- appraiser -----------------------------------------------------------------------------


@blp.route("/appraisal/valuations/<int:report_id>/profile-job")
@staff_required(StaffRole.APPRAISER)
def profile_job_status(report_id: int):
    """The latest profile job's status as JSON, which ``job-status.js`` polls until it ends."""
    report = services.report_or_404(db_session(), report_id, None)
    job = report.profile_job
    if job is None:
        raise NotFound(N_("No profile has been requested."))
    status = str(job.status)
    return jsonify(
        status=status,
        label=_(LABELS["job"][job.status]),
        finished=status not in ("queued", "running"),
    )


@blp.route("/appraisal/valuations")
@staff_required(StaffRole.APPRAISER)
def appraisal_queue():
    """Open valuations, oldest request first, and recently finalised ones."""
    session = db_session()
    open_reports = session.scalars(services.queue()).all()
    final = session.scalars(
        services.queue(ReportStatus.FINAL)
        .order_by(None)
        .order_by(ValuationReport.finalised_at.desc())
        .limit(20)
    ).all()
    operator = find_operator(session)
    clients_page = (
        url_for("oauth_pages.clients", organisation_id=operator.id)
        if operator is not None and membership(session, operator.id, current_user()) is not None
        else None
    )
    return render_template(
        "valuation/queue.html", open_reports=open_reports, final=final, clients_page=clients_page
    )


_ACTIONS = "take, inputs, profile, 'retry-profile', run, finalise"


@blp.route("/appraisal/valuations/<int:report_id>")
@blp.route(f"/appraisal/valuations/<int:report_id>/<any({_ACTIONS}):action>")
@blp.route("/valuations/<int:report_id>/<any(cancel):action>")
@login_required
def report_alias(report_id: int, action: str | None = None):
    """Addresses a reader would type or follow for a report (the queue's path with a number,
    an action's address opened as a page) lead to the report's one page."""
    return redirect(url_for("valuation.report_page", report_id=report_id), code=301)


def _schema_text(report: ValuationReport, draft: str | None) -> str:
    """The profile form's schema box: what was typed, else the asset's declared fields."""
    if draft is not None:
        return draft
    declared = services.asset_schema(report.asset)
    return json.dumps(declared, ensure_ascii=False, indent=1) if declared else ""


def _json_field(name: str) -> dict:
    """The JSON object typed in ``name``; ``{}`` when the box is left empty."""
    text = request.form.get(name, "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        where = {"line": error.lineno, "column": error.colno}
        raise ValidationError(
            {name: [_("Not valid JSON (line %(line)s, column %(column)s).", **where)]}
        ) from error
    except (ValueError, RecursionError) as error:  # RecursionError: hostile nesting
        raise ValidationError({name: [_("Not valid JSON.")]}) from error
    if not isinstance(value, dict):
        raise ValidationError({name: [_("Expected a JSON object.")]})
    return value


def _schema_errors(errors: dict) -> dict:
    """Errors of the declared schema, each naming the declared field it is about by its name
    (``schema.fields.1.type`` → "客流人次"), in the reader's language."""
    try:
        typed = json.loads(request.form.get("schema", "") or "{}")
    except (ValueError, RecursionError):
        typed = {}
    declared = typed.get("fields") if isinstance(typed, dict) else None
    named = {}
    for path, messages in errors.items():
        parts = path.split(".")
        name = None
        if len(parts) >= 3 and parts[1] == "fields" and parts[2].isdigit():
            index = int(parts[2])
            if isinstance(declared, list) and index < len(declared):
                entry = declared[index]
                name = entry.get("name") if isinstance(entry, dict) else None
        texts = [error_text(message) for message in messages]
        if isinstance(name, str) and name:
            texts = [_("Field “%(name)s”: %(message)s", name=name, message=t) for t in texts]
        named[path] = texts
    return named


@blp.route("/appraisal/valuations/<int:report_id>/<action>", methods=["POST"])
@staff_required(StaffRole.APPRAISER)
def appraise(report_id: int, action: str):
    """Take the valuation, save inputs, profile a file, run the methods or finalise."""
    session, user, now = db_session(), current_user(), utcnow()
    report = services.report_or_404(session, report_id, None)
    drafts = {"schema": request.form.get("schema"), "file": request.form.get("file")}
    posted = dict(request.form) if action == "inputs" else None
    try:
        if action == "take":
            services.take(session, report, user, now)
        elif action == "inputs":
            nested, rows = forms.nest(request.form, report.currency)
            try:
                data = forms.InputsFormSchema().load(nested)
            except ValidationError as error:
                messages = forms.flat_errors(error.normalized_messages(), rows)
                return _render_report(report, messages, drafts, dict(request.form))
            services.save_inputs(session, report, user, schemas.InputsSchema().dump(data))
        elif action == "import-inputs":
            upload = request.files.get("sheet")
            if upload is None or not upload.filename:
                raise InvalidInput(N_("Choose a sheet to import."), field="sheet")
            rows = imports.read_rows(upload.read(imports.MAX_BYTES + 1))
            services.save_inputs(session, report, user, imports.load_rows(rows))
            posted = None  # the form shows what was imported
        elif action == "inputs-from-previous":
            inputs = imports.previous_inputs(session, report)
            services.save_inputs(session, report, user, inputs)
            posted = None
        elif action == "profile":
            raw_schema = _json_field("schema")
            data = schemas.ProfileInputSchema().load(
                {"file": request.form.get("file", ""), "schema": raw_schema}
            )
            services.request_profile(session, report, user, data, now)
            flash(_("Profile queued; the page shows when it is done."))
        elif action == "retry-profile":
            services.retry_profile(session, report, user, now)
            flash(_("Profile queued again."))
        elif action == "run":
            services.run(session, report, user, now)
        elif action == "finalise":
            services.finalise(session, report, user, now)
        else:
            raise NotFound(N_("No such action."))
        if action == "take":
            flash(_("Valuation taken: it is yours to work on."))
        elif action == "inputs":
            flash(_("Inputs saved."))
        elif action in ("import-inputs", "inputs-from-previous"):
            flash(_("Inputs imported; run the methods again."))
        elif action == "run":
            flash(_("Methods run: the results are below."))
        elif action == "finalise":
            flash(
                _(
                    "Valuation finalised and signed: report %(number)s.",
                    number=report.number,
                )
            )
    except ValidationError as error:
        session.rollback()
        errors = _flat(error.normalized_messages())
        if action == "profile":
            errors = _schema_errors(errors)
        return _render_report(report, errors, drafts, posted)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        session.rollback()
        if action == "import-inputs":
            # Said at the top: the rows of the sheet are in no field of the page.
            named = error.details or {k: v for k, v in error.errors.items() if k.startswith("rows")}
            lines = [_(error.message)] if error.details or not named else []
            return _render_report(
                services.report_or_404(session, report_id, None),
                {"form": lines + _row_errors(named)},
                drafts,
                posted,
            )
        field = forms.field_name(error.field) if error.field else "form"
        if not field.startswith(SHOWN_NEXT_TO_FIELDS):
            field = "form"  # results, profile, inputs: said at the top of the page
        errors = {field: [_(error.message)]}
        if action == "profile":
            errors = _schema_errors(errors)
        return _render_report(
            services.report_or_404(session, report_id, None), errors, drafts, posted
        )
    return redirect(url_for("valuation.report_page", report_id=report.id))


def _row_errors(errors: dict) -> list[str]:
    """An imported sheet's errors as lines naming the row and column (or the input's path)."""
    lines = []
    for key, messages in errors.items():
        parts = key.split(".")
        for message in messages:
            if parts[0] == "rows" and len(parts) == 3:
                lines.append(
                    _("Row %(row)s, column %(column)s: %(message)s",
                      row=parts[1], column=parts[2], message=_(message))
                )  # fmt: skip
            elif parts[0] == "rows":
                lines.append(_("Row %(row)s: %(message)s", row=parts[1], message=_(message)))
            else:
                lines.append(f"{key}: {_(message)}")
    return lines


@blp.route("/appraisal/valuations/<int:report_id>/inputs.csv")
@staff_required(StaffRole.APPRAISER)
def inputs_sheet(report_id: int):
    """The inputs as a ``path,value`` sheet: the template an import reads."""
    report = services.report_or_404(db_session(), report_id, None)
    return Response(
        imports.sheet_csv(report.inputs),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=valuation-{report.id}-inputs.csv"},
    )


def _flat(messages: dict, prefix: str = "") -> dict:
    flat: dict = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, f"{name}."))
        else:
            flat[name] = value
    return flat
