"""Delivery (分發): entitlements, expiring signed download links, download counting and
logging, metered API access, and the acceptance window that delivery opens.

A signed link is ``HMAC-SHA256(secret, "entitlement:file:expires")``; it is also bound to the
buyer organisation, whose member (or API client) must present it.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market import outbox
from market.errors import Conflict, DomainError, NotFound, PermissionDenied
from market.identity.models import User
from market.listings.models import BillingPeriod, DeliveryMethod, PlanKind
from market.registry.models import AssetFile, AssetVersion
from market.text import N_
from market.trading import notices, orders
from market.trading.models import (
    Download,
    Entitlement,
    EntitlementStatus,
    Order,
    OrderStatus,
)
from market.trading.settings import TradingSettings
from market.trading.settlement import AUTO_ACCEPT_TOPIC
from market.trading.states import Action, Actor


class LinkExpired(DomainError):
    """A download link past its expiry."""

    status = 410


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months (the day clipped to the month's length)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _period(order: Order, starts_at: datetime) -> datetime | None:
    snapshot = order.plan_snapshot
    if snapshot["kind"] == PlanKind.SUBSCRIPTION and snapshot.get("period"):
        months = 12 if snapshot["period"] == BillingPeriod.YEAR else 1
        return add_months(starts_at, months * (snapshot.get("periods") or 1))
    if order.terms.get("duration_months"):
        return add_months(starts_at, order.terms["duration_months"])
    return None


def _renewal_start(session: Session, order: Order, now: datetime) -> datetime:
    # A subscription bought again while the last one runs continues where it ends.
    if order.plan_snapshot["kind"] != PlanKind.SUBSCRIPTION:
        return now
    latest = session.scalar(
        sa.select(sa.func.max(Entitlement.ends_at))
        .join(Order, Order.id == Entitlement.order_id)
        .where(
            Order.plan_id == order.plan_id,
            Order.buyer_organisation_id == order.buyer_organisation_id,
            Entitlement.status == EntitlementStatus.ACTIVE,
        )
    )
    return max(now, latest) if latest is not None else now


def deliver(
    session: Session,
    order: Order,
    settings: TradingSettings,
    now: datetime,
    actor: Actor = Actor.SYSTEM,
    user: User | None = None,
    note: str | None = None,
) -> Entitlement:
    """Deliver a paid order: issue its entitlement and open the acceptance window (the worker
    accepts for the buyer when it lapses). The provider's ``note`` for the buyer is kept on the
    delivery in the order's history and mailed with the notice."""
    orders.move(session, order, Action.DELIVER, actor, now, user, note=note or None)
    starts_at = _renewal_start(session, order, now)
    entitlement = Entitlement(
        order_id=order.id,
        buyer_organisation_id=order.buyer_organisation_id,
        asset_version_id=order.revision.asset_version_id,
        delivery_method=order.delivery_method,
        status=EntitlementStatus.ACTIVE,
        terms=dict(order.terms),
        starts_at=starts_at,
        ends_at=_period(order, starts_at),
        max_downloads=(
            settings.max_downloads if order.delivery_method == DeliveryMethod.DOWNLOAD else None
        ),
        calls_allowed=order.plan_snapshot.get("calls"),
        created_at=now,
    )
    session.add(entitlement)
    order.delivered_at = now
    order.acceptance_due_at = now + timedelta(days=settings.acceptance_days)
    message = outbox.enqueue(session, AUTO_ACCEPT_TOPIC, {"order_id": order.id})
    message.available_at = order.acceptance_due_at
    session.flush()
    notices.delivered(session, order, entitlement, now, note or None)
    return entitlement


def delivers_automatically(order: Order) -> bool:
    """File listings are delivered from the registry the moment they are paid; API listings
    wait for the provider to provision access and mark the order delivered."""
    return order.delivery_method == DeliveryMethod.DOWNLOAD


def entitlement_for(session: Session, entitlement_id: int, organisation_ids) -> Entitlement:
    """An entitlement of one of the caller's organisations (anyone else's is not found)."""
    entitlement = session.get(Entitlement, entitlement_id)
    if entitlement is None or entitlement.buyer_organisation_id not in organisation_ids:
        raise NotFound(N_("No such entitlement."))
    return entitlement


def entitlements(organisation_id: int) -> sa.Select:
    """A buyer's entitlements, newest first."""
    return (
        sa.select(Entitlement)
        .where(Entitlement.buyer_organisation_id == organisation_id)
        .order_by(Entitlement.id.desc())
    )


def files_of(session: Session, entitlement: Entitlement) -> list[AssetFile]:
    """The files an entitlement delivers (its asset version's)."""
    return list(
        session.scalars(
            sa.select(AssetFile)
            .where(AssetFile.version_id == entitlement.asset_version_id)
            .order_by(AssetFile.name)
        )
    )


def _signature(secret: str, entitlement_id: int, file_id: int, expires: int) -> str:
    message = f"{entitlement_id}:{file_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_link(
    settings: TradingSettings, entitlement: Entitlement, file_id: int, now: datetime
) -> tuple[int, str]:
    """``(expires, signature)`` for a download link valid for the configured time."""
    expires = int((now + timedelta(seconds=settings.download_link_ttl)).timestamp())
    return expires, _signature(settings.secret_key, entitlement.id, file_id, expires)


def download_links(
    session: Session, settings: TradingSettings, entitlement: Entitlement, now: datetime, url
) -> list[dict]:
    """Expiring signed links to each file of an entitlement. ``url(entitlement_id=, file_id=,
    expires=, signature=)`` makes the address (the API's or the page's)."""
    links = []
    for asset_file in files_of(session, entitlement):
        expires, signature = sign_link(settings, entitlement, asset_file.id, now)
        links.append(
            {
                "file_id": asset_file.id,
                "name": asset_file.name,
                "size": asset_file.size,
                "sha256": asset_file.sha256,
                "url": url(
                    entitlement_id=entitlement.id,
                    file_id=asset_file.id,
                    expires=expires,
                    signature=signature,
                ),
                "expires": expires,
            }
        )
    return links


def record_links(session: Session, entitlement: Entitlement, url) -> list[dict]:
    """Each file of an API-delivered entitlement with the address that reads it: ``url
    (entitlement_id=, file_id=)`` makes ``.../records?file_id=`` (such a file has no download
    link, so none is listed). The addresses do not expire: every call is metered instead."""
    return [
        {
            "file_id": asset_file.id,
            "name": asset_file.name,
            "size": asset_file.size,
            "sha256": asset_file.sha256,
            "url": url(entitlement_id=entitlement.id, file_id=asset_file.id),
            "expires": None,
        }
        for asset_file in files_of(session, entitlement)
    ]


def check_usable(entitlement: Entitlement, now: datetime) -> None:
    """Refuse use of an entitlement that is revoked, refunded or outside its period."""
    if entitlement.order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
        raise PermissionDenied(
            N_("This entitlement ended with a refund."), state=[entitlement.order.status.value]
        )
    if not entitlement.usable_at(now):
        raise PermissionDenied(N_("This entitlement is not active now."))


def open_download(
    session: Session,
    settings: TradingSettings,
    entitlement_id: int,
    file_id: int,
    expires: int,
    signature: str,
    organisation_ids,
    now: datetime,
    user_id: int | None = None,
    client_id: str | None = None,
    remote_addr: str | None = None,
    resuming: bool = False,
) -> AssetFile:
    """Check a signed link and count and log the download; the file to stream.

    ``resuming`` (a range request past the first byte) continues a download of this file that
    was counted already: it is checked like any other but not counted again.
    """
    expected = _signature(settings.secret_key, entitlement_id, file_id, expires)
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
    given = (signature or "").encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(expected.encode("ascii"), given):
        raise PermissionDenied(N_("This download link is not valid."), field="signature")
    if expires < now.timestamp():
        raise LinkExpired(N_("This download link has expired; ask for a new one."), field="expires")
    entitlement = entitlement_for(session, entitlement_id, organisation_ids)
    if entitlement.delivery_method != DeliveryMethod.DOWNLOAD:
        raise Conflict(N_("This entitlement is delivered through the API."))
    check_usable(entitlement, now)
    asset_file = session.get(AssetFile, file_id)
    if asset_file is None or asset_file.version_id != entitlement.asset_version_id:
        raise NotFound(N_("No such file."))
    if resuming and session.scalar(
        sa.select(Download.id)
        .where(Download.entitlement_id == entitlement.id, Download.file_id == asset_file.id)
        .limit(1)
    ):
        return asset_file
    # One statement counts the download and enforces the limit, whoever races.
    counted = session.execute(
        sa.update(Entitlement)
        .where(
            Entitlement.id == entitlement.id,
            Entitlement.downloads_used < Entitlement.max_downloads,
        )
        .values(downloads_used=Entitlement.downloads_used + 1)
    ).rowcount
    if not counted:
        raise Conflict(N_("The download limit of this entitlement is used up."))
    session.add(
        Download(
            entitlement_id=entitlement.id,
            file_id=asset_file.id,
            sha256=asset_file.sha256,
            size=asset_file.size,
            user_id=user_id,
            client_id=client_id,
            remote_addr=remote_addr,
            at=now,
        )
    )
    return asset_file


def manifest(session: Session, entitlement: Entitlement, links: list[dict]) -> dict:
    """What a buyer needs to verify a delivered dataset: every file's name, size and SHA-256
    (with its signed link), and the version's Merkle root over those hashes."""
    version = session.get(AssetVersion, entitlement.asset_version_id)
    return {
        "entitlement_id": entitlement.id,
        "asset_id": version.asset_id,
        "version": version.number,
        "merkle_root": version.fingerprint,
        "total_bytes": version.total_bytes,
        "files": links,
    }


def meter_call(session: Session, entitlement: Entitlement, now: datetime) -> int | None:
    """Count one API call under an entitlement; calls left (None: not metered).

    Usage packages stop when used up; subscriptions and licences end with their period.
    """
    if entitlement.delivery_method != DeliveryMethod.API:
        raise Conflict(N_("This entitlement is delivered as files."))
    check_usable(entitlement, now)
    if entitlement.calls_allowed is None:
        return None
    counted = session.execute(
        sa.update(Entitlement)
        .where(
            Entitlement.id == entitlement.id,
            Entitlement.calls_used < Entitlement.calls_allowed,
        )
        .values(calls_used=Entitlement.calls_used + 1)
    ).rowcount
    if not counted:
        raise Conflict(N_("The calls of this usage package are used up."))
    session.refresh(entitlement, ["calls_used"])
    return entitlement.calls_allowed - entitlement.calls_used


def revoke(session: Session, order: Order) -> None:
    """End an order's entitlement (a full refund)."""
    session.execute(
        sa.update(Entitlement)
        .where(Entitlement.order_id == order.id)
        .values(status=EntitlementStatus.REVOKED)
    )
