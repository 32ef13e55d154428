"""The compliance checklist names everything it refuses at once, and an exemption from the
cross-border rules is not asked for a filing number it does not have."""

from __future__ import annotations

import pytest

from market.db import utcnow
from market.errors import InvalidInput
from market.listings import compliance, listings
from market.listings.models import ListingStatus
from tests import factories
from tests.listings import factories as lf


@pytest.fixture
def cross_border(db, store, provider, staff):
    listing = lf.draft_listing(
        db, store, *provider, staff, terms=lf.terms(cross_border=True, territory=["CN", "HK"])
    )
    listings.submit(db, listing, provider[1], utcnow())
    db.commit()
    return listing


def test_every_refusal_is_named_at_once(db, cross_border, staff):
    review = lf.review_data(important_data=True)
    with pytest.raises(InvalidInput) as refused:
        compliance.decide(db, cross_border, staff, review, utcnow())
    # No evidence is asked before a pathway is chosen: whether there is any depends on which.
    assert set(refused.value.errors) == {"important_data_note", "cross_border_pathway"}


def test_an_exemption_needs_no_filing_number(db, cross_border, staff):
    review = lf.review_data(cross_border_pathway="exempt")
    compliance.decide(db, cross_border, staff, review, utcnow())
    assert cross_border.status == ListingStatus.PUBLISHED


def test_the_review_page_shows_every_refusal_and_keeps_the_pathway(client, db, cross_border, staff):
    client.log_in(staff.email)
    path = f"/review/listings/{cross_border.id}"
    form = {
        "decision": "approved",
        "personal_info": "none",
        "important_data": "true",
        "cross_border_pathway": "standard_contract",
    }
    response = client.submit(path, form, page=path)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="important_data_note-error"' in html
    assert 'id="cross_border_pathway-error"' in html  # important data needs an assessment
    # A pathway that does not apply is refused without asking for its filing number.
    assert 'id="cross_border_evidence-error"' not in html
    assert '<option value="standard_contract" selected>' in html
    assert 'name="important_data" value="true" checked' in html


def test_the_review_page_keeps_the_personal_information_finding(client, db, cross_border, staff):
    client.log_in(staff.email)
    path = f"/review/listings/{cross_border.id}"
    form = {"decision": "approved", "personal_info": "lawful_basis", "important_data": "false"}
    response = client.submit(path, form, page=path)
    assert response.status_code == 422  # the lawful basis is not recorded
    html = response.get_data(as_text=True)
    assert '<option value="lawful_basis" selected>' in html
    assert 'name="important_data" value="true" checked' not in html


def _decide_by_api(client, listing, operator, bearer, **checklist):
    headers = {**bearer(operator[0], ["review:write"]), "Accept-Language": "en"}
    body = {"decision": "approved", "personal_info": "none", "important_data": False, **checklist}
    return client.raw.post(f"/api/v1/reviews/listings/{listing.id}", json=body, headers=headers)


NO_PATHWAY = "The terms allow cross-border use: record the export pathway."
ASSESSMENT_ONLY = "Important data leaves the mainland only after a CAC security assessment."


@pytest.mark.parametrize(
    ("checklist", "errors"),
    [
        ({}, {"cross_border_pathway": [NO_PATHWAY]}),
        (
            {"cross_border_pathway": "exempt", "important_data": True, "important_data_note": "x"},
            {"cross_border_pathway": [ASSESSMENT_ONLY]},
        ),
        (
            {"cross_border_pathway": "certification", "important_data": True,
             "important_data_note": "x"},
            {"cross_border_pathway": [ASSESSMENT_ONLY]},
        ),
        (
            {"cross_border_pathway": "standard_contract"},
            {"cross_border_evidence": [
                "Record the filing number of the standard contract (the evidence of this "
                "pathway)."
            ]},
        ),
        (
            {"cross_border_pathway": "certification"},
            {"cross_border_evidence": [
                "Record the number of the personal information protection certificate (the "
                "evidence of this pathway)."
            ]},
        ),
        (
            {"cross_border_pathway": "security_assessment"},
            {"cross_border_evidence": [
                "Record the approval number of the CAC security assessment (the evidence of "
                "this pathway)."
            ]},
        ),
    ],
)  # fmt: skip
def test_each_pathway_is_refused_for_exactly_what_it_lacks(
    client, db, cross_border, operator, bearer, checklist, errors
):
    response = _decide_by_api(client, cross_border, operator, bearer, **checklist)
    assert response.status_code == 422
    assert response.get_json()["errors"] == errors


def test_the_page_refuses_an_exemption_for_important_data_without_asking_for_evidence(
    client, db, cross_border, staff
):
    client.log_in(staff.email)
    path = f"/review/listings/{cross_border.id}"
    form = {
        "decision": "approved",
        "personal_info": "none",
        "important_data": "true",
        "important_data_note": "Road network flows",
        "cross_border_pathway": "exempt",
    }
    response = client.submit(path, form, page=path, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert ASSESSMENT_ONLY in html
    assert 'id="cross_border_evidence-error"' not in html
    assert "filing number" not in html.split('id="cross_border_pathway-error"')[1].split("</")[0]


@pytest.fixture
def hong_kong_cross_border(db, store, staff):
    """A Hong Kong provider's listing in review, its terms allowing use anywhere."""
    owner = factories.user(db)
    organisation = factories.organisation(
        db, owner, jurisdiction="HK", registration_number="HK-77", name_en="Harbour Data Ltd"
    )
    listing = lf.draft_listing(
        db, store, organisation, owner, staff, terms=lf.terms(cross_border=True, territory=["*"])
    )
    listings.submit(db, listing, owner, utcnow())
    db.commit()
    return listing


def test_a_hong_kong_provider_s_listing_is_approved_without_an_export_pathway(
    db, hong_kong_cross_border, staff
):
    # Its data does not leave the mainland: the mainland's export pathway does not apply.
    compliance.decide(db, hong_kong_cross_border, staff, lf.review_data(), utcnow())
    assert hong_kong_cross_border.status == ListingStatus.PUBLISHED


DECISIONS = [
    {"decision": "approved"},
    {"decision": "changes_requested", "reason": "The sample is empty."},
]


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize(
    "sent",
    [{"cross_border_pathway": "exempt"}, {"cross_border_evidence": "SC-2026-0001"}],
)
def test_an_export_pathway_for_a_hong_kong_provider_is_refused_by_name(
    client, db, hong_kong_cross_border, operator, bearer, sent, decision
):
    headers = {**bearer(operator[0], ["review:write"]), "Accept-Language": "en"}
    body = {**decision, "personal_info": "none", "important_data": False, **sent}
    response = client.raw.post(
        f"/api/v1/reviews/listings/{hong_kong_cross_border.id}", json=body, headers=headers
    )
    assert response.status_code == 422
    (field,) = sent
    assert response.get_json()["errors"][field] == [
        "The provider is registered outside mainland China: its data does not leave the "
        "mainland, so no export pathway is recorded."
    ]
    db.refresh(hong_kong_cross_border)
    assert hong_kong_cross_border.status != ListingStatus.PUBLISHED
    assert hong_kong_cross_border.latest_revision.review is None


def test_a_request_for_changes_without_a_reason_also_names_the_pathway(
    client, db, hong_kong_cross_border, operator, bearer
):
    headers = {**bearer(operator[0], ["review:write"]), "Accept-Language": "en"}
    body = {
        "decision": "changes_requested",
        "personal_info": "none",
        "cross_border_pathway": "standard_contract",
        "cross_border_evidence": "SC-2026-0001",
    }
    response = client.raw.post(
        f"/api/v1/reviews/listings/{hong_kong_cross_border.id}", json=body, headers=headers
    )
    assert response.status_code == 422
    errors = set(response.get_json()["errors"])
    assert errors == {"reason", "cross_border_pathway", "cross_border_evidence"}


@pytest.mark.parametrize("language", ["en", "zh-Hant"])
def test_the_review_page_refuses_a_pathway_of_a_hong_kong_provider_s_changes(
    client, db, hong_kong_cross_border, staff, language
):
    client.log_in(staff.email)
    path = f"/review/listings/{hong_kong_cross_border.id}"
    form = {
        "decision": "changes_requested",
        "reason": "The sample is empty.",
        "personal_info": "none",
        "cross_border_pathway": "standard_contract",
        "cross_border_evidence": "SC-2026-0001",
    }
    response = client.submit(path, form, page=path, headers={"Accept-Language": language})
    assert response.status_code == 422
    refusal = {"en": "so no export pathway is recorded", "zh-Hant": "數據不會出境"}[language]
    assert refusal in response.get_data(as_text=True)
    db.refresh(hong_kong_cross_border)
    assert hong_kong_cross_border.latest_revision.review is None


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_review_page_asks_only_a_mainland_provider_for_a_pathway(
    client, db, cross_border, hong_kong_cross_border, staff, language
):
    client.log_in(staff.email)
    headers = {"Accept-Language": language}
    mainland = client.get(f"/review/listings/{cross_border.id}", headers=headers)
    assert 'name="cross_border_pathway"' in mainland.get_data(as_text=True)
    hong_kong = client.get(f"/review/listings/{hong_kong_cross_border.id}", headers=headers)
    html = hong_kong.get_data(as_text=True)
    assert 'name="cross_border_pathway"' not in html
    assert 'name="cross_border_evidence"' not in html
    assert 'data-testid="no-export-pathway"' in html
    path = f"/review/listings/{hong_kong_cross_border.id}"
    form = {"decision": "approved", "personal_info": "none", "important_data": "false"}
    assert client.submit(path, form, page=path).status_code == 302


@pytest.mark.parametrize("language", ["en", "zh-Hant"])
def test_the_review_page_asks_no_important_data_of_a_hong_kong_provider(
    client, db, cross_border, hong_kong_cross_border, staff, language
):
    client.log_in(staff.email)
    headers = {"Accept-Language": language}
    mainland = client.get(f"/review/listings/{cross_border.id}", headers=headers)
    assert 'name="important_data"' in mainland.get_data(as_text=True)
    html = client.get(f"/review/listings/{hong_kong_cross_border.id}", headers=headers).get_data(
        as_text=True
    )
    assert 'name="important_data"' not in html
    assert 'name="important_data_note"' not in html
    assert ("· Important data:" if language == "en" else "· 重要數據：") not in html
    assert 'data-testid="no-important-data"' in html
    path = f"/review/listings/{hong_kong_cross_border.id}"
    form = {"decision": "approved", "personal_info": "none"}
    assert client.submit(path, form, page=path).status_code == 302
    db.refresh(hong_kong_cross_border)
    assert hong_kong_cross_border.status == ListingStatus.PUBLISHED
    assert hong_kong_cross_border.live_revision.review.important_data is False


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize(
    "sent", [{"important_data": True}, {"important_data_note": "critical infrastructure"}]
)
def test_important_data_for_a_hong_kong_provider_is_refused_by_name(
    client, db, hong_kong_cross_border, operator, bearer, sent, decision
):
    headers = {**bearer(operator[0], ["review:write"]), "Accept-Language": "en"}
    body = {**decision, "personal_info": "none", **sent}
    response = client.raw.post(
        f"/api/v1/reviews/listings/{hong_kong_cross_border.id}", json=body, headers=headers
    )
    assert response.status_code == 422
    (field,) = sent
    assert response.get_json()["errors"][field] == [
        "Important data is a category of mainland China's data security rules: the provider "
        "is registered outside mainland China, so none is recorded."
    ]
    db.refresh(hong_kong_cross_border)
    assert hong_kong_cross_border.status != ListingStatus.PUBLISHED
    assert hong_kong_cross_border.latest_revision.review is None


def test_a_request_for_changes_without_a_reason_also_names_important_data(
    client, db, hong_kong_cross_border, operator, bearer
):
    headers = {**bearer(operator[0], ["review:write"]), "Accept-Language": "en"}
    body = {"decision": "changes_requested", "personal_info": "none", "important_data": True}
    response = client.raw.post(
        f"/api/v1/reviews/listings/{hong_kong_cross_border.id}", json=body, headers=headers
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"reason", "important_data"}


@pytest.mark.parametrize("language", ["en", "zh-Hant"])
def test_the_review_page_refuses_important_data_of_a_hong_kong_provider_s_changes(
    client, db, hong_kong_cross_border, staff, language
):
    client.log_in(staff.email)
    path = f"/review/listings/{hong_kong_cross_border.id}"
    form = {
        "decision": "changes_requested",
        "reason": "The sample is empty.",
        "personal_info": "none",
        "important_data": "true",
        "important_data_note": "critical infrastructure",
    }
    response = client.submit(path, form, page=path, headers={"Accept-Language": language})
    assert response.status_code == 422
    refusal = {
        "en": "Important data is a category of mainland China&#39;s data security rules",
        "zh-Hant": "重要數據",
    }[language]
    assert refusal in response.get_data(as_text=True)
    db.refresh(hong_kong_cross_border)
    assert hong_kong_cross_border.latest_revision.review is None


def test_a_mainland_provider_s_review_must_say_whether_it_is_important_data(
    client, db, cross_border, operator, bearer
):
    headers = {**bearer(operator[0], ["review:write"]), "Accept-Language": "en"}
    body = {
        "decision": "approved",
        "personal_info": "none",
        "cross_border_pathway": "exempt",
    }
    response = client.raw.post(
        f"/api/v1/reviews/listings/{cross_border.id}", json=body, headers=headers
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["important_data"] == [
        "Say whether the data is important data."
    ]
