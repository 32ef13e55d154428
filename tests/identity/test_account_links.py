"""Links mailed to confirm an address and to reset a password: signed, expiring, single-use."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from market.identity import services, tokens
from tests import factories
from tests.web import WebClient, confirmation_link, mailed_link

ORGANISATION = {
    "name_zh": "深圳邮箱确认测试有限公司",
    "name_en": "Shenzhen Mail Check Co.",
    "jurisdiction": "CN",
}


def _register_organisation(web: WebClient):
    form = dict(ORGANISATION, credit_code=factories.credit_code())
    return web.submit("/organisations/new", form, page="/organisations/new")


def _mails_to(app, to: str) -> int:
    folder = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    return sum(f"To: {to}" in path.read_text() for path in folder.glob("*.eml"))


class _TenDaysAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 10 * 86400


def _stale(app, purpose: str, payload: dict) -> str:
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=purpose, signer=_TenDaysAgo)
    return serializer.dumps(payload)


def test_an_unconfirmed_user_may_sign_in_but_not_register_an_organisation(client, app):
    client.sign_up("una@example.cn", confirm=False)
    page = client.get("/organisations", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Confirm your e-mail address" in page
    assert 'data-testid="register-organisation"' not in page  # not offered until confirmed
    refused = _register_organisation(client)
    assert refused.status_code == 403
    assert "邮箱" in refused.get_data(as_text=True)
    assert client.get(confirmation_link(app, "una@example.cn")).status_code == 302
    assert 'data-testid="register-organisation"' in client.get("/organisations").text
    assert _register_organisation(client).status_code == 302


def test_the_sign_in_page_says_why_it_was_asked_for(client):
    plain = client.get("/login", headers={"Accept-Language": "en"}).text
    assert 'data-testid="sign-in-reason"' not in plain
    buying = client.get("/login?next=/listings/7/buy", headers={"Accept-Language": "en"}).text
    assert "Sign in to buy" in buying
    assert 'href="/signup?next=/listings/7/buy"' in buying or "next=%2Flistings%2F7%2Fbuy" in buying
    other = client.get("/login?next=/orders", headers={"Accept-Language": "en"}).text
    assert "Sign in to continue" in other


def test_a_confirmation_link_used_again_says_the_address_is_confirmed_already(client, app):
    client.sign_up("once@example.cn", confirm=False)
    link = confirmation_link(app, "once@example.cn")
    assert client.get(link).status_code == 302
    again = client.get(link, headers={"Accept-Language": "en"}, follow_redirects=True)
    assert again.status_code == 200
    assert "confirmed already" in again.get_data(as_text=True)


def test_the_unused_confirmation_link_after_an_accepted_invitation_is_no_error(client, app, db):
    # Accepting the invitation confirmed the address; the sign-up mail's link, opened later as
    # anyone would, says so rather than "not valid" beside a field name.
    owner = factories.user(db, "lead@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    lead = WebClient(app)
    lead.log_in("lead@example.cn")
    page = f"/organisations/{organisation.id}"
    lead.submit(f"{page}/invitations", {"email": "peer@example.cn", "role": "admin"}, page=page)
    client.sign_up("peer@example.cn", confirm=False)
    link = confirmation_link(app, "peer@example.cn")
    invitation = mailed_link(app, "peer@example.cn", "Invitation")
    assert client.submit(invitation, {}, page=invitation).status_code == 302
    opened = client.get(link, follow_redirects=True)
    assert opened.status_code == 200
    text = opened.get_data(as_text=True)
    assert "您的邮箱地址此前已确认，无需再做什么。" in text
    assert "token:" not in text and "此链接无效" not in text


def test_an_error_page_names_no_field(client):
    refused = client.get("/verify-email/forged")
    assert refused.status_code == 404
    text = refused.get_data(as_text=True)
    assert "token:" not in text and "<code>" not in text
    assert text.count("此链接无效、已被使用或已过期") == 1


def test_a_confirmation_link_works_signed_out_too(client, app):
    client.sign_up("out@example.cn", confirm=False)
    link = confirmation_link(app, "out@example.cn")
    assert app.test_client().get(link).status_code == 302
    assert _register_organisation(client).status_code == 302


@pytest.mark.parametrize(
    "link",
    [
        "/verify-email/forged",
        "/verify-email/eyJ1IjoxLCJlIjoib25jZUBleGFtcGxlLmNuIn0.ZZZZZZ.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/verify-email/" + "é" * 40,
    ],
)
def test_a_forged_confirmation_link_is_refused(client, link):
    assert client.get(link).status_code == 404


def test_an_expired_confirmation_link_is_refused(client, app, db):
    client.sign_up("late@example.cn", confirm=False)
    user = services.find_user(db, "late@example.cn")
    stale = _stale(app, tokens.EMAIL_CONFIRMATION, {"u": user.id, "e": user.email_key})
    db.commit()
    assert client.get(f"/verify-email/{stale}").status_code == 404
    assert _register_organisation(client).status_code == 403


def test_the_link_can_be_mailed_again(client, app):
    client.sign_up("again@example.cn", confirm=False)
    confirmation_link(app, "again@example.cn")
    assert client.submit("/verify-email", {}, page="/organisations").status_code == 302
    assert _mails_to(app, "again@example.cn") == 1
    confirmation_link(app, "again@example.cn")
    assert _mails_to(app, "again@example.cn") == 2


def test_accepting_an_invitation_confirms_the_address(client, app, db):
    owner = factories.user(db, "boss@example.cn")
    organisation = factories.organisation(db, owner)
    db.commit()
    boss = WebClient(app)
    boss.log_in("boss@example.cn")
    page = f"/organisations/{organisation.id}"
    boss.submit(f"{page}/invitations", {"email": "joiner@example.cn", "role": "member"}, page=page)
    client.sign_up("joiner@example.cn", confirm=False)
    invitation = mailed_link(app, "joiner@example.cn", "Invitation")
    assert client.submit(invitation, {}, page=invitation).status_code == 302
    assert _register_organisation(client).status_code == 302


# --- Password reset ----------------------------------------------------------------------------


def _forgot(app, email: str):
    return WebClient(app).submit("/password/forgot", {"email": email}, page="/password/forgot")


def test_asking_for_a_reset_does_not_say_whether_the_account_exists(app, db):
    factories.user(db, "known@example.cn")
    db.commit()
    known, unknown = _forgot(app, "known@example.cn"), _forgot(app, "nobody@example.cn")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    mailed_link(app, "known@example.cn", "Reset your password")
    assert _mails_to(app, "nobody@example.cn") == 0


def test_a_reset_sets_the_password_ends_every_session_and_works_once(app, db):
    factories.user(db, "rita@example.cn")
    db.commit()
    signed_in = WebClient(app)
    signed_in.log_in("rita@example.cn")
    assert signed_in.get("/account").status_code == 200
    _forgot(app, "RITA@example.cn")
    link = mailed_link(app, "rita@example.cn", "Reset your password")
    browser = WebClient(app)
    assert browser.get(link).status_code == 200
    done = browser.submit(link, {"new_password": "a fresh long secret"}, page=link)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert signed_in.get("/account").status_code == 302  # that session has ended
    assert WebClient(app).log_in("rita@example.cn").status_code == 401
    assert WebClient(app).log_in("rita@example.cn", "a fresh long secret").status_code == 302
    # The link is spent.
    assert browser.get(link).status_code == 404
    again = browser.raw.post(
        link, data={"new_password": "yet another secret", "csrf_token": browser.csrf_token()}
    )
    assert again.status_code == 404
    assert WebClient(app).log_in("rita@example.cn", "a fresh long secret").status_code == 302


def test_a_reset_needs_a_valid_new_password(app, db):
    factories.user(db, "sam@example.cn")
    db.commit()
    _forgot(app, "sam@example.cn")
    link = mailed_link(app, "sam@example.cn", "Reset your password")
    web = WebClient(app)
    short = web.submit(link, {"new_password": "short"}, page=link)
    assert short.status_code == 422
    assert WebClient(app).log_in("sam@example.cn").status_code == 302


def test_an_expired_reset_link_is_refused(app, db):
    user = factories.user(db, "tom@example.cn")
    fingerprint = tokens._password_fingerprint(user)
    stale = _stale(app, tokens.PASSWORD_RESET, {"u": user.id, "p": fingerprint})
    db.commit()
    assert WebClient(app).get(f"/password/reset/{stale}").status_code == 404


def test_a_confirmation_link_is_no_reset_link(client, app):
    client.sign_up("mix@example.cn", confirm=False)
    token = confirmation_link(app, "mix@example.cn").rsplit("/", 1)[-1]
    assert client.get(f"/password/reset/{token}").status_code == 404


DEMAND_FORM = "/demands?title=%E8%88%B9%E9%81%8B%E6%95%B8%E6%93%9A"  # the prefilled form


def test_the_confirmation_link_leads_back_to_where_sign_up_was_going(client, app):
    response = client.submit(
        f"/signup?next={quote(DEMAND_FORM)}",
        {"email": "going@example.cn", "password": "correct horse battery", "name": "Going"},
        page="/signup",
    )
    assert response.headers["Location"] == DEMAND_FORM
    link = confirmation_link(app, "going@example.cn")
    assert urlsplit(link).path.startswith("/verify-email/")
    confirmed = client.get(link)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == DEMAND_FORM


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/steal",
        "https://evil.example/steal",
        "/\\evil.example/steal",
        "/\t/evil.example/steal",
        "javascript:alert(1)",
    ],
)
def test_the_confirmation_link_leads_nowhere_off_the_site(client, app, target):
    email = "offsite@example.cn"
    client.submit(
        f"/signup?next={quote(target, safe='')}",
        {"email": email, "password": "correct horse battery", "name": "Off Site"},
        page="/signup",
    )
    link = confirmation_link(app, email)
    assert "?" not in link  # nothing off the site is carried into the mail
    forged = f"{link}?next={quote(target, safe='')}"
    assert client.get(forged).headers["Location"] == "/organisations"
