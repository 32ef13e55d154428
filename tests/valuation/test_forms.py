"""The inputs editor's flat fields load into exactly what the API's JSON loads, and every
error comes back under the field the appraiser typed in."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from market.valuation import forms, schemas
from tests.valuation.test_api import INPUTS


def _stored(inputs):
    schema = schemas.InputsSchema()
    return schema.dump(schema.load(inputs))


def _load(form, currency="CNY"):
    nested, rows = forms.nest(form, currency)
    try:
        return schemas.InputsSchema().dump(forms.InputsFormSchema().load(nested)), {}
    except ValidationError as error:
        return None, forms.flat_errors(error.normalized_messages(), rows)


def test_the_form_round_trips_the_apis_inputs():
    form = forms.to_form(_stored(INPUTS), "CNY")
    assert form["cost_item0_amount"] == "6000.00"  # 600,000 fen in yuan
    assert _load(form) == (_stored(INPUTS), {})


def test_amounts_are_typed_in_yuan_with_grouping():
    form = dict(forms.to_form(_stored(INPUTS), "CNY"), cost_item0_amount="¥1,234,567.8")
    loaded, errors = _load(form)
    assert errors == {} and loaded["cost"]["items"][0]["amount"] == 123_456_780


def test_blank_rows_are_skipped_and_errors_land_on_the_typed_row():
    form = dict(forms.to_form(_stored(INPUTS), "CNY"))
    form.update(
        cost_item2_category="storage",
        cost_item2_basis="replacement",
        cost_item2_amount="",
        cost_item3_category="taxes",
        cost_item3_basis="historical",
        cost_item3_amount="1.001",
        comp1_source="entered",
        comp1_price="",
        comp2_source="entered",
        comp2_price="abc",
    )
    _loaded, errors = _load(form)
    assert errors == {
        "cost_item3_amount": ["This currency allows at most 2 decimal places."],
        "comp2_price": ["Enter an amount such as 48,000.00."],
    }


def test_an_exchange_trade_counts_only_when_included():
    form = dict(forms.to_form(_stored(INPUTS), "CNY"))
    trade = {
        "comp1_source": "exchange",
        "comp1_reference": "order:7",
        "comp1_price": "4200.00",
        "comp1_similarity": "0.812",
        "comp1_rights": "1.5",
    }
    left_out, _ = _load({**form, **trade})
    assert len(left_out["market"]["comparables"]) == 1
    included, _ = _load({**form, **trade, "comp1_include": "1"})
    exchange = included["market"]["comparables"][1]
    assert (exchange["price"], exchange["similarity"], exchange["rights"]) == (
        420_000,
        "0.812",
        "1.5",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight_cost": "1.5"}, "weight_cost"),
        ({"income_share": "2"}, "income_share"),
        ({"income_economic_life_years": "x"}, "income_economic_life_years"),
        ({"sens_quality": "0.95"}, "sens_quality"),
        ({"qo_coefficient": "0.9", "qo_reason": ""}, "qo_reason"),
        ({"disclosure_useful_life_months": ""}, "disclosure_useful_life_months"),
        ({"comp0_scale": "11"}, "comp0_scale"),
    ],
)
def test_each_bad_field_is_named(change, field):
    _loaded, errors = _load({**forms.to_form(_stored(INPUTS), "CNY"), **change})
    assert field in errors, errors


def test_run_errors_map_to_the_form():
    assert forms.field_name("income.discount_rate") == "income_discount_rate"
    assert forms.field_name("market.comparables") == "comparables"
    assert forms.field_name("weights") == "weights"
    assert forms.field_name("quality_override") == "quality_override"
