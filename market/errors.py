"""Domain errors raised by services, and the one JSON error shape of the API.

Services raise :class:`DomainError` subclasses; they know nothing of HTTP. The app maps each to
a status code and renders ``{code, status, message, errors}`` for the API, or an HTML page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus

# Told of every DomainError as it is made. The web app dooms the request's unit of work with it,
# so a page that catches the error and redirects cannot commit the half it did before.
_observer: Callable[[DomainError], None] | None = None


def observe(observer: Callable[[DomainError], None] | None) -> None:
    """Set the one function told of every :class:`DomainError` (``None`` for nobody)."""
    global _observer
    _observer = observer


class DomainError(Exception):
    """A rule of the exchange refused the operation; nothing was changed."""

    status = 400

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        more: Mapping | None = None,
        facts: Mapping | None = None,
        **details,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Further fields refused at the same time, each with its own message, so that a caller
        # learns every one at once rather than one per attempt.
        self.more = dict(more or {})
        # What the caller may act on that names nothing it sent (the largest amount or size
        # taken): beside ``errors`` in the body, never a key of it.
        self.facts = dict(facts or {})
        self.details = details
        if _observer is not None:
            _observer(self)

    def translated(self, translate: Callable[[str], str]) -> str:
        """The message in the reader's language, by ``translate``."""
        return translate(self.message)

    @property
    def errors(self) -> dict:
        """Errors by field, in the same form as validation errors."""
        errors: dict = {self.field: [self.message]} if self.field else {}
        errors.update((field, [message]) for field, message in self.more.items())
        errors.update(self.details)
        return errors

    def messages(self, translate: Callable[[str], str]) -> dict:
        """:attr:`errors` with the messages (not the values in ``details``) in the reader's
        language, by ``translate``."""
        errors = self.errors
        if self.field is not None and errors.get(self.field) == [self.message]:
            errors[self.field] = [self.translated(translate)]
        for field, message in self.more.items():
            if errors.get(field) == [message]:
                errors[field] = [translate(message)]
        for field, value in self.details.items():
            if isinstance(value, Mapping):
                # The message beside a nested field (a list's item: ``terms.0``) is the
                # error's own, so it reads in the reader's language as the top one does.
                errors[field] = _translated(value, self.message, translate)
        return errors


def _translated(errors: Mapping, message: str, translate: Callable[[str], str]) -> dict:
    """Nested ``errors`` with each ``[message]`` through ``translate``, other values kept."""
    return {
        key: _translated(value, message, translate)
        if isinstance(value, Mapping)
        else [translate(message)]
        if value == [message]
        else value
        for key, value in errors.items()
    }


class InvalidInput(DomainError):
    """A value is well-formed but not acceptable (names the field)."""

    status = 422


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    status = 404


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    status = 403


class AuthenticationFailed(DomainError):
    """The credentials do not identify anyone."""

    status = 401


class Conflict(DomainError):
    """The operation clashes with the current state (a duplicate, an illegal state move)."""

    status = 409


def state_value(state) -> str:
    """A state as ``errors.state`` gives it: an enum's value, or the text itself."""
    return str(getattr(state, "value", state))


def errors_of(
    error: DomainError,
    url_ids: Mapping[str, object] | None,
    translate: Callable[[str], str] = str,
) -> dict:
    """``error.errors``, its messages through ``translate`` (the reader's language); when the
    service named nothing, the id of the URL the refusal is about (``{"order_id": [message]}``),
    so that no 404 or 409 leaves the caller guessing. A "no such <thing>" names the URL's id of
    that thing (``No such entitlement.`` on ``/downloads/<entitlement_id>/<file_id>`` names
    ``entitlement_id``), anything else its last."""
    errors = error.messages(translate)
    if not errors and error.status in (404, 409) and url_ids:
        errors = {_url_id_named(error.message, list(url_ids)): [translate(error.message)]}
    return errors


def _url_id_named(message: str, names: list[str]) -> str:
    if message.lower().startswith("no such "):
        words = message[len("no such ") :].lower().rstrip(".").split()  # "No such order."
        for wanted in ("_".join(words), words[-1], words[0]):
            for name in names:
                if name.removesuffix("_id") == wanted:
                    return name
    return names[-1]


def shaped(errors: Mapping | None, message: str) -> dict:
    """Errors in the one shape of every API error: each field (or ``reason``) names a list of
    messages or values (a nested field a mapping of its own), never a bare value and never
    nothing: a refusal that names no field gives its message as ``reason``."""
    out: dict = {}
    for key, value in (errors or {}).items():
        if isinstance(value, Mapping):
            out[key] = _text_keys(value)
        elif isinstance(value, list):
            out[key] = value
        elif isinstance(value, tuple | set | frozenset):
            out[key] = sorted(value) if isinstance(value, set | frozenset) else list(value)
        else:
            out[key] = [value]
    return out or {"reason": [message]}


def _text_keys(errors: Mapping) -> dict:
    # A list item's errors come keyed by its index (an int), beside a rule of the whole list
    # (``_schema``): JSON keys are text, and a mapping of both kinds cannot be sorted.
    return {str(k): _text_keys(v) if isinstance(v, Mapping) else v for k, v in errors.items()}


def error_body(
    status: int,
    message: str | None = None,
    errors: dict | None = None,
    facts: Mapping | None = None,
) -> dict:
    """The JSON body of every API error: ``{code, status, message, errors}``, ``errors`` in the
    shape :func:`shaped` gives, and any ``facts`` (``{"limit": 1048576}``) beside them."""
    phrase = HTTPStatus(status).phrase
    message = message or phrase
    body = {"code": status, "status": phrase, "message": message, "errors": shaped(errors, message)}
    body.update((key, value) for key, value in (facts or {}).items() if key not in body)
    return body
