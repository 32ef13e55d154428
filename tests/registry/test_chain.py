"""The registry log: a hash chain that names the first tampered link."""

from datetime import timedelta

import sqlalchemy as sa

from market.registry import chain
from market.registry.cli import registry_group
from market.registry.models import ClaimState, RegistryEvent
from tests.registry import factories as rf


def _log(db, count: int):
    for index in range(count):
        chain.append(
            db, "test.event", {"index": index, "text": "深圳"}, rf.MONDAY + timedelta(seconds=index)
        )
    db.commit()


def test_appended_events_link_up_and_verify(db):
    _log(db, 4)
    events = db.scalars(sa.select(RegistryEvent).order_by(RegistryEvent.seq)).all()
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert chain.head(db).hash == events[-1].hash
    assert chain.verify_chain(db) is None


def test_raw_sql_edit_of_a_payload_is_found(app, db):
    _log(db, 5)
    db.execute(sa.text("UPDATE registry_events SET payload = '{\"index\": 99}' WHERE seq = 3"))
    db.commit()
    db.expire_all()
    assert chain.verify_chain(db) == 3
    db.commit()  # SQLite: end the read so the command can take the write lock
    result = app.test_cli_runner().invoke(registry_group, ["verify"])
    assert result.exit_code == 1
    assert "broken at seq 3" in result.output


def test_a_deleted_tail_is_found(db):
    _log(db, 3)
    db.execute(sa.text("DELETE FROM registry_events WHERE seq = 3"))
    db.commit()
    assert chain.verify_chain(db) == 3


def test_cli_reports_a_sound_chain(app, db, store, staff):
    rf.advance(db, rf.draft(db, store), ClaimState.CERTIFIED, staff)
    db.commit()
    result = app.test_cli_runner().invoke(registry_group, ["verify"])
    assert result.exit_code == 0, result.output
    assert "5 events" in result.output  # submit, start_review, approve, issue, certificate.issued


def test_issue_due_command(app, db, store, staff):
    rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff)
    db.commit()
    result = app.test_cli_runner().invoke(registry_group, ["issue-due"])
    assert result.exit_code == 0, result.output
    assert "1 certificates issued" in result.output


def test_public_head_endpoint(app, db):
    _log(db, 2)
    body = app.test_client().get("/api/v1/registry/head").get_json()
    assert body["seq"] == 2 and body["hash"] == chain.head(db).hash
