"""An instance the demo seeded before a demo user was added gains that user on the next run,
so the start-up banner lists no account that does not exist."""

from __future__ import annotations

import sqlalchemy as sa

from market import demo
from market.identity.models import StaffRole, User
from tests import factories


def test_the_demo_users_an_earlier_seed_lacks_are_created_once(app, db):
    admin = factories.user(db, "finance@demo.shujiao.cn", staff=(StaffRole.FINANCE,))
    operator = factories.organisation(db, admin)
    operator.is_operator = True
    db.flush()
    with app.app_context():
        assert demo.seed(db) is False  # seeded before: only what it lacks is added
    added = {m.user.email for m in operator.memberships}
    assert "finance.checker@demo.shujiao.cn" in added
    checker = db.scalar(sa.select(User).where(User.email == "finance.checker@demo.shujiao.cn"))
    assert [role.role for role in checker.staff_roles] == [StaffRole.FINANCE]
    assert demo.seed_missing_staff(db) == []
    listed = {email for email, _ in demo.logins() if email.endswith("@demo.shujiao.cn")}
    staff = {email for email, _, _ in demo.STAFF}
    assert staff <= listed
    assert set(db.scalars(sa.select(User.email).where(User.email.in_(staff)))) == staff
