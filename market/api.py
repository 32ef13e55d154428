"""The REST API under ``/api/v1``: flask-smorest, one error shape, one way to paginate."""

from __future__ import annotations

import enum
import functools
import re
import threading
import types
from collections.abc import Mapping

import flask_smorest
import orjson
import sqlalchemy as sa
from apispec import APISpec, BasePlugin
from flask import Response, current_app, request
from flask_babel import gettext
from flask_smorest import Api, Page
from flask_smorest.pagination import PaginationMetadataSchema
from marshmallow import Schema, ValidationError, fields, validate
from webargs.flaskparser import is_json_request

from market.apilinks import LinksPlugin
from market.context import db_session
from market.errors import DomainError, NotFound
from market.fields import (
    INT64_MAX,
    BigIdConverter,
    IdConverter,
    Int,
    Text,
    query_list_errors,
    text_errors,
)
from market.oauth.scopes import SCOPES
from market.text import N_

API_PATHS = ("/api/", "/oauth/", "/webhooks/")
#: Addresses outside the API that answer JSON (the search box's suggestions), errors too.
JSON_PAGES = ("/api/openapi.json", "/market/suggest")
#: The same by pattern, whatever the id in the address (one no route takes too): the checkout
#: page's script confirming a card reads every answer, a refusal too.
JSON_PAGE_PATTERN = re.compile(r"/orders/[^/]*/checkout/card/?\Z")

#: Every list's page size when ``page_size`` is left out, and the largest one may ask for.
#: flask-smorest takes its defaults from the Blueprint class when a view is declared (it reads
#: no app setting), so they are set here, before any view module declares its lists.
PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
flask_smorest.Blueprint.DEFAULT_PAGINATION_PARAMETERS = {
    "page": 1,
    "page_size": PAGE_SIZE,
    "max_page_size": MAX_PAGE_SIZE,
}

_smorest_pagination_schema = flask_smorest.pagination._pagination_parameters_schema_factory


def _bounded_pagination_schema(def_page, def_page_size, def_max_page_size):
    """flask-smorest's ``page``/``page_size`` schema with exact integers, ``page`` within 32 bits
    like every other integer of a query: a page number past it is a 422 naming ``page``, not
    an empty page."""
    base = _smorest_pagination_schema(def_page, def_page_size, def_max_page_size)

    class PaginationParametersSchema(base):
        page = Int(load_default=def_page, validate=validate.Range(min=1))
        page_size = Int(
            load_default=def_page_size, validate=validate.Range(min=1, max=def_max_page_size)
        )

    return PaginationParametersSchema


# flask-smorest calls the factory by its module name when a list is declared.
flask_smorest.pagination._pagination_parameters_schema_factory = _bounded_pagination_schema

#: One instance for every list's header: flask-smorest built a schema (deep-copying its seven
#: fields) on every paginated request to dump seven integers.
_PAGINATION_METADATA = PaginationMetadataSchema()


def _pagination_metadata(page, page_size, item_count):
    """flask-smorest's ``X-Pagination`` keys, ``page`` among them even when nothing matched
    (flask-smorest leaves it out of an empty list's header)."""
    metadata = {"total": item_count, "total_pages": 0}
    if item_count:
        last = (item_count - 1) // page_size + 1
        metadata.update(total_pages=last, first_page=1, last_page=last)
        if page <= last:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last:
                metadata["next_page"] = page + 1
    return {**_PAGINATION_METADATA.dump(metadata), "page": page}


class _PaginationParser(type(flask_smorest.Blueprint.PAGINATION_ARGUMENTS_PARSER)):
    """flask-smorest's parser of ``page``/``page_size``, loading with one instance of each
    list's schema: flask-smorest hands webargs the schema's class, which webargs instantiated
    (deep-copying its fields) on every paginated request. A schema keeps no request's state."""

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            return _one_instance(argmap)
        return super()._get_schema(argmap, req)


@functools.cache
def _one_instance(schema: type[Schema]) -> Schema:
    return schema()


def _page_within_the_list(self, page_params, result, headers):
    """Refuse a page after the last one with a 404 naming ``page`` and the last page, as the
    market page does, rather than an empty list under a total; then set ``X-Pagination``."""
    last = max(1, -(-page_params.item_count // page_params.page_size))
    if page_params.page > last:
        raise NotFound(
            gettext("There is no such page: the last one is %(last)d.", last=last),
            "page",
        )
    return _smorest_set_pagination_metadata(self, page_params, result, headers)


_smorest_set_pagination_metadata = flask_smorest.Blueprint._set_pagination_metadata
flask_smorest.Blueprint._make_pagination_metadata = staticmethod(_pagination_metadata)
flask_smorest.Blueprint._set_pagination_metadata = _page_within_the_list
flask_smorest.Blueprint.PAGINATION_ARGUMENTS_PARSER = _PaginationParser()


def json_response(body) -> Response:
    """``body`` (JSON types only: str keys, no dates) as a JSON response: the JSON Flask's
    ``jsonify`` sends (keys sorted, a newline at the end), encoded by orjson, and its text
    in UTF-8 rather than ``\\u`` escapes. A search answer of 20 hits, about 50 kB, took
    ``jsonify`` 0.5–0.7 ms, the largest single part of the API's own time per search;
    orjson takes a tenth of that, and Chinese text is half the bytes."""
    encoded = orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    return current_app.response_class(encoded, mimetype=current_app.json.mimetype)


def wants_json() -> bool:
    """Whether the current request is an API call (JSON errors) rather than a page."""
    return (
        request.path.startswith(API_PATHS)
        or request.path in JSON_PAGES
        or JSON_PAGE_PATTERN.match(request.path) is not None
    )


def configure(app) -> Api:
    """Set up flask-smorest with the OpenAPI document at ``/api/openapi.json``."""
    app.config.update(
        API_TITLE="Shujiao API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "The Shujiao data asset exchange. Authenticate with OAuth 2 client "
                    "credentials at /oauth/token; every endpoint names the scope it needs. "
                    "Errors are {code, status, message, errors}. Lists are paginated with "
                    "`page` and `page_size` (max 100); the X-Pagination header gives totals."
                )
            },
            "components": {
                "securitySchemes": {
                    "oauth2": {
                        "type": "oauth2",
                        "flows": {
                            "clientCredentials": {
                                "tokenUrl": "/oauth/token",
                                "scopes": {name: text for name, (text, _) in SCOPES.items()},
                            }
                        },
                    }
                }
            },
        },
    )
    # The parser behind every blueprint's ``@arguments``: flask-smorest binds its one shared
    # instance when a view is declared, so the one-line rule joins that instance (webargs'
    # ``pre_load`` hook), whichever module declared the view and whenever.
    parser = flask_smorest.Blueprint.ARGUMENTS_PARSER
    parser.pre_load = refuse_line_breaks
    parser._raw_load_json = types.MethodType(_json_only, parser)
    parser.load_form = types.MethodType(_form_only("form"), parser)
    parser.load_files = types.MethodType(_form_only("files"), parser)
    parser._process_location_data = types.MethodType(_ranges_in_order, parser)
    app.before_request(refuse_unknown_query_parameters)
    app.before_request(refuse_unread_body)
    app.before_request(refuse_repeated_form_fields)
    plugins = [LinksPlugin(), FormFieldsInBodyPlugin()]
    api = ShujiaoApi(app, spec_kwargs={"extra_plugins": plugins})
    api.ma_plugin.converter.add_attribute_function(only_accepted_choices)
    api.ma_plugin.converter.add_attribute_function(multiline_marker)
    api.ma_plugin.converter.add_attribute_function(integer_bounds)
    for converter in (IdConverter, BigIdConverter):
        api.register_converter(converter, _id_parameter)
    return api


def integer_bounds(_converter, field, ret, **_kwargs) -> dict:
    """Publish an integer field's whole range, as :class:`market.fields.Int` enforces it: its
    column's, narrowed by its own ``Range`` (a page number runs from 1 to 2,147,483,647)."""
    if not isinstance(field, Int):
        return {}
    low, high = field.low, field.high
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            low = low if validator.min is None else max(low, validator.min)
            high = high if validator.max is None else min(high, validator.max)
    bounds = {}
    if "minimum" not in ret and "exclusiveMinimum" not in ret:
        bounds["minimum"] = low
    if "maximum" not in ret and "exclusiveMaximum" not in ret:
        bounds["maximum"] = high
    return bounds


def _id_parameter(converter: IdConverter) -> dict:
    """An id of the URL: from 1, where ids start, to its column's largest (outside that nothing
    is found), the range an :class:`market.fields.Id` in a body publishes."""
    return {"type": "integer", "minimum": 1, "maximum": converter.bound}


class UnsupportedMediaType(DomainError):
    """A body sent to an operation that reads JSON, in another media type."""

    status = 415


def _json_only(parser, req):
    """webargs' JSON loader, refusing a body of another media type with a 415 naming the one
    expected, instead of reading nothing and calling every field missing."""
    if not is_json_request(req) and (req.content_length or req.get_data(cache=True).strip()):
        raise UnsupportedMediaType(
            N_("Send the body as JSON (Content-Type: application/json)."),
            field="Content-Type",
        )
    return type(parser)._raw_load_json(parser, req)


def _form_only(location: str):
    """webargs' form (or files) loader, refusing a body in another media type with a 415 naming
    ``Content-Type``: JSON read as a form is an empty one, every field it sent "missing"."""

    def load(parser, req, schema):
        if req.mimetype not in FORM_MEDIA_TYPES and (
            req.content_length or req.get_data(cache=True).strip()
        ):
            raise UnsupportedMediaType(
                N_("Send the body as a form (Content-Type: multipart/form-data)."),
                field="Content-Type",
            )
        return parser._makeproxy(getattr(req, location), schema)

    return load


#: Fields that bound a range, each with its other end: a range whose end comes before its start
#: holds nothing, and answering an empty list would hide the caller's mistake.
RANGE_ENDS = (("start", "end"), ("_start", "_end"), ("_from", "_to"), ("_min", "_max"))


def _ranges_in_order(parser, location_data, schema, req, location, unknown, validators):
    """webargs' loading of one location, then: an end before its start (``start``/``end``,
    ``temporal_start``/``temporal_end``, ``coverage_from``/``coverage_to``, search's
    ``price_min``/``price_max``) is a 422 naming
    the end, for every operation and location. A query string's list argument refused for
    an item is named with that value (:func:`market.fields.query_list_errors`)."""
    try:
        data = type(parser)._process_location_data(
            parser, location_data, schema, req, location, unknown, validators
        )
    except ValidationError as error:
        if location != "query" or not isinstance(error.messages, Mapping):
            raise
        # A list argument's refused item named by its value, at the argument's level.
        sent = {name: req.args.getlist(name) for name in req.args}
        raise ValidationError(query_list_errors(error.messages, sent)) from None
    if isinstance(data, Mapping):
        errors = range_errors(data)
        if errors:
            raise ValidationError(errors)
    return data


def range_errors(data: Mapping) -> dict:
    """``{end: [message]}`` for each range of ``data`` whose end is before its start."""
    errors: dict = {}
    for key, start in data.items():
        for start_suffix, end_suffix in RANGE_ENDS:
            if not isinstance(key, str) or not key.endswith(start_suffix):
                continue
            end_key = key.removesuffix(start_suffix) + end_suffix
            end = data.get(end_key)
            if start is None or end is None or type(start) is not type(end):
                continue
            try:
                reversed_range = end < start
            except TypeError:  # an aware and a naive time: each is refused on its own
                continue
            if reversed_range:
                errors[end_key] = [N_("The end may not be before the start.")]
    return errors


def refuse_line_breaks(location_data, *, schema, req, location):
    """webargs' ``pre_load``: a line break in a one-line string field, or only blank space in a
    field that needs text, is a 422 naming it, before the schema loads (:func:`market.fields.text_errors`); in a JSON body, an
    integer or a boolean written as text too (:func:`json_type_errors`)."""
    errors = text_errors(schema, location_data, empty_is_blank=location == "json")
    if location == "json":
        errors = json_type_errors(schema, location_data) | errors
    if errors:
        # Every mistake in one pass: the other fields' own errors too, not only once these
        # are put right (a schema-wide error may only follow from these, and waits).
        others = schema.validate(location_data) if isinstance(location_data, Mapping) else {}
        if location != "json":
            # A query string or form is read by several schemas (a list's paging by its own):
            # what this one does not declare is another's, not an unknown field.
            declared = {field.data_key or name for name, field in schema.load_fields.items()}
            others = {k: v for k, v in others.items() if k in declared}
        errors = {k: v for k, v in others.items() if k != "_schema"} | errors
        error = ValidationError(errors)
        # In the schema's own shape (valuation inputs name fields by dotted paths).
        schema.handle_error(error, location_data, many=False, partial=None)
        raise error
    return location_data


def json_type_errors(schema, data) -> dict:
    """Errors by field for a JSON body giving an integer or a boolean field a value of another
    JSON type (``"100"``, ``"yes"``): JSON has numbers and ``true``/``false`` for them; and for
    one giving ``""`` (or blank space) to a field that does not take it as text (a date, a
    choice, a list): in JSON an empty string is a value sent, which a form's empty field is not
    (:class:`market.text.FormSchema` reads that as "not given"). Nested objects, lists and
    mappings are checked too, their errors nested as marshmallow nests them. Query strings and
    form posts are text, and their fields still read it."""
    if not isinstance(data, Mapping):
        return {}
    errors: dict = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        found = _json_type_errors_of(field, data.get(key), key, data)
        if found:
            errors[key] = found
    return errors


def _json_type_errors_of(field, value, key=None, data=None):
    """The messages for one value (a list), or for the parts of a nested one (a mapping)."""
    if value is None:
        return None
    if isinstance(field, fields.Boolean) and not isinstance(value, bool):
        return [N_("Not a valid boolean: write true or false.")]
    if isinstance(field, fields.Integer) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return [N_("Not a valid integer: write a JSON number.")]
    if isinstance(field, fields.List) and not isinstance(value, list):
        # A form sends a list as one text ("a, b"), which the field splits itself; JSON has
        # arrays, and a string there is a mistake (a list of one? of its characters?).
        return [N_("Not a valid list: write a JSON array.")]
    if isinstance(value, str) and not value.strip():
        # The field judges the blank text itself (its type and its validators) before the
        # schema's pre-load can turn it into "not given": a date or a choice refuses it, plain
        # optional text takes it as no text.
        try:
            field.deserialize(value, key, data)
        except ValidationError as error:
            return error.messages
        return None
    found: dict = {}
    if isinstance(field, fields.Nested) and not isinstance(field, fields.Pluck):
        nested = field.schema
        if (field.many or nested.many) and isinstance(value, list):
            for index, item in enumerate(value):
                if item_errors := json_type_errors(nested, item):
                    found[index] = item_errors
        else:
            found = json_type_errors(nested, value)
    elif isinstance(field, fields.List) and isinstance(value, list):
        for index, item in enumerate(value):
            if item_errors := _json_type_errors_of(field.inner, item, key, data):
                found[index] = item_errors
    elif isinstance(field, fields.Dict) and field.value_field and isinstance(value, Mapping):
        for key, item in value.items():
            if item_errors := _json_type_errors_of(field.value_field, item, key, data):
                found[key] = {"value": item_errors}
    return found or None


def refuse_unknown_query_parameters() -> None:
    """A query parameter the operation does not declare is a 422 naming it, as an unknown
    field of a JSON body is: ``?at=`` for ``?as_of=`` must not answer today's figures."""
    if not request.args:
        return
    view = current_app.view_functions.get(request.endpoint)
    doc = getattr(view, "_apidoc", None)
    if doc is None:
        return  # not an API operation (a page, the token endpoint, a webhook)
    unknown = set(request.args) - declared_query_parameters(request.endpoint, doc)
    if unknown:
        raise ValidationError({name: [N_("Unknown field.")] for name in sorted(unknown)})
    # One value per parameter unless it is a list: the second `page` or `signature` would
    # otherwise be dropped unseen.
    lists = _query_parameters(request.endpoint, doc)[1]
    repeated = {
        name for name, values in request.args.lists() if len(values) > 1 and name not in lists
    }
    if repeated:
        raise ValidationError({name: [N_("Given more than once.")] for name in sorted(repeated)})


BODY_LOCATIONS = frozenset({"json", "form", "files", "formData", "body"})
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def refuse_repeated_form_fields() -> None:
    """A form field (or file) given twice where the operation takes one is a 422 naming it,
    as a query parameter given twice is: the form parser would keep the first and drop the
    second unseen."""
    if request.mimetype not in FORM_MEDIA_TYPES:
        return
    view = current_app.view_functions.get(request.endpoint)
    doc = getattr(view, "_apidoc", None)
    if doc is None:
        return  # a page's form: parse_form reads it
    if not _reads_form(doc):
        # An operation that reads JSON (or nothing): a repeated field of a form it never
        # reads is not what is wrong, and named so it sent the caller fixing the wrong thing.
        # Its parser answers 415, naming Content-Type and the JSON it takes.
        return
    lists = _form_lists(request.endpoint, doc)
    repeated = {
        name
        for multi in (request.form, request.files)
        for name, values in multi.lists()
        # A part without a name (None) is refused by the request guard, naming
        # Content-Disposition; None is no field to name here, and cannot be sorted.
        if len(values) > 1 and name is not None and name not in lists
    }
    if repeated:
        raise ValidationError({name: [N_("Given more than once.")] for name in sorted(repeated)})


def _reads_form(doc: Mapping) -> bool:
    """Whether an API operation reads form fields or files (rather than JSON, or nothing)."""
    parameters = doc.get("arguments", {}).get("parameters", [])
    return any(parameter.get("in") in ("form", "files", "formData") for parameter in parameters)


_form_lists_of: dict[str, frozenset[str]] = {}


def _form_lists(endpoint: str, doc: Mapping) -> frozenset[str]:
    """The form and file fields of an API operation that take a list (given once per item)."""
    if endpoint not in _form_lists_of:
        lists: set[str] = set()
        for parameters in doc.get("arguments", {}).get("parameters", []):
            if parameters.get("in") not in ("form", "files", "formData"):
                continue
            schema = parameters["schema"]
            schema = schema() if isinstance(schema, type) else schema
            lists.update(
                field.data_key or name
                for name, field in schema.load_fields.items()
                if isinstance(field, fields.List)
            )
        _form_lists_of[endpoint] = frozenset(lists)
    return _form_lists_of[endpoint]


#: A query parameter sent in the body of an operation that takes none.
IN_QUERY_STRING = N_(
    "This operation takes no body: send this parameter in the query string (?name=value)."
)


def refuse_unread_body() -> None:
    """A body sent to an operation that declares none is refused (422), naming its fields or
    ``body``, instead of being dropped: a ``reason`` sent where none is kept must not look
    recorded, nor a filter sent in a GET's body look applied. An empty body, or an empty JSON
    object, is no body."""
    if request.method in ("HEAD", "OPTIONS"):
        return
    view = current_app.view_functions.get(request.endpoint)
    doc = getattr(view, "_apidoc", None)
    if doc is None:
        return
    raw = doc.get("manual_doc", {}).get("requestBody", {}).get("content")
    if raw:
        # A raw body (an upload's part) in one of the media types it is declared in: a form,
        # curl's default for --data-binary, is not the bytes as they were sent.
        if request.mimetype and request.mimetype not in raw:
            raise UnsupportedMediaType(
                N_("Send the body in the media type this operation takes."),
                field="Content-Type",
                expected=list(raw),
            )
        return
    if reads_body(doc):
        return
    if not request.get_data(cache=True).strip():
        return
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, Mapping):
        if body:
            # A parameter the operation reads from the query string, sent in the body (as
            # some clients send a GET's), is told where it goes, not that it is unknown.
            query = declared_query_parameters(request.endpoint, doc)
            raise ValidationError(
                {
                    str(name): [IN_QUERY_STRING if name in query else N_("Unknown field.")]
                    for name in body
                }
            )
        return
    raise ValidationError({"body": [N_("This operation takes no body.")]})


def reads_body(doc: Mapping) -> bool:
    """Whether an API operation reads a request body (declared by its arguments, or by hand)."""
    parameters = doc.get("arguments", {}).get("parameters", [])
    if any(parameter.get("in") in BODY_LOCATIONS for parameter in parameters):
        return True
    return "requestBody" in doc.get("manual_doc", {})


_query_parameters_of: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def _query_parameters(endpoint: str, doc: Mapping) -> tuple[frozenset[str], frozenset[str]]:
    """Names of the query parameters an API operation reads (its query schemas' fields and,
    when it is paginated, ``page`` and ``page_size``), and those of them that take a list
    (given once per item)."""
    if endpoint not in _query_parameters_of:
        names: set[str] = set()
        lists: set[str] = set()
        for parameters in doc.get("arguments", {}).get("parameters", []):
            if parameters.get("in") != "query":
                continue
            schema = parameters["schema"]
            schema = schema() if isinstance(schema, type) else schema
            for name, field in schema.load_fields.items():
                names.add(field.data_key or name)
                if isinstance(field, fields.List):
                    lists.add(field.data_key or name)
        if "pagination" in doc:
            names.update(("page", "page_size"))
        _query_parameters_of[endpoint] = (frozenset(names), frozenset(lists))
    return _query_parameters_of[endpoint]


def declared_query_parameters(endpoint: str, doc: Mapping) -> frozenset[str]:
    """Names of the query parameters an API operation reads."""
    return _query_parameters(endpoint, doc)[0]


def multiline_marker(_converter, field, **_kwargs) -> dict:
    """Mark free-text fields ``x-multiline`` in the OpenAPI document: every other string
    field refuses line breaks."""
    return {"x-multiline": True} if isinstance(field, Text) else {}


def _dumped(field: fields.Enum, choice):
    if not isinstance(choice, enum.Enum):
        return choice
    return choice.value if field.by_value else choice.name


def only_accepted_choices(_converter, field, ret, **_kwargs) -> dict:
    """Document an enum field restricted by ``OneOf`` with the values it accepts, not every
    member of its enum (a claim decision takes four actions of nine)."""
    if not isinstance(field, fields.Enum) or "enum" not in ret:
        return {}
    accepted = set()
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            choices = {_dumped(field, choice) for choice in validator.choices}
            accepted = choices if not accepted else accepted & choices
    if not accepted:
        return {}
    return {"enum": [value for value in ret["enum"] if value in accepted]}


def _part(schema: dict) -> dict:
    """A form field's schema as a part of a multipart body: text, never null (an optional field
    is left out, not sent empty)."""
    schema = {key: value for key, value in schema.items() if key != "nullable"}
    if schema.get("default", "") is None:
        del schema["default"]
    if "enum" in schema:
        schema["enum"] = [choice for choice in schema["enum"] if choice is not None]
    return schema


class FormFieldsInBodyPlugin(BasePlugin):
    """Document an operation's form fields inside its ``multipart/form-data`` request body.

    flask-smorest documents one body location per operation; a view that reads form fields and
    files documents the fields as ``in: formData`` parameters, which OpenAPI 3 does not have.
    They join the files' properties in one object schema, so clients and generated tests send
    them as parts.
    """

    def operation_helper(self, path=None, operations=None, **kwargs):
        """apispec's hook, called once per path with its operations."""
        for operation in (operations or {}).values():
            self._optional_json_body(operation)
            parameters = operation.get("parameters") or []
            form = [p for p in parameters if isinstance(p, dict) and p.get("in") == "formData"]
            if not form:
                continue
            kept = [p for p in parameters if p not in form]
            if kept:
                operation["parameters"] = kept
            else:
                del operation["parameters"]
            fields_schema: dict = {
                "type": "object",
                "properties": {p["name"]: _part(p["schema"]) for p in form},
            }
            required = [p["name"] for p in form if p.get("required")]
            if required:
                fields_schema["required"] = required
            body = operation.setdefault("requestBody", {"required": True, "content": {}})
            files = self._schema(body["content"].get("multipart/form-data", {}).get("schema"))
            files_properties = {
                name: _part(schema) for name, schema in files.get("properties", {}).items()
            }
            fields_schema["properties"] = files_properties | fields_schema["properties"]
            required = files.get("required", []) + fields_schema.get("required", [])
            if required:
                fields_schema["required"] = required
            body["content"]["multipart/form-data"] = {"schema": fields_schema}

    def _optional_json_body(self, operation: dict) -> None:
        # A JSON body none of whose fields is required may be left out (a payout batch of
        # everyone owed, assertions of every day): documented so, rather than as required,
        # which generated clients would then call wrongly refused.
        body = operation.get("requestBody")
        if not body or set(body.get("content", {})) != {"application/json"}:
            return
        schema = self._schema(body["content"]["application/json"].get("schema"))
        if schema and schema.get("type", "object") == "object" and not schema.get("required"):
            body["required"] = False

    def init_spec(self, spec):
        """apispec's hook: keep the spec, whose components hold the files' schemas."""
        super().init_spec(spec)
        self.spec = spec

    def _schema(self, schema: dict | None) -> dict:
        # One object, not an allOf of the files' component and the fields: generators (and
        # some clients) cannot build a multipart body from an allOf.
        if not schema:
            return {}
        if "$ref" in schema:
            return self.spec.components.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema


class ErrorSchema(Schema):
    """Every error answer (documentation only; :func:`market.errors.error_body` writes them)."""

    code = fields.Integer(metadata={"description": "the HTTP status"})
    status = fields.String(metadata={"description": "the status' name"})
    message = fields.String(metadata={"description": "what went wrong, in the reader's language"})
    errors = fields.Dict(
        metadata={
            "description": (
                "By the field, header or URL id the caller sent that is wrong (or `reason`, "
                "`path`, `method`): a list of messages or values, or the errors of a nested field"
            ),
            "minProperties": 1,
            "additionalProperties": {"oneOf": [{"type": "array"}, {"type": "object"}]},
        }
    )
    limit = fields.Integer(
        metadata={
            "description": (
                "On a refusal over a limit (a 413, an amount over the ledger's largest, a search "
                "paged past its window): the limit, in the unit of what was refused"
            )
        }
    )
    limits = fields.List(
        fields.Integer(),
        metadata={"description": "On a refused upload `part_size`: the smallest and largest taken"},
    )


_RST_LITERAL = re.compile(r"``([^`]+)``")


def _as_markdown(node):
    """``node`` with every ``description`` and ``summary`` text in Markdown: the docstrings and
    metadata they come from write code as reStructuredText's double backticks."""
    if isinstance(node, dict):
        return {
            key: _RST_LITERAL.sub(r"`\1`", value)
            if key in ("description", "summary") and isinstance(value, str)
            else _as_markdown(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_as_markdown(item) for item in node]
    return node


class MarkdownSpec(APISpec):
    """The OpenAPI document, its descriptions in Markdown (what OpenAPI's CommonMark reads)."""

    def to_dict(self):
        """The document as a dict, as :class:`APISpec` gives it, with Markdown texts."""
        return _as_markdown(super().to_dict())


class ShujiaoApi(Api):
    """flask-smorest's Api, leaving error rendering to the app (JSON for the API, HTML for
    pages) instead of answering every error of the site in JSON, and writing each blueprint's
    operations into the OpenAPI document when the document is first read rather than when the
    app is built (half of ``create_app``'s time, paid by every process and every test). The
    default responses (one per HTTP status, each with the error schema resolved) and headers
    wait for the first read too: they were a fifth of what was left of ``create_app``."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app=None, **kwargs):
        self._undocumented: list = []
        self._documenting = threading.Lock()
        self._writer: int | None = None
        super().__init__(app, **kwargs)

    def _register_responses(self):
        self._undocumented.append(super()._register_responses)

    def _register_etag_headers(self):
        self._undocumented.append(super()._register_etag_headers)

    def register_converter(self, converter, func):
        """As flask-smorest's, but without reading (and so writing) the document: the app is
        built, so the converter goes straight to the Flask plugin, before any path is written."""
        self._converters.append((converter, func))
        self._register_converter(converter, func)

    def _register_pagination_header(self):
        # The header is JSON text: an object schema alone would mean OpenAPI's `simple` style
        # (`page,1,total,3`), which no answer is.
        self._undocumented.append(
            lambda: self._spec.components.header(
                "PAGINATION",
                {
                    "description": "Pagination metadata, as JSON",
                    "content": {"application/json": {"schema": PaginationMetadataSchema}},
                },
                lazy=True,
            )
        )

    @property
    def spec(self):
        """The OpenAPI document, with every registered blueprint's operations in it."""
        # The thread writing it reads the document as written so far (flask-smorest's default
        # responses read ``spec`` as they are added), as it did when it was written eagerly.
        if self._undocumented and self._writer != threading.get_ident():
            with self._documenting:
                self._writer = threading.get_ident()
                try:
                    while self._undocumented:
                        self._undocumented[0]()
                        self._undocumented.pop(0)
                finally:
                    self._writer = None
        return self._spec

    @spec.setter
    def spec(self, value):
        # flask-smorest builds the APISpec itself; ours writes its texts as Markdown.
        if type(value) is APISpec:
            value.__class__ = MarkdownSpec
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp`` now; document it, in registration order, when ``spec`` is read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def document():
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})

        self._undocumented.append(document)

    def _register_error_handlers(self):
        pass


class QueryPage(Page):
    """Paginate a SQLAlchemy select in the request's session: count once, fetch one page."""

    @property
    def items(self):
        if self.page_params.first_item > INT64_MAX - self.page_params.page_size:
            return []  # far past any table's end; the database's OFFSET could not hold it
        return list(
            db_session().scalars(
                self.collection.limit(self.page_params.page_size).offset(
                    self.page_params.first_item
                )
            )
        )

    @property
    def item_count(self):
        return db_session().scalar(
            sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery())
        )
