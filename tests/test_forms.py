"""Reading forms: money typed in yuan, blank optional fields, messages in the reader's language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from marshmallow import ValidationError, fields

from market.config import ROOT
from market.forms import error_text
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
        ("Length must be between 1 and 100.", "长度须在 1 到 100 个字符之间。"),
        ("Must be greater than or equal to 1.", "须大于或等于 1。"),
        ("Must be one of: realtime, daily.", "请从列表中选择一项。"),
        ("This currency allows at most 2 decimal places.", "该币种最多允许 2 位小数。"),
        ("This amount is written in HK$; enter it in CNY.", "该金额使用了 HK$，请以 CNY 填写。"),
        (
            "Number out of range: from -2147483648 to 2147483647.",
            "数值超出范围：应在 -2147483648 到 2147483647 之间。",
        ),
        ("not a phone number", "不是有效的电话号码"),
        ("Year out of range: from 1970 to 2200.", "年份超出范围：应在 1970 到 2200 年之间。"),
    ],
)
def test_validation_messages_are_shown_in_chinese(zh, message, chinese):
    assert error_text(message) == chinese
