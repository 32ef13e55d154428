"""Every page names the exchange's icon, so browsers stop asking for a missing one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


@pytest.mark.parametrize("path", ["/", "/market", "/demands", "/verify"])
def test_pages_link_a_small_svg_icon_that_is_served(client, path):
    html = client.get(path).get_data(as_text=True)
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert link, "no icon link"
    with client.get(link.group(1)) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert len(icon.data) < 2048 and icon.data.startswith(b"<svg")


def test_every_page_of_its_own_links_the_icon():
    """Pages that do not extend ``base.html`` (the printable certificate and valuation report)
    write their own ``<head>``: each must name the icon too."""
    templates = Path(__file__).resolve().parents[1] / "templates"
    heads = [path for path in templates.rglob("*.html") if "<head>" in path.read_text()]
    assert len(heads) >= 3
    missing = [
        str(path.relative_to(templates))
        for path in heads
        if "url_for('static', filename='favicon.svg')" not in path.read_text()
    ]
    assert missing == []
