"""Site-wide pages: the home page and the language switch."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, session
from flask_babel import get_locale, gettext

from market.context import current_user, db_session
from market.errors import DomainError
from market.forms import parse_form, safe_next
from market.identity.schemas import LocaleSchema
from market.listings import discovery, featuring
from market.listings.schemas import SearchArgsSchema
from market.registry.models import Certificate, CertificateStatus
from market.trading.models import Order, OrderStatus

blp = Blueprint("web", __name__)


@blp.route("/")
def home():
    """The exchange's front page: search, categories, featured and the newest certified
    listings, figures."""
    engine = current_app.extensions["search"]
    session = db_session()
    try:
        everything = discovery.run(engine, SearchArgsSchema().load({"page_size": 1}))
        newest = discovery.run(
            engine, SearchArgsSchema().load({"sort": "newest", "certified": True, "page_size": 6})
        )
        facets = discovery.facet_labels(session, everything, gettext, str(get_locale()))
    except DomainError:  # search unavailable: the page still shows what the database knows
        everything, newest, facets = None, None, {}
    figures = {
        "listings": everything.total if everything else None,
        "certified": session.scalar(
            sa.select(sa.func.count(sa.distinct(Certificate.asset_id))).where(
                Certificate.status == CertificateStatus.VALID
            )
        ),
        "settled": session.scalar(
            sa.select(sa.func.count(Order.id)).where(Order.status == OrderStatus.SETTLED)
        ),
    }
    return render_template(
        "home.html", categories=facets.get("category", []), newest=newest, figures=figures,
        featured=featuring.on_home_page(session),
    )  # fmt: skip


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
