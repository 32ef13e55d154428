"""Request bodies for OpenSearch and Elasticsearch: index settings, mappings, queries.

Both clients send exactly these bodies. Chinese is analysed with the ``cjk`` approach
(standard tokenizer, ``cjk_width``, ``lowercase``, ``cjk_bigram``): unigrams and bigrams are
indexed, bigrams are searched (a lone character still searches as a unigram); English words
inside Chinese text are stemmed too. English uses the English stemmer and stop words; ``mixed``
is both. The synonym list applies at search time only, after the
bigram/stemming step, so rules are parsed into the same tokens the index holds.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from search import analysis, suggestions
from search.lexicon import UNSTEMMED
from search.query import PINNED, STRICT, Plan
from search.spec import IndexSpec

_EN = ["en_possessive", "lowercase", "en_stop", "en_unstemmed", "en_stemmer"]
_ZH = ["cjk_width", "en_possessive", "lowercase", "en_unstemmed", "en_stemmer"]


@cache
def analysis_settings() -> dict[str, Any]:
    """The ``analysis`` section of every index: OpenCC's traditional → simplified character
    table as a char filter on every analyzer, then the per-language chains."""
    folding = {
        "t2s": {"type": "mapping", "mappings": list(analysis.t2s_characters())},
        "whole_words": {
            "type": "mapping",
            "mappings": [f"{w}=>{form}" for w, form in analysis.whole_word_forms().items()],
        },
    }
    return {
        "char_filter": folding,
        "filter": {
            # Abbreviations ending in s (AIS) are no plurals: the stemmer leaves them whole.
            "en_unstemmed": {"type": "keyword_marker", "keywords": list(UNSTEMMED)},
            "en_stemmer": {"type": "stemmer", "language": "english"},
            "en_possessive": {"type": "stemmer", "language": "possessive_english"},
            "en_stop": {"type": "stop", "stopwords": "_english_"},
            "cjk_bigram_index": {"type": "cjk_bigram", "output_unigrams": True},
            "cjk_bigram_search": {"type": "cjk_bigram", "output_unigrams": False},
            "prefix_grams": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
            # The spelling field takes mixed text too: its Chinese characters are no words
            # to correct towards.
            "no_ideographs": {"type": "keep_types", "types": ["<IDEOGRAPHIC>"], "mode": "exclude"},
        },
        "analyzer": {
            "zh_index": _chain([*_ZH, "cjk_bigram_index"], whole=True),
            "zh_search": _chain([*_ZH, "cjk_bigram_search"], whole=True),
            "en_index": _chain(_EN),
            "en_search": _chain(_EN),
            "mixed_index": _chain([*_ZH, "en_stop", "cjk_bigram_index"], whole=True),
            "mixed_search": _chain([*_ZH, "en_stop", "cjk_bigram_search"], whole=True),
            "plain": _chain(["cjk_width", "lowercase", "no_ideographs"]),
            "prefix_index": _chain(["cjk_width", "lowercase", "prefix_grams"]),
            "prefix_search": _chain(["cjk_width", "lowercase"]),
        },
    }


def _chain(filters: list[str], whole: bool = False) -> dict[str, Any]:
    # Folded first, so that 平均房價 and 平均房价 both take the whole word's form.
    char_filter = ["t2s", "whole_words"] if whole else ["t2s"]
    return {"char_filter": char_filter, "tokenizer": "standard", "filter": filters}


_KIND_TYPES = {"keyword": "keyword", "integer": "integer", "long": "long", "boolean": "boolean"}
#: The English words of a document, unstemmed: typo-tolerant matching and "did you mean".
#: Filled from :func:`spelling_fields`.
SPELLING = "spelling__"
#: How many of the index's words starting with a stem :func:`held_body` reads.
HELD_WORDS = 50
#: The suggester of English words no document holds as typed.
SPELLING_SUGGESTER = "did_you_mean"
#: The suggester of short English words, which may be one edit from the index's words: two
#: edits make another word of a short one (land is not line, tick not time, colour not
#: cloud), where a longer one takes two (whether → weather).
SHORT_SUGGESTER = "did_you_mean_short"
SHORT_WORD = 6
#: Chinese words of a document with how they sound (``2|qixiang|气象``): homophone typos.
SOUNDS = "sounds__"
_CJK_WORD = re.compile(r"(?<!\S)[\u3400-\u9fff]{2,6}(?!\S)")
_CJK_ONLY = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
#: Fuzzy matching budget per query (bounds the clauses a typo-tolerant query expands to).
MAX_FUZZY_CHUNKS = 8
#: Weight of a word's synonyms, parts and stems against the word itself (the embedded
#: engine's ``ALTERNATIVE_WEIGHT``), and of an English word's typo match.
ALTERNATIVE = 0.8
FUZZY = 0.5
#: Edits a typo match may make: one under eight letters, two from eight, as the embedded
#: engine corrects (``AUTO`` allowed two from six, so speech matched speed).
FUZZINESS = "AUTO:3,8"
#: How much the other fields add beside a word's best field (``multi_match`` ``tie_breaker``).
TIE_BREAKER = 0.3
#: The query's words within :data:`PHRASE_SLOP` positions of each other in a title add
#: :data:`PHRASE_BOOST` times their phrase score.
PHRASE_SLOP = 4
PHRASE_BOOST = 2
#: BM25 in a title (a listing's ``suggest`` text fields): a title's length says little of
#: how much it is about a word (a place's name or a product's kind lengthens it), so it
#: counts for less than in the other fields (Lucene's ``b`` of 0.75): 深圳天气 found every
#: city's forecasts, whose titles are shorter, before Shenzhen's observations.
TITLE_SIMILARITY = "title__"
TITLE_B = 0.5


def spelling_fields(spec: IndexSpec) -> tuple[str, ...]:
    """The text fields whose English words feed :data:`SPELLING`: English and mixed ones
    (a listing's keywords and tags hold English words that are in no title), except those
    whose words alone make no match (a typo match there would make a provider's name match)."""
    return tuple(f.name for f in spec.text_fields if f.alone and f.language in ("en", "mixed"))


def index_body(spec: IndexSpec, *, shards: int, replicas: int) -> dict[str, Any]:
    """Settings and mappings for a physical index of ``spec``."""
    properties: dict[str, Any] = {"id": {"type": "keyword"}}
    spelling = spelling_fields(spec)
    if spelling:
        properties[SPELLING] = {"type": "text", "analyzer": "plain"}
    if _chinese_fields(spec):
        properties[SOUNDS] = {"type": "keyword"}
    for f in spec.fields:
        if f.kind == "text":
            mapping = {
                "type": "text",
                "analyzer": f"{f.language}_index",
                "search_analyzer": f"{f.language}_search",
            }
            subfields = {}
            if f in spec.suggest_fields:
                mapping["similarity"] = TITLE_SIMILARITY
                subfields["prefix"] = {
                    "type": "text",
                    "analyzer": "prefix_index",
                    "search_analyzer": "prefix_search",
                }
            if f.name in spelling:
                mapping["copy_to"] = SPELLING
            if subfields:
                mapping["fields"] = subfields
            properties[f.name] = mapping
        elif f.kind == "date":
            properties[f.name] = {"type": "date", "format": "strict_date_optional_time"}
        else:
            properties[f.name] = {"type": _KIND_TYPES[f.kind]}
    return {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas},
            "analysis": analysis_settings(),
            "similarity": {TITLE_SIMILARITY: {"type": "BM25", "k1": 1.2, "b": TITLE_B}},
        },
        "mappings": {
            "dynamic": False,
            "_source": {"excludes": [SOUNDS]},
            "_meta": {"fingerprint": spec.fingerprint, "spec": spec.name},
            "properties": properties,
        },
    }


def _chinese_fields(spec: IndexSpec) -> list[str]:
    return [f.name for f in spec.text_fields if f.language in ("zh", "mixed")]


def sound_key(word: str) -> str:
    """The prefix of :data:`SOUNDS` values for words that sound like ``word``."""
    return f"{len(word)}|{analysis.sound(word)}|"


#: :data:`SOUNDS` values of English words (``0|weather``), read as a half-typed word's endings.
WORD_KEY = "0|"
#: The last :data:`SOUNDS` value of every document: OpenSearch fails a ``terms`` aggregation
#: whose ``include`` pattern starts past a field's last term (index out of bounds).
LAST_KEY = "~"
_LATIN_WORD = re.compile(r"\b[a-z]{4,30}\b")


def with_sounds(spec: IndexSpec, doc: dict[str, Any]) -> dict[str, Any]:
    """The document to send: the canonical one plus its Chinese words' sounds and its English
    words (kept out of the stored source)."""
    words = set()
    for name in _chinese_fields(spec):
        words.update(_CJK_WORD.findall(analysis.index_tokens(doc.get(name) or "")))
    keys = {sound_key(w) + w for w in words}
    for f in spec.text_fields:
        if f.language in ("en", "mixed") and f.alone:
            keys.update(WORD_KEY + w for w in _LATIN_WORD.findall((doc.get(f.name) or "").lower()))
    if not keys:
        return doc
    return {**doc, SOUNDS: [*sorted(keys), LAST_KEY]}


def completions_body(prefix: str) -> dict[str, Any]:
    """The indexed English words starting with ``prefix`` (itself included), by how many
    documents hold them."""
    pattern = re.escape(WORD_KEY + prefix) + ".*"
    return {
        "size": 0,
        "aggs": {"words": {"terms": {"field": SOUNDS, "include": pattern, "size": 100}}},
    }


def sounds_body(keys: list[str]) -> dict[str, Any]:
    """Which indexed words sound like the given keys, and in how many documents."""
    pattern = "|".join(re.escape(key) + ".*" for key in keys)
    return {
        "size": 0,
        "aggs": {"words": {"terms": {"field": SOUNDS, "include": pattern, "size": 100}}},
    }


def _weighted(fields) -> list[str]:
    return [f"{f.name}^{f.boost:g}" for f in fields]


def _clause(fields: list[str], text: str) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": text,
            "fields": fields,
            "type": "best_fields",
            "tie_breaker": TIE_BREAKER,
            "operator": "and",
        }
    }


def _joined(terms: tuple[str, ...]) -> str:
    return " ".join(terms)


def group_clause(spec: IndexSpec, group: analysis.Group, n: int) -> dict[str, Any]:
    """One word group's clause: a ``dis_max`` of its alternatives over every text field (the
    word itself at full weight, its synonyms, parts and stems at 0.8, an English word's typo
    match at 0.5), so a document scores by its best alternative; each alternative also by the
    group's ``scales``, so they weigh as one word. ``n`` is the group's place in the query
    (only the first :data:`MAX_FUZZY_CHUNKS` words take typos)."""
    options = alternative_clauses(spec, group)
    for k, clause in enumerate(options):
        boost = (ALTERNATIVE if k else 1.0) * (group.scales[k] if group.scales else 1.0)
        if boost != 1.0:
            clause["multi_match"]["boost"] = round(boost, 6)
    word = group.alternatives[0]
    latin = len(word) == 1 and word[0].isascii() and word[0].isalpha() and len(word[0]) >= 4
    if spelling_fields(spec) and n < MAX_FUZZY_CHUNKS and latin:
        fuzzy = _clause([SPELLING], word[0])
        fuzzy["multi_match"].update(
            fuzziness=FUZZINESS, prefix_length=1, max_expansions=10, boost=FUZZY
        )
        options.append(fuzzy)
    if group.purpose:  # words of purpose count less than those of the data
        return {"dis_max": {"queries": options, "boost": analysis.PURPOSE_WEIGHT}}
    return options[0] if len(options) == 1 else {"dis_max": {"queries": options}}


def alternative_clauses(spec: IndexSpec, group: analysis.Group) -> list[dict[str, Any]]:
    """One ``multi_match`` per alternative of ``group``, unweighted."""
    return [_match(spec, alternative) for alternative in group.alternatives]


def _match(spec: IndexSpec, terms: tuple[str, ...]) -> dict[str, Any]:
    all_fields = _weighted(spec.text_fields)
    # English fields hold no Chinese: a Chinese alternative there would only look up each of
    # its characters (the standard tokenizer's unigrams) to find nothing.
    chinese_fields = _weighted(f for f in spec.text_fields if f.language != "en") or all_fields
    return _clause(chinese_fields if _cjk_only(terms) else all_fields, _joined(terms))


def group_terms(group: analysis.Group) -> list[str]:
    """Every term of ``group``'s alternatives, once each, in order."""
    return list(dict.fromkeys(t for alternative in group.alternatives for t in alternative))


def _cjk_only(alternative: tuple[str, ...]) -> bool:
    return all(_CJK_ONLY.fullmatch(term) for term in alternative)


#: Name of the probe's aggregation counting the documents holding a group's term ``k``.
TERM = "term__{}"
#: The probe's ``global`` aggregation holding the :data:`TERM` aggregations.
TERMS = "terms__"


def probe_body(spec: IndexSpec, group: analysis.Group, n: int) -> dict[str, Any]:
    """How many documents match ``group`` (how specific a query word is) and, for a group of
    several alternatives, each of their terms (:data:`TERM` aggregations, in the order of
    :func:`group_terms`), so that no alternative weighs more than the word."""
    body = {"size": 0, "track_total_hits": True, "query": group_clause(spec, group, n)}
    if len(group.alternatives) > 1:
        # Counted over the whole index (``global``), not within the group's documents: a
        # term of a several-term alternative is also held by documents outside the group.
        body["aggs"] = {
            TERMS: {
                "global": {},
                "aggs": {
                    TERM.format(k): {"filter": _match(spec, (term,))}
                    for k, term in enumerate(group_terms(group))
                },
            }
        }
    return body


def count_body() -> dict[str, Any]:
    """How many documents the index holds."""
    return {"size": 0, "track_total_hits": True, "query": {"match_all": {}}}


#: The aggregation a retry sent ahead of its strict search counts the strict matches in.
STRICT_COUNT = "strict__"


def strict_count(
    spec: IndexSpec, plan: Plan, groups: list[analysis.Group], minimum: int
) -> dict[str, Any]:
    """An aggregation counting the documents the search needing ``minimum`` of ``groups``
    matches (pinned ones included), for a retry needing fewer, which matches all of them, to
    be sent in its place: the retry's response then tells whether the strict search would
    have called for it."""
    should = [group_clause(spec, group, n) for n, group in enumerate(groups)]
    words = most_words(should, minimum, plan.boosts)
    if plan.pinned:
        pins = [{"terms": {name: list(values)}} for name, values in plan.pinned]
        words = {"bool": {"should": [words, *pins], "minimum_should_match": 1}}
    return {"filter": words}


def most_words(should: list[dict[str, Any]], minimum: int, boosts=()) -> dict[str, Any]:
    """The documents matching ``minimum`` of the word clauses ``should``, a document in a
    place the query names (``boosts``: field, values, factor) counting the place as one more
    word (澳門 旅客 消費: Macao's visitor counts beside other cities' retail footfall). A
    search needing one word needs it whatever the place: the place adds nothing to match."""
    clauses = list(should)
    if minimum > 1 and boosts:
        places = [{"terms": {name: list(values)}} for name, values, _ in boosts]
        clauses.append({"constant_score": {"filter": {"bool": {"should": places}}, "boost": 0.0}})
    return {"bool": {"should": clauses, "minimum_should_match": max(1, minimum)}}


def text_query(
    spec: IndexSpec,
    groups: list[analysis.Group],
    minimum: int,
    boosts=(),
    weights: list[float] | None = None,
    tier: int = 0,
    phrase: bool = True,
    nudges=(),
) -> dict[str, Any]:
    """The scoring part of a search over the query's word groups.

    Each group (a query word and its synonyms) is a :func:`group_clause`; ``minimum`` groups
    must match. With ``weights`` (each group's specificity), a document's score is multiplied
    by the share of the query's specificity it matches, as on the embedded engine (a
    ``function_score`` of one filter per group).
    Words found close together in a title score extra (phrase proximity), and ``boosts``
    (keyword field, values, factor) favour documents holding those values: ``boosts`` by
    adding the factor, ``nudges`` by multiplying the words' score by it. With ``tier``,
    documents matching that many groups score :data:`~search.query.STRICT` more.
    """
    if not groups:
        return {"match_none": {}}
    should = [group_clause(spec, group, n) for n, group in enumerate(groups)]
    words = most_words(should, minimum, boosts)
    if weights and len(groups) > 1:
        whole = sum(weights)
        words = {
            "function_score": {
                "query": words,
                "functions": [
                    {"filter": clause, "weight": weight / whole}
                    for clause, weight in zip(should, weights, strict=True)
                ],
                "score_mode": "sum",
                "boost_mode": "multiply",
            }
        }
    if nudges or boosts:
        words = {
            "function_score": {
                "query": words,
                "functions": [
                    {"filter": {"terms": {name: list(values)}}, "weight": factor}
                    for name, values, factor in (*boosts, *nudges)
                ],
                "score_mode": "multiply",
                "boost_mode": "multiply",
            }
        }
    bonus = []
    if tier > minimum:
        most = most_words(should, tier, boosts)
        bonus.append({"constant_score": {"filter": most, "boost": STRICT}})
    if phrase and len(groups) > 1:
        close = " ".join(g.text for g in groups)
        for f in spec.suggest_fields:
            bonus.append(
                {
                    "match_phrase": {
                        f.name: {"query": close, "slop": PHRASE_SLOP, "boost": PHRASE_BOOST}
                    }
                }
            )
    if not bonus:
        return words
    return {"bool": {"must": [words], "should": bonus}}


def spelling_suggesters(words: list[str]) -> dict[str, Any]:
    """The term suggesters of the English ``words`` no document holds as typed: one edit in
    a word of up to :data:`SHORT_WORD` letters, two in a longer one (Lucene's ``AUTO`` gives
    two from six letters, which made a cloud of colour)."""
    out = {}
    for name, edits in ((SPELLING_SUGGESTER, 2), (SHORT_SUGGESTER, 1)):
        chosen = [w for w in words if (len(w) <= SHORT_WORD) == (edits == 1)]
        if chosen:
            term = {"field": SPELLING, "suggest_mode": "missing", "size": 1, "max_edits": edits}
            out[name] = {"text": " ".join(chosen), "term": term}
    return out


def held_body(stems: list[str]) -> dict[str, Any]:
    """The index's English words starting with each of ``stems`` (aggregation ``held__k``
    for the k-th, at most :data:`HELD_WORDS`), whose own stems tell whether the index holds
    a word of that stem."""
    return {
        "size": 0,
        "aggs": {
            f"held__{k}": {
                "terms": {
                    "field": SOUNDS,
                    "include": re.escape(WORD_KEY + stem) + ".*",
                    "size": HELD_WORDS,
                }
            }
            for k, stem in enumerate(stems)
        },
    }


def _filter(flt) -> dict[str, Any]:
    f = flt.field
    if f.kind in ("keyword", "boolean"):
        return {"terms": {f.name: list(flt.values)}}
    return {"range": {f.name: dict(flt.bounds)}}


def _key(k) -> dict[str, Any]:
    return {k.field: {"order": "desc" if k.descending else "asc", "missing": "_last"}}


def _sort(plan: Plan, scored: bool) -> list[Any]:
    if plan.sort is None:
        ties = [_key(k) for k in plan.tiebreak] if scored else [_key(k) for k in plan.browse]
        return [*(["_score"] if scored else []), *ties, {"id": "asc"}]
    keys = [
        {k.field: {"order": "desc" if k.descending else "asc", "missing": "_last"}}
        for k in plan.sort
    ]
    return [*keys, {"id": "asc"}]


def search_body(
    spec: IndexSpec,
    plan: Plan,
    groups: list[analysis.Group] | None,
    minimum: int = 1,
    asked: list[analysis.Group] | None = None,
    weights: list[float] | None = None,
    tier: int = 0,
    phrase: bool = True,
) -> dict[str, Any]:
    """The whole search request: query, filters, sort, page, aggregations and highlighting.
    ``groups`` is ``None`` for an empty query (everything matches); ``asked`` are all the
    query's words (those no document holds included), for "did you mean" (default
    ``groups``). Pinned documents match whatever the words and score above the rest."""
    scoring = None
    if groups is not None:
        scoring = text_query(spec, groups, minimum, plan.boosts, weights, tier, phrase, plan.nudges)
    if scoring is not None and plan.pinned:
        pins = [{"terms": {name: list(values)}} for name, values in plan.pinned]
        pinned = {"constant_score": {"filter": {"bool": {"should": pins}}, "boost": PINNED}}
        scoring = {"bool": {"should": [scoring, pinned], "minimum_should_match": 1}}
    query: dict[str, Any] = {"bool": {"filter": [_filter(f) for f in plan.filters]}}
    if scoring is not None:
        query["bool"]["must"] = [scoring]
    aggs: dict[str, Any] = {}
    for f in plan.term_facets:
        aggs[f.name] = {
            "terms": {
                "field": f.name,
                "size": plan.facet_size,
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            }
        }
    # Range facets as ``filters`` aggregations: two ``range`` aggregations in one request
    # miscount on OpenSearch 2.19 (its filter-rewrite path; opensearch-project/OpenSearch#20473).
    for rf in plan.range_facets:
        buckets: dict[str, Any] = {}
        for key, (low, high) in zip(rf.labels(), rf.buckets, strict=True):
            bounds: dict[str, Any] = {}
            if low is not None:
                bounds["gte"] = low
            if high is not None:
                bounds["lt"] = high
            buckets[key] = (
                {"range": {rf.field: bounds}} if bounds else {"exists": {"field": rf.field}}
            )
        aggs[rf.field] = {"filters": {"filters": buckets}}
    body: dict[str, Any] = {
        "query": query,
        "sort": _sort(plan, scoring is not None),
        "from": plan.offset,
        "size": plan.per_page,
        # Facets already visit every match, so an exact total costs nothing extra then.
        "track_total_hits": True if aggs else 10_000,
    }
    if aggs:
        body["aggs"] = aggs
    asked = groups if asked is None else asked
    latin = [g.text for g in asked or () if g.text.isalpha() and g.text.isascii()]
    latin = [word for word in latin if len(word) >= 4]
    if latin and spelling_fields(spec):
        body["suggest"] = spelling_suggesters(latin)
    if plan.highlight and scoring is not None:
        body["highlight"] = {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "encoder": "html",
            "fields": {
                f.name: {"number_of_fragments": 1, "fragment_size": 160, "no_match_size": 0}
                for f in spec.text_fields
            },
        }
    return body


def suggest_body(spec: IndexSpec, prefix: str, size: int) -> dict[str, Any]:
    """Titles whose words start with the typed words (edge n-grams), adjacent ones first."""
    should = []
    for f in spec.suggest_fields:
        should.append({"match": {f"{f.name}.prefix": {"query": prefix, "operator": "and"}}})
        should.append({"match_phrase": {f"{f.name}.prefix": {"query": prefix, "boost": 2}}})
    return {
        "size": size,
        "_source": ["id", *(f.name for f in spec.suggest_fields)],
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "sort": ["_score", {"id": "asc"}],
    }


def words_body(spec: IndexSpec, start: str, size: int) -> dict[str, Any]:
    """Documents holding a value of a ``suggest`` keyword field that starts with ``start``
    (:func:`search.suggestions.word_prefix`), in any case and script, with those values.

    A ``regexp`` query, not a ``terms`` aggregation with the same ``include`` pattern: on
    OpenSearch 2 such an aggregation fails (``index_out_of_bounds_exception``) when the
    pattern starts past the field's last term (铁 where every keyword sorts before it)."""
    pattern = written(start)
    return {
        "size": size,
        "_source": ["id", *(f.name for f in spec.suggest_words)],
        "query": {
            "bool": {
                "should": [{"regexp": {f.name: {"value": pattern}}} for f in spec.suggest_words],
                "minimum_should_match": 1,
            }
        },
        "sort": [{"id": "asc"}],
    }


def written(start: str) -> str:
    """A Lucene regular expression matching values that start with ``start`` (folded, lower
    case) as they may be stored: each letter in either case, each simplified character in any
    of its traditional forms (港铁 matches 港鐵)."""
    forms = suggestions.variants()
    pattern = []
    for char in start:
        written_as = dict.fromkeys(char + char.upper() + forms.get(char, ""))
        # Only what is not a letter or digit is escaped: Lucene reads \d, \s, \w as classes.
        escaped = (c if c.isalnum() else "\\" + c for c in written_as)
        pattern.append("[" + "".join(escaped) + "]")
    return "".join(pattern) + ".*"


def leading_body(spec: IndexSpec, alternatives: tuple[tuple[str, ...], ...]) -> dict[str, Any]:
    """One document a search of a word with these ``alternatives`` matches (its words alone),
    and how many do, counted up to :data:`~search.suggestions.MOST_COUNTED`."""
    matching = spec.narrowed() or spec
    return {
        "size": 1,
        "track_total_hits": suggestions.MOST_COUNTED,
        "_source": ["id"],
        "query": {
            "bool": {
                "should": [_match(matching, a) for a in alternatives],
                "minimum_should_match": 1,
            }
        },
    }


def similar_body(spec: IndexSpec, index: str, doc_id: str, size: int) -> dict[str, Any]:
    """``more_like_this`` on the text fields of one document (itself excluded)."""
    return {
        "size": size,
        "query": {
            "more_like_this": {
                "fields": [f.name for f in spec.text_fields],
                "like": [{"_index": index, "_id": doc_id}],
                "min_term_freq": 1,
                "min_doc_freq": 1,
                "max_query_terms": 25,
                "minimum_should_match": "10%",
            }
        },
        "sort": ["_score", {"id": "asc"}],
    }
