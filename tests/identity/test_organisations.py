"""Organisations: registration with credit codes, members and invitations."""

import email
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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


def test_an_invitation_opened_signed_out_leads_through_sign_up_and_back(client, app, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(
        db, owner, name_zh="深圳试用数据科技有限公司", name_en="Shenzhen Trial Data Co., Ltd."
    )
    db.commit()
    client.log_in("owner@example.cn")
    response = client.submit(
        f"/organisations/{organisation.id}/invitations", {"email": "new@example.cn"}
    )
    assert response.status_code == 302
    while worker.run_once(app):
        pass
    mail = sorted((Path(app.config["INSTANCE_PATH"]) / "mail").glob("*.eml"))[-1]
    message = email.message_from_bytes(mail.read_bytes())
    body = message.get_payload(decode=True).decode()
    # Each language's sentence names the role and the organisation in that language.
    assert "以普通成员身份加入深圳试用数据科技有限公司。" in body
    assert "join Shenzhen Trial Data Co., Ltd. as Member." in body
    path = factories.extract_link(body).removeprefix(app.config["BASE_URL"])

    invitee = type(client)(app)
    page = invitee.get(path)
    assert page.status_code == 200  # not a bare redirect to the sign-in form
    text = page.get_data(as_text=True)
    assert "深圳试用数据科技有限公司" in text and "new@example.cn" in text
    invited_by = text.split('data-testid="invited-by">', 1)[1].split("</p>", 1)[0]
    assert "邀请您担任普通成员。" in invited_by and "</span>邀请" in invited_by  # names who
    signup = re.search(r'href="(/signup\?[^"]+)"', text).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(signup).query) == {"next": [path], "email": ["new@example.cn"]}
    login = re.search(r'href="(/login\?[^"]+)"', text).group(1)
    assert parse_qs(urlsplit(login).query) == {"next": [path]}
    form = invitee.get(signup).get_data(as_text=True)
    assert 'value="new@example.cn"' in form and f'name="next" value="{path}"' in form

    # Sign-up (without confirming the mail first) comes back to the invitation to accept it.
    created = invitee.submit(
        signup,
        {
            "email": "new@example.cn",
            "password": "correct horse battery",
            "name": "新成员",
            "next": path,
        },
        page=signup,
    )
    assert created.status_code == 302 and created.headers["Location"] == path
    accepted = invitee.submit(path, {}, page=path)
    assert accepted.status_code == 302
    flashed = invitee.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "欢迎加入深圳试用数据科技有限公司：您现在是该机构的普通成员。" in flashed
    assert "Shenzhen Trial Data" not in flashed.split('data-testid="flash"')[1].split("</div>")[0]


def test_an_accepting_post_signed_out_goes_to_sign_in_and_back(client, app, db):
    owner = factories.user(db, "owner@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    _invitation, token = services.invite(
        db, organisation, owner, "b@example.cn", MemberRole.MEMBER, "http://x"
    )
    db.commit()
    response = client.submit(f"/invitations/{token}", {}, page=f"/invitations/{token}")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": [f"/invitations/{token}"]}
    assert client.get("/invitations/not-a-token").status_code == 404


def test_the_organisation_form_reports_a_short_name_and_a_bad_check_character_at_once(client, db):
    client.sign_up("owner@example.cn")
    code = factories.credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    form = MAINLAND | {"name_en": "S", "credit_code": wrong}
    response = client.submit("/organisations/new", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name_en-error"' in html and 'id="credit_code-error"' in html
    assert _organisations(db) == 0
