"""An owner invites with the least privilege by default, sees the invitations still waiting
for an answer, and can withdraw one (its link stops working)."""

import re

import sqlalchemy as sa

from market.identity import services
from market.identity.models import Invitation, MemberRole, Membership
from tests import factories
from tests.web import mailed_link

EN = {"Accept-Language": "en"}


def _owner(client, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    client.log_in("owner@example.cn")
    return organisation, owner


def test_the_invitation_role_defaults_to_member(client, db):
    organisation, _owner_user = _owner(client, db)
    html = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    select = re.search(r'<select id="role".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="member"\s+selected', select)
    assert 'value="admin" selected' not in select
    assert select.index('"member"') < select.index('"admin"')


def test_the_owner_sees_and_withdraws_a_pending_invitation(client, app, db):
    organisation, owner = _owner(client, db)
    _invitation, token = services.invite(
        db, organisation, owner, "colleague@example.cn", MemberRole.MEMBER, "http://x"
    )
    db.commit()
    page = f"/organisations/{organisation.id}"
    html = client.get(page, headers=EN).get_data(as_text=True)
    assert html.count('data-testid="pending-invitation"') == 1
    assert "colleague@example.cn" in html
    invitation_id = db.scalar(sa.select(Invitation.id))
    db.rollback()
    withdrawn = client.submit(
        f"{page}/invitations/{invitation_id}/revoke", {}, page=page, headers=EN
    )
    assert withdrawn.status_code == 302
    after = client.get(page, headers=EN).get_data(as_text=True)
    assert 'data-testid="pending-invitation"' not in after
    invitee = type(client)(app)
    invitee.sign_up("colleague@example.cn")
    assert invitee.get(f"/invitations/{token}").status_code == 404


def test_a_member_sees_no_invitations_and_cannot_withdraw(client, app, db):
    organisation, owner = _owner(client, db)
    _invitation, _token = services.invite(
        db, organisation, owner, "x@example.cn", MemberRole.MEMBER, "http://x"
    )
    member = factories.user(db, "member@example.cn")
    organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.commit()
    invitation_id = db.scalar(sa.select(Invitation.id))
    page = f"/organisations/{organisation.id}"
    db.rollback()  # the test's reads end before the pages write (SQLite)
    other = type(client)(app)
    other.log_in("member@example.cn")
    assert 'data-testid="pending-invitations"' not in other.get(page).get_data(as_text=True)
    refused = other.submit(f"{page}/invitations/{invitation_id}/revoke", {}, page=page)
    assert refused.status_code == 403, refused.get_data(as_text=True)[-600:]


def test_the_owner_sends_an_invitation_again_with_a_new_link(client, app, db):
    organisation, owner = _owner(client, db)
    _invitation, old_token = services.invite(
        db, organisation, owner, "again@example.cn", MemberRole.MEMBER, "http://x"
    )
    db.commit()
    page = f"/organisations/{organisation.id}"
    html = client.get(page, headers=EN).get_data(as_text=True)
    assert 'data-testid="resend-invitation"' in html
    invitation_id = db.scalar(sa.select(Invitation.id))
    db.rollback()
    sent = client.submit(f"{page}/invitations/{invitation_id}/resend", {}, page=page)
    assert sent.status_code == 302
    invitee = type(client)(app)
    invitee.sign_up("again@example.cn")
    link = mailed_link(app, "again@example.cn", "Invitation")
    assert link != f"/invitations/{old_token}"
    assert invitee.get(f"/invitations/{old_token}").status_code == 404
    assert invitee.get(link).status_code == 200
    assert invitee.submit(link, {}, page=link).status_code == 302
    db.expire_all()
    assert db.scalar(sa.select(Invitation.accepted_at)) is not None
    db.rollback()
    again = client.submit(f"{page}/invitations/{invitation_id}/resend", {}, page=page)
    assert again.status_code == 409  # accepted: nothing left to send


def test_only_an_administrator_sends_an_invitation_again(client, app, db):
    organisation, owner = _owner(client, db)
    services.invite(db, organisation, owner, "y@example.cn", MemberRole.MEMBER, "http://x")
    member = factories.user(db, "plain@example.cn")
    organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.commit()
    invitation_id = db.scalar(sa.select(Invitation.id))
    page = f"/organisations/{organisation.id}"
    db.rollback()
    other = type(client)(app)
    other.log_in("plain@example.cn")
    refused = other.submit(f"{page}/invitations/{invitation_id}/resend", {}, page=page)
    assert refused.status_code == 403
    assert client.submit(f"{page}/invitations/999999/resend", {}, page=page).status_code == 404
