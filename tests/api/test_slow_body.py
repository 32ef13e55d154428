"""A request's body is read with no database transaction open. On SQLite every transaction
takes the one write lock at BEGIN, so a token check left open while a client trickles its body
in would make every other writer wait, then answer 503. A request without a body keeps one
transaction, and a search's statements skip the ORM's handling."""

from __future__ import annotations

import io
import json

from flask import g
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.api.test_empty_strings import DEMAND
from tests.api.test_single_line_fields import _token


class _Watched(io.BytesIO):
    """A request body that notes, at each read, whether the request's transaction is open."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.open_while_read: list[bool] = []

    def _note(self) -> None:
        session = g.get("db_session")
        self.open_while_read.append(session is not None and session.in_transaction())

    def read(self, size: int | None = -1) -> bytes:
        self._note()
        return super().read(size)

    def readinto(self, buffer) -> int:
        self._note()
        return super().readinto(buffer)


def test_the_body_of_an_authenticated_request_is_read_with_no_transaction_open(app, db):
    headers = _token(app, db, staff=False)
    body = json.dumps(DEMAND).encode()
    stream = _Watched(body)
    response = app.test_client().post(
        "/api/v1/demands",
        headers={**headers, "Content-Type": "application/json"},
        input_stream=stream,
        content_length=len(body),
    )
    assert response.status_code == 201, response.get_json()
    assert stream.open_while_read and not any(stream.open_while_read)


def test_a_request_without_a_body_keeps_the_token_checks_transaction(app, db):
    # Nothing can trickle in after the headers: ending the token check's transaction would
    # cost a commit and a BEGIN on every search and every GET, guarding against no wait.
    headers = _token(app, db, staff=False)
    engine = app.extensions["db"].engine
    began: list[object] = []

    def note(connection) -> None:
        began.append(connection)

    event.listen(engine, "begin", note)
    try:
        response = app.test_client().get(
            "/api/v1/listings/search", query_string={"q": "weather"}, headers=headers
        )
    finally:
        event.remove(engine, "begin", note)
    assert response.status_code == 200, response.get_json()
    assert len(began) == 1


def test_a_search_runs_no_statement_through_the_orms_handling(app, db):
    # The token, the synonym stamp, the search log and the providers' names are plain columns
    # read on the session's connection: the ORM's handling of a statement cost more than
    # running it, on every request.
    headers = _token(app, db, staff=False)
    client = app.test_client()
    client.get("/api/v1/listings/search", query_string={"q": "weather"}, headers=headers)
    handled: list[str] = []

    def note(state) -> None:
        handled.append(str(state.statement))

    event.listen(Session, "do_orm_execute", note)
    try:
        response = client.get(
            "/api/v1/listings/search", query_string={"q": "weather"}, headers=headers
        )
    finally:
        event.remove(Session, "do_orm_execute", note)
    assert response.status_code == 200, response.get_json()
    assert handled == []
