"""Every user-facing string has a Simplified Chinese translation, and the template is current."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "market" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
TEMPLATE = ROOT / "market" / "translations" / "messages.pot"


def _ids(path: Path) -> set[tuple[str, str | None]]:
    """Each message's id with its context (``pgettext``'s first argument), if any."""
    with path.open("rb") as handle:
        return {(message.id, message.context) for message in read_po(handle) if message.id}


def _extract(tmp_path: Path) -> Path:
    """The template extracted from the code and pages now, as ``make messages`` writes it."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return template


def test_the_template_is_current(tmp_path):
    """``messages.pot`` holds exactly the messages of the code (run ``make messages``)."""
    extracted, committed = _ids(_extract(tmp_path)), _ids(TEMPLATE)
    assert (sorted(map(str, extracted - committed)), sorted(map(str, committed - extracted))) == (
        [],
        [],
    )


def test_every_message_in_the_code_is_translated(tmp_path):
    template = _extract(tmp_path)
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = sorted(
        (message_id, context or "")
        for message_id, context in _ids(template)
        if not (catalogue.get(message_id, context) and catalogue.get(message_id, context).string)
    )
    assert untranslated == []


def test_a_provider_is_called_by_the_glossarys_word():
    """docs/glossary.md: a provider is 提供方 on every page, not now 提供方 and now 数据商."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    other = sorted(
        message.id
        for message in catalogue
        if message.id and isinstance(message.string, str) and "数据商" in message.string
    )
    assert other == []


def test_a_listing_is_put_on_and_taken_off_the_market_in_the_exchanges_words():
    """docs/glossary.md: a listing is 挂牌 / 已挂牌 and 摘牌, never 上架, 在售 or 下架, so a page
    does not show 已上架 beside 在售 for one state, nor confirm 下架 on a 摘牌 button."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    other = sorted(
        message.id
        for message in catalogue
        if message.id
        and isinstance(message.string, str)
        and any(word in message.string for word in ("上架", "下架", "在售"))
    )
    assert other == []
    code = [
        path.name
        for path in (ROOT / "market").rglob("*.py")
        if any(word in path.read_text(encoding="utf-8") for word in ("上架", "下架", "在售"))
    ]
    assert code == []
