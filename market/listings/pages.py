"""Pages: the marketplace and its search, listing pages, the provider's listings and editor,
the reviewers' compliance queue, and the demand board."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from marshmallow import ValidationError

from market.auth import login_required, staff_required
from market.context import acting_for, current_user, db_session, outside_transaction
from market.db import utcnow
from market.display import (
    currency_choices,
    home_currency,
    territories,
    territory,
    territory_choices,
    word_list,
)
from market.errors import Conflict, DomainError, InvalidInput, NotFound
from market.fields import query_list_errors
from market.forms import bounds_text, error_text, parse_form
from market.guard import refused_query_args, shows_refused_query
from market.i18n import locale_code
from market.identity.models import Organisation, StaffRole
from market.listings import (
    compliance,
    demands,
    discovery,
    featuring,
    listings,
    notifications,
    plans,
    schemas,
)
from market.listings import terms as licence
from market.listings.models import (
    DELIVERY_LABELS,
    LISTING_STATUS_LABELS,
    PATHWAY_LABELS,
    PLAN_KIND_LABELS,
    REVISION_STATE_LABELS,
    SCENARIO_LABELS,
    Listing,
    RevisionState,
)
from market.listings.rates import CNY
from market.listings.states import Action, Actor
from market.money import money, plain_amount, whole_money
from market.registry.assets import Upload, store_first
from market.registry.models import (
    ASSET_KIND_LABELS,
    INDUSTRY_LABELS,
    RIGHT_LABELS,
    UPDATE_FREQUENCY_LABELS,
    Asset,
)
from market.searching import services as searching
from market.text import N_
from market.trading import orders as trading_orders
from market.valuation import reports as valuation_reports

blp = Blueprint("listings", __name__)

FACET_TITLES = {
    "category": N_("Category"),
    "asset_kind": N_("Asset kind"),
    "pricing_model": N_("Pricing model"),
    "price": N_("Price"),
    "currency": N_("Currency"),
    "delivery_method": N_("Delivery"),
    "region": N_("Coverage region"),
    "coverage_to": N_("Data up to"),
    "provider": N_("Provider"),
    "cross_border_allowed": N_("Cross-border allowed"),
    "certified": N_("Certified"),
    "appraised": N_("Appraised"),
}

#: What the market page's URL arguments are called on the page: a refusal names what the
#: reader sees, never the argument's own name.
ARGUMENT_TITLES = FACET_TITLES | {
    "q": N_("Search"),
    "price_from": N_("Price from"),
    "price_below": N_("Price below"),
    "year_from": N_("Data up to (from year)"),
    "year_to": N_("Data up to (until year)"),
    "sort": N_("Sort"),
    "page": N_("Page"),
    "page_size": N_("Results per page"),
}


def _labels() -> dict:
    return {
        "status": LISTING_STATUS_LABELS,
        "revision": REVISION_STATE_LABELS,
        "plan": PLAN_KIND_LABELS,
        "delivery": DELIVERY_LABELS,
        "industry": INDUSTRY_LABELS,
        "kind": ASSET_KIND_LABELS,
        "scenario": SCENARIO_LABELS,
        "pathway": PATHWAY_LABELS,
        "right": RIGHT_LABELS,
        "facets": FACET_TITLES,
        "frequency": UPDATE_FREQUENCY_LABELS,
    }


def _search_args() -> tuple[dict, dict]:
    """The market's arguments and the errors of those that could not be read (by the name in
    the URL); with errors, the search runs on the words alone."""
    schema = schemas.MarketArgsSchema(CNY)
    by_key = {field.data_key or name: field for name, field in schema.load_fields.items()}
    refused = refused_query_args()  # a control character: named, never searched for
    flat = {}
    for key in request.args:
        if key in by_key and key not in refused:
            values = [value for value in request.args.getlist(key) if value != ""]
            is_list = isinstance(by_key[key], schemas.fields.List)
            if len(values) > 1 and not is_list:
                # Two sorts or two pages: taking the first would answer a search not asked for.
                refused[key] = [N_("Given more than once.")]
            elif values:
                flat[key] = values if is_list else values[0]
    try:
        return schema.load(flat), refused
    except ValidationError as error:
        # The words alone; words too long are refused by the search as they would be alone.
        words = {"q": flat["q"]} if isinstance(flat.get("q"), str) else {}
        found = query_list_errors(error.normalized_messages(), flat)
        return schema.load(words), found | refused


def _searched_args(refused: set[str]) -> dict[str, list[str]]:
    """The URL's arguments without those the search refused (and did not use), for the
    links of the page answering it: a facet, a page or a correction must not carry a refused
    value (over-long words, ``category=nope``) into the next search, refused again. Empty
    values (a price form's field left blank) are no argument, as the search reads them."""
    searched = {}
    for key, values in request.args.to_dict(flat=False).items():
        given = [value for value in values if value != ""]
        if key not in refused and given:
            searched[key] = given
    return searched


def _region_names() -> dict[str, str]:
    """Each region code's name in the reader's language, for a code suggested for a slip."""
    return {code: _(label) for code, label in discovery.REGION_LABELS.items()}


def _argument_errors(errors: dict) -> list[str]:
    """One readable line per argument of the URL that could not be read."""
    lines = []
    for name, messages in errors.items():
        for message in messages:
            if message in schemas.RANGE_MESSAGES:
                continue  # both ends were understood: told of the range (_range_errors)
            title = _(ARGUMENT_TITLES[name]) if name in ARGUMENT_TITLES else name
            # Every message is a sentence of its own: “Search” was not understood. The text is
            # not valid UTF-8. A number read but out of bounds is said in one: “Page” must be
            # from 1 to 500.
            lines.append(bounds_text(message, title) or _(
                "“%(name)s” was not understood. %(message)s", name=title,
                message=error_text(message, labels=_region_names()),
            ))  # fmt: skip
    return lines


def _range_errors(errors: dict) -> dict[str, str]:
    """A range refused for the order of its ends, by its facet (``price``, ``coverage_to``):
    its own sentence, naming both ends, for the page to show beside the range's fields."""
    return {
        facet: error_text(message)
        for facet, keys in _RANGE_KEYS.items()
        for key in keys
        for message in errors.get(key, ())
        if message in schemas.RANGE_MESSAGES
    }


def _demand_need(regions: list[str]) -> str | None:
    """The details a demand posted from a search starts with: a demand has no region of its
    own, so the regions the search was limited to are said in its text."""
    if not regions:
        return None
    names = word_list(_(discovery.REGION_LABELS[region]) for region in regions)
    return ngettext(
        "The search was limited to %(regions)s: the data should cover that region.",
        "The search was limited to %(regions)s: the data should cover those regions.",
        len(regions),
        regions=names,
    )


@blp.route("/market")
@shows_refused_query
def market():
    """The marketplace: search with facets, sorting and highlights (no sign-in needed)."""
    if "price_min" in request.args or "price_max" in request.args:
        return redirect(_in_major_units(), 301)
    args, bad_arguments = _search_args()
    session = db_session()
    error, logged, refused, dropped = None, None, False, set(bad_arguments)
    synonyms = searching.current(session)
    try:
        results = discovery.run_with_sibling_counts(
            current_app.extensions["search"], args, synonyms
        )
        locale = str(get_locale())
        facets = discovery.keep_selected(
            discovery.facet_labels(session, results, _, locale), args, _, locale
        )
    except DomainError as failure:
        error = _(failure.message)
        results, facets = None, {}
        refused = failure.status == 422  # words the search cannot take (over 500 characters)
        if refused:
            dropped.add(failure.field or "q")
    else:
        mine = acting_for()
        logged = searching.log_query(
            session, args["q"], results.total, results.relaxed, "web",
            mine[0] if mine else None, utcnow(), discovery.filters_of(args),
        )  # fmt: skip
    searched = _searched_args(dropped)
    if searched.get("region") and args.get("region"):
        # A region named (香港) linked as its code; kept as typed when the search ran on the
        # words alone, another argument refused.
        searched["region"] = list(args["region"])
    _link_facets(facets, searched)
    elsewhere = None
    if error is None:
        total = discovery.elsewhere(current_app.extensions["search"], args, results, synonyms)
        if total:
            everywhere = {k: v for k, v in searched.items() if k not in ("region", "page")}
            elsewhere = {"total": total, "href": url_for("listings.market", **everywhere)}
    more = None
    if error is None:
        count = discovery.more_by_relevance(
            current_app.extensions["search"], args, results, synonyms
        )
        if count:
            by_relevance = {k: v for k, v in searched.items() if k not in ("sort", "page")}
            more = {"count": count, "href": url_for("listings.market", **by_relevance)}
    status, past_the_end = 200, None
    if bad_arguments or refused:
        status = 422
    elif results is not None and not results.hits and results.total:
        # A page after the last one: nothing to show, so say so and point back to the last.
        last = min(-(-results.total // results.per_page), 500)
        past_the_end = {"last": last,
                        "href": url_for("listings.market", **{**searched, "page": [str(last)]})}  # fmt: skip
        status = 404
    # Words refused for a control character are not searched for, but stay in the box.
    shown = {**args, "q": request.args.get("q", "")} if "q" in bad_arguments else args
    # The correction as the buyer reads it (in the script they typed), and its link the same.
    shown_correction = discovery.in_typed_script(
        results.did_you_mean if results else None, args["q"] or "",
        str(get_locale()).startswith("zh_Hant"),
    )  # fmt: skip
    page = render_template(
        "listings/market.html", args=shown, results=results, facets=facets, error=error,
        argument_errors=_argument_errors(bad_arguments), past_the_end=past_the_end,
        labels=_labels(), pages=_page_links(results, searched),
        chips=_chips(facets, args, searched),
        price_form=_price_form(searched, bad_arguments), range_errors=_range_errors(bad_arguments),
        clear_all=url_for(
            "listings.market",
            q=None if "q" in dropped else args["q"] or None,
            sort=None if "sort" in dropped else request.args.get("sort"),
        ),
        corrected=_corrected_link(shown_correction, searched),
        search_id=logged,
        filtered=any(args.get(name) not in (None, []) for name in _FILTERS),
        # The way on drops what was refused: "these filters" only when a filter was.
        filters_refused=any(key not in _NOT_FILTERS for key in bad_arguments),
        kept=_kept_ranges(args),
        elsewhere=elsewhere,
        more_by_relevance=more,
        did_you_mean=shown_correction,
        one_word=discovery.one_word(args.get("q") or "", synonyms),
        demand_need=_demand_need(args.get("region") or []),
        # A demand is titled by words the search took, not by words it refused.
        demand_title=None if "q" in dropped else args["q"] or None,
        regions_missed=word_list(
            _(discovery.REGION_LABELS[region])
            for region in discovery.regions_missed(
                current_app.extensions["search"], args, results, synonyms
            )
        ),
        unheld=word_list(
            # Quoted as the reader's language quotes (「」 in Traditional).
            _("“%(term)s”", term=word)
            for word in discovery.unheld_as_typed(results, args.get("q") or "")
        ),
    )  # fmt: skip
    return page, status


def _corrected_link(correction: str | None, searched: dict) -> str | None:
    """The "did you mean" link: this search with the corrected words as shown (in the buyer's
    script), filters and sort kept."""
    if not correction:
        return None
    query = {**searched, "q": [correction]}
    query.pop("page", None)
    return url_for("listings.market", **query)


def _major(minor: int) -> str:
    """Fen (search compares prices in yuan) as a URL carries them in yuan."""
    return plain_amount(minor, CNY)


def _in_major_units() -> str:
    """The market URL with an old link's minor-unit ``price_min``/``price_max`` (inclusive) as
    ``price_from``/``price_below`` in major units; a bound that is not a whole number of
    minor units (``abc``, ``-5``) is carried as it was typed, so that the page refuses it as
    it refuses the same value of the current argument, never dropped unsaid."""
    query = request.args.to_dict(flat=False)
    low, high = query.pop("price_min", [""])[0], query.pop("price_max", [""])[0]
    if low.isdigit():
        query["price_from"] = [_major(int(low))]
    elif low.strip():
        query["price_from"] = [low]
    if high.isdigit():
        query["price_below"] = [_major(int(high) + 1)]
    elif high.strip():
        query["price_below"] = [high]
    return url_for("listings.market", **query)


def _kept_ranges(args: dict) -> dict:
    """The range filters in force, as the search form's hidden fields carry them on."""
    kept = {"year_from": args.get("year_from"), "year_to": args.get("year_to")}
    if args.get("price_min") is not None:
        kept["price_from"] = _major(args["price_min"])
    if args.get("price_max") is not None:
        kept["price_below"] = _major(args["price_max"] + 1)
    return {name: value for name, value in kept.items() if value is not None}


#: The market's arguments that are not filters: a refused one is no filter to search without.
_NOT_FILTERS = frozenset({"q", "page", "page_size", "sort"})
_FILTERS = (
    *discovery.KEYWORD_FILTERS, *discovery.BOOLEAN_FILTERS,
    "price_min", "price_max", "year_from", "year_to",
)  # fmt: skip


def _page_links(results, searched: dict) -> list[dict]:
    """Numbered pages around the current one: ``{number, href, current}`` or a gap (None)."""
    if not results or not results.total:
        return []
    last = min(-(-results.total // results.per_page), 500)
    shown = sorted({1, last, *range(max(1, results.page - 2), min(last, results.page + 2) + 1)})
    links, previous = [], 0
    query = searched
    for number in shown:
        if number - previous > 1:
            links.append(None)
        links.append({
            "number": number, "current": number == results.page,
            "href": url_for("listings.market", **{**query, "page": [str(number)]}),
        })  # fmt: skip
        previous = number
    return links if last > 1 else []


# Facets whose values are names people typed (a provider's), shown marked with their language.
TYPED_FACETS = frozenset({"provider"})


def _chips(facets: dict, args: dict, searched: dict) -> list[dict]:
    """The active filters, each with the link that removes it: the facets' values, and a
    price or year range that is no bucket of its facet (typed in the price form, or by hand
    in the URL), which a facet could neither show nor remove."""
    chips = [
        {
            "facet": _(FACET_TITLES.get(name, name)),
            "label": item["label"],
            "href": item["href"],
            "typed": name in TYPED_FACETS,
        }
        for name, values in facets.items()
        for item in values
        if item.get("active")
    ]
    for facet, label in (("price", _price_range_label(args)), ("coverage_to", _years_label(args))):
        if label is None or any(item.get("active") for item in facets.get(facet, ())):
            continue
        kept = {key: values for key, values in searched.items() if key not in _RANGE_KEYS[facet]}
        chips.append({
            "facet": _(FACET_TITLES[facet]), "label": label, "typed": False,
            "href": url_for("listings.market", **kept),
        })  # fmt: skip
    return chips


#: The URL arguments of each range facet (a chip removing the range drops them, and the page).
_RANGE_KEYS = {
    "price": ("price_from", "price_below", "page"),
    "coverage_to": ("year_from", "year_to", "page"),
}


def _amount(minor: int) -> str:
    """A bound of a price range typed by the buyer: in whole yuan like the buckets', with
    its fen when it has any (a range typed as 99.50 is not shown as ¥100)."""
    return whole_money(minor, CNY) if minor % 100 == 0 else money(minor, CNY)


def _price_range_label(args: dict) -> str | None:
    """A price range in force as a bucket is named (from inclusive, below exclusive)."""
    low, high = args.get("price_min"), args.get("price_max")
    if low is None and high is None:
        return None
    if low is None:
        return _("Under %(amount)s", amount=_amount(high + 1))
    if high is None:
        return _("%(amount)s and above", amount=_amount(low))
    return f"{_amount(low)} – {_amount(high + 1)}"


def _years_label(args: dict) -> str | None:
    """A range of the years a listing's data runs up to (both included) in force."""
    first, last = args.get("year_from"), args.get("year_to")
    if first is None and last is None:
        return None
    if last is None:
        return _("%(year)s and later", year=first)
    if first is None:
        return _("%(year)s and earlier", year=last)
    return str(first) if first == last else f"{first}–{last}"


def _price_form(searched: dict, refused: dict) -> dict:
    """The price facet's own range form: the bounds as the buyer typed them (kept when
    refused, to be put right), every other argument of the search carried as it is, and the
    sentence of a reversed range, shown beside the fields."""
    carried = [
        (key, value)
        for key, values in searched.items()
        if key not in _RANGE_KEYS["price"]
        for value in values
    ]
    reversed_range = _range_errors(refused).get("price")
    return {
        "carried": carried,
        "low": request.args.get("price_from", ""),
        "high": request.args.get("price_below", ""),
        # A reversed range is the fault of both ends together: both are marked.
        "refused": [
            key for key in ("price_from", "price_below") if key in refused or reversed_range
        ],
        "error": reversed_range,
    }


def _link_facets(facets: dict, searched: dict) -> None:
    """Give each facet value the URL that toggles it (keeping the rest of the search)."""
    current = dict(searched)
    current.pop("page", None)
    for name, values in facets.items():
        for item in values:
            value = (
                str(item["value"]).lower()
                if isinstance(item["value"], bool)
                else str(item["value"])
            )
            chosen = dict(current)
            if name == "price":
                low, high = value.split("-")
                bounds = {
                    "price_from": low if low == "*" else _major(int(low)),
                    "price_below": high if high == "*" else _major(int(high)),
                }
            elif name == "coverage_to":
                # A bucket leaves out its upper year; year_to includes it (2015-2020 is
                # 2015–2019), so the link finds exactly the listings the bucket counts.
                low, high = value.split("-")
                bounds = {"year_from": low, "year_to": high if high == "*" else str(int(high) - 1)}
            if name in ("price", "coverage_to"):
                item["active"] = any(current.get(key) for key in bounds) and all(
                    current.get(key, []) == ([] if bound == "*" else [bound])
                    for key, bound in bounds.items()
                )
                for key, bound in bounds.items():
                    chosen[key] = [] if item["active"] or bound == "*" else [bound]
            elif name == "currency":
                item["active"] = value in current.get(name, [])
                selected = current.get(name, [])
                chosen[name] = (
                    [v for v in selected if v != value] if item["active"] else [*selected, value]
                )
            elif name in discovery.BOOLEAN_FILTERS:
                item["active"] = current.get(name) == [value]
                if item["active"]:
                    chosen.pop(name, None)
                else:
                    chosen[name] = [value]
            else:
                selected = current.get(name, [])
                item["active"] = value in selected
                chosen[name] = (
                    [v for v in selected if v != value] if item["active"] else [*selected, value]
                )
            item["href"] = url_for("listings.market", **chosen)


@blp.route("/market/listings/<int:listing_id>")
def listing_page(listing_id: int):
    """A listing: plans, terms in the reader's language, samples, certificate and valuation."""
    mine = acting_for()
    listing = listings.listing_or_404(db_session(), listing_id, mine, public=True)
    revision = listing.live_revision or listing.latest_revision
    similar = (
        discovery.similar(current_app.extensions["search"], listing.id)
        if listing.live_revision
        else []
    )
    valuation = (
        valuation_reports.final_report(db_session(), revision.valuation_report_number)
        if revision.valuation_report_number
        else None
    )
    offered = revision.plans_for(mine, utcnow())
    # A signed-in buyer who cannot buy is told why beside the Buy button, not after it.
    organisations = [db_session().get(Organisation, organisation_id) for organisation_id in mine]
    standing = plans.buyers(listing, organisations, offered) if current_user() else None
    return render_template(
        "listings/listing.html",
        listing=listing,
        revision=revision,
        plans=offered,
        standing=standing,
        territory_names=territories(revision.terms["territory"]),
        valuation=valuation,
        terms=licence.describe(revision.terms, _, territory, word_list, territories=territories, home=listing.organisation.jurisdiction),
        odrl=licence.to_odrl(revision.terms, f"shujiao:listing:{listing.id}", str(listing.organisation_id), listing.organisation.jurisdiction),
        similar=similar,
        labels=_labels(),
        preview=listings.sample_preview(current_app.extensions["files"], revision),
    )  # fmt: skip


@blp.route("/market/listings/<int:listing_id>/samples/<int:sample_id>")
def sample_download(listing_id: int, sample_id: int):
    """Download a sample without buying."""
    listing = listings.listing_or_404(db_session(), listing_id, [], public=True)
    sample = listings.sample_or_404(listing, sample_id, listing.live_revision)
    stream = current_app.extensions["files"].open(sample.storage_key)
    return send_file(
        stream, mimetype=sample.media_type, as_attachment=True, download_name=sample.name
    )


# --- Providers ---------------------------------------------------------------------------------


@blp.route("/provider/listings")
@login_required
def provider_listings():
    """The listings of the user's organisations."""
    session = db_session()
    mine = acting_for()
    rows = session.scalars(
        sa.select(Listing).where(Listing.organisation_id.in_(mine)).order_by(Listing.id.desc())
    ).all()
    assets = session.scalars(
        sa.select(Asset).where(Asset.organisation_id.in_(mine)).order_by(Asset.id.desc())
    ).all()
    return render_template("listings/provider.html", listings=rows, assets=assets, labels=_labels())


@blp.route("/provider/listings/new", methods=["GET", "POST"])
@login_required
def provider_new():
    """The listing editor: a new draft of a certified asset, prefilled from the asset."""
    session = db_session()
    mine = acting_for()
    offered = listings.listable_assets(session, mine, utcnow())
    if request.method == "GET":
        chosen = next(
            (pair for pair in offered if str(pair[0].id) == request.args.get("asset_id")), None
        )
        if chosen is None and len(offered) == 1:
            chosen = offered[0]
        form = listings.draft_from_asset(*chosen, discovery.REGION_LABELS) if chosen else {}
        return _editor(form, {}, offered, chosen)
    chosen = next(
        (pair for pair in offered if str(pair[0].id) == request.form.get("asset_id")), None
    )
    with _knowing(_provider(offered, chosen, None)):
        data, errors = parse_form(schemas.ListingFormSchema())
    if not errors:
        asset = session.get(Asset, data["asset_id"])
        owner = (
            asset.organisation_id if asset and asset.organisation_id in mine else (mine or [0])[0]
        )
        try:
            listing = listings.create_listing(session, owner, current_user(), data, utcnow())
        except DomainError as error:
            errors = error.errors or {error.field or "asset_id": [error.message]}
            session.rollback()
        else:
            flash(_("Draft saved. Submit it for compliance review when it is ready."))
            return redirect(url_for("listings.provider_listing", listing_id=listing.id))
    return _editor(request.form, schemas.flat_errors(errors), offered, chosen), 422


def _editor(form, errors: dict, offered, chosen, listing: Listing | None = None):
    rows = [int(m[1]) for key in form if (m := schemas.PLAN_ROW.fullmatch(key))]
    plan_rows = max([schemas.PLAN_ROWS - 1, *rows]) + 1
    return render_template(
        "listings/editor.html", form=form, errors=errors, offered=offered, chosen=chosen,
        labels=_labels(), regions=discovery.REGION_LABELS, territories=territory_choices(),
        listing=listing, plan_rows=plan_rows, plan_totals=_plan_totals(form, plan_rows),
        plan_currency=plans.starting_currency(_provider(offered, chosen, listing), home_currency()),
    )  # fmt: skip


def _knowing(provider: Organisation | None) -> schemas.ProviderContext:
    """The editor's form loaded knowing the provider's jurisdiction, as the API's is
    (``views.provider_known``): terms contradicting it are named with every other wrong
    field at once, not only once those are put right."""
    return schemas.ProviderContext({"home": provider.jurisdiction if provider else None})


def _provider(offered, chosen, listing: Listing | None) -> Organisation | None:
    """The organisation the edited listing is (or will be) of, when it is known: the listing's,
    the chosen asset's, or the one organisation all the offered assets belong to."""
    if listing is not None:
        return listing.organisation
    if chosen is not None:
        return chosen[0].organisation
    owners = {asset.organisation_id: asset.organisation for asset, _certificate in offered}
    return next(iter(owners.values())) if len(owners) == 1 else None


def _plan_totals(form, plan_rows: int) -> dict[int, str]:
    """What the buyer of each subscription row pays in all, as the editor's script would say
    it: a subscription is priced per period and paid for all its periods at once."""
    totals = {}
    for index in range(plan_rows):
        row = {name: form.get(f"plan{index}_{name}") for name in ("kind", "price", "periods")}
        if row["kind"] != "subscription":
            continue
        try:
            loaded = schemas.PlanTotalSchema().load(
                {**row, "currency": form.get(f"plan{index}_currency") or CNY}
            )
        except ValidationError:
            continue
        currency, each, periods = loaded["currency"], loaded["price"], loaded["periods"]
        totals[index] = _("The buyer pays {total} at once ({periods} × {each}).").format(
            total=money(each * periods, currency), periods=periods, each=money(each, currency)
        )
    return totals


@blp.route("/provider/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def provider_edit(listing_id: int):
    """The listing editor on the draft revision, prefilled with what the draft says now."""
    session = db_session()
    listing = listings.listing_or_404(session, listing_id, acting_for())
    try:
        revision = listings.draft_of(listing)
    except Conflict as error:
        # No draft is being written (it went to review, or the listing is on sale): the 409
        # leads back to the listing's page, where a new revision is started.
        back = (
            url_for("listings.provider_listing", listing_id=listing.id),
            _("Back to the listing"),
        )
        page = render_template("error.html", status=409, message=_(error.message), back=back)
        return page, 409
    chosen = (listing.asset, revision.certificate)
    if request.method == "GET":
        return _editor(listings.revision_form(revision), {}, [chosen], chosen, listing)
    with _knowing(listing.organisation):
        data, errors = parse_form(schemas.RevisionFormSchema())
    if not errors:
        try:
            listings.update_draft(session, listing, data, utcnow())
        except DomainError as error:
            errors = error.errors or {error.field or "_schema": [error.message]}
            session.rollback()
        else:
            flash(_("Draft saved. Submit it for compliance review when it is ready."))
            return redirect(url_for("listings.provider_listing", listing_id=listing.id))
    return _editor(request.form, schemas.flat_errors(errors), [chosen], chosen, listing), 422


@blp.route("/provider/listings/<int:listing_id>", methods=["GET", "POST"])
@login_required
def provider_listing(listing_id: int):
    """One of the provider's listings, with its revisions; submit, revise or delist it."""
    session = db_session()
    listing = listings.listing_or_404(session, listing_id, acting_for())
    if request.method == "POST":
        data, errors = parse_form(schemas.ProviderMoveFormSchema())
        if errors:
            return _provider_listing_page(listing, errors, 422)
        action, now = data["action"], utcnow()
        try:
            if action == "submit":
                listings.submit(session, listing, current_user(), now)
                flash(
                    _("Submitted for compliance review. You will be told when a reviewer decides.")
                )
            elif action == "revise":
                listings.start_revision(session, listing, current_user(), now)
                return redirect(url_for("listings.provider_edit", listing_id=listing_id))
            elif action == "delist":
                listings.move(
                    session, listing, Action.DELIST, Actor.PROVIDER, current_user(), None, now
                )
                flash(_("Delisted: the listing is off the market for good."))
        except DomainError as error:
            return _provider_listing_page(listing, {"action": [_(error.message)]}, error.status)
        return redirect(url_for("listings.provider_listing", listing_id=listing_id))
    return _provider_listing_page(listing, {})


def _provider_listing_page(listing: Listing, errors: dict, status: int = 200):
    """The provider's listing page; a refused move is said beside the buttons."""
    page = render_template(
        "listings/provider_listing.html", listing=listing, labels=_labels(), errors=errors,
        actions=listings.provider_actions(listing),
    )  # fmt: skip
    return page, status


@blp.route("/provider/listings/<int:listing_id>/samples", methods=["POST"])
@login_required
def upload_sample(listing_id: int):
    """Attach a sample file to the listing's draft revision."""
    session = db_session()
    listing = listings.listing_or_404(session, listing_id, acting_for())
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise InvalidInput(N_("Choose a file."), field="file")
        listings.draft_of(listing)  # refused before the file is stored
        store, limit = current_app.extensions["files"], current_app.config["MAX_SAMPLE_BYTES"]
        [upload] = outside_transaction(
            lambda: store_first(
                store, [Upload(name=file.filename, stream=file.stream)], limit, "file"
            )
        )
        listings.add_sample(session, store, listing, upload, limit)
    except DomainError as error:
        page = render_template(
            "listings/provider_listing.html", listing=listing, labels=_labels(),
            errors={"file": [_(error.message)]}, actions=listings.provider_actions(listing),
        )  # fmt: skip
        return page, error.status
    flash(_("Sample added to the draft; it is published with the revision."))
    return redirect(url_for("listings.provider_listing", listing_id=listing_id))


# --- Reviewers -------------------------------------------------------------------------------


@blp.route("/review/listings")
@staff_required(StaffRole.REVIEWER)
def review_queue():
    """Revisions waiting for compliance review, oldest first."""
    waiting = db_session().scalars(compliance.queue(db_session())).all()
    return render_template("listings/review_queue.html", revisions=waiting, labels=_labels())


@blp.route("/review/listings/<int:listing_id>", methods=["GET", "POST"])
@staff_required(StaffRole.REVIEWER)
def review_listing(listing_id: int):
    """The compliance checklist for a listing's revision in review."""
    session = db_session()
    listing = listings.listing_or_404(session, listing_id)
    revision = listing.latest_revision
    context = {"listing": listing, "revision": revision, "labels": _labels(),
               "terms": licence.describe(revision.terms, _, territory, word_list, territories=territories,
                                         home=listing.organisation.jurisdiction),
               "in_review": revision.state == RevisionState.IN_REVIEW,
               "changes": _changes(listing.live_revision, revision),
               "last_approval": _last_approval(listing, revision)}  # fmt: skip
    if request.method == "GET":
        form = _recorded_checklist(listing, context["last_approval"])
        return render_template("listings/review.html", errors={}, form=form, **context)
    if not context["in_review"]:  # decided already (a page left open, a second press)
        errors = {"decision": [_("This listing has no revision waiting for review.")]}
        page = render_template("listings/review.html", errors=errors, form={}, **context)
        return page, 409
    data, errors = parse_form(schemas.ComplianceReviewInputSchema())
    status = 422
    if not errors:
        try:
            compliance.decide(session, listing, current_user(), data, utcnow())
        except DomainError as error:
            found = error.errors or {"decision": [error.message]}
            errors = {name: [_(text) for text in texts] for name, texts in found.items()}
            status = error.status
    if errors:
        page = render_template("listings/review.html", errors=errors, form=request.form, **context)
        return page, status
    flash(_("Decision recorded."))
    return redirect(url_for("listings.review_queue"))


def _last_approval(listing, revision):
    """The review that approved the revision on sale, when another revision of the listing is
    the one in review: what it recorded is shown beside the checklist and starts the form (the
    reviewer may change it)."""
    live = listing.live_revision
    if live is None or live.id == revision.id:
        return None
    return live.review


def _recorded_checklist(listing, review) -> dict:
    """The form's starting values: the checklist the last approval recorded (important data
    for a mainland provider only, the export pathway and evidence when one was recorded)."""
    if review is None:
        return {}
    form = {
        "personal_info": str(review.personal_info),
        "personal_info_note": review.personal_info_note or "",
    }
    if listing.organisation.is_mainland:
        form["important_data"] = "true" if review.important_data else "false"
        form["important_data_note"] = review.important_data_note or ""
    if review.cross_border_pathway is not None:
        form["cross_border_pathway"] = str(review.cross_border_pathway)
        form["cross_border_evidence"] = review.cross_border_evidence or ""
    return form


_COMPARED = (
    ("title_zh", N_("Title (Chinese)")), ("title_en", N_("Title (English)")),
    ("description_zh", N_("Description (Chinese)")), ("description_en", N_("Description (English)")),
    ("keywords", N_("Keywords")), ("category", N_("Category")), ("delivery_method", N_("Delivery")),
    ("region", N_("Coverage region")), ("coverage", N_("Coverage")),
    ("rights", N_("Rights on offer")), ("valuation_report_number", N_("Valuation report")),
    ("plans", N_("Pricing plans")),
)  # fmt: skip


def _shown(revision, name: str) -> str:
    """A revision's field as the reviewer reads it, in the page's language."""
    if name == "plans":
        return "; ".join(
            f"{schemas.shown_name(plan)} · {money(plan.price_minor, plan.currency)}"
            for plan in revision.public_plans
        )
    if name == "coverage":
        return f"{revision.coverage_from or '…'}–{revision.coverage_to or '…'}"
    value = getattr(revision, name)
    labels = {"category": INDUSTRY_LABELS, "delivery_method": DELIVERY_LABELS,
              "region": discovery.REGION_LABELS}  # fmt: skip
    if name in labels:
        return _(labels[name][value]) if value in labels[name] else str(value or "")
    if name == "rights":
        return ", ".join(_(RIGHT_LABELS[right]) for right in value)
    if isinstance(value, list):
        return ", ".join(value)
    return value or ""


def _changes(live, revision) -> list[tuple[str, str, str]]:
    """``(what, published, this revision)`` for each field and licence term the revision in
    review changes against the revision on sale; empty for a first revision."""
    if live is None or live.id == revision.id:
        return []
    rows = []
    for name, label in _COMPARED:
        before, after = _shown(live, name), _shown(revision, name)
        if before != after:
            rows.append((_(label), before, after))
    home = live.listing.organisation.jurisdiction
    old_terms = dict(
        licence.describe(live.terms, _, territory, word_list, territories=territories, home=home)
    )
    for label, after in licence.describe(
        revision.terms, _, territory, word_list, territories=territories, home=home
    ):
        if old_terms.get(label) != after:
            rows.append((label, old_terms.get(label, ""), after))
    return rows


def _feature_page(listing, status: int = 200, errors=None):
    page = render_template(
        "listings/feature.html", listing=listing, errors=errors or {},
        form=request.form if errors else {},
    )  # fmt: skip
    return page, status


@blp.route("/review/listings/<int:listing_id>/featured", methods=["GET", "POST"])
@staff_required(StaffRole.REVIEWER)
def feature_listing(listing_id: int):
    """Show a published listing on the home page, or take it off, with a reason."""
    session = db_session()
    listing = listings.listing_or_404(session, listing_id)
    if request.method == "GET":
        return _feature_page(listing)
    data, errors = parse_form(schemas.FeatureInputSchema())
    if errors:
        return _feature_page(listing, 422, errors)
    move = featuring.feature if data["featured"] else featuring.unfeature
    try:
        move(session, listing, current_user(), data["reason"], utcnow())
    except DomainError as error:
        return _feature_page(listing, error.status, {"featured": [_(error.message)]})
    flash(_("Featured on the home page.") if data["featured"] else _("No longer featured."))
    return redirect(url_for("listings.listing_page", listing_id=listing_id))


# --- Demands ---------------------------------------------------------------------------------


# A demand form's fields and the most of each its address carries to fill the form in: the
# market's "post a demand" link, and the way back from registering an organisation.
PREFILLED = {"title": 200, "need": 4000, "category": 40, "currency": 3, "budget": 40,
             "deadline": 10, "usage_scenario": 40, "cross_border": 5}  # fmt: skip
# The longest address offered to take a refused demand along: `shujiao serve` takes a request
# line of 8190 bytes, but proxies in front of it often take less (4 KiB and 8 KiB are the
# usual bounds), so the details typed are cut to fit (and the page says so).
LONGEST_LINK = 4000


@blp.route("/demands", methods=["GET", "POST"])
def demand_board():
    """The demand board; signed-in members of an organisation post demands here."""
    session = db_session()
    user = current_user()
    mine = acting_for()
    errors, form, status = {}, {}, 200
    # Offered before anything is typed too: the way back is the form as its address filled it.
    organisation_link, cut = _organisation_link(request.args)
    if request.method == "POST":
        if user is None:
            return redirect(url_for("identity.login", next=url_for("listings.demand_board")))
        form = request.form
        if not mine:
            # Posted in no organisation's name: the buyer is offered one, and comes back to
            # the form as typed once it is registered.
            organisation_link, cut = _organisation_link(form)
            status = 403
        else:
            data, errors = parse_form(schemas.DemandFormSchema())
            if not errors:
                try:
                    demand = demands.post(session, mine[0], user, data, utcnow())
                except DomainError as error:
                    errors = {error.field or "title": [_(error.message)]}
                else:
                    flash(_("Demand posted. Matching listings will appear shortly."))
                    return redirect(url_for("listings.demand_page", demand_id=demand.id))
            status = 422 if errors else 200
    rows = session.scalars(demands.board(utcnow()).limit(50)).all()
    deadline = (utcnow() + timedelta(days=30)).date().isoformat()
    currencies = [code for code, _name in currency_choices()]
    searched = request.args.get("currency")
    currency = demands.starting_currency(
        searched if searched in currencies else None,
        session.get(Organisation, mine[0]) if mine else None,
        "HKD" if locale_code() == "zh_Hant" else home_currency(),
    )
    if request.method == "GET" and any(request.args.get(name) for name in PREFILLED):
        # "Can't find it?" from a search, or back from registering an organisation: the
        # demand starts with what was searched for or typed.
        form = {name: request.args.get(name, "")[:most] for name, most in PREFILLED.items()}
        form = {"deadline": deadline, **{k: v for k, v in form.items() if v}, "currency": currency}
    page = render_template(
        "listings/demands.html", demands=rows, errors=errors, form=form, labels=_labels(),
        default_deadline=deadline, default_currency=currency,
        needs_organisation=user is not None and not mine, refused=status == 403,
        organisation_link=organisation_link, details_cut=cut,
    )  # fmt: skip
    return page, status


def _organisation_link(typed) -> tuple[str, bool]:
    """The link to register an organisation that comes back to the demand form as ``typed``,
    and whether the details had to be cut to keep the link within :data:`LONGEST_LINK`."""
    fields = {name: typed.get(name, "")[:most] for name, most in PREFILLED.items()}
    fields = {name: value for name, value in fields.items() if value}
    need = fields.pop("need", "")

    def link(kept: int) -> str:
        back = url_for(
            "listings.demand_board", **fields, **({"need": need[:kept]} if kept else {}),
            _anchor="post-demand",
        )  # fmt: skip
        return url_for("identity.new_organisation", next=back)

    if len(link(len(need))) <= LONGEST_LINK:
        return link(len(need)), False
    low, high = 0, len(need)  # the longest start of the details that fits
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if len(link(middle)) <= LONGEST_LINK else (low, middle - 1)
    return link(low), True


@blp.route("/demands/<int:demand_id>")
def demand_page(demand_id: int):
    """A demand; its buyer sees the matches, matched providers may answer with an offer."""
    return _demand_page(demands.demand_or_404(db_session(), demand_id))


def _demand_page(demand, errors=None, form=None, status=200):
    """The demand's page: its buyer sees the matches and the offers it received, a matched
    provider the offers it sent and (while the demand is open) the form for another."""
    session = db_session()
    mine = acting_for()
    is_buyer = demand.organisation_id in mine
    my_match = demands.matched_provider(session, demand, mine) if mine and not is_buyer else None
    offers = []
    if is_buyer:
        offers = demands.offers(session, demand)
    elif mine:
        offers = demands.offers(session, demand, mine)
    page = render_template(
        "listings/demand.html",
        demand=demand,
        is_buyer=is_buyer,
        my_match=my_match,
        demand_open=demands.is_open(demand, utcnow()),
        offers=offers,
        ordered=trading_orders.ordered_plans(session, [offer.id for offer in offers]),
        now=utcnow(),
        labels=_labels(),
        errors=errors or {},
        form=form or {},
    )
    return page, status


@blp.route("/demands/<int:demand_id>/edit", methods=["GET", "POST"])
@login_required
def edit_demand(demand_id: int):
    """Its buyer changes an open demand; it is matched again after the change."""
    session = db_session()
    demand = demands.own_demand(demands.demand_or_404(session, demand_id), acting_for(), "revise")
    if not demands.is_open(demand, utcnow()):
        flash(_("This demand is closed; it can no longer be changed."))
        return redirect(url_for("listings.demand_page", demand_id=demand.id))
    errors, form = {}, _demand_form(demand)
    if request.method == "POST":
        form = request.form
        data, errors = parse_form(schemas.DemandFormSchema())
        if not errors:
            try:
                demands.revise(session, demand, acting_for(), data, utcnow())
            except DomainError as error:
                if error.status != 422:
                    raise
                errors = {error.field or "title": [_(error.message)]}
            else:
                flash(_("Demand changed. It is matched again with listings shortly."))
                return redirect(url_for("listings.demand_page", demand_id=demand.id))
    page = render_template(
        "listings/demand_edit.html", demand=demand, errors=errors, form=form, labels=_labels()
    )
    return page, 422 if errors else 200


def _demand_form(demand) -> dict:
    """A demand's fields as its edit form shows them (the budget in the currency's major unit)."""
    return {
        "title": demand.title,
        "need": demand.need,
        "category": demand.category.value if demand.category else "",
        "currency": demand.currency,
        "budget": plain_amount(demand.budget_minor, demand.currency),
        "deadline": demand.deadline.isoformat(),
        "usage_scenario": demand.usage_scenario.value,
        "cross_border": "true" if demand.cross_border else "",
    }


@blp.route("/demands/<int:demand_id>/close", methods=["POST"])
@login_required
def close_demand(demand_id: int):
    """Its buyer closes the demand: it leaves the board and takes no more offers."""
    session = db_session()
    demands.withdraw(session, demands.demand_or_404(session, demand_id), acting_for())
    flash(_("Demand closed. It is no longer on the board and takes no more offers."))
    return redirect(url_for("listings.demand_page", demand_id=demand_id))


@blp.route("/demands/<int:demand_id>/offers", methods=["POST"])
@login_required
def answer_demand(demand_id: int):
    """A matched provider answers the demand with a private offer to its buyer."""
    session = db_session()
    demand = demands.demand_or_404(session, demand_id)
    mine = acting_for()
    match = demands.matched_provider(session, demand, mine)
    if match is None:
        raise NotFound(N_("No listing of yours matches this demand."))
    data, errors = parse_form(schemas.DemandOfferFormSchema(demand.currency))
    if not errors:
        try:
            listings.answer_demand(session, demand, mine, data, utcnow())
        except DomainError as error:
            if error.status != 422:
                raise  # not about what was typed: the demand is closed, or not theirs
            field = {"price_minor": "price"}.get(error.field, error.field) or "price"
            errors = {field: [error.message]}
    if errors:
        return _demand_page(demand, errors, request.form, 422)
    flash(_("Your private offer was sent to the buyer."))
    return redirect(url_for("listings.demand_page", demand_id=demand.id))


@blp.route("/notifications")
@login_required
def notification_list():
    """The notifications of the user's organisations."""
    session = db_session()
    rows = []
    for organisation_id in acting_for():
        rows += session.scalars(notifications.for_organisation(organisation_id).limit(50)).all()
    rows.sort(key=lambda row: row.id, reverse=True)
    return render_template("listings/notifications.html", notifications=rows)
