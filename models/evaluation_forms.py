"""Reading a dossier of the evaluation démarche: which assignment it answers, and how.

The form is open to whoever holds the link, so it counts only when its signed token
verifies and agrees with the evaluated dossier and the evaluator it names. Issue-level
validation of the scores themselves lives with the scoring; here we only learn whether
an evaluator has answered (evaluation) or stepped back (decline), to stop chasing them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from models.evaluation_token import token_assignment, verify_token

FormKind = Literal["evaluation", "decline", "other"]
SUBMITTED_STATES = ("en_construction", "en_instruction", "accepte")


@dataclass(frozen=True)
class AssignmentRef:
    id: int
    evaluator: str
    dossier: int
    status: str


@dataclass(frozen=True)
class FormReading:
    """What one evaluation form says; ``problem`` (with its ``field``) when it cannot count."""

    form_number: int
    kind: FormKind
    assignment_id: int | None
    field: str | None = None
    problem: str | None = None
    motif: str | None = None
    conflict: bool = False

    @property
    def valid(self) -> bool:
        return self.problem is None


def read_form(
    form_number: int, fields: Mapping[str, Any], secret: bytes,
    assignments: Mapping[int, AssignmentRef], *, nature_evaluation: str, nature_decline: str,
    conflict_motifs: Collection[str],
) -> FormReading:
    nature = (fields.get("nature") or "").strip()
    kind: FormKind = ("evaluation" if nature == nature_evaluation
                      else "decline" if nature == nature_decline else "other")
    motif = fields.get("motif_declin")
    token = fields.get("jeton")
    claimed = token_assignment(token)

    def problem(field: str, rule: str, assignment: int | None = None) -> FormReading:
        return FormReading(form_number, kind, assignment, field, rule, motif)

    if claimed is None:
        return problem("jeton", "le jeton est absent ou mal formé (il ne doit pas être modifié)")
    ref = assignments.get(claimed)
    if ref is None:
        return problem("jeton", f"le jeton désigne l'affectation n°{claimed}, inconnue")
    if not verify_token(secret, token, ref.id, ref.evaluator, ref.dossier):
        return problem("jeton", "la signature du jeton ne correspond pas (jeton modifié ou "
                       "recopié d'un autre formulaire)", ref.id)
    try:
        evaluated = int(fields.get("dossier_evalue"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        evaluated = None
    if evaluated != ref.dossier:
        return problem("dossier_evalue", f"le dossier évalué ({fields.get('dossier_evalue')}) "
                       f"n'est pas celui du jeton ({ref.dossier})", ref.id)
    email = (fields.get("evaluateur_email") or "").strip().lower()
    if email != ref.evaluator.lower():
        return problem("evaluateur_email", f"le courriel ({email or 'absent'}) n'est pas celui "
                       f"de l'évaluateur sollicité", ref.id)
    if kind == "other":
        return problem("nature", f"nature {nature!r} inattendue pour une évaluation", ref.id)
    return FormReading(form_number, kind, ref.id, motif=motif,
                       conflict=kind == "decline" and motif in conflict_motifs)


def next_status(current: str, kind: FormKind) -> str | None:
    """The assignment's status once a valid form of ``kind`` arrived (None: unchanged).

    A late evaluator who was replaced may still submit: the evaluation counts (the first
    valid ones up to k, decided by the scoring). A decline only closes an open task.
    """
    if kind == "evaluation" and current != "submitted":
        return "submitted"
    if kind == "decline" and current in ("proposed", "accepted", "started"):
        return "declined"
    return None
