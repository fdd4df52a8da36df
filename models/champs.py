"""Map DS champs to our field names by champDescriptor id, and detect revision drift.

Plain functions over the JSON DS returns (see connectors/ds/queries/fragments.graphql
for the aliases: ``text``, ``integerNumber``, ``choice``, ``choices`` …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from models.quote import quoted

# The champ __typename DS returns for each descriptor type we map.
CHAMP_TYPENAMES: dict[str, str] = {
    "text": "TextChamp",
    "textarea": "TextChamp",
    "email": "TextChamp",
    "phone": "TextChamp",
    "integer_number": "IntegerNumberChamp",
    "decimal_number": "DecimalNumberChamp",
    "date": "DateChamp",
    "datetime": "DatetimeChamp",
    "yes_no": "YesNoChamp",
    "checkbox": "CheckboxChamp",
    "drop_down_list": "DropDownListChamp",
    "multiple_drop_down_list": "MultipleDropDownListChamp",
    "linked_drop_down_list": "LinkedDropDownListChamp",
    "repetition": "RepetitionChamp",
}


class ColumnSpec(Protocol):
    id: str
    type: str


class FieldSpec(Protocol):
    id: str
    type: str
    required: bool

    @property
    def columns(self) -> Mapping[str, ColumnSpec]: ...


@dataclass(frozen=True)
class FieldProblem:
    """One reason a dossier cannot be mapped: which field, which rule, what was seen."""

    field: str
    champ_id: str
    rule: str  # "required", "type", "value"
    detail: str

    def describe(self) -> str:
        """For the operator (`eig quarantine`, the run's log), in French."""
        rule = RULES_SAID.get(self.rule, self.rule)
        return f"champ « {self.field} » ({self.champ_id}) : {rule}, {self.detail}"


RULES_SAID = {"required": "obligatoire", "type": "type inattendu", "value": "valeur refusée"}


class DossierMappingError(ValueError):
    """A dossier whose champs do not fit the mapping; it goes to quarantine."""

    def __init__(self, demarche_number: int, dossier_number: int, problems: list[FieldProblem]):
        self.demarche_number = demarche_number
        self.dossier_number = dossier_number
        self.problems = problems
        lines = "; ".join(p.describe() for p in problems)
        super().__init__(f"dossier {dossier_number} (démarche {demarche_number}) : {lines}")


@dataclass(frozen=True)
class Drift:
    """A mapped descriptor that the démarche's active revision no longer has as configured."""

    demarche_number: int
    field: str
    champ_id: str
    expected: str
    found: str | None  # None: the descriptor is gone
    annotation: bool = False  # a private annotation (the instructeurs'), not a champ

    def describe(self) -> str:
        what = "l'annotation privée" if self.annotation else "le champ"
        if self.found is None:
            return (f"démarche {self.demarche_number} : {what} « {self.field} » "
                    f"({self.champ_id}) n'est plus dans la révision publiée du formulaire")
        return (f"démarche {self.demarche_number} : {what} « {self.field} » ({self.champ_id}) "
                f"a changé de type : attendu {self.expected}, trouvé {self.found}")


class RevisionDriftError(RuntimeError):
    """The démarche's form changed under the mapping: fix config/eig.yaml, then sync again."""

    def __init__(self, drifts: list[Drift]):
        self.drifts = drifts
        super().__init__(
            "le formulaire DS ne correspond plus au mapping des champs ; mettez à jour "
            "config/eig.yaml :\n- "
            + "\n- ".join(d.describe() for d in drifts)
        )


def descriptor_type(typename: str) -> str:
    """``IntegerNumberChampDescriptor`` → ``integer_number`` (the config's type names)."""
    stem = typename.removesuffix("ChampDescriptor")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower()


def detect_drift(
    demarche_number: int, descriptors: Iterable[Mapping[str, Any]], fields: Mapping[str, FieldSpec],
    *, annotations: bool = False,
) -> list[Drift]:
    """Compare the active revision's champ (or ``annotations``: annotation) descriptors
    with the configured mapping."""
    by_id = {d["id"]: d for d in descriptors}
    drifts: list[Drift] = []
    for name, spec in fields.items():
        found = by_id.get(spec.id)
        drifts.extend(replace(d, annotation=annotations) for d in
                      _drift_of(demarche_number, name, spec.id, spec.type, found))
        if found is None or spec.type != "repetition":
            continue
        inner = {d["id"]: d for d in found.get("champDescriptors") or []}
        for col_name, col in spec.columns.items():
            found_col = inner.get(col.id)
            drifts.extend(
                _drift_of(demarche_number, f"{name}.{col_name}", col.id, col.type, found_col)
            )
    return drifts


def _drift_of(
    demarche_number: int, field: str, champ_id: str, expected: str, found: Mapping[str, Any] | None
) -> list[Drift]:
    if found is None:
        return [Drift(demarche_number, field, champ_id, expected, None)]
    actual = descriptor_type(found["__typename"])
    if actual != expected:
        return [Drift(demarche_number, field, champ_id, expected, actual)]
    return []


def map_fields(
    demarche_number: int,
    dossier_number: int,
    champs: Iterable[Mapping[str, Any]],
    fields: Mapping[str, FieldSpec],
) -> dict[str, Any]:
    """Our named fields from a dossier's champs.

    Raises DossierMappingError listing every problem, so one quarantine entry says it all.
    """
    by_id = {c["champDescriptorId"]: c for c in champs}
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for name, spec in fields.items():
        champ = by_id.get(spec.id)
        if champ is None:
            if spec.required:
                problems.append(FieldProblem(name, spec.id, "required", "absent du dossier"))
            values[name] = None
            continue
        try:
            value = _champ_value(champ, spec.type, name)
            if spec.type == "repetition":
                value = _map_rows(champ, spec, name)
        except _BadChamp as bad:
            problems.append(FieldProblem(bad.field, bad.champ_id or spec.id, bad.rule, bad.detail))
            continue
        if spec.required and value in (None, "", []):
            problems.append(FieldProblem(name, spec.id, "required", "sans réponse"))
        values[name] = value
    if problems:
        raise DossierMappingError(demarche_number, dossier_number, problems)
    return values


class _BadChamp(Exception):
    def __init__(self, field: str, rule: str, detail: str, champ_id: str | None = None):
        super().__init__(detail)
        self.field, self.rule, self.detail, self.champ_id = field, rule, detail, champ_id


def _map_rows(champ: Mapping[str, Any], spec: FieldSpec, name: str) -> list[dict[str, Any]]:
    rows = []
    for row in champ.get("rows") or []:
        cells = {c["champDescriptorId"]: c for c in row.get("champs") or []}
        mapped: dict[str, Any] = {}
        for col_name, col in spec.columns.items():
            cell = cells.get(col.id)
            try:
                mapped[col_name] = None if cell is None else _champ_value(cell, col.type, name)
            except _BadChamp as bad:
                raise _BadChamp(f"{name}.{col_name}", bad.rule, bad.detail, col.id) from None
        rows.append(mapped)
    return rows


def _champ_value(champ: Mapping[str, Any], expected: str, field: str) -> Any:
    typename = champ.get("__typename")
    wanted = CHAMP_TYPENAMES.get(expected)
    if wanted is None:  # a type we do not interpret: keep DS's text rendering
        return champ.get("stringValue")
    if typename != wanted:
        raise _BadChamp(field, "type", f"attendu un champ {wanted} ({expected}), reçu "
                        f"{typename}")
    if expected in ("text", "textarea", "email", "phone"):
        return _clean_text(champ.get("text", champ.get("stringValue")))
    if expected == "integer_number":
        return _to_int(champ.get("integerNumber"), field)
    if expected == "decimal_number":
        raw = champ.get("decimalNumber")
        return None if raw is None else float(raw)
    if expected == "date":
        return champ.get("date")
    if expected == "datetime":
        return champ.get("datetime")
    if expected == "yes_no":
        return champ.get("yesNo")
    if expected == "checkbox":
        return bool(champ.get("checked"))
    if expected == "drop_down_list":
        return _clean_text(champ.get("choice"))
    if expected == "multiple_drop_down_list":
        return list(champ.get("choices") or [])
    if expected == "linked_drop_down_list":
        return [champ.get("primaryValue"), champ.get("secondaryValue")]
    return None  # repetition: rows are mapped by the caller


def _clean_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _to_int(raw: Any, field: str) -> int | None:
    """DS's BigInt scalar travels as a string."""
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise _BadChamp(field, "type", f"nombre entier attendu, reçu {quoted(raw)}") from None
