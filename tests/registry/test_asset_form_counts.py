"""The asset form reads a record count as people type it, as money fields read amounts."""

from __future__ import annotations

import pytest

from market.registry.models import Asset
from tests import factories


@pytest.fixture
def member(client, db):
    user = factories.user(db)
    organisation = factories.organisation(db, user)
    db.commit()
    client.log_in(user.email)
    return organisation


def _form(organisation, count: str) -> dict:
    return {
        "organisation_id": organisation.id,
        "kind": "dataset",
        "title_zh": "深圳公交客流",
        "title_en": "Shenzhen bus ridership",
        "industry": "transport",
        "personal_info": "none",
        "record_count": count,
    }


@pytest.mark.parametrize("typed", ["90,000", "90，000", "90 000", "90000"])
def test_a_record_count_with_thousands_separators_is_read(client, db, member, typed):
    response = client.submit("/registry/assets/new", _form(member, typed))
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    assert db.query(Asset).one().record_count == 90_000


@pytest.mark.parametrize("typed", ["90,00", "9.5", "-3", "九万"])
def test_a_count_that_is_not_a_whole_number_is_named(client, db, member, typed):
    response = client.submit("/registry/assets/new", _form(member, typed))
    assert response.status_code == 422
    assert 'id="record_count-error"' in response.get_data(as_text=True)
    assert db.query(Asset).count() == 0
