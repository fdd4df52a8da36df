"""Text from outside (DS dossiers, files people send) as it may be shown: control
characters removed — NUL, BEL, VT, form feed, DEL, the C1 range, the non-characters
U+FFFE/U+FFFF and the lone surrogates XML and email cannot carry — tabs and line breaks
kept. The one place every rendering uses: the templates' ``finalize`` (emails, DS
messages, HTML/PDF documents, .docx) and the spreadsheet cells."""

from __future__ import annotations

import re
from typing import Any

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def shown(value: Any) -> Any:
    """``value`` with its control characters removed if it is a text; else unchanged."""
    return CONTROL.sub("", value) if isinstance(value, str) else value
