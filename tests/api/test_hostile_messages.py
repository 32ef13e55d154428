"""Multipart parts without a name answer a 422 naming Content-Disposition, never a 500."""

from tests.api.test_hostile_input import caller  # noqa: F401 (a fixture)


def test_two_form_parts_without_a_name_are_refused_naming_content_disposition(caller):  # noqa: F811
    api, headers, organisation = caller
    boundary = "b0undary"
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="\\"\r\n\r\nx\r\n'
    body = (part * 2 + f"--{boundary}--\r\n").encode()
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/verification",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert list(response.get_json()["errors"]) == ["Content-Disposition"]
