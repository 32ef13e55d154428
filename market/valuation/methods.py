"""The three valuation approaches (評估方法) and their reconciliation, as pure functions.

Follows the China Appraisal Society's guidance on data asset valuation (2023):

- **cost** (成本法): ``Σ cost items × (1 − functional obsolescence) × (1 − economic obsolescence)
  × coefficient``, the coefficient being the data-quality coefficient or the remaining share of
  the economic life;
- **income** (收益法): ``Σ_{t=1..n} B × s × q × (1+g)^(t−1) / (1+r)^t`` with ``B`` the annual
  revenue or cost savings, ``s`` the share attributable to the data (or, in the licence-royalty
  form used for digital cultural content, the royalty rate on the licensees' revenue), ``q``
  the quality coefficient, ``g`` growth and ``r`` the discount rate over ``n`` years;
- **market** (市場法): the mean of comparable prices, each times its adjustment factors for
  quality (the subject's coefficient over the comparable's), scale, timeliness, rights scope and
  region;
- **reconciliation** (綜合): the weighted mean of the methods used, and a low / base / high range
  from a one-at-a-time sensitivity analysis of discount rate, growth, attribution share and
  quality.

Everything is computed in :class:`~decimal.Decimal` and each result is rounded once, half to
even, to integer minor units. Bad input raises :class:`~market.errors.InvalidInput` naming the
field, in the dotted form the API's schemas use.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal

from market.errors import InvalidInput
from market.text import N_

ZERO, ONE = Decimal(0), Decimal(1)
METHODS = ("cost", "income", "market")
COST_CATEGORIES = (
    "planning",
    "collection",
    "storage",
    "processing",
    "labour",
    "compliance",
    "indirect",
    "opportunity",
    "taxes",
)
ASSUMPTIONS = ("discount_rate", "growth_rate", "attribution_share", "quality")
WEIGHT_TOLERANCE = Decimal("0.0001")
# The largest value a valuation reports, in minor units: the bound of every amount it reads. A
# value past it comes from factors stacked beyond sense, and would not fit the report's columns.
MAX_VALUE = Decimal(10**15)


def to_minor(value: Decimal) -> int:
    """``value`` rounded half to even to whole minor units."""
    return int(value.quantize(ONE, rounding=ROUND_HALF_EVEN))


def _check_fraction(value: Decimal, name: str, *, allow_zero: bool = True) -> None:
    low_ok = value >= ZERO if allow_zero else value > ZERO
    if not (low_ok and value <= ONE):
        raise InvalidInput(N_("Must be between 0 and 1."), field=name)


def _check_positive(value: Decimal, name: str) -> None:
    if value <= ZERO:
        raise InvalidInput(N_("Must be greater than zero."), field=name)


# --- cost ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostItem:
    """One cost of making the data: a category, an amount in minor units, historical or replacement."""

    category: str
    amount: int
    basis: str = "replacement"


@dataclass(frozen=True)
class CostInputs:
    """Inputs of the cost approach."""

    items: tuple[CostItem, ...]
    functional_obsolescence: Decimal = ZERO
    economic_obsolescence: Decimal = ZERO
    coefficient_basis: str = "quality"  # or "remaining_life"
    economic_life_years: Decimal | None = None
    remaining_life_years: Decimal | None = None


def cost_value(inputs: CostInputs, quality: Decimal) -> Decimal:
    """The cost approach's value (unrounded)."""
    if not inputs.items:
        raise InvalidInput(
            N_("The cost approach needs at least one cost item."), field="cost.items"
        )
    total = ZERO
    for index, item in enumerate(inputs.items):
        if item.category not in COST_CATEGORIES:
            raise InvalidInput(N_("Unknown cost category."), field=f"cost.items.{index}.category")
        if item.amount < 0:
            raise InvalidInput(N_("Must not be negative."), field=f"cost.items.{index}.amount")
        total += Decimal(item.amount)
    _check_fraction(inputs.functional_obsolescence, "cost.functional_obsolescence")
    _check_fraction(inputs.economic_obsolescence, "cost.economic_obsolescence")
    if inputs.coefficient_basis == "quality":
        coefficient = quality
    elif inputs.coefficient_basis == "remaining_life":
        life, remaining = inputs.economic_life_years, inputs.remaining_life_years
        if life is None or life <= ZERO:
            raise InvalidInput(N_("Must be greater than zero."), field="cost.economic_life_years")
        if remaining is None or remaining < ZERO or remaining > life:
            raise InvalidInput(
                N_("Must be between zero and the economic life."), field="cost.remaining_life_years"
            )
        coefficient = remaining / life
    else:
        raise InvalidInput(N_("Unknown coefficient basis."), field="cost.coefficient_basis")
    return (
        total
        * (ONE - inputs.functional_obsolescence)
        * (ONE - inputs.economic_obsolescence)
        * coefficient
    )


# --- income --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomeInputs:
    """Inputs of the income approach.

    ``form`` is ``attributable`` (``annual_amount`` is revenue or cost savings and ``share`` the
    part attributable to the data) or ``royalty`` (``annual_amount`` is the licensees' revenue
    and ``share`` the royalty rate).
    """

    annual_amount: int
    share: Decimal
    economic_life_years: int
    discount_rate: Decimal
    growth_rate: Decimal = ZERO
    form: str = "attributable"


def income_value(inputs: IncomeInputs, quality: Decimal) -> Decimal:
    """The income approach's value (unrounded): discounted attributable income over the life."""
    if inputs.form not in ("attributable", "royalty"):
        raise InvalidInput(N_("Unknown income form."), field="income.form")
    if inputs.annual_amount < 0:
        raise InvalidInput(N_("Must not be negative."), field="income.annual_amount")
    _check_fraction(inputs.share, "income.share")
    if inputs.economic_life_years <= 0:
        raise InvalidInput(N_("Must be greater than zero."), field="income.economic_life_years")
    if inputs.discount_rate <= inputs.growth_rate:
        raise InvalidInput(
            N_("The discount rate must be above the growth rate."), field="income.discount_rate"
        )
    if inputs.growth_rate <= -ONE:
        raise InvalidInput(N_("Must be above -1."), field="income.growth_rate")
    first_year = Decimal(inputs.annual_amount) * inputs.share * quality
    growth, discount = ONE + inputs.growth_rate, ONE + inputs.discount_rate
    total = ZERO
    for year in range(1, inputs.economic_life_years + 1):
        total += first_year * growth ** (year - 1) / discount**year
    return total


# --- market --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparable:
    """A comparable trade: its price in minor units and the factors that adjust it to the subject.

    ``quality`` is the comparable's own quality coefficient; the quality factor is the subject's
    coefficient over it. The other factors are entered by the appraiser (1 means "alike").
    """

    price: int
    quality: Decimal = ONE
    scale: Decimal = ONE
    timeliness: Decimal = ONE
    rights: Decimal = ONE
    region: Decimal = ONE
    source: str = "entered"  # or "exchange" for the exchange's own settled trades
    reference: str = ""

    def factors(self, subject_quality: Decimal) -> dict[str, Decimal]:
        """Every factor applied to this comparable's price."""
        return {
            "quality": subject_quality / self.quality,
            "scale": self.scale,
            "timeliness": self.timeliness,
            "rights": self.rights,
            "region": self.region,
        }


@dataclass(frozen=True)
class MarketInputs:
    """Inputs of the market approach."""

    comparables: tuple[Comparable, ...]


def adjusted_price(comparable: Comparable, quality: Decimal) -> Decimal:
    """A comparable's price times all its factors."""
    value = Decimal(comparable.price)
    for factor in comparable.factors(quality).values():
        value *= factor
    return value


def market_value(inputs: MarketInputs, quality: Decimal) -> Decimal:
    """The market approach's value (unrounded): the mean adjusted comparable price."""
    if not inputs.comparables:
        raise InvalidInput(
            N_("The market approach needs at least one comparable."), field="market.comparables"
        )
    for index, comparable in enumerate(inputs.comparables):
        if comparable.price < 0:
            raise InvalidInput(
                N_("Must not be negative."), field=f"market.comparables.{index}.price"
            )
        for name in ("quality", "scale", "timeliness", "rights", "region"):
            _check_positive(getattr(comparable, name), f"market.comparables.{index}.{name}")
    adjusted = [adjusted_price(c, quality) for c in inputs.comparables]
    return sum(adjusted, ZERO) / len(adjusted)


# --- reconciliation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivity:
    """How far each main assumption moves in the sensitivity analysis.

    Rates move by absolute points (0.02 is two percentage points); the attribution share and the
    quality coefficient move by a relative fraction (0.1 is ±10 %).
    """

    discount_rate: Decimal = Decimal("0.02")
    growth_rate: Decimal = Decimal("0.01")
    attribution_share: Decimal = Decimal("0.1")
    quality: Decimal = Decimal("0.1")


@dataclass(frozen=True)
class ValuationInputs:
    """Everything one valuation run needs."""

    quality: Decimal
    weights: dict[str, Decimal]
    cost: CostInputs | None = None
    income: IncomeInputs | None = None
    market: MarketInputs | None = None
    sensitivity: Sensitivity = field(default_factory=Sensitivity)


@dataclass(frozen=True)
class Swing:
    """One bar of the tornado: the reconciled value with an assumption moved down and up."""

    assumption: str
    down: int
    up: int


@dataclass(frozen=True)
class ValuationResult:
    """Each method's value, the reconciled base and the low / high range, in minor units."""

    methods: dict[str, int]
    weights: dict[str, Decimal]
    base: int
    low: int
    high: int
    swings: tuple[Swing, ...]


def _checked_weights(inputs: ValuationInputs) -> dict[str, Decimal]:
    weights = {}
    for name, weight in inputs.weights.items():
        if name not in METHODS:
            raise InvalidInput(N_("Unknown valuation method."), field=f"weights.{name}")
        if weight < ZERO:
            raise InvalidInput(N_("Must not be negative."), field=f"weights.{name}")
        if weight > ZERO:
            if getattr(inputs, name) is None:
                raise InvalidInput(N_("A weighted method needs its inputs."), field=name)
            weights[name] = weight
    total = sum(weights.values(), ZERO)
    if not weights or abs(total - ONE) > WEIGHT_TOLERANCE:
        raise InvalidInput(N_("The weights must sum to one."), field="weights")
    # Within the tolerance, normalise so the reconciled value stays between the methods.
    return {name: weight / total for name, weight in weights.items()}


def _method_values(inputs: ValuationInputs) -> dict[str, Decimal]:
    """The value of every method whose inputs are given (weighted or not)."""
    functions = {"cost": cost_value, "income": income_value, "market": market_value}
    return {
        name: function(getattr(inputs, name), inputs.quality)
        for name, function in functions.items()
        if getattr(inputs, name) is not None
    }


def _reconciled(inputs: ValuationInputs, weights: dict[str, Decimal]) -> Decimal:
    values = _method_values(inputs)
    return sum((values[name] * weight for name, weight in weights.items()), ZERO)


def _moved(inputs: ValuationInputs, assumption: str, direction: int) -> ValuationInputs | None:
    """``inputs`` with one assumption moved down (−1) or up (+1); None if it does not apply."""
    delta = getattr(inputs.sensitivity, assumption)
    if assumption == "quality":
        return replace(inputs, quality=inputs.quality * (ONE + direction * delta))
    if inputs.income is None:
        return None
    income = inputs.income
    if assumption == "discount_rate":
        moved = replace(income, discount_rate=income.discount_rate + direction * delta)
    elif assumption == "growth_rate":
        moved = replace(income, growth_rate=income.growth_rate + direction * delta)
    else:
        share = min(ONE, income.share * (ONE + direction * delta))
        moved = replace(income, share=share)
    if moved.discount_rate <= moved.growth_rate:
        raise InvalidInput(
            N_("The sensitivity range brings the discount rate down to the growth rate."),
            field=f"sensitivity.{assumption}",
        )
    return replace(inputs, income=moved)


def _check_quality(quality: Decimal) -> None:
    _check_positive(quality, "quality")


def _check_reportable(value: Decimal, name: str) -> None:
    if abs(value) > MAX_VALUE:
        raise InvalidInput(
            N_("The value comes to more than 10^15 minor units: check the factors."), field=name
        )


def valuate(inputs: ValuationInputs) -> ValuationResult:
    """Run every method given, reconcile with the weights and analyse sensitivity."""
    _check_quality(inputs.quality)
    for assumption in ASSUMPTIONS:
        delta = getattr(inputs.sensitivity, assumption)
        if delta < ZERO or (assumption in ("attribution_share", "quality") and delta >= ONE):
            raise InvalidInput(N_("Out of range."), field=f"sensitivity.{assumption}")
    weights = _checked_weights(inputs)
    values = _method_values(inputs)
    for name, value in values.items():
        _check_reportable(value, name)
    base = _reconciled(inputs, weights)
    swings, outcomes = [], [base]
    for assumption in ASSUMPTIONS:
        down, up = _moved(inputs, assumption, -1), _moved(inputs, assumption, +1)
        if down is None:
            continue
        down_value, up_value = _reconciled(down, weights), _reconciled(up, weights)
        _check_reportable(down_value, f"sensitivity.{assumption}")
        _check_reportable(up_value, f"sensitivity.{assumption}")
        outcomes += [down_value, up_value]
        swings.append(Swing(assumption, to_minor(down_value), to_minor(up_value)))
    return ValuationResult(
        methods={name: to_minor(value) for name, value in values.items()},
        weights=weights,
        base=to_minor(base),
        low=to_minor(min(outcomes)),
        high=to_minor(max(outcomes)),
        swings=tuple(swings),
    )
