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

    def __init__(self, message: str, field: str | None = None, **details) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        if _observer is not None:
            _observer(self)

    @property
    def errors(self) -> dict:
        """Errors by field, in the same form as validation errors."""
        errors: dict = {self.field: [self.message]} if self.field else {}
        errors.update(self.details)
        return errors


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


def errors_of(error: DomainError, url_ids: Mapping[str, object] | None) -> dict:
    """``error.errors``; when the service named nothing, the last id of the URL, the thing the
    refusal is about (``{"order_id": [message]}``), so that no 404 or 409 leaves the caller
    guessing."""
    errors = error.errors
    if not errors and error.status in (404, 409) and url_ids:
        errors = {list(url_ids)[-1]: [error.message]}
    return errors


def error_body(status: int, message: str | None = None, errors: dict | None = None) -> dict:
    """The JSON body of every API error: ``{code, status, message, errors}``."""
    phrase = HTTPStatus(status).phrase
    return {"code": status, "status": phrase, "message": message or phrase, "errors": errors or {}}
