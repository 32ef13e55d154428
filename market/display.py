"""How values read on the pages: money in the reader's locale, times in Shenzhen's zone, sizes
in KiB/MiB/GiB, and the currencies offered in price fields."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from babel import Locale
from babel.lists import format_list
from babel.numbers import get_currency_name
from flask import current_app
from flask_babel import (
    format_date,
    format_datetime,
    get_locale,
    gettext,
    ngettext,
    to_user_timezone,
)
from markupsafe import Markup

import search
from market.forms import error_lines, error_text, maxlength
from market.hant import is_traditional, own_words_to_traditional
from market.i18n import reads_traditional
from market.identity.models import StaffRole
from market.identity.schemas import TERRITORIES
from market.listings import models as listing_models
from market.listings.discovery import REGION_LABELS, names_locale
from market.listings.schemas import shown_name
from market.money import money
from market.registry import models as registry_models
from market.registry import states as registry_states
from market.text import N_
from market.trading import models as trading_models
from market.trading.orders import reference_for

# Offered in price and budget pickers after the exchange's own currency.
COMMON_CURRENCIES = ("CNY", "HKD", "MOP", "USD", "EUR")
# Sizes are counted in binary multiples and named as such (docs and limits say MiB too).
UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


# A payout and its batch share their words.
PAYOUT_STATUS_LABELS = {
    "pending": N_("Waiting to be paid"),
    "built": N_("Built"),
    "submitted": N_("Sent to the bank"),
    "paid": N_("Paid"),
    "returned": N_("Returned by the bank"),
    "cancelled": N_("Cancelled"),
}

REFUND_STATUS_LABELS = {
    "pending": N_("waiting for the payment provider"),
    "succeeded": N_("done"),
    "failed": N_("failed"),
}

# Who moved a claim, an order, a valuation: a page names them, never their code.
ACTOR_LABELS = {
    "provider": N_("Provider"),
    "buyer": N_("Buyer"),
    "organisation": N_("Organisation"),
    "reviewer": N_("Reviewer"),
    "appraiser": N_("Appraiser"),
    "finance": N_("Finance"),
    "stripe": N_("Stripe"),
    "system": N_("The exchange"),
}

# Every enum a page may show, with its labels: a page never shows a raw code.
ENUM_LABELS = {
    registry_models.AssetKind: registry_models.ASSET_KIND_LABELS,
    registry_models.Industry: registry_models.INDUSTRY_LABELS,
    registry_models.UpdateFrequency: registry_models.UPDATE_FREQUENCY_LABELS,
    registry_models.PersonalInfo: registry_models.PERSONAL_INFO_LABELS,
    registry_models.LegalBasis: registry_models.LEGAL_BASIS_LABELS,
    registry_models.Right: registry_models.RIGHT_LABELS,
    registry_models.SourceKind: registry_models.SOURCE_LABELS,
    registry_models.ClaimState: registry_models.CLAIM_STATE_LABELS,
    registry_models.ObjectionState: registry_models.OBJECTION_STATE_LABELS,
    registry_models.CertificateStatus: registry_models.CERTIFICATE_STATUS_LABELS,
    registry_states.Action: registry_states.ACTION_LABELS,
    listing_models.ListingStatus: listing_models.LISTING_STATUS_LABELS,
    listing_models.RevisionState: listing_models.REVISION_STATE_LABELS,
    listing_models.DeliveryMethod: listing_models.DELIVERY_LABELS,
    listing_models.PlanKind: listing_models.PLAN_KIND_LABELS,
    listing_models.UsageScenario: listing_models.SCENARIO_LABELS,
    listing_models.CrossBorderPathway: listing_models.PATHWAY_LABELS,
    trading_models.OrderStatus: trading_models.ORDER_STATUS_LABELS,
    trading_models.EntitlementStatus: trading_models.ENTITLEMENT_STATUS_LABELS,
    trading_models.PayoutStatus: PAYOUT_STATUS_LABELS,
    trading_models.RefundStatus: REFUND_STATUS_LABELS,
    trading_models.PayoutBatchStatus: PAYOUT_STATUS_LABELS,
}
YES_NO = {True: N_("Yes"), False: N_("No")}

# A field schema's column types: the profiler's (string, integer, number, date, timestamp,
# boolean) and the spellings providers commonly write for them.
FIELD_TYPE_LABELS = {
    "string": N_("text"),
    "integer": N_("whole number"),
    "number": N_("decimal number"),
    "float": N_("decimal number"),
    "date": N_("date"),
    "timestamp": N_("date and time"),
    "datetime": N_("date and time"),
    "boolean": N_("true or false"),
    "geometry": N_("geometry"),
}


def label(value) -> str:
    """An enum member (or a bool) in the reader's language; ``None`` reads as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext(YES_NO[value])
    if isinstance(value, StaffRole):
        return gettext(value.label)
    labels = ENUM_LABELS.get(type(value))
    if labels is not None and value in labels:
        return gettext(labels[value])
    return str(value)


def field_type(code: str | None) -> str:
    """A column type of a field schema (``integer`` → 整数) in the reader's language; a type the
    exchange does not know is shown as the provider wrote it."""
    if not code:
        return "—"
    known = FIELD_TYPE_LABELS.get(code.strip().lower())
    return gettext(known) if known else code


def actor(code: str | None) -> str:
    """Who moved something (``system`` → the exchange), in the reader's language."""
    return gettext(ACTOR_LABELS[code]) if code in ACTOR_LABELS else (code or "—")


def region(code: str | None) -> str:
    """A coverage region's name (``shenzhen`` → 深圳)."""
    return gettext(REGION_LABELS[code]) if code in REGION_LABELS else (code or "—")


# China's four jurisdictions are named as the mainland names them, whatever CLDR says.
CHINA = {
    "CN": N_("Mainland China"),
    "HK": N_("Hong Kong, China"),
    "MO": N_("Macao, China"),
    "TW": N_("Taiwan, China"),
}


# In a list of places the regions drop ", China": "Mainland China, Hong Kong, China, and
# Macao, China" reads as five places; "Mainland China, Hong Kong, and Macao" as three.
CHINA_LISTED = {"HK": N_("Hong Kong"), "MO": N_("Macao"), "TW": N_("Taiwan")}


# Where CLDR's Hong Kong names still follow Taiwan's, the names the Hong Kong government writes.
HONG_KONG_NAMES = {"NZ": "新西蘭", "AZ": "阿塞拜疆"}


def territory(code: str | None) -> str:
    """An ISO 3166 territory (``CN``, or ``*`` for worldwide) named in the reader's language."""
    if code == "*":
        return gettext("Worldwide")
    if code in CHINA:
        return gettext(CHINA[code])
    locale = Locale.parse(_names_locale())
    if str(locale) == "zh_Hant_HK" and code in HONG_KONG_NAMES:
        return HONG_KONG_NAMES[code]
    return locale.territories.get(code or "", code or "—")


def territories(codes) -> str:
    """Several territories as one phrase in the reader's language (:func:`word_list`), China's
    regions by their names in a list (``Mainland China, Hong Kong, and Macao``); one alone by
    its full name (:func:`territory`)."""
    codes = list(codes)
    if len(codes) == 1:
        return territory(codes[0])
    return word_list(
        gettext(CHINA_LISTED[code]) if code in CHINA_LISTED else territory(code) for code in codes
    )


def territory_choices() -> list[tuple[str, str]]:
    """``(code, name in the reader's language)`` for every territory: China's four first, then
    the others by name."""
    others = sorted((code for code in TERRITORIES if code not in CHINA), key=territory)
    return [(code, territory(code)) for code in [*CHINA, *others]]


def home_currency() -> str:
    """The exchange's currency (``SHUJIAO_CURRENCY``)."""
    return current_app.config.get("CURRENCY") or "CNY"


def _names_locale():
    return names_locale(get_locale())


def currency_choices() -> list[tuple[str, str]]:
    """``(code, name in the reader's language)``, the exchange's currency first."""
    codes = [home_currency(), *(c for c in COMMON_CURRENCIES if c != home_currency())]
    return [(code, get_currency_name(code, locale=_names_locale())) for code in codes]


def currency_name(code: str | None) -> str:
    """A currency's name in the reader's language (``CNY`` → 人民币, Chinese Yuan)."""
    if not code:
        return "—"
    return get_currency_name(code, locale=_names_locale())


def when(value: datetime | date | None) -> str:
    """A moment in China Standard Time, with the zone named (``2026-03-02 10:00 中国标准时间``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm zzzz")
    return format_date(value, "yyyy-MM-dd")


def period_start(value: datetime) -> str:
    """A period's first moment as it was entered: the first day when it starts at midnight of
    the exchange's zone (``2026-12-01``), else the moment itself."""
    local = to_user_timezone(value)
    return format_date(local, "yyyy-MM-dd") if local.time() == time() else when(value)


def period_last_day(value: datetime) -> str:
    """A period's end, which is not included, as the staff member entered it: the last day
    when it ends at midnight of the exchange's zone (``2027-01-01 00:00`` → ``2026-12-31``),
    else the moment it ends before."""
    local = to_user_timezone(value)
    if local.time() == time():
        return format_date(local - timedelta(days=1), "yyyy-MM-dd")
    return gettext("before %(moment)s", moment=when(value))


def day(value: datetime | date | None) -> str:
    """The calendar day in China Standard Time (``2026-03-02``)."""
    if value is None:
        return ""
    return format_date(value, "yyyy-MM-dd")


def filesize(size: int | None) -> str:
    """``67108864`` → ``64 MiB``: the one size formatter of the pages, in binary multiples
    named as such, one decimal below ten units; under a KiB, in bytes spelled out in the
    reader's language (``59 bytes``, ``59 字节``), which a buyer reads where ``59 B`` puzzles."""
    if size is None:
        return ""
    value, unit = float(size), UNITS[0]
    for unit in UNITS:
        if value < 1024 or unit == UNITS[-1]:
            break
        value /= 1024
    if unit == "B":
        return ngettext("%(num)s byte", "%(num)s bytes", int(value))
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return f"{text.removesuffix('.0')} {unit}"


_CJK = re.compile(r"[\u3400-\u9fff]")


def text_lang(text: str | None) -> str:
    """The ``lang`` of free text people typed: Chinese if it has Chinese characters, in the
    script it is written in (``zh-Hant`` for 香港數碼分析, else ``zh-Hans``), so that a page in
    the other script marks it as quoted, not as its own words."""
    if not (text and _CJK.search(text)):
        return "en"
    return "zh-Hant" if is_traditional(text) else "zh-Hans"


def folded(text: str | None) -> str:
    """``text`` folded to Simplified characters (一次性授權 → 一次性授权), to compare what people
    typed with the exchange's own words in the other script."""
    return search.analysis.fold(text or "")


def typed(text: str | None) -> Markup:
    """Free text people typed (a name, a reason, a bank's line), escaped and marked with its
    language, so a page in the other language reads it as quoted, not as untranslated."""
    if text is None or text == "":
        return Markup("")
    return Markup('<span lang="{}">{}</span>').format(text_lang(str(text)), text)


# What a sentence of ours quotes: a title people typed, in “…” (English) or 「…」 (Chinese).
_QUOTED = re.compile(r"(?<=[“「])([^”」]+)(?=[”」])")


def quoting(sentence: str | None) -> Markup:
    """A sentence of the exchange's (a notification's subject) whose quoted titles, typed by
    people, are each marked with their own language."""
    if not sentence:
        return Markup("")
    parts = _QUOTED.split(str(sentence))
    if reads_traditional():
        # The exchange's own words follow the reader into Traditional; the quoted titles stay
        # as their authors typed them.
        parts = [
            part if index % 2 else own_words_to_traditional(part)
            for index, part in enumerate(parts)
        ]
    return Markup("").join(typed(part) if index % 2 else part for index, part in enumerate(parts))


def both(zh: str | None, en: str | None, separator: str = " · ") -> Markup:
    """A name given in Chinese and in English (an organisation, an asset), each marked with
    its language."""
    parts = [
        Markup('<span lang="{}">{}</span>').format(text_lang(text) if lang == "zh" else lang, text)
        for lang, text in (("zh", zh), ("en", en))
        if text
    ]
    return Markup(separator).join(parts)


# The chart of accounts' codes (``market/trading/books.py``, ``market/finance/books.py``) by
# name; a code with a number at its end names that organisation or order.
ACCOUNT_NAMES = {
    "assets": N_("Assets"),
    "assets:bank": N_("Bank deposits"),
    "assets:stripe_clearing": N_("Stripe clearing"),
    "assets:stripe_payouts_in_transit": N_("Stripe transfers in transit"),
    "assets:stripe_disputed_funds": N_("Funds held in Stripe disputes"),
    "assets:provider_receivable": N_("Receivable from providers"),
    "liabilities": N_("Liabilities"),
    "liabilities:escrow": N_("Escrow"),
    "liabilities:provider_payable": N_("Payable to providers"),
    "liabilities:vat_output": N_("Output VAT"),
    "liabilities:unapplied_receipts": N_("Unapplied receipts"),
    "liabilities:payouts_in_transit": N_("Payouts in transit"),
    "revenue": N_("Revenue"),
    "revenue:platform_fees": N_("Platform fees"),
    "revenue:bank_interest": N_("Bank interest"),
    "expenses": N_("Expenses"),
    "expenses:payment_fees": N_("Payment processing fees"),
    "expenses:dispute_fees": N_("Dispute fees"),
    "expenses:bank_charges": N_("Bank charges"),
    "equity": N_("Equity"),
    "equity:fx_position": N_("Foreign exchange position"),
    "equity:opening_balances": N_("Opening balances"),
    "liabilities:refunds_payable": N_("Refunds payable"),
    "liabilities:refunds_in_transit": N_("Refunds in transit"),
}
ACCOUNT_OF = {
    "org": N_("%(name)s, organisation %(number)s"),
    "order": N_("%(name)s, order %(number)s"),
}
_NUMBERED = re.compile(r"^(?P<parent>.+):(?P<kind>org|order):(?P<number>\d+)$")


def account_name(code: str | None) -> str:
    """A ledger account's name in the reader's language (``liabilities:escrow:order:14`` →
    托管款（订单 SJ0000001456）); empty for a code the chart does not name."""
    if not code:
        return ""
    numbered = _NUMBERED.match(code)
    if numbered and numbered["parent"] in ACCOUNT_NAMES:
        number = numbered["number"]
        if numbered["kind"] == "order":  # the order as pages and bank transfers name it
            number = reference_for(int(number))
        return gettext(
            ACCOUNT_OF[numbered["kind"]],
            name=gettext(ACCOUNT_NAMES[numbered["parent"]]),
            number=number,
        )
    if code in ACCOUNT_NAMES:
        return gettext(ACCOUNT_NAMES[code])
    # An account of the exchange's own under a named one (``assets:bank:cmb-main``, a bank
    # account's ledger code): the named one's name and the rest of the code. A top-level name
    # alone (``assets``) says nothing of what the account is.
    parent, _, rest = code.rpartition(":")
    while ":" in parent and parent not in ACCOUNT_NAMES:
        parent, _, more = parent.rpartition(":")
        rest = f"{more}:{rest}"
    named = ":" in parent and parent in ACCOUNT_NAMES
    return f"{gettext(ACCOUNT_NAMES[parent])} · {rest}" if named else ""


# What the books write as an entry's description (``market/trading/books.py``,
# ``market/finance/books.py``), in the reader's language; anything else (a correction's
# reason, Stripe's own words) is shown as it was typed.
ENTRY_DESCRIPTIONS = [
    (re.compile(pattern), message)
    for pattern, message in (
        (r"^order (?P<order>\S+) paid \((?P<method>\w+)\)$", N_("Order %(order)s paid (%(method)s)")),
        (r"^receipt held for finance \((?P<method>\w+)\)$", N_("Receipt held for finance (%(method)s)")),
        (r"^held receipt returned \((?P<method>\w+)\)$", N_("Held receipt returned (%(method)s)")),
        (r"^order (?P<order>\S+) settled$", N_("Order %(order)s settled")),
        (r"^refund (?P<refund>\d+) of order (?P<order>\S+) reserved$", N_("Refund %(refund)s of order %(order)s reserved")),
        (r"^refund (?P<refund>\d+) of order (?P<order>\S+)$", N_("Refund %(refund)s of order %(order)s")),
        (r"^refund (?P<refund>\d+) of settled order (?P<order>\S+)$", N_("Refund %(refund)s of settled order %(order)s")),
        (r"^receivable of organisation (?P<org>\d+) set off in batch (?P<batch>\d+)$", N_("Receivable of organisation %(org)s set off in batch %(batch)s")),
        (r"^Stripe fees and conversions of (?P<day>[\d-]+): (?P<count>\d+) lines$", N_("Stripe fees and conversions of %(day)s: %(count)s lines")),
        (r"^Stripe payout (?P<payout>\S+) returned$", N_("Stripe payout %(payout)s returned")),
        (r"^Stripe payout (?P<payout>\S+) received$", N_("Stripe payout %(payout)s received")),
        (r"^Stripe payout (?P<payout>\S+)$", N_("Stripe payout %(payout)s")),
        (r"^Stripe dispute (?P<dispute>\S+) reinstated$", N_("Stripe dispute %(dispute)s reinstated")),
        (r"^Stripe dispute (?P<dispute>\S+) withdrawn$", N_("Stripe dispute %(dispute)s withdrawn")),
        (r"^Stripe dispute (?P<dispute>\S+) lost$", N_("Stripe dispute %(dispute)s lost")),
        (r"^payout (?P<payout>\d+) to organisation (?P<org>\d+) reserved$", N_("Payout %(payout)s to organisation %(org)s reserved")),
        (r"^payout (?P<payout>\d+) submitted to the bank$", N_("Payout %(payout)s submitted to the bank")),
        (r"^payout (?P<payout>\d+) paid$", N_("Payout %(payout)s paid")),
        (r"^payout (?P<payout>\d+) returned by the bank: (?P<reason>.*)$", N_("Payout %(payout)s returned by the bank: %(reason)s")),
        (r"^refund (?P<refund>\d+) sent to the buyer's bank account$", N_("Refund %(refund)s sent to the buyer's bank account")),
        (r"^refund (?P<refund>\d+) paid$", N_("Refund %(refund)s paid")),
        (r"^Opening balance of bank account (?P<account>\d+)$", N_("Opening balance of bank account %(account)s")),
    )
]  # fmt: skip
PAYMENT_METHOD_NAMES = {
    "stripe": N_("Card or wallet (Stripe)"),
    "bank_transfer": N_("Bank transfer"),
}


def entry_description(text: str | None) -> str:
    """An entry's description in the reader's language when the books wrote it."""
    for pattern, message in ENTRY_DESCRIPTIONS:
        found = pattern.match(text or "")
        if found:
            values = found.groupdict()
            if "method" in values:
                method = values["method"]
                values["method"] = (
                    gettext(PAYMENT_METHOD_NAMES[method])
                    if method in PAYMENT_METHOD_NAMES
                    else method
                )
            return gettext(message, **values)
    return text or ""


def account(code: str | None) -> Markup:
    """A ledger account as a page shows it: its name in the reader's language beside its code."""
    name = account_name(code)
    coded = Markup("<code>{}</code>").format(code or "—")
    return Markup("{} {}").format(name, coded) if name else coded


def money_html(minor: int, currency: str) -> Markup:
    """The ``money`` filter of the pages: the amount in a ``.money`` span, which never breaks
    inside (``¥88,000.`` on one line and ``00`` on the next on a phone)."""
    return Markup('<span class="money">{}</span>').format(money(minor, currency))


def colon(label: str) -> str:
    """A label before its value: ``状态：`` in Chinese (the full-width colon, no space),
    ``Status: `` in English; the one way a page writes ``label: value``."""
    language = get_locale().language if get_locale() else "zh"
    return label + ("：" if language == "zh" else ": ")


def word_list(items) -> str:
    """Several words as one phrase in the reader's language: 内部分析、公共服务和科学研究,
    ``Internal analytics and Research`` (Babel's list patterns)."""
    items = [str(item) for item in items]
    return format_list(items, locale=get_locale() or "zh") if items else ""


def list_separator() -> str:
    """Between the items of a list a template writes itself: 、 in Chinese, ``, `` in English."""
    language = get_locale().language if get_locale() else "zh"
    return "、" if language == "zh" else ", "


def register(app) -> None:
    """Give the templates these filters and globals."""
    app.add_template_filter(money_html, "money")
    app.add_template_filter(when)
    app.add_template_filter(colon)
    app.add_template_filter(currency_name)
    app.add_template_filter(day)
    app.add_template_filter(period_start)
    app.add_template_filter(period_last_day)
    app.add_template_filter(filesize)
    app.add_template_filter(error_text)
    app.add_template_global(error_lines)
    app.add_template_global(list_separator)
    app.add_template_filter(word_list)
    app.add_template_filter(label)
    app.add_template_filter(account_name)
    app.add_template_filter(entry_description)
    app.add_template_filter(account)
    app.add_template_filter(field_type)
    app.add_template_filter(actor)
    app.add_template_filter(region)
    app.add_template_filter(territory)
    app.add_template_filter(territories)
    app.add_template_filter(text_lang)
    app.add_template_filter(typed)
    app.add_template_filter(folded)
    app.add_template_filter(quoting)
    app.add_template_global(both)
    app.add_template_global(shown_name, "plan_name")
    app.add_template_global(maxlength)
    app.add_template_global(currency_choices)
    app.add_template_global(home_currency)
