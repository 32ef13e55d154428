"""Licence terms: stored as a small canonical dict, published as ODRL-like JSON, shown in both
languages.

The canonical form (what a revision and an order keep)::

    {"scenarios": ["research", "model_training"], "duration_months": 12,   # None: perpetual
     "territory": ["CN"], "cross_border": false, "redistribution": false, "resale": false,
     "derivatives": true, "attribution": true}
"""

from __future__ import annotations

from market.errors import InvalidInput
from market.listings.models import SCENARIO_LABELS, UsageScenario
from market.text import N_

WORLDWIDE = "*"
ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"

# The boolean terms: (key, ODRL action, label when permitted, label when not).
FLAGS = (
    ("redistribution", "distribute", N_("Redistribution permitted"), N_("No redistribution")),
    ("resale", "sell", N_("Resale permitted"), N_("No resale")),
    ("derivatives", "derive", N_("Derivative works permitted"), N_("No derivative works")),
)
# Each boolean term's own row heading, so a table of terms names every fact once.
FLAG_HEADINGS = {
    "redistribution": N_("Redistribution"),
    "resale": N_("Resale"),
    "derivatives": N_("Derivative works"),
}


def covers(terms: dict, jurisdiction: str) -> bool:
    """Whether the licence allows use in ``jurisdiction`` (where a buyer is registered): its
    territory is worldwide or names it."""
    return terms["territory"] == [WORLDWIDE] or jurisdiction in terms["territory"]


def _territory(codes: list[str]) -> list[str]:
    territory = sorted(set(codes))
    return [WORLDWIDE] if WORLDWIDE in territory else territory


def contradiction(
    territory: list[str], cross_border: bool, home: str, field: str = "terms"
) -> InvalidInput | None:
    """The refusal of a territory and a cross-border flag that contradict each other for a
    provider of ``home`` (see ``check_terms``), or None; the editor also asks it of terms
    whose other fields are refused, so that every wrong field is named at once."""
    territory = _territory(territory)
    if territory != [home] and not cross_border:
        return InvalidInput(
            N_("A territory beyond the provider's jurisdiction needs cross-border use allowed."),
            field=f"{field}.territory",
        )
    if territory == [home] and cross_border:
        return InvalidInput(
            N_(
                "The territory is only the provider's own jurisdiction, so no use is "
                "cross-border: add where else the data may be used, or do not allow "
                "cross-border use."
            ),
            field=f"{field}.cross_border",
        )
    return None


def check_terms(terms: dict, home: str, field: str = "terms") -> dict:
    """Rules across the terms' fields; returns the canonical form (sorted, de-duplicated).

    A territory beyond the provider's jurisdiction (``home``: the mainland for a mainland
    provider, Hong Kong for a Hong Kong one) is a cross-border licence and must say so; and
    cross-border use is use outside ``home`` (``Listing.is_abroad_for``), so a territory of
    ``home`` alone, which allows none, cannot say it is one ("Hong Kong only" with
    cross-border use allowed): each contradiction is refused on the field that makes it.
    """
    territory = _territory(terms["territory"])
    refusal = contradiction(territory, terms["cross_border"], home, field)
    if refusal is not None:
        raise refusal
    return {
        "scenarios": sorted({str(UsageScenario(s)) for s in terms["scenarios"]}),
        "duration_months": terms.get("duration_months"),
        "territory": territory,
        "cross_border": bool(terms["cross_border"]),
        "redistribution": bool(terms["redistribution"]),
        "resale": bool(terms["resale"]),
        "derivatives": bool(terms["derivatives"]),
        "attribution": bool(terms["attribution"]),
    }


def check_cleared(terms: dict, review, *, outbound: bool, field: str = "terms") -> None:
    """Terms must stay within what compliance review cleared: cross-border use of data that
    would leave mainland China (``outbound``, ``Listing.is_outbound``) needs a recorded
    pathway with its evidence, but for an exemption, which has none (``review`` is a
    ComplianceReview or None). Other providers' data needs no pathway. The refusal names
    what is missing: the pathway, or (for a pathway that has one) its evidence."""
    if not terms["cross_border"] or not outbound:
        return
    pathway = getattr(review, "cross_border_pathway", None)
    evidence = getattr(review, "cross_border_evidence", None)
    if pathway is None:
        raise InvalidInput(
            N_("Cross-border use needs an export pathway recorded in compliance review."),
            field=f"{field}.cross_border",
        )
    if str(pathway) != "exempt" and not (evidence or "").strip():
        raise InvalidInput(
            N_(
                "Cross-border use needs the evidence of its export pathway (the filing, "
                "certificate or approval number) recorded in compliance review."
            ),
            field=f"{field}.cross_border",
        )


def permits(terms: dict, scenario: UsageScenario | str) -> bool:
    """Whether the terms permit a usage scenario."""
    return str(scenario) in terms["scenarios"]


def in_running_text(label: str) -> str:
    """A label as a word inside a sentence: its capital lowered (``Product development`` →
    ``product development``); an acronym (``AI model training``) and Chinese stay as they are."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def joined(names: list[str], gettext) -> str:
    """Several names as one phrase by the reader's own patterns, through ``gettext`` (for
    domain code, which has no locale of its own): 内部分析、公共服务和科学研究, ``internal
    analytics, public service and scientific research``."""
    if len(names) < 2:
        return "".join(names)
    phrase = names[0]
    for name in names[1:-1]:
        phrase = gettext(N_("%(first)s, %(next)s")) % {"first": phrase, "next": name}
    return gettext(N_("%(first)s and %(last)s")) % {"first": phrase, "last": names[-1]}


def scenario_phrase(scenarios, gettext, join=", ".join, *, opening: bool = False) -> str:
    """Usage scenarios as one phrase in the reader's language (``gettext``; ``join`` makes the
    phrase, pages: ``market.i18n.word_list``), lower-cased as running text after its first word;
    ``opening``: the phrase starts a sentence or a cell, so its first word keeps its capital."""
    names = [gettext(SCENARIO_LABELS[UsageScenario(s)]) for s in scenarios]
    return join(
        [name if opening and not i else in_running_text(name) for i, name in enumerate(names)]
    )


def to_odrl(terms: dict, target: str, assigner: str, home: str) -> dict:
    """The terms as an ODRL 2.2 offer (JSON-LD) for machines; without cross-border use, a
    transfer outside ``home`` (the provider's jurisdiction) is prohibited."""
    constraints = [
        {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": terms["scenarios"]},
    ]
    if terms["territory"] != [WORLDWIDE]:
        constraints.append(
            {"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": terms["territory"]}
        )
    if terms.get("duration_months"):
        constraints.append(
            {
                "leftOperand": "elapsedTime",
                "operator": "lteq",
                "rightOperand": f"P{terms['duration_months']}M",
            }
        )
    permission = {"target": target, "assigner": assigner, "action": "use"}
    permission["constraint"] = constraints
    if terms["attribution"]:
        permission["duty"] = [{"action": "attribute"}]
    permissions, prohibitions = [permission], []
    for key, action, _, _ in FLAGS:
        rule = {"target": target, "assigner": assigner, "action": action}
        (permissions if terms[key] else prohibitions).append(rule)
    if not terms["cross_border"]:
        prohibitions.append(
            {"target": target, "assigner": assigner, "action": "transfer", "constraint": [
                {"leftOperand": "spatial", "operator": "neq", "rightOperand": home}
            ]}
        )  # fmt: skip
    return {
        "@context": ODRL_CONTEXT,
        "@type": "Offer",
        "uid": f"{target}#terms",
        "permission": permissions,
        "prohibition": prohibitions,
        "shujiao:terms": terms,
    }


def describe(
    terms: dict, gettext, territory_name=str, join=", ".join, *, home: str, territories=None
) -> list[tuple[str, str]]:
    """(label, value) rows for people, translated with ``gettext`` (Flask-Babel's, in pages);
    ``territory_name`` names an ISO territory code in the reader's language, ``join`` makes
    one phrase of several (pages: ``market.display.word_list``, 内部分析、科学研究); ``home``
    is the provider's jurisdiction, where a licence without cross-border use keeps the data;
    ``territories`` names a list of codes as one phrase (pages: ``market.display.territories``,
    Mainland China, Hong Kong, and Macao)."""
    months = terms.get("duration_months")
    scenarios = scenario_phrase(terms["scenarios"], gettext, join, opening=True)
    if terms["territory"] == [WORLDWIDE]:
        territory = gettext(N_("Worldwide"))
    elif territories:
        territory = territories(terms["territory"])
    else:
        territory = join([territory_name(code) for code in terms["territory"]])
    rows = [
        (gettext(N_("Permitted usage")), scenarios),
        (
            gettext(N_("Duration")),
            gettext(N_("%(months)s months"), months=months) if months else gettext(N_("Perpetual")),
        ),
        (gettext(N_("Territory")), territory),
        (
            gettext(N_("Cross-border")),
            gettext(N_("Cross-border use allowed"))
            if terms["cross_border"]
            else gettext(N_("%(place)s only"), place=territory_name(home)),
        ),
    ]
    for key, _, yes, no in FLAGS:
        rows.append((gettext(FLAG_HEADINGS[key]), gettext(yes if terms[key] else no)))
    rows.append(
        (
            gettext(N_("Attribution")),
            gettext(N_("Attribution required") if terms["attribution"] else N_("Not required")),
        )
    )
    return rows
