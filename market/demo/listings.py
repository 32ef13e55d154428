"""Demo listings: 300 certified, reviewed and published listings, and a few demands.

Everything goes through the real services: the registry certifies each asset (claim, review,
public notice, certificate), then the provider lists it and a reviewer clears it. The outbox
holds an indexing message per listing; the demo's worker feeds search from it.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.demo import valuation as valuation_demo
from market.demo.catalogue import Entry, entries
from market.demo.catalogue import facts as catalogue_facts
from market.files import FileStore
from market.identity import services as identity
from market.identity.credit_code import check_character
from market.identity.models import Organisation, User, VerificationState
from market.listings import compliance, demands, listings
from market.listings.models import (
    CrossBorderPathway,
    DeliveryMethod,
    ListingRevision,
    PersonalInfoHandling,
    ReviewDecision,
    UsageScenario,
)
from market.registry import assets, certificates, claims
from market.registry.assets import Upload
from market.registry.models import (
    AssetKind,
    Industry,
    LegalBasis,
    PersonalInfo,
    Right,
    SourceKind,
    UpdateFrequency,
)
from market.registry.states import Action

START = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
MAX_BYTES = 1024 * 1024
REVIEWER_EMAIL = "reviewer@demo.shujiao.cn"
# Owners of the demo providers seeded by ``market.demo`` (0-4) and the ones added here (5-7).
PROVIDER_EMAILS = (
    "provider.transport@demo.shujiao.cn",
    "provider.weather@demo.shujiao.cn",
    "provider.culture@demo.shujiao.cn",
    "provider.finance@demo.shujiao.cn",
    "provider.tourism@demo.shujiao.cn",
)
EXTRA_PROVIDERS = (
    ("provider.health@demo.shujiao.cn", "黄丽 Huang Li", "深圳市医疗健康数据有限公司",
     "Shenzhen Health Data Co., Ltd.", "91440300MA5H2K7Q3X"),
    ("provider.energy@demo.shujiao.cn", "何军 He Jun", "南方能源数据科技有限公司",
     "Southern Energy Data Technology Co., Ltd.", "91440101MA9W8L2N5P"),
    ("provider.ai@demo.shujiao.cn", "林涛 Lin Tao", "鹏城人工智能语料有限公司",
     "Pengcheng AI Corpus Co., Ltd.", "91440300MA5F7R9T1M"),
)  # fmt: skip
BUYER_EMAIL = "buyer.invest@demo.shujiao.cn"

SCENARIOS = {
    "finance": ["risk_control", "internal_analytics", "research"],
    "healthcare": ["research", "model_training"],
    "culture_tourism": ["media_publication", "product_development", "marketing"],
    "other": ["model_training", "product_development", "research"],
}
DEFAULT_SCENARIOS = ["research", "internal_analytics", "product_development", "public_service"]


def _user(session: Session, email: str) -> User:
    return identity.find_user(session, email)


def _organisation_of(session: Session, user: User) -> Organisation:
    return user.memberships[0].organisation


def _providers(session: Session, password: str) -> list[tuple[Organisation, User]]:
    found = []
    for email in PROVIDER_EMAILS:
        user = _user(session, email)
        found.append((_organisation_of(session, user), user))
    for email, name, name_zh, name_en, code in EXTRA_PROVIDERS:
        user = _user(session, email) or identity.register_user(
            session, email, name, password, verified=True
        )
        if not user.memberships:
            body = code[:-1]
            data = {"name_zh": name_zh, "name_en": name_en, "jurisdiction": "CN"}
            data["credit_code"] = body + check_character(body)
            organisation = identity.create_organisation(session, user, data)
            organisation.verified_at = START
            organisation.verification_state = VerificationState.VERIFIED
            session.flush()
        found.append((_organisation_of(session, user), user))
    return found


def _facts(key: str) -> dict:
    found = catalogue_facts(key)
    return {**found, "update_frequency": UpdateFrequency(found["update_frequency"])}


def _certified_asset(session, store, organisation, user, reviewer, entry: Entry, when):
    topic = entry.topic
    kind = AssetKind(topic.kind)
    asset = assets.create_asset(
        session,
        organisation.id,
        user,
        {
            "kind": kind,
            "title_zh": entry.title_zh,
            "title_en": entry.title_en,
            "description_zh": entry.description_zh,
            "description_en": entry.description_en,
            "keywords": list(entry.keywords),
            "industry": Industry(topic.industry),
            "personal_info": PersonalInfo(topic.personal),
            "legal_basis": LegalBasis.CONSENT if topic.personal != "none" else None,
            **_facts(topic.key),
        },
    )
    sample = f"key,title\n{entry.key},{entry.title_en}\n".encode()
    assets.add_version(
        session, store, asset, user, [Upload("data.csv", io.BytesIO(sample))], MAX_BYTES, when
    )
    rights = (
        [Right.COPYRIGHT, Right.LICENSING]
        if kind.is_cultural
        else [Right.HOLDING, Right.PROCESSING_USE, Right.PRODUCT_OPERATION]
    )
    claim = claims.create_claim(
        session, asset, user, {"rights": rights, "source": SourceKind.SELF_COLLECTED}, when
    )
    evidence = Upload("authorisation.pdf", io.BytesIO(b"%PDF-1.7\n% demo evidence\n"))
    claims.add_evidence(session, store, claim, user, evidence, MAX_BYTES, when)
    claims.submit(session, claim, user, when)
    claims.decide(session, claim, reviewer, Action.START_REVIEW, None, when, 5)
    claims.decide(session, claim, reviewer, Action.APPROVE, "demo", when, 5)
    certificates.issue(session, claim, when + timedelta(days=10))
    return asset


def _plans(entry: Entry) -> list[dict]:
    topic, price, currency = entry.topic, entry.price, entry.currency
    if topic.plan == "subscription":
        return [
            {"kind": "subscription", "name_zh": "月度订阅", "name_en": "Monthly subscription",
             "price_minor": price // 10 // 100 * 100, "currency": currency, "period": "month",
             "periods": 1},
            {"kind": "subscription", "name_zh": "年度订阅", "name_en": "Yearly subscription",
             "price_minor": price, "currency": currency, "period": "year", "periods": 1},
        ]  # fmt: skip
    if topic.plan == "usage_package":
        return [
            {"kind": "usage_package", "name_zh": "10万次调用包", "name_en": "100,000 calls",
             "price_minor": price, "currency": currency, "calls": 100_000},
            {"kind": "usage_package", "name_zh": "100万次调用包", "name_en": "1,000,000 calls",
             "price_minor": price * 8, "currency": currency, "calls": 1_000_000},
        ]  # fmt: skip
    # Unnamed, as a provider leaves a plan that is just its kind: shown under the kind's name,
    # translated into the reader's language and script (一次性授權 on a Traditional page).
    plans = [{"kind": "one_time", "price_minor": price, "currency": currency}]
    if AssetKind(topic.kind).is_cultural and entry.ordinal % 4 == 0:
        plans.append(
            {"kind": "one_time", "name_zh": "独家授权", "name_en": "Exclusive licence",
             "price_minor": price * 5, "currency": currency, "exclusive": True}
        )  # fmt: skip
    return plans


def _listing_data(asset, entry: Entry, home: str) -> dict:
    topic = entry.topic
    cultural = AssetKind(topic.kind).is_cultural
    # Use at home is the provider's jurisdiction (Hong Kong for a Hong Kong provider).
    territory = ["*"] if topic.cross_border else [home]
    return {
        "asset_id": asset.id,
        "rights": [Right.LICENSING] if cultural else [Right.PRODUCT_OPERATION],
        "title_zh": entry.title_zh,
        "title_en": entry.title_en,
        "description_zh": entry.description_zh,
        "description_en": entry.description_en,
        "keywords": list(entry.keywords),
        "category": Industry(topic.industry),
        "delivery_method": DeliveryMethod(topic.delivery),
        "region": entry.region,
        "coverage_from": topic.years[0],
        "coverage_to": topic.years[1],
        "terms": {
            "scenarios": [
                UsageScenario(s) for s in SCENARIOS.get(topic.industry, DEFAULT_SCENARIOS)
            ],
            "duration_months": None if cultural else 12,
            "territory": territory,
            "cross_border": topic.cross_border,
            "redistribution": False,
            "resale": False,
            "derivatives": True,
            "attribution": cultural,
        },
        "plans": [_plan(plan) for plan in _plans(entry)],
        "valuation_report_number": None,
    }


def _plan(data: dict) -> dict:
    plan = dict.fromkeys(("name_zh", "name_en", "period", "periods", "calls"))
    plan["exclusive"] = False
    plan.update(data)
    plan.update(buyer_organisation_id=None, expires_at=None, terms=None)
    return plan


def _review(entry: Entry, outbound: bool) -> dict:
    """An approving review; an export pathway only for a mainland provider's cross-border
    data (``outbound``): no other provider's data leaves the mainland."""
    topic = entry.topic
    personal = (
        PersonalInfoHandling.DEIDENTIFIED
        if topic.personal == "deidentified"
        else PersonalInfoHandling.NONE
    )
    review = {
        "decision": ReviewDecision.APPROVED,
        "personal_info": personal,
        "important_data": False,
        "cross_border_pathway": None,
        "cross_border_evidence": None,
    }
    if topic.cross_border and outbound:
        if personal == PersonalInfoHandling.NONE:
            review["cross_border_pathway"] = CrossBorderPathway.EXEMPT
            review["cross_border_evidence"] = "无个人信息，适用《促进和规范数据跨境流动规定》第三条"
        else:
            review["cross_border_pathway"] = CrossBorderPathway.STANDARD_CONTRACT
            review["cross_border_evidence"] = f"粤网信备〔2025〕{entry.ordinal:04d}号"
    return review


def seed(session: Session, store: FileStore, password: str) -> dict[str, int]:
    """Seed the demo catalogue (once); returns listing ids by catalogue key."""
    reviewer = _user(session, REVIEWER_EMAIL)
    providers = _providers(session, password)
    ids: dict[str, int] = {}
    for entry in entries():
        organisation, user = providers[entry.topic.provider]
        when = START + timedelta(days=2 * entry.ordinal, minutes=entry.ordinal)
        asset = _certified_asset(session, store, organisation, user, reviewer, entry, when)
        listed = when + timedelta(days=11)
        data = _listing_data(asset, entry, organisation.jurisdiction)
        if entry.appraised:
            report = valuation_demo.appraise(session, store, asset, user, entry.price, when)
            data["valuation_report_number"] = report.number
        listing = listings.create_listing(session, organisation.id, user, data, listed)
        listings.submit(session, listing, user, listed)
        review = _review(entry, listing.is_outbound)
        compliance.decide(session, listing, reviewer, review, listed + timedelta(hours=3))
        ids[entry.key] = listing.id
    _demands(session)
    session.flush()
    return ids


def _demands(session: Session) -> None:
    buyer = _user(session, BUYER_EMAIL)
    organisation = _organisation_of(session, buyer)
    today = datetime.now(UTC)
    for title, need, category, budget, scenario in (
        ("深圳公交客流数据", "用于线网优化研究，需要2020年以后的刷卡或客流数据。", "transport",
         5_000_000, "research"),
        ("企业信用评分接口", "信贷审批风控需要按次调用的企业信用评分。", "finance", 6_000_000,
         "risk_control"),
        ("Weather observations for insurance pricing", "Hourly station data for South China.",
         "meteorology", 3_000_000, "internal_analytics"),
    ):  # fmt: skip
        demands.post(
            session,
            organisation.id,
            buyer,
            {
                "title": title,
                "need": need,
                "category": Industry(category),
                "budget_minor": budget,
                "currency": "CNY",
                "deadline": date(today.year + 1, 6, 30),
                "usage_scenario": UsageScenario(scenario),
                "cross_border": False,
                "delivery_method": None,
            },
            today,
        )


def listing_ids(session: Session) -> dict[str, int]:
    """Listing ids by catalogue key, for an already seeded catalogue (by English title)."""
    titles = {entry.title_en: entry.key for entry in entries()}
    rows = session.execute(
        sa.select(ListingRevision.title_en, ListingRevision.listing_id).where(
            ListingRevision.number == 1
        )
    )
    return {titles[title]: listing_id for title, listing_id in rows if title in titles}
