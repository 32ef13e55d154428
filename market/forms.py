"""HTML forms parsed with the same marshmallow schemas as the API."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import request
from flask_babel import gettext
from markupsafe import Markup
from marshmallow import Schema, ValidationError, fields, validate

from market.fields import text_errors
from market.guard import refused_form_fields
from market.text import N_

NOT_DATA = {"csrf_token", "next"}


def parse_form(schema: Schema) -> tuple[dict, dict]:
    """Load the posted form with ``schema``: ``(data, {})`` or ``({}, errors by field)``.

    The CSRF token (Flask-WTF's business) and ``next`` (navigation) never reach the schema.
    A line break in a one-line field, or blank space alone in a field that needs text, is that
    field's message; the schema still reads the rest, so every field's message shows at once.
    """
    raw = {}
    for key in request.form:
        if key in NOT_DATA:
            continue
        values = request.form.getlist(key)
        is_list = isinstance(schema.fields.get(key), fields.List) or key in getattr(
            schema, "form_lists", ()
        )
        raw[key] = values if is_list else values[0]
    # Fields holding a character no text may hold (market.guard): refused beside the field,
    # the form shown again with everything else that was typed.
    errors = text_errors(schema, raw) | refused_form_fields()
    try:
        data = schema.load(raw)
    except ValidationError as error:
        return {}, error.normalized_messages() | errors
    return ({}, errors) if errors else (data, {})


@functools.cache
def _schema_named(reference: str) -> type[Schema]:
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def max_length(schema: Schema | type[Schema] | str, name: str) -> int | None:
    """The most characters a form field takes, read from its schema's ``Length`` validator.

    ``schema`` is a schema, its class, or ``"module:Class"`` (as a template names it); ``name``
    is the field as posted (its ``data_key``, else its name; ``a.b`` for a nested field). A list
    of strings gives its items' limit. ``None`` when the field has no upper limit.
    """
    if isinstance(schema, str):
        schema = _schema_named(schema)
    # The declared fields, so a schema that takes arguments (a currency) needs none here.
    declared = schema._declared_fields  # noqa: SLF001 (marshmallow's documented class attribute)
    head, _, rest = name.partition(".")
    field = next((f for key, f in declared.items() if (f.data_key or key) == head), None)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
        field = field.inner
    if field is None:
        return None
    if rest:
        nested = field.nested if isinstance(field, fields.Nested) else None
        return max_length(nested, rest) if isinstance(nested, type | str) else None
    if isinstance(field, fields.List):
        field = field.inner
    limits = [
        check.max
        for check in field.validators
        if isinstance(check, validate.Length) and check.max is not None and check.equal is None
    ]
    return min(limits) if limits else None


def maxlength(schema: Schema | type[Schema] | str, name: str) -> Markup:
    """`` maxlength="N"`` for a text box from its schema (see ``max_length``), or nothing."""
    most = max_length(schema, name)
    return Markup(' maxlength="{}"').format(most) if most is not None else Markup("")


def same_site_path(target: str) -> str | None:
    """``target`` if it is a path on this site (``/demands/new?listing=3``), else ``None``.

    Browsers read a backslash as a slash and drop tabs and line breaks inside a URL, so a
    backslash or a tab after the first slash leads off the site as ``//evil.example`` does:
    both are refused, and so is any other blank or control character.
    """
    if not target.startswith("/") or len(target) > 2000:
        return None
    if "\\" in target or any(char.isspace() or ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target


def next_path() -> str | None:
    """The request's ``next`` (query or form) if it is a path on this site, else ``None``."""
    return same_site_path(request.args.get("next") or request.form.get("next") or "")


def safe_next(default: str) -> str:
    """The ``next`` URL if it stays on this site, else ``default``."""
    return next_path() or default


# marshmallow's own messages (and the shapes its validators format them into), so that a page
# can show them in the reader's language: a message is matched against these and translated.
VALIDATION_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Invalid value."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be greater than {min}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be less than {max}."),
    # market.fields.Length's sentences, what a Length counts said.
    N_("At least {min} characters."),
    N_("At most {max} characters."),
    N_("From {min} to {max} characters."),
    N_("Exactly {equal} characters."),
    N_("At least {min} items."),
    N_("At most {max} items."),
    N_("From {min} to {max} items."),
    N_("Exactly {equal} items."),
    N_("Give at least one."),
    N_("Must be one of: {choices}."),
    N_("Did you mean {suggestion}? Must be one of: {choices}."),
    N_("Must be equal to {other}."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("This currency allows at most {places} decimal places."),
    N_("The amount must be between {low} and {high}."),
    N_("This amount is written in {symbol}; enter it in {currency}."),
    N_("Must be one line without control characters."),
    N_("May not be empty or only spaces."),
    N_("Number out of range: from {low} to {high}."),
    N_("Not a whole number: fractions are not accepted."),
    N_("Year out of range: from {low} to {high}."),
    N_("Not a valid date: write it like 2026-11-30."),
    N_("Not a valid date and time: write it like 2026-11-30T09:00:00+08:00."),
    N_("Not a valid aware datetime: write it with its zone, like 2026-11-30T09:00:00+08:00."),
    N_("Each value may be listed once: {value} is repeated."),
    N_("“{value}”: {message}"),
    N_("The end may not be before the start."),
    N_("A web address may not hold a user name or password."),
    N_("The port must be a number from 1 to 65535."),
    N_("A web address may not hold invisible characters."),
)


# marshmallow's bounds of a number, said as sentences a reader says them (its own "Must be
# greater than or equal to 1 and less than or equal to 500." reaches nobody as it is).
REWORDED = {
    "Must be greater than or equal to {min} and less than or equal to {max}.": N_(
        "From {min} to {max}."
    ),
    "Must be greater than or equal to {min}.": N_("At least {min}."),
    "Must be less than or equal to {max}.": N_("At most {max}."),
    "Must be greater than {min}.": N_("More than {min}."),
    "Must be greater than {min} and less than or equal to {max}.": N_(
        "More than {min} and at most {max}."
    ),
    "Must be less than {max}.": N_("Less than {max}."),
    # A Length of marshmallow's own, should one still reach a reader: what it counts unknown.
    "Longer than maximum length {max}.": N_("Too long: at most {max}."),
    "Shorter than minimum length {min}.": N_("Too short: at least {min}."),
    "Length must be between {min} and {max}.": N_("The length must be from {min} to {max}."),
}


# The same bounds of a number that was read, said of the field by its name: the value was
# understood and is out of range, so "was not understood" would be wrong.
BOUNDS_NAMED = {
    "Must be greater than or equal to {min} and less than or equal to {max}.": N_(
        "“{name}” must be from {min} to {max}."
    ),
    "Must be greater than or equal to {min}.": N_("“{name}” must be at least {min}."),
    "Must be less than or equal to {max}.": N_("“{name}” must be at most {max}."),
    "Must be greater than {min}.": N_("“{name}” must be more than {min}."),
    "Must be greater than {min} and less than or equal to {max}.": N_(
        "“{name}” must be more than {min} and at most {max}."
    ),
    "Must be less than {max}.": N_("“{name}” must be less than {max}."),
    # An amount (market.text.Money) read as a number of yuan below zero or past its bounds.
    "The amount must not be negative.": N_("“{name}” must be 0 or more."),
    "The amount must be between {low} and {high}.": N_("“{name}” must be from {low} to {high}."),
}


#: The placeholders of a number's bounds: a bound is a figure, never a word, so an own
#: message in words ("Must be greater than zero.") is not read as one of marshmallow's.
BOUNDS = {"min", "max", "low", "high"}


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part)
        if index % 2 == 0
        else f"(?P<{part}>(?![a-z]).+?)"
        if part in BOUNDS
        else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


# The templates with the most fixed words first: "Must be greater than {min}." would otherwise
# also read "Must be greater than 0 and less than or equal to 5." with 0 and the rest as min.
_PATTERNS = [
    (template, _pattern(template))
    for template in sorted(
        VALIDATION_MESSAGES, key=lambda template: -len(re.sub(r"\{\w+\}", "", template))
    )
    if "{" in template
]


def error_lines(errors, message: str = "") -> list[str]:
    """An error page's details in the reader's words: each field's messages translated, once
    each, without the page's own ``message`` again and without field names or bare values
    (``{"token": ["此链接无效"]}`` is the page's message already; ``{"limit": [1048576]}`` says
    nothing to a reader)."""
    lines: list[str] = []

    def walk(value) -> None:
        if isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            text = error_text(value)
            if text != message and text not in lines:
                lines.append(text)

    walk(errors or {})
    return lines


def error_text(
    message: str, *, keep_choices: bool = False, labels: Mapping[str, str] | None = None
) -> str:
    """A validation message in the reader's language (marshmallow's own ones included). A
    list of allowed codes is replaced by "choose one of the offered values" unless
    ``keep_choices`` (an API caller sends the codes themselves); a code suggested for a slip
    is shown by its name in ``labels`` when it has one (hong_kong: 中国香港)."""
    message = str(message)
    translated = gettext(message)
    if translated != message:
        return translated
    for template, pattern in _PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            values = match.groupdict()
            if "message" in values:  # a refused value's own message (market.fields.REFUSED_ITEM)
                values["message"] = error_text(
                    values["message"], keep_choices=keep_choices, labels=labels
                )
            elif "suggestion" in values and not keep_choices:
                # the code a slip was close to (region=hongkon: hong_kong), as the API says it
                return gettext(
                    "Did you mean {suggestion}? Choose one of the offered values."
                ).format(suggestion=(labels or {}).get(values["suggestion"], values["suggestion"]))
            elif "choices" in values and not keep_choices:  # codes mean nothing to a reader
                return gettext("Choose one of the offered values.")
            return gettext(REWORDED.get(template, template)).format(**values)
    return message


def bounds_text(message: str, name: str) -> str | None:
    """A number's refusal for its bounds as one sentence naming the field (“Page” must be
    from 1 to 500.), in the reader's language; ``None`` for any other message."""
    # the templates with the most fixed words first, as in _PATTERNS
    for template in sorted(BOUNDS_NAMED, key=lambda t: -len(re.sub(r"\{\w+\}", "", t))):
        match = _pattern(template).fullmatch(str(message))
        wording = BOUNDS_NAMED[template]
        if match:
            return gettext(wording).format(name=name, **match.groupdict())
    return None


def error_texts(messages):
    """Validation messages by field (nested as marshmallow nests them) in the reader's
    language, for an API caller: the shape and any list of allowed codes kept."""
    if isinstance(messages, dict):
        return {key: error_texts(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [error_texts(item) for item in messages]
    if isinstance(messages, str):
        return error_text(messages, keep_choices=True)
    return messages
