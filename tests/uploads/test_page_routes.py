"""The upload page's JSON routes: signed in by the session, guarded by the CSRF header, and
refusing bad input with the API's JSON error body (the page's script shows its message)."""

from __future__ import annotations

import hashlib
import os
import urllib.request

import pytest

from market import worker
from tests import factories
from tests.uploads.conftest import MiB
from tests.web import WebClient


class Member:
    """A provider's member signed in on the web, with the CSRF header of their session."""

    def __init__(self, app, caller) -> None:
        self.web = WebClient(app)
        self.web.log_in(caller.user.email, factories.PASSWORD)
        self.asset_id = caller.asset()
        page = f"/registry/assets/{self.asset_id}/upload"
        self.headers = {"X-CSRFToken": self.web.csrf_token(page)}

    def call(self, method: str, path: str, json=None, **kwargs):
        return self.web.raw.open(path, method=method, json=json, headers=self.headers, **kwargs)

    def begin(self, body: dict):
        return self.call("POST", f"/registry/assets/{self.asset_id}/upload/sessions", body)


@pytest.fixture
def member(app, provider):
    return Member(app, provider)


def _send_parts(member: Member, upload: dict, data: bytes, numbers: list[int]) -> None:
    targets = member.call("POST", f"/registry/uploads/{upload['id']}/parts", {"parts": numbers})
    assert targets.status_code == 200, targets.get_json()
    for target in targets.get_json():
        start = (target["number"] - 1) * upload["part_size"]
        piece = data[start : start + target["size"]]
        if target["url"].startswith("http"):  # presigned: straight to the object store
            request = urllib.request.Request(target["url"], data=piece, method="PUT")
            with urllib.request.urlopen(request, timeout=60) as answer:
                assert answer.status == 200
        else:
            sent = member.call("PUT", target["url"], data=piece)
            assert sent.status_code == 200, sent.get_json()


def test_the_page_routes_take_a_file_in_parts_to_a_registered_version(app, member):
    data = b"id,value\n" + os.urandom(6 * MiB).hex().encode()[: 6 * MiB]
    begun = member.begin({"name": "values.csv", "size": len(data), "part_size": 5 * MiB})
    assert begun.status_code == 201, begun.get_json()
    upload = begun.get_json()
    _send_parts(member, upload, data, [1, 2])
    done = member.call("POST", f"/registry/uploads/{upload['id']}/complete")
    assert done.status_code == 202, done.get_json()
    while worker.run_once(app):
        pass
    shown = member.call("GET", f"/registry/uploads/{upload['id']}").get_json()
    assert shown["state"] == "registered"
    assert shown["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "values.csv"}, 422, "size"),
        ({"name": "values.csv", "size": "many"}, 422, "size"),
        ({"size": 10}, 422, "name"),
        ({"name": "values.exe", "size": 10}, 422, "name"),
        ({"name": "values.csv", "size": 2**41}, 413, "size"),
        ({"name": "values.csv", "size": 20 * MiB, "part_size": 1}, 422, "part_size"),
    ],
)
def test_bad_sessions_are_refused_as_json_naming_the_field(member, body, status, field):
    response = member.begin(body)
    assert response.status_code == status
    assert field in response.get_json()["errors"], response.get_json()


def test_a_missing_part_is_named_on_completion(member):
    upload = member.begin({"name": "values.csv", "size": 11 * MiB, "part_size": 5 * MiB})
    token = upload.get_json()["id"]
    response = member.call("POST", f"/registry/uploads/{token}/complete")
    assert response.status_code == 422
    assert response.get_json()["errors"]["missing"] == [1, 2, 3]


def test_a_refused_completion_is_recorded_on_the_session(member):
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(6 * MiB)
    begun = member.begin({"name": "values.csv", "size": len(data), "part_size": 5 * MiB})
    upload = begun.get_json()
    _send_parts(member, upload, data, [1, 2])
    refused = member.call("POST", f"/registry/uploads/{upload['id']}/complete")
    assert refused.status_code == 422 and "name" in refused.get_json()["errors"]
    # The refusal outlives the request's rolled-back unit of work.
    shown = member.call("GET", f"/registry/uploads/{upload['id']}").get_json()
    assert shown["state"] == "rejected" and shown["error"]["errors"]["name"]


def test_another_organisations_session_is_not_found(app, member, stranger):
    token = member.begin({"name": "values.csv", "size": 10}).get_json()["id"]
    other = Member(app, stranger)
    for method, path in (
        ("GET", f"/registry/uploads/{token}"),
        ("POST", f"/registry/uploads/{token}/complete"),
        ("POST", f"/registry/uploads/{token}/abort"),
    ):
        assert other.call(method, path).status_code == 404
    assert other.call("POST", f"/registry/uploads/{token}/parts", {"parts": [1]}).status_code == 404


def test_without_the_csrf_header_nothing_is_opened(member):
    response = member.web.raw.post(
        f"/registry/assets/{member.asset_id}/upload/sessions",
        json={"name": "values.csv", "size": 10},
    )
    assert response.status_code == 400
    page = member.web.get(f"/registry/assets/{member.asset_id}/upload").get_data(as_text=True)
    assert "data-open-upload" not in page


def test_the_page_needs_a_member_of_the_assets_organisation(app, member, stranger):
    other = Member(app, stranger)
    assert other.web.get(f"/registry/assets/{member.asset_id}/upload").status_code == 404
    anonymous = app.test_client().get(f"/registry/assets/{member.asset_id}/upload")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
