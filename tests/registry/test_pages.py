"""Registry pages through the test client: provider forms, reviewer conflict view, public pages."""

import hashlib
import io

import pytest
from babel.dates import format_datetime

from market.db import utcnow
from market.identity.models import StaffRole
from market.registry import claims
from market.registry.claims import CHINA
from market.registry.models import Asset, Claim, ClaimState
from tests import factories
from tests.registry import factories as rf
from tests.web import WebClient


@pytest.fixture
def member(client, db):
    """A signed-in provider: ``(client, organisation)``."""
    organisation, user = rf.provider(db)
    db.commit()
    client.log_in(user.email)
    return client, organisation


def test_provider_registers_uploads_and_claims(member, db):
    client, organisation = member
    response = client.submit(
        "/registry/assets/new",
        {
            "organisation_id": organisation.id,
            "kind": "dataset",
            "title_zh": "深圳气象观测",
            "title_en": "Shenzhen weather observations",
            "industry": "meteorology",
            "keywords": "气象, weather",
            "field_schema": "station: string: 站点\ntemp: float",
            "personal_info": "none",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    asset = db.query(Asset).one()
    assert asset.keywords == ["气象", "weather"] and asset.field_schema[1]["type"] == "float"
    db.commit()  # SQLite: every transaction holds the write lock; end it before the next request
    upload = client.submit(
        f"/registry/assets/{asset.id}/files",
        {"file": (io.BytesIO(b"station,temp\nFT,21.5\n"), "obs.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    page = client.get(f"/registry/assets/{asset.id}").get_data(as_text=True)
    assert hashlib.sha256(b"station,temp\nFT,21.5\n").hexdigest() in page
    created = client.submit(
        f"/registry/assets/{asset.id}/claims/new",
        {"rights": ["holding", "product_operation"], "source": "self_collected"},
    )
    assert created.status_code == 302
    claim = db.query(Claim).one()
    db.commit()
    refused = client.submit(f"/registry/claims/{claim.id}/moves", {"action": "submit"})
    assert refused.status_code == 422  # no evidence yet
    client.submit(
        f"/registry/claims/{claim.id}/evidence",
        {"evidence": (io.BytesIO(rf.PDF), "licence.pdf")},
        content_type="multipart/form-data",
    )
    assert (
        client.submit(f"/registry/claims/{claim.id}/moves", {"action": "submit"}).status_code == 302
    )
    db.expire_all()
    assert db.get(Claim, claim.id).state == ClaimState.SUBMITTED


def test_type_mismatch_on_the_page_names_the_field(member, db):
    client, organisation = member
    user = organisation.memberships[0].user
    asset = rf.asset(db, organisation, user)
    db.commit()
    response = client.submit(
        f"/registry/assets/{asset.id}/files",
        {"file": (io.BytesIO(b"not a png"), "photo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_another_organisations_asset_page_is_404(member, db):
    client, _organisation = member
    other, user = rf.provider(db)
    asset = rf.asset(db, other, user)
    db.commit()
    assert client.get(f"/registry/assets/{asset.id}").status_code == 404


def test_reviewer_sees_conflicts_side_by_side(client, db, store):
    staff = factories.user(db, staff=(StaffRole.REVIEWER,))
    shared = rf.csv("a,b\n1,2\n")
    first = rf.advance(
        db, rf.draft(db, store, files={"x.csv": shared}), ClaimState.SUBMITTED, staff
    )
    second = rf.advance(
        db,
        rf.draft(db, store, files={"y.csv": shared, "z.csv": rf.csv()}),
        ClaimState.SUBMITTED,
        staff,
    )
    db.commit()
    client.log_in(staff.email)
    queue = client.get("/review/claims?conflicts=yes").get_data(as_text=True)
    assert f"/review/claims/{second.id}" in queue
    page = client.get(f"/review/claims/{second.id}").get_data(as_text=True)
    assert 'data-testid="conflicts"' in page and f"#{first.id}" in page
    assert 'data-testid="shared-file"' in page
    response = client.submit(
        f"/review/claims/{second.id}/decision", {"action": "approve", "reason": "x"}
    )
    assert response.status_code == 409  # not under review yet


def test_reviewer_pages_need_the_role(member):
    client, _organisation = member
    assert client.get("/review/claims").status_code == 403


def test_notice_board_and_objection_form(client, db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff, now=utcnow())
    organisation, user = rf.provider(db)
    db.commit()
    board = client.get("/notices").get_data(as_text=True)
    assert f"/notices/{claim.id}" in board and 'data-testid="chain-hash"' in board
    client.log_in(user.email)
    response = client.submit(
        f"/notices/{claim.id}/objections",
        {"organisation_id": organisation.id, "reasons": "这些数据是我们采集的。We collected it."},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.expire_all()
    assert len(db.get(Claim, claim.id).objections) == 1


def test_unknown_certificate_page_is_404(client):
    assert client.get("/verify/SZDX-2026-000404").status_code == 404


def test_printable_certificate_has_a_qr_code(client, db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.CERTIFIED, staff)
    number = claim.certificate.number
    db.commit()
    page = client.get(f"/certificates/{number}/print").get_data(as_text=True)
    assert "<svg" in page and f"http://shujiao.test/verify/{number}" in page


def test_a_claim_in_public_notice_says_when_and_why_it_is_certified(client, db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff, now=utcnow())
    ends = claim.notice_ends_at
    db.commit()
    client.log_in(rf.user_of(claim).email)
    page = client.get(f"/registry/claims/{claim.id}").get_data(as_text=True)
    explained = page.split('data-testid="notice-explained"')[1].split("</div>")[0]
    shown = format_datetime(ends, "yyyy-MM-dd HH:mm", tzinfo=CHINA, locale="zh_CN")
    assert f"公示期：证书将于 {shown}" in explained
    assert "公示 5 个工作日" in explained and "自动签发" in explained
    assert f'href="/notices/{claim.id}"' in explained
    english = client.get(f"/registry/claims/{claim.id}", headers={"Accept-Language": "en"})
    assert "for 5 working days" in english.get_data(as_text=True)
    # An objection filed in the meantime: the page says the certificate waits for it.
    organisation, user = rf.provider(db)
    db.commit()
    objector = type(client)(client.app)
    objector.log_in(user.email)
    filed = objector.submit(
        f"/notices/{claim.id}/objections",
        {"organisation_id": organisation.id, "reasons": "这些数据是我们采集的。"},
        content_type="multipart/form-data",
    )
    assert filed.status_code == 302
    page = client.get(f"/registry/claims/{claim.id}").get_data(as_text=True)
    assert "证书将在决定后处理" in page


def test_a_claim_before_or_after_notice_has_no_notice_card(client, db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.CERTIFIED, staff, now=utcnow())
    db.commit()
    client.log_in(rf.user_of(claim).email)
    page = client.get(f"/registry/claims/{claim.id}").get_data(as_text=True)
    assert 'data-testid="notice-explained"' not in page


def test_the_objector_sees_its_objection_on_the_notice_and_no_one_else_does(
    app, client, db, store, staff
):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff, now=utcnow())
    organisation, user = rf.provider(db)
    _other, bystander = rf.provider(db)
    db.commit()
    client.log_in(user.email)
    page = f"/notices/{claim.id}"
    before = client.get(page).get_data(as_text=True)
    assert 'data-testid="my-objections"' not in before
    response = client.submit(
        f"{page}/objections",
        {"organisation_id": organisation.id, "reasons": "采集记录 7731 在我方。"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    after = client.get(page).get_data(as_text=True)
    assert after.count('data-testid="my-objection"') == 1
    assert "采集记录 7731 在我方。" in after and "待处理" in after
    assert "再提出一项异议" in after
    count = after.split('data-testid="objection-count"')[1].split("</p>")[0]
    assert "已提出的异议：1" in count and "待审核员裁决：1" in count
    other = WebClient(app)
    other.log_in(bystander.email)
    seen = other.get(page).get_data(as_text=True)
    assert "7731" not in seen and 'data-testid="my-objections"' not in seen


def test_reviewers_find_the_claims_with_an_objection_awaiting_a_decision(client, db, store, staff):
    objected = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff, now=utcnow())
    quiet = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff, now=utcnow())
    objector, objector_user = rf.provider(db)
    claims.file_objection(
        db, store, objected, objector.id, objector_user, "我方采集。", [], rf.MAX_BYTES, utcnow()
    )
    db.commit()
    client.log_in(staff.email)
    home = client.get("/review/claims").get_data(as_text=True)
    assert 'data-testid="objection-queue"' in home
    queue = client.get("/review/claims?objections=open").get_data(as_text=True)
    assert f'/review/claims/{objected.id}"' in queue
    assert f'/review/claims/{quiet.id}"' not in queue
    assert '<td data-testid="open-objections"><strong class="error">1</strong>' in queue


def test_a_failed_claim_no_longer_advertises_its_notice_end(client, db, store, staff):
    claim = rf.advance(db, rf.draft(db, store), ClaimState.PUBLIC_NOTICE, staff, now=utcnow())
    objector, objector_user = rf.provider(db)
    claims.file_objection(
        db, store, claim, objector.id, objector_user, "我方采集。", [], rf.MAX_BYTES, utcnow()
    )
    owner = claim.organisation.memberships[0].user
    db.commit()
    client.log_in(owner.email)
    assert "Public notice until" in client.get(
        f"/registry/claims/{claim.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    db.rollback()
    claims.decide_objection(db, claim.objections[0], staff, True, "属实", utcnow())
    db.commit()
    page = client.get(f"/registry/claims/{claim.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Failed" in html and "Public notice until" not in html


def test_the_asset_page_shows_what_was_registered(member, db):
    client, organisation = member
    response = client.submit(
        "/registry/assets/new",
        {
            "organisation_id": organisation.id,
            "kind": "dataset",
            "title_zh": "深圳空气质量",
            "title_en": "Shenzhen air quality",
            "description_zh": "第一行\n第二行",
            "industry": "meteorology",
            "temporal_start": "2025-01-01",
            "temporal_end": "2025-12-31",
            "spatial_coverage": "shenzhen",
            "update_frequency": "daily",
            "data_format": "CSV",
            "record_count": "8,000",
            "personal_info": "none",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    asset = db.query(Asset).one()
    db.commit()
    page = client.get(f"/registry/assets/{asset.id}").get_data(as_text=True)
    facts = page.split('data-testid="asset-facts"', 1)[1].split("</table>", 1)[0]
    for shown in ("8,000", "每日", "CSV", "2025-01-01", "2025-12-31", "深圳"):
        assert shown in facts, shown
    assert '<p lang="zh-Hans" class="lines">第一行\n第二行</p>' in page


def test_the_claim_form_reports_no_right_and_no_source_at_once(member, db, store):
    client, organisation = member
    owner = organisation.memberships[0].user
    asset = rf.asset(db, organisation, owner)
    rf.version(db, store, asset, owner)
    db.commit()
    response = client.submit(f"/registry/assets/{asset.id}/claims/new", {"source": "derived"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="rights-error"' in html and 'id="source_references-error"' in html
    assert db.query(Claim).count() == 0
