"""What trading tells the two sides of an order (in the app and by mail, in Chinese and
English): a sale to its provider, a payment to both, a delivery and its acceptance deadline to
the buyer, a dispute opened and decided to both, a
refund to both. Written in the caller's transaction through the one notification service."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from sqlalchemy.orm import Session

from ledger.currencies import EXPONENTS, to_major
from market.listings import notifications
from market.listings.models import DeliveryMethod
from market.trading.models import Entitlement, Order

CHINA = ZoneInfo("Asia/Shanghai")


def _amount(minor: int, currency: str, locale: str) -> str:
    if currency not in EXPONENTS:
        return f"{minor} {currency}"
    return format_currency(to_major(minor, currency), currency, locale=locale)


def _tell(session: Session, organisation_id: int, kind: str, order: Order, zh: str, en: str,
          now: datetime) -> None:  # fmt: skip
    notifications.notify(
        session, organisation_id, kind, {"zh": zh, "en": en}, f"/orders/{order.id}", now
    )


def _title(order: Order) -> tuple[str, str]:
    revision = order.revision
    return revision.title_zh, revision.title_en


def order_placed(session: Session, order: Order, now: datetime) -> None:
    """The provider has a sale, awaiting payment."""
    zh_title, en_title = _title(order)
    buyer = order.buyer
    _tell(
        session, order.provider_organisation_id, "order.placed", order,
        f"新订单 {order.reference}：{buyer.name_zh} 购买「{zh_title}」，"
        f"{_amount(order.price_minor, order.currency, 'zh_CN')}，待付款",
        f"New order {order.reference}: {buyer.name_en} bought “{en_title}” for "
        f"{_amount(order.price_minor, order.currency, 'en')}, awaiting payment",
        now,
    )  # fmt: skip


def order_paid(session: Session, order: Order, now: datetime, delivered: bool = False) -> None:
    """Both sides: the money is in escrow; the provider delivers (unless the exchange already
    ``delivered`` the files)."""
    zh_title, en_title = _title(order)
    zh_amount = _amount(order.paid_minor, order.currency, "zh_CN")
    en_amount = _amount(order.paid_minor, order.currency, "en")
    zh_next, en_next = (
        ("文件已由交易所交付，待买方验收", "the exchange has delivered the files; "
         "awaiting the buyer's acceptance")
        if delivered else ("请交付", "please deliver")
    )  # fmt: skip
    _tell(
        session, order.provider_organisation_id, "order.paid", order,
        f"订单 {order.reference}（「{zh_title}」）已付款 {zh_amount}，款项由交易所托管，{zh_next}",
        f"Order {order.reference} (“{en_title}”) is paid, {en_amount} held in escrow: {en_next}",
        now,
    )  # fmt: skip
    _tell(
        session, order.buyer_organisation_id, "order.paid", order,
        f"已收到订单 {order.reference}（「{zh_title}」）的付款 {zh_amount}，款项由交易所托管至验收",
        f"Payment of {en_amount} for order {order.reference} (“{en_title}”) received; "
        "it is held in escrow until you accept",
        now,
    )  # fmt: skip


def payment_held(session: Session, order: Order, amount_minor: int, currency: str,
                 now: datetime) -> None:  # fmt: skip
    """The buyer: money arrived for its order that the order cannot take (short, excess, in
    another currency, or the order no longer waits for payment); it is held to be returned."""
    zh_title, en_title = _title(order)
    zh_got, en_got = _amount(amount_minor, currency, "zh_CN"), _amount(amount_minor, currency, "en")
    if order.status == "awaiting_payment":
        zh_due = _amount(order.price_minor, order.currency, "zh_CN")
        en_due = _amount(order.price_minor, order.currency, "en")
        zh = f"与应付金额 {zh_due} 不符。款项由交易所暂存并将退回付款方；订单仍待付款，请按应付金额付款"
        en = (f"which is not the {en_due} due. It is held and will be returned to the payer; "
              f"the order still waits for payment of {en_due}")  # fmt: skip
    else:
        zh = "但该订单已不再待付款。款项由交易所暂存并将退回付款方"
        en = "but the order no longer waits for payment. It is held and will be returned to the payer"
    _tell(
        session, order.buyer_organisation_id, "order.payment_held", order,
        f"收到订单 {order.reference}（「{zh_title}」）的款项 {zh_got}，{zh}",
        f"{en_got} received for order {order.reference} (“{en_title}”), {en}",
        now,
    )  # fmt: skip


def _how_to_get(entitlement: Entitlement) -> tuple[str, str]:
    # Where the buyer gets the data it is asked to accept: the order page's download links,
    # or the API's addresses under its entitlement.
    if entitlement.delivery_method == DeliveryMethod.API:
        base = f"/api/v1/entitlements/{entitlement.id}"
        return (
            f"。经 API 读取数据（权益编号 {entitlement.id}，需 deliveries:read 权限的 API 客户端）："
            f"GET {base}/manifest 列出文件，GET {base}/records?file_id=… 读取其中一个文件的内容"
            "（file_id 见清单）",
            f". Read the data through the API (entitlement {entitlement.id}, with an API client "
            f"holding deliveries:read): GET {base}/manifest lists the files, GET "
            f"{base}/records?file_id=… reads a file's records (its file_id is in the manifest)",
        )
    return "。请在订单页面下载文件", ". Download the files from the order's page"


def delivered(
    session: Session, order: Order, entitlement: Entitlement, now: datetime, note: str | None = None
) -> None:
    """The buyer: the data is delivered, how to get it (``entitlement``'s download links or API
    addresses), and until when it may accept or dispute (silence accepts when the window ends);
    the provider's ``note``, if any, below, as typed."""
    zh_title, en_title = _title(order)
    due = order.acceptance_due_at
    due = (due if due.tzinfo else due.replace(tzinfo=UTC)).astimezone(CHINA)
    when = due.strftime("%Y-%m-%d %H:%M")
    zh_get, en_get = _how_to_get(entitlement)
    zh_note, en_note = (
        ("。提供方附言如下：", ". The provider's note follows:") if note else ("", "")
    )
    subject = {
        "zh": f"订单 {order.reference}（「{zh_title}」）已交付：请在 {when}（中国标准时间）前验收，"
              f"或在此之前提出争议；逾期视为验收，款项结算给提供方{zh_get}{zh_note}",
        "en": f"Order {order.reference} (“{en_title}”) is delivered: accept it, or open a dispute, "
              f"by {when} China Standard Time; after that it counts as accepted and the provider "
              f"is paid{en_get}{en_note}",
    }  # fmt: skip
    if note:
        subject["note"] = note
    notifications.notify(
        session, order.buyer_organisation_id, "order.delivered", subject, f"/orders/{order.id}", now
    )


def dispute_opened(session: Session, order: Order, reason: str, now: datetime) -> None:
    """Both sides: settlement is frozen until a reviewer decides."""
    zh_title, en_title = _title(order)
    for organisation_id in (order.provider_organisation_id, order.buyer_organisation_id):
        _tell(
            session, organisation_id, "dispute.opened", order,
            f"订单 {order.reference}（「{zh_title}」）有争议，结算暂停待审核员裁决：「{reason}」",
            f"Order {order.reference} (“{en_title}”) is disputed; settlement waits for a "
            f"reviewer's decision: “{reason}”",
            now,
        )  # fmt: skip


def dispute_decided(
    session: Session, order: Order, refund_minor: int | None, note: str, now: datetime
) -> None:
    """Both sides: the reviewer's decision (release to the provider, or a refund)."""
    zh_title, en_title = _title(order)
    if refund_minor:
        zh = f"退款 {_amount(refund_minor, order.currency, 'zh_CN')}"
        en = f"a refund of {_amount(refund_minor, order.currency, 'en')}"
    else:
        zh, en = "款项结算给提供方", "the money is released to the provider"
    # The reviewer's note is quoted: their own words, never converted to another script.
    zh_note, en_note = (
        (f"审核员附言：「{note}」", f"The reviewer's note: “{note}”") if note else ("", "")
    )
    for organisation_id in (order.provider_organisation_id, order.buyer_organisation_id):
        _tell(
            session, organisation_id, "dispute.decided", order,
            f"订单 {order.reference}（「{zh_title}」）的争议已裁决：{zh}。{zh_note}",
            f"The dispute on order {order.reference} (“{en_title}”) is decided: {en}. "
            f"{en_note}".rstrip(),
            now,
        )  # fmt: skip


def refunded(
    session: Session, order: Order, amount_minor: int, now: datetime, to_send: bool = False
) -> None:
    """Both sides: money went back to the buyer — or, for a bank-paid order (``to_send``), is
    owed to the buyer until finance transfers it to the buyer's bank account."""
    zh_title, en_title = _title(order)
    zh_amount = _amount(amount_minor, order.currency, "zh_CN")
    en_amount = _amount(amount_minor, order.currency, "en")
    if to_send:
        _tell(
            session, order.buyer_organisation_id, "order.refunded", order,
            f"订单 {order.reference}（「{zh_title}」）退款 {zh_amount} 待交易所汇出："
            "将转账至贵机构在交易所登记的收款账户；尚未登记的，请将收款账户发送给交易所财务",
            f"{en_amount} of order {order.reference} (“{en_title}”) is to be refunded: the "
            "exchange transfers it to your organisation's bank account registered with it; "
            "if you have not registered one, send it to the exchange's finance team",
            now,
        )  # fmt: skip
    for organisation_id in (order.provider_organisation_id, order.buyer_organisation_id):
        if to_send and organisation_id == order.buyer_organisation_id:
            continue
        _tell(
            session, organisation_id, "order.refunded", order,
            f"订单 {order.reference}（「{zh_title}」）已退款 {zh_amount}",
            f"{en_amount} of order {order.reference} (“{en_title}”) was refunded",
            now,
        )  # fmt: skip
