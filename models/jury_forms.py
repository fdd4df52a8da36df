"""Reading a juror's scoring form (the evaluation démarche, nature « audition »): which
hearing it scores, and whether it counts.

A form counts when its signed token names a slot that was held (not cancelled, already
started), was made for the juror the form names and for the dossier it names, and its
scores follow the rules of the CSV path (``models.hearing_outcome``): every criterion of
the track, integers within the scale, the comment when the track requires it. Otherwise
it is set aside with the field and the rule, as an evaluation form is.

Precedence with the CSV fallback (``eig hearings scores``): one score per juror and
hearing; a valid form replaces a CSV row, a CSV row never replaces a form (the form comes
signed from the juror, the CSV through the team). Among a juror's forms for one hearing,
the latest deposited counts, the earlier ones are superseded.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from models.evaluation_forms import check_scores
from models.evaluation_token import token_assignment
from models.jury_token import jury_token_slot, token_juror

NOT_YET = "l'audition n'a pas encore eu lieu"
"""The rule of a form sent before its hearing began (read again later: it will count)."""
FORM_SOURCE = "formulaire DS n°"
"""The prefix of ``HearingScore.source`` for a score that came by a DS form."""


class JuryFormStatus(StrEnum):
    """A jury form as stored: it counts, is set aside (quarantine), or a later form of
    the same juror for the same hearing replaced it."""

    VALID = "valid"
    INVALID = "invalid"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class HeldSlot:
    """What a form is checked against: a booked slot of a hearing."""

    id: int
    request_id: int
    dossier: int
    track: str
    jury: tuple[str, ...]
    start: datetime
    cancelled: bool


@dataclass(frozen=True)
class Scale:
    """The rules of a track's scores: criteria (key → label), scale, comment."""

    criteria: Mapping[str, str]
    min: int
    max: int
    comment_required: bool


@dataclass(frozen=True)
class JuryFormReading:
    """One jury form as read; ``problems`` (field, rule) when it cannot count."""

    form_number: int
    slot: HeldSlot | None
    juror: str | None
    scores: Mapping[str, int] = field(default_factory=dict)
    comment: str | None = None
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str | None:
        return "; ".join(rule for _, rule in self.problems) or None


def read_jury_form(form_number: int, fields: Mapping[str, Any], secret: bytes,
                   slots: Mapping[int, HeldSlot], scales: Mapping[str, Scale],
                   now: datetime) -> JuryFormReading:
    """Check one form against the slots (by id) and the scales (by hearing track)."""
    token = fields.get("jeton")
    email = (fields.get("evaluateur_email") or "").strip().lower()

    def problem(field_: str, rule: str, slot: HeldSlot | None = None,
                juror: str | None = None) -> JuryFormReading:
        return JuryFormReading(form_number, slot, juror or email or None,
                               problems=((field_, rule),))

    claimed = jury_token_slot(token)
    if claimed is None and token_assignment(token) is not None:
        return problem("nature", "nature « audition » inattendue : ce jeton est celui d'une "
                       "évaluation de dossier (nature « évaluation » ou « déclin »)")
    if claimed is None:
        return problem("jeton", "le jeton est absent ou mal formé (il ne doit pas être "
                       "modifié)")
    slot = slots.get(claimed)
    if slot is None:
        return problem("jeton", f"le jeton désigne l'audition n°{claimed}, inconnue")
    juror = token_juror(secret, token, slot.id, slot.jury, slot.dossier)
    if juror is None:
        return problem("jeton", "la signature du jeton ne correspond pas (jeton modifié ou "
                       "recopié d'un autre formulaire)", slot)
    try:
        heard = int(fields.get("dossier_evalue"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        heard = None
    if heard != slot.dossier:
        return problem("dossier_evalue", f"le dossier ({fields.get('dossier_evalue')}) "
                       f"n'est pas celui de l'audition ({slot.dossier})", slot, juror)
    if email != juror:
        return problem("evaluateur_email", f"le courriel ({email or 'absent'}) n'est pas "
                       "celui du membre du jury invité", slot, juror)
    if slot.cancelled:
        return problem("jeton", "ce créneau d'audition a été annulé : seules comptent les "
                       "notes d'un créneau maintenu (celui de votre invitation la plus "
                       "récente, s'il y en a une)", slot, juror)
    if slot.start > now:
        return problem("dossier_evalue", NOT_YET, slot, juror)
    scale = scales.get(slot.track)
    if scale is None:
        return problem("jeton", f"le parcours « {slot.track} » de cette audition n'a plus "
                       "de critères dans la configuration", slot, juror)
    check = check_scores(fields, scale.criteria, scale.min, scale.max, scale.comment_required)
    return JuryFormReading(form_number, slot, juror, check.scores, check.comment,
                           check.problems)


@dataclass(frozen=True)
class CountedJuryForm:
    id: int
    request_id: int
    juror: str
    submitted_at: datetime


def settle_jury_forms(forms: Collection[CountedJuryForm]) -> dict[int, JuryFormStatus]:
    """Of the valid forms, the latest deposited of each juror and hearing counts; the
    earlier ones are superseded."""
    latest: dict[tuple[int, str], CountedJuryForm] = {}
    status: dict[int, JuryFormStatus] = {}
    for form in sorted(forms, key=lambda f: (f.submitted_at, f.id)):
        previous = latest.get((form.request_id, form.juror))
        if previous is not None:
            status[previous.id] = JuryFormStatus.SUPERSEDED
        latest[(form.request_id, form.juror)] = form
        status[form.id] = JuryFormStatus.VALID
    return status


def from_form(source: str | None) -> bool:
    """Whether a stored hearing score came by a DS form (which a CSV row never replaces)."""
    return bool(source) and str(source).startswith(FORM_SOURCE)
