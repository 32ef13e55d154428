"""Rate limits (Flask-Limiter): the API per client for token holders and per IP for the rest;
failed sign-ins per IP and per account; requests for mailed links per IP and per mailbox.

Counters live where ``SHUJIAO_RATELIMIT_STORAGE_URL`` says: in memory for the demo's one
process, in Redis where several processes (or hosts) must share one limit.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask_babel import gettext
from flask_limiter import Limiter
from limits.storage import MemoryStorage

from market.context import current_user
from market.errors import error_body
from market.identity.services import email_key
from market.oauth.server import bearer_token


def caller_key() -> str:
    """The bucket of this request: its client (for a known bearer token) or its IP address."""
    if "ratelimit_key" not in g:
        g.ratelimit_key = f"ip:{request.remote_addr}"
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            # The token authentication then reads (once for both).
            stored = bearer_token(token.strip())
            if stored is not None:
                g.ratelimit_key = f"client:{stored.client_id}"
    return g.ratelimit_key


def caller_limit() -> str:
    """A token holder's limit, or the lower one of anonymous callers."""
    config = current_app.config
    if caller_key().startswith("client:"):
        return config["RATELIMIT_CLIENT"]
    return config["RATELIMIT_ANONYMOUS"]


class SweptMemoryStorage(MemoryStorage):
    """``memory://`` counters, their expired entries swept at most once a :attr:`SWEEP_SECONDS`
    in the request that finds the last sweep that old.

    The library's memory storage starts a timer thread to sweep 10 ms after any hit when none
    is running: on an API serving a request every few milliseconds that is a new thread on
    nearly every request, which the request waits to see started (3 ms and more on a loaded
    machine). Sweeping only frees memory: every count and every moving-window check reads
    the entries' own times, so a later sweep changes no answer."""

    STORAGE_SCHEME = ["shujiao-memory"]
    #: Expired entries linger at most this long (and a counter key's window ends on time
    #: whatever the sweep: a read finds it expired).
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the library's first sweep: ours come with the hits
        self._swept = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the hook the library calls)
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_SECONDS:
            self._swept = now
            self._MemoryStorage__expire_events()


def storage_uri(configured: str) -> str:
    """The storage for ``RATELIMIT_STORAGE_URL``: ``memory://`` is :class:`SweptMemoryStorage`,
    anything else (``redis://``...) the library's own."""
    scheme, separator, rest = configured.partition("://")
    return f"shujiao-memory://{rest}" if separator and scheme == "memory" else configured


def configure(app: Flask) -> Limiter:
    """A limiter for ``app`` storing its counters at ``RATELIMIT_STORAGE_URL``."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Registered before the limiter's own header hook, so it runs after it (Flask runs
    # ``after_request`` hooks last-registered first).
    app.after_request(_retry_after_only_when_refused)
    limiter = Limiter(
        key_func=caller_key,
        storage_uri=storage_uri(app.config["RATELIMIT_STORAGE_URL"]),
        key_prefix="shujiao",
        strategy="moving-window",
    )
    limiter.init_app(app)
    app.extensions["limiter"] = limiter
    return limiter


def _retry_after_only_when_refused(response: Response) -> Response:
    """Drop the ``Retry-After`` the limiter adds to every answer but a 429 or a 503: it means
    "wait before retrying" (RFC 9110 §10.2.3), and an answer that is no refusal asks no wait."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def limit_blueprint(limiter: Limiter, blueprint) -> None:
    """Apply the caller's limit to every endpoint of an API blueprint."""
    limiter.limit(caller_limit)(blueprint)


# --- Sign-in throttling ------------------------------------------------------------------------
#
# The doors where a secret is guessed: the sign-in page (e-mail and password) and the OAuth
# token endpoint (client id and secret). Only failed attempts (401) count, against the address
# they come from (both doors in one bucket, so spraying one password across many accounts is
# slowed) and against the account they name.

SIGN_IN_DOORS = ("identity.login", "oauth.token")


def _digest(value: str) -> str:
    # Keys stay short and hold no e-mail address in the counter store.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def sign_in_ip_key() -> str:
    """The bucket of a sign-in attempt by where it comes from."""
    return f"ip:{request.remote_addr}"


def sign_in_account_key() -> str:
    """The bucket of a sign-in attempt by the account it names: an e-mail or a client id."""
    if request.blueprint == "oauth":
        credentials = request.authorization
        client_id = credentials.username if credentials else request.form.get("client_id", "")
        return "client:" + _digest(client_id or "")
    return "user:" + _digest(email_key(request.form.get("email", "")))


def _failed(response) -> bool:
    return response.status_code == 401


def _minutes(retry_after: int) -> int:
    # The limiter's reset falls up to a second past the window (whole seconds, rounded up):
    # a 10-minute window reads "10 minutes", not 11.
    return max(1, math.ceil((retry_after - 1) / 60))


def _refuse_sign_in(request_limit) -> Response:
    """The 429 answer: the sign-in page again with the reason, or the API's JSON error."""
    retry_after = max(1, math.ceil(request_limit.reset_at - time.time()))
    message = gettext(
        "Too many failed sign-ins. Try again in %(minutes)s minutes.",
        minutes=_minutes(retry_after),
    )
    if request.blueprint == "oauth":
        body = error_body(429, message, {"oauth": ["too_many_requests"]})
        # RFC 6749 §5.2's fields, as the token endpoint's other refusals carry them.
        body |= {"error": "too_many_requests", "error_description": message}
        response = make_response(jsonify(body), 429)
    else:
        page = render_template(
            "identity/login.html", errors={"password": [message]}, form=request.form
        )
        response = make_response(page, 429)
    response.headers["Retry-After"] = str(retry_after)
    return response


def throttle_sign_in(app: Flask, limiter: Limiter) -> None:
    """Limit failed sign-ins per IP and per account on every sign-in door of ``app``."""
    window = app.config["LOGIN_WINDOW_SECONDS"]
    buckets = (
        (app.config["LOGIN_MAX_FAILURES_PER_IP"], "sign-in-ip", sign_in_ip_key),
        (app.config["LOGIN_MAX_FAILURES"], "sign-in-account", sign_in_account_key),
    )
    _limit_doors(app, limiter, SIGN_IN_DOORS, window, buckets, _failed, _refuse_sign_in)


def _limit_doors(app, limiter, doors, window, buckets, deduct_when, on_breach) -> None:
    # Each door's POSTs count against every (most, scope, key) bucket; the doors share them.
    for endpoint in doors:
        view = app.view_functions[endpoint]
        for most, scope, key in buckets:
            view = limiter.shared_limit(
                f"{most} per {window} seconds",
                scope=scope,
                key_func=key,
                methods=["POST"],
                deduct_when=deduct_when,
                on_breach=on_breach,
            )(view)
        app.view_functions[endpoint] = view


# --- Mailed links --------------------------------------------------------------------------------
#
# The doors that mail a link on request: "forgot your password?" (anyone, any address) and "mail
# the confirmation link again" (the signed-in account's own address). Each request that could
# mail counts, whether or not an account uses the address, so the answer never tells. Two
# buckets, both doors together: the address the request comes from and the mailbox it targets.

MAIL_LINK_DOORS = ("identity.forgot_password", "identity.resend_confirmation")


def mail_link_target_key() -> str:
    """The bucket of a request for a mailed link by the mailbox it would reach."""
    if request.endpoint == "identity.resend_confirmation":
        user = current_user()
        return "mailbox:" + _digest(user.email_key) if user is not None else ""
    return "mailbox:" + _digest(email_key(request.form.get("email", "")))


def _mail_link_requested(_response) -> bool:
    # Set by the view once the form is valid, before it looks the address up.
    return bool(g.get("mail_link_requested"))


def _refuse_mail_link(request_limit) -> Response:
    """The 429 answer: the form again, with the reason in the reader's language."""
    retry_after = max(1, math.ceil(request_limit.reset_at - time.time()))
    message = gettext(
        "Too many links mailed to this address. Try again in %(minutes)s minutes.",
        minutes=_minutes(retry_after),
    )
    if request.endpoint == "identity.resend_confirmation":
        user = current_user()
        page = render_template(
            "identity/organisations.html",
            memberships=user.memberships if user is not None else [],
            resend_errors=[message],
        )
    else:
        page = render_template(
            "identity/password_forgot.html", errors={"email": [message]}, form=request.form
        )
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(retry_after)
    return response


def throttle_mailed_links(app: Flask, limiter: Limiter) -> None:
    """Limit requests for mailed links per address and per target mailbox."""
    window = app.config["MAIL_LINK_WINDOW_SECONDS"]
    buckets = (
        (app.config["MAIL_LINK_MAX_PER_IP"], "mail-link-ip", sign_in_ip_key),
        (app.config["MAIL_LINK_MAX_PER_EMAIL"], "mail-link-mailbox", mail_link_target_key),
    )
    limits = (_mail_link_requested, _refuse_mail_link)
    _limit_doors(app, limiter, MAIL_LINK_DOORS, window, buckets, *limits)
