"""Hearing invitations and cancellations, composed at send time from the booked slot:
an invitation whose slot was cancelled before it left is not sent, and a cancellation
is sent only to those whose invitation did leave. Each carries an .ics (REQUEST or
CANCEL), so calendars add, move and remove the event themselves: one event per person
and hearing (``calendar_identity``), whichever slot it is booked on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import calendar_uid, hearing_calendar, render_email
from connectors.ds import DossierPdf
from connectors.mail import Address, Attachment, OutgoingEmail
from flows.delivery.task_emails import programme, sender_domain
from flows.jury_forms import jury_link, scores_due
from flows.runtime import Runtime
from models.evaluation_task import applicant_name, dossier_brief
from models.hearing_outcome import HEARING_LABELS, criteria_track
from models.hearing_selection import RequestStatus, SlotStatus
from models.outbox import Status, mail_key
from models.paris_time import aware as _aware
from models.tables import (
    Dossier,
    Effect,
    EvaluatorRow,
    HearingRequest,
    HearingSlot,
    Mission,
)
from models.vivier_forms import LEFT_VIVIER


class HearingPayloadError(ValueError):
    """The effect names a slot the store does not have."""


def hearing_context(session: Session, rt: Runtime, slot: HearingSlot, role: str
                    ) -> dict[str, Any]:
    """What the invitation, the cancellation and the DS message say of a slot."""
    request = session.get(HearingRequest, slot.request_id)
    dossier = session.scalar(select(Dossier).where(Dossier.number == request.dossier_number))
    brief = dossier_brief(request.track, request.dossier_number, dossier.fields or {},
                          dossier.applicant or {})
    jury = [session.get(EvaluatorRow, email) for email in slot.jury]
    previous = session.scalar(select(HearingSlot).where(
        HearingSlot.request_id == request.id, HearingSlot.status == SlotStatus.CANCELLED,
        HearingSlot.id < slot.id).order_by(HearingSlot.id.desc()).limit(1))
    start, end = _aware(slot.start), _aware(slot.end)
    extra = {}
    if request.mission_id:  # an entretien de mission names its mission
        extra["mission"] = mission_context(session.get(Mission, request.mission_id))
    return {
        "hearing": {**extra,
            "kind_label": HEARING_LABELS[request.hearing_type],
            "dossier": {k: brief[k] for k in ("number", "kind", "title")},
            "start": start, "end": end, "location": slot.location,
            "duration_minutes": int((end - start).total_seconds() // 60),
            "jury": [{"name": j.name if j else "", "organisation": j.organisation if j else ""}
                     for j in jury],
            "rescheduled": previous is not None},
        "cancelled_slot": {"start": _aware(previous.start), "end": _aware(previous.end)}
        if previous else None,
        "applicant_role": "porteur" if request.track == "projets" else "candidat",
        "track": request.track, "request": request, "dossier": dossier,
    }


def _person(session: Session, context: dict[str, Any], email: str, role: str
            ) -> dict[str, str]:
    if role == "jury":
        row = session.get(EvaluatorRow, email)
        return {"name": row.name if row else "", "email": email}
    fields, applicant = context["dossier"].fields or {}, context["dossier"].applicant or {}
    if role == "porteur":
        return {"name": str(fields.get("porteur") or ""), "email": email}
    if role == "administration":
        mission = session.get(Mission, context["request"].mission_id)
        return {"name": mission.contact_name if mission else "", "email": email}
    return {"name": applicant_name(applicant), "email": email}


def calendar_identity(session: Session, slot: HearingSlot, email: str, method: str,
                      domain: str) -> tuple[str, int]:
    """(UID, SEQUENCE) of a person's hearing event in a message about ``slot``.

    The UID comes from the key of the first invitation recorded for this person and
    hearing (request), so a moved hearing stays one event in their calendar. The k-th
    slot of the request (0, 1, …) is requested with SEQUENCE 2k and cancelled with
    2k + 1: the cancel of a slot outranks its request, and the next slot's request
    outranks that cancel (the event comes back, moved)."""
    slots = list(session.scalars(select(HearingSlot.id).where(
        HearingSlot.request_id == slot.request_id).order_by(HearingSlot.id)))
    keys = [mail_key("hearing-invite", s, email) for s in slots]
    recorded = set(session.scalars(select(Effect.key).where(Effect.key.in_(keys))))
    first = next((k for k in keys if k in recorded), mail_key("hearing-invite", slot.id, email))
    rank = slots.index(slot.id)
    return calendar_uid(first, domain), 2 * rank + (method == "CANCEL")


def _ics(rt: Runtime, session: Session, slot: HearingSlot, context: dict[str, Any],
         method: str, applicant: str | None, email: str) -> bytes:
    hearing = context["hearing"]
    attendees = [(e, (session.get(EvaluatorRow, e).name if session.get(EvaluatorRow, e)
                      else "")) for e in slot.jury]
    if applicant:
        attendees.append((applicant, ""))
    title = f"{hearing['kind_label']} — dossier n° {hearing['dossier']['number']}"
    uid, sequence = calendar_identity(session, slot, email, method, sender_domain(rt))
    return hearing_calendar(
        uid=uid, sequence=sequence, method=method, summary=title,
        description=hearing["dossier"]["title"],
        start=hearing["start"], end=hearing["end"], location=slot.location,
        organizer_email=rt.config.evaluation.contact,
        organizer_name=f"Programme {rt.config.evaluation.programme_name}", attendees=attendees,
        now=rt.clock())


def _applicant_email(session: Session, slot: HearingSlot) -> str | None:
    rows = session.scalars(select(Effect.payload).where(
        Effect.key.like(f"mail:hearing-invite:{slot.id}:%"))).all()
    return next((p["email"] for p in rows if p.get("role") != "jury"), None)


READERS = ("jury", "administration")
"""Who reads the dossier before the hearing (the administration of a mission sits beside
DINUM's jury): their invitation carries its PDF."""


def _withdrawn(session: Session, slot: HearingSlot) -> bool:
    """The applicant withdrew: the hearing will not take place at all."""
    request = session.get(HearingRequest, slot.request_id)
    return request is not None and request.status == RequestStatus.WITHDRAWN


def _left_vivier(session: Session, slot: HearingSlot) -> bool:
    """The candidate withdrew their consent to the vivier: no entretien, no proposal."""
    request = session.get(HearingRequest, slot.request_id)
    return (request is not None and request.status == RequestStatus.WITHDRAWN
            and request.reason == LEFT_VIVIER)


def _reader_pdf(rt: Runtime, slot_id: int, role: str,
                dossier_pdf: Callable[[str, Dossier], DossierPdf]) -> DossierPdf | None:
    """The dossier's PDF for a reader of the invitation, fetched outside any store
    transaction: the DS client's shared budget writes to the store (SQLite would lock)."""
    with rt.sessions() as session:
        slot = session.get(HearingSlot, slot_id)
        if slot is None or slot.status != SlotStatus.SCHEDULED:
            return None
        context = hearing_context(session, rt, slot, role)
    return dossier_pdf(criteria_track(context["track"]), context["dossier"])


def hearing_email(rt: Runtime, action: str, payload: dict[str, Any], key: str,
                  dossier_pdf: Callable[[str, Dossier], DossierPdf] | None = None
                  ) -> OutgoingEmail | None:
    """The invitation or the cancellation of one person; ``dossier_pdf(track, dossier)``
    gives the PDF the jury and the administration receive with their invitation."""
    slot_id, email, role = int(payload["slot"]), str(payload["email"]), str(payload["role"])
    extra: list[Attachment] = []
    pdf = None
    if action == "hearing-invite" and role in READERS and dossier_pdf is not None:
        pdf = _reader_pdf(rt, slot_id, role, dossier_pdf)
    with rt.sessions() as session:
        slot = session.get(HearingSlot, slot_id)
        if slot is None:
            raise HearingPayloadError(f"no hearing slot {slot_id}")
        context = hearing_context(session, rt, slot, role)
        person = _person(session, context, email, role)
        applicant = _applicant_email(session, slot)
        if action == "hearing-invite":
            if slot.status != SlotStatus.SCHEDULED:
                return None  # cancelled before it left: the new slot has its invitation
            track = rt.config.tracks[criteria_track(context["track"])]
            number = context["hearing"]["dossier"]["number"]
            if pdf is not None:
                extra.append(Attachment(pdf.filename, pdf.content, "application/pdf"))
            # the juror's own scoring form in DS, prefilled (flows.jury_forms); the CSV
            # grid (`eig hearings scores`) is the team's fallback, no longer sent
            scores = jury_link(rt, slot.id, email, number) if role == "jury" else None
            named = {a.content_type.split(";")[0]: a.filename for a in extra}
            rendered = render_email("hearing_invitation", {
                "person": person, "role": role, "hearing": context["hearing"],
                "links": {"scores": scores},
                "scores_due": scores_due(rt, slot.end) if scores else None,
                "comment_required": track.scoring.comment_required,
                "criteria": [{"label": c.label, "description": c.description}
                             for c in track.criteria] if role in READERS else [],
                "scale": {"min": track.scale.min, "max": track.scale.max},
                "attachments": {"pdf": named.get("application/pdf"),
                                "grid": named.get("text/csv")},
                "programme": programme(rt)})
            ics = _ics(rt, session, slot, context, "REQUEST", applicant, email)
            method = "REQUEST"
        else:
            invited = session.scalar(select(Effect.status).where(
                Effect.key == mail_key("hearing-invite", slot.id, email)))
            if invited != Status.DELIVERED:
                return None  # they never got the invitation: nothing to take back
            replacement = session.scalar(select(HearingSlot).where(
                HearingSlot.request_id == slot.request_id, HearingSlot.id > slot.id,
                HearingSlot.status == SlotStatus.SCHEDULED
            ).order_by(HearingSlot.id.desc()).limit(1))
            hearing = context["hearing"]
            # Told of the new slot as it is for them: invited to it, or released.
            invited_again = replacement is not None and session.scalar(select(Effect.key).where(
                Effect.key == mail_key("hearing-invite", replacement.id, email))) is not None
            rendered = render_email("hearing_cancellation", {
                "person": person, "role": role,
                "hearing": {k: hearing[k] for k in ("kind_label", "dossier", "start", "end",
                                                    "mission") if k in hearing},
                "reason": slot.cancel_reason,
                "withdrawn": _withdrawn(session, slot),
                "left_vivier": _left_vivier(session, slot),
                "replacement": {"start": _aware(replacement.start),
                                "end": _aware(replacement.end),
                                "invited": invited_again} if replacement else None,
                "programme": programme(rt)})
            ics = _ics(rt, session, slot, context, "CANCEL", applicant, email)
            method = "CANCEL"
    settings = rt.settings
    return OutgoingEmail(
        to=[Address(email, person["name"])], subject=rendered.subject, text=rendered.text,
        html=rendered.html, sender=Address(settings.mail_sender_email, settings.mail_sender_name),
        reply_to=Address(settings.mail_reply_to or rt.config.evaluation.contact),
        attachments=[Attachment.calendar(f"audition-{slot_id}.ics", ics, method=method),
                     *extra],
        message_id_key=key)


def mission_context(row: Mission) -> dict[str, Any]:
    """A mission as its emails and messages name it."""
    return {"id": row.id, "titre": row.titre, "administration": row.administration,
            "projet": row.projet, "profils": list(row.profiles), "quotite": row.quotite,
            "debut": row.start, "localisation": row.location, "thematique": row.theme}
