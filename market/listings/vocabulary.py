"""Words a listing is found by besides its own text: its category, kind, delivery, update
frequency, permitted uses, field schema and region, in both scripts and English, and which
places contain which.

A provider writes a title and a description; buyers search with the words of the trade
(数据集, API, 报告, 交通, transport), with what they will do with it (风控, 模型训练) and
with places wider than the listing's own (大湾区, 珠三角, Guangdong). The search document
carries these words in its ``tags_text`` field (simplified Chinese: the engines fold
traditional script), so a listing is found by them whether or not its provider wrote them.

A provider's name is matched whole instead (``provider_names``, :func:`name_forms`): its words
are often the words of the trade (城市交通数据有限公司), so as words they would match other
listings, and a place in it (深圳市...) would outrank the listings about that place.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from search.analysis import fold

#: Category (``Industry`` value) → words.
CATEGORY_WORDS = {
    "finance": "金融 金融服务 finance financial",
    "healthcare": "医疗 医疗健康 卫生 healthcare medical health",
    "transport": "交通 交通运输 出行 transport transportation mobility",
    "meteorology": "气象 天气 气候 meteorology weather climate",
    "education": "教育 科研 education research",
    "culture_tourism": "文化 旅游 文旅 文化旅游 culture tourism cultural",
    "manufacturing": "制造 制造业 工业 manufacturing industrial industry",
    "government": "政务 公共数据 政府 government public sector",
    "energy": "能源 电力 energy power",
    "agriculture": "农业 农林牧渔 agriculture farming",
    "other": "",
}

#: Asset kind (``AssetKind`` value) → words.
KIND_WORDS = {
    "dataset": "数据集 数据 dataset data",
    "data_service": "数据服务 接口 API service",
    "data_report": "数据报告 报告 统计 report statistics",
    "image": "图像 图片 影像 image images imagery",
    "audio": "音频 录音 audio recordings",
    "video": "视频 影片 video footage",
    "model_3d": "三维模型 三维 模型 3D model models",
    "text": "文本 语料 text",
}

#: Delivery method → words.
DELIVERY_WORDS = {"api": "接口 API 在线调用", "download": "下载 文件 download file"}

#: Update frequency (``UpdateFrequency`` value) → words.
FREQUENCY_WORDS = {
    "once": "",
    "realtime": "实时 real-time realtime live",
    "daily": "每日 逐日 日度 daily",
    "weekly": "每周 weekly",
    "monthly": "每月 月度 monthly",
    "quarterly": "季度 quarterly",
    "yearly": "年度 annual yearly",
    "irregular": "",
}

#: Usage scenario a licence permits (``UsageScenario`` value) → words.
SCENARIO_WORDS = {
    "research": "科研 研究 research",
    "internal_analytics": "内部分析 分析 analytics",
    "model_training": "模型训练 训练数据 AI training",
    "product_development": "产品开发 product development",
    "risk_control": "风控 风险控制 risk control",
    "marketing": "营销 marketing",
    "public_service": "公共服务 public service",
    "media_publication": "出版 媒体 传播 publication media",
}

#: Region → its names (Chinese, English) and the wider regions it lies in.
REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "shenzhen": ("深圳 深圳市 Shenzhen", ("guangdong", "pearl_river_delta", "greater_bay_area")),
    "guangzhou": ("广州 广州市 Guangzhou", ("guangdong", "pearl_river_delta", "greater_bay_area")),
    "dongguan": ("东莞 东莞市 Dongguan", ("guangdong", "pearl_river_delta", "greater_bay_area")),
    "foshan": ("佛山 佛山市 Foshan", ("guangdong", "pearl_river_delta", "greater_bay_area")),
    "zhuhai": ("珠海 珠海市 Zhuhai", ("guangdong", "pearl_river_delta", "greater_bay_area")),
    "hong_kong": ("香港 Hong Kong", ("greater_bay_area",)),
    "macao": ("澳门 Macao Macau", ("greater_bay_area",)),
    "guangdong": ("广东 广东省 Guangdong", ()),
    # The Pearl River Delta: the nine mainland cities of the Bay Area (no Hong Kong or Macao).
    "pearl_river_delta": ("珠三角 珠江三角洲 Pearl River Delta", ()),
    "greater_bay_area": ("粤港澳大湾区 大湾区 Greater Bay Area", ()),
    "shanghai": ("上海 上海市 Shanghai", ()),
    "beijing": ("北京 北京市 Beijing", ()),
    "hangzhou": ("杭州 杭州市 Hangzhou", ("zhejiang",)),
    "zhejiang": ("浙江 浙江省 Zhejiang", ()),
    "gansu": ("甘肃 甘肃省 敦煌 Gansu Dunhuang", ()),
    "national": ("全国 中国 national China nationwide", ()),
}


def region_words(region: str) -> str:
    """The names of a region and of the regions it lies in."""
    names, parents = REGIONS.get(region, ("", ()))
    return " ".join([names, *(REGIONS[parent][0] for parent in parents)]).strip()


def within(regions: list[str]) -> list[str]:
    """The regions named plus every region lying in one of them (大湾区 → its cities)."""
    out = dict.fromkeys(regions)
    for region, (_, parents) in REGIONS.items():
        if any(parent in out for parent in parents):
            out[region] = None
    return list(out)


def schema_words(field_schema: list | None) -> str:
    """Column names and descriptions of a tabular asset's field schema."""
    words = []
    for column in field_schema or ():
        if isinstance(column, dict):
            words.append(str(column.get("name") or "").replace("_", " "))
            words.append(str(column.get("description") or ""))
    return " ".join(word for word in words if word)


def tags(
    *,
    category: str,
    kind: str,
    delivery: str,
    region: str,
    frequency: str | None,
    field_schema: list | None,
    scenarios: list[str] | tuple[str, ...] = (),
) -> str:
    """The ``tags_text`` of a listing."""
    parts = (
        CATEGORY_WORDS.get(category, ""),
        KIND_WORDS.get(kind, ""),
        DELIVERY_WORDS.get(delivery, ""),
        FREQUENCY_WORDS.get(frequency or "", ""),
        region_words(region),
        *(SCENARIO_WORDS.get(str(scenario), "") for scenario in scenarios),
        schema_words(field_schema),
    )
    return " ".join(part for part in parts if part)


#: The ends of organisations' names that say what kind of body it is, as :func:`name_key`
#: spells them (no spaces or punctuation), longest first where one ends another.
ORGANISATION_FORMS = (
    "股份有限公司", "有限责任公司", "集团有限公司", "私人有限公司", "有限公司", "集团", "公司",
    "companylimited", "coltd", "limited", "ltd", "incorporated", "inc", "corporation", "corp",
    "company", "group", "llc", "plc", "gmbh",
)  # fmt: skip


def name_key(text: str) -> str:
    """A name as compared whole: simplified script, lower case, letters and digits only
    (深圳市 城市交通數據有限公司 and 深圳市城市交通数据有限公司 are one name)."""
    text = fold(unicodedata.normalize("NFKC", text or "")).lower()
    return "".join(ch for ch in text if ch.isalnum())


@cache
def _place_keys() -> tuple[str, ...]:
    """Every place name of :data:`REGIONS` as :func:`name_key` spells it, longest first."""
    keys = set()
    for names, _ in REGIONS.values():
        chinese = [w for w in names.split() if not w.isascii()]
        english = " ".join(w for w in names.split() if w.isascii())
        keys.update(name_key(w) for w in chinese)
        # English place names run over several words (Hong Kong, Greater Bay Area).
        keys.update(name_key(w) for w in _english_places(english))
    return tuple(sorted(keys, key=len, reverse=True))


def _english_places(words: str) -> list[str]:
    known = ("Greater Bay Area", "Pearl River Delta", "Hong Kong")
    for phrase in known:
        words = words.replace(phrase, phrase.replace(" ", "_"))
    return [w.replace("_", " ") for w in words.split()]


def name_forms(*names: str | None) -> list[str]:
    """The forms a buyer would type an organisation's name in, each as :func:`name_key`
    spells it: whole, without its kind of body (有限公司, Co., Ltd.), and without the place it
    starts with (深圳市). Never a bare place: 深圳 is not the name of 深圳市某某有限公司."""
    places = _place_keys()
    forms = set()
    for name in names:
        whole = name_key(name or "")
        forms.add(whole)
        forms.add(_without_end(whole))
        start = next((p for p in places if whole.startswith(p) and whole != p), "")
        forms.add(whole[len(start) :])
    return sorted(f for f in forms if _is_name(f) and f not in places)


def _without_end(key: str) -> str:
    for end in ORGANISATION_FORMS:
        if key.endswith(end) and len(key) > len(end):
            return key[: -len(end)]
    return key


def _is_name(key: str) -> bool:
    return len(key) >= (4 if key.isascii() else 2)
