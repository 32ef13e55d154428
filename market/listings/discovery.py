"""Discovery: listing search with facets, suggestions and similar listings, over the index.

Engine failures never leak: a query the caller should fix is a 422 naming the parameter, an
index that does not exist yet is an empty result, and anything else is a 503 with the common
error shape (the engine's own message goes to the log only).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Callable

import sqlalchemy as sa
from babel.numbers import get_currency_name
from sqlalchemy.orm import Session

import search
from market.errors import DomainError, InvalidInput
from market.hant import characters
from market.identity.models import Organisation
from market.listings import vocabulary
from market.listings.indexing import LISTINGS
from market.listings.models import DELIVERY_LABELS, PLAN_KIND_LABELS
from market.listings.rates import CNY
from market.registry.models import ASSET_KIND_LABELS, INDUSTRY_LABELS, REGION_LABELS
from market.text import N_
from search import Query, Range, RangeFacet
from search.query import MAX_QUERY_LENGTH, MAX_RESULT_WINDOW

log = logging.getLogger(__name__)

KEYWORD_FILTERS = (
    "category",
    "asset_kind",
    "pricing_model",
    "currency",
    "delivery_method",
    "region",
    "provider",
)
BOOLEAN_FILTERS = ("cross_border_allowed", "certified", "appraised")
PRICE_BUCKETS = RangeFacet(
    "price_cny",
    ((None, 100_000), (100_000, 1_000_000), (1_000_000, 10_000_000), (10_000_000, None)),
)
YEAR_BUCKETS = RangeFacet("coverage_to", ((None, 2015), (2015, 2020), (2020, 2024), (2024, None)))
FACETS = (*KEYWORD_FILTERS, *BOOLEAN_FILTERS, PRICE_BUCKETS, YEAR_BUCKETS)

BOOLEAN_LABELS = {True: N_("Yes"), False: N_("No")}
#: Longest query taken as an organisation's name (longer ones are requests, not names).
MAX_NAME_LENGTH = 100

#: Place words (simplified Chinese and lowercase English) and the region each one means. A
#: place in the query ranks listings for that region higher (it does not filter).
PLACE_WORDS = {
    "shenzhen": (
        "深圳", "shenzhen", "鹏城", "南山", "福田", "罗湖", "宝安", "龙岗", "龙华", "盐田",
        "前海", "nanshan", "futian", "luohu", "bao'an", "longgang", "yantian", "qianhai",
    ),
    "guangzhou": (
        "广州", "guangzhou", "羊城", "天河", "越秀", "海珠", "番禺", "白云", "黄埔", "南沙",
        "tianhe", "yuexiu", "panyu", "nansha",
    ),
    "dongguan": ("东莞", "dongguan"),
    "foshan": ("佛山", "foshan"),
    "zhuhai": ("珠海", "zhuhai"),
    "hong_kong": ("香港", "hong kong", "hongkong", "hk", "九龙", "新界", "港岛", "kowloon"),
    "macao": ("澳门", "macao", "macau"),
    "shanghai": ("上海", "shanghai"),
    "beijing": ("北京", "beijing"),
    "hangzhou": ("杭州", "hangzhou"),
    "guangdong": ("广东", "guangdong"),
    "gansu": ("甘肃", "敦煌", "gansu", "dunhuang"),
    "greater_bay_area": ("粤港澳大湾区", "大湾区", "湾区", "greater bay area"),
    "national": ("全国", "nationwide", "中国", "china", "全中国"),
}  # fmt: skip

#: Words naming an area that several regions lie in (华南, South China): each favours them all.
#: The Pearl River Delta is the Bay Area's nine mainland cities, without Hong Kong and Macao.
AREA_WORDS = {
    ("华南", "华南地区"): (
        "shenzhen", "guangzhou", "dongguan", "foshan", "zhuhai", "hong_kong", "macao",
        "guangdong", "greater_bay_area",
    ),
    ("珠三角", "珠江三角洲", "pearl river delta"): (
        "shenzhen", "guangzhou", "dongguan", "foshan", "zhuhai",
    ),
}  # fmt: skip
for _words, _regions in AREA_WORDS.items():
    for _region in _regions:
        PLACE_WORDS[_region] += _words


#: Wider regions whose listings cover an area a query names though it does not name them:
#: the Greater Bay Area's listings cover Guangdong's and the Pearl River Delta's cities
#: (judged as theirs). Favoured as a place named is, without the regions lying in them
#: (Hong Kong and Macao are neither in Guangdong nor in the delta).
COVERING = {
    "greater_bay_area": (
        "广东",
        "广东省",
        "guangdong",
        "珠三角",
        "珠江三角洲",
        "pearl river delta",
    ),
}

#: Words about something else that name its region with one character or a short name (港股:
#: Hong Kong stocks; MTR). They favour that region's listings and stay in the query as words.
REGION_HINTS = {
    "hong_kong": (
        "港股", "港铁", "港币", "港元", "港澳", "港人", "港府", "来港", "访港", "港交所", "mtr",
        "hkex", "东铁线", "屯马线", "观塘线", "荃湾线", "港岛线", "恒指", "恒生指数", "天文台",
    ),
    "macao": ("港澳", "澳门币", "澳币", "来澳", "访澳"),
}  # fmt: skip


#: The place words as :func:`without_places` looks for them (built once, not per search).
_LATIN_PLACES = re.compile(
    r"(?<![0-9a-z])("
    + "|".join(re.escape(w) for words in PLACE_WORDS.values() for w in words if w.isascii())
    + r")(?![0-9a-z])",
    flags=re.IGNORECASE,
)
_CHINESE_PLACES = frozenset(w for words in PLACE_WORDS.values() for w in words if not w.isascii())
#: Latin place names of one word long enough to tell a slip of the keyboard from another name.
_LATIN_NAMES = frozenset(
    w for words in PLACE_WORDS.values() for w in words if w.isalpha() and len(w) >= 6
)


#: An English possessive ending (Shenzhen's), taken off before place words are looked for.
_POSSESSIVE = re.compile(r"'s(?![0-9a-z])")


class SearchUnavailable(DomainError):
    """The search engine failed or cannot be reached; nothing about it is shown."""

    status = 503


def guarded(call: Callable, empty):
    """Run an engine call, turning its errors into the app's (422, empty, or 503)."""
    try:
        return call()
    except search.QueryTooLong:
        raise InvalidInput(
            N_("The search text is too long (at most 500 characters)."),
            field="q",
        ) from None
    except search.InvalidQuery as error:
        raise InvalidInput(
            N_("This search parameter is not valid."), field=error.field or "q"
        ) from None
    except search.IndexMissing:
        return empty
    except search.SearchError:
        log.exception("search engine failed")
        raise SearchUnavailable(
            N_("Search is unavailable at the moment; try again shortly.")
        ) from None


RANGE_ARGUMENTS = ("price_min", "price_max", "year_from", "year_to")


def filters_of(args: dict) -> dict | None:
    """The filters a search's (validated) arguments ask for, by their API names, for the
    search log (``{"category": ["finance"], "price_max": 100000}``); ``None`` for none. Only
    what is asked of the catalogue, nothing about who asked. A value given twice
    (``?region=beijing&region=beijing``) filters as once, so it is recorded once."""
    found = {}
    for name in KEYWORD_FILTERS:
        if args.get(name):
            found[name] = list(dict.fromkeys(args[name]))
    for name in (*BOOLEAN_FILTERS, *RANGE_ARGUMENTS):
        if args.get(name) is not None:
            found[name] = args[name]
    return found or None


def build_query(args: dict, synonyms: search.analysis.Synonyms | None = None) -> Query:
    """The engine query for the search API's (already validated) arguments."""
    filters: dict = {}
    for name in KEYWORD_FILTERS:
        if args.get(name):
            filters[name] = list(args[name])
    for name in BOOLEAN_FILTERS:
        if args.get(name) is not None:
            filters[name] = args[name]
    low, high = args.get("price_min"), args.get("price_max")
    if low is not None or high is not None:
        if low is not None and high is not None and low > high:
            raise InvalidInput(N_("The lowest price is above the highest."), field="price_max")
        filters["price_cny"] = Range(gte=low, lte=high)
    # Both ends bound the year the data runs up to, the year the "data up to" facet counts.
    first, last = args.get("year_from"), args.get("year_to")
    if first is not None or last is not None:
        if first is not None and last is not None and first > last:
            raise InvalidInput(N_("The last year may not be before the first."), field="year_to")
        filters["coverage_to"] = Range(gte=first, lte=last)
    page, size = args.get("page", 1), args.get("page_size", 20)
    if page * size > MAX_RESULT_WINDOW:
        # Deep pages cost the engine every result before them; nobody reads that far.
        raise InvalidInput(
            N_("A search shows at most its first 10,000 results: ask for an earlier page."),
            field="page",
            facts={"limit": MAX_RESULT_WINDOW},
        )
    searched, regions, hinted, name = _read_text(args.get("q") or "")
    return Query(
        text=searched,
        filters=filters,
        boosts={"region": list(regions)},
        nudges={"region": list(hinted)},
        pinned={"provider_names": [name]} if name else {},
        synonyms=synonyms,
        facets=FACETS,
        sort=args.get("sort") or "relevance",
        page=page,
        per_page=size,
        highlight=True,
    )


@functools.lru_cache(maxsize=2048)
def _read_text(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
    """What a query's text asks for: the words to match (:func:`without_places`), the regions
    its place words name (boosted), the regions only a word about something else names
    (:data:`REGION_HINTS`, nudged), and the name it may be of a provider (compared whole).

    A hint is a word to match as well as a place: HKEX is found by its synonyms (stock), so
    boosting Hong Kong as if a place were named ranked Hong Kong's stock footage above the
    mainland's stock listings. Nudged, Hong Kong's listings come first only among listings
    matching the word about as well. Segmenting and scanning
    for place words took a fair part of the API's own time on every search; they depend on
    the text alone (the word list is fixed for the process), and buyers repeat searches."""
    # A query that is a provider's whole name asks for that provider's listings first.
    name = vocabulary.name_key(text) if len(text) <= MAX_NAME_LENGTH else ""
    named = with_places(text)
    placed = tuple(vocabulary.within(regions_named(named, hints=False)))
    placed += tuple(r for r in regions_named(named, hints=False, words=COVERING) if r not in placed)
    hinted = [r for r in vocabulary.within(regions_named(named)) if r not in placed]
    return without_places(named), placed, tuple(hinted), name


def with_places(text: str) -> str:
    """The query text with its misspelt places put right (shenzen → shenzhen), places kept."""
    named = search.analysis.corrected(text, place_spellings(text)) or text
    if len(named) > MAX_QUERY_LENGTH >= len(text):
        named = text  # respelt past the length a buyer may type: read as typed
    return named


def place_spellings(text: str) -> dict[str, str]:
    """The latin words of ``text`` that are a place's name with one letter missing or two
    letters swapped (shenzen, guangzhuo), each with the name: ``{word: name}``. Only those two
    slips: a letter more or another letter makes other cities' names (changzhou, yangzhou)."""
    out = {}
    for word in {w.lower() for w in search.analysis.latin_words(text[:500])}:
        if len(word) < 5 or word in _LATIN_NAMES:
            continue
        for name in _LATIN_NAMES:
            if _slip_of(word, name):
                out[word] = name
                break
    return out


def _slip_of(word: str, name: str) -> bool:
    if len(word) == len(name) - 1:
        return any(name[:i] + name[i + 1 :] == word for i in range(len(name)))
    if len(word) == len(name) and word != name:
        apart = [i for i in range(len(word)) if word[i] != name[i]]
        return (
            len(apart) == 2
            and apart[1] == apart[0] + 1
            and word[apart[0]] == name[apart[1]]
            and word[apart[1]] == name[apart[0]]
        )
    return False


def without_places(text: str) -> str:
    """The query text with its place words taken out, unless nothing else is left.

    A place in the query ranks that region's listings higher (see :func:`regions_named`); as
    a word to match as well it would count twice, and a listing about the wanted thing for
    another place would lose to any listing of the place (卫星影像 广州: satellite imagery of
    Beijing is closer to what is asked than woodcarving images of Guangzhou).
    """
    if not text or len(text) > 500:
        return text
    folded = _LATIN_PLACES.sub(" ", search.analysis.fold(text))
    kept = []
    for token in search.analysis.tokenizer().cut(folded):
        if token in _CHINESE_PLACES or (
            len(token) > 2 and token[-1] in "市省" and token[:-1] in _CHINESE_PLACES
        ):
            kept.append(" ")
        else:
            thing = _after_place(token, _CHINESE_PLACES)
            kept.append(token if thing == token else f" {thing} ")
    rest = "".join(kept)
    return rest if search.analysis.query_terms(rest) else text


def _after_place(token: str, places: set[str]) -> str:
    """What a word made of a place and a thing asks for besides the place (上海港 → 港口,
    深圳机场 → 机场): the thing, spelt as its own word when it is a kind suffix (港 → 港口).
    Other words, and a place followed by a lone character of no kind (南山区), stay whole."""
    place = max(
        (p for p in places if len(token) > len(p) and token.startswith(p)), key=len, default=""
    )
    thing = token[len(place) :] if place else ""
    spelt = search.analysis.SUFFIXES.get(thing)
    if spelt:
        return spelt[0]
    return thing if len(thing) >= 2 else token


def regions_named(
    text: str, hints: bool = True, words: dict[str, tuple[str, ...]] | None = None
) -> list[str]:
    """The regions whose place words (:data:`PLACE_WORDS` unless ``words`` are given, and,
    with ``hints``, :data:`REGION_HINTS`) appear in the query (either script, any case)."""
    folded = search.analysis.fold(text[:500]).lower()
    # Latin words only whole (hk, not the letters inside another word); Chinese anywhere. A
    # possessive s is no part of a name: Hong Kong's names Hong Kong.
    spaced = " " + " ".join(re.findall(r"[0-9a-z']+", _POSSESSIVE.sub("", folded))) + " "

    def named(word: str) -> bool:
        return word in folded if not word.isascii() else f" {word} " in spaced

    return [
        region
        for region, said in (PLACE_WORDS if words is None else words).items()
        if any(named(w) for w in said + (REGION_HINTS.get(region, ()) if hints else ()))
    ]


#: How many listings a search shows first, which the notice of a place they miss reads.
LEADING = 5


def leading_hits(results: search.Results) -> list[search.Hit]:
    """The listings a page shows first: at most :data:`LEADING`, and of those only the ones
    matching most of the words when listings matching some follow (``strict_total``)."""
    hits = results.hits
    if results.strict_total is not None:
        strict = results.strict_total - (results.page - 1) * results.per_page
        if strict > 0:
            hits = hits[:strict]
    return hits[:LEADING]


def regions_missed(
    engine: search.SearchEngine,
    args: dict,
    results: search.Results | None,
    synonyms: search.analysis.Synonyms | None = None,
) -> list[str]:
    """The regions the query's words name (港鐵, 香港 樓價) when no listing the search shows
    first is in one of them (:func:`leading_hits`): the place only ranks, so without this the
    buyer would not know that what they see first is for elsewhere. The leading listings, not
    the whole page: one Hong Kong listing further down, matching only some words (tourist
    flows for 港鐵客流), said nothing about the metro listings above it being the mainland's.
    The search's own leading listings, whatever the page and its size: the ``region`` facet
    (over the whole result) says when none of them can be in the place; otherwise the page
    holds them, or a search of them alone is made. Nothing when a region filter is set or
    nothing is found."""
    if results is None or not results.total or args.get("region"):
        return []
    named = regions_named(args.get("q") or "")
    wanted = set(vocabulary.within(named))
    if not wanted:
        return []
    found_in = {value for value, count in results.facets.get("region", []) if count}
    if found_in & wanted:
        first = results
        if results.page != 1 or len(results.hits) < min(LEADING, results.total):
            first = run(engine, {**args, "page": 1, "page_size": LEADING}, synonyms)
        if any(hit.source.get("region") in wanted for hit in leading_hits(first)):
            return []
    return named


def elsewhere(
    engine: search.SearchEngine,
    args: dict,
    results: search.Results | None,
    synonyms: search.analysis.Synonyms | None = None,
) -> int | None:
    """How many listings the search finds without its region filter, every other filter
    kept, when that filter leaves none while listings hold the words (``held``: 樓價 in Hong
    Kong, the house-price listings being the mainland's); ``None`` otherwise. The honest zero
    says "remove a filter"; this says which one, and how many are behind it."""
    if results is None or results.total or not results.held or not args.get("region"):
        return None
    wider = run(engine, {**args, "region": [], "page": 1, "page_size": 1}, synonyms)
    return wider.total if wider.total and not wider.loose else None


def more_by_relevance(
    engine: search.SearchEngine,
    args: dict,
    results: search.Results | None,
    synonyms: search.analysis.Synonyms | None = None,
) -> int | None:
    """With a sort chosen (price, newest), a search shows the listings matching most of its
    words only; by relevance, when fewer than :data:`search.query.FEW` do, those matching
    some follow them. How many more the same search shows by relevance, so the page can say
    why its count changes with the sort; ``None`` when none, or by relevance already."""
    if (
        results is None
        or not (args.get("q") or "").strip()
        or (args.get("sort") or "relevance") == "relevance"
        or results.total >= search.query.FEW
    ):
        return None
    wider = run(engine, {**args, "sort": None, "page": 1, "page_size": 1}, synonyms)
    return wider.total - results.total if wider.total > results.total else None


def labelled_regions(regions: list[str], gettext, locale: str) -> list[dict]:
    """``regions`` as ``[{value, label}]``, labelled as the ``region`` facet labels them."""
    return [{"value": r, "label": filter_label("region", r, gettext, locale)} for r in regions]


def _empty(query: Query) -> search.Results:
    return search.Results(
        total=0, hits=[], facets={}, took_ms=0.0, page=query.page, per_page=query.per_page
    )


def one_word(text: str, synonyms: search.analysis.Synonyms | None = None) -> bool:
    """Whether ``text`` asks for one word as the search reads it (synonyms joined, form
    words such as 数据 left out): relaxed, it found no listing holding the word, only ones
    holding words inside it (老照片 → 照片), not listings holding some of several words."""
    terms = search.analysis.query_terms(text)
    return len(search.analysis.expand(terms, synonyms)) == 1


def run(
    engine: search.SearchEngine, args: dict, synonyms: search.analysis.Synonyms | None = None
) -> search.Results:
    """Search listings; raises InvalidInput (422) or SearchUnavailable (503) only."""
    query = build_query(args, synonyms)
    results = guarded(lambda: engine.search(LISTINGS, query), _empty(query))
    text = args.get("q") or ""
    if (
        not results.total
        and not results.held
        and query.boosts["region"]
        and query.text != with_places(text)
    ):
        # The words beside a place found nothing (OD matrix Shenzhen): the place's listings,
        # searched with the place as a word, answer as some of the words (the others, held by
        # no listing, do not count), rather than nothing. Words held only outside the
        # filters (香港 樓價 in Hong Kong) are nothing within them, not the place's listings.
        wider_query = dataclasses.replace(query, text=with_places(text))
        wider = guarded(lambda: engine.search(LISTINGS, wider_query), results)
        if wider.total:
            return dataclasses.replace(wider, relaxed=True, did_you_mean=None)
    if results.did_you_mean or place_spellings(text):
        fixed = did_you_mean(text, query.text, results.did_you_mean or query.text)
        results = dataclasses.replace(results, did_you_mean=fixed)
    return results


def did_you_mean(text: str, searched: str, corrected: str) -> str | None:
    """The buyer's own ``text`` with the engine's corrections of ``searched`` (``text``
    without its places) applied word by word, so the places, the punctuation and every other
    word stay; ``None`` when that corrects nothing."""
    analysis = search.analysis
    if len(searched.split()) != len(corrected.split()):
        return corrected if searched == text else None
    latin: dict[str, str] = {}
    chinese: dict[str, str] = {}
    for a, b in zip(searched.split(), corrected.split(), strict=True):
        before, after = analysis.latin_words(a), analysis.latin_words(b)
        if [w.lower() for w in before] == [w.lower() for w in after]:
            if analysis.fold(a) != b:
                chinese[analysis.fold(a)] = b  # 气像 → 气象: the whole word between spaces
        elif len(before) == len(after):
            latin.update({x.lower(): y for x, y in zip(before, after, strict=True)})
    latin.update(place_spellings(text))
    fixed = analysis.corrected(text, latin) or text
    suggestion = " ".join(_chinese_fixed(w, chinese) for w in fixed.split())
    return suggestion if suggestion != " ".join(text.split()) else None


def _chinese_fixed(word: str, chinese: dict[str, str]) -> str:
    """``word`` (between spaces) with the corrections of ``chinese`` applied: the whole word,
    or a corrected word inside it, where a place was typed against it with no space
    (深圳交通拥赌, searched as 交通拥赌 → 深圳交通拥堵)."""
    folded = search.analysis.fold(word)
    if folded in chinese:
        return chinese[folded]
    inside = [(wrong, right) for wrong, right in chinese.items() if wrong in folded]
    for wrong, right in inside:
        folded = folded.replace(wrong, right)
    return folded if inside else word


def run_with_sibling_counts(
    engine: search.SearchEngine, args: dict, synonyms: search.analysis.Synonyms | None = None
) -> search.Results:
    """Like :func:`run`, but a facet the search is filtered on counts as if it were not, so
    its other values keep their counts and can be added to the selection (any of)."""
    results = run(engine, args, synonyms)
    narrowed = [name for name in KEYWORD_FILTERS if args.get(name)]
    if args.get("price_min") is not None or args.get("price_max") is not None:
        narrowed.append("price_cny")
    if args.get("year_from") is not None or args.get("year_to") is not None:
        narrowed.append(YEAR_BUCKETS.field)
    for name in narrowed:
        cleared = {**args, "page": 1, "page_size": 1}
        if name == "price_cny":
            cleared.update(price_min=None, price_max=None)
        elif name == YEAR_BUCKETS.field:
            cleared.update(year_from=None, year_to=None)
        else:
            cleared[name] = []
        siblings = run(engine, cleared, synonyms)
        if name in siblings.facets:
            results.facets[name] = siblings.facets[name]
    return results


@functools.cache
def _provider_names_query() -> sa.Select:
    # Built once (on first use, once every mapper is declared): building the statement and its
    # cache key on every search cost about as much as running it.
    return sa.select(Organisation.id, Organisation.name_zh, Organisation.name_en).where(
        Organisation.id.in_(sa.bindparam("ids", expanding=True))
    )


def facet_labels(session: Session, results: search.Results, gettext, locale: str) -> dict:
    """Facets as ``{field: [{value, label, count}]}`` with labels in the reader's language; the
    price buckets (on ``price_cny``) are named ``price``."""
    providers = {}
    ids = [int(value) for value, _ in results.facets.get("provider", []) if value.isdigit()]
    if ids:
        # Plain columns, on the session's connection: the ORM's handling of a statement cost
        # more than running it.
        rows = session.connection().execute(_provider_names_query(), {"ids": ids})
        zh = str(locale).startswith("zh")
        providers = {str(i): (name_zh if zh else name_en) for i, name_zh, name_en in rows}
    out = {}
    for name, values in results.facets.items():
        rows = []
        for value, count in values:
            if not count:
                continue  # a range bucket nothing falls in, left out like every other facet's
            if name == "provider":
                label = providers.get(value, value)
            else:
                label = _LABELS.get((locale, name, value))
                if label is None:
                    label = filter_label(name, value, gettext, locale)
                    if len(_LABELS) < MAX_KEPT_LABELS:
                        _LABELS[(locale, name, value)] = label
            rows.append({"value": value, "label": label, "count": count})
        # Shown and sent as "price" (ranges of fen), whatever field the index compares on.
        out["price" if name == PRICE_BUCKETS.field else name] = rows
    return out


def keep_selected(facets: dict, args: dict, gettext, locale: str) -> dict:
    """``facets`` (from :func:`facet_labels`) with every value the search is filtered on, at a
    count of 0 where its facet does not hold it: a filtered search that had to relax its words
    can find listings of a region whose unfiltered siblings match none, and a filter missing
    from its facet could be neither seen nor removed."""
    for name in KEYWORD_FILTERS:
        if name == "provider":
            continue  # a provider is filtered on from its own listing, always in the facet
        rows = facets.setdefault(name, [])
        held = {str(row["value"]) for row in rows}
        for value in args.get(name) or []:
            if str(value) not in held:
                label = filter_label(name, value, gettext, locale)
                rows.append({"value": value, "label": label, "count": 0})
    return facets


#: Labels of the facets other than providers, by (locale, facet, value): they never change for
#: a locale, and formatting the price buckets' amounts in the reader's locale took most of a
#: search's labelling. Values come from the index's fixed vocabularies; the bound only guards
#: against an index holding something else.
_LABELS: dict[tuple[str, str, object], str] = {}
MAX_KEPT_LABELS = 4096

_LABEL_TABLES = {
    "category": INDUSTRY_LABELS,
    "asset_kind": ASSET_KIND_LABELS,
    "pricing_model": PLAN_KIND_LABELS,
    "delivery_method": DELIVERY_LABELS,
    "region": REGION_LABELS,
}


def filter_label(name: str, value, gettext, locale: str) -> str:
    """The label of a facet value other than a provider, in the language of ``gettext``
    (which is ``locale``'s)."""
    if name == PRICE_BUCKETS.field:
        return price_label(*value.split("-"), gettext)
    if name == YEAR_BUCKETS.field:
        return years_label(*value.split("-"), gettext)
    if name == "currency":
        return get_currency_name(value, locale=names_locale(locale))
    if name in BOOLEAN_FILTERS:
        return gettext(BOOLEAN_LABELS[bool(value)])
    if name in _LABEL_TABLES:
        return gettext(_LABEL_TABLES[name].get(value, value))
    return str(value)


def names_locale(locale):
    """The locale to name currencies and countries in: Babel's plain Traditional Chinese
    (zh_Hant) is Taiwan's (港幣, 義大利, 紐西蘭); the Traditional pages follow Hong Kong's usage
    (港元, as the Simplified pages say, 意大利, 新西蘭)."""
    return "zh_Hant_HK" if locale is not None and str(locale) == "zh_Hant" else locale


def price_label(low: str, high: str, gettext) -> str:
    """A price bucket's key (fen, ``*`` for open) in whole units of the exchange's currency,
    in the language of ``gettext`` (``Under ¥1,000``, ``¥1,000 – ¥10,000``)."""

    def whole(minor: str) -> str:
        from market.money import whole_money  # formats in the reader's locale: web machinery

        return whole_money(int(minor), CNY)

    if low == "*":
        return gettext("Under %(amount)s") % {"amount": whole(high)}
    if high == "*":
        return gettext("%(amount)s and above") % {"amount": whole(low)}
    return f"{whole(low)} – {whole(high)}"


def years_label(low: str, high: str, gettext) -> str:
    """A coverage bucket's key as years people read (``2015–2019``, ``Before 2015``)."""
    if low == "*":
        return gettext("Before %(year)s") % {"year": high}
    if high == "*":
        return gettext("%(year)s and later") % {"year": low}
    return f"{low}–{int(high) - 1}"


def unheld_as_typed(results: search.Results | None, typed: str) -> list[str]:
    """The query's words no listing holds (left out of the match: 外卖 of 外卖订单), each as
    the buyer typed it (外賣, Rental) where folding kept its length, else as read; single
    characters and counts are not named (:func:`_slight`)."""
    if results is None:  # the engines name none when nothing is held or found
        return []
    folded = search.analysis.fold(typed)
    same = len(folded) == len(typed)
    lower = typed.lower() if len(typed.lower()) == len(typed) else ""
    shown = []
    for word in results.unheld:
        if _slight(word):
            continue
        at = folded.find(word) if same else -1
        if at < 0 and word.isascii():
            at = lower.find(word)  # folding dropped punctuation ('; DROP TABLE)
        shown.append(typed[at : at + len(word)] if at >= 0 else word)
    return shown


#: Characters that open a count (一家, 两个, 几种): a count says nothing about the data.
_COUNTING = frozenset("一二两三四五六七八九十几每某")


def _slight(word: str) -> bool:
    """A word not worth naming as missing: one Chinese character (地 of 来源地, 来 of 拿来),
    or a count (一家). Naming it reads as if the buyer had asked for it."""
    cjk = all("\u3400" <= char <= "\u9fff" for char in word)
    return cjk and (len(word) == 1 or (len(word) == 2 and word[0] in _COUNTING))


def in_typed_script(suggestion: str | None, typed: str, traditional: bool) -> str | None:
    """A "did you mean" (the index's Simplified form) in the script the buyer typed: words
    typed in Traditional get Traditional, keeping each typed character that folds to the
    suggested one (汽象數據 → 氣象數據); words typed in Simplified keep it; on a Traditional
    page (``traditional``), words typed without Chinese get Traditional. Characters only,
    never other words (接口, not 介面): the suggestion is searched as shown."""
    typed_hant = search.analysis.fold(typed) != typed
    typed_cjk = any("\u3400" <= char <= "\u9fff" for char in typed)
    if not suggestion or not (typed_hant or (traditional and not typed_cjk)):
        return suggestion
    converted = characters(suggestion)
    if len(converted) != len(suggestion) or len(typed) != len(suggestion):
        return converted
    return "".join(
        t if search.analysis.fold(t) == s else c
        for t, s, c in zip(typed, suggestion, converted, strict=True)
    )


def suggest(
    engine: search.SearchEngine,
    text: str,
    synonyms: search.analysis.Synonyms | None = None,
    locale: str = "",
    limit: int = 8,
) -> list[search.Suggestion]:
    """As-you-type suggestions: keywords of the listings and synonym terms that start with
    what was typed (a term only when a search of it finds listings), then titles, in either
    script (:mod:`search.suggestions`), each shown in the buyer's script
    (:func:`in_readers_script`) and once."""
    if not text.strip():
        return []
    found = guarded(lambda: engine.suggest(LISTINGS, text, limit, synonyms=synonyms), [])
    shown, out = set(), []
    for item in found:
        written = in_readers_script(item.text, locale)
        if written not in shown:
            shown.add(written)
            out.append(dataclasses.replace(item, text=written))
    return out


def in_readers_script(suggestion: str, locale: str) -> str:
    """A suggestion as the index holds it, in the reader's script: Traditional on a
    Traditional page, Simplified on a Simplified or English page, whatever script was typed
    (地鐵 typed on a Simplified page offers 地铁客流统计). The page's language is the script the
    reader chose, and the one the results page shows listings in; the typed script is often
    only the keyboard's, and the search folds it either way. Characters only, never other
    words: the suggestion is searched as shown."""
    if locale.startswith("zh_Hant"):
        return characters(suggestion)
    return search.analysis.fold(suggestion)


def similar(engine: search.SearchEngine, listing_id: int, limit: int = 6) -> list[search.Hit]:
    """Listings like this one (never itself)."""
    return guarded(lambda: engine.similar(LISTINGS, str(listing_id), limit), [])
