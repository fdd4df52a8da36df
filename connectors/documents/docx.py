"""Editable Word documents from docxtpl templates, and their printable preview.

    docx = render_docx("convention", context)              # the .docx, as bytes
    pdf = convention_pdf(docx, title="Projet de convention EIG-CONV-2026-0001")

A template is ``templates/documents/<name>.docx`` (``convention.docx`` is built by
``scripts/build_convention_template.py``). The context is cleaned of characters XML
cannot hold, every value is escaped (text such as ``<script>`` or ``{{ x }}`` shows
literally), and a missing key raises. The preview is the .docx converted to HTML by
mammoth, then to PDF by WeasyPrint.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import jinja2
import mammoth
from docxtpl import DocxTemplate
from markupsafe import Markup

from .french import FILTERS, pluriel
from .pdf import html_to_pdf
from .render_pool import render_all
from .templates import TEMPLATES_DIR, TemplateNotFoundError, finalize, render_document

log = logging.getLogger(__name__)

INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold: controls (but tab and newlines), surrogates, U+FFFE/F."""

STYLE_MAP = """
p[style-name='Projet'] => p.projet:fresh
table[style-name='Signatures'] => table.signatures
"""
"""Mammoth's mapping of the template's own styles (headings map to h1–h3 by default)."""


def clean(value: Any) -> Any:
    """``value`` with every string, however deep in dicts, lists and tuples, made XML-safe."""
    if isinstance(value, str):
        return INVALID_XML.sub("", value)
    if isinstance(value, Mapping):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean(item) for item in value]
    return value


@cache
def docx_environment() -> jinja2.Environment:
    """Strict and autoescaped (XML), with the French filters."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True,
                             finalize=finalize)
    env.filters.update(FILTERS)
    env.globals["pluriel"] = pluriel
    return env


def docx_template_names() -> list[str]:
    """The .docx templates of ``templates/documents/``."""
    return sorted(p.stem for p in (TEMPLATES_DIR / "documents").glob("*.docx"))


def render_docx(template: str, context: Mapping[str, Any]) -> bytes:
    """Render ``documents/<template>.docx``; a missing key raises ``jinja2.UndefinedError``."""
    if template not in docx_template_names():
        raise TemplateNotFoundError(f"modèle Word inconnu : {template!r} (disponibles : "
                                    f"{', '.join(docx_template_names()) or 'aucun'})")
    document = DocxTemplate(TEMPLATES_DIR / "documents" / f"{template}.docx")
    document.render(clean(context), jinja_env=docx_environment(), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_to_html(docx: bytes, *, title: str) -> str:
    """The .docx as a printable HTML page (A4, "PROJET" watermark), for the PDF preview."""
    result = mammoth.convert_to_html(io.BytesIO(docx), style_map=STYLE_MAP)
    for message in result.messages:
        log.debug("mammoth: %s", message.message)
    # mammoth escapes the document's text: its HTML is safe to insert as is
    return render_document("convention_preview", {"title": title, "body": Markup(result.value)})


def convention_pdf(docx: bytes, *, title: str) -> bytes:
    """The PDF preview of a rendered convention draft."""
    return html_to_pdf(docx_to_html(docx, title=title))


def convention_pdfs(drafts: Sequence[tuple[bytes, str]]) -> list[bytes]:
    """The PDF previews of ``(docx, title)`` drafts, in order, rendered side by side."""
    return render_all(_convention_pdf, drafts)


def _convention_pdf(docx: bytes, title: str) -> bytes:
    return convention_pdf(docx, title=title)
