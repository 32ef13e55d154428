"""Text analysis shared by the engines: jieba segmentation, synonyms, highlighting.

The synonym list is the one source for both engines: OpenSearch gets it as a search-time
``synonym_graph`` filter, the embedded engine expands query terms with it. Changing it changes
:data:`search.spec.ANALYSIS_VERSION`'s meaning, so bump that and reindex.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import warnings

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

#: English words dropped from embedded queries (OpenSearch's ``_english_`` stop list does it there).
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "this",
        "to",
        "with",
    }
)

#: Query terms used for matching; a CJK character or a latin word counts one. Bounds the
#: size of the engine query (OpenSearch refuses more than 1,024 clauses).
TERM_BUDGET = 48
MAX_CHUNKS = 16

_WORD = re.compile(r"[0-9a-z]+|[^\W_]", re.IGNORECASE)  # a latin word or one CJK char
_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()


def tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, its dictionary loaded on first use (about a second)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                loaded = jieba.Tokenizer()
                loaded.initialize()
                _tokenizer = loaded
    return _tokenizer


def _keep(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def index_tokens(text: str) -> str:
    """``text`` segmented for indexing (jieba search mode, lowercased), space-separated."""
    if not text:
        return ""
    return " ".join(t.lower() for t in tokenizer().cut_for_search(text) if _keep(t))


def budget_chunks(text: str) -> list[str]:
    """Whitespace-separated chunks of cleaned query text, cut to :data:`TERM_BUDGET` terms."""
    chunks, used = [], 0
    for chunk in text.split()[:MAX_CHUNKS]:
        words = list(_WORD.finditer(chunk))
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
    """Query text segmented for the embedded engine: jieba precise mode, no stop words."""
    terms = []
    for chunk in budget_chunks(text):
        for token in tokenizer().cut(chunk):
            token = token.lower()
            if _keep(token) and token not in STOPWORDS:
                terms.append(token)
    return terms


def _key(term: str) -> str:
    return term.lower().replace(" ", "")


_synonym_index: dict[str, tuple[tuple[str, ...], ...]] | None = None


def _synonyms() -> dict[str, tuple[tuple[str, ...], ...]]:
    global _synonym_index
    if _synonym_index is None:
        index = {}
        for group in SYNONYMS:
            alternatives = tuple(tuple(query_terms(member)) for member in group)
            for member in group:
                index[_key(member)] = alternatives
        _synonym_index = index
    return _synonym_index


def _lookup(term: str) -> tuple[tuple[str, ...], ...] | None:
    index = _synonyms()
    found = index.get(_key(term))
    if found is None and term.endswith("s") and len(term) > 3:
        found = index.get(_key(term[:-1]))
    return found


def expand(terms: list[str]) -> list[tuple[tuple[str, ...], ...]]:
    """Group query terms into alternatives: each group is any-of, each alternative all-of.

    A term (or two adjacent terms written together) found in :data:`SYNONYMS` becomes the
    group of its synonyms, itself included.
    """
    groups, i = [], 0
    while i < len(terms):
        pair = i + 1 < len(terms) and _lookup(terms[i] + terms[i + 1])
        if pair:
            groups.append(tuple(dict.fromkeys(((terms[i], terms[i + 1]), *pair))))
            i += 2
            continue
        found = _lookup(terms[i]) or ()
        groups.append(tuple(dict.fromkeys(((terms[i],), *found, *_parts(terms[i])))))
        i += 1
    return groups


def _parts(term: str) -> tuple[tuple[str, ...], ...]:
    """Dictionary words that together cover a long Chinese word (气象观测 → 气象 + 观测), so a
    query word also finds text that jieba segmented differently."""
    if len(term) < 3 or term.isascii():
        return ()
    words, covered = [], set()
    for word, start, end in tokenizer().tokenize(term, mode="search"):
        if word != term and len(word) >= 2:
            words.append(word)
            covered.update(range(start, end))
    return (tuple(words),) if len(covered) == len(term) else ()


def opensearch_synonyms() -> list[str]:
    """The synonym list in Solr format, one equivalence rule per line."""
    return [", ".join(group) for group in SYNONYMS]


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


def highlight(text: str, pattern: re.Pattern[str], size: int = 160) -> str | None:
    """A snippet of ``text`` around the first match, HTML-escaped, matches in ``<mark>``."""
    if not text:
        return None
    first = pattern.search(text)
    if first is None:
        return None
    start = 0 if len(text) <= size else max(0, min(first.start() - size // 4, len(text) - size))
    end = min(len(text), start + size)
    window = text[start:end]
    out, cursor = [], 0
    for match in pattern.finditer(window):
        out.append(html.escape(window[cursor : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        cursor = match.end()
    out.append(html.escape(window[cursor:]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")
