"""Per-request state: the unit-of-work session, the signed-in user, the API principal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app, g, has_request_context, session
from sqlalchemy.orm import Session

from market.identity import services as identity_services
from market.identity.models import User

T = TypeVar("T")


def db_session() -> Session:
    """The request's session; the app commits it once after a successful response."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].sessions()
    return g.db_session


def outside_transaction(work: Callable[[], T]) -> T:
    """``work()`` with the request's transaction ended first (nothing is written yet; what the
    caller read stays loaded) and everything the session holds re-read afterwards, in a new
    one. For storing an uploaded file, which takes as long as the upload itself: meanwhile no
    database lock may be held (SQLite's one write lock is taken at BEGIN)."""
    session = db_session()
    session.commit()
    try:
        return work()
    finally:
        session.expire_all()


def end_reads() -> None:
    """End the request's transaction after reads only (nothing is written yet), so that what
    comes next, reading a client's body however slowly it arrives, holds no database lock
    (SQLite's one write lock is taken at BEGIN); the next query begins a new transaction."""
    if "db_session" in g:
        g.db_session.commit()


def doom(_reason: object = None) -> None:
    """Mark the request's unit of work as doomed (Warehouse's ``request.tm.doom()``): what it
    wrote so far is rolled back now and nothing commits at the end, whatever the response.

    Every :class:`~market.errors.DomainError` made during a request calls this, so a page that
    catches one, flashes it and redirects leaves no row behind.
    """
    if not has_request_context():
        return
    g.doomed = True
    if "db_session" in g:
        g.db_session.rollback()


def current_user() -> User | None:
    """The signed-in web user, if the session cookie is still valid."""
    if "current_user" not in g:
        g.current_user = None
        user_id = session.get("user_id")
        if user_id is not None:
            user = db_session().get(User, user_id)
            # A password change or a sign-out ends every session that began before it.
            stamp = session.get("password_stamp")
            epoch = session.get("session_epoch", 0)
            if (
                user
                and user.is_active
                and stamp == user.password_changed_at.isoformat()
                and epoch == user.session_epoch
            ):
                g.current_user = user
    return g.current_user


@dataclass(frozen=True)
class Principal:
    """Who is calling the API: an organisation's client, with its granted scopes, or (on the
    public catalogue) nobody in particular: :data:`ANONYMOUS`."""

    organisation_id: int | None
    client_id: str | None
    user_id: int | None  # the member who created the client, on whose authority it acts
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_operator: bool = False


ANONYMOUS = Principal(organisation_id=None, client_id=None, user_id=None)


def principal() -> Principal:
    """The authenticated API caller (set by :func:`market.oauth.server.requires`)."""
    return g.principal


def acting_for() -> list[int]:
    """The organisations this request acts for: the API client's organisation, or every
    organisation the signed-in user is a member of; none for an anonymous visitor."""
    if "acting_for" not in g:
        if "principal" in g:
            # A public catalogue call without a token acts for nobody.
            organisation_id = g.principal.organisation_id
            g.acting_for = [] if organisation_id is None else [organisation_id]
        else:
            user = current_user()
            g.acting_for = identity_services.organisation_ids(db_session(), user) if user else []
    return g.acting_for
