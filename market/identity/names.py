"""Organisation names that imitate the exchange operator's are refused.

A name is compared after folding: Unicode compatibility forms (full-width letters), case,
traditional characters to simplified ones (數據 → 数据) and everything that is not a letter or
a digit (spaces, dots, dashes, zero-width joiners) are folded away, so "深圳數據交易所",
"ＳＨＥＮＺＨＥＮ data-exchange" and "Shenzhen Data Exchange Co." all contain the operator's
"深圳数据交易所" / "Shenzhen Data Exchange".
"""

from __future__ import annotations

import unicodedata

# Traditional forms of the characters exchange names are made of.
TRADITIONAL = str.maketrans(
    "數據資產權證們會員廳臺灣區專業財經貿產", "数据资产权证们会员厅台湾区专业财经贸产"
)
# The exchange's own brand, whatever the operator organisation is called.
BRAND = ("shujiao", "数交所")


def folded(text: str) -> str:
    """``text`` reduced to what a reader sees: letters and digits, simplified, lower case."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(TRADITIONAL)
    return "".join(char for char in text if char.isalnum())


def imitates(name: str, operator_names: list[str]) -> bool:
    """Whether ``name`` contains the operator's name (either script) or the exchange's brand."""
    candidate = folded(name)
    marks = [folded(operator) for operator in operator_names] + list(BRAND)
    return any(mark and len(mark) >= 3 and mark in candidate for mark in marks)
