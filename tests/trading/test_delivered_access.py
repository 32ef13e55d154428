"""A delivered order tells its buyer how to get the data it is asked to accept: the download
links, or for API delivery the entitlement and the API's addresses (page, mail and manifest)."""

from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa

from market.listings.models import Notification
from tests import factories
from tests.listings import factories as listing_factories
from tests.trading.helpers import pay_by_bank, place, scalars
from tests.web import WebClient, page_text

EN = {"Accept-Language": "en"}


def _delivered_through_the_api(exchange, listing_of):
    package = listing_factories.plan(kind="usage_package", calls=5, name_en="5 calls")
    listing = listing_of(delivery_method="api", plans=[package])
    order = place(exchange, listing)
    pay_by_bank(exchange, order)
    delivered = exchange.api("POST", f"/orders/{order['id']}/deliver", exchange.provider_api)
    assert delivered.status_code == 200, delivered.get_json()
    entitlement = exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()[0]
    return order, entitlement, listing.live_revision.asset_version.files


def _told(exchange, kind: str) -> dict:
    (subject,) = [
        row.subject
        for row in scalars(
            exchange.app,
            sa.select(Notification).where(
                Notification.organisation_id == exchange.buyer.id, Notification.kind == kind
            ),
        )
    ]
    return subject


def test_the_manifest_of_an_api_delivery_lists_addresses_that_read_its_files(exchange, listing_of):
    _order, entitlement, files = _delivered_through_the_api(exchange, listing_of)
    manifest = exchange.api(
        "GET", f"/entitlements/{entitlement['id']}/manifest", exchange.buyer_api
    ).get_json()
    listed = manifest["files"][0]
    assert listed["expires"] is None
    assert listed["url"] == (
        f"/api/v1/entitlements/{entitlement['id']}/records?file_id={files[0].id}"
    )
    read = exchange.api("GET", listed["url"].removeprefix("/api/v1"), exchange.buyer_api)
    assert read.status_code == 200 and read.get_json()["lines"]


def test_the_delivered_api_order_page_says_how_to_read_the_data(exchange, listing_of):
    order, entitlement, files = _delivered_through_the_api(exchange, listing_of)
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    html = web.get(f"/orders/{order['id']}", headers=EN).get_data(as_text=True)
    access = html.split('data-testid="api-access"', 1)[1].split("</div>", 1)[0]
    text = page_text(access)
    assert f"Entitlement ID: {entitlement['id']}" in text
    assert f"GET /api/v1/entitlements/{entitlement['id']}/manifest" in text
    assert f"GET /api/v1/entitlements/{entitlement['id']}/records?file_id={files[0].id}" in text
    assert f'href="/organisations/{exchange.buyer.id}/clients"' in access
    assert 'href="/api/openapi.json"' in access


def test_the_delivered_mail_says_how_to_get_the_data(exchange, listing, listing_of):
    _order, entitlement, _files = _delivered_through_the_api(exchange, listing_of)
    told = _told(exchange, "order.delivered")
    assert f"entitlement {entitlement['id']}" in told["en"]
    assert f"/api/v1/entitlements/{entitlement['id']}/records?file_id=" in told["en"]
    assert f"权益编号 {entitlement['id']}" in told["zh"]
    # Each sentence says what the call gives, to its end: "reads one" left the reader asking
    # one of what.
    assert "reads a file's records (its file_id is in the manifest)" in told["en"]
    assert "读取其中一个文件的内容（file_id 见清单）" in told["zh"]


def test_a_delivered_file_order_tells_the_buyer_to_download_from_its_page(exchange, listing):
    pay_by_bank(exchange, place(exchange, listing))
    told = _told(exchange, "order.delivered")
    assert "Download the files from the order's page" in told["en"]
    assert "请在订单页面下载文件" in told["zh"]


def test_an_order_names_its_entitlement_once_delivered(exchange, listing_of):
    package = listing_factories.plan(kind="usage_package", calls=5, name_en="5 calls")
    order = place(exchange, listing_of(delivery_method="api", plans=[package]))
    pay_by_bank(exchange, order)
    paid = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert paid["entitlement_id"] is None
    delivered = exchange.api("POST", f"/orders/{order['id']}/deliver", exchange.provider_api)
    assert delivered.get_json()["entitlement_id"] is not None
    entitlement = exchange.api("GET", "/entitlements", exchange.buyer_api).get_json()[0]
    read = exchange.api("GET", f"/orders/{order['id']}", exchange.buyer_api).get_json()
    assert read["entitlement_id"] == entitlement["id"]
    schema = exchange.app.test_client().get("/api/openapi.json").get_json()["components"]["schemas"]
    assert schema["Order"]["properties"]["entitlement_id"]["readOnly"] is True


DELIVERY_NOTE = "数据已开通：用 deliveries:read 的客户端读取。\n问题请联系 data@provider.cn"


def test_the_provider_s_delivery_note_reaches_the_buyer_on_the_page_and_by_mail(
    exchange, listing_of, drain
):
    package = listing_factories.plan(kind="usage_package", calls=5, name_en="5 calls")
    order = place(exchange, listing_of(delivery_method="api", plans=[package]))
    pay_by_bank(exchange, order)
    path = f"/orders/{order['id']}/deliver"
    delivered = exchange.api("POST", path, exchange.provider_api, json={"note": DELIVERY_NOTE})
    assert delivered.status_code == 200, delivered.get_json()
    web = WebClient(exchange.app)
    web.log_in(exchange.buyer_user.email, factories.PASSWORD)
    html = web.get(f"/orders/{order['id']}", headers=EN).get_data(as_text=True)
    assert "问题请联系 data@provider.cn" in html
    assert _told(exchange, "order.delivered")["en"].endswith("The provider's note follows:")
    # The notice that says a note follows shows it, its lines kept.
    listed = web.get("/notifications", headers=EN).get_data(as_text=True)
    assert "数据已开通：用 deliveries:read 的客户端读取。\n问题请联系 data@provider.cn" in listed
    drain()
    folder = Path(exchange.app.config["MAIL_SINK"].removeprefix("file:"))
    bodies = [
        message.get_content()
        for message in (
            message_from_bytes(mail.read_bytes(), policy=policy.default)
            for mail in folder.glob("*.eml")
        )
        if message["To"].lower() == exchange.buyer_user.email.lower()
    ]
    assert any(DELIVERY_NOTE in body for body in bodies)


def test_a_delivery_note_too_long_is_refused_naming_it_at_both_doors(exchange, listing_of):
    package = listing_factories.plan(kind="usage_package", calls=5, name_en="5 calls")
    order = place(exchange, listing_of(delivery_method="api", plans=[package]))
    pay_by_bank(exchange, order)
    path = f"/orders/{order['id']}/deliver"
    refused = exchange.api("POST", path, exchange.provider_api, json={"note": "x" * 2001})
    assert refused.status_code == 422
    assert list(refused.get_json()["errors"]) == ["note"]
    web = WebClient(exchange.app)
    web.log_in(exchange.provider_user.email, factories.PASSWORD)
    page = f"/orders/{order['id']}"
    form = {"note": "x" * 2001}
    answer = web.submit(path, form, page=page, headers=EN)
    assert answer.status_code == 422
    assert 'id="note-error"' in answer.get_data(as_text=True)
    assert exchange.api("GET", page, exchange.buyer_api).get_json()["status"] == "paid"
    done = web.submit(path, {"note": "Fetch it with your API client."}, page=page)
    assert done.status_code == 302
    assert exchange.api("GET", page, exchange.buyer_api).get_json()["status"] == "delivered"
