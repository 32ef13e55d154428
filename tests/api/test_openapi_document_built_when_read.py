"""The OpenAPI document is written when it is first read, not when the app is built: building
an app resolves no schema for it, and the document read has every default response in it."""

from __future__ import annotations

from market.app import create_app
from tests.conftest import app_config


def test_the_default_responses_are_registered_when_the_document_is_first_read(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "instance"))
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    components = api._spec.components  # noqa: SLF001 (the document as built so far)
    assert components.responses_lazy == {} and components.schemas == {}
    document = app.test_client().get("/api/openapi.json").json
    responses = document["components"]["responses"]
    error = {"$ref": "#/components/schemas/Error"}
    assert responses["UNPROCESSABLE_ENTITY"]["content"]["application/json"]["schema"] == error
    assert responses["DEFAULT_ERROR"]["content"]["application/json"]["schema"] == error
