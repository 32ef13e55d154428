"""How values read on the pages: sizes in one unit system, accounts by name."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from market.config import ROOT
from market.display import (
    account_name,
    both,
    colon,
    currency_choices,
    currency_name,
    filesize,
    money_html,
    quoting,
    territories,
    territory_choices,
    text_lang,
    word_list,
)
from market.listings import terms as licence


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (None, ""),
        (0, "0 bytes"),
        (1, "1 byte"),
        (59, "59 bytes"),
        (1023, "1023 bytes"),
        (2048, "2 KiB"),
        (67_108_864, "64 MiB"),
        (314_918_166, "300 MiB"),
        (1_074_267_419, "1 GiB"),
        (1_099_511_627_776, "1 TiB"),
        (10 * 1_099_511_627_776 * 1024, "10240 TiB"),
        (5_767_168, "5.5 MiB"),
    ],
)
def test_a_size_is_shown_in_binary_multiples_named_as_such(size, shown):
    assert filesize(size) == shown


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("assets:bank", "银行存款", "Bank deposits"),
        ("liabilities:escrow:order:14", "托管款（订单 SJ0000001456）", "Escrow, order SJ0000001456"),
        ("liabilities:provider_payable:org:7", "应付提供方款项（机构 7）",
         "Payable to providers, organisation 7"),
        ("assets:provider_receivable:org:3", "应收提供方款项（机构 3）",
         "Receivable from providers, organisation 3"),
        ("equity:fx_position", "外汇头寸", "Foreign exchange position"),
        ("liabilities:refunds_payable:org:7", "应付退款（机构 7）",
         "Refunds payable, organisation 7"),
        ("liabilities:refunds_in_transit", "在途退款", "Refunds in transit"),
        ("equity:opening_balances", "期初余额", "Opening balances"),
        ("assets:bank:cmb-main", "银行存款 · cmb-main", "Bank deposits · cmb-main"),
        ("assets:something_new", "", ""),
        ("", "", ""),
    ],
)  # fmt: skip
def test_an_account_is_named_in_the_readers_language(code, zh, en):
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "market" / "translations")
    Babel(app)
    with app.test_request_context():
        with force_locale("zh"):
            assert account_name(code) == zh
        with force_locale("en"):
            assert account_name(code) == en


def _app() -> Flask:
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "market" / "translations")
    Babel(app)
    return app


def test_a_label_ends_in_the_colon_of_its_language():
    with _app().test_request_context():
        with force_locale("zh"):
            assert colon("状态") == "状态："
        with force_locale("en"):
            assert colon("Status") == "Status: "


def test_an_amount_is_one_unbreakable_span():
    with _app().test_request_context(), force_locale("zh"):
        assert str(money_html(8_800_000, "CNY")) == '<span class="money">¥88,000.00</span>'


def test_no_template_writes_a_colon_of_its_own_after_a_label():
    """``{{ _("Status")|colon }}``, never ``{{ _("Status") }}: `` (an ASCII colon on a Chinese
    page)."""
    written = {
        str(path.relative_to(ROOT)): len(re.findall(r"\}\}: ", path.read_text()))
        for path in sorted((ROOT / "templates").rglob("*.html"))
    }
    assert {name: count for name, count in written.items() if count} == {}


def test_a_notification_reads_in_traditional_with_its_quoted_titles_as_typed():
    sentence = "您的求购「深圳公交数据」找到 3 个匹配挂牌"
    with _app().test_request_context():
        with force_locale("zh_Hant"):
            shown = str(quoting(sentence))
        with force_locale("zh"):
            simplified = str(quoting(sentence))
    assert shown.startswith("您的求購「") and shown.endswith("」找到 3 個匹配掛牌")
    assert ">深圳公交数据</span>" in shown  # the title stays as its author typed it
    assert simplified.startswith("您的求购「")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("测试数据有限公司", "zh-Hans"),
        ("香港數碼分析有限公司", "zh-Hant"),
        ("深圳鵬程數據科技有限公司🐉", "zh-Hant"),
        ("深圳交通", "zh-Hans"),  # written alike in both scripts: the working script
        ("Shenzhen bus data", "en"),
    ],
    ids=["simplified", "traditional", "traditional-emoji", "either", "english"],
)
def test_typed_text_is_marked_in_the_script_it_is_written_in(text, lang):
    assert text_lang(text) == lang


def test_a_name_in_two_languages_marks_its_chinese_by_its_script():
    assert str(both("香港數碼分析有限公司", "HK Data Analytics")) == (
        '<span lang="zh-Hant">香港數碼分析有限公司</span> · <span lang="en">HK Data Analytics</span>'
    )


def test_licence_terms_list_their_scenarios_and_places_in_each_languages_own_way():
    terms = {
        "scenarios": ["internal_analytics", "research"],
        "territory": ["CN", "HK"],
        "duration_months": 12,
        "cross_border": True,
        "redistribution": False,
        "resale": False,
        "derivatives": False,
        "attribution": False,
    }
    names = {
        "CN": {"zh": "中国内地", "en": "Mainland China"},
        "HK": {"zh": "中国香港", "en": "Hong Kong, China"},
    }

    def rows(language):
        with force_locale(language):
            from flask_babel import gettext

            shown = licence.describe(
                terms, gettext, lambda code: names[code][language], word_list, home="CN"
            )
            return dict(shown)

    with _app().test_request_context():
        chinese, english = rows("zh"), rows("en")
    assert ", " not in "".join(chinese.values())
    assert "中国内地和中国香港" in chinese.values()
    assert "Mainland China and Hong Kong, China" in english.values()


@pytest.mark.parametrize(
    ("language", "codes", "shown"),
    [
        ("en", ["CN", "HK", "MO"], "Mainland China, Hong Kong, and Macao"),
        ("en", ["HK", "SG"], "Hong Kong and Singapore"),
        ("en", ["HK"], "Hong Kong, China"),
        ("zh", ["CN", "HK", "MO"], "中国内地、中国香港和中国澳门"),
        ("zh_Hant", ["CN", "HK", "MO"], "中國內地、中國香港和中國澳門"),
    ],
)
def test_a_list_of_territories_names_each_once(language, codes, shown):
    # "Mainland China, Hong Kong, China, and Macao, China" read as five places.
    with _app().test_request_context(), force_locale(language):
        assert territories(codes) == shown


def test_the_hong_kong_dollar_is_named_alike_in_both_scripts():
    with _app().test_request_context():
        for language in ("zh", "zh_Hant"):
            with force_locale(language):
                assert dict(currency_choices())["HKD"] == "港元", language


def test_traditional_pages_name_countries_and_currencies_as_hong_kong_does():
    with _app().test_request_context(), force_locale("zh_Hant"):
        names = dict(territory_choices())
        hkd = currency_name("HKD")
        offered = dict(currency_choices())["HKD"]
    hong_kong = ["IT", "NZ", "LA", "KE", "AZ"]
    assert [names[code] for code in hong_kong] == ["意大利", "新西蘭", "老撾", "肯尼亞", "阿塞拜疆"]
    assert names["SA"] in ("沙地阿拉伯", "沙特阿拉伯")
    taiwan = {"義大利", "紐西蘭", "寮國", "沙烏地阿拉伯", "肯亞", "亞塞拜然"}
    assert not taiwan & set(names.values())
    # One name for the Hong Kong dollar wherever a page shows it.
    assert hkd == offered == "港元"
