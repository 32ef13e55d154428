"""Delivering files that scale: presigned or streamed downloads, range resumes that are not
counted twice, and a manifest a buyer verifies with the few lines of Python in docs/files.md."""

from __future__ import annotations

import hashlib
import html
import re
import time
import urllib.error
import urllib.request

import pytest

from market.registry.assets import merkle_root
from tests import factories
from tests.conftest import ROOT, s3_config
from tests.trading.helpers import pay_by_card, place
from tests.web import WebClient

FILES = {
    "stops.csv": "id,站点\n1,福田\n2,南山\n".encode(),
    "lines.json": b'{"lines": [1, 2, 3]}',
    "readme.md": "# 深圳公交\n".encode() + b"x" * 5000,
}


@pytest.fixture(params=["local", "s3"])
def trading_config(request) -> dict:
    """Every test here runs with files on the local store and on SeaweedFS."""
    if request.param == "local":
        return {}
    return s3_config(request.getfixturevalue("s3_service"), request.getfixturevalue("s3_bucket"))


@pytest.fixture
def dataset(listing_of):
    """A published listing of a three-file dataset."""
    return listing_of(files=FILES)


def _entitlement(exchange, listing) -> int:
    order = place(exchange, listing)
    pay_by_card(exchange, order["id"])
    return exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()[0]["id"]


def _fetch(exchange, link: str, byte_range: str | None = None) -> tuple[int, bytes]:
    """Follow a signed link as a buyer's client does: to the bytes, wherever they are."""
    extra = {"Range": byte_range} if byte_range else {}
    response = exchange.api(
        "GET", link.removeprefix("/api/v1"), exchange.buyer_api, extra_headers=extra
    )
    if response.status_code != 302:
        body = response.get_data()
        response.close()
        return response.status_code, body
    request = urllib.request.Request(response.headers["Location"], headers=extra)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def _manifest(exchange, entitlement_id: int) -> dict:
    response = exchange.api("GET", f"/entitlements/{entitlement_id}/manifest", exchange.buyer_api)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_manifest_verifies_with_the_documented_python(exchange, dataset, tmp_path):
    manifest = _manifest(exchange, _entitlement(exchange, dataset))
    assert sorted(file["name"] for file in manifest["files"]) == sorted(FILES)
    hashes = [hashlib.sha256(content).hexdigest() for content in FILES.values()]
    assert manifest["merkle_root"] == merkle_root(hashes)
    for file in manifest["files"]:
        status, body = _fetch(exchange, file["url"])
        assert status == 200
        (tmp_path / file["name"]).write_bytes(body)
    # The snippet of docs/files.md, run as written: it must accept the delivery ...
    snippet = re.search(r"```python\n(.*?)```", (ROOT / "docs" / "files.md").read_text(), re.S)
    namespace: dict = {}
    exec(snippet.group(1), namespace)  # noqa: S102 - our own documentation
    namespace["verify"](manifest, tmp_path)
    # ... and refuse a file changed in transit.
    (tmp_path / "stops.csv").write_bytes(b"id,tampered\n")
    with pytest.raises(AssertionError):
        namespace["verify"](manifest, tmp_path)


def test_a_range_resume_is_served_and_not_counted_again(exchange, dataset, app):
    app.config["MAX_DOWNLOADS"] = 1
    manifest = _manifest(exchange, _entitlement(exchange, dataset))
    file = next(f for f in manifest["files"] if f["name"] == "readme.md")
    content = FILES["readme.md"]
    status, body = _fetch(exchange, file["url"], "bytes=0-99")
    assert status == 206 and body == content[:100]
    # The connection dropped after 100 bytes: the rest, without spending another download.
    status, rest = _fetch(exchange, file["url"], "bytes=100-")
    assert status == 206 and body + rest == content
    assert hashlib.sha256(body + rest).hexdigest() == file["sha256"]
    # A new download of another file is counted, and the limit holds.
    other = next(f for f in manifest["files"] if f["name"] == "stops.csv")
    assert _fetch(exchange, other["url"])[0] == 409


def test_a_resume_without_a_counted_download_is_counted(exchange, dataset, app):
    app.config["MAX_DOWNLOADS"] = 1
    manifest = _manifest(exchange, _entitlement(exchange, dataset))
    first, second = manifest["files"][0], manifest["files"][1]
    assert _fetch(exchange, first["url"], "bytes=1-")[0] == 206
    assert _fetch(exchange, second["url"], "bytes=1-")[0] == 409


@pytest.mark.parametrize("trading_config", ["s3"], indirect=True)
def test_a_presigned_download_replayed_after_expiry_is_refused(exchange, dataset, app):
    app.config["DOWNLOAD_LINK_TTL"] = 5  # room for a loaded machine to make the first fetch
    manifest = _manifest(exchange, _entitlement(exchange, dataset))
    response = exchange.api(
        "GET", manifest["files"][0]["url"].removeprefix("/api/v1"), exchange.buyer_api
    )
    presigned = response.headers["Location"]
    with urllib.request.urlopen(presigned, timeout=30) as answer:
        assert answer.status == 200
    time.sleep(6)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(presigned, timeout=30)
    refused.value.close()
    assert refused.value.code == 403


def test_the_buyers_page_link_hands_over_the_file_with_ranges(exchange, dataset):
    order = place(exchange, dataset)
    pay_by_card(exchange, order["id"])
    buyer = WebClient(exchange.app)
    buyer.log_in(exchange.buyer_user.email, factories.PASSWORD)
    page = buyer.get(f"/orders/{order['id']}").get_data(as_text=True)
    link = html.unescape(re.search(r'href="(/deliveries/[^"]+)"', page).group(1))
    response = buyer.get(link, headers={"Range": "bytes=0-1"})
    if response.status_code == 302:  # the object store serves it
        request = urllib.request.Request(
            response.headers["Location"], headers={"Range": "bytes=0-1"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, body = answer.status, answer.read()
    else:
        status, body = response.status_code, response.get_data()
    response.close()
    assert status == 206 and body in {content[:2] for content in FILES.values()}


def test_the_buyers_page_offers_a_manifest_that_verifies(exchange, dataset):
    order = place(exchange, dataset)
    pay_by_card(exchange, order["id"])
    buyer = WebClient(exchange.app)
    buyer.log_in(exchange.buyer_user.email, factories.PASSWORD)
    page = buyer.get(f"/orders/{order['id']}").get_data(as_text=True)
    root = merkle_root([hashlib.sha256(content).hexdigest() for content in FILES.values()])
    assert root in page
    link = re.search(r'href="(/orders/\d+/manifest)"', page).group(1)
    response = buyer.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    manifest = response.get_json()
    assert manifest["merkle_root"] == root
    for file in manifest["files"]:
        assert file["sha256"] == hashlib.sha256(FILES[file["name"]]).hexdigest()
        assert file["size"] == len(FILES[file["name"]])
        fetched = buyer.get(file["url"].removeprefix("http://localhost"))
        if fetched.status_code == 302:  # the object store serves it
            with urllib.request.urlopen(fetched.headers["Location"], timeout=30) as answer:
                body = answer.read()
        else:
            body = fetched.get_data()
        fetched.close()
        assert hashlib.sha256(body).hexdigest() == file["sha256"]


def test_only_the_buyer_gets_the_manifest(exchange, dataset):
    order = place(exchange, dataset)
    pay_by_card(exchange, order["id"])
    provider = WebClient(exchange.app)
    provider.log_in(exchange.provider_user.email, factories.PASSWORD)
    assert provider.get(f"/orders/{order['id']}/manifest").status_code in (403, 404)


@pytest.mark.parametrize("trading_config", ["local"], indirect=True)
@pytest.mark.parametrize(
    "byte_range", ["bytes=5-2", "bytes=abc", "bytes=0-1,5-6", "items=0-5", "bytes 0-5"]
)
def test_a_range_we_do_not_serve_is_ignored_and_the_download_counted(
    exchange, dataset, app, byte_range
):
    app.config["MAX_DOWNLOADS"] = 1
    manifest = _manifest(exchange, _entitlement(exchange, dataset))
    file = next(f for f in manifest["files"] if f["name"] == "readme.md")
    assert _fetch(exchange, file["url"], byte_range) == (200, FILES["readme.md"])
    other = next(f for f in manifest["files"] if f["name"] == "stops.csv")
    assert _fetch(exchange, other["url"], byte_range)[0] == 409


@pytest.mark.parametrize("trading_config", ["local"], indirect=True)
def test_a_range_past_the_end_is_416_giving_the_length(exchange, dataset):
    manifest = _manifest(exchange, _entitlement(exchange, dataset))
    file = next(f for f in manifest["files"] if f["name"] == "readme.md")
    response = exchange.api(
        "GET",
        file["url"].removeprefix("/api/v1"),
        exchange.buyer_api,
        extra_headers={"Range": "bytes=999999-"},
    )
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(FILES['readme.md'])}"


@pytest.mark.parametrize("trading_config", ["local"], indirect=True)
def test_a_suffix_range_is_a_resume_and_one_longer_than_the_file_gets_it_whole(
    exchange, dataset, app
):
    app.config["MAX_DOWNLOADS"] = 1
    manifest = _manifest(exchange, _entitlement(exchange, dataset))
    file = next(f for f in manifest["files"] if f["name"] == "readme.md")
    content = FILES["readme.md"]
    assert _fetch(exchange, file["url"]) == (200, content)  # the one download allowed
    for _ in range(3):  # the last bytes again, as a client checking its copy does
        assert _fetch(exchange, file["url"], "bytes=-5") == (206, content[-5:])
    # A suffix longer than the file is the whole file (RFC 9110), not a 416.
    assert _fetch(exchange, file["url"], f"bytes=-{len(content) + 100}") == (200, content)
