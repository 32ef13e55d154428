"""Marking user-facing text for translation where it is defined, not where it is shown."""


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated (``gettext``) where it is shown."""
    return message
