"""Rate limits on the API (Flask-Limiter): per client for token holders, per IP for the rest.

Counters live where ``SHUJIAO_RATELIMIT_STORAGE_URL`` says: in memory for the demo's one
process, in Redis where several processes (or hosts) must share one limit.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from market.context import db_session
from market.identity.services import token_digest
from market.oauth.models import OAuthClient, OAuthToken


def caller_key() -> str:
    """The bucket of this request: its client (for a known bearer token) or its IP address."""
    if "ratelimit_key" not in g:
        g.ratelimit_key = f"ip:{request.remote_addr}"
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            client_id = db_session().scalar(
                sa.select(OAuthClient.client_id)
                .join(OAuthToken, OAuthToken.client_pk == OAuthClient.id)
                .where(OAuthToken.token_hash == token_digest(token.strip()))
            )
            if client_id is not None:
                g.ratelimit_key = f"client:{client_id}"
    return g.ratelimit_key


def caller_limit() -> str:
    """A token holder's limit, or the lower one of anonymous callers."""
    config = current_app.config
    if caller_key().startswith("client:"):
        return config["RATELIMIT_CLIENT"]
    return config["RATELIMIT_ANONYMOUS"]


def configure(app: Flask) -> Limiter:
    """A limiter for ``app`` storing its counters at ``RATELIMIT_STORAGE_URL``."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(
        key_func=caller_key,
        storage_uri=app.config["RATELIMIT_STORAGE_URL"],
        key_prefix="shujiao",
        strategy="moving-window",
    )
    limiter.init_app(app)
    app.extensions["limiter"] = limiter
    return limiter


def limit_blueprint(limiter: Limiter, blueprint) -> None:
    """Apply the caller's limit to every endpoint of an API blueprint."""
    limiter.limit(caller_limit)(blueprint)
