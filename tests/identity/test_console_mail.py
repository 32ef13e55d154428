"""The demo's mail sink (console) prints each mail readably with its links on lines of their own,
so a new user finds the confirmation and reset links in the terminal that runs the demo."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from market import worker
from market.app import create_app
from market.mail import ConsoleMailer, Mail
from tests import factories
from tests.conftest import app_config
from tests.web import WebClient

MAIL_LINK = re.compile(r"^MAIL LINK for (\S+): (\S+)$", re.MULTILINE)


@pytest.fixture
def console_app(migrated_database_url, tmp_path):
    """An app whose mail goes to the console, as in the demo."""
    config = app_config(migrated_database_url, tmp_path / "instance", MAIL_SINK="console")
    application = create_app(config)
    yield application
    application.extensions["db"].dispose()


def _printed_links(app, capsys) -> list[tuple[str, str]]:
    while worker.run_once(app):
        pass
    return MAIL_LINK.findall(capsys.readouterr().err)


def test_a_chinese_mail_is_printed_readably_with_its_link(capsys):
    link = "http://127.0.0.1:5000/verify-email/abc.def-ghi"
    body = f"您好：\n请打开以下链接确认您的邮箱地址：\n\n{link}\n"
    ConsoleMailer("Shujiao <no-reply@shujiao.example>").send(
        Mail(to="ann@example.cn", subject="确认您的邮箱地址 · Confirm", body=body)
    )
    printed = capsys.readouterr().err
    assert "确认您的邮箱地址 · Confirm" in printed
    assert "请打开以下链接确认您的邮箱地址" in printed
    assert f"MAIL LINK for ann@example.cn: {link}" in printed.splitlines()


def test_the_confirmation_link_printed_on_the_console_confirms_the_address(console_app, capsys):
    web = WebClient(console_app)
    web.sign_up("demo-new@example.cn", confirm=False)
    [(to, link)] = _printed_links(console_app, capsys)
    assert to == "demo-new@example.cn"
    assert web.get(urlsplit(link).path).status_code == 302
    form = {
        "name_zh": "深圳控制台邮件测试有限公司",
        "name_en": "Console Mail Co.",
        "jurisdiction": "CN",
        "credit_code": factories.credit_code(),
    }
    registered = web.submit("/organisations/new", form, page="/organisations/new")
    assert registered.status_code == 302


def test_the_reset_link_printed_on_the_console_sets_a_new_password(console_app, capsys):
    with console_app.extensions["db"].unit_of_work() as session:
        factories.user(session, "forgetful@example.cn")
    web = WebClient(console_app)
    web.submit("/password/forgot", {"email": "forgetful@example.cn"}, page="/password/forgot")
    [(to, link)] = _printed_links(console_app, capsys)
    assert to == "forgetful@example.cn"
    path = urlsplit(link).path
    assert path.startswith("/password/reset/")
    form = {"new_password": "a brand new passphrase"}
    assert web.submit(path, form, page=path).status_code == 302
    assert web.log_in("forgetful@example.cn", "a brand new passphrase").status_code == 302
