"""The valuation workflow: request, take, enter inputs, profile, run, finalise.

Every function takes the caller's session and never commits. A final report is immutable: any
edit raises :class:`Conflict`. Finalising records the report's content hash in the registry's
hash-chained log, so a later change to a stored report is detectable (:func:`verify`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from market.files import FileStore
from market.identity.models import StaffRole, User
from market.registry import chain
from market.registry.filetypes import extension
from market.registry.models import Asset, AssetVersion
from market.states import Actor
from market.text import N_
from market.valuation import comparables, methods, profiling
from market.valuation.models import (
    Classification,
    ProfileJob,
    ProfileJobStatus,
    ReportStatus,
    ValuationReport,
)
from market.valuation.reports import content_hash
from market.valuation.states import Action, next_status

PENDING = (ProfileJobStatus.QUEUED, ProfileJobStatus.RUNNING)
NO_LONGER_IN_PROGRESS = N_("The valuation was no longer in progress when the profile finished.")
WORKER_STOPPED = N_("The worker stopped while profiling; retry.")
UNEXPECTED = N_("The file could not be profiled; retry, or tell the exchange's operators.")

# Stored in English in each report (and hashed); pages show them in the reader's language.
FORMULAS = {
    "cost": N_("Σ cost items × (1 − functional obsolescence) × (1 − economic obsolescence) × q"),
    "income": "Σ_{t=1..n} B × s × q × (1+g)^(t−1) / (1+r)^t",
    "market": N_(
        "Mean over comparables of price × (q / q_c) × scale × timeliness × rights × region."
    ),
    "reconciliation": N_(
        "Σ weight_m × value_m; low / high: min / max over ±sensitivity per assumption"
    ),
}


# --- look-ups ------------------------------------------------------------------------------


def report_or_404(
    session: Session, report_id: int, organisations: Collection[int] | None
) -> ValuationReport:
    """A valuation of one of ``organisations`` (``None``: an appraiser, any valuation)."""
    report = session.get(ValuationReport, report_id)
    if report is None or (
        organisations is not None and report.organisation_id not in organisations
    ):
        raise NotFound(N_("No such valuation."))
    return report


def _require_appraiser(user: User) -> None:
    if not user.has_staff_role(StaffRole.APPRAISER):
        raise PermissionDenied(N_("Only appraisers may do this."))


def _move(report: ValuationReport, action: Action, actor: Actor) -> None:
    report.status = next_status(report.status, action, actor)


def _own_work(report: ValuationReport, appraiser: User, action: Action) -> None:
    _require_appraiser(appraiser)
    _move(report, action, Actor.APPRAISER)
    if report.appraiser_id != appraiser.id:
        raise PermissionDenied(N_("Another appraiser has taken this valuation."))


# --- the provider's side -------------------------------------------------------------------


def request(
    session: Session, organisations: Collection[int], user: User, data: dict, now: datetime
) -> ValuationReport:
    """A provider asks for a valuation of one version (default: the latest) of its asset."""
    asset = session.get(Asset, data["asset_id"])
    if asset is None or asset.organisation_id not in organisations:
        raise NotFound(N_("No such asset."), field="asset_id")
    version = _version(asset, data.get("asset_version"))
    report = ValuationReport(
        organisation_id=asset.organisation_id,
        asset=asset,
        version=version,
        purpose=data["purpose"],
        purpose_note=data.get("purpose_note"),
        currency=data.get("currency", "CNY"),
        status=ReportStatus.REQUESTED,
        requested_by_id=user.id,
        requested_at=now,
    )
    session.add(report)
    session.flush()
    return report


def _version(asset: Asset, number: int | None) -> AssetVersion:
    if number is None:
        if asset.latest_version is None:
            raise InvalidInput(N_("The asset has no files yet."), field="asset_version")
        return asset.latest_version
    for version in asset.versions:
        if version.number == number:
            return version
    raise InvalidInput(N_("The asset has no such version."), field="asset_version")


def cancel(session: Session, report: ValuationReport) -> None:
    """The provider withdraws a request no appraiser has taken yet."""
    _move(report, Action.CANCEL, Actor.PROVIDER)
    session.flush()


# --- the appraiser's side ------------------------------------------------------------------


def queue(status: ReportStatus | None = None) -> sa.Select:
    """Valuations for appraisers: open ones (or those in ``status``), oldest request first."""
    statement = sa.select(ValuationReport).order_by(
        ValuationReport.requested_at, ValuationReport.id
    )
    if status is None:
        return statement.where(
            ValuationReport.status.in_([ReportStatus.REQUESTED, ReportStatus.IN_PROGRESS])
        )
    return statement.where(ValuationReport.status == status)


def take(session: Session, report: ValuationReport, appraiser: User, now: datetime) -> None:
    """An appraiser takes a requested valuation; only they may work on it from now on."""
    _require_appraiser(appraiser)
    _move(report, Action.TAKE, Actor.APPRAISER)
    report.appraiser_id, report.taken_at = appraiser.id, now
    session.flush()


def save_inputs(session: Session, report: ValuationReport, appraiser: User, inputs: dict) -> None:
    """Store the appraiser's inputs (as loaded and dumped by ``InputsSchema``); results are
    cleared, since they no longer match."""
    _own_work(report, appraiser, Action.EDIT)
    report.inputs = inputs
    _clear_results(report)
    session.flush()


def _clear_results(report: ValuationReport) -> None:
    report.results = None
    report.value_low = report.value_base = report.value_high = None


def request_profile(
    session: Session, report: ValuationReport, appraiser: User, data: dict, now: datetime
) -> ProfileJob:
    """Queue a profile of one tabular file of the valued version for ``shujiao worker``.

    The file and the declared schema are checked here (422 naming the field); what only the
    content can tell (encoding, parsing) is the job's failure, recorded with its reason.
    """
    _own_work(report, appraiser, Action.EDIT)
    pending = report.profile_job
    if pending is not None and pending.status in PENDING:
        raise Conflict(N_("A profile of this valuation is already queued."), field="profile")
    stored = next((f for f in report.version.files if f.name == data["file"]), None)
    if stored is None:
        raise InvalidInput(N_("The asset version has no file of this name."), field="file")
    if extension(stored.name) not in profiling.FORMATS:
        raise InvalidInput(N_("This file format cannot be profiled."), field="file")
    schema = data.get("schema")
    if schema is None:  # not given: the asset's own declared fields
        schema = asset_schema(report.asset)
    if not any(schema.values()):  # {}: the structure only
        schema = None
    if schema:
        profiling.check_schema(profiling.schema_from_dict(schema))
    job = ProfileJob(
        report=report,
        file=stored.name,
        schema=schema or None,
        status=ProfileJobStatus.QUEUED,
        requested_by_id=appraiser.id,
        requested_at=now,
    )
    session.add(job)
    session.flush()
    return job


# The asset's declared field types (asset pages accept these spellings) as profile types; a
# type of the provider's own is profiled as text.
ASSET_FIELD_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "float": "number",
    "date": "date",
    "timestamp": "timestamp",
    "datetime": "timestamp",
    "boolean": "boolean",
}


def asset_schema(asset) -> dict:
    """The declared schema a profile checks by default: the asset's field schema (names and
    types), ``{}`` when it declares none."""
    declared = [f for f in asset.field_schema or [] if isinstance(f, dict) and f.get("name")]
    if not declared:
        return {}
    return {
        "fields": [
            {
                "name": f["name"],
                "type": ASSET_FIELD_TYPES.get(str(f.get("type", "")).lower(), "string"),
            }
            for f in declared
        ]
    }


def retry_profile(
    session: Session, report: ValuationReport, appraiser: User, now: datetime
) -> ProfileJob:
    """Queue the last failed profile again (a new job; the failure stays on record)."""
    failed = report.profile_job
    if failed is None or failed.status != ProfileJobStatus.FAILED:
        raise Conflict(N_("There is no failed profile to retry."), field="profile")
    return request_profile(
        session, report, appraiser, {"file": failed.file, "schema": failed.schema or {}}, now
    )


@dataclass(frozen=True)
class ClaimedProfile:
    """What the worker needs to profile a claimed job outside any transaction."""

    job_id: int
    storage_key: str
    file: str
    file_format: str
    schema: dict | None
    documented: bool


def claim_profile_job(
    session: Session, now: datetime, job_id: int | None = None
) -> ClaimedProfile | None:
    """Move the oldest queued job (or ``job_id``) to running and return what profiling it needs.

    The caller commits at once, so the page shows it running and no other worker takes it
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a conditional update everywhere).
    """
    statement = (
        sa.select(ProfileJob)
        .where(ProfileJob.status == ProfileJobStatus.QUEUED)
        .order_by(ProfileJob.id)
        .limit(1)
    )
    if job_id is not None:
        statement = statement.where(ProfileJob.id == job_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    job = session.scalar(statement)
    if job is None:
        return None
    moved = session.execute(
        sa.update(ProfileJob)
        .where(ProfileJob.id == job.id, ProfileJob.status == ProfileJobStatus.QUEUED)
        .values(status=ProfileJobStatus.RUNNING, started_at=now)
    ).rowcount
    if not moved:
        return None
    report = job.report
    stored = next((f for f in report.version.files if f.name == job.file), None)
    asset = report.asset
    return ClaimedProfile(
        job_id=job.id,
        storage_key=stored.storage_key if stored else "",
        file=job.file,
        file_format=extension(job.file),
        schema=job.schema,
        documented=bool((asset.description_zh or asset.description_en) and asset.field_schema),
    )


def profile_claimed(
    store: FileStore, claimed: ClaimedProfile, now: datetime, memory_budget: str
) -> dict:
    """Profile a claimed job's file (no session: this is the long part); its profile."""
    if not claimed.storage_key:
        raise InvalidInput(N_("The asset version has no file of this name."), field="file")
    declared = profiling.schema_from_dict(claimed.schema) if claimed.schema else None
    with tempfile.TemporaryDirectory(prefix="valuation-") as scratch:
        # A blob on this host is read in place; one in an object store is fetched first.
        local = store.local_path(claimed.storage_key)
        if local is None:
            local = Path(scratch) / f"data.{claimed.file_format}"
            with store.open(claimed.storage_key) as source, local.open("wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
        result = profiling.profile_file(
            local,
            claimed.file_format,
            declared,
            now=now,
            documented=claimed.documented,
            deliverable=True,
            memory_budget=memory_budget,
            work_dir=Path(scratch),
        )
    return {**result.to_dict(), "file": claimed.file, "schema": claimed.schema}


def finish_profile_job(
    session: Session, job_id: int, profile: dict | None, error: dict | None, now: datetime
) -> ProfileJob:
    """Record a running job's outcome: its profile on the report, or why it failed.

    A report that left ``in_progress`` meanwhile keeps what it had; the job fails saying so.
    """
    job = session.get(ProfileJob, job_id)
    report = job.report
    if profile is not None and report.status != ReportStatus.IN_PROGRESS:
        profile, error = None, {"message": NO_LONGER_IN_PROGRESS, "field": "profile"}
    if profile is not None:
        job.status = ProfileJobStatus.DONE
        report.profile = profile
        _clear_results(report)
    else:
        job.status, job.error = ProfileJobStatus.FAILED, error
    job.finished_at = now
    session.flush()
    return job


def fail_stale_profile_jobs(session: Session, started_before: datetime, now: datetime) -> int:
    """Fail jobs left running by a worker that stopped (so they can be retried); how many."""
    stale = session.scalars(
        sa.select(ProfileJob).where(
            ProfileJob.status == ProfileJobStatus.RUNNING,
            ProfileJob.started_at < started_before,
        )
    ).all()
    for job in stale:
        job.status, job.finished_at = ProfileJobStatus.FAILED, now
        job.error = {"message": WORKER_STOPPED, "field": None}
    session.flush()
    return len(stale)


def subject(report: ValuationReport, listed: dict | None, stated: dict) -> comparables.Subject:
    """The valued asset as ranking compares it: its category, size (the profiled rows, else
    the declared record count), coverage and licence terms (``stated`` by the appraiser,
    else those of its live listing, else unknown)."""
    asset, listed = report.asset, listed or {}
    rows = (report.profile or {}).get("rows") or asset.record_count
    terms = {**listed, **{k: v for k, v in stated.items() if v is not None}}
    perpetual = bool(stated.get("perpetual")) or (
        bool(listed) and listed.get("duration_months") is None and not stated.get("duration_months")
    )
    return comparables.Subject(
        category=str(asset.industry),
        record_count=rows,
        region=terms.get("region_code"),
        coverage_from=terms.get("coverage_from")
        or (asset.temporal_start.year if asset.temporal_start else None),
        coverage_to=terms.get("coverage_to")
        or (asset.temporal_end.year if asset.temporal_end else None),
        exclusive=terms.get("exclusive"),
        territory=tuple(terms["territory"]) if terms.get("territory") else None,
        duration_months=terms.get("duration_months"),
        perpetual=perpetual,
    )


def ranked_comparables(
    session: Session,
    report: ValuationReport,
    trades: list[dict],
    listed: dict | None,
    stated: dict,
    now: datetime,
    limit: int = 10,
) -> list[dict]:
    """The exchange's settled trades ranked by similarity to the valued asset, with suggested
    factors; a trade whose asset has a final report suggests that report's quality."""
    asset_ids = {trade["asset_id"] for trade in trades} - {report.asset_id}
    qualities: dict[int, str] = {}
    if asset_ids:
        finals = session.scalars(
            sa.select(ValuationReport)
            .where(
                ValuationReport.asset_id.in_(asset_ids),
                ValuationReport.status == ReportStatus.FINAL,
            )
            .order_by(ValuationReport.edition)
        )
        for final in finals:  # the latest edition wins
            qualities[final.asset_id] = final.results["quality"]["coefficient"]
    return comparables.rank(subject(report, listed, stated), trades, now, qualities, limit)


def quality_coefficient(report: ValuationReport) -> tuple[Decimal, str]:
    """The coefficient the methods use and where it comes from (override or measured)."""
    override = (report.inputs or {}).get("quality_override")
    if override:
        return Decimal(override["coefficient"]), "override"
    if report.profile:
        return Decimal(report.profile["coefficient"]), "profile"
    raise InvalidInput(
        N_("Profile the data or override the quality coefficient with a reason."),
        field="quality_override",
    )


def method_inputs(inputs: dict, quality: Decimal) -> methods.ValuationInputs:
    """The methods' inputs from the stored JSON form."""
    cost = income = market = None
    if inputs.get("cost"):
        c = inputs["cost"]
        cost = methods.CostInputs(
            items=tuple(
                methods.CostItem(i["category"], i["amount"], i.get("basis", "replacement"))
                for i in c["items"]
            ),
            functional_obsolescence=Decimal(c.get("functional_obsolescence", "0")),
            economic_obsolescence=Decimal(c.get("economic_obsolescence", "0")),
            coefficient_basis=c.get("coefficient_basis", "quality"),
            economic_life_years=_maybe(c.get("economic_life_years")),
            remaining_life_years=_maybe(c.get("remaining_life_years")),
        )
    if inputs.get("income"):
        i = inputs["income"]
        income = methods.IncomeInputs(
            annual_amount=i["annual_amount"],
            share=Decimal(i["share"]),
            economic_life_years=i["economic_life_years"],
            discount_rate=Decimal(i["discount_rate"]),
            growth_rate=Decimal(i.get("growth_rate", "0")),
            form=i.get("form", "attributable"),
        )
    if inputs.get("market") is not None:
        market = methods.MarketInputs(
            tuple(
                methods.Comparable(
                    price=c["price"],
                    **{
                        name: Decimal(c.get(name, "1"))
                        for name in ("quality", "scale", "timeliness", "rights", "region")
                    },
                    source=c.get("source", "entered"),
                    reference=c.get("reference", ""),
                )
                for c in inputs["market"]["comparables"]
            )
        )
    sensitivity = methods.Sensitivity(
        **{name: Decimal(value) for name, value in (inputs.get("sensitivity") or {}).items()}
    )
    return methods.ValuationInputs(
        quality=quality,
        weights={name: Decimal(w) for name, w in inputs["weights"].items()},
        cost=cost,
        income=income,
        market=market,
        sensitivity=sensitivity,
    )


def _maybe(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def run(session: Session, report: ValuationReport, appraiser: User, now: datetime) -> dict:
    """Run the methods on the stored inputs and keep every method's result and the range."""
    _own_work(report, appraiser, Action.EDIT)
    if not report.inputs:
        # Not bad input (the request has none) but a step not yet taken: the wrong state.
        raise Conflict(
            N_("Enter the inputs first."),
            field="inputs",
            state=[report.status.value],
            action=["run"],
        )
    quality, source = quality_coefficient(report)
    result = methods.valuate(method_inputs(report.inputs, quality))
    report.results = {
        "methods": result.methods,
        "weights": {name: str(weight) for name, weight in result.weights.items()},
        "base": result.base,
        "low": result.low,
        "high": result.high,
        "swings": [{"assumption": s.assumption, "down": s.down, "up": s.up} for s in result.swings],
        "quality": {"coefficient": str(quality), "source": source},
        "formulas": FORMULAS,
        "computed_at": now.isoformat(),
    }
    report.value_low, report.value_base, report.value_high = result.low, result.base, result.high
    session.flush()
    return report.results


def finalise(session: Session, report: ValuationReport, appraiser: User, now: datetime) -> None:
    """Sign the report: number and edition, content hash, and a link in the registry log."""
    status = report.status
    _own_work(report, appraiser, Action.FINALISE)
    if not report.results:
        raise Conflict(
            N_("Run the methods before finalising."),
            field="results",
            state=[status.value],
            action=[Action.FINALISE.value],
        )
    if report.profile_job is not None and report.profile_job.status in PENDING:
        raise Conflict(N_("A profile of this valuation is still running."), field="profile")
    disclosure = report.inputs["disclosure"]
    if disclosure["classification"] == Classification.INTANGIBLE_ASSET and not (
        disclosure.get("useful_life_months") and disclosure.get("amortisation_basis")
    ):
        raise InvalidInput(
            N_("An intangible asset discloses its useful life and amortisation basis."),
            field="disclosure",
        )
    previous = session.scalar(
        sa.select(sa.func.max(ValuationReport.edition)).where(
            ValuationReport.asset_id == report.asset_id
        )
    )
    report.edition = (previous or 0) + 1
    report.finalised_at = now
    report.number = f"SZDX-V-{now:%Y}-{report.id:06d}"
    report.content_hash = content_hash(report)
    event = chain.append(
        session,
        "valuation.finalised",
        {
            "report": report.number,
            "asset_id": report.asset_id,
            "asset_version": report.version.number,
            "content_hash": report.content_hash,
            "currency": report.currency,
            "low": report.value_low,
            "base": report.value_base,
            "high": report.value_high,
        },
        now,
    )
    report.chain_seq = event.seq
    session.flush()
