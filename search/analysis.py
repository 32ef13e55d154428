"""Text analysis shared by the engines: script folding, jieba segmentation, synonyms,
highlighting.

Traditional Chinese is folded to simplified with OpenCC at index and query time (the embedded
engine converts whole texts; OpenSearch gets OpenCC's character table as a ``mapping`` char
filter), so 氣象數據 finds 气象数据. jieba knows the exchange's domain words
(:data:`DOMAIN_WORDS`) so that 遥测, 充电桩, 粤港澳大湾区 stay whole.

Synonyms are applied at query time only, by both engines, as query expansion: a
:class:`Synonyms` list can change at any moment without touching an index.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import math
import re
import sqlite3
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import opencc

from search.errors import InvalidSynonyms
from search.lexicon import DEFAULT_SYNONYMS, DOMAIN_WORDS, NOT_PLURAL, UNSTEMMED, WHOLE_WORDS

with warnings.catch_warnings():
    # jieba imports pkg_resources when setuptools is installed, which warns about itself and
    # about sys.path; those warnings concern jieba's packaging, not our use of it.
    warnings.filterwarnings("ignore", category=UserWarning, module="jieba")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="pkg_resources")
    import jieba

#: Groups of equivalent terms (Chinese and English) for common data-market words.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("数据集", "dataset", "data set"),
    ("接口", "api"),
    ("气象", "天气", "weather", "meteorological"),
    ("交通", "transport", "traffic"),
    ("医疗", "医疗健康", "healthcare", "medical"),
    ("信用", "credit"),
    ("公交", "bus"),
    ("音频", "audio"),
    ("影像", "图像", "imagery"),
)

#: Words dropped from queries: English stop words and the filler of requests in either
#: language ("we need", "有没有").
STOPWORDS = frozenset(
    """a an and are as at be by for from in into is it of on or such that the their this to
    with we i our my us you your me need needs needed want wants looking look find please
    some any get buy purchase about related can could would like which what where who there
    have has do does including include includes also other more most than very just etc
    的 了 吗 呢 和 与 及 或 我 我们 你 你们 想 想要 要 需要 找 寻找 求 求购 有没有 有 哪里
    哪儿 哪些 什么 可以 能 能否 一些 一份 关于 请 提供 购买 买 用于 用来 相关 方面 坐
    希望 最好 能够 一下 了解 如何 怎么 是否 之类 比如 例如 特别 特别是 尤其 尤其是 主要
    具体 这些 那些 这几年 近几年 几年 目前 现在 我司 做 用 等 等等 还 也 都 就 把 被 给 对
    在 是 吧 啊 以及 并且 而且 还有 其中 ideally preferably available per each every using
    use used via s m re ve ll""".split()  # noqa: SIM905
)

#: Words that say a buyer wants data, or data in general, and nothing about which (every
#: listing of a data exchange is data), and qualifiers no listing states (最新, 免费). A query drops them when it holds any other word, so
#: they neither make a listing match nor count among the words that must (深圳 打车 数据 asks
#: for taxi trips in Shenzhen). Words naming a kind of product (接口, 报告, 数据集) are kept.
FORM_WORDS = frozenset(
    """数据 大数据 资料 数值 信息 资讯 统计 统计数据 情况 查询 记录 明细 清单 分布 变化 走势 趋势
    历史 内容 详情 汇总 大全 资源 各 各个 每个 各地 多维 最新 免费 完整 详细 全部 所有 data
    info information statistics stats historical records latest free""".split()  # noqa: SIM905
)


@lru_cache(maxsize=4096)
def form_word(term: str) -> bool:
    """Whether ``term`` says "data" and nothing more: one of :data:`FORM_WORDS`, or a Chinese
    word jieba keeps whole that is made of them alone (历史数据 = 历史 + 数据, 统计信息), which
    says no more than its parts do apart. As a word of its own it made a listing holding
    历史 and 数据 match 港股 行情 历史数据 as well as the stock listings did."""
    if term in FORM_WORDS:
        return True
    if len(term) < 3 or term.isascii() or term in WHOLE_WORDS:
        return False
    inside, covered = [], set()
    for word, start, end in tokenizer().tokenize(term, mode="search"):
        if word != term and len(word) >= 2:
            inside.append(word)
            covered.update(range(start, end))
    return len(covered) == len(term) and all(word in FORM_WORDS for word in inside)


#: Words whose simplified form is spelt another way on the mainland: 紀錄 (record, as Hong Kong
#: and Taiwan write it) folds to 纪录, which the mainland keeps for "a record set" and whose
#: dictionary words are 纪录片 (documentary); a buyer asking for 紀錄 wants records (记录). Query
#: words only: 纪录片 stays a word of its own, so a query no longer finds documentaries by it.
RESPELT = {"纪录": "记录"}

#: Query terms used for matching; a CJK character or a latin word counts one. Bounds the
#: size of the engine query (OpenSearch refuses more than 1,024 clauses).
TERM_BUDGET = 48
MAX_CHUNKS = 16
#: Most query terms (after segmentation) an engine query is built from.
MAX_TERMS = 24

#: Limits of a synonym list (a list that breaks them is refused, naming the group).
MAX_SYNONYM_GROUPS = 2000
MAX_GROUP_SIZE = 20
MAX_TERM_LENGTH = 40

_WORD = re.compile(r"[0-9a-z]+|[^\W_]", re.IGNORECASE)  # a latin word or one CJK char
_LATIN = re.compile(r"[0-9a-z]+", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()
log = logging.getLogger(__name__)


# -- script folding ------------------------------------------------------------------------


#: Variant characters OpenCC's ``t2s`` leaves as they are, with their simplified form: 鐡 is
#: written for 鐵 (港鐡, Hong Kong's MTR), so it folds to 铁 as 鐵 does.
VARIANTS: dict[str, str] = {"鐡": "铁"}
_VARIANTS = str.maketrans(VARIANTS)


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """``text`` with traditional Chinese converted to simplified (OpenCC ``t2s``, phrase
    aware, then :data:`VARIANTS`); text without CJK characters is returned as is."""
    if not text or not _CJK.search(text):
        return text
    return _converter().convert(text).translate(_VARIANTS)


@cache
def t2s_characters() -> tuple[str, ...]:
    """OpenCC's single-character traditional → simplified table as ``mapping`` char filter
    rules (``從=>从``), for engines that fold inside the index (OpenSearch)."""
    convert = _converter().convert
    rules = []
    for start, end in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        for code in range(start, end + 1):
            char = chr(code)
            folded = convert(char)
            if folded != char and len(folded) == 1:
                rules.append(f"{char}=>{folded}")
    rules.extend(f"{char}=>{folded}" for char, folded in VARIANTS.items())
    return tuple(rules)


@cache
def whole_word_forms() -> dict[str, str]:
    """Each of :data:`WHOLE_WORDS` with the indexed form an engine that pairs characters
    (OpenSearch) gives it, after folding: its traditional spelling (平均房价 → 平均房價), whose
    pairs folded text never holds, so 房价 alone no longer matches inside it while the whole
    word, given the same form at query time, still does."""
    convert = opencc.OpenCC("s2t").convert
    return {word: convert(word) for word in WHOLE_WORDS}


_FUZZY_SOUNDS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ing", "in"), ("eng", "en"), ("ang", "an"))


def sound(word: str) -> str:
    """How a Chinese word sounds, leniently: toneless pinyin with the retroflex/flat initials
    and front/back nasal finals merged (视屏 and 视频 sound alike), for homophone typos."""
    said = spoken(word)
    for a, b in _FUZZY_SOUNDS:
        said = said.replace(a, b)
    return said


def spoken(word: str) -> str:
    """Toneless pinyin of ``word``, exactly (征信 ``zhengxin``, 振兴 ``zhenxing``)."""
    # pypinyin's dictionaries take about 55 MiB: only a process that spells or indexes pays.
    from pypinyin import lazy_pinyin  # noqa: PLC0415

    return "".join(lazy_pinyin(word))


#: How often jieba's dictionary must have seen a word for it to be a word and not a typo: 蔬菜
#: (2,085) is vegetables, not a misspelt 素材 (footage); 成教 (28) and 影象 (18), dictionary
#: words seldom meant, are read as the 成交 and 影像 a buyer of data means.
COMMON_WORD = 100


def respellable(word: str) -> bool:
    """Whether a Chinese word no listing holds may be a homophone typo: not a common word of
    the dictionary (nor a domain word). A common word stays as typed, named as held by no
    listing, rather than read as another word that sounds like it."""
    return tokenizer().FREQ.get(word, 0) < COMMON_WORD


def closest_sounding(word: str, found: Mapping[str, int]) -> str | None:
    """Of the indexed words that :func:`sound` like ``word`` (each with how many documents hold
    it), the one an input method most likely meant: the most characters in common in place
    (a pinyin typo gets the other characters right: 注侧 is 注册, not 租车), then the same
    exact pinyin, then the most documents; ``None`` when there is none but ``word``."""
    said = spoken(word)

    def likely(candidate: str) -> tuple[int, bool, int, str]:
        shared = sum(a == b for a, b in zip(word, candidate, strict=False))
        return shared, spoken(candidate) == said, found[candidate], candidate

    candidates = [w for w in found if w != word and len(w) == len(word)]
    return max(candidates, key=likely) if candidates else None


# -- segmentation --------------------------------------------------------------------------


def tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer with the domain words, loaded on first use (about a
    second)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                loaded = jieba.Tokenizer()
                loaded.initialize()
                for word in (*DOMAIN_WORDS, *WHOLE_WORDS):
                    loaded.add_word(word, freq=max(loaded.suggest_freq(word, tune=False), 50_000))
                _tokenizer = loaded
    return _tokenizer


def _keep(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def index_tokens(text: str) -> str:
    """``text`` folded and segmented for indexing (jieba search mode, lowercased),
    space-separated."""
    if not text:
        return ""
    tokens = list(tokenizer().tokenize(fold(text), mode="search"))
    # Search mode adds the words inside a long word; a whole word's inner words are not its.
    whole = [(start, end) for word, start, end in tokens if word in WHOLE_WORDS]
    kept = (
        word
        for word, start, end in tokens
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e in whole)
    )
    return " ".join(t.lower() for t in kept if _keep(t))


def budget_chunks(text: str) -> list[str]:
    """Whitespace-separated chunks of cleaned query text, cut to :data:`TERM_BUDGET` terms
    and :data:`MAX_CHUNKS` chunks; a chunk that is only a stop word (the, of, such) counts
    towards neither, or an English request would lose its last words to its small ones."""
    chunks, used = [], 0
    for chunk in text.split():
        if len(chunks) == MAX_CHUNKS:
            break
        words = list(_WORD.finditer(chunk))
        if len(words) == 1 and words[0].group().lower() in STOPWORDS:
            continue
        if used + len(words) > TERM_BUDGET:
            keep = TERM_BUDGET - used
            if keep > 0:
                chunks.append(chunk[: words[keep - 1].end()])
            break
        used += len(words)
        if words:
            chunks.append(chunk)
    return chunks


def query_terms(text: str) -> list[str]:
    """Query text folded and segmented: jieba precise mode, lowercased, no stop words."""
    terms = []
    for chunk in budget_chunks(fold(text)):
        for token in tokenizer().cut(chunk):
            token = token.lower()
            token = RESPELT.get(token, token)
            if _keep(token) and token not in STOPWORDS:
                terms.append(token)
    return terms[:MAX_TERMS]


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds a Chinese character."""
    return bool(_CJK.search(text))


def latin_words(text: str) -> list[str]:
    """The latin words (letters and digits) of ``text``, in order."""
    return _LATIN.findall(text)


def corrected(text: str, fixes: dict[str, str]) -> str | None:
    """``text`` with each latin word in ``fixes`` (lowercase keys) replaced, everything else
    (punctuation touching a word included) kept; ``None`` when nothing changed."""
    if not fixes:
        return None
    out = _LATIN.sub(lambda m: fixes.get(m.group().lower(), m.group()), text)
    out = " ".join(out.split())
    return out if out != " ".join(text.split()) else None


def _clean_term(term: str) -> str:
    """A synonym term as the search reads query text: NFKC (full-width ``ＡＢＣ２`` is
    ``ABC2``), spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", term).split())


def _key(term: str) -> str:
    return fold(unicodedata.normalize("NFKC", term)).lower().replace(" ", "").replace("-", "")


def term_key(term: str) -> str:
    """What two synonym terms are compared by: NFKC, folded script and case, no spaces or
    hyphens (``地鐵`` is ``地铁``, ``ＡＢＣ`` is ``abc``, ``Ride-Hailing`` is ``ride hailing``)."""
    return _key(_clean_term(term))


# -- synonyms ------------------------------------------------------------------------------


def _checked_group(n: int, group: Sequence[str], owner: dict[str, int]) -> tuple[str, ...]:
    """``group`` (the ``n``-th) cleaned and checked against the terms of earlier groups
    (``owner``: folded term → group, updated only when the group passes); raises
    :class:`InvalidSynonyms`."""
    where = f"groups[{n}]"
    seen: set[str] = set()
    if isinstance(group, str) or not isinstance(group, Sequence):
        raise InvalidSynonyms("a group is a list of terms", field=where, kind="empty")
    members: list[str] = []
    for term in group:
        if not isinstance(term, str) or not _clean_term(term):
            raise InvalidSynonyms("terms are non-empty text", field=where, kind="empty")
        term = _clean_term(term)
        if len(term) > MAX_TERM_LENGTH or not _keep(term):
            raise InvalidSynonyms(
                f"terms hold a word and at most {MAX_TERM_LENGTH} characters",
                field=where,
                kind="too_long",
                term=term[:MAX_TERM_LENGTH],
            )
        key = _key(term)
        if key in owner:
            raise InvalidSynonyms(
                f"{term!r} is already in group {owner[key]}; a term belongs to one "
                "group (two would chain them into a loop)",
                field=where,
                kind="loop",
                term=term,
            )
        if key not in seen:
            seen.add(key)
            members.append(term)
    if len(members) < 2:
        raise InvalidSynonyms(
            "a group needs at least two different terms", field=where, kind="too_few"
        )
    if len(members) > MAX_GROUP_SIZE:
        raise InvalidSynonyms(
            f"at most {MAX_GROUP_SIZE} terms per group", field=where, kind="too_many_terms"
        )
    owner.update(dict.fromkeys(seen, n))
    return tuple(members)


def _loses_to_one(term: str) -> bool:
    """Whether ``term`` reads, once its stop words are out, as one Chinese character it is
    more than (A股 → 股): as an alternative it would match every word holding that character
    (股东, a company's shareholders, on OpenSearch, whose Chinese fields hold each character),
    so it is looked up as a term of its group but never searched."""
    words = query_terms(term)
    return len(words) == 1 and bool(_CJK.fullmatch(words[0])) and _key(term) != words[0]


class Synonyms:
    """A checked list of equivalence groups, looked up by query terms.

    ``Synonyms(groups)`` refuses (with :class:`~search.errors.InvalidSynonyms` naming
    ``groups[i]``) an empty or over-long term, a group with fewer than two distinct terms, a
    term that is in two groups (equivalence would chain them into a loop, terms compared
    folded: case, script and spaces), and lists over :data:`MAX_SYNONYM_GROUPS` groups.

    ``defaults`` (the built-in groups) follow ``groups``: a default group sharing a folded term
    with an earlier group is left out, and defaults do not count toward the limit, so a list
    ``Synonyms`` accepts stays accepted whatever defaults come with it.
    :meth:`Synonyms.stored` builds a list already stored without ever raising.
    """

    def __init__(
        self, groups: Iterable[Sequence[str]], defaults: Iterable[Sequence[str]] = ()
    ) -> None:
        groups = list(groups)
        if len(groups) > MAX_SYNONYM_GROUPS:
            raise InvalidSynonyms(
                f"at most {MAX_SYNONYM_GROUPS} synonym groups",
                field="groups",
                kind="too_many_groups",
            )
        owner: dict[str, int] = {}
        checked = [_checked_group(n, group, owner) for n, group in enumerate(groups)]
        self._finish(checked, owner, defaults)

    @classmethod
    def stored(
        cls, groups: Iterable[Sequence[str]], defaults: Iterable[Sequence[str]] = ()
    ) -> Synonyms:
        """The list searches use from ``groups`` as stored: never raises. A group the check
        would refuse (a term already in an earlier group, a bad term) and groups past
        :data:`MAX_SYNONYM_GROUPS` are left out and logged, so a bad stored list costs its
        own groups, not every search."""
        synonyms = cls.__new__(cls)
        owner: dict[str, int] = {}
        checked: list[tuple[str, ...]] = []
        for n, group in enumerate(groups):
            if len(checked) == MAX_SYNONYM_GROUPS:
                log.warning("synonym groups past %d left out", MAX_SYNONYM_GROUPS)
                break
            try:
                checked.append(_checked_group(len(checked), group, owner))
            except InvalidSynonyms as error:
                log.warning("synonym group %d left out: %s", n, error)
        synonyms._finish(checked, owner, defaults)
        return synonyms

    def _finish(
        self,
        checked: list[tuple[str, ...]],
        owner: dict[str, int],
        defaults: Iterable[Sequence[str]],
    ) -> None:
        for group in defaults:
            terms: dict[str, str] = {}
            for term in group:
                terms.setdefault(_key(term), _clean_term(term))
            if len(terms) < 2 or any(key in owner for key in terms):
                continue
            owner.update(dict.fromkeys(terms, len(checked)))
            checked.append(tuple(terms.values()))
        self.groups: tuple[tuple[str, ...], ...] = tuple(checked)
        self._index: dict[str, tuple[tuple[str, ...], ...]] | None = None
        self._stems: dict[str, list[tuple[str, tuple[tuple[str, ...], ...]]]] | None = None
        self._held_back: frozenset[str] = frozenset()

    def hold_back(self, terms: Iterable[str]) -> None:
        """Never offer ``terms`` as suggestions (they are looked up as ever): terms no document
        holds, such as a typo kept in a group so that it finds what the others find."""
        self._held_back = frozenset(_key(term) for term in terms)

    def suggestable(self, term: str) -> bool:
        """Whether ``term`` may be offered as a suggestion (:meth:`hold_back`)."""
        return _key(term) not in self._held_back

    def __len__(self) -> int:
        return len(self.groups)

    def _built(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        if self._index is None:
            index = {}
            for group in self.groups:
                alternatives = tuple(
                    tuple(query_terms(member)) for member in group if not _loses_to_one(member)
                )
                alternatives = tuple(a for a in dict.fromkeys(alternatives) if a)
                for member in group:
                    index[_key(member)] = alternatives
            self._index = index
        return self._index

    def _built_stems(self) -> dict[str, list[tuple[str, tuple[tuple[str, ...], ...]]]]:
        if self._stems is None:
            index = self._built()
            stems: dict[str, list[tuple[str, tuple[tuple[str, ...], ...]]]] = {}
            for group in self.groups:
                for member in group:
                    words = _LATIN.findall(member.lower())
                    if words and _key(member) == "".join(words):
                        stems.setdefault(_stem_key(words), []).append((member, index[_key(member)]))
            self._stems = stems
        return self._stems

    def lookup(self, term: str) -> tuple[tuple[str, ...], ...] | None:
        """The alternatives (each a tuple of query terms) equivalent to ``term``.

        An English term no group holds as typed is looked up by its words' Porter stems (the
        stems both engines index: FTS5's ``porter``, OpenSearch's ``english`` stemmer), so
        companies finds company's group and credit scores finds credit score's. A stem stands
        for a member only when each word is the member's word or its plural
        (:func:`plural_of`): Porter also gives parking the stem of park, forecasting that of
        forecast and generation that of general, which are other words."""
        found = self._built().get(_key(term))
        if found is not None:
            return found
        words = _LATIN.findall(term.lower())
        if not words or _key(term) != "".join(words):
            return None
        for member, alternatives in self._built_stems().get(_stem_key(words), ()):
            theirs = _LATIN.findall(member.lower())
            if len(theirs) == len(words) and all(
                plural_of(a, b) for a, b in zip(words, theirs, strict=True)
            ):
                return alternatives
        return None


#: A connection holding no data, for FTS5's Porter tokenizer (:func:`stem`).
_stemmer: sqlite3.Connection | None = None


@cache
def stem(word: str) -> str:
    """The stem the indexes keep of the lowercase English ``word``: FTS5's ``porter``
    tokenizer, the stemmer of the embedded engine (OpenSearch's ``english`` stemmer is the
    same Porter algorithm); the :data:`search.lexicon.UNSTEMMED` abbreviations stay whole."""
    global _stemmer
    if word in UNSTEMMED:
        return word
    with _lock:
        if _stemmer is None:
            _stemmer = sqlite3.connect(":memory:", check_same_thread=False)
            _stemmer.execute("CREATE VIRTUAL TABLE words USING fts5(word, tokenize='porter ascii')")
            _stemmer.execute("CREATE VIRTUAL TABLE stems USING fts5vocab(words, 'row')")
        _stemmer.execute("DELETE FROM words")
        _stemmer.execute("INSERT INTO words VALUES (?)", (word,))
        found = _stemmer.execute("SELECT term FROM stems").fetchall()
    return found[0][0] if len(found) == 1 else word


def _stem_key(words: Sequence[str]) -> str:
    return " ".join(stem(word) for word in words)


def _singulars(word: str) -> set[str]:
    forms = {word}
    if len(word) <= 3 or word in UNSTEMMED or word in NOT_PLURAL or not word.endswith("s"):
        return forms
    if not word.endswith("ss"):
        forms.add(word[:-1])
    if word.endswith("es"):
        forms.add(word[:-2])
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")
    return forms


def plural_of(typed: str, term: str) -> bool:
    """Whether the lowercase English word ``typed`` is ``term`` or its plural (companies,
    company; prices, price; movies, movie; APIs, API). Not the other way round: a group that
    holds a word in the plural only means the plural (yields, of bonds; a crop's yield is
    not). An abbreviation (AIS) and a word whose s is no plural ending
    (:data:`search.lexicon.NOT_PLURAL`: news, customs) are only themselves."""
    return term in _singulars(typed)


@cache
def default_synonyms() -> Synonyms:
    """The library's default list (:data:`search.lexicon.DEFAULT_SYNONYMS`)."""
    return Synonyms(DEFAULT_SYNONYMS)


@dataclass(frozen=True)
class Group:
    """One query word (or a few written together) and the alternatives that satisfy it: each
    alternative is a tuple of terms that must all match (the word itself comes first)."""

    text: str
    alternatives: tuple[tuple[str, ...], ...]
    #: the words say what the data is for (:func:`purpose_words`), not which data: they
    #: score and weigh :data:`PURPOSE_WEIGHT` of a word of the data
    purpose: bool = False
    #: per alternative, the factor that makes it weigh by the documents holding any of the
    #: group's alternatives (:func:`as_one_word`), set by an engine that knows the counts;
    #: empty: every alternative by its own
    scales: tuple[float, ...] = ()


def expand(
    terms: list[str], synonyms: Synonyms | None = None, purpose: frozenset[str] = frozenset()
) -> list[Group]:
    """Group query terms into alternatives: each group is any-of, each alternative all-of.

    Up to three adjacent terms found together in the synonym list keep the groups they have
    apart, each also satisfied by the joined term's synonyms (``信用 分`` → 信用分 → 征信评分,
    credit score; :func:`_widened`): a synonym widens a search, never narrows it.
    :data:`FORM_WORDS` are left out
    when any other term is there, unless written with the words beside them they are a
    synonym term (medical records, 医疗记录: records of what). A word found only through its parts (降雨量 → 降雨) also
    takes the synonyms of a part that stands for it alone (降雨 → 降水, rainfall). A word
    keeps its parts when it has synonyms too: a synonym no listing holds (a curator's typo,
    天汽預報 beside 天氣預報) must cost the word none of the listings its parts find. Words
    found together (天汽 预报, a typo no dictionary holds) are read as their group: each
    synonym brings the parts it would find alone, so the typo finds what 天氣預報 finds
    (天气 … 预报 written apart included). A word found alone takes only its own parts: its
    synonyms' parts would widen every word of the group (measured: lower on the dev set).
    """
    synonyms = synonyms if synonyms is not None else default_synonyms()
    content = [t for i, t in enumerate(terms) if not form_word(t) or _in_a_term(terms, i, synonyms)]
    # A word said twice (load ... load forecasting) is asked once: twice, it would count
    # twice among the words that must match.
    words = list(dict.fromkeys(content or terms))
    if all(w in purpose for w in words):
        purpose = frozenset()  # a request that is all purpose says what it wants by it
    # Words of purpose and words of the data are grouped apart: no synonym term spans the
    # clause's edge.
    groups: list[Group] = []
    start = 0
    for end in range(1, len(words) + 1):
        if end == len(words) or (words[end] in purpose) != (words[start] in purpose):
            run = _grouped(words[start:end], synonyms, 3)
            said = words[start] in purpose
            groups += [dataclasses.replace(g, purpose=True) for g in run] if said else run
            start = end
    qualities = [g for g in groups if any(a in _QUALITIES for a in g.alternatives)]
    if qualities and len(qualities) < len(groups):
        groups = [g for g in groups if g not in qualities]
    return groups


#: A quality every kind of listing may state (high resolution: satellite imagery, murals,
#: woodcarvings alike), which chooses no product: left out beside a word that does.
_QUALITIES = frozenset((("高清",), ("高分辨率",), ("high", "resolution")))


def words_of(text: str, synonyms: Synonyms | None = None) -> list[Group]:
    """The word groups a search of ``text`` matches (:func:`query_terms`, :func:`expand`),
    those of a purpose clause marked (:func:`purpose_words`), without the words that only
    say how the data is broken down (:func:`breakdown_words`) while the other words of the
    data outnumber those of purpose: a purpose's words count among the words to match, so
    without the breakdown, crop yields by county to train a crop model would find a model
    training corpus (crop, train, model) before the crop yields (crop, yields)."""
    terms = query_terms(text)
    purpose = purpose_words(text)
    cut = breakdown_words(text)
    kept = [t for t in terms if t not in cut]
    data = {t for t in kept if t not in purpose and not form_word(t)}
    if not cut or len(data) <= len({t for t in kept if t in purpose}):
        kept = terms
    return expand(kept, synonyms, purpose)


#: Words after which a request names how its data is broken down (by industry, per station,
#: 按小区), not which data it wants.
BREAKDOWN_OPENERS = frozenset("by per 按".split())  # noqa: SIM905
_BREAKDOWN_JOINERS = frozenset("and or 和 及 与".split())  # noqa: SIM905


def breakdown_words(text: str) -> frozenset[str]:
    """The query words (as :func:`query_terms` reads them) that only name a breakdown of the
    data: the word after by, per or 按 (and 按 itself, which is no stop word), and those
    joined to it by and / or (by route and stop), unless the request says them of the data
    as well. Every dataset is cut by
    something; as a word to match, electricity usage by industry found the carbon accounts,
    whose columns include an industry, above the grid's load curves."""
    data, breakdown = set(), set()
    state, opener = "", ""  # "opened": by was said; "named": a word of the breakdown followed
    for token in (RESPELT.get(t, t) for t in (t.lower() for t in tokenizer().cut(fold(text)))):
        if token in BREAKDOWN_OPENERS:
            state, opener = "opened", token
        elif not _keep(token):
            state = "" if token.strip() else state
        elif state == "named" and token in _BREAKDOWN_JOINERS:
            state = "opened"
        elif state == "opened" and token not in STOPWORDS:
            breakdown.update((token, opener) if opener not in STOPWORDS else (token,))
            state = "named"
        elif state != "opened" or token not in STOPWORDS:  # by the hour: the is skipped
            state = ""
            if token not in STOPWORDS:
                data.add(token)
    return frozenset(breakdown - data)


#: How much a word of purpose weighs against a word of the data wanted.
PURPOSE_WEIGHT = 0.75

#: Words opening a purpose clause in Chinese (用于训练, 用来做, 以便, 为了, 拿来): alone, or
#: as the first of two words (来 做, 想 做).
PURPOSE_OPENERS = frozenset("用于 用来 以便 为了 拿来 以供 便于 以用于".split())  # noqa: SIM905
#: A plan with no opening word (我们要规划…, 打算评估…, 准备做…): a word of intent before a
#: verb of planning says what the data is for, as 用于 does.
PURPOSE_INTENTS = frozenset("要 我要 想 想要 打算 准备".split())  # noqa: SIM905
PURPOSE_PLANS = frozenset("规划 做 分析 评估 预测 选址".split())  # noqa: SIM905
PURPOSE_PAIRS = frozenset(
    (("来", "做"), ("来", "训练"), ("来", "分析"))
    + tuple((intent, plan) for intent in PURPOSE_INTENTS for plan in PURPOSE_PLANS)
)
#: English verbs that, after "to", say what the data is for (to train a crop model), and
#: their forms after "for" (for training).
PURPOSE_VERBS = frozenset(
    """train build predict forecast plan analyse analyze study support estimate develop
    detect evaluate benchmark calibrate optimise optimize improve assess power feed create
    design inform identify compare monitor model research underwrite price score simulate
    validate test fine-tune finetune make help understand guide decide choose select site
    visualise visualize map""".split()  # noqa: SIM905
)
PURPOSE_GERUNDS = frozenset(
    """training building predicting forecasting planning analysing analyzing studying
    supporting estimating developing detecting evaluating benchmarking calibrating
    optimising optimizing improving assessing powering feeding creating designing informing
    identifying comparing monitoring modelling modeling underwriting pricing scoring
    simulating validating testing fine-tuning finetuning making deciding choosing selecting
    siting visualising visualizing mapping""".split()  # noqa: SIM905
)
#: Marks that end a clause.
_CLAUSE_END = frozenset(",，;；。.!！?？:：\n")


def purpose_words(text: str) -> frozenset[str]:
    """The query words (as :func:`query_terms` reads them) that only say what the data is
    for: those of a purpose clause (to train a crop model, in order to, so that, for
    training; 用于, 用来, 以便, 为了, 拿来, 来做; 要规划, 打算评估 …: :data:`PURPOSE_PAIRS`),
    and its opening word, unless the request says them of the data as well. A clause
    opened after words of the data runs to the end of its sentence or clause
    (…数据，用来做投资分析); one opening the request runs to its clause's end, in Chinese to
    the 的 that ends it too (用来训练模型的 | 语料)."""
    tokens = [t.lower() for t in tokenizer().cut(fold(text)) if not t.isspace()]
    data, purpose = set(), set()
    inside, first, seen = False, False, False
    for token, after in zip(tokens, [*tokens[1:], ""], strict=True):
        if all(ch in _CLAUSE_END for ch in token) or (inside and first and token == "的"):
            inside = False
        elif not inside and (
            token in PURPOSE_OPENERS
            or (token, after) in PURPOSE_PAIRS
            or (token == "to" and after in PURPOSE_VERBS)
            or (token == "for" and after in PURPOSE_GERUNDS)
            or (token, after) in (("so", "that"), ("in", "order"))
        ):
            inside, first = True, not seen
            purpose.add(token)
        elif _keep(token) and token not in STOPWORDS:
            (purpose if inside else data).add(RESPELT.get(token, token))
            seen = True
    return frozenset(purpose - data)


#: Words of form that say "data" and nothing more, in a term as alone (alternative data is
#: found by alternative): every listing is data.
_DATA_ITSELF = frozenset(("数据", "大数据", "资料", "信息", "资讯", "data", "info", "information"))


def _in_a_term(terms: list[str], i: int, synonyms: Synonyms) -> bool:
    """Whether the word of form ``terms[i]`` is part of a synonym term written with the words
    beside it (medical records, 医疗记录): there it says what is wanted, not in what form."""
    if terms[i] in _DATA_ITSELF:
        return False
    for width in (2, 3):
        for start in range(max(0, i - width + 1), i + 1):
            span = terms[start : start + width]
            joined = ("" if all(not t.isascii() for t in span) else " ").join(span)
            if len(span) == width and synonyms.lookup(joined):
                return True
    return False


def _grouped(terms: list[str], synonyms: Synonyms, widest: int) -> list[Group]:
    """:func:`expand` of ``terms``, joining at most ``widest`` adjacent terms."""
    groups, i = [], 0
    while i < len(terms):
        for width in range(widest, 1, -1):
            span = terms[i : i + width]
            joined = ("" if all(not t.isascii() for t in span) else " ").join(span)
            found = len(span) == width and synonyms.lookup(joined)
            if found:
                groups.extend(_widened(span, joined, found, synonyms))
                i += width
                break
        else:
            found = synonyms.lookup(terms[i]) or ()
            alternatives = dict.fromkeys(((terms[i],), *found, *_alone(((terms[i],),), synonyms)))
            groups.append(Group(terms[i], tuple(alternatives)))
            i += 1
    return groups


def _widened(
    span: list[str], joined: str, found: Sequence[tuple[str, ...]], synonyms: Synonyms
) -> list[Group]:
    """The groups of ``span``, whose terms written together are a synonym term with the
    alternatives ``found``. A span whose words have no alternatives of their own (乘客 量,
    pieces of 乘客量) is one group: the words together or a synonym. Otherwise each word keeps
    the group it has without the term, which also takes the term's synonyms: a term of
    several words (港鐵客流, 港铁 + 客流) adds its group's other terms and takes nothing from
    the query's own words (港铁 still finds 地铁, in Hong Kong's metro's group). As one group,
    the span would need its words as typed and lose their synonyms, so a curated term could
    narrow a search to no listing at all."""
    own = tuple(span)
    added = tuple(dict.fromkeys((*found, *_alone(found, synonyms))))
    apart = _grouped(span, synonyms, len(span) - 1)
    if all(len(group.alternatives) == 1 for group in apart):
        return [Group(joined, tuple(dict.fromkeys((own, *added))))]
    return [
        Group(
            group.text, tuple(a for a in dict.fromkeys((*group.alternatives, *added)) if a != own)
        )
        for group in apart
    ]


def _alone(
    alternatives: Sequence[tuple[str, ...]], synonyms: Synonyms
) -> Iterable[tuple[str, ...]]:
    """What the one-word ``alternatives`` find besides themselves when searched alone: the
    parts of a long word (天气预报 → 天气 + 预报) and the synonyms of a part standing for it
    alone (降雨量 → 降雨 → 降水, rainfall)."""
    for alternative in alternatives:
        if len(alternative) != 1:
            continue
        parts = _parts(alternative[0])
        yield from parts
        for part in parts:
            if len(part) == 1:
                yield from synonyms.lookup(part[0]) or ()


#: Measure and kind suffixes buyers glue to a word (用电量, 开工率, 制造业, 上海港): a query
#: word ending in one, whose rest is made of dictionary words, also matches those words (and
#: the suffix's own word, when it has one).
SUFFIXES: dict[str, tuple[str, ...]] = {
    "量": (),
    "率": (),
    "业": (),
    "数": (),
    "额": (),
    "值": (),
    "港": ("港口",),
    "站": ("站点",),
}


def _parts(term: str) -> tuple[tuple[str, ...], ...]:
    """Dictionary words that together cover a long Chinese word (气象观测 → 气象 + 观测), so a
    query word also finds text that jieba segmented differently."""
    if len(term) < 3 or term.isascii() or term in WHOLE_WORDS:
        return ()
    words, covered = [], set()
    for word, start, end in tokenizer().tokenize(term, mode="search"):
        if word != term and len(word) >= 2:
            words.append(word)
            covered.update(range(start, end))
    found = [tuple(words)] if len(covered) == len(term) else []
    stem = term[:-1]
    if term[-1] in SUFFIXES and len(stem) >= 2 and tokenizer().FREQ.get(stem):
        found.insert(0, (stem, *SUFFIXES[term[-1]]))
    return tuple(found)


def accidental(longer: str, word: str) -> bool:
    """Whether ``word``, inside the Chinese word ``longer``, is no part of it: not one of the
    words jieba would cut ``longer`` into were it not a word itself (自行车 is 自行 + 车, so 行车
    stands in it by accident; 气象观测 is 气象 + 观测). Jieba's search mode indexes every
    dictionary word inside a long word, so a listing of 自行车 also holds 行车."""
    found = tokenizer()
    found.check_initialized()
    dag = found.get_DAG(longer)
    dag[0] = [end for end in dag[0] if end != len(longer) - 1] or [0]
    route: dict[int, tuple[float, int]] = {}
    found.calc(longer, dag, route)
    start = 0
    while start < len(longer):
        end = route[start][1] + 1
        if longer[start:end] == word:
            return False
        start = end
    return True


def loosen(groups: list[Group]) -> list[Group] | None:
    """For a last retry when nothing matched: every term of a several-term alternative on
    its own (上海港 → 上海 + 港口 → 上海 or 港口), and the dictionary words inside a long
    Chinese word even when they do not cover it (老照片 → 照片, 肺结节 → 结节), each its own
    group; ``None`` when there is nothing to loosen."""
    out: dict[str, Group] = {}
    for group in groups:
        for alternative in group.alternatives:
            for term in alternative:
                out.setdefault(term, Group(term, ((term,),)))
                for part in _inner_words(term):
                    out.setdefault(part, Group(part, ((part,),)))
    if len(out) == len(groups) and all(len(alt) == 1 for g in groups for alt in g.alternatives):
        return None
    return list(out.values())


def _inner_words(term: str) -> list[str]:
    """Words of two characters or more inside a Chinese word of three or more."""
    if len(term) < 3 or not _CJK.search(term) or term in WHOLE_WORDS:
        return []
    return [w for w, _, _ in tokenizer().tokenize(term, mode="search") if w != term and len(w) >= 2]


def specificity(documents: int, matching: int) -> float:
    """How much a query word says, from how many of the index's ``documents`` hold it: the
    square of its inverse document frequency (BM25's), at least a little for a word in every
    document. Squared, so that a word in 5 of 300 listings outweighs one in 30 by twice, not
    by half again: enough for the listings of the rare word to come first even when the
    common one is in their rivals' titles."""
    return max(0.05, math.log(1 + (documents - matching + 0.5) / (matching + 0.5))) ** 2


#: Words that name the form of a product or the language of its text (数据集, dataset, API,
#: 接口, 报告, 中文, Chinese) rather than its subject. Unlike :data:`FORM_WORDS` they are kept:
#: they match and score, and a listing holding them comes first among those holding the
#: subject. But they say little about which data is wanted, however rare they are in an
#: index (中文 names five corpora of the demo catalogue, 语音 ten), so their specificity is
#: that of a word every document holds (:func:`weight`): 中文语音数据集 ranks the speech
#: corpora, which hold 语音, before the Chinese instruction-tuning data, which holds 中文 and
#: 数据集. Words of price and quotes (价格, 行情, prices) likewise say which figure of a thing,
#: not which thing: 股票行情 ranked the hog price listings (行情 in their keywords) before the
#: stock sentiment index (股票).
GENERIC_WORDS = frozenset(
    {"数据集", "资料集", "dataset", "datasets", "api", "apis", "接口", "报告", "report", "reports"}
    | {"中文", "汉语", "chinese"}
    | {"价格", "价钱", "行情", "报价", "price", "prices", "pricing", "quote", "quotes"}
)


def weight(word: str, documents: int, matching: int) -> float:
    """The :func:`specificity` of query word ``word`` (a :class:`Group`'s text), that of a
    word every document holds when it is one of the :data:`GENERIC_WORDS`."""
    if word in GENERIC_WORDS:
        return specificity(documents, documents)
    return specificity(documents, matching)


def idf(documents: int, matching: int) -> float:
    """BM25's inverse document frequency (Lucene's, never below nil) of a term ``matching``
    of the index's ``documents``."""
    return math.log(1 + (documents - matching + 0.5) / (matching + 0.5))


def as_one_word(apart: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Per alternative of a word group (the word first, then its synonyms, parts and
    stems), the factor that makes it weigh no more than the word the buyer typed: ``apart``
    holds each alternative's terms' inverse document frequencies, and a term rarer than the
    word is weighed as the word (企业 ≡ 公司: 公司, in a few 上市公司 listings, would otherwise
    outweigh 企业 in every company listing). Lucene's ``SynonymQuery`` blends its terms'
    statistics likewise; our synonyms are expanded per alternative, so it is done here. An
    alternative of several terms scores the sum of theirs (BM25), so each is brought to the
    word's. A synonym more common than the word keeps its own, lower weight: weighed as the
    union of the group, a specific word would drown in a common synonym (预报 in 预测)."""
    word = apart[0]
    whole = sum(word) / len(word) if word else 0.0
    return tuple(min(1.0, len(own) * whole / sum(own)) if sum(own) > 0 else 1.0 for own in apart)


def group_weight(group: Group, documents: int, matching: int) -> float:
    """:func:`weight` of ``group``, times :data:`PURPOSE_WEIGHT` for words of purpose."""
    found = weight(group.text, documents, matching)
    return found * PURPOSE_WEIGHT if group.purpose else found


def required(count: int) -> int:
    """How many of ``count`` query words a match must contain: all of one, two or three, three
    of four, then 60%. With fewer than :data:`search.query.FEW` such matches the documents
    matching some words follow them, so a three-word query no longer ranks listings holding
    two of its commoner words (中文 … 数据集) among those holding all three, and a listing
    holding its rarest word alone (语音) competes with them below."""
    if count <= 3:
        return count
    if count == 4:
        return 3
    return max(3, math.ceil(count * 0.6))


# -- highlighting (embedded engine) ---------------------------------------------------------


def _root(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3]
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def highlight_pattern(terms: set[str]) -> re.Pattern[str] | None:
    """A pattern finding query terms in original text: CJK as substrings, latin words by
    their start (so ``dataset`` marks ``datasets``)."""
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        if term.isascii():
            parts.append(rf"(?<![0-9a-z]){re.escape(_root(term))}[0-9a-z]*")
        else:
            parts.append(re.escape(term))
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


# A letter or digit of a Latin-script word (a snippet cut inside one reads as another word).
_LATIN_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f]")


def highlight(text: str, pattern: re.Pattern[str], size: int = 160) -> str | None:
    """A snippet of ``text`` around the first match, HTML-escaped, matches in ``<mark>``; a
    Latin-script word the window would cut (…its for visits) is left out whole, so the
    snippet starts and ends at a word's boundary."""
    if not text:
        return None
    first = pattern.search(text)
    if first is None:
        return None
    start = 0 if len(text) <= size else max(0, min(first.start() - size // 4, len(text) - size))
    end = min(len(text), start + size)
    latin = _LATIN_WORD.fullmatch
    if start and latin(text[start - 1]):
        while start < first.start() and latin(text[start]):
            start += 1
        while start < first.start() and not text[start].isalnum():  # its comma, its space
            start += 1
    if end < len(text) and latin(text[end - 1]) and latin(text[end]):
        while end > first.end() and latin(text[end - 1]):
            end -= 1
    while end < len(text) and end > first.end() and text[end - 1].isspace():
        end -= 1
    window = text[start:end]
    out, cursor = [], 0
    for match in pattern.finditer(window):
        out.append(html.escape(window[cursor : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        cursor = match.end()
    out.append(html.escape(window[cursor:]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")


# -- loose matching: Chinese character bigrams ---------------------------------------------

#: Most bigrams of a query a loose match is built from (bounds the engine query).
MAX_BIGRAMS = 24
#: A bigram in more than this share of the index (and in more than :data:`LOOSE_FLOOR`
#: documents) says too little to match on alone: 数据, 服务, 平台 would return the catalogue.
LOOSE_COMMON = 0.1
LOOSE_FLOOR = 2
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")


def _pairs(text: str) -> Iterable[str]:
    for run in _CJK_RUN.findall(text):
        for i in range(len(run) - 1):
            yield run[i : i + 2]


def index_bigrams(text: str) -> str:
    """The Chinese character bigrams of folded ``text``, space-separated, each once (the
    embedded engine's loose-match column; OpenSearch's ``cjk_bigram`` filter indexes the
    same pairs in every Chinese field already)."""
    if not text:
        return ""
    return " ".join(dict.fromkeys(_pairs(fold(text))))


def query_bigrams(text: str) -> list[str]:
    """The Chinese character bigrams of a query, for a last-resort loose match when none of
    its words is in any document (多轮对话 → 多轮, 轮对, 对话): folded, each once, without
    stop and form words (数据, 信息), at most :data:`MAX_BIGRAMS`."""
    out: dict[str, None] = {}
    runs, run = [], ""
    for term in query_terms(text):  # stop words out: 我想要港股 → 港股
        if _CJK_RUN.fullmatch(term) or (len(term) == 1 and _CJK.match(term)):
            run += term
        else:
            runs.append(run)
            run = ""
    runs.append(run)
    for pair in _pairs(" ".join(runs)):
        if pair not in STOPWORDS and pair not in FORM_WORDS:
            out.setdefault(pair, None)
    return list(out)[:MAX_BIGRAMS]


def loose_common(documents: int, matching: int) -> bool:
    """Whether a bigram held by ``matching`` of ``documents`` is too common to match on."""
    return matching > max(LOOSE_FLOOR, documents * LOOSE_COMMON)


def loose_required(count: int) -> int:
    """How many of ``count`` informative bigrams a loose match must hold: one of up to three,
    then a third (港股实时行情: two of its five pairs are in the catalogue, one suffices)."""
    return max(1, math.ceil(count / 3))
