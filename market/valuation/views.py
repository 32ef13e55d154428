"""Valuation API: providers request and read valuations; appraisers take, run and finalise them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response
from flask_smorest import Blueprint

from market.api import QueryPage
from market.context import acting_for, db_session, principal
from market.db import utcnow
from market.errors import NotFound
from market.identity.models import User
from market.oauth.server import requires
from market.text import N_
from market.trading import comparables as trading_comparables
from market.valuation import imports, reports, schemas, services
from market.valuation.models import ValuationReport

# The newest settled trades considered for ranking.
CANDIDATES = 500

blp = Blueprint("valuation_api", __name__, description="Valuations (評估) and their reports")


def _acting_user() -> User:
    # A client acts on the authority of the member who created it.
    return db_session().get(User, principal().user_id)


@blp.route("/valuations")
@requires("registry:read")
@blp.arguments(schemas.ValuationQuerySchema, location="query")
@blp.response(200, schemas.ProviderReportSchema(many=True))
@blp.paginate(QueryPage)
def list_valuations(query):
    """Your organisation's valuations, newest first."""
    statement = sa.select(ValuationReport).where(
        ValuationReport.organisation_id == principal().organisation_id
    )
    if query.get("status"):
        statement = statement.where(ValuationReport.status == query["status"])
    return statement.order_by(ValuationReport.id.desc())


@blp.route("/valuations", methods=["POST"])
@requires("registry:write")
@blp.arguments(schemas.RequestInputSchema)
@blp.response(201, schemas.ProviderReportSchema)
def request_valuation(data):
    """Ask for a valuation of one version of your asset, with its purpose."""
    return services.request(db_session(), acting_for(), _acting_user(), data, utcnow())


@blp.route("/valuations/<int:report_id>")
@requires("registry:read")
@blp.response(200, schemas.ProviderReportSchema)
def get_valuation(report_id: int):
    """One of your valuations."""
    return services.report_or_404(db_session(), report_id, acting_for())


@blp.route("/valuations/<int:report_id>/cancel", methods=["POST"])
@requires("registry:write")
@blp.response(200, schemas.ProviderReportSchema)
def cancel_valuation(report_id: int):
    """Withdraw a request no appraiser has taken yet."""
    report = services.report_or_404(db_session(), report_id, acting_for())
    services.cancel(db_session(), report)
    return report


@blp.route("/appraisal/valuations")
@requires("appraisal:write")
@blp.arguments(schemas.ValuationQuerySchema, location="query")
@blp.response(200, schemas.ValuationReportSchema(many=True))
@blp.paginate(QueryPage)
def appraisal_queue(query):
    """Open valuations (or those in ``status``), oldest request first."""
    return services.queue(query.get("status"))


@blp.route("/appraisal/valuations/<int:report_id>")
@requires("appraisal:write")
@blp.response(200, schemas.ValuationReportSchema)
def appraisal_get(report_id: int):
    """Any valuation."""
    return services.report_or_404(db_session(), report_id, None)


@blp.route("/appraisal/valuations/<int:report_id>/take", methods=["POST"])
@requires("appraisal:write")
@blp.response(200, schemas.ValuationReportSchema)
def take(report_id: int):
    """Take a requested valuation."""
    report = services.report_or_404(db_session(), report_id, None)
    services.take(db_session(), report, _acting_user(), utcnow())
    return report


@blp.route("/appraisal/valuations/<int:report_id>/inputs", methods=["PUT"])
@requires("appraisal:write")
@blp.arguments(schemas.InputsSchema)
@blp.response(200, schemas.ValuationReportSchema)
def save_inputs(data, report_id: int):
    """Enter the methods' inputs, weights, sensitivity, quality override and disclosure."""
    report = services.report_or_404(db_session(), report_id, None)
    stored = schemas.InputsSchema().dump(data)
    services.save_inputs(db_session(), report, _acting_user(), stored)
    return report


@blp.route("/appraisal/valuations/<int:report_id>/inputs.csv")
@requires("appraisal:write")
@blp.response(200, content_type="text/csv")
def inputs_sheet(report_id: int):
    """The inputs as a two-column sheet (``path,value``), the template for an import: the
    report's inputs, or every input left blank when it has none."""
    report = services.report_or_404(db_session(), report_id, None)
    return Response(
        imports.sheet_csv(report.inputs),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=valuation-{report.id}-inputs.csv"},
    )


@blp.route("/appraisal/valuations/<int:report_id>/inputs/import", methods=["POST"])
@requires("appraisal:write")
@blp.arguments(schemas.InputsUploadSchema, location="files")
@blp.response(200, schemas.ValuationReportSchema)
def import_inputs(files, report_id: int):
    """Replace the inputs with those of a sheet (CSV in UTF-8 or GBK, or XLSX; multipart
    ``file``), checked as manual entry is; each error names its row and column."""
    report = services.report_or_404(db_session(), report_id, None)
    inputs = imports.load_rows(imports.read_rows(files["file"].read(imports.MAX_BYTES + 1)))
    services.save_inputs(db_session(), report, _acting_user(), inputs)
    return report


@blp.route("/appraisal/valuations/<int:report_id>/inputs/from-previous", methods=["POST"])
@requires("appraisal:write")
@blp.response(200, schemas.ValuationReportSchema)
def inputs_from_previous(report_id: int):
    """Start a revaluation from the inputs of the asset's last final report (409 if none)."""
    report = services.report_or_404(db_session(), report_id, None)
    inputs = imports.previous_inputs(db_session(), report)
    services.save_inputs(db_session(), report, _acting_user(), inputs)
    return report


@blp.route("/appraisal/valuations/<int:report_id>/comparables")
@requires("appraisal:write")
@blp.arguments(schemas.ComparablesQuerySchema, location="query")
@blp.response(200, schemas.RankedComparableSchema(many=True))
def comparables(query, report_id: int):
    """The exchange's own settled trades, most similar to the valued asset first, each with
    its similarity, the components of it and suggested adjustment factors."""
    report = services.report_or_404(db_session(), report_id, None)
    return ranked_comparables(report, query)


def ranked_comparables(report: ValuationReport, query: dict) -> list[dict]:
    """Rank the settled trades in the report's currency for ``report`` (the page uses it too)."""
    session, now = db_session(), utcnow()
    trades = trading_comparables.settled_trades(
        session, None, report.currency, now, limit=CANDIDATES
    )
    listed = trading_comparables.listed_terms(session, report.asset_id)
    stated = {key: query.get(key) for key in ("exclusive", "territory", "duration_months")}
    stated["perpetual"] = query.get("perpetual")
    return services.ranked_comparables(
        session, report, trades, listed, stated, now, query.get("limit", 10)
    )


@blp.route("/appraisal/valuations/<int:report_id>/profile", methods=["POST"])
@requires("appraisal:write")
@blp.arguments(schemas.ProfileInputSchema)
@blp.response(202, schemas.ValuationReportSchema)
def profile(data, report_id: int):
    """Queue a data-quality profile (GB/T 36344-2018) of a tabular file of the valued version;
    ``shujiao worker`` runs it and ``profile_job`` tells where it stands."""
    report = services.report_or_404(db_session(), report_id, None)
    services.request_profile(db_session(), report, _acting_user(), data, utcnow())
    return report


@blp.route("/appraisal/valuations/<int:report_id>/profile/retry", methods=["POST"])
@requires("appraisal:write")
@blp.response(202, schemas.ValuationReportSchema)
def retry_profile(report_id: int):
    """Queue the last failed profile again with the same file and schema."""
    report = services.report_or_404(db_session(), report_id, None)
    services.retry_profile(db_session(), report, _acting_user(), utcnow())
    return report


@blp.route("/appraisal/valuations/<int:report_id>/run", methods=["POST"])
@requires("appraisal:write")
@blp.response(200, schemas.ValuationReportSchema)
def run(report_id: int):
    """Run the methods on the inputs: each method's value, the reconciled range, sensitivity."""
    report = services.report_or_404(db_session(), report_id, None)
    services.run(db_session(), report, _acting_user(), utcnow())
    return report


@blp.route("/appraisal/valuations/<int:report_id>/finalise", methods=["POST"])
@requires("appraisal:write")
@blp.response(200, schemas.ValuationReportSchema)
def finalise(report_id: int):
    """Sign the report; it can never change afterwards (a revaluation is a new report)."""
    report = services.report_or_404(db_session(), report_id, None)
    services.finalise(db_session(), report, _acting_user(), utcnow())
    return report


@blp.route("/valuation-reports/<number>")
@blp.response(200, schemas.PublicReportSchema)
def verify_report(number: str):
    """Public: a final report's number, asset, range, date, appraiser and hash, and whether it
    still matches the registry log (no authentication)."""
    session = db_session()
    report = reports.final_report(session, number)
    if report is None:
        raise NotFound(N_("No such valuation report."))
    return {"report": report, "verified": reports.verify(session, report)}
