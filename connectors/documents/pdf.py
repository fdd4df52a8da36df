"""HTML to PDF with WeasyPrint, offline: only ``data:`` URLs are ever fetched.

Templates carry their CSS inline; a stray ``http://`` or ``file:`` reference (an image
in a dossier's text, say) is refused and skipped, so rendering never reaches out.
WeasyPrint is imported on first use: sending emails does not pay for it.
"""

from __future__ import annotations

import logging
import re
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


def drop_layout_tables_first() -> None:
    """Make fontTools' subsetter delete the GSUB and GPOS tables it is asked to drop
    before, not after, decompiling them.

    WeasyPrint embeds each font subsetted by fontTools (when HarfBuzz-Subset is not
    installed) and drops GSUB and GPOS. fontTools 4.68 (not 4.67) first decompiles the
    layout tables in ``Subsetter.subset`` to compact them (``_compact_layout_tables``),
    then deletes those the options drop: for DejaVu Sans, the usual fallback, that is
    about half of the subsetting time, a quarter of a convention's PDF (0.70 s of CPU
    before, 0.51 s after, on a loaded machine). Deleting them first, with
    the subsetter's own rule for ``kern`` (dropped when GPOS is there, unless
    ``legacy_kern``), gives the same subset, table for table (tests/unit/test_documents.py).
    Idempotent; a subsetter that keeps GSUB or GPOS is untouched.
    """
    from fontTools import subset

    if getattr(subset.Subsetter.subset, "_drops_layout_first", False):
        return
    original = subset.Subsetter.subset

    def subset_dropping_first(self: subset.Subsetter, font: Any) -> None:
        drop = [tag for tag in ("GSUB", "GPOS")
                if tag in self.options.drop_tables and tag in font]
        if "GPOS" in drop and "kern" in font and not self.options.legacy_kern:
            del font["kern"]
        for tag in drop:
            del font[tag]
        original(self, font)

    subset_dropping_first._drops_layout_first = True  # type: ignore[attr-defined]
    subset_dropping_first.__wrapped__ = original  # type: ignore[attr-defined]
    subset.Subsetter.subset = subset_dropping_first  # type: ignore[method-assign]


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html``; external resources are not fetched; unbroken runs of text are
    given break opportunities first (see ``breakable``)."""
    from weasyprint import HTML

    drop_layout_tables_first()
    return HTML(string=breakable(html), url_fetcher=offline_fetcher()).write_pdf()


LONG_RUN = re.compile(r"[^\s<>\u200b]{60,}")
TEXT = re.compile(r">([^<]+)<")


def breakable(html: str, every: int = 40) -> str:
    """``html`` with a zero-width space every ``every`` characters of any run of 60 or more
    without a space, in text only (tags and attributes untouched): WeasyPrint's line
    breaking is quadratic in a word's length (a 20,000-character word from a dossier took
    5 s, 200,000 never finished), and such a run breaks anyway at the page's edge."""
    def cut(run: re.Match[str]) -> str:
        word = run.group(0)
        return "\u200b".join(word[i:i + every] for i in range(0, len(word), every))

    return TEXT.sub(lambda text: ">" + LONG_RUN.sub(cut, text.group(1)) + "<", html)


def render_dossier_pdf(context: Mapping[str, Any]) -> bytes:
    """The printable PDF of a DS dossier (``documents/dossier.html.j2``)."""
    return html_to_pdf(render_document("dossier", context))
