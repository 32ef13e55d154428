"""Matching (匹配) demands with listings: search finds candidates, rules keep those that fit.

Rules: the listing is on sale and not the buyer's own; a public plan is within budget, compared
in yuan at the configured rates (``SHUJIAO_CNY_RATES``) when the plan and the budget are in
different currencies; the terms permit the declared usage scenario; cross-border use (declared,
or a buyer registered outside the listing's provider's jurisdiction) needs terms allowing it; the delivery method, if asked for,
fits. Candidates come from the buyers' own search of the demand's title (the query
:func:`market.listings.discovery.build_query` makes, with the exchange's synonym list: the same
analysis, script folding, places and partial matching), keeping hits scoring at least
``RELEVANCE_FLOOR`` of the best; only when the title finds nothing is the category browsed.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import search
from market.listings import discovery, notifications, plans
from market.listings import terms as licence
from market.listings.indexing import LISTINGS
from market.listings.models import Demand, DemandMatch, DemandStatus, Listing, ListingStatus, Plan
from market.listings.rates import CnyRates

MAX_MATCHES = 10
CANDIDATES = 50
# A hit scoring below this share of the best hit's score is too far from the demand to show.
RELEVANCE_FLOOR = 0.3


def _search_args(demand: Demand, cross_border: bool) -> dict:
    """The demand as the search API's arguments: its title, and the constraints the index
    can filter on (the rules check them again, with the budget and the scenario)."""
    args: dict = {"q": demand.title[:200], "page_size": CANDIDATES, "sort": "relevance"}
    if demand.category is not None:
        args["category"] = [str(demand.category)]
    if demand.delivery_method is not None:
        args["delivery_method"] = [str(demand.delivery_method)]
    if cross_border:
        args["cross_border_allowed"] = True
    return args


def _candidates(
    engine: search.SearchEngine,
    demand: Demand,
    cross_border: bool,
    synonyms: search.analysis.Synonyms | None,
) -> list[str]:
    args = _search_args(demand, cross_border)
    # No facets or snippets: only the ids and scores are used.
    query = dataclasses.replace(discovery.build_query(args, synonyms), facets=(), highlight=False)
    results = discovery.guarded(lambda: engine.search(LISTINGS, query), None)
    hits = results.hits if results else []
    if hits:
        best = max((hit.score or 0) for hit in hits)
        return [hit.id for hit in hits if best <= 0 or (hit.score or 0) >= RELEVANCE_FLOOR * best]
    if demand.category is None:
        return []
    # Nothing answers the title: anything in the category, newest first.
    browse = dataclasses.replace(query, text="", boosts={}, pinned={}, sort="newest")
    results = discovery.guarded(lambda: engine.search(LISTINGS, browse), None)
    return [hit.id for hit in results.hits] if results else []


def fitting_plan(
    listing: Listing, demand: Demand, cross_border: bool, rates: CnyRates | None = None
) -> tuple[Plan, list[str]] | None:
    """The cheapest public plan of the listing that fits the demand, and why it fits; a plan in
    another currency than the budget is compared in yuan at ``rates``."""
    revision = listing.live_revision
    if licence.permits(revision.terms, demand.usage_scenario) is False:
        return None
    if cross_border and not revision.terms["cross_border"]:
        return None
    buyer = demand.organisation
    if listing.is_abroad_for(buyer) and not plans.allows_abroad(revision.terms, buyer):
        return None  # the buyer could not buy it: the licence's territory leaves it out
    if demand.delivery_method is not None and revision.delivery_method != demand.delivery_method:
        return None
    rates = rates or CnyRates()
    budget_cny = rates.to_cny(demand.budget_minor, demand.currency)

    def in_cny(plan: Plan) -> int | None:
        return rates.to_cny(plan.price_minor, plan.currency)

    def within(plan: Plan) -> bool:
        if plan.currency == demand.currency:
            return plan.price_minor <= demand.budget_minor
        fen = in_cny(plan)
        return fen is not None and budget_cny is not None and fen <= budget_cny

    affordable = [plan for plan in revision.public_plans if within(plan)]
    if not affordable:
        return None
    reasons = ["budget", "scenario"]
    if cross_border:
        reasons.append("cross_border")
    if demand.category is not None and revision.category == demand.category:
        reasons.append("category")
    cheapest = min(affordable, key=lambda plan: (in_cny(plan) or plan.price_minor, plan.id))
    return cheapest, reasons


def _matched_subject(demand: Demand, found: list[DemandMatch]) -> dict:
    """The provider's notice: the demand, and which of its listings matched (mailed as lines)."""
    count = len(found)
    if count == 1:
        zh = f"求购「{demand.title}」与您的挂牌匹配，可发出专属报价"
        en = f"Demand “{demand.title}” matches your listing; you can send a private offer"
    else:
        zh = f"求购「{demand.title}」与您的 {count} 个挂牌匹配，可发出专属报价"
        en = f"Demand “{demand.title}” matches {count} of your listings; you can send a private offer"
    items = [{"zh": m.revision.title_zh, "en": m.revision.title_en} for m in found]
    return {"zh": zh, "en": en, "items": items}


def match(
    session: Session,
    engine: search.SearchEngine,
    demand_id: int,
    now: datetime,
    rates: CnyRates | None = None,
    synonyms: search.analysis.Synonyms | None = None,
) -> list[DemandMatch]:
    """Outbox handler: (re)compute a demand's matches and notify newly matched providers.
    ``synonyms`` is the exchange's synonym list as buyers' searches use it now (the search
    library's defaults when ``None``)."""
    demand = session.get(Demand, demand_id)
    if demand is None or demand.status != DemandStatus.OPEN:
        return []
    before = {m.listing_id for m in demand.matches}
    session.execute(sa.delete(DemandMatch).where(DemandMatch.demand_id == demand.id))
    session.expire(demand, ["matches"])
    matches = []
    # Only a declared use abroad asks every listing for cross-border terms; a buyer's own
    # registration makes the use cross-border only against a provider registered elsewhere
    # (a Hong Kong buyer of a Hong Kong provider's data uses it at home).
    for doc_id in _candidates(engine, demand, demand.cross_border, synonyms):
        listing = session.get(Listing, int(doc_id))
        if (
            listing is None
            or listing.status != ListingStatus.PUBLISHED
            or listing.organisation_id == demand.organisation_id
        ):
            continue
        cross_border = demand.cross_border or listing.is_abroad_for(demand.organisation)
        fitting = fitting_plan(listing, demand, cross_border, rates)
        if fitting is None:
            continue
        plan, reasons = fitting
        matches.append(
            DemandMatch(
                demand_id=demand.id,
                listing_id=listing.id,
                revision_id=listing.live_revision_id,
                plan_id=plan.id,
                rank=len(matches) + 1,
                reasons=reasons,
                created_at=now,
            )
        )
        if len(matches) == MAX_MATCHES:
            break
    session.add_all(matches)
    demand.matched_at = now
    session.flush()
    # One notice per provider per run, naming every listing of theirs that newly matched.
    newly: dict[int, list[DemandMatch]] = {}
    for found in matches:
        if found.listing_id not in before:
            newly.setdefault(found.listing.organisation_id, []).append(found)
    for organisation_id, found in newly.items():
        notifications.notify(
            session,
            organisation_id,
            "demand.matched",
            _matched_subject(demand, found),
            f"/demands/{demand.id}",
            now,
        )
    if matches and not before:
        notifications.notify(
            session,
            demand.organisation_id,
            "demand.matches_found",
            {
                "zh": f"您的求购「{demand.title}」找到 {len(matches)} 个匹配挂牌",
                "en": f"Your demand “{demand.title}” has {len(matches)} matching listings",
            },
            f"/demands/{demand.id}",
            now,
        )
    return matches
