"""The appraiser's inputs editor: money shown in yuan as on every other page, and comparables
that stay where the appraiser saw them after saving."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from market.db import utcnow
from market.trading.models import OrderStatus
from tests.listings import factories as lf
from tests.registry import factories as rf
from tests.valuation.test_listing_badge import _order
from tests.valuation.test_pages import _flow

ENGLISH = {"Accept-Language": "en"}
ROW = re.compile(r'data-testid="comparable-row"><legend>([^<]*)</legend>')
INPUT = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"')


def _trades(db, store, holding):
    """Two settled trades of the valued asset's provider: a recent one (ranked first) at
    ¥7,650.00 and an old one."""
    organisation, owner, _asset = holding
    listing = lf.published_listing(db, store, organisation, owner, rf.reviewer(db))
    buyer, _ = rf.provider(db)
    now = utcnow()
    recent = _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=5), 765_000)
    old = _order(db, listing, buyer, OrderStatus.SETTLED, now - timedelta(days=600), 500_000)
    db.commit()
    return f"order:{recent.reference or recent.id}", f"order:{old.reference or old.id}"


def _comparable_fields(page: str) -> dict:
    """The comparable rows' fields as the page fills them, no trade ticked."""
    return {
        name: html.unescape(value)
        for name, value in INPUT.findall(page)
        if name.startswith("comp") and not name.endswith("_include")
    }


def _rows(page: str) -> list[str]:
    return [html.unescape(legend) for legend in ROW.findall(page)]


def test_money_on_the_editor_is_in_yuan(app, client, db, store, holding, appraiser):
    _trades(db, store, holding)
    staff, report_path, _action = _flow(app, client, holding, appraiser)
    chinese = staff.get(report_path).get_data(as_text=True)
    assert "以 CNY 计" not in chinese and "7650.00 CNY" not in chinese
    assert "以元计" in chinese
    assert "¥7,650.00" in chinese
    english = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert "In CNY" not in english and "In yuan" in english
    assert "¥7,650.00" in english


def test_amounts_are_typed_as_yuan_decimal_strings(app, client, db, store, holding, appraiser):
    staff, report_path, action = _flow(app, client, holding, appraiser)
    form = {
        "weight_market": "1",
        "comp0_source": "entered",
        "comp0_price": "7,650.5",
        "qo_coefficient": "1",
        "qo_reason": "checked by hand",
        "disclosure_classification": "unrecognised",
    }
    saved = staff.submit(f"{action}/inputs", form, page=report_path)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = staff.get(report_path).get_data(as_text=True)
    assert 'value="7650.50"' in page  # read back in the editor as yuan
    assert "¥7,650.50" in page  # and shown as money in the inputs summary


def test_comparables_keep_the_order_the_appraiser_saw(app, client, db, store, holding, appraiser):
    recent, old = _trades(db, store, holding)
    staff, report_path, action = _flow(app, client, holding, appraiser)
    before = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    own = "Comparable of your own"
    # Titled by the order's number (its reference without the "order:" of the stored code).
    shown = [f"Trade {reference.removeprefix('order:')}" for reference in (recent, old)]
    assert _rows(before) == [*shown, own, own]
    # Count the second trade only, and a comparable of one's own below it.
    fields = _comparable_fields(before)
    fields.update(
        weight_market="1",
        comp1_include="1",
        comp2_price="6000",
        comp2_reference="own survey",
        comp3_price="6500",
        comp3_reference="second survey",
        qo_coefficient="1",
        qo_reason="checked by hand",
        disclosure_classification="unrecognised",
    )
    saved = staff.submit(f"{action}/inputs", fields, page=report_path)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    after = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert _rows(after)[:4] == [*shown, own, own]
    assert 'name="comp1_include" value="1" checked' in after
    assert 'name="comp0_include" value="1" checked' not in after
    assert re.search(r'name="comp2_reference"[^>]*value="own survey"', after)
    assert re.search(r'name="comp3_reference"[^>]*value="second survey"', after)
    # Saving the same form again changes nothing.
    fields = _comparable_fields(after)
    fields.update(comp1_include="1", weight_market="1", qo_coefficient="1", qo_reason="again")
    fields["disclosure_classification"] = "unrecognised"
    staff.submit(f"{action}/inputs", fields, page=report_path)
    again = staff.get(report_path, headers=ENGLISH).get_data(as_text=True)
    assert _rows(again)[:4] == _rows(after)[:4]
