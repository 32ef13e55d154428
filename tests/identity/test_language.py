"""Which language a page is in: an explicit choice, else the browser's, kept across sign-in."""

from __future__ import annotations

import pytest

from market.identity.models import User
from tests import factories
from tests.web import WebClient

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def lang(response) -> str:
    html = response.get_data(as_text=True)
    tags = {
        '<html lang="en">': "en",
        '<html lang="zh-Hans">': "zh",
        '<html lang="zh-Hant">': "zh_Hant",
    }
    return next((code for tag, code in tags.items() if tag in html), "?")


@pytest.fixture
def reader(app):
    """A user who never chose a language."""
    with app.extensions["db"].unit_of_work() as session:
        return factories.user(session).email


def test_the_browser_decides_before_sign_in_and_signing_in_keeps_it(app, reader):
    web = WebClient(app)
    assert lang(web.get("/", headers=ENGLISH)) == "en"
    web.raw.post("/login", data={"email": reader, "password": factories.PASSWORD,
                                 "csrf_token": web.csrf_token("/login")}, headers=ENGLISH)  # fmt: skip
    page = web.get("/organisations", headers=ENGLISH)
    assert "Sign out" in page.get_data(as_text=True)
    assert lang(page) == "en"


def test_an_explicit_choice_wins_and_is_remembered_on_the_account(app, reader):
    web = WebClient(app)
    web.log_in(reader)
    web.raw.post("/language", data={"locale": "zh", "csrf_token": web.csrf_token("/")})
    assert lang(web.get("/", headers=ENGLISH)) == "zh"
    later = WebClient(app)  # another browser, English, signing in later
    later.raw.post("/login", data={"email": reader, "password": factories.PASSWORD,
                                   "csrf_token": later.csrf_token("/login")}, headers=ENGLISH)  # fmt: skip
    assert lang(later.get("/organisations", headers=ENGLISH)) == "zh"
    with app.extensions["db"].unit_of_work() as session:
        assert session.query(User).filter_by(email=reader).one().locale == "zh"


def test_a_choice_made_before_sign_in_survives_it(app, reader):
    web = WebClient(app)
    web.raw.post("/language", data={"locale": "en", "csrf_token": web.csrf_token("/")})
    web.log_in(reader)
    assert lang(web.get("/organisations")) == "en"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-TW", "zh_Hant"),
        ("zh-HK,zh;q=0.9,en;q=0.8", "zh_Hant"),
        ("zh-Hant-TW", "zh_Hant"),
        ("zh-MO", "zh_Hant"),
        ("zh-CN,zh;q=0.9", "zh"),
        ("zh-Hans-HK", "zh"),
        ("zh", "zh"),
        ("en-US,zh-TW;q=0.5", "en"),
        ("fr-FR,zh-HK;q=0.5", "zh_Hant"),
        ("fr-FR", "zh"),
    ],
)
def test_hong_kong_taiwan_and_traditional_browsers_get_traditional_chinese(app, header, language):
    page = WebClient(app).get("/", headers={"Accept-Language": header})
    assert lang(page) == language


def test_the_traditional_interface_reads_in_traditional_and_can_be_chosen(app, reader):
    web = WebClient(app)
    home = web.get("/", headers={"Accept-Language": "zh-HK"}).get_data(as_text=True)
    assert "登入" in home and "數據市場" in home  # 登录 and 数据市场 in Traditional
    assert 'data-testid="language-zh"' in home and 'data-testid="language-en"' in home
    assert 'data-testid="language-zh_Hant"' not in home  # the switch offers the other two
    web.log_in(reader)
    web.raw.post("/language", data={"locale": "zh_Hant", "csrf_token": web.csrf_token("/")})
    chosen = web.get("/organisations", headers=ENGLISH)
    assert lang(chosen) == "zh_Hant"
    assert 'data-testid="language-zh"' in chosen.get_data(as_text=True)
    with app.extensions["db"].unit_of_work() as session:
        assert session.query(User).filter_by(email=reader).one().locale == "zh_Hant"


HONG_KONG = {"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.8"}


def _newest_mail(app, to: str):
    import email
    import email.policy
    from pathlib import Path

    from market import worker

    while worker.run_once(app):
        pass
    folder = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    for path in sorted(folder.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"].lower() == to.lower():
            return message
    raise AssertionError(f"no mail to {to}")


def test_an_account_signed_up_in_traditional_is_mailed_in_traditional(app):
    # A Hong Kong browser reads 繁體 pages without choosing them; the account keeps that
    # language, so the very first mail (the confirmation) is in Traditional too.
    web = WebClient(app)
    web.raw.post("/signup", headers=HONG_KONG, data={
        "email": "karen@harbour.hk", "name": "陳嘉欣", "password": "correct horse battery",
        "csrf_token": web.csrf_token("/signup"),
    })  # fmt: skip
    with app.extensions["db"].unit_of_work() as session:
        assert session.query(User).filter_by(email="karen@harbour.hk").one().locale == "zh_Hant"
    mail = _newest_mail(app, "karen@harbour.hk")
    assert mail["Subject"].startswith("確認您的")
    body = mail.get_content()
    assert "陳嘉欣，您好" in body and "确认" not in body


def test_the_account_page_sets_the_language_of_pages_and_mail(app, reader):
    web = WebClient(app)
    web.log_in(reader)
    page = web.get("/account", headers=ENGLISH)
    assert 'data-testid="account-locale"' in page.get_data(as_text=True)
    moved = web.submit(
        "/language?next=/account", {"locale": "zh_Hant"}, page="/account", headers=ENGLISH
    )
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/account")
    with app.extensions["db"].unit_of_work() as session:
        assert session.query(User).filter_by(email=reader).one().locale == "zh_Hant"
    chosen = web.get("/account", headers=ENGLISH).get_data(as_text=True)
    assert '<option value="zh_Hant" lang="zh-Hant" selected>' in chosen
