"""A reviewer of a new revision of a mainland listing on sale sees the export pathway the last
approval recorded (pathway, evidence, who, when), on the page and in the review API, and the
page's checklist starts with it."""

from __future__ import annotations

import pytest

from market.db import utcnow
from market.listings import compliance, listings
from tests import factories
from tests.listings import factories as lf

EVIDENCE = "SC-4403-2026-0042"


@pytest.fixture
def revised(db, store, provider, staff):
    """A mainland listing on sale, approved under a standard contract, with a new revision in
    review."""
    listing = lf.draft_listing(
        db, store, *provider, staff, terms=lf.terms(cross_border=True, territory=["CN", "HK"])
    )
    listings.submit(db, listing, provider[1], utcnow())
    checklist = lf.review_data(
        cross_border_pathway="standard_contract", cross_border_evidence=EVIDENCE
    )
    compliance.decide(db, listing, staff, checklist, utcnow())
    listings.start_revision(db, listing, provider[1], utcnow())
    listings.submit(db, listing, provider[1], utcnow())
    db.commit()
    return listing


def test_the_review_api_answers_what_the_last_approval_recorded(
    client, db, revised, staff, operator, bearer
):
    headers = bearer(operator[0], ["review:write"])
    queue = client.raw.get("/api/v1/reviews/listings", headers=headers).get_json()
    (waiting,) = [item for item in queue if item["id"] == revised.id]
    assert waiting["pending"]["review"] is None
    recorded = waiting["live"]["review"]
    assert recorded["cross_border_pathway"] == "standard_contract"
    assert recorded["cross_border_evidence"] == EVIDENCE
    assert recorded["reviewer"] == {"id": staff.id, "name": staff.name}
    assert recorded["decided_at"]


def test_the_public_listing_does_not_name_the_reviewer(client, db, revised):
    answer = client.raw.get(f"/api/v1/listings/{revised.id}").get_json()
    assert "reviewer" not in answer["live"]["review"]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_review_page_shows_the_recorded_pathway_and_starts_with_it(
    client, db, revised, staff, language
):
    client.log_in(staff.email)
    page = client.get(f"/review/listings/{revised.id}", headers={"Accept-Language": language})
    html = page.get_data(as_text=True)
    recorded = html.split('data-testid="last-approval"')[1].split("</div>")[0]
    assert EVIDENCE in recorded
    assert staff.name in recorded
    label = "Standard contract filing" if language == "en" else "标准合同备案"
    assert label in recorded
    assert '<option value="standard_contract" selected>' in html
    assert f'value="{EVIDENCE}"' in html.split('data-testid="review-decision"')[1]
    # Who and when, parted as the page's language parts them (，in Chinese).
    approver = html.split('data-testid="last-approver">')[1].split("</dd>")[0]
    assert ("</span>, " if language == "en" else "</span>，") in approver


def test_the_reviewer_may_change_the_recorded_pathway(client, db, revised, staff):
    client.log_in(staff.email)
    path = f"/review/listings/{revised.id}"
    form = {
        "decision": "approved",
        "personal_info": "none",
        "important_data": "false",
        "cross_border_pathway": "exempt",
        "cross_border_evidence": "",
    }
    assert client.submit(path, form, page=path).status_code == 302
    db.refresh(revised)
    assert str(revised.live_revision.review.cross_border_pathway) == "exempt"


def _revise(db, listing, owner):
    listings.start_revision(db, listing, owner, utcnow())
    listings.submit(db, listing, owner, utcnow())
    db.commit()
    return listing


@pytest.fixture
def revised_at_home(db, store, provider, staff):
    """A mainland listing on sale with no cross-border use (so no export pathway), approved
    with personal information de-identified and important data, with a new revision in
    review."""
    checklist = lf.review_data(
        personal_info="deidentified",
        personal_info_note="Plates hashed before release",
        important_data=True,
        important_data_note="Traffic of a provincial trunk road",
    )
    listing = lf.published_listing(db, store, *provider, staff, review=checklist)
    return _revise(db, listing, provider[1])


@pytest.fixture
def revised_in_hong_kong(db, store, staff):
    """A Hong Kong provider's listing on sale, with a new revision in review."""
    owner = factories.user(db)
    organisation = factories.organisation(
        db, owner, jurisdiction="HK", registration_number="HK-78", name_en="Harbour Data Ltd"
    )
    checklist = lf.review_data(personal_info="lawful_basis", personal_info_note="Consent forms")
    listing = lf.published_listing(
        db, store, organisation, owner, staff, review=checklist, terms=lf.terms(territory=["HK"])
    )
    return _revise(db, listing, owner)


@pytest.mark.parametrize("language", ["en", "zh-Hant"])
def test_the_last_approval_is_shown_for_a_listing_with_no_export_pathway(
    client, db, revised_at_home, staff, language
):
    client.log_in(staff.email)
    page = client.get(
        f"/review/listings/{revised_at_home.id}", headers={"Accept-Language": language}
    )
    html = page.get_data(as_text=True)
    recorded = html.split('data-testid="last-approval"')[1].split("</div>")[0]
    assert "Plates hashed before release" in recorded
    assert "Traffic of a provincial trunk road" in recorded
    assert ("De-identified" if language == "en" else "已去標識化") in recorded
    assert staff.name in recorded
    assert 'data-testid="last-pathway"' not in recorded
    form = html.split('data-testid="review-decision"')[1]
    assert '<option value="deidentified" selected>' in form
    assert 'value="Plates hashed before release"' in form
    assert 'name="important_data" value="true" checked' in form
    assert "Traffic of a provincial trunk road" in form


@pytest.mark.parametrize("language", ["en", "zh-Hant"])
def test_the_last_approval_of_a_hong_kong_listing_says_nothing_of_important_data(
    client, db, revised_in_hong_kong, staff, language
):
    client.log_in(staff.email)
    page = client.get(
        f"/review/listings/{revised_in_hong_kong.id}", headers={"Accept-Language": language}
    )
    html = page.get_data(as_text=True)
    recorded = html.split('data-testid="last-approval"')[1].split("</div>")[0]
    assert "Consent forms" in recorded
    assert 'data-testid="last-important-data"' not in recorded
    assert 'data-testid="last-approver"' in recorded
    form = html.split('data-testid="review-decision"')[1]
    assert '<option value="lawful_basis" selected>' in form
    assert 'value="Consent forms"' in form


def test_the_review_api_answers_the_last_approval_s_notes(
    client, db, revised_at_home, operator, bearer
):
    headers = bearer(operator[0], ["review:write"])
    queue = client.raw.get("/api/v1/reviews/listings", headers=headers).get_json()
    (waiting,) = [item for item in queue if item["id"] == revised_at_home.id]
    recorded = waiting["live"]["review"]
    assert recorded["personal_info"] == "deidentified"
    assert recorded["personal_info_note"] == "Plates hashed before release"
    assert recorded["important_data"] is True
    assert recorded["important_data_note"] == "Traffic of a provincial trunk road"
