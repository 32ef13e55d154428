"""The API-client page offers an organisation only the scopes it can be granted."""

from __future__ import annotations

from market.identity.models import StaffRole
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


def test_a_refused_client_keeps_the_scopes_that_were_ticked(app, db):
    organisation = factories.organisation(db, factories.user(db, "ticked@example.cn"))
    db.commit()
    web = WebClient(app)
    web.log_in("ticked@example.cn", factories.PASSWORD)
    path = f"/organisations/{organisation.id}/clients"
    token = web.csrf_token(path)
    form = {"csrf_token": token, "name": "bad\u202ename", "scopes": ["org:read", "orders:read"]}
    page = web.raw.post(path, data=form)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'value="org:read" checked>' in html and 'value="orders:read" checked>' in html
    assert 'value="orders:write">' in html  # not ticked, not checked


def test_a_reviewer_reads_that_review_write_also_curates_search(app, db):
    reviewer = factories.user(db, "curator@example.cn", staff=(StaffRole.REVIEWER,))
    organisation = factories.organisation(db, reviewer, is_operator=True)
    db.commit()
    web = WebClient(app)
    web.log_in("curator@example.cn", factories.PASSWORD)
    path = f"/organisations/{organisation.id}/clients"
    english = web.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    chinese = web.get(path, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'value="review:write"' in english
    assert "search synonyms" in english and "同义词" in chinese
