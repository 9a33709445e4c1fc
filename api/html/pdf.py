"""HTML to PDF with WeasyPrint (pinned in requirements.txt; Debian's Pango and a CJK font, installed by make). The
page must stand alone: no resource is fetched (only data: URLs are read), so nothing outside the document - no
script, no stylesheet of the app, no network - reaches the PDF. WeasyPrint is imported when a PDF is asked for, so
the service starts without it."""

from __future__ import annotations

import logging

LOGGER = logging.getLogger(__name__)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",)), media_type="print").write_pdf()
