"""The valuation methods against worked examples computed by hand, and their properties."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.errors import InvalidInput
from market.valuation.methods import (
    Comparable,
    CostInputs,
    CostItem,
    IncomeInputs,
    MarketInputs,
    Sensitivity,
    ValuationInputs,
    cost_value,
    income_value,
    market_value,
    to_minor,
    valuate,
)

COST = CostInputs(
    items=(
        CostItem("planning", 100_000),
        CostItem("collection", 300_000),
        CostItem("storage", 50_000),
        CostItem("processing", 150_000),
        CostItem("labour", 400_000, basis="historical"),
    ),
    functional_obsolescence=D("0.1"),
    economic_obsolescence=D("0.05"),
)
INCOME = IncomeInputs(
    annual_amount=1_000_000,
    share=D("0.3"),
    economic_life_years=3,
    discount_rate=D("0.1"),
    growth_rate=D("0.05"),
)
MARKET = MarketInputs(
    comparables=(
        Comparable(500_000, quality=D("0.8"), scale=D("1.2"), timeliness=D("0.9")),
        Comparable(400_000, quality=D("0.9"), rights=D("1.1"), region=D("0.95")),
    )
)


def test_cost_with_the_quality_coefficient():
    # 1,000,000 × (1 − 0.1) × (1 − 0.05) × 0.9 = 1,000,000 × 0.9 × 0.95 × 0.9 = 769,500
    assert to_minor(cost_value(COST, D("0.9"))) == 769_500


def test_cost_with_the_remaining_life_coefficient():
    inputs = CostInputs(
        items=COST.items,
        functional_obsolescence=D("0.1"),
        economic_obsolescence=D("0.05"),
        coefficient_basis="remaining_life",
        economic_life_years=D(5),
        remaining_life_years=D(3),
    )
    # 1,000,000 × 0.9 × 0.95 × 3/5 = 513,000, whatever the quality
    assert to_minor(cost_value(inputs, D("0.5"))) == 513_000


def test_income_discounts_attributable_growing_income():
    # year 1: 300,000 / 1.1      = 272,727.27
    # year 2: 315,000 / 1.21     = 260,330.58
    # year 3: 330,750 / 1.331    = 248,497.37
    #                        sum = 781,555.22
    assert to_minor(income_value(INCOME, D(1))) == 781_555


def test_income_in_the_licence_royalty_form():
    inputs = IncomeInputs(
        annual_amount=2_000_000,
        share=D("0.08"),
        economic_life_years=2,
        discount_rate=D("0.12"),
        form="royalty",
    )
    # 160,000 / 1.12 + 160,000 / 1.2544 = 142,857.14 + 127,551.02 = 270,408.16
    assert to_minor(income_value(inputs, D(1))) == 270_408


def test_market_adjusts_each_comparable_and_takes_the_mean():
    # 500,000 × (0.9 / 0.8) × 1.2 × 0.9 = 607,500
    # 400,000 × (0.9 / 0.9) × 1.1 × 0.95 = 418,000
    # mean = 512,750
    assert to_minor(market_value(MARKET, D("0.9"))) == 512_750


def test_reconciliation_weights_the_methods_and_brackets_a_range():
    result = valuate(
        ValuationInputs(
            quality=D(1),
            weights={"cost": D("0.2"), "income": D("0.5"), "market": D("0.3")},
            cost=COST,
            income=INCOME,
            market=MARKET,
        )
    )
    # quality 1: cost 855,000; income 781,555.22; market (625,000 × 1.2 × 0.9 = 675,000,
    # 444,444.44 × 1.1 × 0.95 = 464,444.44) mean 569,722.22
    assert result.methods == {"cost": 855_000, "income": 781_555, "market": 569_722}
    # 0.2 × 855,000 + 0.5 × 781,555.22 + 0.3 × 569,722.22 = 171,000 + 390,777.61 + 170,916.67
    assert result.base == 732_694
    assert result.low < result.base < result.high
    assert [swing.assumption for swing in result.swings] == [
        "discount_rate",
        "growth_rate",
        "attribution_share",
        "quality",
    ]
    rate = result.swings[0]
    assert rate.down > result.base > rate.up  # a lower discount rate is worth more
    assert result.low == min(min(s.down, s.up) for s in result.swings)
    assert result.high == max(max(s.down, s.up) for s in result.swings)


def test_quality_swing_without_income_still_gives_a_range():
    result = valuate(ValuationInputs(quality=D("0.9"), weights={"market": D(1)}, market=MARKET))
    assert result.base == 512_750
    assert [s.assumption for s in result.swings] == ["quality"]
    # ±10 % quality moves only the quality factor: 512,750 × 0.9 and × 1.1
    assert (result.low, result.high) == (461_475, 564_025)


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        (
            ValuationInputs(
                quality=D(1),
                weights={"income": D(1)},
                income=IncomeInputs(1000, D("0.5"), 0, D("0.1")),
            ),
            "income.economic_life_years",
        ),
        (
            ValuationInputs(
                quality=D(1),
                weights={"income": D(1)},
                income=IncomeInputs(1000, D("0.5"), -2, D("0.1")),
            ),
            "income.economic_life_years",
        ),
        (
            ValuationInputs(
                quality=D(1),
                weights={"income": D(1)},
                income=IncomeInputs(1000, D("0.5"), 5, D("0.05"), growth_rate=D("0.05")),
            ),
            "income.discount_rate",
        ),
        (
            ValuationInputs(
                quality=D(1),
                weights={"income": D("0.5"), "cost": D("0.4")},
                income=INCOME,
                cost=COST,
            ),
            "weights",
        ),
        (
            ValuationInputs(quality=D(1), weights={"market": D(1)}, market=MarketInputs(())),
            "market.comparables",
        ),
        (ValuationInputs(quality=D(1), weights={"market": D(1)}), "market"),
        (
            ValuationInputs(
                quality=D(1),
                weights={"cost": D(1)},
                cost=CostInputs(
                    COST.items, coefficient_basis="remaining_life", economic_life_years=D(0)
                ),
            ),
            "cost.economic_life_years",
        ),
        (
            ValuationInputs(
                quality=D(1),
                weights={"income": D(1)},
                income=IncomeInputs(1000, D("0.5"), 5, D("0.03"), growth_rate=D("0.02")),
            ),
            "sensitivity.discount_rate",
        ),
        (ValuationInputs(quality=D(0), weights={"cost": D(1)}, cost=COST), "quality"),
    ],
)
def test_bad_input_names_the_field(inputs, field):
    with pytest.raises(InvalidInput) as raised:
        valuate(inputs)
    assert raised.value.field == field


# --- properties ----------------------------------------------------------------------------

rates = st.decimals(min_value="-0.05", max_value="0.3", places=3)
fractions = st.decimals(min_value="0.001", max_value="1", places=3)
qualities = st.decimals(min_value="0.05", max_value="1.5", places=3)
amounts = st.integers(min_value=0, max_value=10**12)


@st.composite
def incomes(draw):
    growth = draw(rates)
    return IncomeInputs(
        annual_amount=draw(amounts),
        share=draw(fractions),
        economic_life_years=draw(st.integers(1, 30)),
        discount_rate=growth + draw(st.decimals(min_value="0.001", max_value="0.3", places=3)),
        growth_rate=growth,
        form=draw(st.sampled_from(["attributable", "royalty"])),
    )


@st.composite
def comparables(draw):
    factor = st.decimals(min_value="0.5", max_value="2", places=2)
    return Comparable(
        draw(amounts),
        quality=draw(qualities),
        scale=draw(factor),
        timeliness=draw(factor),
        rights=draw(factor),
        region=draw(factor),
    )


@st.composite
def costs(draw):
    items = draw(
        st.lists(
            st.builds(CostItem, st.sampled_from(["labour", "storage", "taxes"]), amounts),
            min_size=1,
            max_size=5,
        )
    )
    obsolescence = st.decimals(min_value="0", max_value="1", places=2)
    return CostInputs(tuple(items), draw(obsolescence), draw(obsolescence))


@settings(max_examples=100, deadline=None)  # no timing in tests: the machine may be busy
@given(incomes(), st.decimals(min_value="0.001", max_value="0.2", places=3), qualities)
def test_a_higher_discount_rate_never_raises_the_income_value(income, step, quality):
    higher = IncomeInputs(**{**income.__dict__, "discount_rate": income.discount_rate + step})
    assert to_minor(income_value(higher, quality)) <= to_minor(income_value(income, quality))


@settings(max_examples=100, deadline=None)  # no timing in tests: the machine may be busy
@given(
    costs(),
    incomes(),
    st.lists(comparables(), min_size=1, max_size=4),
    qualities,
    qualities,
    st.sampled_from(["cost", "income", "market"]),
)
def test_better_quality_never_lowers_a_value(cost, income, found, q1, q2, method):
    low, high = sorted([q1, q2])
    inputs = ValuationInputs(
        quality=low,
        weights={method: D(1)},
        cost=cost,
        income=income,
        market=MarketInputs(tuple(found)),
        sensitivity=Sensitivity(discount_rate=D(0), growth_rate=D(0)),
    )
    worse, better = (
        valuate(inputs),
        valuate(ValuationInputs(**{**inputs.__dict__, "quality": high})),
    )
    assert all(better.methods[name] >= worse.methods[name] for name in worse.methods)
    assert better.base >= worse.base


@settings(max_examples=100, deadline=None)  # no timing in tests: the machine may be busy
@given(
    costs(),
    incomes(),
    st.lists(comparables(), min_size=1, max_size=4),
    qualities,
    st.lists(st.integers(0, 1000), min_size=3, max_size=3).filter(lambda w: sum(w) > 0),
)
def test_weights_summing_to_one_reconcile_between_the_lowest_and_highest_method(
    cost, income, found, quality, raw
):
    weights = {
        name: D(w) / D(sum(raw)) for name, w in zip(["cost", "income", "market"], raw, strict=True)
    }
    result = valuate(
        ValuationInputs(
            quality=quality,
            weights=weights,
            cost=cost,
            income=income,
            market=MarketInputs(tuple(found)),
            sensitivity=Sensitivity(discount_rate=D(0), growth_rate=D(0)),
        )
    )
    used = [result.methods[name] for name, weight in weights.items() if weight > 0]
    assert min(used) <= result.base <= max(used)
