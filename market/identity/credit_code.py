"""Unified social credit codes (統一社會信用代碼), GB 32100-2015.

Eighteen characters from a 31-character alphabet (no I, O, S, V, Z): registration authority,
organisation category, a six-digit administrative division, a nine-character organisation code
and a check character computed with weights 3**i mod 31.
"""

from __future__ import annotations

from market.text import N_

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]
AUTHORITIES = set("123456789ANY")


class CreditCodeError(ValueError):
    """The code is not a valid unified social credit code; the message (one of a fixed set,
    so pages and the API can translate it) says why."""


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> str:
    """Return the normalised (upper-case) code or raise :class:`CreditCodeError`."""
    code = code.strip().upper()
    if len(code) != 18:
        raise CreditCodeError(N_("A credit code has 18 characters."))
    bad = sorted({char for char in code if char not in ALPHABET})
    if bad:
        raise CreditCodeError(
            N_("A credit code has only digits and capital letters other than I, O, S, V and Z.")
        )
    if code[0] not in AUTHORITIES:
        raise CreditCodeError(N_("The first character is not a registration authority code."))
    if not code[2:8].isdigit():
        raise CreditCodeError(N_("Characters 3 to 8 must be an administrative division code."))
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(
            N_("The last character (the check character) does not match the other 17: a typo?")
        )
    return code
