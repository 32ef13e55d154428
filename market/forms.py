"""HTML forms parsed with the same marshmallow schemas as the API."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from marshmallow import Schema, ValidationError, fields

NOT_DATA = {"csrf_token", "next"}


def parse_form(schema: Schema) -> tuple[dict, dict]:
    """Load the posted form with ``schema``: ``(data, {})`` or ``({}, errors by field)``.

    The CSRF token (Flask-WTF's business) and ``next`` (navigation) never reach the schema.
    """
    raw = {}
    for key in request.form:
        if key in NOT_DATA:
            continue
        values = request.form.getlist(key)
        is_list = isinstance(schema.fields.get(key), fields.List)
        raw[key] = values if is_list else values[0]
    try:
        return schema.load(raw), {}
    except ValidationError as error:
        return {}, error.normalized_messages()


def safe_next(default: str) -> str:
    """The ``next`` URL if it stays on this site, else ``default``."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default
