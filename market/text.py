"""User-facing input and text: translation markers, the base of schemas that read forms, and
the field that reads money as people type it."""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import Schema, fields, pre_load, validate

from ledger.currencies import EXPONENTS
from market.fields import Int


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated (``gettext``) where it is shown."""
    return message


# Any ISO 4217 code with a minor unit, which the ledger can hold: a refusal names the rule, not
# the ~180 codes (the choices stay in the OpenAPI document's enum).
ISO_CURRENCY = validate.OneOf(
    sorted(EXPONENTS),
    error=N_("Not an ISO 4217 currency code with a minor unit, such as CNY, USD or JPY."),
)


class FormSchema(Schema):
    """A schema that may load HTML form data, where an empty field means "not given".

    A blank field that may be null loads as ``None``; any other blank field is left out, so its
    ``load_default`` applies (an empty list of references, say) or "required" is reported.
    """

    @pre_load
    def blank_to_none(self, data, **_):
        """Empty form fields (or blank space alone) mean "not given"."""
        loaded = {}
        for key, value in data.items():
            if (isinstance(value, str) and not value.strip()) or value == [""]:
                field = self._field_by_data_key(key)
                if field is None or not field.allow_none:
                    continue
                value = None
            loaded[key] = value
        return loaded

    def _field_by_data_key(self, key: str):
        for name, field in self.load_fields.items():
            if (field.data_key or name) == key:
                return field
        return None


# Digits, optionally grouped by threes with "," (both zh-CN and en write 48,000.50), and an
# optional decimal part. Spaces, thin spaces and the full-width comma are normalised first.
_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f']")
# Symbols people type before an amount, longest first, and the currencies each may mean. A
# symbol of another currency is refused, never dropped: "HK$28,000" is not ¥28,000.
_SYMBOLS = (
    ("CN¥", {"CNY"}),
    ("HK$", {"HKD"}),
    ("US$", {"USD"}),
    ("¥", {"CNY", "JPY"}),
    ("￥", {"CNY", "JPY"}),
    ("$", {"USD"}),
    ("€", {"EUR"}),
    ("£", {"GBP"}),
)


class Money(fields.Field):
    """An amount typed in the currency's major unit (yuan), stored as integer minor units (fen).

    ``"48,000"`` or ``"48000.00"`` in CNY loads as ``4800000``. The currency is fixed
    (``currency="CNY"``) or read from a sibling field of the input (``currency_field``). More
    decimals than the currency has are refused, never rounded; so are negative amounts.
    """

    default_error_messages = {
        "invalid": N_("Enter an amount such as 48,000.00."),
        "negative": N_("The amount must not be negative."),
        "places": N_("This currency allows at most {places} decimal places."),
        "no_places": N_("This currency has no decimal places."),
        "currency": N_("Choose a currency first."),
        "range": N_("The amount must be between {low} and {high}."),
        "symbol": N_("This amount is written in {symbol}; enter it in {currency}."),
    }

    def __init__(
        self,
        *,
        currency: str | None = None,
        currency_field: str = "currency",
        minimum: int = 0,
        maximum: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.currency = currency
        self.currency_field = currency_field
        self.minimum = minimum
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        currency = self.currency or (data or {}).get(self.currency_field)
        if currency not in EXPONENTS:
            raise self.make_error("currency")
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, str):
            text = _SPACES.sub("", value).replace("，", ",").replace("．", ".")
            for symbol, currencies in _SYMBOLS:
                if text.startswith(symbol):
                    if currency not in currencies:
                        raise self.make_error("symbol", symbol=symbol, currency=currency)
                    text = text.removeprefix(symbol)
                    break
        else:
            raise self.make_error("invalid")
        match = _AMOUNT.match(text.removeprefix("-"))
        if match is None:
            raise self.make_error("invalid")
        if text.startswith("-"):  # an amount, read, below zero: not "enter an amount"
            raise self.make_error("negative")
        places = EXPONENTS[currency]
        decimals = (match.group(1) or "").rstrip("0")
        if len(decimals) > places:
            raise self.make_error("places" if places else "no_places", places=places)
        minor = int(Decimal(text.replace(",", "")).scaleb(places))
        high = self.maximum
        if minor < self.minimum or (high is not None and minor > high):
            scale = Decimal(10) ** places
            raise self.make_error(
                "range",
                low=f"{Decimal(self.minimum) / scale:,}",
                high=f"{Decimal(high) / scale:,}" if high is not None else "∞",
            )
        return minor


# Digits grouped by threes with "," (zh-CN and en alike write 90,000), after spaces and the
# full-width comma are normalised.
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+$")


class Count(Int):
    """A whole number as people type it in a form: ``90,000``, ``90，000`` or ``90 000`` read as
    ``90000``, like money fields read ``48,000``; anything else is the integer field's."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            text = _SPACES.sub("", value).replace("，", ",")
            if _GROUPED.match(text) or text.lstrip("+-").isascii() and text.lstrip("+-").isdigit():
                value = text.replace(",", "")
        return super()._deserialize(value, attr, data, **kwargs)
