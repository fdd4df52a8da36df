"""French counts and numbers for the lines an operator reads (CLI, demo, run logs and
artifacts), without loading the document machinery (``connectors.documents.french`` has
the templates' filters and re-exports ``compte``)."""

from __future__ import annotations

NARROW_NBSP = "\u202f"
"""Thousands separator of French typography (espace fine insécable)."""


def entier(n: int) -> str:
    """``1 234``: a narrow no-break space between thousands."""
    return f"{n:,}".replace(",", NARROW_NBSP)


def decimal(value: float, places: int = 2) -> str:
    """``0,17``: a decimal comma, at most ``places`` decimals, trailing zeros dropped."""
    text = f"{value:,.{places}f}".rstrip("0").rstrip(".") if places else f"{value:,.0f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def compte(n: int, singulier: str, pluriel: str | None = None) -> str:
    """A count and its noun, agreeing: ``0 lauréat``, ``1 lauréat``, ``20 lauréats``,
    ``1 234 courriels`` (singular below 2). The plural of a one-word noun is its singular
    + « s » (unchanged after s, x, z); a longer phrase (``dossier classé``) gives its own."""
    if pluriel is None:
        if " " in singulier.strip():
            raise ValueError(f"compte : donnez le pluriel de « {singulier} »")
        pluriel = singulier if singulier.endswith(("s", "x", "z")) else f"{singulier}s"
    return f"{entier(n)} {singulier if abs(n) < 2 else pluriel}"
