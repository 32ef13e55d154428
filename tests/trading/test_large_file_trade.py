"""A large file through the whole exchange: uploaded in parts (one dropped and resumed),
fingerprinted, claimed, certified, listed, bought, paid and downloaded with a range resume
after a dropped connection — every step through the API, the file on SeaweedFS (and on the
local store), and the bytes the buyer ends with hashed against what the provider sent."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

import pytest

from market import worker
from market.db import utcnow
from market.registry import certificates
from tests.conftest import s3_config
from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.trading.helpers import pay_by_card, token_headers

MiB = 1024 * 1024
PART = 5 * MiB  # the object store's smallest part
PROVIDER_SCOPES = ["registry:read", "registry:write", "catalog:read", "catalog:write"]


@pytest.fixture(params=["s3", "local"])
def trading_config(request) -> dict:
    """The flow on SeaweedFS (parts presigned) and on the local store (parts via the API)."""
    if request.param == "local":
        return {}
    return s3_config(request.getfixturevalue("s3_service"), request.getfixturevalue("s3_bucket"))


def _data(size: int) -> bytes:
    head = b"id,reading\n"
    return head + os.urandom(size).hex().encode()[: size - len(head)]


def _ok(response, status=200) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    return body


def _put(exchange, headers, target: dict, body: bytes) -> int:
    """PUT a part where its target points: the object store, or this API."""
    if target["url"].startswith("http"):
        request = urllib.request.Request(target["url"], data=body, method="PUT")
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    response = exchange.app.test_client().put(
        target["url"],
        data=body,
        headers={**headers, "Content-Type": "application/octet-stream"},
    )
    return response.status_code


def _cut_put(target: dict, body: bytes) -> None:
    """Start a presigned PUT and drop the connection halfway, as a broken network would."""
    url = urllib.parse.urlsplit(target["url"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    connection.putrequest("PUT", f"{url.path}?{url.query}", skip_accept_encoding=True)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    connection.send(body[: len(body) // 2])
    connection.sock.close()


def _upload(exchange, headers, asset_id: int, name: str, data: bytes) -> dict:
    """The provider's resumable upload: every part but one sent, that one cut off midway, the
    session asked what it holds, the missing part sent again, then completion."""
    upload = _ok(
        exchange.api(
            "POST",
            f"/assets/{asset_id}/uploads",
            headers,
            json={"name": name, "size": len(data), "part_size": PART},
        ),
        201,
    )
    pieces = [data[i : i + PART] for i in range(0, len(data), PART)]
    assert upload["part_count"] == len(pieces) >= 3
    numbers = list(range(1, len(pieces) + 1))
    targets = _ok(
        exchange.api("POST", f"/uploads/{upload['id']}/parts", headers, json={"parts": numbers})
    )
    dropped = 2
    for target in targets:
        piece = pieces[target["number"] - 1]
        if target["number"] != dropped:
            assert _put(exchange, headers, target, piece) == 200
        elif target["url"].startswith("http"):
            _cut_put(target, piece)
        else:  # through the API the cut arrives as a short body, which is refused whole
            assert _put(exchange, headers, target, piece[: len(piece) // 2]) == 422
    shown = _ok(exchange.api("GET", f"/uploads/{upload['id']}", headers))
    stored = {part["number"] for part in shown["stored_parts"]}
    assert stored == set(numbers) - {dropped}
    again = _ok(
        exchange.api("POST", f"/uploads/{upload['id']}/parts", headers, json={"parts": [dropped]})
    )
    assert _put(exchange, headers, again[0], pieces[dropped - 1]) == 200
    _ok(exchange.api("POST", f"/uploads/{upload['id']}/complete", headers), 202)
    while worker.run_once(exchange.app):  # the worker streams the object through SHA-256
        pass
    return _ok(exchange.api("GET", f"/uploads/{upload['id']}", headers))


def _certify(exchange, headers, asset_id: int) -> None:
    """Claim the rights, attach evidence, submit; the reviewer approves; the notice passes."""
    claim = _ok(
        exchange.api(
            "POST",
            "/claims",
            headers,
            json={
                "asset_id": asset_id,
                "rights": ["holding", "processing_use", "product_operation"],
                "source": "self_collected",
            },
        ),
        201,
    )
    _ok(
        exchange.api(
            "POST",
            f"/claims/{claim['id']}/evidence",
            headers,
            data={"evidence": (io.BytesIO(rf.PDF), "licence.pdf")},
            content_type="multipart/form-data",
        ),
        201,
    )
    _ok(exchange.api("POST", f"/claims/{claim['id']}/submit", headers))
    decisions = f"/review/claims/{claim['id']}/decisions"
    for action in ("start_review", "approve"):
        _ok(exchange.api("POST", decisions, exchange.review_api, json={"action": action}))
    # The public notice runs its working days with no objection.
    with exchange.app.extensions["db"].unit_of_work() as session:
        issued = certificates.issue_due_certificates(session, utcnow() + timedelta(days=14))
    assert [certificate.claim_id for certificate in issued] == [claim["id"]]


def _list(exchange, headers, asset_id: int) -> int:
    """Draft the listing, submit it; compliance approves it."""
    listing = _ok(
        exchange.api("POST", "/provider/listings", headers, json=lf.listing_data(asset_id)), 201
    )
    _ok(exchange.api("POST", f"/provider/listings/{listing['id']}/submit", headers))
    review = {"decision": "approved", "personal_info": "none", "important_data": False}
    _ok(
        exchange.api("POST", f"/reviews/listings/{listing['id']}", exchange.review_api, json=review)
    )
    return listing["id"]


def _fetch(exchange, url: str, byte_range: str, cut_after: int | None = None) -> bytes:
    """Follow a signed link with a range, wherever the bytes are; ``cut_after`` stops reading
    there and drops the connection."""
    headers = {"Range": byte_range}
    response = exchange.api(
        "GET", url.removeprefix("/api/v1"), exchange.buyer_api, extra_headers=headers
    )
    if response.status_code == 302:  # the object store serves it
        request = urllib.request.Request(response.headers["Location"], headers=headers)
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert answer.status == 206
            return answer.read(cut_after) if cut_after else answer.read()
    assert response.status_code == 206, response.get_data()[:200]
    with response:
        body = b""
        for chunk in response.response:
            body += chunk
            if cut_after and len(body) >= cut_after:
                return body[:cut_after]
        return body


def test_a_multipart_file_is_uploaded_certified_sold_and_downloaded_whole(exchange, db, app):
    data = _data(3 * PART + 321_123)  # four parts, the last one short
    provider = token_headers(app, db, exchange.provider, PROVIDER_SCOPES)
    asset = _ok(
        exchange.api(
            "POST",
            "/assets",
            provider,
            json={
                "kind": "dataset",
                "title_zh": "深圳地铁刷卡记录",
                "title_en": "Shenzhen metro tap records",
                "industry": "transport",
                "keywords": ["地铁", "metro"],
            },
        ),
        201,
    )
    upload = _upload(exchange, provider, asset["id"], "taps.csv", data)
    assert upload["state"] == "registered", upload
    sha256 = hashlib.sha256(data).hexdigest()
    assert upload["sha256"] == sha256

    _certify(exchange, provider, asset["id"])
    listing_id = _list(exchange, provider, asset["id"])
    listing = _ok(exchange.api("GET", f"/listings/{listing_id}", exchange.buyer_api))
    assert listing["status"] == "published"

    order = _ok(
        exchange.api(
            "POST",
            "/orders",
            exchange.buyer_api,
            json={"plan_id": listing["live"]["plans"][0]["id"], "usage_scenario": "research"},
            extra_headers={"Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    pay_by_card(exchange, order["id"])
    entitlement = _ok(exchange.api("GET", "/entitlements", exchange.buyer_api))[0]
    manifest = _ok(
        exchange.api("GET", f"/entitlements/{entitlement['id']}/manifest", exchange.buyer_api)
    )
    [file] = manifest["files"]
    assert (file["name"], file["size"], file["sha256"]) == ("taps.csv", len(data), sha256)

    # The connection drops after 7 MiB; the buyer resumes from there and ends with every byte.
    first = _fetch(exchange, file["url"], "bytes=0-", cut_after=7 * MiB)
    assert len(first) == 7 * MiB
    rest = _fetch(exchange, file["url"], f"bytes={len(first)}-")
    assert hashlib.sha256(first + rest).hexdigest() == sha256
    after = _ok(exchange.api("GET", f"/entitlements/{entitlement['id']}", exchange.buyer_api))
    assert after["downloads_used"] == 1  # the resume was not counted again
