"""Reading a dossier of the evaluation démarche: which assignment it answers, and how.

The form is open to whoever holds the link, so it counts only when its signed token
verifies and agrees with the evaluated dossier and the evaluator it names. Issue-level
validation of the scores themselves lives with the scoring; here we only learn whether
an evaluator has answered (evaluation) or stepped back (decline), to stop chasing them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from models.evaluation_inputs import OPEN_STATUSES, AssignmentStatus
from models.evaluation_token import token_assignment, verify_token
from models.quote import quoted


class FormKind(StrEnum):
    """What an evaluation-démarche form is, by its « nature » champ."""

    EVALUATION = "evaluation"
    DECLINE = "decline"
    OTHER = "other"

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
    kind = (FormKind.EVALUATION if nature == nature_evaluation
            else FormKind.DECLINE if nature == nature_decline else FormKind.OTHER)
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
                       conflict=kind == FormKind.DECLINE and motif in conflict_motifs)


def next_status(current: str, kind: FormKind) -> str | None:
    """The assignment's status once a valid form of ``kind`` arrived (None: unchanged).

    A late evaluator who was replaced may still submit: the evaluation counts (the first
    valid ones up to k, decided by the scoring). A decline only closes an open task.
    """
    if kind == FormKind.EVALUATION and current != AssignmentStatus.SUBMITTED:
        return AssignmentStatus.SUBMITTED
    if kind == FormKind.DECLINE and current in OPEN_STATUSES:
        return AssignmentStatus.DECLINED
    return None


@dataclass(frozen=True)
class ScoreCheck:
    """The scores of an evaluation form, and every problem found (field, rule)."""

    scores: dict[str, int]
    comment: str | None
    problems: tuple[tuple[str, str], ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def check_scores(fields: Mapping[str, Any], criteria: Mapping[str, str], scale_min: int,
                 scale_max: int, comment_required: bool) -> ScoreCheck:
    """Every criterion of the track scored with an integer within the scale; the comment
    present when the track requires it. ``criteria``: key → label (named in messages)."""
    scores: dict[str, int] = {}
    problems: list[tuple[str, str]] = []
    for key, label in criteria.items():
        field = f"note_{key}"
        raw = fields.get(field)
        if raw is None or raw == "":
            problems.append((field, f"la note « {label} » est absente"))
            continue
        try:
            value = int(raw)
            if value != float(raw):
                raise ValueError
        except (TypeError, ValueError):
            problems.append((field, f"la note « {label} » ({quoted(raw)}) n'est pas un "
                                    "nombre entier"))
            continue
        if not scale_min <= value <= scale_max:
            problems.append((field, f"la note « {label} » ({value}) est hors de l'échelle "
                             f"{scale_min}–{scale_max}"))
            continue
        scores[key] = value
    comment = (fields.get("commentaire") or "").strip() or None
    if comment_required and comment is None:
        problems.append(("commentaire", "le commentaire est obligatoire"))
    return ScoreCheck(scores, comment, tuple(problems))


@dataclass(frozen=True)
class CountedForm:
    """A valid evaluation form, as the rule of the first k needs it."""

    id: int
    assignment_id: int
    submitted_at: datetime


class FormStatus(StrEnum):
    """An evaluation form as stored: it counts (valid), is set aside with its reason
    (invalid), was replaced by a later form of the same task (superseded), or came
    beyond the dossier's first k (extra: kept, flagged)."""

    VALID = "valid"
    INVALID = "invalid"
    SUPERSEDED = "superseded"
    EXTRA = "extra"


def settle(forms: Collection[CountedForm], k: int) -> dict[int, str]:
    """Which valid forms of one dossier count: for each assignment its latest form (the
    earlier ones are ``superseded``), then the first k of those by submission date
    (``valid``); the others are kept but flagged ``extra``."""
    latest: dict[int, CountedForm] = {}
    status: dict[int, str] = {}
    for form in sorted(forms, key=lambda f: (f.submitted_at, f.id)):
        previous = latest.get(form.assignment_id)
        if previous is not None:
            status[previous.id] = FormStatus.SUPERSEDED
        latest[form.assignment_id] = form
    ordered = sorted(latest.values(), key=lambda f: (f.submitted_at, f.id))
    for position, form in enumerate(ordered):
        status[form.id] = FormStatus.VALID if position < k else FormStatus.EXTRA
    return status
