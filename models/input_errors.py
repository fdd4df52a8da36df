"""What a person typed, refused in one French line: a run form's or a command's parameters
that pydantic refuses (field, rule, the value quoted briefly), never a traceback."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from models.quote import quoted

RULES = {
    "missing": "obligatoire",
    "literal_error": "valeurs permises : {expected}",
    "enum": "valeurs permises : {expected}",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "bool_parsing": "oui ou non attendu",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "greater_than_equal": "au moins {ge}",
    "greater_than": "plus de {gt}",
    "less_than_equal": "au plus {le}",
    "less_than": "moins de {lt}",
    "string_pattern_mismatch": "forme invalide",
    "string_too_long": "au plus {max_length} caractères",
    "too_long": "au plus {max_length} éléments",
    "too_short": "au moins {min_length} éléments",
    "extra_forbidden": "champ inconnu",
    "string_type": "texte attendu",
    "float_type": "nombre attendu",
    "bool_type": "oui ou non attendu",
    "list_type": "liste attendue",
    "dict_type": "ensemble « clé: valeur » attendu",
    "model_type": "ensemble « clé: valeur » attendu",
    "model_attributes_type": "ensemble « clé: valeur » attendu",
}


def french_errors(error: ValidationError, labels: dict[str, str] | None = None,
                  prefix: str = "--") -> str:
    """``--debut : date attendue (AAAA-MM-JJ), reçu '2027-13-01' ; --quotite : …`` (a
    command's options; ``prefix=""``: a configuration's entries, « tracks.projets.label »)."""
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "?"
        name = (labels or {}).get(field, f"{prefix}{field.replace('_', '-')}" if prefix
                                  else field)
        rule = french_rule(item)
        received = "" if item["type"] == "missing" else f", reçu {quoted(item.get('input'))}"
        parts.append(f"{name} : {rule}{received}")
    return " ; ".join(parts)


def french_rule(item: Any) -> str:
    """The rule one of pydantic's errors states, in French."""
    ctx: dict[str, Any] = item.get("ctx") or {}
    rule = RULES.get(item["type"])
    if rule is None:
        text = str(ctx.get("error") or item["msg"])
        return text.removeprefix("Value error, ")
    return rule.format(**{k: _french_ctx(v) for k, v in ctx.items()})


def _french_ctx(value: Any) -> str:
    """pydantic's context in French: its lists of permitted values end in « or »."""
    text = str(value)
    head, sep, last = text.rpartition(" or ")
    return f"{head} ou {last}" if sep and "'" in last else text
