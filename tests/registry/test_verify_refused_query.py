"""The certificate look-up refuses a number holding a control character beside its box."""


def test_a_refused_certificate_number_is_shown_beside_the_box(client):
    response = client.get("/verify?number=SZDX%00-1", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="number-error">Text may not hold control characters.<' in html
    assert 'value="SZDX' in html
