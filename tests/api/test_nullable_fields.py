"""What the API sends matches what its document says: a field read from a column that may be
NULL is declared nullable, so clients (and the schema checks) expect ``null`` there."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import sqlalchemy as sa
from marshmallow import Schema

import market.models  # noqa: F401  (every model, so the registry is complete)
from market.db import Base

ROOT = Path(__file__).resolve().parent.parent.parent
# Schemas not named after their model.
MODEL_OF = {"ClientSchema": "OAuthClient"}


def _schema_model_pairs():
    """Each ``<Model>Schema`` of a domain's ``schemas`` with the model it is named after."""
    models = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
    for path in sorted((ROOT / "market").glob("*/schemas.py")):
        module = importlib.import_module(f"market.{path.parent.name}.schemas")
        for name, schema in vars(module).items():
            if not (
                inspect.isclass(schema)
                and issubclass(schema, Schema)
                and schema.__module__ == module.__name__
            ):
                continue
            model = models.get(MODEL_OF.get(name, name.removesuffix("Schema")))
            if model is not None:
                yield schema, model


def _undeclared_nulls(schema, model) -> list[str]:
    columns = sa.inspect(model).columns
    found = []
    for name, field in schema._declared_fields.items():
        attribute = field.attribute or name
        if field.load_only or attribute not in columns:
            continue
        if columns[attribute].nullable and not field.allow_none:
            found.append(f"{schema.__module__}.{schema.__name__}.{name}")
    return found


def test_the_pairs_are_found():
    names = {schema.__name__ for schema, _model in _schema_model_pairs()}
    assert {"OrderSchema", "ClaimSchema", "ListingRevisionSchema", "ClientSchema"} <= names


def test_every_field_read_from_a_nullable_column_is_declared_nullable():
    missing = [name for pair in _schema_model_pairs() for name in _undeclared_nulls(*pair)]
    assert missing == []
