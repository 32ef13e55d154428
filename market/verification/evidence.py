"""What the verification evidence is called where the organisation is registered.

A mainland organisation's licence is its business licence (營業執照), which names its legal
representative (法定代表人). A Hong Kong company has no such licence: it holds a Business
Registration Certificate (商業登記證) and is run by its directors (董事). A Macao company's
registration is shown by its commercial registration certificate (商業登記證明) and it, too,
is run by directors. The fields keep their names (``licence``, ``legal_representative``) in
the API and the database; only the words the pages and messages use change.
"""

from __future__ import annotations

from dataclasses import dataclass

from market.text import N_


@dataclass(frozen=True)
class EvidenceWords:
    """The words for the licence scan and the people who answer for the organisation."""

    licence: str  # the document, as the review page names it
    licence_named: str  # the document within a sentence ("submit its business licence")
    licence_scan: str  # the form's label for the file
    representative: str  # the form's and the review page's label for the name(s)
    licence_missing: str  # a first submission without the file
    licence_type: str  # a file that is no PDF, JPEG or PNG


MAINLAND = EvidenceWords(
    licence=N_("Business licence"),
    licence_named=N_("business licence"),
    licence_scan=N_("Business licence scan (PDF, JPEG or PNG)"),
    representative=N_("Legal representative"),
    licence_missing=N_("Attach a scan of the business licence."),
    licence_type=N_("The business licence must be a PDF, JPEG or PNG file."),
)

#: By jurisdiction (ISO 3166-1 alpha-2); any other keeps the mainland's words.
WORDS = {
    "HK": EvidenceWords(
        licence=N_("Business Registration Certificate"),
        licence_named=N_("Business Registration Certificate"),
        licence_scan=N_("Business Registration Certificate scan (PDF, JPEG or PNG)"),
        representative=N_("Directors"),
        licence_missing=N_("Attach a scan of the Business Registration Certificate."),
        licence_type=N_("The Business Registration Certificate must be a PDF, JPEG or PNG file."),
    ),
    "MO": EvidenceWords(
        licence=N_("Commercial registration certificate"),
        licence_named=N_("commercial registration certificate"),
        licence_scan=N_("Commercial registration certificate scan (PDF, JPEG or PNG)"),
        representative=N_("Directors"),
        licence_missing=N_("Attach a scan of the commercial registration certificate."),
        licence_type=N_("The commercial registration certificate must be a PDF, JPEG or PNG file."),
    ),
}


def words(jurisdiction: str) -> EvidenceWords:
    """The evidence's words for an organisation registered in ``jurisdiction``."""
    return WORDS.get(jurisdiction, MAINLAND)
