"""HTML to PDF with WeasyPrint, offline: only ``data:`` URLs are ever fetched.

Templates carry their CSS inline; a stray ``http://`` or ``file:`` reference (an image
in a dossier's text, say) is refused and skipped, so rendering never reaches out.
WeasyPrint is imported on first use: sending emails does not pay for it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .templates import render_document

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher


def offline_fetcher() -> URLFetcher:
    """A URL fetcher that serves ``data:`` URLs and refuses any other (no network, no files)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


class _FontSubsetNotice(logging.Filter):
    """WeasyPrint warns at every font when HarfBuzz-Subset is older than it likes; the PDF
    is right all the same (fontTools subsets it): keep the logs for what matters."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in record.getMessage()


logging.getLogger("weasyprint").addFilter(_FontSubsetNotice())


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html``; external resources are not fetched."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=offline_fetcher()).write_pdf()


def render_dossier_pdf(context: Mapping[str, Any]) -> bytes:
    """The printable PDF of a DS dossier (``documents/dossier.html.j2``)."""
    return html_to_pdf(render_document("dossier", context))
