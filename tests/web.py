"""A test client for the HTML pages: keeps cookies and sends the CSRF token like a browser."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


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

    def sign_up(self, email: str, password: str = "correct horse battery", name: str = "Test User"):
        """Create an account and stay signed in."""
        return self.submit("/signup", {"email": email, "password": password, "name": name})

    def log_in(self, email: str, password: str = "correct horse battery"):
        """Sign in."""
        return self.submit("/login", {"email": email, "password": password})
