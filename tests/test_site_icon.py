"""Every page names the exchange's icon, so browsers stop asking for a missing one."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("path", ["/", "/market", "/demands", "/verify"])
def test_pages_link_a_small_svg_icon_that_is_served(client, path):
    html = client.get(path).get_data(as_text=True)
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert link, "no icon link"
    with client.get(link.group(1)) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert len(icon.data) < 2048 and icon.data.startswith(b"<svg")
