"""Synonym curation and the search log. Services take a session and never commit.

The effective synonym list is the staff's groups plus the library's default groups
(``search.lexicon.DEFAULT_SYNONYMS``); a staff group that shares a term with a default group
extends it (the two apply as one group, so no built-in word stops working); staff can delete a
default group outright (recorded by its first term, audited, and restorable). Each process caches the built list and rebuilds it when
the staff list changes (one small query per search), so an edit applies to the next search on
every process, with no reindex. Every change also has the open demands matched again (demand
matching searches with the same list).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import opencc
import sqlalchemy as sa
from sqlalchemy.orm import Session

import search
from market import outbox
from market.errors import DomainError, InvalidInput, NotFound
from market.identity.models import User
from market.listings import demands, discovery
from market.listings.indexing import LISTINGS
from market.listings.models import Listing
from market.oauth.models import OAuthClient
from market.searching.models import (
    RetiredDefault,
    SearchClick,
    SearchQuery,
    SynonymChange,
    SynonymGroup,
)
from market.text import N_
from search import analysis
from search.errors import InvalidSynonyms
from search.lexicon import DEFAULT_SYNONYMS
from search.query import clean_text

log = logging.getLogger(__name__)


def _default_groups_by_key() -> dict[str, tuple[int, ...]]:
    index: dict[str, list[int]] = {}
    for position, group in enumerate(DEFAULT_SYNONYMS):
        for term in group:
            positions = index.setdefault(analysis.term_key(term), [])
            if not positions or positions[-1] != position:
                positions.append(position)
    return {key: tuple(positions) for key, positions in index.items()}


#: Which default groups (positions in ``DEFAULT_SYNONYMS``) hold a term, by the term as terms
#: are compared (folded): a staff group finds the groups it extends by its own terms' keys,
#: instead of folding every default term again for each staff group (2,000 staff groups took
#: 5.7 million foldings, 35 s of CPU, on the first search after every change to the list).
_DEFAULT_GROUPS_BY_KEY = _default_groups_by_key()
#: The built-in terms, as terms are compared (folded): suggested whether listings hold them.
_BUILT_IN_KEYS = frozenset(_DEFAULT_GROUPS_BY_KEY)

_cache: dict[str, object] = {}
_lock = threading.Lock()


@functools.cache
def _stamp_query() -> sa.Select:
    # One round trip, built once (on first use, once every mapper is declared): every search
    # asks it.
    return sa.select(
        sa.func.count(SynonymGroup.id),
        sa.func.max(SynonymGroup.updated_at),
        sa.select(sa.func.max(SynonymChange.id)).scalar_subquery(),
    )


def _stamp(session: Session) -> tuple:
    # On the session's connection (its transaction): a query of plain columns needs none of
    # the ORM's handling of a statement, which took longer than running it.
    row = session.connection().execute(_stamp_query()).one()
    return (row[0], str(row[1]), row[2])


def _live_defaults(retired: frozenset[str]) -> list[tuple[str, ...]]:
    return [group for group in DEFAULT_SYNONYMS if group[0] not in retired]


def extended(terms: list[str], retired: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """The live default groups a staff group with ``terms`` extends (shares a term with)."""
    keys = {analysis.term_key(term) for term in terms}
    positions = sorted({p for key in keys for p in _DEFAULT_GROUPS_BY_KEY.get(key, ())})
    groups = (DEFAULT_SYNONYMS[position] for position in positions)
    return [group for group in groups if group[0] not in retired]


def merged(terms: list[str], retired: frozenset[str] = frozenset()) -> list[str]:
    """A staff group's terms followed by those of the default groups it extends."""
    out, keys = list(terms), {analysis.term_key(term) for term in terms}
    for group in extended(terms, retired):
        for term in group:
            if analysis.term_key(term) not in keys:
                keys.add(analysis.term_key(term))
                out.append(term)
    return out


def effective(
    groups: list[list[str]], retired: frozenset[str] = frozenset(), strict: bool = False
) -> analysis.Synonyms:
    """The staff groups, each with the default groups it extends, plus the other default
    groups staff did not delete (``retired``: first terms). Built from the stored list, it
    never raises: a stored group the library refuses is left out rather than failing every
    search; ``strict`` raises instead, to check a change before it is stored."""
    used = {group for terms in groups for group in extended(terms, retired)}
    rest = [group for group in _live_defaults(retired) if group not in used]
    build = analysis.Synonyms if strict else analysis.Synonyms.stored
    return build([merged(terms, retired) for terms in groups], rest)


def _retired(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(sa.select(RetiredDefault.term)))


def current(session: Session) -> analysis.Synonyms:
    """The synonym list searches use now (cached per process until the staff list changes)."""
    stamp = _stamp(session)
    if _cache.get("stamp") != stamp:
        stored = list(session.scalars(sa.select(SynonymGroup).order_by("id")))
        built = effective([g.terms for g in stored], _retired(session))
        # A staff term no listing held when saved is looked up as ever, but never suggested;
        # a built-in term always is.
        held = [t for g in stored for t in g.unfound or ()]
        built.hold_back(t for t in held if analysis.term_key(t) not in _BUILT_IN_KEYS)
        with _lock:
            _cache.update(stamp=stamp, synonyms=built)
    return _cache["synonyms"]


def groups_query() -> sa.Select:
    """The staff groups, oldest first (the API pages through it)."""
    return sa.select(SynonymGroup).order_by(SynonymGroup.id)


def groups(session: Session) -> list[SynonymGroup]:
    """The staff groups, oldest first."""
    return list(session.scalars(groups_query()))


MESSAGES = {
    "empty": N_("Synonym terms must not be empty."),
    "too_long": N_("A synonym term holds a word and at most 40 characters."),
    "too_few": N_("A synonym group needs at least two different terms."),
    "too_many_terms": N_("A synonym group has at most 20 terms."),
    # the same, with how many were sent (views and pages know the count)
    "too_many_sent": N_("A synonym group has at most 20 terms; %(sent)s were sent."),
    "too_many_merged": N_("With the built-in group it joins, the group would have over 20 terms."),
    "loop": N_("One of the terms is already in another synonym group; edit that group instead."),
    "duplicate": N_(
        "All the terms are already in one built-in synonym group, so a search for any of them "
        "already finds what the others find: the group would add nothing."
    ),
    "other_script": N_(
        "Two terms are one word written in other characters (Traditional, Simplified or a "
        "variant; term and same_as name them): a search already finds either by the other, so "
        "give it once, beside terms that differ."
    ),
    "same_folded": N_(
        "Two terms differ only in case, width or spaces: a search reads them as one term, so "
        "give it once."
    ),
    "one_character": N_(
        "A search reads this term as one character alone (紅的 as 紅), which would match far "
        "more than it means; write a word a search keeps whole."
    ),
    "no_words": N_(
        "A search leaves out every word of this term (words like 的, 我们, 需要, 数据); write "
        "the words that matter."
    ),
    "no_letters": N_(
        "A synonym term needs letters or characters: an emoji or a symbol alone is never searched."
    ),
    "too_many_groups": N_("The synonym list is full (at most 2,000 groups)."),
    "repeated": N_("A synonym group names each term once."),
}


def _joined(words: list[str], typed: list[str]) -> str:
    # Chinese words run together, a latin word spaced from its neighbours (a query looks
    # words up together by their folded form, spaces left out).
    out = typed[0]
    for before, word, shown in zip(words, words[1:], typed[1:], strict=False):
        out += (" " if before.isascii() or word.isascii() else "") + shown
    return out


def _as_typed(term: str, words: list[str]) -> str | None:
    """``words`` (folded, lowercased) cut out of ``term`` in the script and case it was typed
    in (船運數據 → 船運), or ``None`` when they cannot be found in it one for one."""
    folded = analysis.fold(term).lower()
    if len(folded) != len(term):
        return None
    typed, start = [], 0
    for word in words:
        at = folded.find(word, start)
        if at < 0:
            return None
        typed.append(term[at : at + len(word)])
        start = at + len(word)
    return _joined(words, typed)


def searched_as(term: str) -> str | None:
    """The words of ``term`` a buyer's query keeps, as the search analyses queries (stop words
    out, and form words like 数据 when another word is there): 船運數據 → 船運; ``term`` itself
    when a query keeps it whole, ``None`` when no word remains. A synonym term is looked up by
    these words, so a term holding others could never match."""
    typed, term = term, " ".join(unicodedata.normalize("NFKC", term).split())
    words = analysis.query_terms(term)
    words = [word for word in words if not analysis.form_word(word)] or words
    if not words:
        return None
    joined = _joined(words, words)
    if analysis.term_key(joined) == analysis.term_key(term):
        return typed
    return _as_typed(term, words) or joined


def offered(query: str) -> str | None:
    """The term the report's one-step form offers for a buyer's query: the words a search
    keeps of it (:func:`searched_as`) less its place words (香港 樓價 → 樓價), which a search
    reads as a region to rank higher, never as words to match; a group holding them would make
    樓價 mean 香港 楼市 to every buyer. ``None`` when no word remains."""
    rest = discovery.without_places(query)
    if rest == query:
        return searched_as(query)
    kept = searched_as(rest)
    if kept is None:
        return None
    typed = " ".join(unicodedata.normalize("NFKC", query).split())
    words = analysis.query_terms(kept)
    words = [word for word in words if not analysis.form_word(word)] or words
    return _as_typed(typed, words) or _joined(words, words)


def _reduced(terms: list[str]) -> list[str]:
    """Each term as a query reads it (:func:`searched_as`); 422 naming ``terms`` and the
    ``term`` a search would leave out entirely."""
    out = []
    for term in terms:
        if not any(character.isalnum() for character in term):
            # 🚕🚕 has no word at all, stop word or other: say what a term needs.
            raise InvalidInput(MESSAGES["no_letters"], field="terms", term=[term])
        kept = searched_as(term)
        if kept is None:
            raise InvalidInput(MESSAGES["no_words"], field="terms", term=[term])
        if kept != term and len(kept.strip()) == 1:
            # 紅的 (a red taxi) read as 紅 would make 紅磡 and every red thing a taxi.
            raise InvalidInput(MESSAGES["one_character"], field="terms", term=[term])
        out.append(kept)
    return out


def _check(session: Session, terms: list[str], replacing: int | None = None) -> list[str]:
    """Reduce terms to the words a query keeps, clean them and check the whole effective list
    with the change (the new group extends the built-in groups it overlaps); 422 naming
    ``terms`` (and ``term`` for a clash, ``same_as`` for the term it repeats in another
    script or case, ``group`` for the group it clashes with or repeats)."""
    if len(terms) < 2:
        raise InvalidInput(MESSAGES["too_few"], field="terms")
    if len(terms) > analysis.MAX_GROUP_SIZE:
        raise InvalidInput(MESSAGES["too_many_terms"], field="terms")
    terms = _reduced(terms)
    seen: dict[str, str] = {}
    for term in terms:
        key = analysis.term_key(term)
        if key not in seen:
            seen[key] = term
        else:
            first = seen[key]
            # ``same_as``: the term it repeats, when written otherwise (港鐵 before 港铁).
            same = {} if first == term else {"same_as": [first]}
            raise InvalidInput(MESSAGES[_repeat(first, term)], field="terms", term=[term], **same)
    try:
        clean = list(analysis.Synonyms([list(terms)]).groups[0])
    except InvalidSynonyms as error:
        details = {"term": [error.term]} if error.term else {}
        raise InvalidInput(MESSAGES[error.kind], field="terms", **details) from None
    others = [g.terms for g in groups(session) if g.id != replacing]
    retired = _retired(session)
    keys = {analysis.term_key(term) for term in clean}
    for other in others:
        whole = merged(other, retired)
        for term in whole:
            if analysis.term_key(term) in keys:
                found = next(t for t in clean if analysis.term_key(t) == analysis.term_key(term))
                raise InvalidInput(
                    MESSAGES["loop"], field="terms", term=[found], group=[", ".join(whole)]
                )
    for group in _live_defaults(retired):
        if keys <= {analysis.term_key(term) for term in group}:
            # It would only join the built-in group it lies inside: nothing would change.
            raise InvalidInput(
                MESSAGES["duplicate"], field="terms", term=clean, group=[", ".join(group)]
            )
    try:
        effective([*others, clean], retired, strict=True)
    except InvalidSynonyms as error:
        joined = ", ".join(g[0] for g in extended(clean, retired))
        if error.kind == "too_many_terms" and joined:
            raise InvalidInput(MESSAGES["too_many_merged"], field="terms", group=[joined]) from None
        raise InvalidInput(MESSAGES[error.kind], field="terms") from None
    return clean


def _repeat(first: str, again: str) -> str:
    """Why ``again`` repeats ``first`` (the same folded term): given twice as it is, written
    in the other script (港鐵, 港铁), or in another case, width or spacing."""
    if first == again:
        return "repeated"
    plain = {" ".join(unicodedata.normalize("NFKC", t).lower().split()) for t in (first, again)}
    return "same_folded" if len(plain) == 1 else "other_script"


def joining(
    session: Session, terms: list[str], group_id: int | None = None
) -> list[tuple[str, ...]]:
    """Check a change as :func:`create` / :func:`update` would (same 422s, 404 for an unknown
    group) and give the built-in groups it would newly join: the page asks before saving it."""
    replacing = group_or_404(session, group_id) if group_id is not None else None
    clean = _check(session, terms, replacing=group_id)
    retired = _retired(session)
    already = set(extended(replacing.terms, retired)) if replacing is not None else set()
    return [group for group in extended(clean, retired) if group not in already]


@dataclass(frozen=True)
class Unfound:
    """A term no listing holds, and the word of the catalogue it is close to (``close_to``,
    the correction a search for it offers, in the script it was typed in), if any: only then
    may it be a typo. A known word (:func:`known_word`) is close to nothing."""

    term: str
    close_to: str | None = None
    #: Whether a listing holds another term of the group: when none does, a search for the
    #: term finds nothing yet, not what the others find.
    others_held: bool = True


@functools.cache
def _to_simplified() -> tuple[opencc.OpenCC, ...]:
    # Phrase-aware conversions of Taiwan and Hong Kong words (資訊 → 信息, 軟體 → 软件).
    return opencc.OpenCC("tw2sp"), opencc.OpenCC("hk2s")


#: What a save says of a term no listing holds: a known word or one close to nothing, that
#: no listing holds it; one close to a word the listings hold, that word too (perhaps a typo);
#: when no listing holds any term of the group (``_none``), that its searches find nothing yet.
UNFOUND_MESSAGES = {
    "plain": N_(
        "No listing holds “%(term)s”: the group is saved, and a search for it finds what the "
        "other terms find."
    ),
    "close": N_(
        "No listing holds “%(term)s”; listings hold “%(close)s”, which it is close to: check "
        "that it is not a typo. The group is saved, and a search for it finds what the other "
        "terms find, with no “did you mean” offered for it."
    ),
    "plain_none": N_(
        "No listing holds “%(term)s”, nor any other term of the group: the group is saved, and "
        "its searches find listings once one holds a term of it."
    ),
    "close_none": N_(
        "No listing holds “%(term)s”; listings hold “%(close)s”, which it is close to: check "
        "that it is not a typo. The group is saved, though no listing holds any of its terms."
    ),
}


def unfound_message(item: Unfound, gettext) -> str:
    """What a save says of a term no listing holds, in the reader's language (``gettext``)."""
    kind = ("close" if item.close_to else "plain") + ("" if item.others_held else "_none")
    return gettext(UNFOUND_MESSAGES[kind], term=item.term, close=item.close_to)


def known_word(term: str) -> bool:
    """Whether ``term`` is a word of jieba's dictionary or of the exchange's own (the domain
    words), as typed, folded or converted by OpenCC from a Taiwan or Hong Kong form: a word
    that exists is no typo, though no listing holds it."""
    words = analysis.tokenizer().FREQ
    forms = {term, analysis.fold(term), *(convert.convert(term) for convert in _to_simplified())}
    return any(words.get(form.lower()) for form in forms)


def _held(found: search.Results) -> bool:
    """Whether a search's answer holds its words: not only by a correction, by some of its
    words or by character pairs."""
    return bool(found.total) and not (found.did_you_mean or found.relaxed or found.loose)


def _holds_every_word(engine: search.SearchEngine, text: str, synonyms) -> bool:
    """Whether the listings hold ``text`` and each of its words: a search of several words
    also answers with listings holding only one of them (east rain line by a listing of
    rain), which is no sign that the listings hold the phrase."""
    for words in (text, *analysis.query_terms(text)):
        query = search.Query(text=words, per_page=1, synonyms=synonyms)
        if not _held(engine.search(LISTINGS, query)):
            return False
    return True


def _corrected_words(term: str, close: str) -> list[str]:
    """The words of ``term`` the correction ``close`` changes (the whole term when it does
    not correct it word for word)."""
    typed, fixed = term.split(), close.split()
    if len(typed) != len(fixed):
        return [term]
    return [a for a, b in zip(typed, fixed, strict=True) if analysis.term_key(a) != b.lower()]


def unfound(
    engine: search.SearchEngine, terms: list[str], synonyms: analysis.Synonyms
) -> list[Unfound]:
    """The terms no listing holds, each searched alone as a buyer would type it, with the
    synonym list as it was before the save (``synonyms``: a term a built-in group finds
    listings for, 巴士 by 公交, is held): one the search answers only by a correction, by
    some of its words or by character pairs counts as held by none. Such a term is kept (a
    buyer's word missing from the listings is what synonyms are for); it may be a typo only
    when the search's correction is itself held by the listings and each word it corrects is
    no known word (``close_to``). Without a search index to ask, none is named."""
    out = []
    for term in terms:
        try:
            found = engine.search(LISTINGS, search.Query(text=term, per_page=1, synonyms=synonyms))
            close = found.did_you_mean
            if close and any(known_word(word) for word in _corrected_words(term, close)):
                close = None
            if close and not _holds_every_word(engine, close, synonyms):
                # east rail line is no typo of east rain line, which no listing holds.
                close = None
        except search.IndexMissing:
            return []  # nothing indexed yet: every term would be named
        except search.SearchError:
            log.warning("could not tell whether listings hold the synonym term %r", term)
            return []
        if not _held(found):
            out.append(Unfound(term, discovery.in_typed_script(close, term, False)))
    if len(out) == len(terms):
        out = [dataclasses.replace(each, others_held=False) for each in out]
    return out


def check_found(
    session: Session, engine: search.SearchEngine, group: SynonymGroup
) -> list[Unfound]:
    """The group's terms no listing holds (:func:`unfound`, searched with every other group
    applied, as a buyer's search was before the save), recorded on the group as it is
    saved: buyers' as-you-type suggestions leave them out (港鐵客留, a typo of 港鐵客流, would
    otherwise complete 港鐵客), without a search per keystroke."""
    others = [g.terms for g in groups(session) if g.id != group.id]
    missing = unfound(engine, group.terms, effective(others, _retired(session)))
    group.unfound = [each.term for each in missing] or None
    return missing


def annotate(session: Session, found: list[SynonymGroup]) -> list[SynonymGroup]:
    """Give each group ``extends``: the first terms of the built-in groups it joins."""
    retired = _retired(session)
    for group in found:
        group.extends = [g[0] for g in extended(group.terms, retired)]
    return found


def _joins(session: Session, terms: list[str]) -> list[str] | None:
    """For the trail: the first terms of the built-in groups a group of ``terms`` joins (the
    library's list may change, so the trail keeps them as they were), ``None`` for none."""
    return [group[0] for group in extended(terms, _retired(session))] or None


def _record(session: Session, change: SynonymChange) -> None:
    """Audit a change of the synonym list and have every open demand matched again after
    this commit: matching searches as buyers do, so the change may find it other listings."""
    session.add(change)
    outbox.enqueue(session, demands.REMATCH_TOPIC, {})


def create(
    session: Session, user: User, terms: list[str], note: str | None, now: datetime,
    client_id: str | None = None,
):  # fmt: skip
    """Add a group (audited, with the note and the API client it came through, if any)."""
    clean = _check(session, terms)
    joins = _joins(session, clean)
    group = SynonymGroup(terms=clean, note=note, updated_by_id=user.id, updated_at=now)
    session.add(group)
    session.flush()
    _record(
        session,
        SynonymChange(
            group_id=group.id,
            action="created",
            after=clean,
            user_id=user.id,
            client_id=client_id,
            note=note,
            joins=joins,
            at=now,
        ),  # fmt: skip
    )
    return annotate(session, [group])[0]


#: ``update``'s note when none was sent: the group keeps its own.
KEEP = object()


def update(
    session: Session, user: User, group_id: int, terms: list[str], note, now: datetime,
    client_id: str | None = None,
):  # fmt: skip
    """Replace a group's terms (audited), and its note unless ``note`` is :data:`KEEP` (the
    trail keeps the note given, none when it was kept, and ``note_change`` when the group's
    note changed: a note cleared with ``None`` is told apart from one kept)."""
    group = group_or_404(session, group_id)
    clean = _check(session, terms, replacing=group.id)
    changed = note is not KEEP and (note or None) != (group.note or None)
    _record(
        session,
        SynonymChange(
            group_id=group.id,
            action="updated",
            before=group.terms,
            after=clean,
            user_id=user.id,
            client_id=client_id,
            note=None if note is KEEP else note,
            note_change={"before": group.note, "after": note or None} if changed else None,
            joins=_joins(session, clean),
            at=now,
        ),
    )
    if note is not KEEP:
        group.note = note
    group.terms, group.updated_by_id, group.updated_at = clean, user.id, now
    return annotate(session, [group])[0]


def delete(
    session: Session,
    user: User,
    group_id: int,
    now: datetime,
    client_id: str | None = None,
    note: str | None = None,
) -> None:
    """Remove a group (audited, with the note given for it, if any)."""
    group = group_or_404(session, group_id)
    _record(
        session,
        SynonymChange(
            group_id=group.id,
            action="deleted",
            before=group.terms,
            user_id=user.id,
            client_id=client_id,
            note=note,
            at=now,
        ),  # fmt: skip
    )
    session.delete(group)


def defaults(session: Session, holding: str | None = None) -> list[dict]:
    """The built-in groups: ``{term, terms, deleted}``, ``term`` (the first) naming each; with
    ``holding``, only those with a term holding it, script, case and width folded (巴士 finds
    the group of 公交, ``rail`` those of 地铁 and 高铁; a latin word as a whole word)."""
    retired = _retired(session)
    key = analysis.term_key(holding) if holding is not None else ""
    # Latin words as whole words, a plural taken (bus finds buses, not business); Chinese
    # inside a term (巴士 finds 巴士站).
    inside = re.compile(rf"\b{re.escape(key)}(?:e?s)?\b" if key.isascii() else re.escape(key))
    return [
        {"term": group[0], "terms": list(group), "deleted": group[0] in retired}
        for group in DEFAULT_SYNONYMS
        if not key or any(inside.search(analysis.term_key(term)) for term in group)
    ]


def _default_or_404(term: str) -> tuple[str, ...]:
    """The built-in group named by its first term, or else holding ``term``, in either script
    and any width or case (天氣 names the group of 气象)."""
    for group in DEFAULT_SYNONYMS:
        if group[0] == term:
            return group
    key = analysis.term_key(term)
    for group in DEFAULT_SYNONYMS:
        if any(analysis.term_key(each) == key for each in group):
            return group
    raise NotFound(N_("No such built-in synonym group."))


def delete_default(
    session: Session,
    user: User,
    term: str,
    now: datetime,
    client_id: str | None = None,
    note: str | None = None,
) -> None:
    """Stop applying a built-in group (audited, with group id 0); deleting twice is a no-op."""
    group = _default_or_404(term)
    term = group[0]
    if session.get(RetiredDefault, term) is not None:
        return
    session.add(RetiredDefault(term=term, user_id=user.id, at=now))
    _record(
        session,
        SynonymChange(
            group_id=0,
            action="default_deleted",
            before=list(group),
            user_id=user.id,
            client_id=client_id,
            note=note,
            at=now,
        ),
    )
    session.flush()


def restore_default(
    session: Session,
    user: User,
    term: str,
    now: datetime,
    client_id: str | None = None,
    note: str | None = None,
) -> None:
    """Apply a deleted built-in group again (audited); restoring a live one is a no-op."""
    group = _default_or_404(term)
    term = group[0]
    retired = session.get(RetiredDefault, term)
    if retired is None:
        return
    session.delete(retired)
    _record(
        session,
        SynonymChange(
            group_id=0,
            action="default_restored",
            after=list(group),
            user_id=user.id,
            client_id=client_id,
            note=note,
            at=now,
        ),
    )
    session.flush()


def group_or_404(session: Session, group_id: int) -> SynonymGroup:
    found = session.get(SynonymGroup, group_id)
    if found is None:
        raise NotFound(N_("No such synonym group."))
    return found


def changes_query() -> sa.Select:
    """The edits, newest first (the API pages through it)."""
    return sa.select(SynonymChange).order_by(SynonymChange.id.desc())


def named(session: Session, found: list[SynonymChange]) -> list[SynonymChange]:
    """Give each edit ``user_name`` (who made it) and ``client_name`` (the name of the API
    client it came through; none from the page)."""
    users = {change.user_id for change in found}
    clients = {change.client_id for change in found} - {None}
    names = dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(users))).all())
    client_names = (
        dict(
            session.execute(
                sa.select(OAuthClient.client_id, OAuthClient.name).where(
                    OAuthClient.client_id.in_(clients)
                )
            ).all()
        )
        if clients
        else {}
    )
    for change in found:
        change.user_name = names.get(change.user_id)
        change.client_name = client_names.get(change.client_id)
    return found


def changes(session: Session, limit: int = 100) -> list[SynonymChange]:
    """The latest edits, newest first, each with ``user_name`` and ``client_name``."""
    return named(session, list(session.scalars(changes_query().limit(limit))))


# -- the search log ------------------------------------------------------------------------


def normalize(text: str) -> str:
    """The form queries are counted by: folded to simplified, lowercased, spaces collapsed."""
    return " ".join(analysis.fold(text).lower().split())[:500]


def log_query(
    session: Session, text: str, results: int, relaxed: bool, channel: str,
    organisation_id: int | None, now: datetime, filters: dict | None = None,
) -> int | None:  # fmt: skip
    """Record a search with text (browsing without text is not logged) and the filters it
    was on (none: ``None``); control characters (which PostgreSQL refuses in text) are
    dropped first. The new entry's id, or ``None``."""
    text = clean_text(text)[:500]
    if not text:
        return None
    # One INSERT … RETURNING on the session's connection (its transaction), without the ORM:
    # every search writes one row that nothing reads back in the request, and the flush's
    # bookkeeping cost as much as the insert itself.
    return session.connection().scalar(
        _log_insert(),
        {"text": text, "normalized": normalize(text), "results": results, "relaxed": relaxed,
         "channel": channel, "organisation_id": organisation_id, "at": now,
         "filters": filters or None},
    )  # fmt: skip


@functools.cache
def _log_insert() -> sa.Insert:
    table = SearchQuery.__table__
    return sa.insert(table).returning(table.c.id)


def log_click(session: Session, query_id: int, listing_id: int, position: int, now) -> None:
    """Record that a result of a logged search was opened: a search that was logged, a
    listing that exists, a position among that search's results (else 404 or 422 naming
    it), so a click cannot be made up for the staff's report."""
    logged = session.get(SearchQuery, query_id)
    if logged is None:
        raise NotFound(N_("No such search."), field="query_id")
    if session.get(Listing, listing_id) is None:
        raise NotFound(N_("No such listing."), field="listing_id")
    if not 1 <= position <= logged.results:
        raise InvalidInput(N_("Not a position among the search's results."), field="pos")
    session.add(SearchClick(query_id=query_id, listing_id=listing_id, position=position, at=now))


def _folded(rows) -> list[dict]:
    """Rows of searches that found nothing within their filters, a value given twice counted
    once (``{"region": ["beijing", "beijing"]}`` is ``{"region": ["beijing"]}``, as the search
    filtered on it): searches logged with a repeat join the row of the same filters without."""
    merged: dict[tuple, dict] = {}
    for query, searches, filters, relaxed in rows:
        filters = {
            name: list(dict.fromkeys(value)) if isinstance(value, list) else value
            for name, value in json.loads(filters).items()
        }
        key = (normalize(query), json.dumps(filters, sort_keys=True))
        if key in merged:
            merged[key]["searches"] += searches
            merged[key]["relaxed"] = merged[key]["relaxed"] or bool(relaxed)
        else:
            merged[key] = {
                "query": query, "searches": searches, "filters": filters, "relaxed": bool(relaxed)
            }  # fmt: skip
    return sorted(merged.values(), key=lambda row: -row["searches"])


def without_filters(
    engine: search.SearchEngine, synonyms: analysis.Synonyms, rows: list[dict]
) -> list[dict]:
    """Give each row of searches that found nothing within their filters
    ``total_without_filters``: how many listings its words find in the whole catalogue, as
    the market page would search them (``None`` when the search cannot answer now). None
    tells a gap in the words (a synonym may mend it) from a catalogue that holds no such
    listing within the filters."""
    for row in rows:
        try:
            found = discovery.run(engine, {"q": row["query"], "page_size": 1}, synonyms)
        except DomainError:
            row["total_without_filters"] = None
        else:
            row["total_without_filters"] = found.total
    return rows


def report(
    session: Session,
    engine: search.SearchEngine,
    now: datetime,
    days: int = 30,
    limit: int = 20,
) -> dict:
    """Top queries without results (every channel): searched without filters (words the
    listings lack) apart from those searched with filters (category, region, price …: the
    catalogue may lack such listings, not the words; each with what its words find without
    them, :func:`without_filters`); and frequent page searches whose results are rarely
    opened; each query as typed, counted by its folded form."""
    since = now - timedelta(days=days)
    recent = SearchQuery.at >= since

    def nothing_found(filtered: bool) -> list:
        # Grouped by the folded form, shown as typed (港鐵 and 港铁 are one row, shown as one
        # of the ways buyers typed it); with filters, a row per set of filters (as logged,
        # compared as text: PostgreSQL's json has no equality).
        filters = sa.cast(SearchQuery.filters, sa.Text) if filtered else sa.null()
        # Within filters, a search relaxed there (no listing within them matched most of its
        # words; those shown match some) found nothing for its words either.
        nothing = (
            sa.or_(SearchQuery.results == 0, SearchQuery.relaxed)
            if filtered
            else (SearchQuery.results == 0)
        )
        relaxed = sa.func.max(sa.case((SearchQuery.relaxed, 1), else_=0))
        return session.execute(
            sa.select(
                sa.func.min(SearchQuery.text), sa.func.count().label("searches"), filters, relaxed
            )
            .where(
                recent,
                nothing,
                SearchQuery.filters.is_not(None) if filtered else SearchQuery.filters.is_(None),
            )
            .group_by(SearchQuery.normalized, *([filters] if filtered else []))
            .order_by(sa.desc("searches"), SearchQuery.normalized, *([filters] if filtered else []))
            .limit(limit)
        ).all()

    zero, zero_filtered = nothing_found(False), nothing_found(True)
    clicks = (
        sa.select(SearchClick.query_id, sa.func.count().label("n"))
        .group_by(SearchClick.query_id)
        .subquery()
    )
    low = session.execute(
        sa.select(
            sa.func.min(SearchQuery.text),
            sa.func.count().label("searches"),
            sa.func.count(clicks.c.query_id).label("clicked"),
        )
        .outerjoin(clicks, clicks.c.query_id == SearchQuery.id)
        # Page searches only: an API search has no link to open, so it would always count
        # as "not opened".
        .where(recent, SearchQuery.results > 0, SearchQuery.channel == "web")
        .group_by(SearchQuery.normalized)
        .having(sa.func.count() >= 2)
        .order_by(
            (sa.func.count(clicks.c.query_id) * 1.0 / sa.func.count()),
            sa.desc("searches"),
            SearchQuery.normalized,
        )
        .limit(limit)
    ).all()
    total = session.scalar(sa.select(sa.func.count(SearchQuery.id)).where(recent)) or 0
    return {
        "days": days,
        "searches": total,
        "zero_results": [{"query": q, "searches": n} for q, n, _, _ in zero],
        "zero_results_with_filters": without_filters(
            engine, current(session), _folded(zero_filtered)[:limit]
        ),
        "low_clicks": [
            {"query": q, "searches": n, "clicked": c, "click_rate": round(c / n, 3)}
            for q, n, c in low
            if c / n < 0.5
        ],
    }
