"""The upload page in Chromium: a multi-part file sent to SeaweedFS through presigned URLs (under
the bucket's CORS rules and the page's CSP) and to the local store through the app, one part's
connection failing, the page reloaded and the upload resumed, then the fingerprint shown."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from market import worker
from market.app import create_app
from market.db import utcnow
from market.identity.models import User
from market.registry.models import Asset, AssetVersion
from market.uploads import services
from tests.browser.helpers import overflow, screenshot, sign_in
from tests.browser.pagecheck import LOCALES, WIDTHS, check
from tests.conftest import app_config, s3_config
from tests.registry import factories as rf

pytestmark = pytest.mark.browser

MiB = 1024 * 1024
PART = 5 * MiB


@pytest.fixture(params=["sqlite"])
def engine_kind(request):
    """Pages are exercised on SQLite; the API tests cover PostgreSQL."""
    return request.param


@pytest.fixture(params=["s3", "local"])
def live_app(request, migrated_database_url, tmp_path):
    """The app served on a free port, its files on SeaweedFS or in a directory, 5 MiB parts."""
    overrides = {"TESTING": False, "UPLOAD_PART_BYTES": PART}
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        overrides |= s3_config(request.getfixturevalue("s3_service"), bucket)
    application = create_app(app_config(migrated_database_url, tmp_path / "instance", **overrides))
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    application.url = f"http://127.0.0.1:{server.server_port}"
    store = application.extensions["files"]
    if store.presigns_parts:
        # What docs/files.md asks of an operator's bucket: PUT from the site's own origin.
        store.client.put_bucket_cors(
            Bucket=store.bucket,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": [application.url],
                        "AllowedMethods": ["PUT", "GET"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 3600,
                    }
                ]
            },
        )
    yield application
    server.shutdown()
    thread.join(timeout=10)
    application.extensions["db"].dispose()


@pytest.fixture
def page(browser, live_app):
    """A phone-sized page in English (the status lines are read)."""
    context = browser.new_context(
        locale="en-GB", base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    context.set_default_timeout(30000)
    yield context.new_page()
    context.close()


@pytest.fixture
def asset_of(live_app):
    """``(asset id, owner's e-mail)`` of a provider's new asset with no files yet."""
    with live_app.extensions["db"].unit_of_work() as session:
        organisation, owner = rf.provider(session)
        asset = rf.asset(session, organisation, owner)
        return asset.id, owner.email


def _part_two(url: str) -> bool:
    return "partNumber=2&" in url + "&" or url.endswith("/parts/2")


def test_a_multipart_upload_fails_midway_resumes_after_reload_and_is_fingerprinted(
    page, live_app, asset_of, tmp_path
):
    asset_id, email = asset_of
    data = b"id,reading\n" + os.urandom(3 * PART).hex().encode()[: 2 * PART + 4321]
    path = tmp_path / "readings.csv"
    path.write_bytes(data)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    sign_in(page, email)
    page.goto(f"/registry/assets/{asset_id}")
    page.get_by_test_id("large-upload").click()
    page.wait_for_load_state()

    # The network drops every attempt at part 2; parts 1 and 3 arrive.
    page.route(_part_two, lambda route: route.abort("connectionreset"))
    page.set_input_files("#upload-file", str(path))
    page.get_by_test_id("upload-start").click()
    page.get_by_test_id("upload-resume").wait_for(state="visible")
    assert "connection failed" in page.get_by_test_id("upload-status").inner_text()
    assert page.get_by_test_id("upload-pause").is_hidden()
    stored = len(data) - PART  # parts 1 and 3
    assert page.get_by_test_id("upload-percent").inner_text() == f"{stored * 100 // len(data)}%"
    page.unroute(_part_two)

    # A reload forgets everything in the page; choosing the same file finds its session.
    page.reload()
    row = page.locator("[data-open-upload]")
    assert row.count() == 1 and row.get_attribute("data-name") == "readings.csv"
    sent: list[str] = []
    page.on(
        "request", lambda request: sent.append(request.url) if request.method == "PUT" else None
    )
    page.set_input_files("#upload-file", str(path))
    page.get_by_test_id("upload-start").click()
    page.get_by_text("Computing the fingerprint").wait_for()
    assert len(sent) == 1 and _part_two(sent[0])  # only the missing part went again
    if live_app.extensions["files"].presigns_parts:  # straight to the object store
        assert "X-Amz-Signature=" in sent[0] and not sent[0].startswith(live_app.url)
    else:
        assert sent[0].startswith(live_app.url)

    while worker.run_once(live_app):  # the worker streams the file through SHA-256
        pass
    sha256 = hashlib.sha256(data).hexdigest()
    page.get_by_test_id("upload-status").get_by_text(sha256).wait_for()
    assert page.get_by_test_id("upload-percent").inner_text() == "100%"
    # The list of recent uploads says so too, without a reload, its size in MiB.
    row = page.get_by_test_id("recent-uploads").locator("tbody tr", has_text="readings.csv")
    expect(row).to_contain_text("Fingerprinted and registered")
    expect(row).to_contain_text(sha256)
    expect(row).to_contain_text("10 MiB")
    assert overflow(page) == 0
    screenshot(page, f"upload-{'s3' if live_app.extensions['files'].presigns_parts else 'local'}")
    assert not [text for text in violations if "Content Security Policy" in text]
    with live_app.extensions["db"].unit_of_work() as session:
        version = session.query(AssetVersion).filter_by(asset_id=asset_id).one()
        assert [(f.name, f.size, f.sha256) for f in version.files] == [
            ("readings.csv", len(data), sha256)
        ]


def _part_three(url: str) -> bool:
    return "partNumber=3&" in url + "&" or url.endswith("/parts/3")


def test_a_paused_upload_resumes_with_the_parts_it_lacks(page, live_app, asset_of, tmp_path):
    asset_id, email = asset_of
    data = b"id,reading\n" + os.urandom(3 * PART).hex().encode()[: 2 * PART + 99]
    path = tmp_path / "readings.csv"
    path.write_bytes(data)
    sign_in(page, email)
    page.goto(f"/registry/assets/{asset_id}/upload")
    held = []  # part 3 hangs on a slow network until the provider pauses
    page.route(_part_three, lambda route: held.append(route))
    sent: list[str] = []
    page.on(
        "request", lambda request: sent.append(request.url) if request.method == "PUT" else None
    )
    page.set_input_files("#upload-file", str(path))
    page.get_by_test_id("upload-start").click()
    page.get_by_text("2 of 3 stored").wait_for()
    page.get_by_test_id("upload-pause").click()
    page.get_by_text("Paused. 2 of 3 parts are stored").wait_for()
    assert page.get_by_test_id("upload-resume").is_visible()
    # Fail the held request before unrouting: unrouting ends the interception, which lets a
    # request still held go on to the store (part 3 then arrives and nothing is left to resume).
    for route in held:
        with contextlib.suppress(Exception):  # the browser has given the request up already
            route.abort()
    page.unroute(_part_three)

    sent.clear()
    # The request event may reach the test after the page has moved on; wait for it.
    with page.expect_request(lambda request: request.method == "PUT") as resumed:
        page.get_by_test_id("upload-resume").click()
    page.get_by_text("Computing the fingerprint").wait_for()
    assert _part_three(resumed.value.url)
    assert [url for url in sent if not _part_three(url)] == []  # only the part it lacked
    while worker.run_once(live_app):
        pass
    page.get_by_test_id("upload-status").get_by_text(hashlib.sha256(data).hexdigest()).wait_for()


@pytest.mark.parametrize("live_app", ["local"], indirect=True)
def test_another_file_of_the_same_name_and_size_is_not_mixed_into_an_open_session(
    page, live_app, asset_of, tmp_path
):
    asset_id, email = asset_of
    first = b"id,reading\n" + b"1,2\n" * (PART // 2)
    path = tmp_path / "readings.csv"
    path.write_bytes(first)
    sign_in(page, email)
    page.goto(f"/registry/assets/{asset_id}/upload")
    page.route(_part_two, lambda route: route.abort("connectionreset"))
    page.set_input_files("#upload-file", str(path))
    page.get_by_test_id("upload-start").click()
    page.get_by_test_id("upload-resume").wait_for(state="visible")
    page.unroute(_part_two)

    # The same name and size, other bytes, changed later: a session of its own.
    second = first.replace(b"1,2", b"3,4")
    path.write_bytes(second)
    os.utime(path, (os.stat(path).st_atime, os.stat(path).st_mtime + 60))
    page.reload()
    page.set_input_files("#upload-file", str(path))
    page.get_by_test_id("upload-start").click()
    page.get_by_text("Computing the fingerprint").wait_for()
    while worker.run_once(live_app):
        pass
    page.get_by_test_id("upload-status").get_by_text(hashlib.sha256(second).hexdigest()).wait_for()


@pytest.mark.parametrize("live_app", ["local"], indirect=True)
@pytest.mark.parametrize("language", sorted(LOCALES))
@pytest.mark.parametrize("width", WIDTHS)
def test_the_upload_page_fits_speaks_one_language_and_passes_axe(
    browser, live_app, asset_of, language, width
):
    asset_id, email = asset_of
    with live_app.extensions["db"].unit_of_work() as session:
        asset = session.get(Asset, asset_id)
        owner = session.scalar(sa.select(User).where(User.email == email))
        data = {"name": "trips.csv", "size": 12 * MiB}
        settings = services.settings_from(live_app.config)
        store = live_app.extensions["files"]
        services.begin(session, store, asset, owner, data, settings, utcnow())
    context = browser.new_context(
        locale=LOCALES[language], base_url=live_app.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        sign_in(page, email)
        problems = check(
            page, f"/registry/assets/{asset_id}/upload", f"upload-{language}-{width}", language
        )
    finally:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("live_app", ["local"], indirect=True)
def test_a_file_not_of_its_type_is_refused_in_chinese_with_nothing_left_to_resume(
    browser, live_app, asset_of, tmp_path
):
    asset_id, email = asset_of
    path = tmp_path / "table.parquet"  # CSV text under a Parquet name
    path.write_bytes(b"id,reading\n" + b"1,2\n" * (PART // 2))
    context = browser.new_context(
        locale="zh-CN", base_url=live_app.url, viewport={"width": 375, "height": 800}
    )
    context.set_default_timeout(30000)
    page = context.new_page()
    sign_in(page, email)
    page.goto(f"/registry/assets/{asset_id}/upload")
    page.set_input_files("#upload-file", str(path))
    page.get_by_test_id("upload-start").click()
    status = page.get_by_test_id("upload-status")
    page.get_by_text("已拒绝：文件内容与其类型不符").wait_for()
    assert "does not match" not in status.inner_text()
    assert page.get_by_test_id("upload-start").is_visible()
    assert not page.get_by_test_id("upload-resume").is_visible()
    context.close()


@pytest.mark.parametrize("live_app", ["local"], indirect=True)
def test_a_status_check_lost_while_fingerprinting_is_asked_again(
    page, live_app, asset_of, tmp_path
):
    asset_id, email = asset_of
    data = b"id,reading\n" + b"3,4\n" * (PART // 2)
    path = tmp_path / "readings.csv"
    path.write_bytes(data)
    sign_in(page, email)
    page.goto(f"/registry/assets/{asset_id}/upload")
    lost = []

    def lose_the_first_check(route):
        if route.request.method == "GET" and not lost:
            lost.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.set_input_files("#upload-file", str(path))
    page.get_by_test_id("upload-start").click()
    page.get_by_text("Computing the fingerprint").wait_for()
    page.route("**/registry/uploads/*", lose_the_first_check)
    page.wait_for_timeout(2500)  # the page checks every 2 s: the first check is lost
    while worker.run_once(live_app):
        pass
    page.get_by_test_id("upload-status").get_by_text(hashlib.sha256(data).hexdigest()).wait_for(
        timeout=60000
    )
    assert lost
