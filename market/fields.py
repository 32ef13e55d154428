"""Marshmallow fields shared by every schema: the one way integers enter the exchange.

marshmallow's ``Integer`` truncates ``4080000.99`` to ``4080000`` and accepts integers of any
size, which the database cannot store. :class:`Int` refuses both: a number with a fraction,
and anything outside the column it is meant for — 32 bits (ids, versions, counts held in
``Integer`` columns) unless the field says ``bits=64`` (amounts in minor units and other
``BigInteger`` columns) — so values are exact and never overflow a column or an OFFSET.
"""

from __future__ import annotations

import math
import numbers
import re
import typing
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


class Length(validate.Length):
    """marshmallow's ``Length``, its refusal a sentence saying what it counts: characters of
    text ("At most 200 characters."), items of a list ("At most 30 items."), never its own
    "Longer than maximum length 200." (the sentences are translated in
    ``market.forms.VALIDATION_MESSAGES``)."""

    TEXT = {
        "min": "At least {min} characters.",
        "max": "At most {max} characters.",
        "all": "From {min} to {max} characters.",
        "equal": "Exactly {equal} characters.",
    }
    ITEMS = {
        "min": "At least {min} items.",
        "max": "At most {max} items.",
        "all": "From {min} to {max} items.",
        "equal": "Exactly {equal} items.",
    }

    def _format_error(self, value, message: str) -> str:
        if self.error is None:
            kind = {
                self.message_min: "min", self.message_max: "max",
                self.message_all: "all", self.message_equal: "equal",
            }[message]  # fmt: skip
            if kind == "min" and self.min == 1 and not isinstance(value, str):
                return "Give at least one."
            message = (self.TEXT if isinstance(value, str) else self.ITEMS)[kind]
        return super()._format_error(value, message)


class Int(fields.Integer):
    """An exact integer of ``bits`` (32 or 64) bits: whole numbers (or their decimal text)."""

    default_error_messages = {
        "invalid": "Not a valid integer.",
        "fraction": "Not a whole number: fractions are not accepted.",
        "too_large": "Number out of range: from {low} to {high}.",
    }

    def __init__(self, *, bits: int = 32, **kwargs) -> None:
        super().__init__(**kwargs)
        self.low, self.high = (INT32_MIN, INT32_MAX) if bits == 32 else (INT64_MIN, INT64_MAX)

    def make_error(self, key: str, **kwargs):
        """The error for ``key``, with this field's range filled in: its column's, narrowed by
        its own ``Range`` (a page number says from 1, not from -2147483648)."""
        if key == "too_large":
            low, high = self.low, self.high
            for validator in self.validators:
                if isinstance(validator, validate.Range):
                    low = low if validator.min is None else max(low, validator.min)
                    high = high if validator.max is None else min(high, validator.max)
            return super().make_error(key, low=low, high=high)
        return super().make_error(key, **kwargs)

    def _validated(self, value: typing.Any) -> int:
        if value is True or value is False:
            raise self.make_error("invalid", input=value)
        if isinstance(value, float | Decimal):
            if not math.isfinite(value):
                raise self.make_error("too_large", input=value)
            if value != int(value):
                raise self.make_error("fraction", input=value)
        elif isinstance(value, str):
            digits = value.strip().removeprefix("-").removeprefix("+")
            # ASCII digits only: int() would also take "1_000" and other scripts' digits, and
            # converting a huge text costs quadratic time.
            if not (digits.isascii() and digits.isdigit()):
                raise self.make_error("invalid", input=value)
            if len(digits) > 19:
                raise self.make_error("too_large", input=value)
        elif not isinstance(value, numbers.Number):
            raise self.make_error("invalid", input=value)
        number = super()._validated(value)
        if not self.low <= number <= self.high:
            raise self.make_error("too_large", input=value)
        return number


class Id(Int):
    """The id of a row: from 1, where ids start, to its column's largest (``bits`` as for
    :class:`Int`); the OpenAPI document publishes the same range."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.low = 1


# The years a date or time of the exchange may fall in: the app adds days and converts zones
# without leaving Python's range (years 1..9999), and both databases store and compare them.
MIN_YEAR = 1970
MAX_YEAR = 2200


class _YearBounded:
    """A date or time whose year lies in ``[min_year, max_year]``."""

    bounded_error = "Year out of range: from {low} to {high}."

    def __init__(self, *, min_year: int = MIN_YEAR, max_year: int = MAX_YEAR, **kwargs) -> None:
        super().__init__(**kwargs)
        self.min_year, self.max_year = min_year, max_year
        self.metadata.setdefault("x-year-range", [min_year, max_year])

    def _in_range(self, value):
        if value is not None and not self.min_year <= value.year <= self.max_year:
            raise ValidationError(self.bounded_error.format(low=self.min_year, high=self.max_year))
        return value


class Date(_YearBounded, fields.Date):
    """A calendar day (``2026-11-30``) in the years the exchange can compute with."""

    default_error_messages = {"invalid": "Not a valid date: write it like 2026-11-30."}

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        return self._in_range(super()._deserialize(value, attr, data, **kwargs))


class AwareDateTime(_YearBounded, fields.AwareDateTime):
    """An ISO 8601 time with its zone (``2026-11-30T09:00:00+08:00``), in the years the
    exchange can compute with (its UTC time too, so converting it never overflows)."""

    default_error_messages = {
        "invalid": "Not a valid date and time: write it like 2026-11-30T09:00:00+08:00.",
        "invalid_awareness": "Not a valid aware datetime: write it with its zone, like "
        "2026-11-30T09:00:00+08:00.",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        try:
            result = super()._deserialize(value, attr, data, **kwargs)
        except OverflowError:
            raise ValidationError(
                self.bounded_error.format(low=self.min_year, high=self.max_year)
            ) from None
        self._in_range(result)
        if result is not None and result.tzinfo is not None:
            try:
                self._in_range(result.astimezone(UTC))
            except OverflowError:
                raise ValidationError(
                    self.bounded_error.format(low=self.min_year, high=self.max_year)
                ) from None
        return result


def int_id(text: object) -> int | None:
    """``text`` as an ``Integer`` id if it is one written in ASCII digits, else ``None``."""
    if isinstance(text, int) and not isinstance(text, bool):
        number = text
    elif isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 19:
        number = int(text)
    else:
        return None
    return number if 0 < number <= INT32_MAX else None


class OutOfRange(int):
    """An id of the URL beyond its column: nothing has it. The request is answered 404 naming
    the URL's id (:func:`market.guard.check_request`) before any view or query sees it."""


class IdConverter(IntegerConverter):
    """Werkzeug's ``<int:...>`` bounded to an ``Integer`` id: a larger number matches the route
    as :class:`OutOfRange`, so its 404 names the id, as a 404 for a free id does. Only ASCII
    digits make an id (Werkzeug's ``\\d`` takes any script's: ``/orders/١٢`` was order 12)."""

    regex = r"[0-9]+"

    def __init__(self, url_map, fixed_digits=0, min=None, max=INT32_MAX, signed=False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=None, signed=signed)
        self.bound = max

    def to_python(self, value: str) -> int:
        """The id, or :class:`OutOfRange` beyond the column (never a huge text converted)."""
        if len(value) > 19:
            return OutOfRange(-1)
        number = super().to_python(value)
        return OutOfRange(number) if number > self.bound else number


class BigIdConverter(IdConverter):
    """``<bigint:...>``: an id of a ``BigInteger`` column (the ledger's entries)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=INT64_MAX, signed=False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# Never part of any text we keep: C0 controls other than tab and line breaks, DEL, C1 controls
# and lone surrogates (which no database encoding can store); nor, in free text any more than in
# a name, a bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069), which
# make text shown to the other party read otherwise than it is written (a note that reverses
# "refund" and "do not refund"). The marks that steer neutral characters (U+200E, U+200F,
# U+061C) stay: Arabic and Hebrew text needs them, and they reorder nothing by themselves.
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)
# Names, titles and file names are one line: no tab or line break of any script either, nor a
# bidirectional embedding, override or isolate, which make a name read otherwise than it is
# ("invoice\u202efdp.exe" shows as "invoiceexe.pdf").
LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def has_forbidden_characters(text: str) -> bool:
    """Whether ``text`` holds a character no text of the exchange may hold."""
    return FORBIDDEN_CHARACTERS.search(text) is not None


class SingleLine(validate.Validator):
    """A name, title or file name: one line of printable text."""

    error = "Must be one line without control characters."

    def __call__(self, value: str) -> str:
        if LINE_BREAKS.search(value) or has_forbidden_characters(value):
            raise ValidationError(self.error)
        return value


def single_line(text: str) -> bool:
    """Whether ``text`` is one line of printable text (see :class:`SingleLine`)."""
    return not (LINE_BREAKS.search(text) or has_forbidden_characters(text))


class Text(fields.String):
    """Free text of several lines (a description, a note, a reason): line breaks are kept.

    Every other string an input schema reads is one line: :func:`text_errors` refuses a
    tab or a line break of any script in it, at both doors (the API's argument parser and
    :func:`market.forms.parse_form`), so a new field is single-line unless it says otherwise.
    """


ONE_LINE = SingleLine.error
# A field that needs text (required, or at least one character long) is not given any by
# spaces alone: "   " as a dispute reason or a bank transaction id says nothing.
BLANK = "May not be empty or only spaces."
# What prints nothing although ``str.strip`` keeps it: format characters (zero-width spaces,
# direction marks, soft hyphens, tags), combining marks with no letter to sit on, unassigned
# and private code points, and the fillers (Hangul, Braille blank) that are letters or symbols
# by category but blank on the page.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"})
FILLERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def is_blank(value: str) -> bool:
    """Whether ``value`` holds nothing a reader could see: blank space, invisible characters."""
    return all(
        char.isspace() or char in FILLERS or unicodedata.category(char) in INVISIBLE_CATEGORIES
        for char in value
    )


def visible_text(value: str | None) -> str | None:
    """``value`` stripped, or None when a reader would see nothing in it (``is_blank``): a
    decision's reason of zero-width spaces gives no reason."""
    value = (value or "").strip()
    return None if is_blank(value) else value


def _is_one_line_string(field: fields.Field) -> bool:
    return isinstance(field, fields.String) and not isinstance(field, Text)


def _needs_text(field: fields.Field) -> bool:
    """Whether a string field asks for text: required, or with a minimum length."""
    if field.required:
        return True
    return any(
        isinstance(rule, validate.Length) and ((rule.min or 0) >= 1 or (rule.equal or 0) >= 1)
        for rule in field.validators
    )


def _values(data, key: str) -> list:
    if hasattr(data, "getlist"):
        return data.getlist(key)
    return [data[key]]


def _check(field: fields.Field, value, empty_is_blank: bool = False) -> object | None:
    """The error for one raw ``value`` of ``field``, if it breaks the one-line rule or gives a
    field that needs text nothing but blank space (or, with ``empty_is_blank``, nothing)."""
    blank = isinstance(value, str) and (value or empty_is_blank) and is_blank(value)
    if blank and isinstance(field, fields.String) and _needs_text(field):
        return [BLANK]
    if _is_one_line_string(field):
        return [ONE_LINE] if isinstance(value, str) and LINE_BREAKS.search(value) else None
    if isinstance(field, fields.List):
        if not isinstance(value, list | tuple):
            return None  # one text for a list: the field splits it itself (keywords, columns)
        items = value
        repeated = _repeated(items) if _is_choice_or_id(field.inner) else None
        if repeated is not None:
            return [REPEATED.format(value=repeated)]
        found = {
            i: error
            for i, item in enumerate(items)
            if (error := _check(field.inner, item, empty_is_blank))
        }
        return found or None
    if isinstance(field, fields.Nested):
        schema = field.schema
        if schema.many or field.many:
            items = value if isinstance(value, list | tuple) else []
            found = {
                i: e
                for i, item in enumerate(items)
                if (e := text_errors(schema, item, empty_is_blank))
            }
            return found or None
        return text_errors(schema, value, empty_is_blank) or None
    return None


REPEATED = "Each value may be listed once: {value} is repeated."

#: A refused item of a list given in a query string, at the list's own level.
REFUSED_ITEM = "“{value}”: {message}"


def query_list_errors(messages: Mapping, sent: Mapping) -> dict:
    """``messages`` (by argument) with each list argument's item errors, which marshmallow
    keys by position (``{"region": {0: ["Must be one of: …"]}}``), at the argument's level,
    each naming the value refused (``{"region": ["“atlantis”: Must be one of: …"]}``): in a
    query string a list is the argument given once per item, and a position names nothing
    the caller wrote. ``sent`` gives each argument's values as sent, in order."""
    out: dict = {}
    for name, found in messages.items():
        values = sent.get(name)
        if not isinstance(found, Mapping) or not isinstance(values, list | tuple):
            out[name] = found
            continue
        lines: list = []
        for index, texts in found.items():
            position = int(index) if str(index).isdigit() else None
            if position is None or position >= len(values):
                lines.extend(texts if isinstance(texts, list) else [texts])  # the whole list's
                continue
            value = values[position]
            for text in texts if isinstance(texts, list) else [texts]:
                # A value that may not be shown (a control character) is left unquoted.
                shown = isinstance(value, str) and not has_forbidden_characters(value)
                lines.append(REFUSED_ITEM.format(value=value, message=text) if shown else text)
        out[name] = lines
    return out


def _is_choice_or_id(field: fields.Field) -> bool:
    """Whether a list's items are choices (an enum, or text restricted to ``OneOf``) or ids
    (integers): such a list names each once, and a repeat is a mistake, never merged away."""
    if isinstance(field, fields.Enum | fields.Integer):
        return True
    return isinstance(field, fields.String) and any(
        isinstance(rule, validate.OneOf) for rule in field.validators
    )


def _repeated(items):
    """The first value ``items`` holds twice, or None."""
    seen: set = set()
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            continue
        if item in seen:
            return item
        seen.add(item)
    return None


def text_errors(schema, data, empty_is_blank: bool = False) -> dict:
    """Errors by field for raw input ``data`` holding a line break in a one-line string field
    of ``schema`` (every string field that is not :class:`Text`), or only blank space in a
    string field that needs text, nested fields included. ``empty_is_blank`` for JSON: there
    an empty string is a value sent, not a form's field left empty, and is blank too."""
    if not isinstance(data, Mapping):
        return {}
    errors: dict = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key not in data:
            continue
        for value in _values(data, key):
            error = _check(field, value, empty_is_blank)
            if error:
                errors[key] = error
                break
    return errors


class Website(fields.URL):
    """A public web address (an organisation's site, shown to everyone): http or https, with no
    user name or password (``https://bank.example@evil.example/`` reads as the bank and leads
    elsewhere), a port from 1 to 65535, and no character a reader cannot see."""

    default_error_messages = {
        "credentials": "A web address may not hold a user name or password.",
        "port": "The port must be a number from 1 to 65535.",
        "invisible": "A web address may not hold invisible characters.",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(schemes={"http", "https"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        address = super()._deserialize(value, attr, data, **kwargs)
        if address is None:
            return address
        if any(unicodedata.category(character) == "Cf" for character in address):
            raise self.make_error("invisible")
        parts = urlsplit(address)
        if "@" in parts.netloc:
            raise self.make_error("credentials")
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:  # 0 or beyond 65535: no port at all
            raise self.make_error("port")
        return address
