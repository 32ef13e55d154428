"""Languages: Simplified Chinese, Traditional Chinese and English (Flask-Babel).

The user's choice (kept in the session and on the account) wins; otherwise Accept-Language
(``zh-TW``, ``zh-HK``, ``zh-MO`` and ``zh-Hant…`` ask for Traditional, any other ``zh`` for
Simplified); otherwise Chinese, the exchange's working language. The Traditional catalogue is
built from the Simplified one (``market.hant``, ``make translations``).
"""

from __future__ import annotations

from flask import request, session
from flask_babel import Babel, get_locale

from market.config import ROOT
from market.context import current_user

LOCALES = ("zh", "zh_Hant", "en")
DEFAULT_LOCALE = "zh"
LANGUAGE_NAMES = {"zh": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
# The BCP 47 tag of each, for ``lang`` attributes.
LANGUAGE_TAGS = {"zh": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
TRADITIONAL_REGIONS = ("tw", "hk", "mo")


def _from_header() -> str | None:
    """The first language of Accept-Language (by quality) that the site has, if any."""
    for value, _quality in request.accept_languages:
        parts = value.replace("_", "-").lower().split("-")
        if parts[0] == "en":
            return "en"
        if parts[0] == "zh":
            traditional = "hant" in parts[1:] or (
                "hans" not in parts[1:] and any(part in TRADITIONAL_REGIONS for part in parts[1:])
            )
            return "zh_Hant" if traditional else "zh"
    return None


def chosen_or_browser_locale() -> str | None:
    """The language chosen in this session, else the browser's (``None`` when it names none
    the site has): what a new account keeps, so its mail speaks as its pages did."""
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else _from_header()


def select_locale() -> str:
    """The language for this request."""
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if request.path.startswith(("/api/", "/oauth/", "/webhooks/")):
        return _from_header() or "en"
    user = current_user()
    if user is not None and user.locale in LOCALES:
        return user.locale
    return _from_header() or DEFAULT_LOCALE


def reads_traditional() -> bool:
    """Whether the reader's language is Chinese in Traditional characters (zh-TW, zh-HK)."""
    locale = get_locale()
    return locale is not None and locale.script == "Hant"


def language_tag() -> str:
    """The page's language as a ``lang`` attribute says it (``zh-Hans``, ``zh-Hant``, ``en``)."""
    locale = get_locale()
    if locale is None or locale.language != "zh":
        return "en" if locale is not None else LANGUAGE_TAGS[DEFAULT_LOCALE]
    return "zh-Hant" if locale.script == "Hant" else "zh-Hans"


def locale_code() -> str:
    """The page's language as the language switch names it (``zh``, ``zh_Hant``, ``en``)."""
    return {"zh-Hans": "zh", "zh-Hant": "zh_Hant", "en": "en"}[language_tag()]


def home_territory() -> str:
    """Where a form about the reader's own organisation starts (its jurisdiction): on
    Traditional Chinese pages the region the browser's Chinese names (``zh-MO`` Macao, ``zh-TW``
    Taiwan), else Hong Kong, whose usage those pages follow; the mainland on Simplified Chinese
    and English pages (English names no place to guess from)."""
    if locale_code() != "zh_Hant":
        return "CN"
    for value, _quality in request.accept_languages:
        parts = value.replace("_", "-").upper().split("-")
        if parts[0] == "ZH":
            return next((part for part in parts[1:] if part in ("MO", "TW")), "HK")
    return "HK"


def configure(app) -> Babel:
    """Attach Flask-Babel with the catalogues in ``market/translations``."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "market" / "translations"))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    return Babel(app, locale_selector=select_locale)
