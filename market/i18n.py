"""Languages: Simplified Chinese and English (Flask-Babel).

The user's choice (kept in the session and on the account) wins; otherwise Accept-Language;
otherwise Chinese, the exchange's working language.
"""

from __future__ import annotations

from flask import request, session
from flask_babel import Babel

from market.config import ROOT
from market.context import current_user

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
LANGUAGE_NAMES = {"zh": "简体中文", "en": "English"}


def select_locale() -> str:
    """The language for this request."""
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if request.path.startswith(("/api/", "/oauth/", "/webhooks/")):
        return request.accept_languages.best_match(LOCALES) or "en"
    user = current_user()
    if user is not None and user.locale in LOCALES:
        return user.locale
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def configure(app) -> Babel:
    """Attach Flask-Babel with the catalogues in ``market/translations``."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "market" / "translations"))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    return Babel(app, locale_selector=select_locale)
