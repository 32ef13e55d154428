"""The demo exchange: a handful of organisations and staff, seeded once and safely re-run."""

from __future__ import annotations

import random

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from market.db import utcnow
from market.demo import listings as listings_demo
from market.demo import registry as registry_demo
from market.demo import trading as trading_demo
from market.identity import services
from market.identity.credit_code import ALPHABET, check_character
from market.identity.models import (
    MemberRole,
    Membership,
    Organisation,
    StaffRole,
    User,
    VerificationState,
)
from market.outbox import OutboxMessage

DEMO_PASSWORD = "shujiao-demo-2026"
OPERATOR_EMAIL = "admin@demo.shujiao.cn"

STAFF = [
    ("admin@demo.shujiao.cn", "赵敏 Zhao Min", [StaffRole.ADMIN]),
    ("reviewer@demo.shujiao.cn", "李明 Li Ming", [StaffRole.REVIEWER]),
    ("appraiser@demo.shujiao.cn", "王芳 Wang Fang", [StaffRole.APPRAISER]),
    ("finance@demo.shujiao.cn", "陈静 Chen Jing", [StaffRole.FINANCE]),
    # The second pair of eyes finance's maker-checker steps need: approving a correction,
    # confirming a payee account, closing a period.
    ("finance.checker@demo.shujiao.cn", "吴刚 Wu Gang", [StaffRole.FINANCE]),
]

# (owner e-mail, owner name, zh name, en name, jurisdiction, division code or registration no.)
ORGANISATIONS = [
    (
        "provider.transport@demo.shujiao.cn",
        "张伟 Zhang Wei",
        "深圳市城市交通数据有限公司",
        "Shenzhen Urban Transport Data Co., Ltd.",
        "CN",
        "440300",
    ),
    (
        "provider.weather@demo.shujiao.cn",
        "刘洋 Liu Yang",
        "广东省气象信息服务有限公司",
        "Guangdong Meteorological Information Services Co., Ltd.",
        "CN",
        "440100",
    ),
    (
        "provider.culture@demo.shujiao.cn",
        "赵敏 Zhao Min",
        "敦煌文化数字资产中心",
        "Dunhuang Cultural Digital Asset Centre",
        "CN",
        "620982",
    ),
    (
        "provider.finance@demo.shujiao.cn",
        "Chan Tai Man 陳大文",
        "香港金融數據研究所",
        "Hong Kong Financial Data Institute Limited",
        "HK",
        "CR-3187742",
    ),
    (
        "provider.tourism@demo.shujiao.cn",
        "Leong Ka Wai 梁家偉",
        "澳門旅遊大數據有限公司",
        "Macao Tourism Big Data Limited",
        "MO",
        "SO-58211",
    ),
    (
        "buyer.invest@demo.shujiao.cn",
        "孙丽 Sun Li",
        "深圳前海智能投资有限公司",
        "Shenzhen Qianhai Intelligent Investment Co., Ltd.",
        "CN",
        "440305",
    ),
    (
        "buyer.health@demo.shujiao.cn",
        "周杰 Zhou Jie",
        "华南医疗人工智能研究院",
        "South China Institute of Medical AI",
        "CN",
        "440106",
    ),
    (
        "buyer.sg@demo.shujiao.cn",
        "Priya Raman",
        "新加坡数析私人有限公司",
        "Singapore Analytics Pte. Ltd.",
        "SG",
        "201912345K",
    ),
]


def demo_credit_code(rng: random.Random, division: str) -> str:
    """A well-formed unified social credit code for a demo company in ``division``."""
    body = "91" + division + "".join(rng.choice(ALPHABET[:10] + "MNPQ") for _ in range(9))
    return body + check_character(body)


def is_seeded(session: Session) -> bool:
    """Whether the demo data is already there."""
    return session.scalar(sa.select(Organisation.id).where(Organisation.is_operator)) is not None


def seed(session: Session) -> bool:
    """Create the demo exchange unless it exists; returns whether anything was added."""
    if is_seeded(session):
        seed_missing_staff(session)
        return False
    rng = random.Random(20261127)
    now = utcnow()
    admin = None
    staff_users = []
    for email, name, roles in STAFF:
        user = services.register_user(session, email, name, DEMO_PASSWORD, verified=True)
        for role in roles:
            services.grant_staff_role(session, user, role)
        staff_users.append(user)
        admin = admin or user
    operator = services.create_organisation(
        session,
        admin,
        {
            "name_zh": "深圳数据交易所",
            "name_en": "Shenzhen Data Exchange",
            "jurisdiction": "CN",
            "credit_code": demo_credit_code(rng, "440300"),
            "website": "https://shujiao.example",
        },
    )
    operator.is_operator = True
    operator.verified_at = now
    operator.verification_state = VerificationState.VERIFIED
    for user in staff_users[1:]:
        operator.memberships.append(Membership(user=user, role=MemberRole.MEMBER))
    for email, owner_name, name_zh, name_en, jurisdiction, code in ORGANISATIONS:
        owner = services.register_user(session, email, owner_name, DEMO_PASSWORD, verified=True)
        data = {"name_zh": name_zh, "name_en": name_en, "jurisdiction": jurisdiction}
        if jurisdiction == "CN":
            data["credit_code"] = demo_credit_code(rng, code)
        else:
            data["registration_number"] = code
        organisation = services.create_organisation(session, owner, data)
        organisation.verified_at = now
        organisation.verification_state = VerificationState.VERIFIED
    session.flush()
    registry_demo.seed(session, current_app.extensions["files"], now)
    listings_demo.seed(session, current_app.extensions["files"], DEMO_PASSWORD)
    trading_demo.seed(session, current_app.config)
    return True


def seed_missing_staff(session: Session) -> list[str]:
    """Create the demo's staff users an instance seeded by an earlier version lacks (with their
    roles, as members of the operator), so the banner lists no account that does not exist;
    returns their e-mail addresses."""
    operator = session.scalar(sa.select(Organisation).where(Organisation.is_operator))
    added = []
    for email, name, roles in STAFF:
        if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
            continue
        user = services.register_user(session, email, name, DEMO_PASSWORD, verified=True)
        for role in roles:
            services.grant_staff_role(session, user, role)
        if operator is not None:
            operator.memberships.append(Membership(user=user, role=MemberRole.MEMBER))
        added.append(email)
    session.flush()
    return added


def logins() -> list[tuple[str, str]]:
    """(e-mail, what the account is) for the start-up banner."""
    rows = [(email, name) for email, name, _ in STAFF]
    rows += [(email, f"{zh} / {en}") for email, _, zh, en, _, _ in ORGANISATIONS]
    return rows


def quiet_seed_mail(session: Session) -> int:
    """Mark the mail of the seeded history as sent: it describes a past nobody lived through
    (the notifications stay in the app); how many messages."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.topic.like("mail.%"), OutboxMessage.done_at.is_(None))
        .values(done_at=utcnow())
    )
    return result.rowcount
