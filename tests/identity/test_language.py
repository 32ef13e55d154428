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
