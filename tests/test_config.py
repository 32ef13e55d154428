"""Configuration comes from SHUJIAO_* variables; secrets have no default outside the demo."""

import pytest

from market import config


def test_secret_key_is_required_outside_the_demo(tmp_path):
    with pytest.raises(config.ConfigError, match="SHUJIAO_SECRET_KEY"):
        config.load(environ={"SHUJIAO_INSTANCE_PATH": str(tmp_path)})


def test_demo_generates_a_secret_key_once_and_keeps_it(tmp_path):
    environ = {"SHUJIAO_ENV": "demo", "SHUJIAO_INSTANCE_PATH": str(tmp_path)}
    first = config.load(environ=environ)["SECRET_KEY"]
    second = config.load(environ=environ)["SECRET_KEY"]
    assert first == second
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_variables_are_read_and_converted(tmp_path):
    loaded = config.load(
        environ={
            "SHUJIAO_SECRET_KEY": "s" * 40,
            "SHUJIAO_INSTANCE_PATH": str(tmp_path),
            "SHUJIAO_DATABASE_URL": "postgresql+psycopg://db/shujiao",
            "SHUJIAO_LOGIN_MAX_FAILURES": "3",
            "SHUJIAO_INPROCESS_WORKER": "yes",
        }
    )
    assert loaded["DATABASE_URL"] == "postgresql+psycopg://db/shujiao"
    assert loaded["LOGIN_MAX_FAILURES"] == 3
    assert loaded["INPROCESS_WORKER"] is True
    assert loaded["SEARCH_URL"] == f"embedded:///{tmp_path / 'search.sqlite3'}"


def test_a_malformed_number_names_the_variable(tmp_path):
    with pytest.raises(config.ConfigError, match="SHUJIAO_TOKEN_LIFETIME"):
        config.load(environ={"SHUJIAO_SECRET_KEY": "x", "SHUJIAO_TOKEN_LIFETIME": "soon"})


def test_overrides_win_over_the_environment(tmp_path):
    loaded = config.load(
        {"DATABASE_URL": "sqlite:///x.db"},
        environ={"SHUJIAO_SECRET_KEY": "x", "SHUJIAO_DATABASE_URL": "sqlite:///y.db"},
    )
    assert loaded["DATABASE_URL"] == "sqlite:///x.db"


def test_every_setting_is_documented_in_the_readme():
    readme = (config.ROOT / "README.md").read_text()
    undocumented = [variable for _, variable, _, _ in config.SETTINGS if variable not in readme]
    assert undocumented == []


def test_trading_settings_come_from_the_settings_table(tmp_path):
    from market.trading.settings import from_config

    defaults = {setting: default for setting, _variable, default, _kind in config.SETTINGS}
    settings = from_config(
        config.load(
            environ={"SHUJIAO_SECRET_KEY": "s" * 40, "SHUJIAO_INSTANCE_PATH": str(tmp_path)}
        )
    )
    assert settings.acceptance_days == defaults["ACCEPTANCE_DAYS"]
    assert settings.fee_bps == defaults["PLATFORM_FEE_BPS"]
    assert settings.download_link_ttl == defaults["DOWNLOAD_LINK_TTL"]
    assert settings.max_downloads == defaults["MAX_DOWNLOADS"]
    assert settings.bank_account == defaults["EXCHANGE_BANK_ACCOUNT"]
    assert settings.payment_method_types == (defaults["STRIPE_PAYMENT_METHODS"],)
    assert settings.owner_tag == defaults["STRIPE_OWNER_TAG"]
    changed = from_config(
        config.load(
            environ={
                "SHUJIAO_SECRET_KEY": "s" * 40,
                "SHUJIAO_INSTANCE_PATH": str(tmp_path),
                "SHUJIAO_PLATFORM_FEE_BPS": "300",
                "SHUJIAO_PLATFORM_FEE_BPS_BY_CATEGORY": "finance=800",
            }
        )
    )
    assert changed.fee_bps_for("finance") == 800 and changed.fee_bps_for("transport") == 300
