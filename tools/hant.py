"""Write the Traditional Chinese catalogue (``zh_Hant``) from the Simplified one.

    python tools/hant.py [SOURCE.po] [TARGET.po]

Every message of ``market/translations/zh/LC_MESSAGES/messages.po`` is converted by
:func:`market.hant.catalogue_to_traditional` (OpenCC ``s2tw``, the Hong Kong/Taiwan term
list and their quotation marks 「」『』) into
``market/translations/zh_Hant/LC_MESSAGES/messages.po``. ``make translations`` runs it before
compiling, so the Traditional catalogue always follows the Simplified one; it is a build
product, never edited or committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from market.hant import catalogue_to_traditional  # noqa: E402

TRANSLATIONS = ROOT / "market" / "translations"
SOURCE = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
TARGET = TRANSLATIONS / "zh_Hant" / "LC_MESSAGES" / "messages.po"


def convert(source: Path = SOURCE, target: Path = TARGET) -> int:
    """Write ``target`` from ``source``; the number of messages written."""
    with source.open("rb") as handle:
        catalogue = read_po(handle, locale="zh")
    catalogue.locale = Locale.parse("zh_Hant")
    count = 0
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.string, tuple | list):
            message.string = tuple(catalogue_to_traditional(text) for text in message.string)
        else:
            message.string = catalogue_to_traditional(message.string)
        count += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalogue, width=0, omit_header=False)
    return count


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    target = Path(argv[1]) if len(argv) > 1 else TARGET
    count = convert(source, target)
    print(
        f"wrote {count} messages to {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
