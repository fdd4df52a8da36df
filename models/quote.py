"""How an error message quotes a value it refuses: at most ~80 characters of its repr, so a
hostile or huge value never floods a message, a log or a terminal."""

from __future__ import annotations

QUOTE_LIMIT = 80


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to ``limit`` characters with « … » (a string past the limit
    is cut before its repr is built: a 500 MB value costs nothing)."""
    if isinstance(value, str) and len(value) > limit:
        value = value[:limit]
        return repr(value)[: limit - 1] + "…"
    if isinstance(value, list | tuple | dict | set) and len(value) > limit:
        return f"<{type(value).__name__} de {len(value)} éléments>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
