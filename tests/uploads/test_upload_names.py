"""A file name is taken as sent or refused naming the field, never changed without a word."""

import io

import pytest


@pytest.mark.parametrize(
    "name", ["../x.csv", "a/../x.csv", "dir/x.csv", "..\\x.csv", "C:\\data\\x.csv", "/etc/x.csv"]
)
def test_an_upload_name_holding_a_folder_is_refused_naming_it(provider, name):
    response = provider.begin(provider.asset(), name, 10)
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]) == ["name"]


@pytest.mark.parametrize("name", ["../x.csv", "a/../../x.csv"])
def test_a_multipart_file_name_climbing_out_of_its_folder_is_refused(provider, name):
    response = provider.raw.post(
        f"/api/v1/assets/{provider.asset()}/versions",
        data={"file": (io.BytesIO(b"a,b\n1,2\n"), name)},
        headers=provider.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]) == ["file"]
