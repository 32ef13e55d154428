"""Traditional Chinese (繁體中文, ``zh_Hant``) from the Simplified text: OpenCC's conversion
``s2tw`` (the character forms Taiwan and most Hong Kong print use: 為 and 核, not 爲 and 覈),
with Hong Kong's 台 for Taiwan's official 臺 (天文台), then the terms Hong Kong and Taiwan both write differently from the mainland (登入, 帳戶,
資訊, 搜尋 …), from a short list reviewed by hand; the catalogue also takes their quotation
marks 「…」 『…』.

The ``zh_Hant`` catalogue is built from the Simplified one by ``tools/hant.py`` (``make
translations``); pages convert the Simplified text of the exchange's own records (notification
subjects) the same way when the reader chose Traditional.
"""

from __future__ import annotations

import re
from functools import cache

import opencc

from search import analysis
from search.lexicon import DEFAULT_SYNONYMS

# (what OpenCC writes, what Hong Kong and Taiwan readers both expect). Longer terms first,
# so that a phrase is replaced before a word inside it. Terms the two write differently from
# each other (網絡/網路, 軟件/軟體, 數據/資料) keep the standard form: the exchange's
# own word is 數據 (數交).
OVERRIDES: tuple[tuple[str, str], ...] = (
    ("電子郵箱", "電子郵件"),
    ("郵箱地址", "電郵地址"),
    ("登錄", "登入"),
    ("賬戶", "帳戶"),
    ("賬號", "帳號"),
    ("賬單", "帳單"),
    ("對賬", "對帳"),
    ("個人信息", "個人資料"),  # personal data: 個人資料 in Hong Kong and Taiwan law and usage
    ("信息", "資訊"),
    ("默認", "預設"),
    ("郵箱", "電郵"),
    ("鏈接", "連結"),
    ("菜單", "選單"),
    ("退出", "登出"),
    ("文件", "檔案"),
    ("激活", "啟用"),
    ("服務器", "伺服器"),
    ("數據庫", "資料庫"),
    ("質量", "品質"),
    ("屏幕", "螢幕"),
    ("二維碼", "QR 碼"),
    ("字符串", "字串"),
    ("字符", "字元"),
    ("創建", "建立"),
    ("搜索", "搜尋"),
    ("導出", "匯出"),
    ("導入", "匯入"),
    ("實時", "即時"),  # real time: 即時 in Hong Kong and Taiwan
    ("支持", "支援"),  # the exchange's sentences say it of a feature, never of a person
    ("字段", "欄位"),  # a field of a form, a table or a file: 欄位 in Hong Kong and Taiwan
    # Hong Kong's words for the mainland's (reviewed with the catalogue; docs/pages.md lists them).
    ("內置", "內建"),
    ("自定義", "自訂"),
    ("添加到", "加入"),
    ("添加證明", "加入證明"),
    ("添加", "新增"),
    ("保存", "儲存"),
    ("查找", "尋找"),
    ("通過 API", "經 API"),  # 通過 alone is also "approved" (審核通過), which stays
    ("通過銀行", "經銀行"),
    ("視頻", "影片"),
    ("點擊繼續", "按繼續"),  # click a button; 點擊率 (click-through rate) is Hong Kong's too
    ("設置", "設定"),
    ("運行", "執行"),
    ("聯繫", "聯絡"),
    ("用戶名", "用戶名稱"),
    ("粘貼", "貼上"),
    ("內存", "記憶體"),
    ("設備", "裝置"),
    ("模板", "範本"),
    ("對象存儲", "物件儲存"),
    ("存儲", "儲存"),
    ("連接中斷", "連線中斷"),
    ("接口", "介面"),
    ("字節", "位元組"),
    ("音頻", "音訊"),
    ("數字文化資產", "數碼文化資產"),  # 數字 alone is a digit (請輸入數字), which stays
    ("文本", "文字"),
    ("市場營銷", "市場推廣"),
    ("當前", "目前"),
    ("哈希", "雜湊"),
    ("獲取令牌", "取得存取權杖"),
    ("訪問令牌", "存取權杖"),
    ("令牌", "權杖"),
    ("獲取", "取得"),
    ("分片", "分段"),  # a part of an upload
    ("打印", "列印"),
    ("調優", "調校"),  # search tuning: 調校 in Hong Kong
    ("去掉篩選條件", "移除篩選條件"),
    ("點開次數", "開啟次數"),  # opening a result
    ("點開", "打開"),
    ("加載", "載入"),  # reloading a page: 重新載入
    ("附言編號", "參考編號"),  # a bank transfer's payment reference
    ("掛起", "暫存"),  # money held for finance to resolve
    # OpenCC's phrases read as another word: 多只 as "many" with the measure word for animals
    # (多隻), 发卡 as a hair clip (髮卡), 声明了 as "clear" (明瞭). Here they are "at most only",
    # a card's issuer and "declared".
    ("多隻", "多只"),
    ("髮卡", "發卡"),
    ("聲明瞭", "聲明了"),
)

# Mainland legal names keep their own words (the law is 《個人信息保護法》 in Traditional too).
PROPER_NAMES: tuple[tuple[str, str], ...] = (
    ("個人資料保護法", "個人信息保護法"),
    ("個人資料出境標準合同", "個人信息出境標準合同"),
    ("個人資料保護認證", "個人信息保護認證"),
)

# Words OpenCC must not read across. Its longest match takes 并合 (併合, to annex) out of
# 保存并合并 ("save and merge") and writes 保存併合並; converted apart, the text around such a
# word keeps its own reading (并 alone is 並, "and") and the word its own (合併, merge).
WHOLE_WORDS: tuple[tuple[str, str], ...] = (("合并", "合併"),)
_WHOLE = re.compile("(" + "|".join(re.escape(word) for word, _ in WHOLE_WORDS) + ")")

# Characters written as Hong Kong writes them where ``s2tw`` gives Taiwan's official form:
# 臺 (天文臺, 平臺, 後臺) is 台 in Hong Kong (天文台, the Hong Kong Observatory; 平台; 後台),
# the exchange's nearest Traditional market and the region Traditional pages assume by
# default (``i18n.home_territory``), and in Taiwan's own everyday print. Not OpenCC's ``s2hk``:
# it also writes the school forms 户, 説, 税, 閲, 啓 for 戶, 說, 稅, 閱, 啟, which Hong Kong's
# government and press mostly do not print, and Taiwan readers never.
HONG_KONG_FORMS = str.maketrans({"臺": "台"})

# The quotation marks Hong Kong and Taiwan print: 「…」, and 『…』 inside them.
QUOTES = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2tw")


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def characters(text: str) -> str:
    """Text in Traditional characters only (OpenCC ``s2tw``, then :data:`HONG_KONG_FORMS`),
    its words kept: for text a search reads back, which :data:`OVERRIDES` would turn into
    other words (數據庫, not 資料庫)."""
    return _converter().convert(text).translate(HONG_KONG_FORMS) if text else text


def to_simplified(text: str) -> str:
    """Text in Simplified characters (OpenCC ``t2s``), for comparing what either script wrote."""
    return _to_simplified().convert(text) if text else text


def is_traditional(text: str) -> bool:
    """Whether Chinese text people typed is written in Traditional characters: it has some
    that the Simplified script writes otherwise, and none that only Simplified uses. Text that
    both scripts write alike (深圳交通) counts as Simplified, the exchange's working script."""
    if not text:
        return False
    return _to_simplified().convert(text) != text and _converter().convert(text) == text


def to_traditional(text: str) -> str:
    """Simplified Chinese text in Traditional characters and Hong Kong/Taiwan terms; text
    without Chinese (placeholders, codes) comes back as it was."""
    if not text:
        return text
    whole = dict(WHOLE_WORDS)
    converted = "".join(
        whole[part] if index % 2 else characters(part)
        for index, part in enumerate(_WHOLE.split(text))
    )
    for standard, preferred in OVERRIDES:
        converted = converted.replace(standard, preferred)
    for changed, name in PROPER_NAMES:
        converted = converted.replace(changed, name)
    return converted


def term_to_traditional(term: str) -> str:
    """A search term (a built-in synonym) in Traditional characters, for display only:
    OpenCC's characters alone, without the Hong Kong/Taiwan word list (信息 shown as 資訊 would
    name another term), and only when the search folds it back to the same term; otherwise
    the term as it is."""
    converted = characters(term)
    return converted if analysis.term_key(converted) == analysis.term_key(term) else term


#: The built-in synonym terms, as the library writes them (most in Simplified).
_BUILT_IN = frozenset(term for group in DEFAULT_SYNONYMS for term in group)


def built_in_to_traditional(term: str) -> str:
    """A term shown to a Traditional reader: a built-in term in Traditional
    (:func:`term_to_traditional`), the staff's own terms as typed."""
    return term_to_traditional(term) if term in _BUILT_IN else term


def group_to_traditional(group: str) -> str:
    """A synonym group as a message quotes it (terms joined by ", "), each built-in term in
    Traditional (:func:`built_in_to_traditional`)."""
    return ", ".join(built_in_to_traditional(term) for term in group.split(", "))


def catalogue_to_traditional(text: str) -> str:
    """A message of the exchange's own catalogue in Traditional: :func:`to_traditional`, with
    the quotation marks Hong Kong and Taiwan print (「…」, 『…』 inside)."""
    return to_traditional(text).translate(QUOTES) if text else text


# A title quoted in a sentence of the exchange's: people's own words, never converted.
_QUOTED = re.compile(r"(「[^」]*」|“[^”]*”)")


# An amount in yuan as a Simplified sentence writes it (¥1,200.00); Traditional pages write
# CN¥, ¥ alone being the yen there (Babel's zh_Hant; other currencies carry their codes already).
_YUAN = re.compile(r"(?<![A-Z])¥")


def own_words_to_traditional(text: str) -> str:
    """The exchange's own words of a sentence (not what it quotes) in Traditional, its amounts
    in yuan written as the Traditional pages write them (CN¥)."""
    return _YUAN.sub("CN¥", to_traditional(text))


def sentence_to_traditional(sentence: str) -> str:
    """A sentence of the exchange's (a notification) in Traditional, the titles it quotes in
    「…」 or “…” left as their authors typed them."""
    parts = _QUOTED.split(sentence or "")
    return "".join(
        part if index % 2 else own_words_to_traditional(part) for index, part in enumerate(parts)
    )
