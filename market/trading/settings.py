"""Trading's settings, read from the app's configuration (``market.config``) in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
    """What trading needs to know from the configuration (defaults: ``market.config.SETTINGS``)."""

    acceptance_days: int
    fee_bps: int
    fee_bps_by_category: dict[str, int]
    vat_bps: int
    download_link_ttl: int
    max_downloads: int
    bank_account: str
    # The same account as English readers see it (empty: they see the registered one).
    bank_account_en: str
    payment_method_types: tuple[str, ...]
    owner_tag: str
    secret_key: str

    def bank_account_in(self, language: str) -> str:
        """The exchange's bank account as a reader of ``language`` (``zh``, ``en``…) sees it:
        the registered (Chinese) name for Chinese, the English one, if set, for the others."""
        if language == "zh" or not self.bank_account_en:
            return self.bank_account
        return self.bank_account_en

    def fee_bps_for(self, category) -> int:
        """The platform fee rate for a listing category (basis points)."""
        return self.fee_bps_by_category.get(str(category), self.fee_bps)


def from_config(config: Mapping) -> TradingSettings:
    """Settings from a Flask app's ``config`` (built by ``market.config.load``, which fills in
    every default)."""
    return TradingSettings(
        acceptance_days=int(config["ACCEPTANCE_DAYS"]),
        fee_bps=int(config["PLATFORM_FEE_BPS"]),
        fee_bps_by_category=_fee_overrides(config["PLATFORM_FEE_BPS_BY_CATEGORY"]),
        vat_bps=int(config["VAT_RATE_BPS"]),
        download_link_ttl=int(config["DOWNLOAD_LINK_TTL"]),
        max_downloads=int(config["MAX_DOWNLOADS"]),
        bank_account=str(config["EXCHANGE_BANK_ACCOUNT"] or ""),
        bank_account_en=str(config.get("EXCHANGE_BANK_ACCOUNT_EN") or ""),
        payment_method_types=tuple(
            kind.strip()
            for kind in str(config["STRIPE_PAYMENT_METHODS"]).split(",")
            if kind.strip()
        ),
        owner_tag=str(config["STRIPE_OWNER_TAG"]),
        secret_key=str(config["SECRET_KEY"] or ""),
    )
