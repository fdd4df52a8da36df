"""Writing private annotations: `dossierModifierAnnotations`, DS's batch write.

It is not transactional. Per DS's source, each value is saved on its own: `annotations`
lists the champs saved, `errors` the validation messages of the others (messages that do
not say which annotation they are about), and a value whose key does not match the
champ's type, or whose id is not an annotation of the dossier, is skipped without any
error. So what failed is "asked for and not in `annotations`", and partial success is a
result to record, not an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, get_args

from ._documents import load_document
from ._exceptions import DSPayloadError
from ._mutations import mutation_context, payload_messages
from ._pages import GraphQLExecutor

AnnotationKind = Literal[
    "text",
    "textarea",
    "email",
    "checkbox",
    "yesNo",
    "date",
    "datetime",
    "integerNumber",
    "decimalNumber",
    "dropDownList",
    "multipleDropDownList",
    "repetition",
]
"""The keys of DS's `AnnotationValueInput @oneOf`; the key must match the champ's type."""

ANNOTATION_KINDS: tuple[str, ...] = get_args(AnnotationKind)

_STRINGS = {"text", "textarea", "email", "dropDownList"}
_BOOLEANS = {"checkbox", "yesNo"}

SILENTLY_SKIPPED = (
    "DS did not apply it and gave no reason: the id is not an annotation of this dossier, "
    "or the value's key ({kind}) does not match the annotation's type"
)


@dataclass(frozen=True)
class AnnotationValue:
    """One annotation to write: its id (the champDescriptor id for a root annotation; the
    champ id for one in a repetition row), the `AnnotationValueInput` key, and the value.

    The value is checked against the key here, because DS would reject a mistyped
    variable for the whole batch. `repetition` adds that many rows: it is not idempotent.
    """

    annotation_id: str
    kind: AnnotationKind
    value: Any

    def __post_init__(self) -> None:
        if self.kind not in ANNOTATION_KINDS:
            raise ValueError(
                f"annotation {self.annotation_id}: unknown kind {self.kind!r} "
                f"(DS knows {', '.join(ANNOTATION_KINDS)})"
            )
        object.__setattr__(self, "value", _checked(self.annotation_id, self.kind, self.value))

    def to_input(self) -> dict[str, Any]:
        """The `AnnotationInput` sent to DS: `{id, value: {<kind>: <wire value>}}`."""
        return {"id": self.annotation_id, "value": {self.kind: _wire(self.kind, self.value)}}


@dataclass(frozen=True)
class UpdatedAnnotation:
    annotation_id: str
    champ_descriptor_id: str | None
    string_value: str | None


@dataclass(frozen=True)
class FailedAnnotation:
    annotation_id: str
    kind: str
    reason: str


@dataclass(frozen=True)
class AnnotationsResult:
    """What one `dossierModifierAnnotations` did. `messages` are DS's validation
    messages, which DS does not tie to an annotation: each failure carries them all."""

    dossier_id: str
    updated: tuple[UpdatedAnnotation, ...]
    failed: tuple[FailedAnnotation, ...]
    messages: tuple[str, ...] = field(default=())
    client_mutation_id: str | None = None

    @property
    def complete(self) -> bool:
        return not self.failed

    @property
    def updated_ids(self) -> set[str]:
        return {annotation.annotation_id for annotation in self.updated}


def modify_annotations(
    client: GraphQLExecutor,
    dossier_id: str,
    instructeur_id: str,
    values: list[AnnotationValue],
    client_mutation_id: str | None = None,
) -> AnnotationsResult:
    """Write `values` in one `dossierModifierAnnotations`.

    Returns which annotations DS saved and which it did not (with DS's messages, or the
    reason it skips silently). Raises `DSPayloadError` when nothing was applied (a
    read-only token, an instructeur without access, every value invalid), and any other
    `DSError` of the request (never retried after a 5xx: it is a mutation).
    """
    if not values:
        raise ValueError("modify_annotations needs at least one value")
    ids = [value.annotation_id for value in values]
    if len(set(ids)) != len(ids):
        raise ValueError(f"an annotation appears twice in one batch: {ids}")
    variables: dict[str, Any] = {
        "dossierId": dossier_id,
        "instructeurId": instructeur_id,
        "annotations": [value.to_input() for value in values],
    }
    if client_mutation_id is not None:
        variables["clientMutationId"] = client_mutation_id
    mutation = "dossierModifierAnnotations"
    context = mutation_context(load_document("dossier_modifier_annotations"), variables)
    payload = client.execute("dossier_modifier_annotations", variables).get(mutation)
    messages = payload_messages(payload)
    saved = (payload or {}).get("annotations") or []
    by_id: dict[str, dict] = {}
    for champ in saved:
        for key in (champ.get("id"), champ.get("champDescriptorId")):
            if key is not None:
                by_id.setdefault(str(key), champ)
    updated = tuple(
        UpdatedAnnotation(
            annotation_id=value.annotation_id,
            champ_descriptor_id=by_id[value.annotation_id].get("champDescriptorId"),
            string_value=by_id[value.annotation_id].get("stringValue"),
        )
        for value in values
        if value.annotation_id in by_id
    )
    reason_of_failure = "; ".join(messages)
    failed = tuple(
        FailedAnnotation(
            annotation_id=value.annotation_id,
            kind=value.kind,
            reason=reason_of_failure or SILENTLY_SKIPPED.format(kind=value.kind),
        )
        for value in values
        if value.annotation_id not in by_id
    )
    if not updated:
        said = messages or [
            "no annotation was applied"
            + ("" if payload is not None else " (DS answered no payload)")
            + ": "
            + SILENTLY_SKIPPED.format(kind="/".join(sorted({v.kind for v in values})))
        ]
        raise DSPayloadError(
            f"{context}: DS refused {mutation} ({'; '.join(said)}): fix the data, the "
            "instructeur or the token (a read-only token cannot mutate), then re-deliver",
            mutation=mutation,
            messages=list(said),
        )
    return AnnotationsResult(
        dossier_id=dossier_id,
        updated=updated,
        failed=failed,
        messages=tuple(messages),
        client_mutation_id=(payload or {}).get("clientMutationId"),
    )


def _checked(annotation_id: str, kind: str, value: Any) -> Any:
    """`value` in a canonical Python form for `kind`; TypeError/ValueError otherwise."""

    def wrong(expected: str) -> TypeError:
        return TypeError(
            f"annotation {annotation_id}: a {kind} value must be {expected}, got {value!r}"
        )

    if kind in _STRINGS:
        if not isinstance(value, str):
            raise wrong("a str")
        return value
    if kind in _BOOLEANS:
        if not isinstance(value, bool):
            raise wrong("a bool")
        return value
    if kind in ("integerNumber", "repetition"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("an int")
        if kind == "repetition" and value < 1:
            raise ValueError(f"annotation {annotation_id}: repetition adds rows: need >= 1")
        return value
    if kind == "decimalNumber":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong("a number")
        if not math.isfinite(value):
            raise ValueError(f"annotation {annotation_id}: {value} is not a finite number")
        return float(value)
    if kind == "date":
        if isinstance(value, str):
            value = date.fromisoformat(value)
        if isinstance(value, datetime) or not isinstance(value, date):
            raise wrong("a date (not a datetime)")
        return value
    if kind == "datetime":
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if not isinstance(value, datetime):
            raise wrong("a datetime")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"annotation {annotation_id}: DS needs a timezone-aware datetime")
        return value
    # multipleDropDownList
    if not isinstance(value, list | tuple) or not all(isinstance(i, str) for i in value):
        raise wrong("a list of str")
    return tuple(value)


def _wire(kind: str, value: Any) -> Any:
    if kind in ("date", "datetime"):
        return value.isoformat()
    if kind == "multipleDropDownList":
        return list(value)
    return value
