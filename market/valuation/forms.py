"""The appraiser's inputs as an HTML form: flat field names, amounts in yuan, rows of cost
items and comparables, loaded into exactly what ``InputsSchema`` loads from the API's JSON.

Field names: ``weight_cost``; ``cost_item3_amount``; ``cost_functional_obsolescence``;
``income_discount_rate``; ``comp2_price`` (``comp2_include`` for a trade of the exchange);
``sens_quality``; ``qo_coefficient``; ``disclosure_classification``; ``notes``. A blank field is
"not given"; a blank row is no row.
"""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import fields, post_load

from ledger.currencies import EXPONENTS
from market.text import N_, Money
from market.valuation import schemas
from market.valuation.methods import METHODS

MAX_ROWS = 50
COST_FIELDS = ("category", "basis", "amount", "note")
COST_SCALARS = (
    "functional_obsolescence",
    "economic_obsolescence",
    "coefficient_basis",
    "economic_life_years",
    "remaining_life_years",
)
INCOME_FIELDS = (
    "form",
    "annual_amount",
    "share",
    "economic_life_years",
    "discount_rate",
    "growth_rate",
)
# What makes the income approach "given": the form's select and growth alone do not.
INCOME_GIVEN = ("annual_amount", "share", "economic_life_years", "discount_rate")
FACTORS = ("quality", "scale", "timeliness", "rights", "region")
COMP_FIELDS = ("price", *FACTORS, "source", "reference", "similarity")
SENSITIVITY = ("discount_rate", "growth_rate", "attribution_share", "quality")
DISCLOSURE = ("classification", "useful_life_months", "amortisation_basis")
ROW = re.compile(r"^(cost_item|comp)(\d+)_")


class _InCurrency:
    """Rows carry the report's currency (put there by :func:`nest`) for their Money fields."""

    currency = fields.String(load_only=True)

    @post_load
    def drop_currency(self, data, **_):
        """The currency was only for reading the amount."""
        data.pop("currency", None)
        return data


class CostItemFormSchema(_InCurrency, schemas.CostItemSchema):
    """A cost item row: the amount in yuan."""

    amount = Money(required=True, maximum=schemas.MAX_MINOR)


class CostFormSchema(schemas.CostSchema):
    """The cost approach's rows and factors."""

    items = fields.List(fields.Nested(CostItemFormSchema), required=True)


class IncomeFormSchema(_InCurrency, schemas.IncomeSchema):
    """The income approach: the annual amount in yuan."""

    annual_amount = Money(required=True, maximum=schemas.MAX_MINOR)


class ComparableFormSchema(_InCurrency, schemas.ComparableSchema):
    """A comparable row: the price in yuan."""

    price = Money(required=True, maximum=schemas.MAX_MINOR)


class MarketFormSchema(schemas.MarketSchema):
    """The comparables the appraiser counts."""

    comparables = fields.List(fields.Nested(ComparableFormSchema), required=True)


class InputsFormSchema(schemas.InputsSchema):
    """The inputs form, nested by :func:`nest` first."""

    cost = fields.Nested(CostFormSchema, load_default=None, allow_none=True)
    income = fields.Nested(IncomeFormSchema, load_default=None, allow_none=True)
    market = fields.Nested(MarketFormSchema, load_default=None, allow_none=True)


def _given(form: dict, key: str) -> str | None:
    value = form.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _group(form: dict, prefix: str, names) -> dict:
    return {name: value for name in names if (value := _given(form, f"{prefix}{name}")) is not None}


def row_indexes(form: dict, kind: str) -> list[int]:
    """The row numbers of ``kind`` (``cost_item`` or ``comp``) present in the form."""
    found = {int(m.group(2)) for key in form if (m := ROW.match(key)) and m.group(1) == kind}
    return sorted(n for n in found if n < MAX_ROWS)


def nest(form: dict, currency: str) -> tuple[dict, dict[str, list[int]]]:
    """The flat form as the nested input ``InputsFormSchema`` loads (blanks left out), and
    which form row each nested row came from (``{"cost_item": [...], "comp": [...]}``)."""
    data: dict = {}
    rows: dict[str, list[int]] = {"cost_item": [], "comp": []}
    weights = {m: w for m in METHODS if (w := _given(form, f"weight_{m}")) is not None}
    data["weights"] = weights
    items = []
    for index in row_indexes(form, "cost_item"):
        row = _group(form, f"cost_item{index}_", COST_FIELDS)
        if row.get("amount") is not None or row.get("note") is not None:
            items.append({**row, "currency": currency})
            rows["cost_item"].append(index)
    cost = _group(form, "cost_", COST_SCALARS)
    if items or "cost" in weights:
        data["cost"] = {**cost, "items": items}
    income = _group(form, "income_", INCOME_FIELDS)
    if any(name in income for name in INCOME_GIVEN) or "income" in weights:
        data["income"] = {**income, "currency": currency}
    comparables = []
    for index in row_indexes(form, "comp"):
        row = _group(form, f"comp{index}_", COMP_FIELDS)
        included = _given(form, f"comp{index}_include")
        if row.get("source") == "exchange" and not included:
            continue  # a trade of the exchange the appraiser left out
        if row.get("price") is None and row.get("source") != "exchange":
            continue  # an empty row
        comparables.append({**row, "currency": currency})
        rows["comp"].append(index)
    if comparables or "market" in weights:
        data["market"] = {"comparables": comparables}
    sensitivity = _group(form, "sens_", SENSITIVITY)
    if sensitivity:
        data["sensitivity"] = sensitivity
    override = _group(form, "qo_", ("coefficient", "reason"))
    if override:
        data["quality_override"] = override
    data["disclosure"] = _group(form, "disclosure_", DISCLOSURE)
    if (notes := _given(form, "notes")) is not None:
        data["notes"] = notes
    return data, rows


def field_name(path: str, rows: dict[str, list[int]] | None = None) -> str:
    """A dotted input path (``cost.items.3.amount``, an error's key) as the form's field name;
    ``rows`` maps a nested row back to the form row it came from."""
    parts = path.split(".")
    head, rest = parts[0], parts[1:]
    if head in ("schema", "file"):
        return path  # the profile form's, named as the API names them
    if head == "weights":
        return f"weight_{rest[0]}" if rest and rest[0] in METHODS else "weights"
    if head == "cost" and len(rest) >= 3 and rest[0] == "items":
        return f"cost_item{_row(rows, 'cost_item', rest[1])}_{rest[2]}"
    if head == "market" and len(rest) >= 3 and rest[0] == "comparables":
        return f"comp{_row(rows, 'comp', rest[1])}_{rest[2]}"
    if head == "market":
        return "comparables" if rest else "market"
    prefix = {"sensitivity": "sens", "quality_override": "qo"}.get(head, head)
    return f"{prefix}_{rest[0]}" if rest else head


def _row(rows: dict[str, list[int]] | None, kind: str, index: str) -> int:
    found = (rows or {}).get(kind) or []
    position = int(index)
    return found[position] if position < len(found) else position


def flat_errors(messages: dict, rows: dict[str, list[int]] | None = None) -> dict[str, list[str]]:
    """Nested validation messages under the form's field names."""
    flat: dict[str, list[str]] = {}

    def walk(path: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                # A Dict field's value errors sit under "value"; a key's under "key".
                step = path if key in ("value", "key") and path.startswith("weights.") else None
                walk(step or (f"{path}.{key}" if path else str(key)), inner)
        else:
            flat.setdefault(field_name(path, rows), []).extend(value)

    walk("", messages)
    return flat


def to_form(inputs: dict | None, currency: str) -> dict:
    """Stored inputs as the form's prefilled values (amounts in the currency's major unit)."""
    inputs = inputs or {}
    form: dict = {}
    for method, weight in (inputs.get("weights") or {}).items():
        form[f"weight_{method}"] = weight
    cost = inputs.get("cost") or {}
    for name in COST_SCALARS:
        if cost.get(name) is not None:
            form[f"cost_{name}"] = str(cost[name])
    for index, item in enumerate(cost.get("items") or []):
        for name in COST_FIELDS:
            value = item.get(name)
            if value is not None:
                form[f"cost_item{index}_{name}"] = (
                    major(value, currency) if name == "amount" else str(value)
                )
    income = inputs.get("income") or {}
    for name in INCOME_FIELDS:
        if income.get(name) is not None:
            value = income[name]
            form[f"income_{name}"] = (
                major(value, currency) if name == "annual_amount" else str(value)
            )
    comparables = (inputs.get("market") or {}).get("comparables") or []
    for index, comparable in enumerate(comparables):
        for name in COMP_FIELDS:
            value = comparable.get(name)
            if value is not None:
                form[f"comp{index}_{name}"] = (
                    major(value, currency) if name == "price" else str(value)
                )
        form[f"comp{index}_include"] = "1"
    for name, value in (inputs.get("sensitivity") or {}).items():
        form[f"sens_{name}"] = str(value)
    for name, value in (inputs.get("quality_override") or {}).items():
        form[f"qo_{name}"] = str(value)
    for name, value in (inputs.get("disclosure") or {}).items():
        if value is not None:
            form[f"disclosure_{name}"] = str(value)
    if inputs.get("notes"):
        form["notes"] = inputs["notes"]
    return form


def major(minor: int, currency: str) -> str:
    """Minor units as a plain amount in the major unit (``30000000`` fen → ``300000.00``)."""
    places = EXPONENTS.get(currency, 2)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"


# The inputs form's fields as the error summary names them (the labels the form shows).
SECTION_LABELS = {
    "weight": N_("Weights of the methods"),
    "cost": N_("Cost approach"),
    "income": N_("Income approach"),
    "market": N_("Market approach"),
    "sens": N_("Sensitivity"),
    "qo": N_("Quality coefficient set by the appraiser (optional)"),
    "disclosure": N_("Accounting disclosure (MoF interim rules, 2023)"),
}
FIELD_LABELS = {
    "cost": N_("Cost approach"),
    "income": N_("Income approach"),
    "market": N_("Market approach"),
    "weights": N_("Weights of the methods"),
    "comparables": N_("Market approach"),
    "quality_override": N_("Quality coefficient set by the appraiser (optional)"),
    "notes": N_("Notes"),
    "file": N_("File"),
    "schema": N_("Declared schema (JSON, optional)"),
    "items": N_("Cost item"),
    "category": N_("Cost item"),
    "basis": N_("Basis"),
    "amount": N_("Amount"),
    "note": N_("Note (optional)"),
    "functional_obsolescence": N_("Functional obsolescence"),
    "economic_obsolescence": N_("Economic obsolescence"),
    "coefficient_basis": N_("Coefficient basis"),
    "economic_life_years": N_("Economic life (years)"),
    "remaining_life_years": N_("Remaining life (years)"),
    "form": N_("Form"),
    "annual_amount": N_("Annual amount (revenue, savings or licensees' revenue)"),
    "share": N_("Share attributable to the data, or royalty rate"),
    "discount_rate": N_("Discount rate"),
    "growth_rate": N_("Growth rate"),
    "attribution_share": N_("Attribution share"),
    "price": N_("Price"),
    "reference": N_("Reference (optional)"),
    "similarity": N_("similarity"),
    "quality": N_("Quality of the comparable"),
    "scale": N_("Scale"),
    "timeliness": N_("Timeliness"),
    "rights": N_("Rights"),
    "region": N_("Region"),
    "coefficient": N_("Coefficient"),
    "reason": N_("Reason"),
    "classification": N_("Classification"),
    "useful_life_months": N_("Useful life (months)"),
    "amortisation_basis": N_("Amortisation basis"),
    "cost_method": N_("Cost approach"),
    "income_method": N_("Income approach"),
    "market_method": N_("Market approach"),
}
FORM_ROW = re.compile(r"^(cost_item|comp)(\d+)_(\w+)$")


def field_label(name: str, translate) -> str:
    """The label of the form field ``name`` (``cost_item3_amount``, ``income_discount_rate``)
    in the reader's language, with its section or row: "Cost item 4 · Amount"."""
    if name in FIELD_LABELS:
        return translate(FIELD_LABELS[name])
    if row := FORM_ROW.match(name):
        kind, index, inner = row.groups()
        title = N_("Cost item %(number)s") if kind == "cost_item" else N_("Comparable %(number)s")
        head = translate(title) % {"number": int(index) + 1}
        return f"{head} · {translate(FIELD_LABELS.get(inner, inner))}"
    section, _, inner = name.partition("_")
    if section in SECTION_LABELS and inner:
        if section == "weight":
            inner = f"{inner}_method"
        return f"{translate(SECTION_LABELS[section])} · {translate(FIELD_LABELS.get(inner, inner))}"
    return name
