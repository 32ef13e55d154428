"""User-facing input and text: translation markers, and the base of schemas that read forms."""

from marshmallow import Schema, pre_load


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated (``gettext``) where it is shown."""
    return message


class FormSchema(Schema):
    """A schema that may load HTML form data, where an empty field means "not given"."""

    @pre_load
    def blank_to_none(self, data, **_):
        """Empty form fields mean "not given"."""
        return {key: (None if value == "" else value) for key, value in data.items()}
