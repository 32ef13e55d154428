"""Required boxes are marked before the form is sent, and the Chinese ones say why they are
asked of a firm that writes in English."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.listings import factories as lf
from tests.registry import factories as rf

ENGLISH = {"Accept-Language": "en"}


def _box(html: str, name: str) -> str:
    """The opening tag of the input or textarea named ``name``."""
    return re.search(rf'<(?:input|textarea) id="{name}"[^>]*>', html).group(0)


def _label(html: str, name: str) -> str:
    return re.search(rf'<label for="{name}">(.*?)</label>', html, re.S).group(1)


def _assert_required(html: str, name: str, label: str) -> None:
    box = _box(html, name)
    assert " required " in box and 'aria-required="true"' in box
    assert _label(html, name).startswith(label)
    assert 'class="required-mark" aria-hidden="true">*<' in _label(html, name)


def _assert_optional(html: str, name: str) -> None:
    assert "required" not in _box(html, name)
    assert "required-mark" not in _label(html, name)


def test_the_organisation_form_marks_the_chinese_name_and_says_a_translation_will_do(client, db):
    factories.user(db, "owner@example.hk")
    db.commit()
    client.log_in("owner@example.hk")
    html = client.get("/organisations/new", headers=ENGLISH).get_data(as_text=True)
    assert 'data-testid="required-note">Boxes marked * are required.<' in html
    _assert_required(html, "name_zh", "Name in Chinese")
    assert 'aria-describedby="name_zh-hint "' in _box(html, "name_zh")
    assert "its registered Chinese name or a translation" in html
    _assert_optional(html, "website")


def test_the_asset_form_marks_the_chinese_title(client, db):
    organisation, owner = rf.provider(db)
    db.commit()
    client.log_in(owner.email)
    html = client.get("/registry/assets/new", headers=ENGLISH).get_data(as_text=True)
    assert 'data-testid="required-note"' in html
    _assert_required(html, "title_zh", "Title (Chinese)")
    assert "if the asset has an English title only, give a translation" in html
    _assert_optional(html, "keywords")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_listing_editor_marks_the_chinese_description_the_asset_did_not_need(
    client, db, store, language
):
    organisation, owner = rf.provider(db)
    listing = lf.draft_listing(db, store, organisation, owner, rf.reviewer(db))
    db.commit()
    client.log_in(owner.email)
    html = client.get(
        f"/provider/listings/{listing.id}/edit", headers={"Accept-Language": language}
    ).get_data(as_text=True)
    _assert_required(
        html, "description_zh", "Description (Chinese)" if language == "en" else "描述（中文）"
    )
    assert 'aria-describedby="description_zh-hint "' in _box(html, "description_zh")
    hint = re.search(r'id="description_zh-hint">([^<]+)<', html).group(1)
    assert ("registered without it" in hint) if language == "en" else ("登记时未填写" in hint)
