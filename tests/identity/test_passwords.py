"""Passwords are Argon2id hashes; hashes made with other parameters still sign in and are
re-hashed (the suite hashes with argon2-cffi's cheapest parameters, production with its
recommended ones)."""

import argon2
import sqlalchemy as sa

from market.identity import passwords
from market.identity.models import User
from tests import factories


def test_production_hashes_with_the_recommended_parameters():
    parameters = passwords.PARAMETERS
    assert parameters == argon2.profiles.RFC_9106_LOW_MEMORY
    assert (parameters.type, parameters.memory_cost, parameters.time_cost) == (
        argon2.Type.ID,
        65536,
        3,
    )


def test_a_password_hashed_in_production_signs_in_and_is_rehashed(client, db):
    user = factories.user(db, "prod@example.cn")
    production = argon2.PasswordHasher.from_parameters(passwords.PARAMETERS)
    user.password_hash = production.hash(factories.PASSWORD)
    db.commit()
    assert client.log_in("prod@example.cn", "not the password").status_code != 302
    assert client.log_in("prod@example.cn", factories.PASSWORD).status_code == 302
    db.expire_all()
    stored = db.scalar(sa.select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$") and "m=65536" not in stored
    assert passwords.verify_password(stored, factories.PASSWORD)
