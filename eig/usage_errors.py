"""A command line that typer refuses (unknown option, a word where a number is expected,
a missing argument), said in one French line — its own messages are English boxes."""

from __future__ import annotations

import re

from pydantic import ValidationError

from models.input_errors import french_rule
from models.quote import quoted

try:  # typer ≥ 0.20 carries its own click
    from typer._click import exceptions as _click
except ImportError:  # pragma: no cover - older typer: click itself
    import click.exceptions as _click  # type: ignore[no-redef]

UsageError = _click.UsageError


def french_usage(error: Exception) -> str:
    """``--projet-dossier : nombre entier attendu, reçu 'abc' (eig missions match --help)``."""
    ctx = getattr(error, "ctx", None)
    where = f" ({ctx.command_path} --help)" if ctx is not None else " (eig --help)"
    if isinstance(error, _click.NoSuchOption):
        return f"{error.option_name} : option inconnue{where}"
    if isinstance(error, _click.MissingParameter):
        return f"{_hint(error)} : obligatoire{where}"
    if isinstance(error, _click.BadParameter):
        return f"{_hint(error)} : {_rule(error)}{where}"
    if isinstance(error, _click.BadOptionUsage):
        return f"{error.option_name} : valeur attendue{where}"
    text = error.format_message() if hasattr(error, "format_message") else str(error)
    if match := re.match(r"No such command '(.*)'", text):
        return f"commande inconnue : {quoted(match.group(1))}{where}"
    if match := re.match(r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)", text):
        return f"argument en trop : {quoted(match.group(1))}{where}"
    return f"ligne de commande refusée : {quoted(text)}{where}"


def _hint(error: Exception) -> str:
    param = getattr(error, "param", None)
    opts = [o for o in getattr(param, "opts", None) or [] if o.startswith("-")]
    if opts:
        return max(opts, key=len)
    name = getattr(param, "name", None) or getattr(error, "param_hint", None) or "argument"
    return str(name).upper()


def _rule(error: Exception) -> str:
    cause = error.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        item = cause.errors()[0]
        return f"{french_rule(item)}, reçu {quoted(item.get('input'))}"
    return f"valeur refusée ({quoted(getattr(error, 'message', str(error)))})"
