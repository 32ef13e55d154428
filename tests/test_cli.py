"""The ``shujiao`` command, run as a real process."""

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

SHUJIAO = Path(sys.executable).parent / "shujiao"


def run(*args, env=None, input=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SHUJIAO_")}
    environment.update(env or {})
    return subprocess.run(
        [str(SHUJIAO), *args],
        env=environment,
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
    )


def test_demo_seeds_once_and_reruns_safely(tmp_path):
    env = {"SHUJIAO_INSTANCE_PATH": str(tmp_path)}
    first = run("demo", "--no-serve", env=env)
    assert first.returncode == 0, first.stderr
    assert "Seeded the demo exchange" in first.stdout
    assert "reviewer@demo.shujiao.cn" in first.stdout
    second = run("demo", "--no-serve", env=env)
    assert second.returncode == 0, second.stderr
    assert "already present" in second.stdout
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shujiao.sqlite3'}")
    with engine.connect() as connection:
        organisations = connection.exec_driver_sql("SELECT count(*) FROM organisations").scalar()
    engine.dispose()
    assert organisations == 12  # 9 + the listings demo's health, energy and AI providers


def test_commands_outside_the_demo_need_a_secret_key(tmp_path):
    result = run("db", "upgrade", env={"SHUJIAO_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode != 0
    assert "SHUJIAO_SECRET_KEY is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_and_user_create(tmp_path):
    env = {"SHUJIAO_INSTANCE_PATH": str(tmp_path), "SHUJIAO_SECRET_KEY": "k" * 40}
    assert run("db", "upgrade", env=env).returncode == 0
    created = run(
        "user",
        "create",
        "Finance@Example.cn",
        "--name",
        "Finance",
        "--staff",
        "finance",
        "--password",
        "a long enough secret",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    duplicate = run(
        "user",
        "create",
        "finance@example.cn",
        "--name",
        "Again",
        "--password",
        "a long enough secret",
        env=env,
    )
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr


def test_user_create_refuses_a_short_password(tmp_path):
    env = {"SHUJIAO_INSTANCE_PATH": str(tmp_path), "SHUJIAO_SECRET_KEY": "k" * 40}
    run("db", "upgrade", env=env)
    result = run("user", "create", "a@b.cn", "--name", "A", "--password", "short", env=env)
    assert result.returncode == 2
    assert "--password" in result.stderr
