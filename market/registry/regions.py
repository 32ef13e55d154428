"""A region as people write it: its code (``hong_kong``) or its name in Simplified Chinese,
Traditional Chinese or English (香港, 香港特別行政區, Hong Kong, ｈｏｎｇ ｋｏｎｇ), read as its code
(地区代码), and the code meant when a name is only close to one."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache
from pathlib import Path

from babel.support import Translations

from market.hant import to_simplified
from market.registry.models import REGION_LABELS

#: Official and usual names beside the catalogue's (中国香港, Hong Kong), in Simplified or
#: English: Traditional folds to Simplified; and the ISO codes a licence's territory and an
#: organisation's jurisdiction use (HK, MO, CN: the mainland as a whole, ``national``).
OTHER_NAMES = {
    "hong_kong": ("香港", "香港特别行政区", "中国香港特别行政区", "Hong Kong SAR", "HKSAR", "HK"),
    "macao": (
        "澳门",
        "澳门特别行政区",
        "中国澳门特别行政区",
        "Macau",
        "Macao SAR",
        "Macau SAR",
        "MO",
    ),
    "greater_bay_area": ("大湾区", "粤港澳大湾区"),
    "national": ("CN",),
}

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

_SEPARATORS = re.compile(r"[\s_\-‐–—·・.'’]+")


def fold(text: str) -> str:
    """``text`` as names are compared: full-width forms narrowed, case and script folded
    (Traditional read as Simplified), spaces, hyphens and underscores dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SEPARATORS.sub("", to_simplified(text))


@cache
def _names() -> dict[str, str]:
    """Every folded name of every region, and its code."""
    simplified = Translations.load(str(TRANSLATIONS), ["zh"])
    names: dict[str, str] = {}
    for code, label in REGION_LABELS.items():
        for name in (code, label, simplified.gettext(label), *OTHER_NAMES.get(code, ())):
            names.setdefault(fold(name), code)
    return names


def region_code(text: str) -> str | None:
    """The code of the region ``text`` names (a code or a name), ``None`` for none."""
    return _names().get(fold(text or ""))


def close_region(text: str) -> str | None:
    """The code of the region whose code or name ``text`` is close to (a slip of the keyboard:
    ``hongkon``, ``shenzen``), ``None`` when none is."""
    close = difflib.get_close_matches(fold(text or ""), list(_names()), n=1, cutoff=0.75)
    return _names()[close[0]] if close else None
