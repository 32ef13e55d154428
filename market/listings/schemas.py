"""Marshmallow schemas for listings, plans, licence terms, compliance reviews, demands, search."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import get_locale, gettext
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)
from marshmallow.experimental.context import Context

from ledger.currencies import EXPONENTS
from market.fields import AwareDateTime, Date, Id, Int, Length, SingleLine, Text
from market.identity.schemas import TERRITORIES
from market.listings import terms as licence
from market.listings.models import (
    PLAN_KIND_LABELS,
    BillingPeriod,
    CrossBorderPathway,
    DeliveryMethod,
    ListingStatus,
    PersonalInfoHandling,
    PlanKind,
    ReviewDecision,
    RevisionState,
    UsageScenario,
)
from market.listings.terms import WORLDWIDE
from market.registry.claims import CHINA
from market.registry.models import AssetKind, Industry, Right
from market.registry.schemas import RegionCode
from market.text import ISO_CURRENCY, N_, Count, FormSchema, Money
from search.query import MAX_QUERY_LENGTH

CURRENCIES = sorted(EXPONENTS)
MAX_PRICE = 10**13  # minor units: a hundred billion yuan is beyond any listing
MIN_PRICE = 1  # minor units: a plan at nothing could never be ordered
SORTS = ("relevance", "newest", "price_asc", "price_desc")


def shown_name(plan) -> str:
    """A plan's name in the reader's language: its own (of a ``Plan`` or an order's snapshot
    of one), else its kind's name translated, since an unnamed plan stores none."""
    value = plan.get if isinstance(plan, dict) else lambda name: getattr(plan, name)
    own = value("name_zh") if str(get_locale()).startswith("zh") else value("name_en")
    return own or gettext(PLAN_KIND_LABELS[PlanKind(value("kind"))])


def _text(max_length: int, required: bool = True, min_length: int = 1, one_line: bool = False):
    checks = [Length(min=min_length, max=max_length)]
    kind = fields.String if one_line else Text
    return kind(
        required=required,
        validate=[*checks, SingleLine()] if one_line else checks,
        **({} if required else {"load_default": None, "allow_none": True}),
    )


def _at_least_one(message: str, most: int) -> list:
    """A list's length check whose empty case says what to do rather than counting."""
    return [Length(min=1, error=message), Length(max=most)]


# What the caller knows of the provider whose terms are loaded: ``{"home": jurisdiction}``,
# set around the load by the listing API (``views.provider_known``).
ProviderContext = Context[dict]


class LicenceTermsSchema(Schema):
    """Licence terms (see ``terms.py``)."""

    scenarios = fields.List(
        fields.Enum(UsageScenario, by_value=True),
        required=True,
        validate=_at_least_one(N_("Choose at least one usage scenario."), len(UsageScenario)),
    )
    duration_months = Int(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 1200)
    )
    territory = fields.List(
        fields.String(validate=validate.OneOf([*TERRITORIES, WORLDWIDE])),
        required=True,
        validate=_at_least_one(N_("Choose at least one territory."), 50),
    )
    cross_border = fields.Boolean(required=True)
    redistribution = fields.Boolean(load_default=False)
    resale = fields.Boolean(load_default=False)
    derivatives = fields.Boolean(load_default=True)
    attribution = fields.Boolean(load_default=True)


def _refuse_contradiction(terms: dict | None) -> None:
    """Refuse ``terms`` (their valid fields, when others are refused) whose territory and
    cross-border flag contradict each other for the provider set in ``ProviderContext``, on
    the dotted field ``licence.contradiction`` names; nothing when the provider is unknown."""
    home = ProviderContext.get(default={}).get("home")
    terms = terms or {}
    if home is None or "territory" not in terms or "cross_border" not in terms:
        return
    refusal = licence.contradiction(terms["territory"], terms["cross_border"], home, "terms")
    if refusal is not None:
        raise ValidationError({refusal.field: [refusal.message]})


class ListingPlanInputSchema(Schema):
    """A pricing plan: integer minor units and an ISO 4217 currency.

    ``price_minor`` is what the buyer pays for the plan; for a subscription that is all its
    ``periods`` at once. A subscription may instead be priced per period
    (``price_per_period_minor``), and its price is that times ``periods``.
    """

    kind = fields.Enum(PlanKind, by_value=True, required=True)
    # Optional: an unnamed plan stores none and is shown under its kind's name, translated.
    name_zh = _text(100, required=False, one_line=True)
    name_en = _text(100, required=False, one_line=True)
    price_minor = Int(
        bits=64,
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(MIN_PRICE, MAX_PRICE),
    )
    price_per_period_minor = Int(
        bits=64,
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(MIN_PRICE, MAX_PRICE),
    )
    currency = fields.String(required=True, validate=ISO_CURRENCY)
    period = fields.Enum(BillingPeriod, by_value=True, load_default=None, allow_none=True)
    periods = Int(strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 120))
    calls = Int(
        bits=64, strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 10**12)
    )
    exclusive = fields.Boolean(load_default=False)
    buyer_organisation_id = Id(strict=True, load_default=None, allow_none=True)
    expires_at = AwareDateTime(load_default=None, allow_none=True)
    terms = fields.Nested(LicenceTermsSchema, load_default=None, allow_none=True)

    @validates_schema
    def kind_fields(self, data, **_):
        """Each kind has its own fields and no others."""
        kind = data.get("kind")
        needed = {
            PlanKind.ONE_TIME: set(),
            PlanKind.SUBSCRIPTION: {"period", "periods"},
            PlanKind.USAGE_PACKAGE: {"calls"},
            PlanKind.PRIVATE_OFFER: {"buyer_organisation_id", "expires_at"},
        }.get(kind, set())
        errors = {}
        for name in ("period", "periods", "calls", "buyer_organisation_id", "expires_at"):
            given = data.get(name) is not None
            if name in needed and not given:
                errors[name] = [N_("Required for this kind of plan.")]
            elif name not in needed and given:
                errors[name] = [N_("Not used by this kind of plan.")]
        if data.get("terms") is not None and kind != PlanKind.PRIVATE_OFFER:
            errors["terms"] = [N_("Only private offers carry their own terms.")]
        errors.update(self._price_errors(data, kind))
        if errors:
            raise ValidationError(errors)

    def _price_errors(self, data, kind) -> dict:
        """One price: the plan's total, or (subscriptions) the price per period."""
        total, each = data.get("price_minor"), data.get("price_per_period_minor")
        name = self._price_name()
        if each is None:
            if total is None:
                return {name: [N_("Missing data for required field.")]}
            return {}
        if kind != PlanKind.SUBSCRIPTION:
            return {self._per_period_name(): [N_("Only a subscription is priced per period.")]}
        if total is not None:
            return {name: [N_("Give the price per period or the total for all periods, not both.")]}
        if data.get("periods") and each * data["periods"] > MAX_PRICE:
            return {self._per_period_name(): [N_("The total for all periods is too large.")]}
        return {}

    def _price_name(self) -> str:
        return self.fields["price_minor"].data_key or "price_minor"

    def _per_period_name(self) -> str:
        return self.fields["price_per_period_minor"].data_key or "price_per_period_minor"

    @post_load
    def total_price(self, data, **_):
        """A subscription priced per period costs that for each of its periods."""
        each = data.pop("price_per_period_minor", None)
        if each is not None:
            data["price_minor"] = each * data["periods"]
        return data


class RevisionInputSchema(Schema):
    """What a provider writes in a listing draft."""

    rights = fields.List(
        fields.Enum(Right, by_value=True),
        required=True,
        validate=_at_least_one(N_("Choose at least one right to offer."), 5),
    )
    title_zh = _text(200, one_line=True)
    title_en = _text(200, one_line=True)
    description_zh = _text(8000)
    description_en = _text(8000)
    keywords = fields.List(
        fields.String(validate=Length(min=1, max=40)),
        load_default=list,
        validate=Length(max=20),
    )
    category = fields.Enum(Industry, by_value=True, required=True)
    delivery_method = fields.Enum(DeliveryMethod, by_value=True, required=True)
    region = RegionCode(required=True)
    coverage_from = Int(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(1000, 2200)
    )
    coverage_to = Int(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(1000, 2200)
    )
    terms = fields.Nested(LicenceTermsSchema, required=True)
    plans = fields.List(
        fields.Nested(ListingPlanInputSchema),
        required=True,
        validate=Length(min=1, max=20),
    )
    valuation_report_number = fields.String(
        load_default=None, allow_none=True, validate=Length(max=40)
    )

    @validates_schema(skip_on_field_errors=False)
    def territory_fits_provider(self, data, **_):
        """Terms whose territory and cross-border flag contradict each other for the provider
        (``licence.contradiction``), when the provider is known: named beside every other
        refused field, in one 422, not only once those are put right; on the field the
        service names (``terms.territory`` or ``terms.cross_border``)."""
        _refuse_contradiction(data.get("terms"))

    @validates_schema
    def coverage_order(self, data, **_):
        """Coverage years run forwards."""
        start, end = data.get("coverage_from"), data.get("coverage_to")
        if start and end and start > end:
            raise ValidationError(
                {"coverage_to": [N_("The last year may not be before the first.")]}
            )


class ListingInputSchema(RevisionInputSchema):
    """A new listing: the asset (and version) it offers, and its first draft."""

    asset_id = Id(strict=True, required=True)
    asset_version = Int(strict=True, load_default=None, allow_none=True)


class PrivateOfferInputSchema(ListingPlanInputSchema):
    """A private offer to one buyer organisation (optionally answering a demand)."""

    kind = fields.Enum(PlanKind, by_value=True, load_default=PlanKind.PRIVATE_OFFER)
    demand_id = Id(strict=True, load_default=None, allow_none=True)

    @validates_schema
    def is_private(self, data, **_):
        """Only private offers are added to a listing on sale."""
        if data.get("kind") != PlanKind.PRIVATE_OFFER:
            raise ValidationError({"kind": ["must be private_offer"]})

    @validates_schema(skip_on_field_errors=False)
    def territory_fits_provider(self, data, **_):
        """The offer's own terms contradicting themselves for the provider (set by
        ``views.provider_known``) are named beside every other refused field, in one 422,
        as a listing's are."""
        _refuse_contradiction(data.get("terms"))


class ComplianceReviewInputSchema(FormSchema):
    """The reviewer's checklist and decision."""

    decision = fields.Enum(ReviewDecision, by_value=True, required=True)
    personal_info = fields.Enum(PersonalInfoHandling, by_value=True, required=True)
    personal_info_note = _text(4000, required=False)
    # Asked of a mainland provider only (the service requires it then, and refuses it for
    # a provider registered elsewhere, as the asset form does).
    important_data = fields.Boolean(load_default=None)
    important_data_note = _text(4000, required=False)
    cross_border_pathway = fields.Enum(
        CrossBorderPathway, by_value=True, load_default=None, allow_none=True
    )
    cross_border_evidence = _text(200, required=False, one_line=True)
    reason = _text(4000, required=False)


class ListingReasonSchema(Schema):
    """A reason for a move (suspend, reinstate, delist)."""

    reason = _text(4000, required=False)


class ProviderMoveFormSchema(FormSchema):
    """A provider's move of its listing, from the buttons of its page."""

    action = fields.String(required=True, validate=validate.OneOf(("submit", "revise", "delist")))


class FeatureInputSchema(FormSchema):
    """Staff's choice to show a listing on the home page, or to stop, and why."""

    featured = fields.Boolean(required=True)
    reason = _text(1000, one_line=True)


class ListingPlanSchema(Schema):
    """A plan as shown."""

    id = fields.Integer()
    kind = fields.Enum(PlanKind, by_value=True)
    name_zh = fields.String(allow_none=True, metadata={"description": "null: left unnamed"})
    name_en = fields.String(allow_none=True, metadata={"description": "null: left unnamed"})
    name = fields.Function(
        shown_name,
        metadata={
            "description": "the name in the request's language: its own, else its kind's name"
        },
    )
    price_minor = fields.Integer(
        metadata={"description": "what the buyer pays; a subscription: all periods at once"}
    )
    price_per_period_minor = fields.Integer(
        allow_none=True,
        metadata={"description": "a subscription's price per period (rounded half up)"},
    )
    currency = fields.String()
    period = fields.Enum(BillingPeriod, by_value=True, allow_none=True)
    periods = fields.Integer(allow_none=True)
    calls = fields.Integer(allow_none=True)
    exclusive = fields.Boolean()
    buyer_organisation_id = fields.Integer(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    terms = fields.Dict(attribute="effective_terms")


class SampleUploadSchema(Schema):
    """A sample file sent as ``multipart/form-data`` under ``file``."""

    file = fields.Raw(metadata={"type": "string", "format": "binary"})


class ListingSampleSchema(Schema):
    """A sample file."""

    id = fields.Integer()
    name = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class CertificateBadgeSchema(Schema):
    """The certificate behind a revision."""

    number = fields.String()
    status = fields.String()
    rights = fields.List(fields.String())
    valid_until = fields.DateTime()


class ComplianceReviewSchema(Schema):
    """A compliance review as shown."""

    decision = fields.Enum(ReviewDecision, by_value=True)
    personal_info = fields.Enum(PersonalInfoHandling, by_value=True)
    important_data = fields.Boolean()
    cross_border_pathway = fields.Enum(CrossBorderPathway, by_value=True, allow_none=True)
    cross_border_evidence = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    decided_at = fields.DateTime()


class ListingRevisionSchema(Schema):
    """A revision with its plans, terms and samples."""

    id = fields.Integer()
    number = fields.Integer()
    state = fields.Enum(RevisionState, by_value=True)
    asset_version = fields.Integer(attribute="asset_version.number")
    rights = fields.List(fields.String())
    title_zh = fields.String()
    title_en = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    keywords = fields.List(fields.String())
    category = fields.Enum(Industry, by_value=True)
    delivery_method = fields.Enum(DeliveryMethod, by_value=True)
    region = fields.String()
    coverage_from = fields.Integer(allow_none=True)
    coverage_to = fields.Integer(allow_none=True)
    terms = fields.Dict()
    valuation_report_number = fields.String(allow_none=True)
    certificate = fields.Nested(CertificateBadgeSchema)
    plans = fields.List(fields.Nested(ListingPlanSchema), attribute="public_plans")
    samples = fields.List(fields.Nested(ListingSampleSchema))
    review = fields.Nested(ComplianceReviewSchema, allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class ListingSchema(Schema):
    """A listing: its status, the revision on sale and any revision pending review."""

    id = fields.Integer()
    organisation_id = fields.Integer()
    asset_id = fields.Integer()
    asset_kind = fields.Enum(AssetKind, by_value=True, attribute="asset.kind")
    status = fields.Enum(ListingStatus, by_value=True)
    published_at = fields.DateTime(allow_none=True)
    live = fields.Nested(ListingRevisionSchema, attribute="live_revision", allow_none=True)
    featured = fields.Boolean(dump_only=True)
    featured_at = fields.AwareDateTime(
        attribute="feature.featured_at", dump_only=True, allow_none=True
    )
    pending = fields.Nested(ListingRevisionSchema, attribute="pending_revision", allow_none=True)


class ReviewerSchema(Schema):
    """The reviewer who decided, as staff see it."""

    id = fields.Integer()
    name = fields.String()


class StaffComplianceReviewSchema(ComplianceReviewSchema):
    """A compliance review as reviewers see it: also who decided, and the checklist's notes."""

    reviewer = fields.Nested(ReviewerSchema)
    personal_info_note = fields.String(allow_none=True)
    important_data_note = fields.String(allow_none=True)


class StaffRevisionSchema(ListingRevisionSchema):
    """A revision as reviewers see it, its review naming the reviewer."""

    review = fields.Nested(StaffComplianceReviewSchema, allow_none=True)


class ReviewListingSchema(ListingSchema):
    """A listing as the review API answers it. While a new revision of a listing on sale waits
    (``pending``), ``live.review`` is what the last approval recorded (the personal information
    finding, important data, the export pathway and its evidence when any, who, when), for the
    reviewer to confirm or change."""

    live = fields.Nested(StaffRevisionSchema, attribute="live_revision", allow_none=True)
    pending = fields.Nested(StaffRevisionSchema, attribute="pending_revision", allow_none=True)


def _one_of(values) -> list:
    # An unknown filter value would quietly find nothing: refused, naming the parameter.
    return fields.List(
        fields.String(validate=validate.OneOf([str(v) for v in values])), load_default=list
    )


#: A range whose ends are swapped, said by the market page of its fields' labels (shown beside
#: the fields, not as a value not understood; the API's are ``discovery.build_query``'s).
REVERSED_PRICES = N_("The range is reversed: “Price from” is above “Price below”.")
EMPTY_PRICES = N_("The range holds no price: “Price below” must be above “Price from”.")
REVERSED_YEARS = N_(
    "The range is reversed: “Data up to (until year)” is before “Data up to (from year)”."
)
RANGE_MESSAGES = frozenset({REVERSED_PRICES, EMPTY_PRICES, REVERSED_YEARS})


class SearchArgsSchema(Schema):
    """Query-string arguments of the listing search. Filters with a closed list of values
    (``region``: the exchange's region codes) refuse any other; ``provider`` (an
    organisation id) is open, so an unknown one finds nothing."""

    # The engine refuses longer text (naming ``q``, with its ``limit``); the document says so.
    q = fields.String(
        load_default="",
        metadata={
            "maxLength": MAX_QUERY_LENGTH,
            "description": "The buyer's words, in Simplified or Traditional Chinese, English or "
            "both; most words must match (see `relaxed`, `strict_total`, `unheld`). Empty: "
            "every listing, newest first.",
        },
    )
    category = _one_of(Industry)
    asset_kind = _one_of(AssetKind)
    pricing_model = _one_of(PlanKind)
    currency = _one_of(CURRENCIES)
    delivery_method = _one_of(DeliveryMethod)
    region = fields.List(
        RegionCode(),
        load_default=list,
        metadata={
            "description": "A region's code (`hong_kong`) or its name in Simplified, "
            "Traditional or English (香港, 香港特別行政區, Hong Kong); repeat for any of several."
        },
    )
    provider = fields.List(
        fields.String(validate=[Length(max=64), validate.Regexp(r"^[0-9]+$")]),
        load_default=list,
    )
    cross_border_allowed = fields.Boolean(load_default=None, allow_none=True)
    certified = fields.Boolean(load_default=None, allow_none=True)
    appraised = fields.Boolean(load_default=None, allow_none=True)
    price_min = Int(
        bits=64,
        load_default=None,
        validate=validate.Range(0, MAX_PRICE),
        metadata={"description": "The lowest price, in fen (CNY minor units; ¥480 is 48000), "
                  "included; other currencies' plans are compared in yuan."},
    )  # fmt: skip
    price_max = Int(
        bits=64,
        load_default=None,
        validate=validate.Range(0, MAX_PRICE),
        metadata={"description": "The highest price, in fen, included."},
    )
    year_from = Int(
        load_default=None,
        validate=validate.Range(1000, 2200),
        metadata={"description": "The earliest year a listing's data runs up to, included."},
    )
    year_to = Int(
        load_default=None,
        validate=validate.Range(1000, 2200),
        metadata={"description": "The latest year a listing's data runs up to, included."},
    )
    sort = fields.String(
        load_default="relevance",
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "`relevance` (the default) adds listings matching some of the "
            "words after those matching most when fewer than 20 do; any other sort shows "
            "those matching most only (`more_by_relevance` says how many more relevance shows)."
        },
    )
    page = Int(load_default=1, validate=validate.Range(1, 500))
    page_size = Int(load_default=20, validate=validate.Range(1, 100))

    @validates_schema(pass_original=True)
    def _one_paging_scheme(self, _data, original, **_kwargs):
        # Every list of the API pages with page/page_size; an old per_page would be ignored.
        if "per_page" in original:
            raise ValidationError(
                N_("Unknown field: lists page with page and page_size."), "per_page"
            )


class MarketArgsSchema(SearchArgsSchema):
    """The market page's search: prices in the exchange's currency's major unit, as a price
    bucket reads (``price_from=1000&price_below=10000`` is ¥1,000 up to, not including,
    ¥10,000). The API's ``price_min``/``price_max`` stay minor units; the page's old links
    that carry them are redirected."""

    price_min = Money(data_key="price_from", load_default=None, maximum=MAX_PRICE)
    price_max = Money(data_key="price_below", load_default=None, minimum=1, maximum=MAX_PRICE)

    def __init__(self, currency: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields["price_min"].currency = currency
        self.fields["price_max"].currency = currency

    @validates_schema
    def _ranges_hold_something(self, data: dict, **kwargs) -> None:
        # As the page's other refusals, naming the end the buyer typed: a range holding no
        # price or year is a mistake, not a search that found nothing.
        errors = {}
        low, below = data.get("price_min"), data.get("price_max")
        if low is not None and below is not None and below <= low:
            errors["price_below"] = [REVERSED_PRICES if below < low else EMPTY_PRICES]
        first, last = data.get("year_from"), data.get("year_to")
        if first is not None and last is not None and last < first:
            errors["year_to"] = [REVERSED_YEARS]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _below_is_exclusive(self, data: dict, **kwargs) -> dict:
        if data.get("price_max") is not None:
            data["price_max"] -= 1
        return data


SUGGEST_MAX = 100  # characters of typed text the suggestions take (page and API alike)


class SuggestArgsSchema(Schema):
    """What was typed so far."""

    q = fields.String(load_default="", validate=Length(max=SUGGEST_MAX))


class SearchHitSchema(Schema):
    """A search hit: the indexed listing and highlighted snippets."""

    id = fields.Integer(
        metadata={"description": "The listing's id, an integer like every id of the API."}
    )
    score = fields.Float(allow_none=True)
    # Ids inside are the index's keyword strings; left so, for the clients that read them.
    listing = fields.Dict(
        metadata={
            "description": "The listing as the search index holds it: its ids (`id`, "
            "`provider`) are keyword strings there."
        }
    )
    highlights = fields.Dict()


class FacetValueSchema(Schema):
    """One value of a facet and how many hits carry it."""

    value = fields.Raw()
    label = fields.String()
    count = fields.Integer()


class RegionSchema(Schema):
    """A region, as the ``region`` facet and argument name it."""

    value = fields.String(metadata={"description": "The region's code, as `region=` takes it."})
    label = fields.String(metadata={"description": "Its name in the reader's language."})


class SearchResultsSchema(Schema):
    """A page of search results with facets."""

    search_id = fields.Integer(
        allow_none=True,
        metadata={"description": "The logged search, for reporting which result was opened."},
    )
    relaxed = fields.Boolean(
        metadata={
            "description": "No listing matched most of the words, and these match some of them "
            "(for one word: words inside it or close to it). Never with no hits."
        }
    )
    did_you_mean = fields.String(
        allow_none=True,
        metadata={
            "description": "The words corrected (English by spelling, Chinese by sound), in "
            "the script typed; the hits are the correction's. `null`: nothing to correct."
        },
    )
    strict_total = fields.Integer(
        allow_none=True,
        metadata={
            "description": "By relevance, when fewer than 20 listings match most of the "
            "words: how many do; the listings after them match some words. `null` otherwise."
        },
    )
    loose = fields.Boolean(
        metadata={
            "description": "No listing holds any of the words: these share some of their "
            "Chinese character pairs (`relaxed` is true too)."
        }
    )
    more_by_relevance = fields.Integer(
        allow_none=True,
        metadata={
            "description": "With a `sort` other than relevance: how many more listings the "
            "same search shows sorted by relevance (those matching only some of the words). "
            "`null` when none, or sorted by relevance."
        },
    )
    unheld = fields.List(
        fields.String(),
        metadata={
            "description": "The query's words no listing holds, left out of the match (外卖 "
            "of 外卖订单): the hits hold the other words. As typed; single Chinese characters "
            "(地 of 来源地) and counts (一家) are not named; empty when no word is held "
            "(`loose`) or nothing is found."
        },
    )
    regions_missed = fields.List(
        fields.Nested(RegionSchema),
        metadata={
            "description": "The regions the words name (港鐵, 香港 樓價, Hong Kong) when no "
            "listing the search shows first is in one of them (its first five, and of those "
            "only the ones matching most words when `strict_total` is set; the same on every "
            "page and at any `page_size`): a place only ranks listings, so these match the "
            "other words. Empty with a `region` filter or when nothing is found."
        },
    )
    elsewhere_total = fields.Integer(
        allow_none=True,
        metadata={
            "description": "With a `region` filter that leaves no listing while listings "
            "elsewhere hold the words (樓價 in Hong Kong): how many the same search finds "
            "without the `region` filter, every other filter kept. `null` otherwise."
        },
    )
    took_ms = fields.Float(metadata={"description": "The search's time, in milliseconds."})
    hits = fields.List(fields.Nested(SearchHitSchema))
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetValueSchema)))


def search_results(results: dict) -> dict:
    """What :class:`SearchResultsSchema` dumps of ``results``, built without marshmallow: a page
    of 20 hits and a dozen facets are over a thousand field serialisations, about a tenth of
    the API's own time per search. The schema stays the documented shape (the OpenAPI
    document is built from it), and a test holds this to its dump."""
    return {
        "search_id": _number(int, results["search_id"]),
        "relaxed": results["relaxed"],
        "did_you_mean": _string(results["did_you_mean"]),
        "strict_total": _number(int, results["strict_total"]),
        "loose": results["loose"],
        "more_by_relevance": _number(int, results["more_by_relevance"]),
        "unheld": [_string(word) for word in results["unheld"]],
        "regions_missed": [
            {"value": _string(row["value"]), "label": _string(row["label"])}
            for row in results["regions_missed"]
        ],
        "elsewhere_total": _number(int, results["elsewhere_total"]),
        "took_ms": _number(float, results["took_ms"]),
        "hits": [
            {
                "id": _number(int, hit["id"]),
                "score": _number(float, hit["score"]),
                "listing": dict(hit["listing"]),
                "highlights": dict(hit["highlights"]),
            }
            for hit in results["hits"]
        ],
        "facets": {
            str(name): [
                {
                    "value": row["value"],
                    "label": _string(row["label"]),
                    "count": _number(int, row["count"]),
                }
                for row in rows
            ]
            for name, rows in results["facets"].items()
        },
    }


def _number(kind, value):
    # As marshmallow's Integer and Float dump: None stays None, anything else is converted.
    return None if value is None else kind(value)


def _string(value):
    return None if value is None else str(value)


class SuggestionSchema(Schema):
    """An as-you-type suggestion: text to search, and a listing it finds."""

    text = fields.String(metadata={"description": "In the reader's script (Accept-Language)."})
    listing_id = fields.Integer(
        metadata={"description": "A listing this text finds: the title's, or one holding the "
                  "keyword or a word of the synonym term's group."}
    )  # fmt: skip
    kind = fields.String(
        validate=validate.OneOf(["title", "keyword", "synonym"]),
        metadata={"description": "A listing's title, one of its keywords, or a synonym term."},
    )


class DemandInputSchema(FormSchema):
    """A buyer's demand."""

    title = _text(200, min_length=2, one_line=True)
    need = _text(4000)
    category = fields.Enum(Industry, by_value=True, load_default=None, allow_none=True)
    budget_minor = Int(
        bits=64, strict=True, required=True, validate=validate.Range(MIN_PRICE, MAX_PRICE)
    )
    currency = fields.String(required=True, validate=ISO_CURRENCY)
    deadline = Date(required=True)
    usage_scenario = fields.Enum(UsageScenario, by_value=True, required=True)
    cross_border = fields.Boolean(load_default=False)
    delivery_method = fields.Enum(DeliveryMethod, by_value=True, load_default=None, allow_none=True)


class DemandFormSchema(DemandInputSchema):
    """A demand as typed on the demand board: the budget in yuan (the currency's major unit)."""

    budget_minor = Money(data_key="budget", required=True, minimum=1, maximum=MAX_PRICE)


class DemandMatchSchema(Schema):
    """A listing matched with a demand."""

    listing_id = fields.Integer()
    rank = fields.Integer()
    plan_id = fields.Integer()
    title_zh = fields.String(attribute="revision.title_zh")
    title_en = fields.String(attribute="revision.title_en")
    price_minor = fields.Integer(attribute="plan.price_minor")
    currency = fields.String(attribute="plan.currency")
    reasons = fields.List(fields.String())


class DemandSchema(Schema):
    """A demand as shown on the board (and with its matches to its own buyer)."""

    id = fields.Integer()
    organisation_id = fields.Integer()
    title = fields.String()
    need = fields.String()
    category = fields.Enum(Industry, by_value=True, allow_none=True)
    budget_minor = fields.Integer()
    currency = fields.String()
    deadline = Date()
    usage_scenario = fields.Enum(UsageScenario, by_value=True)
    cross_border = fields.Boolean()
    delivery_method = fields.Enum(DeliveryMethod, by_value=True, allow_none=True)
    status = fields.String()
    created_at = fields.DateTime()


class DemandWithMatchesSchema(DemandSchema):
    """A demand with its matches (for the buyer who posted it)."""

    matches = fields.List(fields.Nested(DemandMatchSchema))


class NotificationSchema(Schema):
    """An in-app notification."""

    id = fields.Integer()
    kind = fields.String()
    subject = fields.Dict()
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class DemandOfferInputSchema(Schema):
    """A matched provider's answer to a demand: a private offer in the demand's currency."""

    name_zh = _text(100, one_line=True)
    name_en = _text(100, one_line=True)
    price_minor = Int(
        bits=64, strict=True, required=True, validate=validate.Range(MIN_PRICE, MAX_PRICE)
    )
    expires_on = Date(required=True)

    @validates("expires_on")
    def expires_later(self, value, **_):
        """A past day is refused with the price's message, not on a second attempt (the
        service checks the moment again at the end of that day, China time)."""
        if value < datetime.now(CHINA).date():
            raise ValidationError(N_("A private offer must expire in the future."))


class DemandOfferFormSchema(FormSchema, DemandOfferInputSchema):
    """The answer as typed on the demand's page (price in the demand's currency's major unit:
    yuan for CNY)."""

    price_minor = Money(data_key="price", required=True, minimum=MIN_PRICE, maximum=MAX_PRICE)

    def __init__(self, currency: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields["price_minor"].currency = currency


# --- The listing editor's form: flat HTML fields read as the listing input, prices in yuan ---

KEYWORD_SEPARATORS = re.compile(r"[,，;；、\n]+")
PLAN_ROWS = 3  # plan rows an editor offers at least (a draft with more shows them all)
PLAN_ROW = re.compile(r"plan(1?[0-9])_kind")  # at most 20 plans
PLAN_FIELDS = ("kind", "name_zh", "name_en", "price", "currency", "period", "periods", "calls")
TERMS_FLAGS = ("cross_border", "redistribution", "resale", "derivatives", "attribution")


def _whole(low: int, high: int):
    """A whole number typed in a form (the API's integers are strict; a form sends text),
    thousands separators allowed."""
    return Count(bits=64, load_default=None, allow_none=True, validate=validate.Range(low, high))


class PlanFormSchema(ListingPlanInputSchema):
    """A plan row: the price typed in the plan currency's major unit; a subscription's price is
    per period (the editor shows the total for all periods beside it)."""

    price_minor = Money(data_key="price", load_default=None, minimum=MIN_PRICE, maximum=MAX_PRICE)
    price_per_period_minor = Money(
        data_key="price_per_period", load_default=None, minimum=MIN_PRICE, maximum=MAX_PRICE
    )
    periods = _whole(1, 120)
    calls = _whole(1, 10**12)


class PlanTotalSchema(Schema):
    """A subscription row's price per period and its number of periods, as typed."""

    kind = fields.String()
    currency = fields.String(required=True, validate=ISO_CURRENCY)
    price = Money(required=True, minimum=MIN_PRICE, maximum=MAX_PRICE)
    periods = Int(bits=64, required=True, validate=validate.Range(1, 120))


class TermsFormSchema(LicenceTermsSchema):
    """Licence terms from the editor's checkboxes and pickers."""

    duration_months = _whole(1, 1200)


class RevisionFormSchema(RevisionInputSchema):
    """The editor's fields (``plan0_price``, ``scenarios``, ``territory`` ...) as a draft, the
    same fields the API's draft takes; a plan's names left blank are not given (the plan is
    shown under its kind's name, translated)."""

    coverage_from = _whole(1000, 2200)
    coverage_to = _whole(1000, 2200)
    terms = fields.Nested(TermsFormSchema, required=True)
    plans = fields.List(
        fields.Nested(PlanFormSchema), required=True, validate=Length(min=1, max=20)
    )
    # Fields a form sends several times (checkboxes, multiple selects).
    form_lists = ("rights", "keywords", "scenarios", "territory")

    @pre_load
    def from_form(self, data, **_):
        """Group the flat fields into terms and plans; blank fields are not given."""
        form = {key: value for key, value in data.items() if value not in ("", [""], None)}
        terms = {"scenarios": form.pop("scenarios", []), "territory": form.pop("territory", [])}
        if "duration_months" in form:
            terms["duration_months"] = form.pop("duration_months")
        for flag in TERMS_FLAGS:
            terms[flag] = bool(form.pop(flag, False))
        plans = []
        rows = [int(m[1]) for key in form if (m := PLAN_ROW.fullmatch(key))]
        for index in range(max([PLAN_ROWS - 1, *rows]) + 1):
            row = {name: form.pop(f"plan{index}_{name}", None) for name in PLAN_FIELDS}
            exclusive = bool(form.pop(f"plan{index}_exclusive", False))
            if not row["kind"]:
                continue
            plan = {name: value for name, value in row.items() if value is not None}
            plan.setdefault("price", "")
            if row["kind"] == PlanKind.SUBSCRIPTION.value:
                plan["price_per_period"] = plan.pop("price")
            plans.append({**plan, "exclusive": exclusive})
        if "keywords" in form:
            texts = form["keywords"] if isinstance(form["keywords"], list) else [form["keywords"]]
            form["keywords"] = [
                w.strip() for t in texts for w in KEYWORD_SEPARATORS.split(t) if w.strip()
            ]
        return {**form, "terms": terms, "plans": plans}


class ListingFormSchema(RevisionFormSchema):
    """The editor's fields for a new listing: the asset it offers, and its first draft."""

    asset_id = Id(required=True)
    asset_version = Int(strict=True, load_default=None, allow_none=True)


def flat_errors(errors: dict) -> dict[str, list[str]]:
    """Nested schema errors under the editor's flat field names (``plans.0.price`` →
    ``plan0_price``, ``terms.scenarios`` → ``scenarios``)."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            flat.setdefault(_name(prefix), []).extend(value)

    walk("", errors)
    return flat


def _name(path: str) -> str:
    parts = path.split(".")
    if parts[0] == "plans" and len(parts) >= 3:
        prices = ("price_minor", "price_per_period", "price_per_period_minor")
        return f"plan{parts[1]}_{'price' if parts[2] in prices else parts[2]}"
    if parts[0] == "terms" and len(parts) >= 2:
        return parts[1]
    return parts[0]
