"""Which language a page is in: an explicit choice, else the browser's, kept across sign-in."""

from __future__ import annotations

import pytest

from market.identity.models import User
from tests import factories
from tests.web import WebClient

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def lang(response) -> str:
    html = response.get_data(as_text=True)
    return "en" if '<html lang="en">' in html else "zh" if '<html lang="zh-Hans">' in html else "?"


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
