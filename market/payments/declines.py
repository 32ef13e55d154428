"""Why a card was refused, in words a buyer can act on, by the processor's code.

Stripe's own messages are English; the pages and the API show these instead, translated. A code
without an entry (or no code at all, as localstripe's stand-in gives for a malformed card) reads
as :data:`FALLBACK`, never as the processor's text.
"""

from __future__ import annotations

from market.text import N_

DECLINED = N_("The card was declined. Use another card, or pay by bank transfer.")
FALLBACK = N_(
    "The card was not accepted: check its number, expiry date (MM/YY) and security code, or "
    "use another card."
)
NO_ANSWER = N_(
    "The payment service did not answer. Wait a moment and reload this page before trying "
    "again: the payment may have gone through."
)

# Stripe's error codes and decline codes (https://docs.stripe.com/declines/codes).
MESSAGES = {
    "card_declined": DECLINED,
    "generic_decline": DECLINED,
    "do_not_honor": DECLINED,
    "lost_card": DECLINED,
    "stolen_card": DECLINED,
    "pickup_card": DECLINED,
    "fraudulent": DECLINED,
    "insufficient_funds": N_(
        "The card has insufficient funds. Use another card, or pay by bank transfer."
    ),
    "card_velocity_exceeded": N_(
        "The card's limit has been reached. Use another card, or pay by bank transfer."
    ),
    "expired_card": N_("The card has expired. Use another card."),
    "incorrect_cvc": N_("The card's security code is incorrect."),
    "invalid_cvc": N_("The card's security code is incorrect."),
    "incorrect_number": N_("The card number is incorrect."),
    "invalid_number": N_("The card number is incorrect."),
    "invalid_expiry_month": N_("The card's expiry date is invalid: enter it as MM/YY."),
    "invalid_expiry_year": N_("The card's expiry date is invalid: enter it as MM/YY."),
    "processing_error": N_("The card could not be processed. Try again in a moment."),
    "authentication_required": N_(
        "The bank could not confirm the payment (3-D Secure). Try again, or use another card."
    ),
    "payment_intent_authentication_failure": N_(
        "The bank could not confirm the payment (3-D Secure). Try again, or use another card."
    ),
}


def message_for(code: str | None) -> str:
    """The message (a msgid, to translate) for a processor's decline or error code."""
    return MESSAGES.get(code or "", FALLBACK)


def translated(gettext) -> dict[str, str]:
    """Every code's message in the reader's language, and ``""`` for the fallback, for the
    checkout page's script (errors raised in the browser by Stripe.js)."""
    table = {code: gettext(message) for code, message in MESSAGES.items()}
    table[""] = gettext(FALLBACK)
    return table
