"""Every user-facing string has a Simplified Chinese translation, and the template is current;
the Traditional catalogue follows the Simplified one."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "market" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
TEMPLATE = ROOT / "market" / "translations" / "messages.pot"


def _ids(path: Path) -> set[tuple[str, str | None]]:
    """Each message's id with its context (``pgettext``'s first argument), if any."""
    with path.open("rb") as handle:
        return {(message.id, message.context) for message in read_po(handle) if message.id}


def _extract(tmp_path: Path) -> Path:
    """The template extracted from the code and pages now, as ``make messages`` writes it."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return template


def test_the_template_is_current(tmp_path):
    """``messages.pot`` holds exactly the messages of the code (run ``make messages``)."""
    extracted, committed = _ids(_extract(tmp_path)), _ids(TEMPLATE)
    assert (sorted(map(str, extracted - committed)), sorted(map(str, committed - extracted))) == (
        [],
        [],
    )


def test_every_message_in_the_code_is_translated(tmp_path):
    template = _extract(tmp_path)
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = sorted(
        (message_id, context or "")
        for message_id, context in _ids(template)
        if not (catalogue.get(message_id, context) and catalogue.get(message_id, context).string)
    )
    assert untranslated == []


def test_a_provider_is_called_by_the_glossarys_word():
    """docs/glossary.md: a provider is 提供方 on every page, not now 提供方 and now 数据商."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    other = sorted(
        message.id
        for message in catalogue
        if message.id and isinstance(message.string, str) and "数据商" in message.string
    )
    assert other == []


def test_a_reviewer_asks_for_more_in_the_words_of_the_option_chosen():
    """The review form's option reads 要求补正: its reason label named the same decision
    要求补充材料, and a reviewer read two decisions."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    option = catalogue.get("Request more information").string
    reason = catalogue.get("Reason (needed to reject, ask for more or suspend)").string
    assert option in reason


def test_the_mainland_is_called_by_one_name():
    """docs/glossary.md: the mainland is 中国内地 on every page (a buyer read 中國內地 and
    僅限中國大陸 on one page), never now 内地 and now 大陆."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    other = sorted(
        message.id
        for message in catalogue
        if message.id and isinstance(message.string, str) and "大陆" in message.string
    )
    assert other == []


def test_a_listing_is_put_on_and_taken_off_the_market_in_the_exchanges_words():
    """docs/glossary.md: a listing is 挂牌 / 已挂牌 and 摘牌, never 上架, 在售 or 下架, so a page
    does not show 已上架 beside 在售 for one state, nor confirm 下架 on a 摘牌 button."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    other = sorted(
        message.id
        for message in catalogue
        if message.id
        and isinstance(message.string, str)
        and any(word in message.string for word in ("上架", "下架", "在售"))
    )
    assert other == []
    code = [
        path.name
        for path in (ROOT / "market").rglob("*.py")
        if any(word in path.read_text(encoding="utf-8") for word in ("上架", "下架", "在售"))
    ]
    assert code == []


# --- Traditional Chinese (zh_Hant), built from the Simplified catalogue --------------------------


def _hant(tmp_path: Path):
    """The Traditional catalogue as ``make translations`` writes it, from the committed one."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import hant as tool
    finally:
        sys.path.remove(str(ROOT / "tools"))
    target = tmp_path / "zh_Hant" / "messages.po"
    tool.convert(CATALOGUE, target)
    with target.open("rb") as handle:
        return read_po(handle)


def test_the_traditional_catalogue_translates_every_message_in_traditional_words(tmp_path):
    hant = _hant(tmp_path)
    with CATALOGUE.open("rb") as handle:
        simplified = read_po(handle)
    missing = sorted(
        message.id
        for message in simplified
        if message.id and message.string and not (hant.get(message.id, message.context) or None)
    )
    assert missing == []
    assert str(hant.locale) == "zh_Hant"
    # The exchange's words in Traditional characters, and Hong Kong/Taiwan terms from the list.
    assert hant.get("Sign in").string == "登入"
    assert hant.get("Sign out").string == "登出"
    listed = [m.string for m in hant if m.id and isinstance(m.string, str) and "挂牌" in m.string]
    assert listed == []
    # Placeholders pass untouched.
    for message in hant:
        if message.id and isinstance(message.string, str) and "%(" in message.id:
            assert sorted(re.findall(r"%\(\w+\)s", message.string)) == sorted(
                re.findall(r"%\(\w+\)s", simplified.get(message.id, message.context).string)
            ), message.id


def test_the_override_list_changes_terms_only():
    from market.hant import OVERRIDES, to_traditional

    assert to_traditional("登录账户，下载文件") == "登入帳戶，下載檔案"
    assert to_traditional("数据资产的登记确权、挂牌与求购") == "數據資產的登記確權、掛牌與求購"
    assert to_traditional("%(name)s 已通过审核") == "%(name)s 已通過審核"
    assert to_traditional("") == ""
    assert to_traditional("创建账户，至少 10 个字符") == "建立帳戶，至少 10 個字元"
    assert all(standard != preferred for standard, preferred in OVERRIDES)


def test_the_traditional_catalogue_quotes_and_words_as_hong_kong_and_taiwan_do(tmp_path):
    hant = _hant(tmp_path)
    strings = [m.string for m in hant if m.id and isinstance(m.string, str)]
    assert not [s for s in strings if any(mark in s for mark in "“”‘’")]
    assert not [s for s in strings if "搜索" in s or "導入" in s or "導出" in s]
    assert hant.get("Search").string == "搜尋"
    # A mainland law keeps its name.
    assert any("《個人信息保護法》" in s for s in strings)
    assert not any("個人資訊保護法" in s for s in strings)


def test_the_traditional_catalogue_says_real_time_as_hong_kong_does(tmp_path):
    hant = _hant(tmp_path)
    assert hant.get("Real time").string == "即時"
    assert not [m.id for m in hant if m.id and isinstance(m.string, str) and "實時" in m.string]


def test_and_before_merge_is_written_as_and_then_merge(tmp_path):
    hant = _hant(tmp_path)
    assert hant.get("Save and join").string == "儲存並合併"
    strings = [m.string for m in hant if m.id and isinstance(m.string, str)]
    assert not [s for s in strings if "併合" in s or "合並" in s]


def test_personal_data_is_called_as_hong_kong_calls_it_outside_the_mainland_laws_name(tmp_path):
    from market.hant import to_traditional

    assert to_traditional("请勿上传个人信息") == "請勿上傳個人資料"
    hant = _hant(tmp_path)
    strings = [m.string for m in hant if m.id and isinstance(m.string, str)]
    assert not [s for s in strings if "個人資訊" in s]
    assert any("個人資料" in s for s in strings)


# Mainland words a Hong Kong reader would not write, and the reviewed places they stay: 通過 as
# "approved" (審核通過), 信息 in the names of mainland laws.
MAINLAND_WORDS = (
    "內置", "添加", "保存", "自定義", "查找", "通過 API", "通過銀行", "視頻", "點擊繼續", "設置",
    "運行", "聯繫", "用戶名(?!稱)", "粘貼", "內存", "設備", "模板", "存儲", "連接中斷", "信息", "默認",
    "登錄", "菜單", "鏈接", "賬號", "賬戶", "文件", "屏幕", "服務器", "數據庫", "接口",
    "字節", "音頻", "數字文化", "文本", "營銷", "當前", "哈希", "獲取", "令牌", "分片", "打印",
    "調優", "去掉篩選", "點開", "加載", "附言編號", "掛起",
)  # fmt: skip
REVIEWED = ("個人信息保護法", "個人信息出境標準合同", "個人信息保護認證")


def test_the_traditional_catalogue_keeps_no_mainland_word(tmp_path):
    hant = _hant(tmp_path)
    found = []
    for message in hant:
        if not (message.id and isinstance(message.string, str)):
            continue
        text = message.string
        for name in REVIEWED:
            text = text.replace(name, "")
        found += [(word, message.string) for word in MAINLAND_WORDS if re.search(word, text)]
    assert found == []
    assert hant.get("Save draft").string == "儲存草稿"
    assert hant.get("Add").string == "新增"
    assert (
        hant.get("This entitlement is delivered through the API.").string == "這項權益經 API 交付。"
    )
    assert hant.get("Video").string == "影片"
    assert hant.get("Print").string == "列印"
    reload = "Something went wrong. Reload the page and try again."
    assert hant.get(reload).string == "出現錯誤。請重新載入頁面後再試。"
    assert hant.get("API").string == "API 介面"
    # Calling an API is 調用 in Hong Kong and Macao as on the mainland; 呼叫 (Taiwan's) pages.
    assert not [m.string for m in hant if m.id and isinstance(m.string, str) and "呼叫" in m.string]
    assert hant.get("Prepaid usage package").string == "預付費調用包"
    assert hant.get("Marketing").string == "市場推廣"
    assert hant.get("Digital cultural assets").string == "數碼文化資產"
    assert hant.get("Not a valid number.").string == "請輸入數字。"
    assert hant.get("Payment reference").string == "付款參考編號"
    assert hant.get("Held receipts").string == "暫存的到賬"


# Characters OpenCC's phrases put where the sentence means another word (最多只 is "at most
# only", not 多隻 "many" of animals; 发卡银行 is a card's issuer, not 髮卡 a hair clip).
MISREAD = ("隻", "髮", "乾", "鍾", "瞭", "裡", "著(?!作)")


def test_the_traditional_catalogue_reads_each_character_as_the_sentence_means(tmp_path):
    from market.hant import to_traditional

    assert to_traditional("连接中断最多只损失几个分片") == "連線中斷最多只損失幾個分段"
    assert to_traditional("发卡银行") == "發卡銀行"
    assert to_traditional("请求体声明了其他字符集") == "請求體聲明了其他字元集"
    hant = _hant(tmp_path)
    strings = [m.string for m in hant if m.id and isinstance(m.string, str)]
    assert [s for s in strings if any(re.search(mark, s) for mark in MISREAD)] == []


def test_the_traditional_catalogue_writes_tai_as_hong_kong_does(tmp_path):
    from market.hant import characters, term_to_traditional, to_traditional

    # s2tw writes Taiwan's official 臺; Hong Kong writes 台 (天文台, the Observatory).
    assert to_traditional("天文台的台风信号，交易平台后台") == "天文台的颱風信號，交易平台後台"
    assert characters("天文台") == term_to_traditional("天文台") == "天文台"
    hant = _hant(tmp_path)
    strings = [m.string for m in hant if m.id and isinstance(m.string, str)]
    assert not [s for s in strings if "臺" in s]
    assert any("平台" in s for s in strings)
