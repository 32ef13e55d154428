"""A new plan in the listing editor starts in the currency of the provider's jurisdiction:
Hong Kong dollars for a Hong Kong provider, patacas for a Macao one, yuan on the mainland."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.listings import factories as lf


def _chosen(html: str, select: str) -> str:
    options = html.split(f'name="{select}"')[1].split("</select>")[0]
    (code,) = re.findall(r'<option value="([A-Z]{3})" selected>', options)
    return code


@pytest.mark.parametrize(
    ("jurisdiction", "language", "expected"),
    [("HK", "zh-Hant", "HKD"), ("HK", "en", "HKD"), ("MO", "en", "MOP"), ("CN", "zh", "CNY")],
)
def test_a_new_plan_starts_in_the_provider_s_currency(
    client, db, store, staff, jurisdiction, language, expected
):
    owner = factories.user(db)
    organisation = factories.organisation(
        db, owner, jurisdiction=jurisdiction, registration_number=f"{jurisdiction}-5"
    )
    asset = lf.certified_asset(db, store, organisation, owner, staff)
    db.commit()
    client.log_in(owner.email)
    for path in ("/provider/listings/new", f"/provider/listings/new?asset_id={asset.id}"):
        html = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
        assert _chosen(html, "plan0_currency") == expected
        assert _chosen(html, "plan2_currency") == expected


def test_a_plan_s_currency_typed_stays_on_a_refused_save(client, db, store, staff):
    owner = factories.user(db)
    organisation = factories.organisation(db, owner, jurisdiction="HK", registration_number="HK-6")
    asset = lf.certified_asset(db, store, organisation, owner, staff)
    db.commit()
    client.log_in(owner.email)
    form = {"asset_id": str(asset.id), "plan0_kind": "one_time", "plan0_currency": "USD"}
    response = client.submit("/provider/listings/new", form, page="/provider/listings/new")
    assert response.status_code == 422
    assert _chosen(response.get_data(as_text=True), "plan0_currency") == "USD"
