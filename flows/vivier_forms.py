"""Applying the vivier candidates' own updates, as the sync brings them (no stage: the
sync runs it, `eig vivier` and the deliberation use its link).

The « vivier » démarche's forms (models/vivier_forms.py) are read in the order they were
answered: a valid one updates the person's vivier entry (availability, wishes, consent
renewed) or takes them out of the vivier (consent withdrawn: out of every mission search
at once, their data then under the retention of a candidate not retained); a form that
cannot count is kept with its field and rule (`eig quarantine`). A form is read again
only when its answers changed, and an answer older than the one applied changes nothing:
any number of runs, in sequence or at once (one lease), leave the same vivier. Each
answer is told to the person on their form's dossier (a DS message, once per answer):
recorded, withdrawn, or why it cannot count.

A candidature still open in DS (en construction, en instruction) whose own champs change
updates the entry too, when its answer is later than the last one applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from connectors.documents import environment
from connectors.ds import prefill_base_url, prefill_link
from connectors.store import outbox
from connectors.store.personal_data import leave_vivier
from flows.delivery.task_emails import programme
from flows.guard import stage_lease
from flows.hearing_booking import withdraw_request
from flows.runtime import Runtime
from models.evaluation_forms import SUBMITTED_STATES
from models.french import compte
from models.hearing_outcome import MISSIONS
from models.hearing_selection import RequestStatus
from models.outbox import Kind, ds_key
from models.paris_time import PARIS, aware
from models.placement import VivierStatus
from models.retention import DataClass
from models.tables import (
    Demarche,
    Dossier,
    HearingRequest,
    HearingSlot,
    VivierForm,
    VivierMember,
)
from models.vivier_forms import (
    CHOICES,
    LABELS,
    LEFT_VIVIER,
    WISHES,
    VivierFormStatus,
    changes_read,
    last_answer_at,
    make_vivier_token,
    read_vivier_form,
    updated_profile,
)
from settings.environment import resolve_eval_token_secret

OPEN_CANDIDATURE = ("en_construction", "en_instruction")
"""A candidature DS still lets its applicant edit (or reports as such)."""


@dataclass
class VivierFormsReport:
    forms: int = 0
    updated: list[int] = field(default_factory=list)  # candidatures whose entry changed
    withdrawn: list[int] = field(default_factory=list)  # consent withdrawn: out
    superseded: int = 0
    from_candidature: list[int] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    engaged: list[int] = field(default_factory=list)  # withdrawn, but under contract
    cancelled: list[dict[str, Any]] = field(default_factory=list)  # withdrawn: entretiens off

    def as_dict(self) -> dict[str, Any]:
        return {"forms": self.forms, "updated": self.updated, "withdrawn": self.withdrawn,
                "superseded": self.superseded, "from_candidature": self.from_candidature,
                "rejected": self.rejected, "engaged": self.engaged, "cancelled": self.cancelled}


def vivier_link(rt: Runtime, dossier_number: int) -> str | None:
    """The prefilled, signed link of a vivier entry's form (the same every time); None
    when no vivier démarche is configured."""
    demarche = rt.config.demarches.get("vivier")
    if demarche is None:
        return None
    fields = demarche.fields
    values = {"dossier_candidature": dossier_number,
              "jeton": make_vivier_token(resolve_eval_token_secret(rt.settings),
                                         dossier_number),
              "consentement": True}
    public = rt.settings.ds_public_url or prefill_base_url(rt.settings.ds_api_url)
    return prefill_link(public, rt.config.procedure_path("vivier"),
                        {fields[k].id: v for k, v in values.items() if k in fields})


def apply_vivier_forms(rt: Runtime) -> VivierFormsReport:
    """Read the vivier démarche's new or changed forms and the open candidatures' changes
    into the vivier, in one transaction, under the lease « vivier-forms »."""
    with stage_lease(rt, "vivier-forms"), rt.sessions.begin() as session:
        report = VivierFormsReport()
        if "vivier" in rt.config.demarches:
            _apply_forms(session, rt, report)
        _apply_candidatures(session, rt, report)
        return report


def _apply_forms(session: Session, rt: Runtime, report: VivierFormsReport) -> None:
    demarche = rt.config.demarches["vivier"]
    secret = resolve_eval_token_secret(rt.settings)
    now = rt.clock()
    options = _options(session, demarche.number, {k: demarche.fields[k].id for k in CHOICES
                                                  if k in demarche.fields})
    stored = {int(f.form_number): f for f in session.scalars(select(VivierForm))}
    forms = session.scalars(select(Dossier).where(
        Dossier.demarche_number == demarche.number, Dossier.hidden.is_(False),
        Dossier.deleted.is_(False), Dossier.quarantined.is_(False),
        Dossier.pseudonymised_at.is_(None),  # past its retention: nothing left to read
        Dossier.state.in_(SUBMITTED_STATES))).all()
    forms.sort(key=lambda f: (_answered_at(f), int(f.number)))
    members = {int(n) for n in session.scalars(select(VivierMember.dossier_number))}
    for form in forms:
        report.forms += 1
        row = stored.get(int(form.number))
        answered = _answered_at(form)
        # the same answer (our own message on the form moves DS's update date, not this)
        if row is not None and row.answered_at is not None \
                and aware(row.answered_at) == answered:
            if row.status == VivierFormStatus.INVALID:
                report.rejected.append(_rejected(row, new=False))
            continue
        reading = read_vivier_form(int(form.number), form.fields or {}, secret,
                                   members=members,
                                   answered_on=answered.astimezone(PARIS).date(),
                                   options=options)
        if row is None:
            row = VivierForm(form_number=int(form.number), recorded_at=now, changes={},
                             status=VivierFormStatus.INVALID)
            session.add(row)
            stored[int(form.number)] = row
        row.dossier_number = reading.dossier
        row.answered_at, row.form_updated_at, row.updated_at = answered, form.ds_updated_at, now
        answer = reading.answer
        if answer is None:
            row.status, row.stays, row.changes = VivierFormStatus.INVALID, None, {}
            row.problem_field, row.problem = reading.field, reading.rule
            report.rejected.append(_rejected(row, new=True))
            link = vivier_link(rt, reading.dossier) if reading.dossier is not None and \
                reading.field not in ("jeton", "dossier_candidature") else None
            _tell(session, rt, row, "invalid", field=LABELS.get(reading.field or "", ""),
                  rule=reading.rule, vivier_link=link)
            continue
        row.stays, row.changes = answer.stays, dict(answer.changes)
        row.problem_field = row.problem = None
        member = session.get(VivierMember, answer.dossier)
        assert member is not None  # read_vivier_form checked it
        if not _later(answered, member):
            row.status = VivierFormStatus.SUPERSEDED
            report.superseded += 1
            continue
        row.status = VivierFormStatus.APPLIED
        if not answer.stays:
            report.withdrawn.append(answer.dossier)
            if member.status == VivierStatus.ENGAGE:
                report.engaged.append(answer.dossier)  # hired: the contract holds them
            members.discard(answer.dossier)
            cancelled = _withdraw(session, answer.dossier, now)
            if cancelled:
                report.cancelled.append({"dossier": answer.dossier, "missions": cancelled})
            _tell(session, rt, row, "withdrawn", kept_for=_kept_for(rt))
            continue
        member.profile = updated_profile(member.profile or {}, answer.changes,
                                         f"formulaire du vivier n° {form.number}",
                                         answered.isoformat())
        member.consent_at = answered  # consent renewed: the retention restarts
        member.updated_at = now
        report.updated.append(answer.dossier)
        _tell(session, rt, row, "updated", changes=changes_read(answer.changes))
    session.flush()


def _tell(session: Session, rt: Runtime, row: VivierForm, outcome: str,
          **context: Any) -> None:
    """The person's answer on their form's dossier (a DS message): recorded, withdrawn,
    or why it cannot count — once per answer (the key names the form and the answer)."""
    answered = aware(row.answered_at) if row.answered_at else rt.clock()
    body = environment().get_template("messages/vivier_form.txt.j2").render(
        outcome=outcome, form=int(row.form_number),
        answered_on=answered.astimezone(PARIS).date(),
        programme=programme(rt), **context).strip()
    digest = hashlib.sha256(f"{answered.isoformat()}\n{body}".encode()).hexdigest()[:10]
    outbox.record_effect(session, ds_key("message", int(row.form_number),
                                         f"vivier-{outcome}-{digest}"),
                         Kind.DS, "message", {"dossier": int(row.form_number), "body": body},
                         rt.clock())


def _kept_for(rt: Runtime) -> str:
    """How long a candidate not retained is kept (rgpd.retention), as a person reads it."""
    days = rt.config.rgpd.policy()[DataClass.CANDIDATS_NON_RETENUS].days or 0
    return compte(days // 365, "an") if days % 365 == 0 else compte(days, "jour")


def _withdraw(session: Session, number: int, now: datetime) -> list[int]:
    """Consent withdrawn: out of the vivier (and of the placements not signed); their
    entretiens de mission not yet booked are dropped, the booked ones cancelled (the
    jury, the administration's contact and the person told by the cancellation email:
    flows.hearing_booking.withdraw_request). Returns the missions whose entretien was
    cancelled."""
    requests = list(session.scalars(select(HearingRequest).where(
        HearingRequest.track == MISSIONS, HearingRequest.dossier_number == number)))
    cancelled = sorted({int(r.mission_id) for r in requests
                        if r.status == RequestStatus.SCHEDULED
                        and withdraw_request(session, r, LEFT_VIVIER, now)})
    pending = [r.id for r in requests if r.status == RequestStatus.PENDING]
    if pending:
        session.execute(delete(HearingSlot).where(HearingSlot.request_id.in_(pending)))
        session.execute(delete(HearingRequest).where(HearingRequest.id.in_(pending)))
    leave_vivier(session, number)
    return cancelled


def _apply_candidatures(session: Session, rt: Runtime, report: VivierFormsReport) -> None:
    """The candidature's own champs, changed while DS still reports it open."""
    candidats = rt.config.demarches["candidats"].number
    rows = session.execute(select(VivierMember, Dossier).join(
        Dossier, Dossier.number == VivierMember.dossier_number).where(
        Dossier.demarche_number == candidats, Dossier.state.in_(OPEN_CANDIDATURE),
        Dossier.quarantined.is_(False), Dossier.champs_updated_at.is_not(None))).all()
    for member, dossier in rows:
        answered = aware(dossier.champs_updated_at)
        if answered <= aware(member.joined_at) or not _later(answered, member):
            continue
        fields = dossier.fields or {}
        changes = {key: fields.get(key) for key in ("disponibilite", *WISHES)}
        profile = updated_profile(member.profile or {}, changes,
                                  f"candidature n° {dossier.number}", answered.isoformat())
        if _without_date(profile) == _without_date(member.profile or {}):
            continue  # another champ changed (a phone number…): nothing for the vivier
        member.profile, member.updated_at = profile, rt.clock()
        report.from_candidature.append(int(dossier.number))


def _without_date(profile: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in profile.items() if key != "mise_a_jour"}


def _later(answered: datetime, member: VivierMember) -> bool:
    """Whether an answer given at ``answered`` is later than the one the entry holds."""
    last = last_answer_at(member.profile)
    return last is None or answered > aware(datetime.fromisoformat(last))


def _answered_at(form: Dossier) -> datetime:
    """When the person gave this answer: their last change of its champs, or its filing."""
    moment = form.champs_updated_at or form.date_depot or form.first_seen_at
    return aware(moment)


def _options(session: Session, number: int, ids: dict[str, str]) -> dict[str, list[str]]:
    """The démarche's choices of each wish, from the revision the sync checked."""
    demarche = session.get(Demarche, number)
    descriptors = {d.get("id"): d for d in ((demarche.descriptors or {}).get(
        "champDescriptors") or [])} if demarche is not None else {}
    return {name: list(descriptors[champ].get("options") or [])
            for name, champ in ids.items() if champ in descriptors}


def _rejected(row: VivierForm, new: bool) -> dict[str, Any]:
    return {"form": int(row.form_number), "dossier": row.dossier_number,
            "field": row.problem_field, "reason": row.problem, "new": new}


def invalid_vivier_rows(session: Session, config: Any) -> list[dict[str, Any]]:
    """The vivier forms that do not count, as `eig quarantine` lists them."""
    vivier = config.demarches.get("vivier")
    if vivier is None:
        return []
    return [{"demarche": vivier.number, "dossier": int(f.form_number),
             "field": f.problem_field, "rule": "vivier", "reason": f.problem,
             "first_seen": f.recorded_at.isoformat(), "last_seen": f.updated_at.isoformat(),
             "times_seen": 1}
            for f in session.scalars(select(VivierForm).where(
                VivierForm.status == VivierFormStatus.INVALID).order_by(VivierForm.form_number))]
