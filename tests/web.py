"""A test client for the HTML pages: keeps cookies and sends the CSRF token like a browser."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from market import worker

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"https?://\S+")
# An amount's own span (``<span class="money">``) is inline: it adds no space around the amount.
MONEY_SPAN = re.compile(r'<span class="money">([^<]*)</span>')


def page_text(html: str) -> str:
    """A page's words as a reader sees them: each tag a space, except an amount's inline span,
    blank space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", MONEY_SPAN.sub(r"\1", html)).split())


def mailed_link(app, to: str, subject: str) -> str:
    """The path (and query) of the link in the newest mail to ``to`` whose subject holds
    ``subject``.

    Delivers the outbox first (as ``shujiao worker`` would), then reads the ``.eml`` files of
    the app's file mail sink.
    """
    while worker.run_once(app):
        pass
    folder = Path(app.config["MAIL_SINK"].removeprefix("file:"))
    for path in sorted(folder.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"].lower() == to.lower() and subject in message["Subject"]:
            parts = urlsplit(LINK.search(message.get_content()).group(0))
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    raise AssertionError(f"no mail to {to} about {subject!r}")


def confirmation_link(app, to: str) -> str:
    """The path of the e-mail confirmation link mailed to ``to`` at sign-up."""
    return mailed_link(app, to, "Confirm your e-mail address")


class WebClient:
    """Wraps Flask's client; ``submit`` posts a form with the token from the page it came from."""

    def __init__(self, app) -> None:
        self.app = app
        self.raw: FlaskClient = app.test_client()

    def get(self, path: str, **kwargs):
        """GET a page."""
        return self.raw.get(path, **kwargs)

    def csrf_token(self, page: str = "/") -> str:
        """The CSRF token a page carries for this client's session."""
        html = self.raw.get(page).get_data(as_text=True)
        match = CSRF_FIELD.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def submit(self, path: str, data: dict, page: str | None = None, **kwargs):
        """POST ``data`` as a form, with the CSRF token taken from ``page`` (default: ``path``)."""
        form = dict(data)
        form["csrf_token"] = self.csrf_token(page or "/")
        return self.raw.post(path, data=form, **kwargs)

    def post(self, path: str, **kwargs):
        """POST without a CSRF token (to test that it is refused)."""
        return self.raw.post(path, **kwargs)

    def sign_up(
        self,
        email: str,
        password: str = "correct horse battery",
        name: str = "Test User",
        confirm: bool = True,
    ):
        """Create an account and stay signed in; unless ``confirm`` is false, follow the link
        mailed to confirm the address too. The sign-up's own response is returned."""
        response = self.submit("/signup", {"email": email, "password": password, "name": name})
        if confirm and response.status_code == 302:
            confirmed = self.get(confirmation_link(self.app, email))
            assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
        return response

    def log_in(self, email: str, password: str = "correct horse battery"):
        """Sign in."""
        return self.submit("/login", {"email": email, "password": password})
