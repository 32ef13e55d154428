"""Demo registry: assets in several categories, claims in every state, a few certificates."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market.files import FileStore
from market.identity.models import Organisation, User
from market.registry import assets, certificates, claims
from market.registry.assets import Upload
from market.registry.models import ClaimState
from market.registry.states import Action

MAX_BYTES = 16 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
GLB = b"glTF\x02\x00\x00\x00" + b"\x00" * 16
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
PDF = "%PDF-1.7\n% 数据来源授权书 Data source authorisation\n".encode()
SHARED = "date,station,riders\n2026-01-05,福田站,182340\n2026-01-05,车公庙站,156002\n".encode()

# (owner e-mail, kind, industry, zh, en, files, rights, target state)
ASSETS = [
    (
        "provider.transport@demo.shujiao.cn",
        "dataset",
        "transport",
        "深圳地铁分站客流日数据",
        "Shenzhen Metro daily ridership by station",
        {"ridership.csv": SHARED},
        ["holding", "processing_use", "product_operation"],
        ClaimState.CERTIFIED,
    ),
    (
        "provider.transport@demo.shujiao.cn",
        "data_service",
        "transport",
        "实时公交到站预测 API",
        "Real-time bus arrival prediction API",
        {"openapi.json": b'{"openapi": "3.0.3"}'},
        ["product_operation"],
        ClaimState.PUBLIC_NOTICE,
    ),
    (
        "provider.transport@demo.shujiao.cn",
        "dataset",
        "transport",
        "网约车订单热力（脱敏）",
        "Ride-hailing order heatmap (de-identified)",
        {"heatmap.csv": b"cell,orders\nA1,30\n"},
        ["holding"],
        ClaimState.DRAFT,
    ),
    (
        "provider.weather@demo.shujiao.cn",
        "dataset",
        "meteorology",
        "广东省逐小时降水观测",
        "Guangdong hourly precipitation observations",
        {"rain.csv": b"station,mm\n59287,12.4\n"},
        ["holding", "processing_use"],
        ClaimState.CERTIFIED,
    ),
    (
        "provider.weather@demo.shujiao.cn",
        "data_report",
        "meteorology",
        "台风季风险评估报告",
        "Typhoon season risk report",
        {"report.pdf": PDF},
        ["product_operation"],
        ClaimState.UNDER_REVIEW,
    ),
    (
        "provider.weather@demo.shujiao.cn",
        "dataset",
        "meteorology",
        "城市热岛温度网格",
        "Urban heat island temperature grid",
        {"grid.csv": b"x,y,t\n1,1,31.2\n"},
        ["holding"],
        ClaimState.INFO_REQUESTED,
    ),
    (
        "provider.culture@demo.shujiao.cn",
        "image",
        "culture_tourism",
        "莫高窟第 220 窟壁画高清影像",
        "Mogao Cave 220 mural, high-resolution image",
        {"cave220.png": PNG},
        ["copyright", "licensing"],
        ClaimState.CERTIFIED,
    ),
    (
        "provider.culture@demo.shujiao.cn",
        "model_3d",
        "culture_tourism",
        "彩塑菩萨三维模型",
        "Painted clay bodhisattva 3D model",
        {"bodhisattva.glb": GLB},
        ["copyright"],
        ClaimState.RESUBMITTED,
    ),
    (
        "provider.culture@demo.shujiao.cn",
        "audio",
        "culture_tourism",
        "敦煌古乐复原录音",
        "Restored Dunhuang ancient music recording",
        {"music.wav": WAV},
        ["licensing"],
        ClaimState.WITHDRAWN,
    ),
    (
        "provider.finance@demo.shujiao.cn",
        "dataset",
        "finance",
        "港股日内成交明细",
        "HK equities intraday trades",
        {"trades.csv": b"ticker,price\n0700,381.2\n"},
        ["holding", "processing_use"],
        ClaimState.REJECTED,
    ),
    (
        "provider.tourism@demo.shujiao.cn",
        "dataset",
        "culture_tourism",
        "澳门口岸旅客流量",
        "Macao border crossing visitor flows",
        {"visitors.csv": b"date,visitors\n2026-01-05,98211\n"},
        ["holding"],
        ClaimState.FAILED,
    ),
    # The same ridership file, claimed by another organisation: a conflict for reviewers.
    (
        "provider.tourism@demo.shujiao.cn",
        "dataset",
        "transport",
        "深港通勤客流样本",
        "Shenzhen-HK commuter flow sample",
        {"commuters.csv": SHARED, "notes.txt": "来源：公开渠道\n".encode()},
        ["holding", "processing_use"],
        ClaimState.SUBMITTED,
    ),
]

ROUTE = {
    ClaimState.SUBMITTED: [Action.SUBMIT],
    ClaimState.UNDER_REVIEW: [Action.SUBMIT, Action.START_REVIEW],
    ClaimState.INFO_REQUESTED: [Action.SUBMIT, Action.START_REVIEW, Action.REQUEST_INFO],
    ClaimState.RESUBMITTED: [
        Action.SUBMIT,
        Action.START_REVIEW,
        Action.REQUEST_INFO,
        Action.RESUBMIT,
    ],
    ClaimState.REJECTED: [Action.SUBMIT, Action.START_REVIEW, Action.REJECT],
    ClaimState.PUBLIC_NOTICE: [Action.SUBMIT, Action.START_REVIEW, Action.APPROVE],
    ClaimState.FAILED: [Action.SUBMIT, Action.START_REVIEW, Action.APPROVE, "object", "uphold"],
    ClaimState.CERTIFIED: [Action.SUBMIT, Action.START_REVIEW, Action.APPROVE, "issue"],
    ClaimState.WITHDRAWN: [Action.WITHDRAW],
    ClaimState.DRAFT: [],
}
REASONS = {
    Action.REQUEST_INFO: "请补充数据采集授权书。Please attach the collection authorisation.",
    Action.RESUBMIT: "已补充授权书。Authorisation attached.",
    Action.REJECT: "数据来源无法核实。The data source could not be verified.",
    Action.APPROVE: "材料齐全，予以公示。Complete; published for notice.",
}


def _owner(session: Session, email: str) -> tuple[Organisation, User]:
    user = session.scalar(sa.select(User).where(User.email_key == email))
    return user.memberships[0].organisation, user


def seed(session: Session, store: FileStore, now: datetime, notice_days: int = 5) -> None:
    """Add the demo registry (called once from ``market.demo.seed``)."""
    reviewer = session.scalar(sa.select(User).where(User.email_key == "reviewer@demo.shujiao.cn"))
    objector, objector_user = _owner(session, "buyer.invest@demo.shujiao.cn")
    for email, kind, industry, zh, en, files, rights, target in ASSETS:
        organisation, user = _owner(session, email)
        # Certified and failed claims went through their notice weeks ago.
        at = (
            now - timedelta(days=40) if target in (ClaimState.CERTIFIED, ClaimState.FAILED) else now
        )
        asset = assets.create_asset(
            session,
            organisation.id,
            user,
            {
                "kind": kind,
                "industry": industry,
                "title_zh": zh,
                "title_en": en,
                "keywords": [zh[:4], en.split()[0]],
                "description_zh": zh,
                "description_en": en,
            },
        )
        uploads = [Upload(name, io.BytesIO(content)) for name, content in files.items()]
        assets.add_version(session, store, asset, user, uploads, MAX_BYTES, at)
        claim = claims.create_claim(
            session, asset, user, {"rights": rights, "source": "self_collected"}, at
        )
        evidence = Upload("authorisation.pdf", io.BytesIO(PDF))
        claims.add_evidence(session, store, claim, user, evidence, MAX_BYTES, at)
        for step in ROUTE[target]:
            if step == Action.SUBMIT:
                claims.submit(session, claim, user, at)
            elif step in (Action.RESUBMIT, Action.WITHDRAW):
                getattr(claims, step.value)(session, claim, user, REASONS.get(step), at)
            elif step == "object":
                objection = claims.file_objection(
                    session,
                    store,
                    claim,
                    objector.id,
                    objector_user,
                    "该数据由我方委托采集。We commissioned this collection.",
                    [],
                    MAX_BYTES,
                    at,
                )
            elif step == "uphold":
                claims.decide_objection(
                    session, objection, reviewer, True, "委托合同属实。The contract holds.", at
                )
            elif step == "issue":
                certificates.issue(session, claim, claim.notice_ends_at)
            else:
                claims.decide(session, claim, reviewer, step, REASONS.get(step), at, notice_days)
    session.flush()
