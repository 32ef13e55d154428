"""Trading's settings, read from the app's configuration (``market.config``) in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from market.registry.models import Industry


def _fee_overrides(text: str) -> dict[str, int]:
    # "finance=300,healthcare=800": basis points per listing category.
    overrides = {}
    for part in (text or "").split(","):
        name, sep, value = part.partition("=")
        if sep:
            overrides[str(Industry(name.strip()))] = int(value)
    return overrides


@dataclass(frozen=True)
class TradingSettings:
    """What trading needs to know from the configuration."""

    acceptance_days: int = 7
    fee_bps: int = 500
    fee_bps_by_category: dict[str, int] = field(default_factory=dict)
    download_link_ttl: int = 900
    max_downloads: int = 10
    bank_account: str = ""
    payment_method_types: tuple[str, ...] = ("card",)
    owner_tag: str = "shujiao"
    secret_key: str = ""

    def fee_bps_for(self, category) -> int:
        """The platform fee rate for a listing category (basis points)."""
        return self.fee_bps_by_category.get(str(category), self.fee_bps)


def from_config(config: Mapping) -> TradingSettings:
    """Settings from a Flask app's ``config``."""
    return TradingSettings(
        acceptance_days=int(config.get("ACCEPTANCE_DAYS", 7)),
        fee_bps=int(config.get("PLATFORM_FEE_BPS", 500)),
        fee_bps_by_category=_fee_overrides(config.get("PLATFORM_FEE_BPS_BY_CATEGORY", "")),
        download_link_ttl=int(config.get("DOWNLOAD_LINK_TTL", 900)),
        max_downloads=int(config.get("MAX_DOWNLOADS", 10)),
        bank_account=str(config.get("EXCHANGE_BANK_ACCOUNT") or ""),
        payment_method_types=tuple(
            kind.strip()
            for kind in str(config.get("STRIPE_PAYMENT_METHODS") or "card").split(",")
            if kind.strip()
        ),
        owner_tag=str(config.get("STRIPE_OWNER_TAG", "shujiao")),
        secret_key=str(config.get("SECRET_KEY") or ""),
    )
