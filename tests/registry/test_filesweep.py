"""Sweeping the file store: unreferenced old blobs go, referenced or recent ones stay."""

import io
import os
from datetime import timedelta

from market import filesweep
from market.cli import cli
from market.db import utcnow
from tests.registry import factories as rf


def _age(store, key, hours):
    path = store.root / key
    old = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(path, (old, old))


def test_only_old_unreferenced_blobs_are_removed(app, db, store):
    organisation, owner = rf.provider(db)
    kept_version = rf.version(db, store, rf.asset(db, organisation, owner), owner)
    db.commit()
    referenced = kept_version.files[0].storage_key
    orphan = store.save(io.BytesIO(b"rolled back upload\n"), 1024).key
    recent = store.save(io.BytesIO(b"upload in flight\n"), 1024).key
    for key in (referenced, orphan):
        _age(store, key, 48)
    report = filesweep.sweep(db, store, utcnow() - timedelta(hours=24))
    assert report.removed == [orphan]
    assert not store.exists(orphan)
    assert store.exists(referenced) and store.exists(recent)


def test_dry_run_removes_nothing(app, db, store):
    orphan = store.save(io.BytesIO(b"orphan\n"), 1024).key
    _age(store, orphan, 48)
    result = app.test_cli_runner().invoke(cli, ["files", "sweep", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would remove {orphan}" in result.output
    assert store.exists(orphan)
