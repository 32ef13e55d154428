"""The API-client page offers an organisation only the scopes it can be granted."""

from __future__ import annotations

from tests import factories
from tests.web import WebClient


def test_an_ordinary_owner_is_not_offered_staff_scopes(app):
    web = WebClient(app)
    assert web.sign_up("owner@example.cn").status_code == 302
    created = web.submit(
        "/organisations/new",
        {
            "name_zh": "海湾数据（深圳）",
            "name_en": "Bay Data",
            "jurisdiction": "CN",
            "credit_code": factories.credit_code(),
        },
    )
    assert created.status_code == 302
    organisation_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    page = web.get(f"/organisations/{organisation_id}/clients").get_data(as_text=True)
    assert 'value="orders:write"' in page
    for staff_scope in ("review:write", "finance:read", "finance:write", "appraisal:write"):
        assert f'value="{staff_scope}"' not in page
