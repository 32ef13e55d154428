"""The request's unit of work: doomed by any domain error, and busy rather than broken."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from flask import flash, redirect

from market import migrate
from market.app import create_app
from market.context import db_session
from market.errors import DomainError
from market.identity import services
from market.identity.models import User
from market.outbox import OutboxMessage, enqueue
from tests import factories
from tests.conftest import app_config
from tests.web import WebClient


def test_a_page_that_writes_fails_and_redirects_leaves_no_row(app, db):
    taken = factories.user(db, "taken@example.cn")
    db.commit()

    @app.route("/test-half-done", methods=["POST"])
    def half_done():
        session = db_session()
        enqueue(session, "mail.invitation", {"to": "someone@example.cn"})
        session.flush()
        try:
            services.register_user(session, taken.email, "Second", "correct horse battery")
        except DomainError as error:
            flash(error.message)
        return redirect("/")

    response = WebClient(app).submit("/test-half-done", {})
    assert response.status_code == 302
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    db.commit()


@pytest.fixture
def busy_app(make_database_url, tmp_path):
    """An app on SQLite that waits only 100 ms for another writer."""
    url = make_database_url("sqlite")
    migrate.upgrade(url)
    application = create_app(app_config(url, tmp_path / "instance", DATABASE_BUSY_TIMEOUT_MS=100))
    yield application
    application.extensions["db"].dispose()


def test_a_busy_database_answers_503_with_retry_after(busy_app):
    client = WebClient(busy_app)
    token = client.csrf_token("/signup")
    path = sa.make_url(busy_app.config["DATABASE_URL"]).database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        page = client.raw.post(
            "/signup",
            data={
                "email": "new@example.cn",
                "name": "New",
                "password": "correct horse battery",
                "csrf_token": token,
            },
        )
        api = client.raw.get("/healthz")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "1"
    assert api.status_code == 503
    # Once the other writer is done, the same sign-up goes through.
    again = client.raw.post(
        "/signup",
        data={
            "email": "new@example.cn",
            "name": "New",
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert again.status_code == 302


def test_a_session_read_in_an_app_context_ends_with_it(app):
    # A command or a test reading the database in an app context without a request: on
    # SQLite its BEGIN IMMEDIATE holds the one write lock until the session is closed.
    with app.app_context():
        session = db_session()
        session.execute(sa.text("SELECT 1"))
        assert session.in_transaction()
    assert not session.in_transaction()
