"""Marshmallow schemas for valuations: the request, the appraiser's inputs, profiles and reports."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_dump,
    post_load,
    validate,
    validates_schema,
)

from market.fields import Id, Int, Length, Text
from market.text import ISO_CURRENCY, N_, FormSchema
from market.valuation.methods import COST_CATEGORIES, METHODS, WEIGHT_TOLERANCE
from market.valuation.models import Classification, ProfileJobStatus, Purpose, ReportStatus
from market.valuation.profiling import OPERATORS, TYPES

MAX_MINOR = 10**15


def dotted(messages: dict, prefix: str = "") -> dict[str, list]:
    """Nested marshmallow messages keyed by dotted paths (``schema.fields.3.minimum``); the
    ``key`` / ``value`` level of the ``weights`` mapping folds into its entry (``weights.cost``)."""
    flat: dict[str, list] = {}
    for key, value in messages.items():
        folds = key in ("key", "value") and prefix.startswith("weights.")
        name = prefix if folds else (f"{prefix}.{key}" if prefix else str(key))
        if isinstance(value, dict):
            for path, found in dotted(value, name).items():
                flat.setdefault(path, []).extend(found)
        else:
            flat.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    return flat


class DottedErrors:
    """A schema whose validation errors name fields by dotted paths, as docs/api.md promises."""

    def handle_error(self, error: ValidationError, data, **_):
        """Re-raise the errors flattened."""
        messages = error.normalized_messages()
        raise ValidationError(dotted(messages), data=data, valid_data=error.valid_data) from None


# What a valuation input needs: rates, shares and factors to a few places, years and amounts
# far below 10**15. A decimal of 5,000 digits would be kept and printed on the final report.
DECIMAL_PLACES = 12
DECIMAL_LIMIT = Decimal(10**15)


def _bounded(value: Decimal) -> None:
    """A decimal input has at most ``DECIMAL_PLACES`` places and is below ``DECIMAL_LIMIT``."""
    # copy_abs, not abs(): abs() rounds to the context, and 1E+999999999 overflows it.
    if value.copy_abs() >= DECIMAL_LIMIT:
        raise ValidationError(N_("Number too large."))
    if value.normalize().as_tuple().exponent < -DECIMAL_PLACES:
        raise ValidationError(N_("At most 12 decimal places."))


def _decimal(**options):
    # Exact decimals, read from JSON numbers or text and sent back as text: the OpenAPI document
    # calls them strings of format decimal, with the bounds they are checked against.
    metadata = options.setdefault("metadata", {})
    metadata.update(type="string", format="decimal")
    bounds = options.get("validate")
    if isinstance(bounds, validate.Range):
        limits = (("minimum", bounds.min), ("maximum", bounds.max))
        metadata.update({key: value for key, value in limits if value is not None})
        if not bounds.min_inclusive:
            metadata["exclusiveMinimum"] = True
    options["validate"] = [_bounded, *([bounds] if bounds else [])]
    return fields.Decimal(as_string=True, places=None, allow_nan=False, **options)


class BoundedInt(Int):
    """An integer whose business range (a ``validate.Range``) also words the refusal of a
    number too wide for the database: "must be at most 1200", not the int32 limits."""

    def make_error(self, key: str, **kwargs):
        """A number beyond the column's width is out of the business range too: say that."""
        if key == "too_large":
            # Far beyond any business range, on the side the refused number is on.
            beyond = -(10**40) if str(kwargs.get("input")).strip().startswith("-") else 10**40
            for validator in self.validators:
                try:
                    validator(beyond)
                except ValidationError as error:
                    return error
        return super().make_error(key, **kwargs)


def _amount(**options):
    return BoundedInt(bits=64, validate=validate.Range(0, MAX_MINOR), **options)


def _positive(value) -> None:
    if value <= 0:
        raise ValidationError(N_("Must be greater than zero."))


def _fraction(**options):
    return _decimal(validate=validate.Range(0, 1), **options)


class RequestInputSchema(DottedErrors, Schema):
    """A provider's request for a valuation of one version of its asset."""

    asset_id = Id(required=True)
    asset_version = Int(load_default=None, allow_none=True)
    purpose = fields.Enum(Purpose, by_value=True, required=True)
    purpose_note = Text(load_default=None, allow_none=True, validate=Length(max=2000))
    # The rule listings use: an ISO 4217 code with a minor unit, which the ledger can hold.
    currency = fields.String(
        load_default="CNY",
        validate=ISO_CURRENCY,
    )


class RequestFormSchema(FormSchema, RequestInputSchema):
    """The request form (form fields arrive as text)."""

    asset_id = Id(required=True)


class CostItemSchema(Schema):
    """One cost item."""

    category = fields.String(required=True, validate=validate.OneOf(COST_CATEGORIES))
    amount = _amount(required=True)
    basis = fields.String(
        load_default="replacement", validate=validate.OneOf(["historical", "replacement"])
    )
    note = fields.String(load_default=None, allow_none=True, validate=Length(max=500))


class CostSchema(Schema):
    """Inputs of the cost approach."""

    items = fields.List(fields.Nested(CostItemSchema), required=True, validate=Length(max=50))
    functional_obsolescence = _fraction(load_default="0")
    economic_obsolescence = _fraction(load_default="0")
    coefficient_basis = fields.String(
        load_default="quality", validate=validate.OneOf(["quality", "remaining_life"])
    )
    # Checked whatever the basis: a report keeps and shows them even where the quality
    # coefficient is used instead.
    economic_life_years = _decimal(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=100, min_inclusive=False),
    )
    remaining_life_years = _decimal(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=100)
    )

    @validates_schema(skip_on_field_errors=False)
    def consistent(self, data, **_):
        """Items are given; the remaining-life basis has a life and a remaining life within it."""
        errors = {}
        if "items" in data and not data["items"]:
            errors["items"] = [N_("The cost approach needs at least one cost item.")]
        life, remaining = data.get("economic_life_years"), data.get("remaining_life_years")
        remaining_life = data.get("coefficient_basis") == "remaining_life"
        if remaining_life and "economic_life_years" in data and (life is None or life <= 0):
            errors["economic_life_years"] = [N_("Must be greater than zero.")]
        elif life is not None and life > 0:
            if remaining_life and "remaining_life_years" not in data:
                remaining = Decimal(0)
            if (remaining_life and remaining is None) or (
                remaining is not None and not 0 <= remaining <= life
            ):
                errors["remaining_life_years"] = [N_("Must be between zero and the economic life.")]
        if errors:
            raise ValidationError(errors)


class IncomeSchema(Schema):
    """Inputs of the income approach (attributable income or licence royalties)."""

    form = fields.String(
        load_default="attributable", validate=validate.OneOf(["attributable", "royalty"])
    )
    annual_amount = _amount(required=True)
    share = _fraction(required=True)
    economic_life_years = BoundedInt(required=True, validate=[_positive, validate.Range(max=100)])
    # A discount rate of zero or below values an income stream at its undiscounted sum or more.
    discount_rate = _decimal(required=True, validate=validate.Range(0, 5, min_inclusive=False))
    growth_rate = _decimal(load_default="0", validate=validate.Range(-0.5, 5))

    @validates_schema(skip_on_field_errors=False)
    def above_growth(self, data, **_):
        """The discount rate is above growth (checked whatever else is wrong with the inputs)."""
        if "discount_rate" not in data or "growth_rate" not in data:
            return  # refused themselves
        if Decimal(str(data["discount_rate"])) <= Decimal(str(data["growth_rate"])):
            message = N_("The discount rate must be above the growth rate.")
            raise ValidationError({"discount_rate": [message]})


FACTOR = validate.Range(0, 10, min_inclusive=False)


class ComparableSchema(Schema):
    """A comparable trade and its adjustment factors."""

    price = _amount(required=True)
    # Factors multiply (and the quality factor divides) the price: zero is no factor.
    quality = _decimal(load_default="1", validate=FACTOR)
    scale = _decimal(load_default="1", validate=FACTOR)
    timeliness = _decimal(load_default="1", validate=FACTOR)
    rights = _decimal(load_default="1", validate=FACTOR)
    region = _decimal(load_default="1", validate=FACTOR)
    source = fields.String(load_default="entered", validate=validate.OneOf(["entered", "exchange"]))
    reference = fields.String(load_default="", validate=Length(max=200))
    # An exchange trade's similarity when the appraiser included it (kept in the report).
    similarity = _decimal(load_default=None, allow_none=True, validate=validate.Range(0, 1))


class SimilaritySchema(Schema):
    """How alike a trade is to the valued asset, per component (0 to 1)."""

    category = fields.Float()
    size = fields.Float()
    coverage = fields.Float()
    licence = fields.Float()
    recency = fields.Float()


class RankedComparableSchema(ComparableSchema):
    """A settled trade of the exchange, ranked, with suggested factors and what it traded."""

    components = fields.Nested(SimilaritySchema)
    settled_at = fields.String()
    asset_id = Id()
    asset_title_zh = fields.String(allow_none=True)
    asset_title_en = fields.String(allow_none=True)
    plan_zh = fields.String(allow_none=True)
    plan_en = fields.String(allow_none=True)
    category = fields.String()
    record_count = Int(bits=64, allow_none=True)
    exclusive = fields.Boolean()
    territory = fields.List(fields.String())
    duration_months = Int(allow_none=True)
    region_code = fields.String(allow_none=True)
    coverage_from = Int(allow_none=True)
    coverage_to = Int(allow_none=True)


class ComparablesQuerySchema(Schema):
    """The valued asset's licence terms, when the appraiser states them (default: those of its
    live listing, if any)."""

    exclusive = fields.Boolean(load_default=None, allow_none=True)
    territory = fields.List(
        fields.String(validate=Length(min=1, max=8)),
        load_default=None,
        allow_none=True,
        validate=Length(max=50),
    )
    duration_months = Int(load_default=None, allow_none=True, validate=validate.Range(1, 1200))
    perpetual = fields.Boolean(load_default=False)
    limit = Int(load_default=10, validate=validate.Range(1, 50))


class MarketSchema(Schema):
    """Inputs of the market approach."""

    comparables = fields.List(
        fields.Nested(ComparableSchema), required=True, validate=Length(max=50)
    )

    @validates_schema(skip_on_field_errors=False)
    def some_comparables(self, data, **_):
        """A market approach compares with at least one trade."""
        if "comparables" in data and not data["comparables"]:
            message = N_("The market approach needs at least one comparable.")
            raise ValidationError({"comparables": [message]})


class SensitivitySchema(Schema):
    """How far each assumption moves in the sensitivity analysis."""

    discount_rate = _decimal(load_default="0.02", validate=validate.Range(0, 1))
    growth_rate = _decimal(load_default="0.01", validate=validate.Range(0, 1))
    attribution_share = _decimal(load_default="0.1", validate=validate.Range(0, 0.9))
    quality = _decimal(load_default="0.1", validate=validate.Range(0, 0.9))


class QualityOverrideSchema(Schema):
    """The appraiser's own quality coefficient, with the reason it replaces the measured one."""

    coefficient = _decimal(required=True, validate=validate.Range(0.0001, 1.5))
    reason = Text(required=True, validate=Length(min=1, max=2000))


class DisclosureSchema(Schema):
    """Disclosure fields of the MoF 2023 interim rules on data resources (數據資源入表)."""

    classification = fields.Enum(Classification, by_value=True, required=True)
    useful_life_months = BoundedInt(
        load_default=None, allow_none=True, validate=validate.Range(1, 1200)
    )
    amortisation_basis = Text(load_default=None, allow_none=True, validate=Length(max=500))

    @validates_schema(skip_on_field_errors=False)
    def intangible_needs_life(self, data, **_):
        """An intangible asset discloses its useful life and how it is amortised (told with
        any other error of the inputs; a refused life is not missing)."""
        if data.get("classification") == Classification.INTANGIBLE_ASSET:
            errors = {}
            if "useful_life_months" in data and not data["useful_life_months"]:
                errors["useful_life_months"] = [N_("Required for an intangible asset.")]
            if not data.get("amortisation_basis"):
                errors["amortisation_basis"] = [N_("Required for an intangible asset.")]
            if errors:
                raise ValidationError(errors)


class InputsSchema(DottedErrors, Schema):
    """Everything the appraiser enters before running the methods."""

    weights = fields.Dict(
        keys=fields.String(validate=validate.OneOf(METHODS)),
        values=_decimal(validate=validate.Range(0, 1)),
        required=True,
    )
    cost = fields.Nested(CostSchema, load_default=None, allow_none=True)
    income = fields.Nested(IncomeSchema, load_default=None, allow_none=True)
    market = fields.Nested(MarketSchema, load_default=None, allow_none=True)
    sensitivity = fields.Nested(
        SensitivitySchema, load_default=lambda: SensitivitySchema().load({})
    )
    quality_override = fields.Nested(QualityOverrideSchema, load_default=None, allow_none=True)
    disclosure = fields.Nested(DisclosureSchema, required=True)
    notes = Text(load_default=None, allow_none=True, validate=Length(max=5000))

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def consistent(self, data, original, **_):
        """What the inputs alone can tell is refused when they are saved; what needs the
        profile (the quality coefficient) waits for the run. These run even when some fields
        are refused, over the fields that loaded, so every bad field is told at once."""
        errors: dict[str, list[str]] = {}
        original = original if isinstance(original, dict) else {}
        if "weights" in data:
            weights = data["weights"] or {}
            typed = original.get("weights")
            refused = isinstance(typed, dict) and len(typed) != len(weights)
            if not refused and abs(sum(weights.values(), Decimal(0)) - 1) > WEIGHT_TOLERANCE:
                errors["weights"] = [N_("The weights must sum to one.")]
            for name in METHODS:
                # A method whose inputs were refused has inputs: their own errors say what.
                if weights.get(name, 0) > 0 and original.get(name) is None:
                    errors[name] = [N_("A weighted method needs its inputs.")]
        if data.get("income") is not None:
            errors.update(_sensitivity_errors(data["income"], data.get("sensitivity") or {}))
        if errors:
            raise ValidationError(errors)


def _sensitivity_errors(income: dict, sensitivity: dict) -> dict[str, list[str]]:
    # IncomeSchema refuses a discount rate not above growth; the sensitivity analysis moves one
    # rate at a time, and neither move may meet the other.
    errors = {}
    if "discount_rate" not in income or "growth_rate" not in income:
        return errors  # refused themselves
    discount, growth = (Decimal(str(income[k])) for k in ("discount_rate", "growth_rate"))
    if discount > growth:
        message = N_("The sensitivity range brings the discount rate down to the growth rate.")
        # Defaults arrive as their text (marshmallow does not load a load_default).
        down, up = (Decimal(str(sensitivity.get(k, 0))) for k in ("discount_rate", "growth_rate"))
        if discount - down <= growth:
            errors["sensitivity.discount_rate"] = [message]
        if discount <= growth + up:
            errors["sensitivity.growth_rate"] = [message]
    return errors


class InputsUploadSchema(Schema):
    """A sheet of inputs sent as ``multipart/form-data`` under ``file``."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FieldRuleSchema(Schema):
    """A declared field of a table."""

    name = fields.String(required=True, validate=Length(min=1, max=200))
    type = fields.String(
        load_default="string",
        validate=validate.OneOf(
            sorted(TYPES),
            error=N_(
                "Not a field type: write string, integer, number, date, timestamp or boolean."
            ),
        ),
    )
    pattern = fields.String(load_default=None, allow_none=True, validate=Length(max=500))
    format = fields.String(load_default=None, allow_none=True, validate=Length(max=50))
    minimum = fields.String(load_default=None, allow_none=True, validate=Length(max=50))
    maximum = fields.String(load_default=None, allow_none=True, validate=Length(max=50))
    values = fields.List(
        fields.String(validate=Length(max=200)),
        load_default=None,
        allow_none=True,
        validate=Length(max=1000),
    )


class CrossFieldRuleSchema(Schema):
    """A rule between two declared fields."""

    left = fields.String(required=True)
    op = fields.String(
        required=True,
        validate=validate.OneOf(
            OPERATORS, error=N_("Not an operator: write <, <=, =, !=, >= or >.")
        ),
    )
    right = fields.String(required=True)


class DeclaredSchemaSchema(Schema):
    """What the provider declares about the table being profiled."""

    fields_ = fields.List(
        fields.Nested(FieldRuleSchema),
        data_key="fields",
        load_default=list,
        validate=Length(max=500),
    )
    key = fields.List(fields.String(), load_default=list, validate=Length(max=10))
    rules = fields.List(
        fields.Nested(CrossFieldRuleSchema), load_default=list, validate=Length(max=50)
    )
    timestamp_field = fields.String(load_default=None, allow_none=True)
    update_frequency_days = Int(
        load_default=None, allow_none=True, validate=validate.Range(1, 3650)
    )

    @post_load
    def plain_keys(self, data, **_):
        """``fields`` under its own name (``fields_`` only avoids marshmallow's attribute)."""
        data["fields"] = data.pop("fields_")
        return data


class ProfileInputSchema(DottedErrors, Schema):
    """Which file of the asset version to profile, and against what declared schema."""

    file = fields.String(required=True, validate=Length(min=1, max=255))
    schema = fields.Nested(DeclaredSchemaSchema, load_default=None, allow_none=True)


class ProfileJobSchema(Schema):
    """A profiling job: queued, running, done or failed with its reason."""

    id = Int()
    file = fields.String()
    schema = fields.Dict(allow_none=True)
    status = fields.Enum(ProfileJobStatus, by_value=True)
    requested_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    error = fields.Dict(allow_none=True)  # {message, field}: why it failed


class ValuationReportSchema(Schema):
    """A valuation as shown."""

    id = Int()
    number = fields.String(allow_none=True)
    edition = Int(allow_none=True)
    status = fields.Enum(ReportStatus, by_value=True)
    asset_id = Id()
    asset_version = fields.Function(lambda report: report.version.number)
    organisation_id = Id()
    purpose = fields.Enum(Purpose, by_value=True)
    purpose_note = fields.String(allow_none=True)
    currency = fields.String()
    requested_at = fields.DateTime()
    appraiser_id = Id(allow_none=True)
    taken_at = fields.DateTime(allow_none=True)
    inputs = fields.Dict(allow_none=True)
    profile = fields.Dict(allow_none=True)
    profile_job = fields.Nested(ProfileJobSchema, allow_none=True)
    results = fields.Dict(allow_none=True)
    value_low = Int(bits=64, allow_none=True)
    value_base = Int(bits=64, allow_none=True)
    value_high = Int(bits=64, allow_none=True)
    finalised_at = fields.DateTime(allow_none=True)
    content_hash = fields.String(allow_none=True)
    chain_seq = Int(allow_none=True)


class ProviderReportSchema(ValuationReportSchema):
    """A valuation as its provider sees it: inputs, profile and values only once final."""

    SEALED = (
        "inputs",
        "profile",
        "profile_job",
        "results",
        "value_low",
        "value_base",
        "value_high",
    )

    @post_dump(pass_original=True)
    def sealed_until_final(self, data, report, **_):
        """Before signature the provider sees where the report stands, not its draft values."""
        if report.status != ReportStatus.FINAL:
            data.update(dict.fromkeys(self.SEALED))
        return data


class PublicReportSchema(Schema):
    """What anyone may check about a final report by its number."""

    number = fields.Function(lambda found: found["report"].number)
    edition = fields.Function(lambda found: found["report"].edition)
    asset_id = fields.Function(lambda found: found["report"].asset_id)
    asset_title_zh = fields.Function(lambda found: found["report"].asset.title_zh)
    asset_title_en = fields.Function(lambda found: found["report"].asset.title_en)
    asset_version = fields.Function(lambda found: found["report"].version.number)
    purpose = fields.Function(lambda found: str(found["report"].purpose))
    currency = fields.Function(lambda found: found["report"].currency)
    value_low = fields.Function(lambda found: found["report"].value_low)
    value_base = fields.Function(lambda found: found["report"].value_base)
    value_high = fields.Function(lambda found: found["report"].value_high)
    finalised_at = fields.Function(lambda found: found["report"].finalised_at.isoformat())
    appraiser = fields.Function(lambda found: found["report"].appraiser.name)
    content_hash = fields.Function(lambda found: found["report"].content_hash)
    chain_seq = fields.Function(lambda found: found["report"].chain_seq)
    verified = fields.Boolean()


class ValuationQuerySchema(Schema):
    """Filters of a list of valuations."""

    status = fields.Enum(ReportStatus, by_value=True, load_default=None)
