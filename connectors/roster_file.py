"""Read the evaluator roster from a CSV or YAML file into rows for ``models.roster``.

The file is written by hand by the programme team (often exported from a spreadsheet), so
the reader is lenient on form and strict on meaning: UTF-8 with or without BOM, ``;`` or
``,`` as CSV delimiter (sniffed from the header line), French headers matched without
regard to case or accents. Every row keeps the line number where it starts in the file,
so each error names the line to fix. Checking the values is the domain's job
(``models.roster.parse_roster``); this module only turns bytes into ``(line, row)`` pairs.

Errors (messages in French, the team reads them):

    RosterFileError         the file cannot be read as a roster at all: missing, unknown
                            extension, not UTF-8, invalid YAML/CSV structure
    RosterValidationError   (from models.roster) the header or the rows break the rules;
                            lists every problem, nothing imported
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from connectors.input_file import InputFileError, read_input_text
from models.french import nombre_fr
from models.quote import quoted
from models.roster import (
    COLUMNS,
    Evaluator,
    RosterError,
    RosterValidationError,
    column_key,
    parse_roster,
)
from models.yaml_text import YamlProblem, load_with_nodes

Row = tuple[int, dict[str, Any]]

_CSV_SUFFIXES = {".csv"}
_YAML_SUFFIXES = {".yaml", ".yml"}


class RosterFileError(ValueError):
    """The roster file cannot be read (missing, wrong format, broken structure).

    Raised before any value is checked: fix the file (the message names it and, when known,
    the line) and load it again.
    """


def load_roster(
    path: Path | str,
    *,
    allowed_profiles: Collection[str],
    allowed_tracks: Collection[str],
) -> list[Evaluator]:
    """The evaluators of a roster file, all or none.

    Raises RosterFileError (unreadable file) or RosterValidationError (every bad value,
    with the file name in the message).
    """
    rows = read_roster_rows(path)
    try:
        return parse_roster(rows, allowed_profiles=allowed_profiles,
                            allowed_tracks=allowed_tracks)
    except RosterValidationError as exc:
        raise RosterValidationError(exc.errors, source=str(path)) from None


def read_roster_rows(path: Path | str) -> list[Row]:
    """``(line_number, row)`` pairs of a ``.csv``, ``.yaml`` or ``.yml`` roster file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _CSV_SUFFIXES | _YAML_SUFFIXES:
        raise RosterFileError(
            f"{path} : extension {path.suffix or '(aucune)'!r} non reconnue pour une liste "
            "d'évaluateurs ; attendu .csv, .yaml ou .yml"
        )
    text = _read_text(path)
    if suffix in _CSV_SUFFIXES:
        return read_csv_rows(text, source=str(path))
    return read_yaml_rows(text, source=str(path))


def read_csv_rows(text: str, *, source: str = "<csv>") -> list[Row]:
    """Rows of a CSV roster whose first line is the header; blank lines are skipped.

    The delimiter is the one of ``;`` and ``,`` the header uses most: header names never
    contain either, whereas values (organisation names, lists) may contain both.
    """
    lines = text.splitlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise RosterFileError(f"{source} : fichier vide, il faut au moins la ligne d'en-tête "
                              f"({', '.join(COLUMNS)})")
    header_line = lines[header_index]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    header_at = 0
    rows: list[Row] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header, header_at = [c.strip() for c in cells], start
                _check_header(header, header_at, source)
                continue
            if len(cells) > len(header):
                raise RosterFileError(
                    f"{source}, ligne {start} : {len(cells)} valeurs pour {len(header)} "
                    f"colonnes (séparateur {delimiter!r}) ; une valeur contenant "
                    f"{delimiter!r} doit être entre guillemets"
                )
            row: dict[str, Any] = {}
            for name, cell in zip(header, cells, strict=False):
                if name:
                    row[name] = cell
                elif cell.strip():
                    raise RosterFileError(f"{source}, ligne {start} : valeur {quoted(cell)} "
                                          "dans une colonne sans nom d'en-tête")
            rows.append((start, row))
    except csv.Error as exc:
        raise RosterFileError(f"{source}, ligne {reader.line_num} : {csv_problem(exc)}") from exc
    return rows


def read_yaml_rows(text: str, *, source: str = "<yaml>") -> list[Row]:
    """Rows of a YAML roster: a list of mappings, each numbered by the line it starts on."""
    try:
        data, node = load_with_nodes(text)
    except YamlProblem as problem:
        where = f"{source}, ligne {problem.line}" if problem.line else source
        raise RosterFileError(f"{where} : {problem.rule}") from None
    if data is None:
        raise RosterFileError(f"{source} : fichier vide, attendu une liste d'évaluateurs")
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise RosterFileError(f"{source} : attendu une liste d'évaluateurs (« - courriel: … »), "
                              f"reçu {type(data).__name__}")
    rows: list[Row] = []
    for item_node, item in zip(node.value, data, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            raise RosterFileError(f"{source}, ligne {line} : chaque évaluateur doit être un "
                                  f"ensemble « clé: valeur », reçu {quoted(item)}")
        rows.append((line, {str(k): v for k, v in item.items()}))
    return rows


def _read_text(path: Path) -> str:
    try:
        return read_input_text(path, "fichier des évaluateurs")
    except InputFileError as exc:
        raise RosterFileError(str(exc)) from exc


def _check_header(header: list[str], line: int, source: str) -> None:
    """Unknown, repeated or missing columns, reported once for the header line rather than
    once per row (a misspelt column would otherwise be silently ignored)."""
    errors: list[RosterError] = []
    seen: set[str] = set()
    for name in header:
        if not name:  # a trailing delimiter; its cells must stay empty (checked per row)
            continue
        key = column_key(name)
        if key not in COLUMNS:
            errors.append(RosterError(
                line, name, "unknown",
                f"colonne inconnue ; colonnes possibles : {', '.join(COLUMNS)}",
            ))
        elif key in seen:
            errors.append(RosterError(line, name, "duplicate", "colonne en double"))
        seen.add(key)
    for column, required in COLUMNS.items():
        if required and column not in seen:
            errors.append(RosterError(line, column, "required", "colonne obligatoire absente"))
    if errors:
        raise RosterValidationError(errors, source=source)


def csv_problem(exc: csv.Error) -> str:
    """The csv module's English error, in French."""
    text = str(exc)
    if match := re.search(r"field larger than field limit \((\d+)\)", text):
        return (f"CSV invalide : une cellule dépasse {nombre_fr(int(match.group(1)))} "
                "caractères (un guillemet jamais fermé ?)")
    if "NUL" in text or "null byte" in text:
        return "CSV invalide : caractère nul dans le fichier (est-ce bien un CSV ?)"
    if "new-line character seen in unquoted field" in text:
        return "CSV invalide : retour à la ligne inattendu dans une cellule sans guillemets"
    return f"CSV invalide ({quoted(text)})"
