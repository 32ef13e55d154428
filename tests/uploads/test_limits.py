"""Each kind of file has its own size limit: evidence and samples stay small while an asset
file of the same size is accepted."""

from __future__ import annotations

import io

import pytest

from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.uploads.conftest import Caller

SIZE = 3000  # over the small limits below, far under the asset files' one-request limit


def _csv(size: int) -> bytes:
    return b"id,value\n" + b"1,2\n" * ((size - 9) // 4)


@pytest.fixture
def limited(app):
    """Evidence and samples capped at 2 KB; asset files keep their 64 MiB."""
    app.config.update(MAX_EVIDENCE_BYTES=2048, MAX_SAMPLE_BYTES=2048)
    return app


def _post_file(caller, path: str, field: str, name: str, content: bytes):
    return caller.raw.post(
        path,
        headers=caller.headers,
        data={field: (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_evidence_over_its_limit_is_refused_while_an_asset_file_is_taken(limited, db, provider):
    asset_id = provider.asset()
    version = _post_file(
        provider, f"/api/v1/assets/{asset_id}/versions", "file", "data.csv", _csv(SIZE)
    )
    assert version.status_code == 201, version.get_json()
    claim = provider.post(
        "/api/v1/claims",
        {"asset_id": asset_id, "rights": ["holding"], "source": "self_collected"},
    )
    assert claim.status_code == 201, claim.get_json()
    path = f"/api/v1/claims/{claim.get_json()['id']}/evidence"
    large = _post_file(provider, path, "evidence", "licence.pdf", rf.PDF + b"0" * SIZE)
    assert large.status_code == 413
    assert large.get_json()["errors"]["evidence"]
    small = _post_file(provider, path, "evidence", "licence.pdf", rf.PDF)
    assert small.status_code == 201, small.get_json()


def test_a_sample_over_its_limit_is_refused(limited, db, store):
    seller = Caller(limited, db, scopes=("catalog:read", "catalog:write"))
    listing = lf.draft_listing(db, store, seller.organisation, seller.user, rf.reviewer(db))
    db.commit()
    path = f"/api/v1/provider/listings/{listing.id}/samples"
    large = _post_file(seller, path, "file", "sample.csv", _csv(SIZE))
    assert large.status_code == 413
    assert large.get_json()["errors"]["file"]
    assert _post_file(seller, path, "file", "sample.csv", _csv(1000)).status_code == 201
