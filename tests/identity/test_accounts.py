"""Sign-up, sign-in (with throttling), sign-out and password change through the pages."""

import pytest
import sqlalchemy as sa

from market.identity.models import StaffRole, User
from tests import factories


def _users(db) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(User))


def test_sign_up_creates_a_user_and_signs_in(client, db):
    response = client.sign_up("Alice@Example.cn")
    assert response.status_code == 302
    assert client.get("/organisations").status_code == 200
    stored = db.scalar(sa.select(User))
    assert stored.email == "Alice@Example.cn"
    assert stored.email_key == "alice@example.cn"
    assert stored.password_hash.startswith("$argon2id$")


def test_duplicate_email_in_another_case_is_refused(client, app, db):
    client.sign_up("bob@example.cn")
    other = type(client)(app)
    response = other.sign_up("BOB@example.CN")
    assert response.status_code == 409
    assert "该电子邮箱已注册账户" in response.get_data(as_text=True)
    assert _users(db) == 1


def test_invalid_sign_up_names_the_fields_and_creates_nothing(client, db):
    response = client.submit("/signup", {"email": "not-an-email", "password": "short", "name": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("email", "password", "name"):
        assert f'id="{field}-error"' in html
    assert _users(db) == 0


def test_over_long_name_is_refused(client, db):
    response = client.submit(
        "/signup", {"email": "a@example.cn", "password": "x" * 12, "name": "名" * 101}
    )
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert _users(db) == 0


def test_form_post_without_csrf_token_is_refused(client, db):
    response = client.post(
        "/signup",
        data={"email": "c@example.cn", "password": "x" * 12, "name": "C"},
        headers={"Accept-Language": "zh"},
    )
    assert response.status_code == 400
    assert _users(db) == 0
    page = response.get_data(as_text=True)
    # The reader is told what to do in their language, not Flask-WTF's English reason.
    assert "重新加载" in page or "刷新" in page
    assert "CSRF token is missing" not in page


def test_login_with_the_right_password(client, db):
    factories.user(db, "dana@example.cn")
    db.commit()
    response = client.log_in("DANA@example.cn")
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_login_with_a_wrong_password_is_refused(client, db):
    factories.user(db, "erin@example.cn")
    db.commit()
    response = client.log_in("erin@example.cn", "wrong password!")
    assert response.status_code == 401
    assert client.get("/account").status_code == 302


def test_login_is_throttled_after_repeated_failures(client, app, db):
    factories.user(db, "frank@example.cn")
    db.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.log_in("frank@example.cn", "wrong password!").status_code == 401
    throttled = client.log_in("frank@example.cn")  # even the right password waits
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert client.get("/account").status_code == 302


def test_logout_ends_the_session(client):
    client.sign_up("hank@example.cn")
    response = client.submit("/logout", {})
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_a_session_cookie_copied_before_logout_stops_working(client, app):
    client.sign_up("hal@example.cn")
    cookie = client.raw.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert thief.get("/account").status_code == 200
    assert client.submit("/logout", {}).status_code == 302
    assert thief.get("/account").status_code == 302
    # Signing in again starts a new session that works.
    assert client.log_in("hal@example.cn").status_code == 302
    assert client.get("/account").status_code == 200


def test_password_change_ends_other_sessions(client, app, db):
    client.sign_up("ivy@example.cn")
    elsewhere = type(client)(app)
    elsewhere.log_in("ivy@example.cn")
    response = client.submit(
        "/account",
        {"current_password": factories.PASSWORD, "new_password": "a brand new secret"},
        page="/account",
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert type(client)(app).log_in("ivy@example.cn", "a brand new secret").status_code == 302


def test_password_change_needs_the_current_password(client, db):
    client.sign_up("jack@example.cn")
    before = db.scalar(sa.select(User.password_hash))
    db.commit()  # end the read: on SQLite every transaction holds the write lock
    response = client.submit(
        "/account",
        {"current_password": "not my password", "new_password": "a brand new secret"},
        page="/account",
    )
    assert response.status_code == 401
    db.expire_all()
    assert db.scalar(sa.select(User.password_hash)) == before


def test_next_parameter_cannot_redirect_off_site(client, db):
    factories.user(db, "kim@example.cn")
    db.commit()
    token = client.csrf_token("/login")
    response = client.raw.post(
        "/login?next=//evil.example/steal",
        data={"email": "kim@example.cn", "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/organisations"


@pytest.mark.parametrize(
    "target", ["/\\evil.example/steal", "/\t/evil.example/steal", "/\n/evil.example/steal"]
)
def test_next_parameter_cannot_sneak_off_site_past_the_first_slash(client, db, target):
    # Browsers read a backslash as a slash and drop tabs and line breaks: all lead to
    # //evil.example.
    factories.user(db, "kim@example.cn")
    db.commit()
    token = client.csrf_token("/login")
    response = client.raw.post(
        "/login",
        data={"email": "kim@example.cn", "password": factories.PASSWORD, "csrf_token": token,
              "next": target},
    )  # fmt: skip
    assert response.headers["Location"] == "/organisations"


@pytest.mark.parametrize(
    ("staff", "landing"),
    [
        ((StaffRole.APPRAISER,), "/appraisal/valuations"),
        ((StaffRole.FINANCE,), "/finance/receipts"),
        ((), "/organisations"),
    ],
)
def test_staff_land_on_their_work_after_sign_in(client, db, staff, landing):
    factories.user(db, "kim@example.cn", staff=staff)
    db.commit()
    response = client.log_in("kim@example.cn", factories.PASSWORD)
    assert response.headers["Location"] == landing
