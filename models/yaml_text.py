"""YAML written by people (a roster, the configuration), read safely: plain values only —
anchors and aliases refused where they appear (419 bytes of « billion laughs » expand to
gigabytes), no tag beyond YAML's own — and every problem said in French with its line."""

from __future__ import annotations

import re
from typing import Any

import yaml

from models.quote import quoted

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ALIAS_RULE = "ancre ou alias YAML (&… / *…) refusé : écrivez chaque valeur en toutes lettres"
_SYNTAX = [
    (re.compile(r"expected ',' or '[\]}]'"), "virgule ou crochet fermant attendu"),
    (re.compile(r"mapping values are not allowed"), "deux-points inattendu (une valeur "
     "contenant « : » doit être entre guillemets)"),
    (re.compile(r"could not find expected ':'"), "deux-points attendu après la clé"),
    (re.compile(r"found character '\\t'"), "tabulation : indentez avec des espaces"),
    (re.compile(r"found unexpected end of stream"), "guillemet ou crochet jamais fermé"),
    (re.compile(r"expected <block end>"), "indentation incohérente"),
    (re.compile(r"found duplicate anchor|found undefined alias"), ALIAS_RULE),
    (re.compile(r"found unknown escape character"), "séquence d'échappement inconnue entre "
     "guillemets doubles"),
]


class YamlProblem(ValueError):
    """What is wrong with a YAML text, and the line (1-based) where, when known."""

    def __init__(self, line: int | None, rule: str) -> None:
        self.line, self.rule = line, rule
        super().__init__(f"ligne {line} : {rule}" if line else rule)


def _timestamp(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
    """A date as YAML reads one, or a problem at its line (« 2027-02-30 »)."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.MarkedYAMLError(problem=f"date impossible : {quoted(node.value)}",
                                   problem_mark=node.start_mark) from None


class _FastLoader(FAST_LOADER):  # type: ignore[misc, valid-type]
    pass


_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases where they appear."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(problem=ALIAS_RULE, problem_mark=event.start_mark)
        return super().compose_node(parent, index)


NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree (for the lines of its items); YamlProblem if not
    plain YAML."""
    loader = NoAliasLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        raise french_problem(exc) from None
    finally:
        loader.dispose()


def load_fast(text: str) -> Any:
    """The document, read by libyaml when present (the configuration is read by every run);
    anchors and aliases refused by a first pass over its events."""
    try:
        for event in yaml.parse(text, Loader=_FastLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlProblem(event.start_mark.line + 1, ALIAS_RULE)
        return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError as exc:
        raise french_problem(exc) from None


def french_problem(exc: yaml.YAMLError) -> YamlProblem:
    """PyYAML's English error, as a line and a French rule."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = str(getattr(exc, "problem", None) or exc)
    if problem == ALIAS_RULE or problem.startswith("date impossible"):
        return YamlProblem(line, problem)
    if isinstance(exc, yaml.constructor.ConstructorError):
        tag = re.search(r"tag '([^']*)'", problem)
        what = f"étiquette YAML {quoted(tag.group(1))}" if tag else "étiquette YAML"
        return YamlProblem(line, f"{what} refusée : seules les valeurs simples (texte, "
                           "nombres, listes, ensembles « clé: valeur ») sont permises")
    column = f", colonne {mark.column + 1}" if mark is not None else ""
    for pattern, rule in _SYNTAX:
        if pattern.search(problem):
            return YamlProblem(line, f"syntaxe YAML invalide{column} : {rule}")
    return YamlProblem(line, f"syntaxe YAML invalide{column} (vérifiez l'indentation, les "
                       "deux-points, crochets et guillemets)")
