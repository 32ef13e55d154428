"""Reading forms: money typed in yuan, blank optional fields, messages in the reader's language."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from marshmallow import ValidationError, fields, validate

from market import api as api_setup
from market.config import ROOT
from market.fields import Length
from market.forms import error_text, max_length, maxlength
from market.text import FormSchema, Money


class PriceSchema(FormSchema):
    price = Money(required=True, maximum=10**13)
    currency = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True)
    tags = fields.List(fields.String(), load_default=list)


def load(price, currency="CNY", **extra):
    return PriceSchema().load({"price": price, "currency": currency, **extra})


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("48000", "CNY", 4_800_000),
        ("48,000", "CNY", 4_800_000),
        ("48,000.00", "CNY", 4_800_000),
        ("48，000.5", "CNY", 4_800_050),
        (" 1 234 567.89 ", "CNY", 123_456_789),
        ("¥48,000", "CNY", 4_800_000),
        ("CN¥48,000", "CNY", 4_800_000),
        ("HK$28,000", "HKD", 2_800_000),
        ("¥1500", "JPY", 1500),
        ("0.01", "CNY", 1),
        ("1500", "JPY", 1500),
        ("1500.00", "JPY", 1500),  # trailing zeros are not decimals
        ("12.345", "KWD", 12_345),
    ],
)
def test_money_is_typed_in_the_major_unit_and_stored_in_minor_units(typed, currency, minor):
    assert load(typed, currency)["price"] == minor


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("48000.005", "CNY", "This currency allows at most 2 decimal places."),
        ("1.5", "JPY", "This currency has no decimal places."),
        ("-5", "CNY", "The amount must not be negative."),
        ("-abc", "CNY", "Enter an amount such as 48,000.00."),  # no amount, negative or not
        ("48,00", "CNY", "Enter an amount such as 48,000.00."),
        ("1e5", "CNY", "Enter an amount such as 48,000.00."),
        ("四万", "CNY", "Enter an amount such as 48,000.00."),
        ("NaN", "CNY", "Enter an amount such as 48,000.00."),
        ("1" * 40, "CNY", "The amount must be between 0 and 100,000,000,000."),
        ("10", "XXX", "Choose a currency first."),
        ("HK$28,000", "CNY", "This amount is written in HK$; enter it in CNY."),
        ("$100", "CNY", "This amount is written in $; enter it in CNY."),
        ("€5", "USD", "This amount is written in €; enter it in USD."),
        ("¥100", "USD", "This amount is written in ¥; enter it in USD."),
    ],
)
def test_money_refuses_what_it_cannot_store_exactly(typed, currency, message):
    with pytest.raises(ValidationError) as caught:
        load(typed, currency)
    assert caught.value.messages["price"] == [message]


def test_blank_optional_fields_are_not_given():
    data = load("1", note="", tags="")
    assert data["note"] is None and data["tags"] == []


def test_a_blank_required_money_field_is_missing():
    with pytest.raises(ValidationError) as caught:
        load("")
    assert caught.value.messages["price"] == ["Missing data for required field."]


@pytest.fixture
def zh():
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "market" / "translations")
    Babel(app)
    with app.test_request_context(), force_locale("zh"):
        yield


@pytest.mark.parametrize(
    ("message", "chinese"),
    [
        ("Missing data for required field.", "此项必填。"),
        ("Length must be between 1 and 100.", "长度须在 1 到 100 之间。"),
        ("Must be greater than or equal to 1.", "不能小于 1。"),
        ("At most 200 characters.", "最多 200 个字符。"),
        ("At most 30 items.", "最多 30 项。"),
        ("Must be one of: realtime, daily.", "请从列表中选择一项。"),
        ("This currency allows at most 2 decimal places.", "该币种最多允许 2 位小数。"),
        ("This amount is written in HK$; enter it in CNY.", "该金额使用了 HK$，请以 CNY 填写。"),
        (
            "Number out of range: from -2147483648 to 2147483647.",
            "数值超出范围：应在 -2147483648 到 2147483647 之间。",
        ),
        ("Not a phone number.", "不是有效的电话号码。"),
        ("Year out of range: from 1970 to 2200.", "年份超出范围：应在 1970 到 2200 年之间。"),
    ],
)
def test_validation_messages_are_shown_in_chinese(zh, message, chinese):
    assert error_text(message) == chinese


@pytest.fixture
def en():
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "market" / "translations")
    Babel(app)
    with app.test_request_context(), force_locale("en"):
        yield


class _Bounded(FormSchema):
    note = fields.String(validate=Length(max=200))
    name = fields.String(validate=Length(min=2, max=100))
    keywords = fields.List(fields.String(), validate=Length(max=3))
    scenarios = fields.List(fields.String(), validate=Length(min=1))
    page = fields.Integer(validate=validate.Range(1, 500))
    share = fields.Integer(validate=validate.Range(min=1))


@pytest.mark.parametrize(
    ("data", "field", "sentence"),
    [
        ({"note": "注" * 201}, "note", "At most 200 characters."),
        ({"name": "a"}, "name", "From 2 to 100 characters."),
        ({"keywords": ["a", "b", "c", "d"]}, "keywords", "At most 3 items."),
        ({"scenarios": []}, "scenarios", "Give at least one."),
        ({"page": 0}, "page", "From 1 to 500."),
        ({"share": 0}, "share", "At least 1."),
    ],
)
def test_marshmallows_bounds_are_said_as_sentences(en, data, field, sentence):
    with pytest.raises(ValidationError) as refused:
        _Bounded().load(data)
    (message,) = refused.value.messages[field]
    assert error_text(message) == sentence


def test_an_own_message_in_words_is_not_read_as_a_bound(en):
    # A valuation's "Must be greater than zero." reads like marshmallow's "Must be greater than
    # {min}.", but zero is a word, no figure: it stays as written, not "More than zero."
    assert error_text("Must be greater than zero.") == "Must be greater than zero."
    assert error_text("Must be greater than 0.") == "More than 0."


class _Limited(FormSchema):
    title = fields.String(validate=[validate.Length(min=2, max=200)])
    code = fields.String(validate=validate.Length(equal=6))
    budget = fields.String(data_key="amount", validate=validate.Length(max=30))
    tags = fields.List(fields.String(validate=validate.Length(max=40)))
    free = fields.String()
    plans = fields.List(fields.Nested(PriceSchema))


def test_a_text_box_takes_its_limit_from_the_schemas_length_check():
    assert max_length(_Limited, "title") == 200
    assert max_length(_Limited(), "title") == 200
    assert max_length(_Limited, "amount") == 30  # the name as posted (data_key)
    assert max_length(_Limited, "budget") is None
    assert max_length(_Limited, "tags") == 40
    assert max_length(_Limited, "code") is None  # an exact length is not a most
    assert max_length(_Limited, "free") is None
    assert max_length(_Limited, "nothing") is None
    assert max_length(_Limited, "plans.note") is None
    assert max_length("market.trading.schemas:OrderFormSchema", "usage_note") == 2000
    assert max_length("market.registry.schemas:ClaimInputSchema", "source_note") == 4000
    assert max_length("market.listings.schemas:ListingFormSchema", "plans.name_zh") == 100
    # Schemas that take arguments (the demand's currency) are read without them.
    assert max_length("market.listings.schemas:DemandOfferFormSchema", "name_en") == 100
    assert str(maxlength(_Limited, "title")) == ' maxlength="200"'
    assert str(maxlength(_Limited, "free")) == ""


def test_every_editor_text_box_is_limited_by_its_schema():
    """The editors' free-text boxes carry the field's limit through ``maxlength(schema, …)`` or
    the form macros' ``schema``; a number typed into a template would drift from the schema."""
    editors = {
        "listings/_demand_fields.html": ("title", "need"),
        "listings/editor.html": ("title_zh", "title_en", "description_zh", "description_en"),
        "listings/demand.html": ("name_zh", "name_en"),
        "registry/asset_new.html": ("title_zh", "title_en", "description_zh", "provenance"),
        "registry/claim_new.html": ("source_note",),
        "trading/buy.html": ("usage_note",),
        "trading/order.html": ("reason",),
        "identity/organisation_new.html": ("name_zh", "name_en"),
        "verification/organisation.html": ("legal_representative", "registered_address"),
        "verification/review.html": ("reason",),
        "identity/signup.html": ("name",),
        "registry/notice.html": ("reasons",),
        "registry/review.html": ("reason",),
        "listings/review.html": ("personal_info_note", "cross_border_evidence", "reason"),
        "listings/feature.html": ("reason",),
        "oauth/clients.html": ("name",),
        "finance/payees.html": ("account_name", "bank_name", "branch_name"),
        "finance/periods.html": ("name",),
        "finance/receipts.html": ("bank_transaction_id", "payer_name"),
        "valuation/list.html": ("purpose_note",),
    }
    for template, names in editors.items():
        text = (ROOT / "templates" / template).read_text(encoding="utf-8")
        assert not re.search(r'maxlength="\d', text), template
        assert '{% set schema = "' in text, template
        for name in names:
            call = re.search(rf'(field|area)\("{name}",[^\n]*\)', text)
            box = re.search(rf'<textarea id="{name}"[^>]*>', text)
            assert (call and "schema=schema" in call.group(0)) or (
                box and f'maxlength(schema, "{name}")' in box.group(0)
            ), (template, name)


def _page_form_addresses(app) -> list[str]:
    # Every page address that takes a form's POST but is no page itself, with sample ids.
    adapter = app.url_map.bind("shujiao.test")
    addresses = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api", "/oauth", "/webhooks")):
            continue
        path = re.sub(r"<(?:any\(([a-z]+)[^)]*\):)?[^>]+>", lambda m: m.group(1) or "1", rule.rule)
        with app.test_request_context(path):
            if api_setup.wants_json():  # a page's script posts there; no form does
                continue
        try:
            adapter.match(path, method="GET")
        except Exception as refused:  # noqa: BLE001 - a 405 (or a 404 of a sample id)
            if getattr(refused, "code", None) == 405:
                addresses.append(path)
    return addresses


def test_a_forms_address_opened_as_a_page_leads_to_the_form(app):
    # A re-opened tab, or the language switch after a refused form re-rendered at its POST
    # address, asks for that address with GET: it leads to the page holding the form.
    addresses = _page_form_addresses(app)
    assert "/orders/1/cancel" in addresses and "/demands/1/offers" in addresses
    adapter = app.url_map.bind("shujiao.test")
    client = app.test_client()
    for path in addresses:
        answer = client.get(path)
        assert answer.status_code == 303, path
        target = answer.headers["Location"]
        assert path.startswith(target.rstrip("/")), (path, target)
        adapter.match(target, method="GET")  # a page: raises if it is not one
    assert client.get("/orders/1/dispute").headers["Location"] == "/orders/1"
    assert client.get("/registry/claims/1/moves").headers["Location"] == "/registry/claims/1"
    assert client.get("/api/v1/orders/1/accept").status_code == 405  # the API's answer stays
    assert client.get("/orders/1/checkout/card").status_code == 405  # as the card script's
