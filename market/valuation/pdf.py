"""Report PDFs with WeasyPrint (Pango lays out Chinese with the Noto CJK fonts from Debian)."""

from __future__ import annotations


def render(html: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML page (no remote resources are fetched: everything is inline)."""
    # WeasyPrint and its fonts take about 40 MiB: only a process that prints a report pays.
    import weasyprint  # noqa: PLC0415

    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    # The print template inlines its styles and SVG; never let a report reach the network.
    raise ValueError(f"refusing to fetch {url}")
