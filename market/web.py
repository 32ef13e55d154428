"""Site-wide pages: the home page and the language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session

from market.context import current_user, db_session
from market.forms import parse_form, safe_next
from market.identity.schemas import LocaleSchema

blp = Blueprint("web", __name__)


@blp.route("/")
def home():
    """The exchange's front page."""
    return render_template("home.html")


@blp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language (kept in the session and on the account)."""
    data, errors = parse_form(LocaleSchema())
    if not errors:
        session["locale"] = data["locale"]
        user = current_user()
        if user is not None:
            user.locale = data["locale"]
            db_session().flush()
    return redirect(safe_next("/"))


@blp.route("/healthz")
def health():
    """Liveness and database reachability, for load balancers."""
    db_session().connection().exec_driver_sql("SELECT 1")
    return {"status": "ok"}
