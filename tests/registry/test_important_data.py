"""Important data (重要数据) is a category of mainland China's data security rules: the asset
form asks it only of an organisation registered on the mainland, and says to others in one
line why it does not; the API refuses it, by name and with the reason, from one registered
elsewhere."""

from __future__ import annotations

import pytest

from market.registry.models import Asset
from tests import factories
from tests.registry import factories as rf
from tests.web import WebClient

NOT_DECLARED = (
    "Important data is a category of mainland China's data security rules: the organisation "
    "is registered outside mainland China, so it declares none."
)
ASSET = {
    "kind": "dataset",
    "title_zh": "维港渡轮客流",
    "title_en": "Victoria Harbour ferry ridership",
    "industry": "transport",
    "personal_info": "none",
}


def _hong_kong(db):
    owner = factories.user(db)
    organisation = factories.organisation(
        db, owner, jurisdiction="HK", registration_number="HK-8801", name_en="Harbour Ferries Ltd"
    )
    db.commit()
    return organisation, owner


def _bearer(client, db, organisation):
    api_client, secret = factories.api_client(db, organisation, ["registry:write"])
    db.commit()
    token = factories.token(client, api_client.client_id, secret)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def test_a_hong_kong_provider_declaring_important_data_is_a_422_naming_it(app, db):
    client = app.test_client()
    organisation, _ = _hong_kong(db)
    headers = _bearer(client, db, organisation)
    refused = client.post("/api/v1/assets", json=ASSET | {"important_data": True}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"important_data": [NOT_DECLARED]}
    taken = client.post("/api/v1/assets", json=ASSET | {"important_data": False}, headers=headers)
    assert taken.status_code == 201, taken.get_json()


def test_a_mainland_provider_declares_important_data(app, db):
    client = app.test_client()
    organisation, _ = rf.provider(db)
    db.commit()
    headers = _bearer(client, db, organisation)
    taken = client.post("/api/v1/assets", json=ASSET | {"important_data": True}, headers=headers)
    assert taken.status_code == 201, taken.get_json()
    assert taken.get_json()["important_data"] is True


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_form_asks_only_a_mainland_provider(app, client, db, language):
    headers = {"Accept-Language": language}
    _, mainland_owner = rf.provider(db)
    _, hong_kong_owner = _hong_kong(db)
    client.log_in(mainland_owner.email)
    mainland = client.get("/registry/assets/new", headers=headers).get_data(as_text=True)
    assert 'name="important_data"' in mainland
    assert 'data-testid="no-important-data"' not in mainland
    other = WebClient(app)
    other.log_in(hong_kong_owner.email)
    hong_kong = other.get("/registry/assets/new", headers=headers).get_data(as_text=True)
    assert 'name="important_data"' not in hong_kong
    line = hong_kong.split('data-testid="no-important-data">')[1].split("</p>")[0]
    assert ("mainland China" if language == "en" else "中国内地") in line
    # The section is not named as the field heading it is.
    heading = hong_kong.split('name="personal_info"')[0].rsplit("<h2>", 1)[1].split("</h2>")[0]
    assert heading == (
        "Personal information and important data" if language == "en" else "个人信息与重要数据"
    )


def test_the_form_names_the_refusal_beside_the_field(client, db):
    organisation, owner = _hong_kong(db)
    client.log_in(owner.email)
    form = {"organisation_id": organisation.id, **ASSET, "important_data": "true"}
    response = client.submit(
        "/registry/assets/new", form, page="/registry/assets/new", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="important_data-error">')[1].split("</p>")[0]
    assert error == NOT_DECLARED.replace("'", "&#39;")
    assert 'value="Victoria Harbour ferry ridership"' in html
    assert db.query(Asset).count() == 0
