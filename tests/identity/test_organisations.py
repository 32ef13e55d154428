"""Organisations: registration with credit codes, members and invitations."""

import email
from pathlib import Path

import pytest
import sqlalchemy as sa

from market import worker
from market.identity import services
from market.identity.models import MemberRole, Membership, Organisation
from tests import factories

MAINLAND = {
    "name_zh": "深圳测试数据有限公司",
    "name_en": "Shenzhen Test Data Co., Ltd.",
    "jurisdiction": "CN",
}


def _organisations(db) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Organisation))


def test_mainland_organisation_with_a_valid_code(client, db):
    client.sign_up("owner@example.cn")
    code = factories.credit_code()
    response = client.submit("/organisations/new", MAINLAND | {"credit_code": code.lower()})
    assert response.status_code == 302
    organisation = db.scalar(sa.select(Organisation))
    assert organisation.credit_code == code
    assert organisation.verified_at is None
    assert organisation.memberships[0].role.value == "owner"


def test_bad_check_character_is_refused_naming_the_field(client, db):
    client.sign_up("owner@example.cn")
    code = factories.credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.submit("/organisations/new", MAINLAND | {"credit_code": wrong})
    assert response.status_code == 422
    assert 'id="credit_code-error"' in response.get_data(as_text=True)
    assert _organisations(db) == 0


def test_mainland_organisation_needs_a_code(client, db):
    client.sign_up("owner@example.cn")
    response = client.submit("/organisations/new", MAINLAND)
    assert response.status_code == 422
    assert _organisations(db) == 0


def test_hong_kong_organisation_needs_no_code_and_may_not_give_one(client, db):
    client.sign_up("owner@example.hk")
    hong_kong = {"name_zh": "香港數據有限公司", "name_en": "HK Data Limited", "jurisdiction": "HK"}
    refused = client.submit(
        "/organisations/new", hong_kong | {"credit_code": factories.credit_code()}
    )
    assert refused.status_code == 422
    assert client.submit("/organisations/new", hong_kong).status_code == 302
    assert db.scalar(sa.select(Organisation.jurisdiction)) == "HK"


def test_unknown_jurisdiction_is_refused(client, db):
    client.sign_up("owner@example.cn")
    response = client.submit("/organisations/new", MAINLAND | {"jurisdiction": "XX"})
    assert response.status_code == 422
    assert _organisations(db) == 0


def test_invitation_is_mailed_and_accepted(client, app, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    client.log_in("owner@example.cn")
    response = client.submit(
        f"/organisations/{organisation.id}/invitations",
        {"email": "New@Example.cn", "role": "admin"},
    )
    assert response.status_code == 302
    assert worker.run_once(app) == 1
    mails = list((Path(app.config["INSTANCE_PATH"]) / "mail").glob("*.eml"))
    assert len(mails) == 1
    body = email.message_from_bytes(mails[0].read_bytes()).get_payload(decode=True).decode()
    link = factories.extract_link(body)
    invitee = type(client)(app)
    invitee.sign_up("new@example.cn")
    path = link.removeprefix(app.config["BASE_URL"])
    assert invitee.submit(path, {}, page=path).status_code == 302
    db.expire_all()
    roles = {m.user.email_key: m.role.value for m in db.scalars(sa.select(Membership))}
    assert roles == {"owner@example.cn": "owner", "new@example.cn": "admin"}


def test_invitation_for_someone_else_is_refused(client, app, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    _invitation, token = services.invite(
        db, organisation, owner, "b@example.cn", MemberRole.MEMBER, "http://x"
    )
    db.commit()
    stranger = type(client)(app)
    stranger.sign_up("c@example.cn")
    response = stranger.submit(f"/invitations/{token}", {}, page=f"/invitations/{token}")
    assert response.status_code == 403


def test_members_cannot_invite(client, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner)
    member = factories.user(db, "member@example.cn")
    organisation.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.commit()
    client.log_in("member@example.cn")
    response = client.submit(
        f"/organisations/{organisation.id}/invitations", {"email": "x@example.cn"}
    )
    assert response.status_code == 403


def test_outsiders_do_not_see_an_organisation(client, db):
    organisation = factories.organisation(db)
    factories.user(db, "outsider@example.cn")
    db.commit()
    client.log_in("outsider@example.cn")
    assert client.get(f"/organisations/{organisation.id}").status_code == 404


def test_empty_optional_fields_mean_not_given(client, db):
    client.sign_up("owner@example.cn")
    form = MAINLAND | {
        "credit_code": factories.credit_code(),
        "website": "",
        "registration_number": "",
    }
    assert client.submit("/organisations/new", form).status_code == 302
    assert db.scalar(sa.select(Organisation.website)) is None


@pytest.mark.parametrize(
    "name",
    [
        "数据\r\nBcc: victim@example.cn",
        "Line\nbreak Co.",
        "Tab\tCo.",
        "Nul\x00 Co.",
        "Sep\u2028Co.",
    ],
    ids=["crlf", "lf", "tab", "nul", "line-separator"],
)
def test_an_organisation_name_must_be_one_printable_line(client, db, name):
    client.sign_up("owner@example.cn")
    form = MAINLAND | {"credit_code": factories.credit_code()}
    response = client.submit("/organisations/new", form | {"name_en": name})
    assert response.status_code == 422
    assert _organisations(db) == 0
    db.commit()  # end the read: SQLite has one writer
    assert client.submit("/organisations/new", form).status_code == 302


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("name_zh", "深圳數據交易所"),
        ("name_zh", "深圳数据交易所服务中心"),
        ("name_en", "ＳＨＥＮＺＨＥＮ Data-Exchange"),
        ("name_en", "Shenzhen Data Exchange Co., Ltd."),
        ("name_en", "Shujiao Settlement Services"),
    ],
)
def test_a_name_imitating_the_exchange_operator_is_refused(client, db, field, name):
    factories.organisation(db, is_operator=True)
    db.commit()
    client.sign_up("owner@example.cn")
    form = MAINLAND | {"credit_code": factories.credit_code()}
    response = client.submit("/organisations/new", form | {field: name})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _organisations(db) == 1
