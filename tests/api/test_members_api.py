"""Members and invitations through the API, for owners' and admins' clients."""

from __future__ import annotations

import sqlalchemy as sa

from market.db import utcnow
from market.identity.models import Invitation, MemberRole, Membership
from tests import factories


def _headers(app, db, organisation, creator, scopes=("org:read", "org:write")):
    client, secret = factories.api_client(db, organisation, list(scopes), creator)
    db.commit()
    return {
        "Authorization": f"Bearer {factories.token(app.test_client(), client.client_id, secret)}"
    }


def test_owner_removes_a_member_but_never_the_last_owner(app, db):
    owner = factories.user(db)
    organisation = factories.organisation(db, owner)
    member = factories.user(db)
    organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.commit()
    headers = _headers(app, db, organisation, owner)
    api = app.test_client()
    base = f"/api/v1/organisations/{organisation.id}/members"
    assert api.delete(f"{base}/{member.id}", headers=headers).status_code == 200
    assert api.delete(f"{base}/{member.id}", headers=headers).status_code == 404
    last = api.delete(f"{base}/{owner.id}", headers=headers)
    assert last.status_code == 409
    assert "user_id" in last.get_json()["errors"]
    ids = db.scalars(
        sa.select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    )
    assert list(ids) == [owner.id]
    db.commit()


def test_invitations_are_sent_and_withdrawn_by_admins_only(app, db):
    owner = factories.user(db)
    organisation = factories.organisation(db, owner)
    member = factories.user(db)
    organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.commit()
    api = app.test_client()
    base = f"/api/v1/organisations/{organisation.id}/invitations"
    plain = _headers(app, db, organisation, member)
    assert api.post(base, headers=plain, json={"email": "x@example.cn"}).status_code == 403
    headers = _headers(app, db, organisation, owner)
    sent = api.post(base, headers=headers, json={"email": "new@example.cn", "role": "admin"})
    assert sent.status_code == 201
    invitation_id = sent.get_json()["id"]
    withdrawn = api.delete(f"{base}/{invitation_id}", headers=headers)
    assert withdrawn.status_code == 200
    expires = db.scalar(sa.select(Invitation.expires_at).where(Invitation.id == invitation_id))
    db.commit()
    assert expires <= utcnow()
    # Actions are not repeated silently: the second withdrawal finds nothing open.
    again = api.delete(f"{base}/{invitation_id}", headers=headers)
    assert again.status_code == 409, again.get_json()
    assert again.get_json()["errors"] == {"state": ["expired"], "action": ["withdraw"]}
    assert api.delete(f"{base}/999999", headers=headers).status_code == 404


def test_an_address_with_an_open_invitation_is_not_invited_twice(app, db):
    owner = factories.user(db)
    organisation = factories.organisation(db, owner)
    db.commit()
    api = app.test_client()
    base = f"/api/v1/organisations/{organisation.id}/invitations"
    headers = _headers(app, db, organisation, owner)
    assert api.post(base, headers=headers, json={"email": "twice@example.cn"}).status_code == 201
    twice = api.post(base, headers=headers, json={"email": "Twice@Example.cn"})
    assert twice.status_code == 409, twice.get_json()
    assert list(twice.get_json()["errors"]) == ["email"]


def test_an_invitation_is_sent_again_with_a_new_lifetime_by_admins_only(app, db):
    owner = factories.user(db)
    organisation = factories.organisation(db, owner)
    member = factories.user(db)
    organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.commit()
    api = app.test_client()
    base = f"/api/v1/organisations/{organisation.id}/invitations"
    headers = _headers(app, db, organisation, owner)
    sent = api.post(base, headers=headers, json={"email": "late@example.cn"})
    invitation_id = sent.get_json()["id"]
    api.delete(f"{base}/{invitation_id}", headers=headers)  # lapsed: withdrawn
    plain = _headers(app, db, organisation, member)
    assert api.post(f"{base}/{invitation_id}/resend", headers=plain).status_code == 403
    again = api.post(f"{base}/{invitation_id}/resend", headers=headers)
    assert again.status_code == 200, again.get_json()
    expires = db.scalar(sa.select(Invitation.expires_at).where(Invitation.id == invitation_id))
    db.commit()
    assert expires > utcnow()
    assert api.post(f"{base}/999999/resend", headers=headers).status_code == 404
