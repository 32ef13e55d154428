"""What both engines share in as-you-type suggestions: reading what was typed as the search
reads text (folded: 港鐵 is 港铁), the words it may complete (a keyword of the documents, a
term of the synonym list), and the order suggestions are offered in.

A suggestion is a title (``kind`` ``title``) holding a word that starts with what was typed,
a document's keyword starting so (``keyword``), or a synonym term starting so (``synonym``)
whose group some document holds, so that searching it finds something: 港铁 completes 港
although no title says it, because listings hold 地铁. Words come before titles: they are
short and complete exactly what was typed, those leading to most documents first.
"""

from __future__ import annotations

import heapq
import unicodedata
import weakref
from bisect import bisect_left
from collections.abc import Iterable
from functools import cache
from typing import Any

from search import analysis
from search.query import Suggestion

#: The field a synonym term's suggestion names (no field of the index holds it).
SYNONYM = "synonym"
#: Synonym groups an engine checks for documents per suggestion, at most.
MAX_CHECKED = 12
#: Typed text longer than this completes no word (keywords and terms are short).
MAX_WORD_PREFIX = 40


def key(text: str) -> str:
    """``text`` as words are compared with what was typed: NFKC, folded script, lower case,
    spaces collapsed."""
    return " ".join(analysis.fold(unicodedata.normalize("NFKC", text)).lower().split())


def word_prefix(typed: str) -> str:
    """What ``typed`` starts words with (:func:`key`), or ``""`` when it may start too many
    to be worth offering (one latin letter) or is longer than any word."""
    typed_key = key(typed)
    if len(typed_key) > MAX_WORD_PREFIX or not any(ch.isalnum() for ch in typed_key):
        return ""
    if typed_key.isascii() and len(typed_key) < 2:
        return ""
    return typed_key


def synonym_candidates(
    synonyms: analysis.Synonyms | None, prefix: str, most: int = MAX_CHECKED
) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
    """Terms of the synonym list starting with ``prefix`` (a :func:`word_prefix`), shortest
    first, one per group, each with its group's alternatives (what a search of it matches);
    at most ``most``."""
    if not prefix:
        return []
    synonyms = synonyms if synonyms is not None else analysis.default_synonyms()
    terms = _terms(synonyms)
    low = bisect_left(terms, (prefix,))
    high = bisect_left(terms, (prefix + "\U0010ffff",))
    shortest: dict[int, tuple[int, int, str, str]] = {}
    for term_key, term, group in terms[low:high]:
        if not synonyms.suggestable(term):
            continue
        # Of a group's terms as long, the one it names first (港口 before 港区).
        candidate = (len(term_key), synonyms.groups[group].index(term), term_key, term)
        if group not in shortest or candidate < shortest[group]:
            shortest[group] = candidate
    out = []
    for *_, term in sorted(shortest.values())[:most]:
        alternatives = synonyms.lookup(term)  # as a search of the term reads it
        if alternatives:
            out.append((term, alternatives))
    return out


#: Each synonym list's terms as ``(key, term, group)``, sorted: lists are rebuilt when the
#: staff change theirs, and reading every term's key on each keystroke cost 2 ms.
_TERMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _terms(synonyms: analysis.Synonyms) -> list[tuple[str, str, int]]:
    terms = _TERMS.get(synonyms)
    if terms is None:
        terms = sorted((key(t), t, n) for n, group in enumerate(synonyms.groups) for t in group)
        _TERMS[synonyms] = terms
    return terms


class Words:
    """The values of an index's ``suggest`` keyword fields, found by how they start."""

    def __init__(self, rows: Iterable[tuple[str, str, int, Any]]) -> None:
        """``rows``: ``(field, value, documents holding it, one of those documents)``."""
        self._entries = sorted((key(v), -n, v, f, doc) for f, v, n, doc in rows if v.strip())
        self._keys = [entry[0] for entry in self._entries]

    def starting(self, prefix: str, most: int) -> list[tuple[str, str, int, Any]]:
        """``(field, value, documents holding it, document)`` of the values starting with
        ``prefix`` (a :func:`word_prefix`), those most documents hold first, then the
        shortest."""
        if not prefix:
            return []
        low = bisect_left(self._keys, prefix)
        high = bisect_left(self._keys, prefix + "\U0010ffff")
        best = heapq.nsmallest(most, self._entries[low:high], key=lambda e: (e[1], len(e[0]), e[0]))
        return [(field, value, -n, doc) for _, n, value, field, doc in best]


@cache
def variants() -> dict[str, str]:
    """Each simplified character with every traditional form folding to it (铁 → 铁鐵鐡), for
    engines that match stored values as written."""
    forms: dict[str, str] = {}
    for rule in analysis.t2s_characters():
        traditional, simplified = rule.split("=>")
        # Not the compatibility ideographs (樓 U+F94C): NFKC makes them the unified one, and
        # OpenSearch fails a terms aggregation whose pattern holds one.
        if not "\uf900" <= traditional <= "\ufaff":
            forms[simplified] = forms.get(simplified, simplified) + traditional
    return forms


#: Documents an engine counts for a word's suggestion, at most: beyond it, a word is common
#: enough to come first, and counting further would cost every keystroke.
MOST_COUNTED = 1000


def by_reach(words: Iterable[tuple[Suggestion, int]]) -> list[Suggestion]:
    """Word suggestions (keywords and synonym terms) with how many documents each leads to,
    those leading to most first, then the shortest: 港 offers 港铁 (the metro, which many
    listings hold as 地铁) before a keyword one port listing holds."""
    reach: dict[str, tuple[Suggestion, int]] = {}
    for suggestion, n in words:  # a keyword that is also a term: the keyword, the most found
        first = reach.setdefault(key(suggestion.text), (suggestion, n))
        reach[key(suggestion.text)] = (first[0], max(first[1], n))
    ranked = sorted(reach.values(), key=lambda w: (-min(w[1], MOST_COUNTED), len(key(w[0].text))))
    return [suggestion for suggestion, _ in ranked]


def offered(titles: Iterable[Suggestion], words: Iterable[Suggestion], limit: int) -> list:
    """Words first (in the order given, :func:`by_reach`), then titles, each text once
    (compared as :func:`key`), at most ``limit``; words take at most a third of the places
    when titles fill the rest."""
    titles, words = _distinct(titles), _distinct(words)
    room = max(limit - len(titles), -(-limit // 3))
    chosen = words[:room]
    shown = {key(s.text) for s in chosen}
    chosen += [s for s in titles if key(s.text) not in shown]
    return chosen[:limit]


def _distinct(suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    seen, out = set(), []
    for suggestion in suggestions:
        if key(suggestion.text) not in seen:
            seen.add(key(suggestion.text))
            out.append(suggestion)
    return out
