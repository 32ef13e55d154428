"""An instance the demo seeded before a demo user was added gains that user on the next run,
so the start-up banner lists no account that does not exist."""

from __future__ import annotations

import sqlalchemy as sa

from market import demo
from market.config import ROOT
from market.demo.listings import EXTRA_PROVIDERS
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


def test_the_readme_names_every_seeded_demo_user_with_its_role():
    readme = (ROOT / "README.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines()
            if line.startswith("| `") and "@demo.shujiao.cn" in line}  # fmt: skip
    seeded = {email for email, _, _ in demo.STAFF}
    seeded |= {row[0] for row in demo.ORGANISATIONS} | {row[0] for row in EXTRA_PROVIDERS}
    assert seeded <= set(rows)
    assert "search curation" in rows["reviewer@demo.shujiao.cn"]
