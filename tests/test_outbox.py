"""The outbox: messages committed with the change, handled after, retried with backoff."""

import sqlalchemy as sa

from market import outbox


def test_handled_messages_are_marked_done(app, db):
    outbox.enqueue(db, "test.echo", {"n": 1})
    db.commit()
    seen = []
    assert outbox.deliver(db, {"test.echo": lambda _s, payload: seen.append(payload)}) == 1
    db.commit()
    assert seen == [{"n": 1}]
    assert db.scalar(sa.select(outbox.OutboxMessage.done_at)) is not None


def test_failing_handler_is_retried_later_with_the_error_kept(app, db):
    outbox.enqueue(db, "test.fail", {})
    db.commit()

    def fail(_session, _payload):
        raise RuntimeError("mail relay down")

    outbox.deliver(db, {"test.fail": fail})
    db.commit()
    message = db.scalar(sa.select(outbox.OutboxMessage))
    assert message.done_at is None
    assert message.attempts == 1
    assert "mail relay down" in message.last_error
    assert message.available_at > message.created_at
    assert outbox.deliver(db, {"test.fail": fail}) == 0  # not due yet


def test_rolled_back_change_leaves_no_message(app, db):
    outbox.enqueue(db, "test.echo", {})
    db.rollback()
    assert db.scalar(sa.select(sa.func.count()).select_from(outbox.OutboxMessage)) == 0
