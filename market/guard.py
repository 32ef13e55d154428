"""Input every request must pass before any view sees it, whatever the door (API or page).

- A JSON body must parse, nest at most :data:`MAX_DEPTH` levels and be an object: anything
  else (a list, ``null``, ``NaN``, ten thousand brackets) is 400 with the reason. A number too
  large for any field (``1e999999``, thousands of digits) is valid JSON: 422 naming its field.
- No header value may hold a control character (tab aside): 400 naming the header.
- A form field (page form or multipart) whose bytes are not UTF-8 is refused: 422 naming the
  field (a page shows its form again), never stored with the bytes replaced or left escaped.
- No text anywhere — path parameters, query, form, JSON (keys and values), uploaded file
  names — may hold NUL, other control characters (tab and line breaks aside) or lone
  surrogates: 422 naming the field. Every string field refuses line breaks too unless it is free text
  (:func:`market.fields.text_errors`; uploaded file names here).
"""

from __future__ import annotations

import codecs
import functools
import json
import math
import re
from urllib.parse import parse_qsl

from flask import Flask, Request, current_app, g, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from market.api import UnsupportedMediaType, wants_json
from market.errors import DomainError, InvalidInput, NotFound
from market.fields import FORBIDDEN_CHARACTERS, OutOfRange, has_forbidden_characters, single_line
from market.text import N_

MAX_DEPTH = 32
JSON_EXEMPT = ("/webhooks/",)  # Stripe's events are checked by their own schema


class MalformedBody(DomainError):
    """The body is not a JSON object within the nesting limit."""

    status = 400


def _depth(value) -> int:
    # Iterative: the walk itself must not recurse on a hostile body.
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


# Past this many digits Python refuses to read an integer (sys.int_info.default_max_str_digits);
# no field holds one anywhere near as long.
_MAX_DIGITS = 4000


def _integer(text: str) -> int | float:
    # An integer longer than Python reads, read as the infinity it is beyond (refused, with its
    # field named, by _bad_value) rather than taken for a syntax error.
    if len(text) > _MAX_DIGITS:
        return -math.inf if text.startswith("-") else math.inf
    return int(text)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list) -> dict:
    # json.loads keeps the last of two equal keys: {"plan_id": 1, "plan_id": 2} would be read
    # as one of them without a word. A key given twice is ambiguous input, refused.
    body = {}
    for key, value in pairs:
        if key in body:
            raise _RepeatedKey(key)
        body[key] = value
    return body


def _json_body():
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        # JSON is UTF-8 (RFC 8259): json.loads would guess UTF-16 or 32 from the bytes, which
        # the views' parser then refuses in a shape of its own.
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Said as what it is: "not valid JSON" sent the caller looking for a syntax error
        # in text that was fine, only encoded otherwise (Latin-1, GBK, UTF-16).
        raise MalformedBody(
            N_("The body is not valid UTF-8: send JSON as UTF-8."), field="body"
        ) from None
    try:
        body = json.loads(
            text, parse_int=_integer, parse_constant=_refuse_constant, object_pairs_hook=_object
        )
    except _RepeatedKey as repeated:
        raise MalformedBody(N_("A key is given twice in one object."), field=repeated.key) from None
    except (ValueError, RecursionError):
        # json.loads recurses once per level: a hostile nesting ends here, not in a 500.
        raise MalformedBody(N_("The body is not valid JSON."), field="body") from None
    if not isinstance(body, dict):
        raise MalformedBody(N_("The JSON body must be an object."), field="body")
    if _depth(body) > MAX_DEPTH:
        raise MalformedBody(N_("The JSON body nests too deeply."), field="body")
    return body


def forbidden_character_message(text: str) -> str:
    """What is wrong with ``text``, which holds a character no text may hold, named as what it
    is: a bidirectional control or a lone surrogate is no "control character" to its sender."""
    found = FORBIDDEN_CHARACTERS.search(text)
    character = found.group() if found else ""
    if "\ud800" <= character <= "\udfff":
        return N_("Text may not hold lone surrogates (half of a UTF-16 pair, not a character).")
    if "\u202a" <= character <= "\u202e" or "\u2066" <= character <= "\u2069":
        return N_(
            "Text may not hold bidirectional embedding, override and isolate characters "
            "(U+202A to U+202E, U+2066 to U+2069): they make text read otherwise than it is "
            "written."
        )
    return N_("Text may not hold control characters.")


def _refused(*texts: str) -> str | None:
    """The message for the first of ``texts`` holding a forbidden character, if any."""
    for text in texts:
        if has_forbidden_characters(text):
            return forbidden_character_message(text)
    return None


def _bad_value(value, path: tuple = ()) -> tuple[tuple, str] | None:
    """The path (keys and indexes) of the first string under ``value`` holding a forbidden
    character, or of the first number too large to be read (``1e309`` reads as infinity), and
    its message, if any."""
    if isinstance(value, float) and not math.isfinite(value):
        return path, N_("Number out of range.")
    if isinstance(value, str):
        message = _refused(value)
        return (path, message) if message else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = (*path, str(key))
            if message := _refused(str(key)):
                return where, message
            found = _bad_value(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _bad_value(item, (*path, str(index)))
            if found:
                return found
    return None


def _nested(path: tuple, messages: list) -> dict:
    """``{"a": {"b": messages}}`` for the path ``("a", "b")``: nested as marshmallow nests a
    nested field's errors, not a dotted key."""
    errors: object = messages
    for part in reversed(path[1:]):
        errors = {part: errors}
    return {path[0]: errors}


class MalformedHeader(DomainError):
    """A header value holds a control character, which HTTP does not allow (RFC 9110 §5.5)."""

    status = 400


def check_request() -> None:
    """Refuse a request whose headers, body or text cannot be what any view accepts."""
    for name, value in request.headers.items():
        if message := _refused(value):
            raise MalformedHeader(message, field=name)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, OutOfRange):
            raise NotFound(N_("Nothing has this id."), field=name)
        if isinstance(value, str) and (message := _refused(value)):
            raise InvalidInput(message, field=name)
    refused_args = {
        name: [message]
        for name, value in request.args.items(multi=True)
        if (message := _refused(name, value))
    }
    not_utf8 = getattr(request, "not_utf8_args", ())
    refused_args |= {name: [N_("The text is not valid UTF-8.")] for name in not_utf8}
    if refused_args:
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "shows_refused_query", False) and not wants_json():
            g.refused_query_args = refused_args  # the page shows them beside its search form
        else:
            name, messages = next(iter(refused_args.items()))
            raise InvalidInput(messages[0], field=name)
    if request.is_json:
        charset = request.mimetype_params.get("charset")
        if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
            # JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset is either
            # mislabelled or, read as UTF-8, not the text its sender meant.
            raise UnsupportedMediaType(
                N_("JSON is sent in UTF-8: this body declares another charset."),
                field="Content-Type",
                charset=[charset],
            )
    if request.is_json and not request.path.startswith(JSON_EXEMPT):
        found = _bad_value(_json_body())
        if found:
            where, message = found
            error = InvalidInput(message)
            # Not as keywords: the caller's keys (``message``, ``field``) are not ours to bind.
            error.details.update(_nested(where, [message]))
            raise error
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        if None in request.form or None in request.files:
            # A multipart part whose Content-Disposition names no field: no view reads it.
            raise InvalidInput(
                N_("Every part of the form needs a name."), field="Content-Disposition"
            )
        refused = {
            name: [message]
            for name, value in request.form.items(multi=True)
            if (message := _refused(name, value))
        }
        not_utf8 = getattr(request, "not_utf8_fields", ())
        refused |= {name: [N_("The text is not valid UTF-8.")] for name in not_utf8}
        if refused and not wants_json():
            # A page's form: the view's parse_form reports them beside the fields, the rest of
            # what was typed kept (see refuse_unread_form_errors for a view that never asks).
            g.refused_form_fields = refused
        elif refused:
            name, messages = next(iter(refused.items()))
            raise InvalidInput(messages[0], field=name)
        for name, upload in request.files.items(multi=True):
            if upload.filename and not single_line(upload.filename):
                raise InvalidInput(
                    N_("A file name must be one line without control characters."), field=name
                )


# Werkzeug decodes a form field's bytes forgivingly: a multipart part with U+FFFD for each bad
# byte, an urlencoded field with the bad escapes left as typed ("ab%FFcd"). Either way the
# exchange would store text the sender never wrote. The parsers below decode with
# ``surrogateescape`` instead, so every byte that is not UTF-8 becomes one of these.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")
_MARKED_UTF8 = "shujiao_marked_utf_8"


def _marked_codec(name: str) -> codecs.CodecInfo | None:
    if name != _MARKED_UTF8:
        return None

    def decode(data, errors="strict"):  # Werkzeug asks for "replace"; keep the bytes instead
        return codecs.utf_8_decode(data, "surrogateescape", True)

    return codecs.CodecInfo(codecs.utf_8_encode, decode, name=_MARKED_UTF8)


@functools.cache
def _register_codec() -> None:
    codecs.register(_marked_codec)


class _MarkingMultiPartParser(MultiPartParser):
    def get_part_charset(self, headers) -> str:
        charset = super().get_part_charset(headers)
        return _MARKED_UTF8 if charset in ("utf-8", "ascii", "us-ascii") else charset


class _MarkingFormDataParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        text = stream.read().decode("utf-8", "surrogateescape")
        items = parse_qsl(text, keep_blank_values=True, errors="surrogateescape")
        return stream, self.cls(items), self.cls()

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = _MarkingMultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


def _readable(text: str) -> str:
    return _ESCAPED_BYTES.sub("\ufffd", text)


class BoundedRequest(Request):
    """Flask's request, refusing a body the size limit cut short.

    A body without ``Content-Length`` (``Transfer-Encoding: chunked``) is read up to
    ``MAX_CONTENT_LENGTH`` and no further; Werkzeug then hands over the bytes read so far, as if
    the body ended there. Parsing that would answer "not valid JSON" for an oversized JSON body
    and, worse, read a truncated form as whole. Reaching the limit is a 413, as a
    ``Content-Length`` over it is, whichever way the body is read.

    Form fields are decoded strictly: the names of those whose bytes are not UTF-8 are kept in
    :attr:`not_utf8_fields` for :func:`check_request` to refuse.
    """

    form_data_parser_class = _MarkingFormDataParser
    #: The form fields whose bytes were not UTF-8, by name (as shown: U+FFFD for each bad byte).
    not_utf8_fields: tuple[str, ...] = ()
    #: The query arguments whose bytes were not UTF-8, by name (as for form fields).
    not_utf8_args: tuple[str, ...] = ()

    def __init__(self, environ, *args, **kwargs) -> None:
        # A WSGI server hands the query over as its bytes, one character each; raw bytes past
        # ASCII are what their percent escapes are (a browser would have sent those). Werkzeug
        # would fail to decode them, in every view and in the error page alike.
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            environ["QUERY_STRING"] = "".join(
                character if character.isascii() else f"%{ord(character):02X}"
                for character in query
            )
        super().__init__(environ, *args, **kwargs)

    @cached_property
    def args(self) -> ImmutableMultiDict:
        """The query's arguments, decoded strictly (see :attr:`not_utf8_args`)."""
        pairs = parse_qsl(
            self.query_string.decode("ascii", "replace"),
            keep_blank_values=True,
            errors="surrogateescape",
        )
        bad = [key for key, value in pairs if _ESCAPED_BYTES.search(key + value)]
        if bad:
            self.not_utf8_args = tuple(dict.fromkeys(_readable(key) for key in bad))
        return ImmutableMultiDict([(_readable(key), _readable(value)) for key, value in pairs])

    def get_data(self, *args, **kwargs):
        data = super().get_data(*args, **kwargs)
        self._refuse_cut_short()
        return data

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self._refuse_cut_short()
        form = self.__dict__.get("form")
        if form is None:
            return
        pairs = list(form.items(multi=True))
        # A part without a name has the key None (refused in check_request).
        bad = [key for key, value in pairs if _ESCAPED_BYTES.search(f"{key or ''}{value}")]
        if bad:
            # Kept for the refusal; the form itself holds only text that can be shown again.
            self.not_utf8_fields = tuple(dict.fromkeys(_readable(key or "") for key in bad))
            self.__dict__["form"] = ImmutableMultiDict(
                [(key and _readable(key), _readable(value)) for key, value in pairs]
            )

    def _refuse_cut_short(self) -> None:
        stream = self.stream
        chunked = isinstance(stream, LimitedStream) and self.content_length is None
        if chunked and self.max_content_length is not None and stream.is_exhausted:
            raise RequestEntityTooLarge()


def shows_refused_query(view):
    """Mark a page view that shows its query arguments' refusals itself, beside its search
    form, with everything else kept (it reads them with :func:`refused_query_args` and must
    not use the refused values)."""
    view.shows_refused_query = True
    return view


def refused_query_args() -> dict:
    """The query arguments holding a character no text may hold, by name (for a view marked
    with :func:`shows_refused_query`; taken: asked once)."""
    return g.pop("refused_query_args", None) or {}


def refused_form_fields() -> dict:
    """The fields of the posted page form holding a character no text may hold, by name
    (taken: asked once, by :func:`market.forms.parse_form`)."""
    return g.pop("refused_form_fields", None) or {}


def refuse_unread_form_errors(response):
    """``after_request``: a page form holding a forbidden character whose view never read it
    through ``parse_form`` is refused as a whole (422); its unit of work is rolled back."""
    refused = g.pop("refused_form_fields", None)
    if not refused:
        return response
    name, messages = next(iter(refused.items()))
    error = InvalidInput(messages[0], field=name)
    return current_app.make_response(current_app.handle_user_exception(error))


def register(app: Flask) -> None:
    """Read bodies within their limit (:class:`BoundedRequest`); run :func:`check_request`
    before every view."""
    _register_codec()
    app.request_class = BoundedRequest
    app.before_request(check_request)
    app.after_request(refuse_unread_form_errors)
