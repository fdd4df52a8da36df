"""Text from outside (DS dossiers, files people send) as it may be shown: control
characters removed — NUL, BEL, VT, form feed, DEL, the C1 range, the non-characters
U+FFFE/U+FFFF and the lone surrogates XML and email cannot carry — tabs and line breaks
kept. The one place every rendering uses: the templates' ``finalize`` (emails, DS
messages, HTML/PDF documents, .docx) and the spreadsheet cells."""

from __future__ import annotations

import re
from typing import Any

from models.french import entier

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


MAX_SHOWN = 20_000
"""The longest text shown whole: a dossier's champ past it (a paste gone wrong, or hostile)
is cut, so every email and document stays readable and renders in a few seconds."""


def shown(value: Any) -> Any:
    """``value`` with its control characters removed and cut past ``MAX_SHOWN`` characters
    if it is a text; else unchanged."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_SHOWN:
        value = f"{value[:MAX_SHOWN]} […] (texte tronqué : {entier(len(value))} caractères)"
    return CONTROL.sub("", value)


def texte_tableur(value: str) -> str:
    """A text for a spreadsheet cell (CSV): one that a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``, a tab or a carriage return first) is prefixed with « ' »,
    so ``=HYPERLINK(…)`` from a dossier shows as text (OWASP CSV injection)."""
    value = shown(value)
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
