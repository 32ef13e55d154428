"""Configuration: read once, from ``SHUJIAO_*`` environment variables, in this module alone."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says which variable and why."""


# (setting, environment variable, default, converter). A default of None means "unset".
SETTINGS: list[tuple[str, str, object, type]] = [
    ("ENV", "SHUJIAO_ENV", "production", str),
    ("SECRET_KEY", "SHUJIAO_SECRET_KEY", None, str),
    ("INSTANCE_PATH", "SHUJIAO_INSTANCE_PATH", str(ROOT / "instance"), str),
    ("DATABASE_URL", "SHUJIAO_DATABASE_URL", None, str),
    ("DATABASE_BUSY_TIMEOUT_MS", "SHUJIAO_DATABASE_BUSY_TIMEOUT_MS", 10_000, int),
    ("SEARCH_URL", "SHUJIAO_SEARCH_URL", None, str),
    ("SEARCH_INDEX_PREFIX", "SHUJIAO_SEARCH_INDEX_PREFIX", "shujiao_", str),
    ("FILES_PATH", "SHUJIAO_FILES_PATH", None, str),
    ("MAX_UPLOAD_BYTES", "SHUJIAO_MAX_UPLOAD_BYTES", 64 * 1024 * 1024, int),
    ("MAX_LICENCE_BYTES", "SHUJIAO_MAX_LICENCE_BYTES", 10 * 1024 * 1024, int),
    # Limits per kind of file sent in one request (asset files: MAX_UPLOAD_BYTES).
    ("MAX_EVIDENCE_BYTES", "SHUJIAO_MAX_EVIDENCE_BYTES", 64 * 1024 * 1024, int),
    ("MAX_SAMPLE_BYTES", "SHUJIAO_MAX_SAMPLE_BYTES", 20 * 1024 * 1024, int),
    # Files in an S3-compatible object store (s3://bucket/prefix) instead of FILES_PATH.
    ("FILES_URL", "SHUJIAO_FILES_URL", None, str),
    ("S3_ENDPOINT_URL", "SHUJIAO_S3_ENDPOINT_URL", None, str),
    ("S3_REGION", "SHUJIAO_S3_REGION", "us-east-1", str),
    ("S3_ACCESS_KEY_ID", "SHUJIAO_S3_ACCESS_KEY_ID", None, str),
    ("S3_SECRET_ACCESS_KEY", "SHUJIAO_S3_SECRET_ACCESS_KEY", None, str),
    # Resumable uploads of asset files: their limit, part size, session life, part URL life.
    ("MAX_ASSET_FILE_BYTES", "SHUJIAO_MAX_ASSET_FILE_BYTES", 1024**4, int),
    ("UPLOAD_PART_BYTES", "SHUJIAO_UPLOAD_PART_BYTES", 64 * 1024 * 1024, int),
    ("UPLOAD_SESSION_HOURS", "SHUJIAO_UPLOAD_SESSION_HOURS", 24, int),
    ("UPLOAD_PART_URL_TTL", "SHUJIAO_UPLOAD_PART_URL_TTL", 3600, int),
    # The worker's file maintenance: how often, and how old an unreferenced blob must be.
    ("FILES_SWEEP_INTERVAL", "SHUJIAO_FILES_SWEEP_INTERVAL", 3600, int),
    ("FILES_SWEEP_GRACE_HOURS", "SHUJIAO_FILES_SWEEP_GRACE_HOURS", 24, int),
    ("REGISTRY_NOTICE_WORKING_DAYS", "SHUJIAO_REGISTRY_NOTICE_WORKING_DAYS", 5, int),
    ("PROFILE_MEMORY_LIMIT", "SHUJIAO_PROFILE_MEMORY_LIMIT", "512MB", str),
    ("MAIL_SINK", "SHUJIAO_MAIL_SINK", "console", str),
    ("MAIL_FROM", "SHUJIAO_MAIL_FROM", "Shujiao <no-reply@shujiao.example>", str),
    ("BASE_URL", "SHUJIAO_BASE_URL", "http://127.0.0.1:5000", str),
    ("STRIPE_SECRET_KEY", "SHUJIAO_STRIPE_SECRET_KEY", None, str),
    ("STRIPE_PUBLISHABLE_KEY", "SHUJIAO_STRIPE_PUBLISHABLE_KEY", None, str),
    ("STRIPE_WEBHOOK_SECRET", "SHUJIAO_STRIPE_WEBHOOK_SECRET", None, str),
    ("STRIPE_API_BASE", "SHUJIAO_STRIPE_API_BASE", None, str),
    # Stamped into every Stripe object's metadata; tells this deployment's objects apart.
    ("STRIPE_OWNER_TAG", "SHUJIAO_STRIPE_OWNER_TAG", "shujiao", str),
    # Card and wallet types offered at checkout, e.g. "card,alipay,wechat_pay".
    ("STRIPE_PAYMENT_METHODS", "SHUJIAO_STRIPE_PAYMENT_METHODS", "card", str),
    # Trading: the buyer's acceptance window, the platform fee (basis points; per-category
    # overrides as "finance=300,healthcare=800"), download links, the bank account shown.
    ("CURRENCY", "SHUJIAO_CURRENCY", "CNY", str),
    ("ACCEPTANCE_DAYS", "SHUJIAO_ACCEPTANCE_DAYS", 7, int),
    ("PLATFORM_FEE_BPS", "SHUJIAO_PLATFORM_FEE_BPS", 500, int),
    ("PLATFORM_FEE_BPS_BY_CATEGORY", "SHUJIAO_PLATFORM_FEE_BPS_BY_CATEGORY", "", str),
    # Output VAT inside the platform fee (basis points; 600 = 6%, the rate for modern services).
    ("VAT_RATE_BPS", "SHUJIAO_VAT_RATE_BPS", 600, int),
    # The period close: how long a statement line may stay unmatched, and a payout batch stay
    # submitted, before the close checklist objects.
    ("CLOSE_OPEN_ITEM_DAYS", "SHUJIAO_CLOSE_OPEN_ITEM_DAYS", 3, int),
    ("CLOSE_SUBMITTED_BATCH_DAYS", "SHUJIAO_CLOSE_SUBMITTED_BATCH_DAYS", 5, int),
    ("DOWNLOAD_LINK_TTL", "SHUJIAO_DOWNLOAD_LINK_TTL", 900, int),
    ("MAX_DOWNLOADS", "SHUJIAO_MAX_DOWNLOADS", 10, int),
    (
        "EXCHANGE_BANK_ACCOUNT",
        "SHUJIAO_EXCHANGE_BANK_ACCOUNT",
        "深圳数据交易所有限公司 · 招商银行深圳分行 · 7559 0000 0000 0000",
        str,
    ),
    # The same account as English pages show it (unset: English pages show the one above).
    (
        "EXCHANGE_BANK_ACCOUNT_EN",
        "SHUJIAO_EXCHANGE_BANK_ACCOUNT_EN",
        "Shenzhen Data Exchange Co., Ltd. · China Merchants Bank, Shenzhen Branch · "
        "7559 0000 0000 0000",
        str,
    ),
    ("TOKEN_LIFETIME", "SHUJIAO_TOKEN_LIFETIME", 3600, int),
    ("LOGIN_MAX_FAILURES", "SHUJIAO_LOGIN_MAX_FAILURES", 5, int),
    ("LOGIN_WINDOW_SECONDS", "SHUJIAO_LOGIN_WINDOW_SECONDS", 900, int),
    # Failed sign-ins from one address (page and token endpoint together) in the same window.
    ("LOGIN_MAX_FAILURES_PER_IP", "SHUJIAO_LOGIN_MAX_FAILURES_PER_IP", 20, int),
    # Lifetimes (seconds) of the links mailed to confirm an address and to reset a password.
    ("EMAIL_CONFIRMATION_MAX_AGE", "SHUJIAO_EMAIL_CONFIRMATION_MAX_AGE", 3 * 24 * 3600, int),
    ("PASSWORD_RESET_MAX_AGE", "SHUJIAO_PASSWORD_RESET_MAX_AGE", 3600, int),
    # Requests for mailed links (password reset, confirmation again) per address and per mailbox.
    ("MAIL_LINK_MAX_PER_IP", "SHUJIAO_MAIL_LINK_MAX_PER_IP", 20, int),
    ("MAIL_LINK_MAX_PER_EMAIL", "SHUJIAO_MAIL_LINK_MAX_PER_EMAIL", 3, int),
    ("MAIL_LINK_WINDOW_SECONDS", "SHUJIAO_MAIL_LINK_WINDOW_SECONDS", 3600, int),
    ("INPROCESS_WORKER", "SHUJIAO_INPROCESS_WORKER", False, bool),
    # API rate limits (Flask-Limiter): where counters live, and the limits per IP / per client.
    ("RATELIMIT_STORAGE_URL", "SHUJIAO_RATELIMIT_STORAGE_URL", "memory://", str),
    ("RATELIMIT_ANONYMOUS", "SHUJIAO_RATELIMIT_ANONYMOUS", "60/minute", str),
    ("RATELIMIT_CLIENT", "SHUJIAO_RATELIMIT_CLIENT", "600/minute", str),
    ("SESSION_COOKIE_SECURE", "SHUJIAO_SESSION_COOKIE_SECURE", False, bool),
    # Yuan per unit of other plan currencies, to compare prices in search ("HKD=0.92,USD=7.10").
    ("CNY_RATES", "SHUJIAO_CNY_RATES", "HKD=0.92,MOP=0.89,USD=7.10,EUR=7.70", str),
]

TRUE_WORDS = {"1", "true", "yes", "on"}


def _convert(name: str, raw: str, kind: type) -> object:
    if kind is bool:
        return raw.strip().lower() in TRUE_WORDS
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    return raw


def load(overrides: Mapping[str, object] | None = None, environ=None) -> dict[str, object]:
    """Build the configuration: defaults, then ``SHUJIAO_*`` variables, then ``overrides``.

    A test or the demo passes ``overrides``; production passes nothing and sets variables.
    """
    environ = os.environ if environ is None else environ
    config: dict[str, object] = {}
    for setting, variable, default, kind in SETTINGS:
        raw = environ.get(variable)
        config[setting] = default if raw in (None, "") else _convert(variable, raw, kind)
    config.update(overrides or {})

    instance = Path(str(config["INSTANCE_PATH"]))
    config["INSTANCE_PATH"] = str(instance)
    if _is_demo_instance(config, instance, environ, overrides or {}):
        config["ENV"] = "demo"
    config.setdefault("DATABASE_URL", None)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance / 'shujiao.sqlite3'}"
    if not config["SEARCH_URL"]:
        config["SEARCH_URL"] = f"embedded:///{instance / 'search.sqlite3'}"
    if not config["FILES_PATH"]:
        config["FILES_PATH"] = str(instance / "files")

    if not config["SECRET_KEY"]:
        if config["ENV"] != "demo":
            raise ConfigError(
                "SHUJIAO_SECRET_KEY is required (outside the demo): set it to a long random "
                "string, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        config["SECRET_KEY"] = demo_secret_key(instance)
    return config


DEMO_MARKER = "demo-instance"


def _is_demo_instance(config: dict, instance: Path, environ, overrides) -> bool:
    # Commands run against the instance `shujiao demo` made (README: `shujiao ledger verify`
    # after `make demo`) are demo commands. Only when nothing says otherwise: no environment
    # named, no secret key and no database of its own, as every production host has.
    unset = [
        variable
        for setting, variable in (
            ("ENV", "SHUJIAO_ENV"),
            ("SECRET_KEY", "SHUJIAO_SECRET_KEY"),
            ("DATABASE_URL", "SHUJIAO_DATABASE_URL"),
        )
        if not environ.get(variable) and not overrides.get(setting)
    ]
    return len(unset) == 3 and (instance / DEMO_MARKER).exists()


def mark_demo_instance(instance: Path) -> None:
    """Record that ``instance`` holds the demo exchange (written by ``shujiao demo``)."""
    instance.mkdir(parents=True, exist_ok=True)
    (instance / DEMO_MARKER).write_text("made by `shujiao demo`; delete to leave the demo\n")


def demo_secret_key(instance: Path) -> str:
    """The demo's secret key: generated once and kept in ``instance/secret_key``."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key
