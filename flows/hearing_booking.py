"""Hearings booked with a jury, for every stage that books or reads them: who is heard
and when (the cut, the window), the jury and its conflicts, the booking with its
invitations, rescheduling, and the jury's aggregate results.

schedule-hearings books the soutenances and entretiens métier; match-mission books the
entretiens de mission; the committees read the results. None of them imports another.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.documents import environment
from connectors.store import outbox
from flows.availability_requests import contact_availability
from flows.delivery.hearing_emails import hearing_context
from flows.delivery.task_emails import programme
from flows.runtime import Runtime
from models.evaluation_task import applicant_name
from models.hearing_outcome import HEARING_LABELS, MISSIONS, criteria_track
from models.hearing_schedule import (
    Attendance,
    BookingRequest,
    Interval,
    JuryMember,
    double_bookings,
    identity,
    schedule_hearings,
)
from models.hearing_selection import RequestStatus, SlotStatus, above_hearing_cut, hearing_kind
from models.outbox import Kind, ds_key, mail_key
from models.paris_time import PARIS
from models.paris_time import aware as _aware
from models.roster import normalise_key
from models.tables import (
    DeclaredConflict,
    Dossier,
    DossierScore,
    Evaluation,
    EvaluatorRow,
    HearingRequest,
    HearingScore,
    HearingSlot,
    JuryAvailability,
    Mission,
    VivierMember,
)
from settings.config import scoring_rules

ACTIVE = (SlotStatus.SCHEDULED,)


# -- who is heard -------------------------------------------------------------------------


def hearing_type(rt: Runtime, track: str, fields: dict[str, Any]) -> str:
    """The kind of a dossier's hearing (``models.hearing_selection``)."""
    families = rt.config.tracks[track].specialty_families if track in rt.config.tracks \
        else {}
    return hearing_kind(track, fields.get("specialite"), families,
                        for_mission=track == MISSIONS)


def selected(rt: Runtime, track: str, scores: dict[str, Any]) -> bool:
    """Above the track's hearing cut (``models.hearing_selection``)."""
    config = rt.config.hearings.tracks[track]
    return above_hearing_cut(scores, config.cut_rank, config.cut_threshold)


def request_new(session: Session, rt: Runtime, track: str, now: datetime) -> int:
    """Requests for the dossiers newly above the cut; the delay runs from the présélection
    (its last counted evaluation), not from this run: a hearing promised « within 14 days »
    of the présélection stays so when scoring ran a few days later. (A mission's
    entretiens are requested by match-mission.)"""
    if track == "missions":
        return 0
    config = rt.config.hearings.tracks[track]
    known = set(session.scalars(select(HearingRequest.dossier_number)
                                .where(HearingRequest.track == track)))
    created = 0
    for row in session.scalars(select(DossierScore).where(DossierScore.track == track)):
        number = int(row.dossier_number)
        if number in known or not selected(rt, track, row.scores or {}):
            continue
        dossier = session.scalar(select(Dossier).where(Dossier.number == number))
        if dossier is None or dossier.hidden or dossier.deleted:
            continue
        preselected = session.scalar(select(func.max(Evaluation.submitted_at)).where(
            Evaluation.dossier_number == number, Evaluation.status == "valid"))
        anchor = min(now, _aware(preselected)) if preselected is not None else now
        earliest = day_start(now, config.notice_days)
        session.add(HearingRequest(
            track=track, dossier_number=number,
            hearing_type=hearing_type(rt, track, dossier.fields or {}),
            status=RequestStatus.PENDING, earliest=earliest,
            latest=max(day_start(anchor, config.within_days + 1),
                       earliest + timedelta(days=1)),
            requested_at=now, updated_at=now))
        created += 1
    return created


def day_start(now: datetime, days: int) -> datetime:
    """Midnight in Paris, ``days`` days after today (a window counted in whole days)."""
    day = now.astimezone(PARIS).date() + timedelta(days=days)
    return datetime.combine(day, time(0), PARIS).astimezone(UTC)


# -- rescheduling ---------------------------------------------------------------------------


def cancel_for_reschedule(session: Session, rt: Runtime, numbers: Iterable[int],
                          reason: str | None, not_before: date | None, now: datetime
                          ) -> list[int]:
    """Cancel the booked slot of each dossier, tell its people, and queue it again."""
    moved = []
    for number in numbers:
        request = _request_of(session, number, "à reprogrammer")
        if _cancel_slot(session, request, reason, now) is None:
            continue  # already waiting for a slot: nothing to cancel
        config = rt.config.hearings.tracks[request.track]
        earliest = max(day_start(now, config.notice_days),
                       datetime.combine(not_before, time(0), PARIS).astimezone(UTC)
                       if not_before else now)
        span = timedelta(days=config.within_days - config.notice_days + 1)
        request.status, request.earliest, request.reason = RequestStatus.PENDING, earliest, None
        request.latest = max(_aware(request.latest), earliest + span)
        request.updated_at = now
        moved.append(number)
    return moved


def withdraw(session: Session, numbers: Iterable[int], reason: str | None,
             now: datetime) -> list[int]:
    """The applicant withdrew: cancel the booked slot (its people told, « n'aura pas
    lieu »), and seek no other; a request still waiting for its slot is withdrawn too."""
    withdrawn = []
    for number in numbers:
        request = _request_of(session, number, "à annuler")
        if request.status == RequestStatus.WITHDRAWN:
            continue  # a second run: done already
        if request.status == RequestStatus.HELD:
            raise ValueError(f"dossier {number} : l'audition a déjà eu lieu, rien à annuler")
        withdraw_request(session, request, reason or "désistement", now)
        withdrawn.append(number)
    return withdrawn


def withdraw_request(session: Session, request: HearingRequest, reason: str,
                     now: datetime) -> bool:
    """The hearing will not take place: the request withdrawn, its booked slot cancelled
    and its people told (« n'aura pas lieu »). Whether a booked slot was cancelled."""
    request.status, request.reason, request.updated_at = RequestStatus.WITHDRAWN, reason, now
    return _cancel_slot(session, request, reason, now) is not None


def _request_of(session: Session, number: int, what: str) -> HearingRequest:
    request = session.scalar(select(HearingRequest).where(
        HearingRequest.dossier_number == number).order_by(HearingRequest.id.desc()).limit(1))
    if request is None:
        raise LookupError(f"dossier {number} : aucune audition {what}")
    return request


def _cancel_slot(session: Session, request: HearingRequest, reason: str | None,
                 now: datetime) -> HearingSlot | None:
    """Cancel the request's booked slot and record its cancellation emails (None: none)."""
    slot = session.scalar(select(HearingSlot).where(
        HearingSlot.request_id == request.id, HearingSlot.status == SlotStatus.SCHEDULED))
    if slot is None:
        return None
    slot.status, slot.cancel_reason, slot.cancelled_at = SlotStatus.CANCELLED, reason, now
    for email, role in slot_people(session, request, slot):
        outbox.record_effect(session, mail_key("hearing-cancel", slot.id, email),
                             Kind.EMAIL, "hearing-cancel",
                             {"slot": slot.id, "email": email, "role": role}, now)
    return slot


# -- the jury -------------------------------------------------------------------------------


def jury_pool(session: Session, track: str, now: datetime,
              busy: dict[str, list[Interval]]) -> list[JuryMember]:
    """The roster's active members of the track with windows ahead, and what they already
    attend (``busy``, by identity: any hearing of any track, in any role)."""
    windows: dict[str, list[Interval]] = {}
    for row in session.scalars(select(JuryAvailability).where(JuryAvailability.end > now)
                               .order_by(JuryAvailability.start)):
        windows.setdefault(row.email, []).append(Interval(_aware(row.start), _aware(row.end)))
    members = []
    for row in session.scalars(select(EvaluatorRow).where(EvaluatorRow.active.is_(True))
                               .order_by(EvaluatorRow.email)):
        if track in (row.tracks or []) and row.email in windows:
            members.append(JuryMember(row.email, row.name, frozenset(row.profiles or ()),
                                      tuple(windows[row.email]),
                                      tuple(busy.get(identity(row.email), ()))))
    return members


def conflicts(session: Session, number: int, fields: dict[str, Any],
              members: list[JuryMember]) -> frozenset[str]:
    """Who may not sit: a declared conflict, a dossier listed against them in the roster,
    or their organisation is the applicant's (administration, or the candidate's employer)."""
    declared = set(session.scalars(select(DeclaredConflict.evaluator_email).where(
        DeclaredConflict.dossier_number == number)))
    applicant_org = normalise_key(str(fields.get("administration")
                                      or fields.get("employeur") or ""))
    excluded = set(declared)
    for member in members:
        row = session.get(EvaluatorRow, member.email)
        if row is None:
            continue
        if number in {int(d) for d in (row.details or {}).get("conflict_dossiers", [])}:
            excluded.add(member.email)
        if applicant_org and normalise_key(row.organisation or "") == applicant_org:
            excluded.add(member.email)
    return frozenset(excluded)


# -- booking --------------------------------------------------------------------------------


def _applicant(session: Session, request: HearingRequest) -> tuple[str | None, str, str]:
    """(email, name, role) of whoever presents: the porteur, or the candidate — for an
    entretien de mission, at the vivier's address, where their proposal went."""
    if request.track == MISSIONS:
        member = session.get(VivierMember, request.dossier_number)
        if member is not None and member.email:
            return member.email, member.name, "candidat"
    found = session.execute(select(Dossier.fields, Dossier.applicant).where(
        Dossier.number == request.dossier_number)).one()
    fields, applicant = (found.fields or {}), (found.applicant or {})
    if request.track == "projets":
        return fields.get("email"), str(fields.get("porteur") or ""), "porteur"
    return (applicant.get("email") or applicant.get("usager_email"), applicant_name(applicant),
            "candidat")


def attendees(session: Session, request: HearingRequest) -> list[tuple[str, str]]:
    """(email, role) of the people a hearing gathers besides its jury: the applicant, and
    for an entretien de mission the administration's contact, who sits beside DINUM."""
    email, _, role = _applicant(session, request)
    people = []
    if email:
        people.append((str(email).strip().lower(), role))
    if request.mission_id:
        contact = session.get(Mission, request.mission_id)
        if contact is not None:
            people.append((contact.contact_email.strip().lower(), "administration"))
    return people


def slot_people(session: Session, request: HearingRequest, slot: HearingSlot
                ) -> list[tuple[str, str]]:
    """Everyone invited to a slot, (email, role): its jury and its attendees."""
    return [(juror, "jury") for juror in slot.jury] + attendees(session, request)


def booked_attendance(session: Session) -> list[Attendance]:
    """Every scheduled hearing of every track, with everyone it gathers."""
    rows = session.execute(select(HearingSlot, HearingRequest).join(
        HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
        HearingSlot.status == SlotStatus.SCHEDULED).order_by(HearingSlot.id)).all()
    return [Attendance(_hearing_key(slot, request), _aware(slot.start), _aware(slot.end),
                       frozenset(email for email, _ in slot_people(session, request, slot)))
            for slot, request in rows]


def _hearing_key(slot: HearingSlot, request: HearingRequest) -> str:
    return f"audition {slot.id} (dossier {request.dossier_number})"


class DoubleBookingError(RuntimeError):
    """A booking would put someone in two hearings at once: nothing is recorded."""


def check_no_double_booking(session: Session, new: Iterable[str] = ()) -> None:
    """The store's invariant: no one invited to two scheduled hearings at the same time.
    ``new``: the attendance keys just booked; a clash among older bookings alone (made
    before this rule) does not stop a run, one with a new booking does."""
    fresh = set(new)
    clashes = [c for c in double_bookings(booked_attendance(session))
               if not fresh or {c.first, c.second} & fresh]
    if clashes:
        raise DoubleBookingError(" ; ".join(map(str, clashes)))


@task(name="book-hearings", cache_policy=NO_CACHE)
def book(rt: Runtime, track: str) -> dict[str, Any]:
    """Place the track's waiting requests; record each booking with its invitations."""
    config = rt.config.hearings.tracks[track]
    now = rt.clock()
    which = HearingRequest.track == track
    with rt.sessions.begin() as session:
        waiting = list(session.scalars(select(HearingRequest).where(
            which, HearingRequest.status == RequestStatus.PENDING)
            .order_by(HearingRequest.latest, HearingRequest.dossier_number)))
        if not waiting:
            return {"placed": [], "unplaced": []}
        busy: dict[str, list[Interval]] = {}
        for hearing in booked_attendance(session):
            for person in hearing.people:
                busy.setdefault(identity(person), []).append(
                    Interval(hearing.start, hearing.end))
        members = jury_pool(session, config.jury_track or track, now, busy)
        requests, held_back = [], {}
        for request in waiting:
            # an entretien de mission waits for its administration contact's windows
            declared, wait = contact_availability(session, rt, request, now)
            if wait is not None:
                held_back[request.id] = wait
                continue
            dossier = session.scalar(select(Dossier).where(
                Dossier.number == request.dossier_number))
            people = frozenset(identity(email) for email, _ in attendees(session, request))
            requests.append(BookingRequest(
                key=str(request.id), dossier=request.dossier_number,
                hearing_type=request.hearing_type,
                earliest=max(_aware(request.earliest), now), latest=_aware(request.latest),
                duration=timedelta(minutes=config.slot_minutes), jury_size=config.jury_size,
                required_profiles=frozenset(config.required_profiles.get(
                    request.hearing_type, ())),
                excluded=conflicts(session, request.dossier_number, dossier.fields or {},
                                   members),
                attendees=people, attendee_windows=declared,
                applicant_busy=tuple(i for p in sorted(people) for i in busy.get(p, ()))))
        members = [JuryMember(m.email, m.name, m.profiles, m.availability, m.busy,
                              config.max_per_day) for m in members]
        result = schedule_hearings(requests, members,
                                   step=timedelta(minutes=rt.config.hearings.step_minutes),
                                   time_limit_s=rt.config.hearings.solver_time_limit_seconds)
        by_id = {str(r.id): r for r in waiting}
        placed, fresh = [], []
        for booking in result.bookings:
            request = by_id[booking.key]
            slot = HearingSlot(request_id=request.id, start=booking.start,
                               end=booking.end, jury=list(booking.jury),
                               location=hearing_place(rt), status=SlotStatus.SCHEDULED,
                               created_at=now)
            session.add(slot)
            session.flush()
            request.status, request.reason, request.updated_at = RequestStatus.SCHEDULED, None, now
            _record_invitations(session, rt, request, slot, now)
            fresh.append(_hearing_key(slot, request))
            placed.append({"dossier": request.dossier_number, "start": booking.start,
                           "jury": list(booking.jury)})
        unplaced = []
        for request in waiting:
            if request.id in held_back:
                request.reason, request.updated_at = held_back[request.id], now
                unplaced.append({"dossier": request.dossier_number,
                                 "reason": held_back[request.id]})
        for miss in result.unplaced:
            request = by_id[miss.key]
            request.reason, request.updated_at = miss.reason, now
            unplaced.append({"dossier": request.dossier_number, "reason": miss.reason})
        if fresh:
            check_no_double_booking(session, fresh)
    return {"placed": placed, "unplaced": unplaced, "solver": result.solver}


def hearing_place(rt: Runtime) -> str:
    """Where a new hearing is held: its own video room when the configuration names the
    service (the link is in every invitation), else the configured place."""
    config = rt.config.hearings
    if config.visio_url:
        return config.visio_url.format(room=f"eig-audition-{secrets.token_hex(8)}")
    return config.location


def _record_invitations(session: Session, rt: Runtime, request: HearingRequest,
                        slot: HearingSlot, now: datetime) -> None:
    for email, role in slot_people(session, request, slot):
        outbox.record_effect(session, mail_key("hearing-invite", slot.id, email), Kind.EMAIL,
                             "hearing-invite", {"slot": slot.id, "email": email,
                                                "role": role}, now)
    context = hearing_context(session, rt, slot, role="applicant")
    body = environment().get_template("messages/hearing.txt.j2").render(
        hearing=context["hearing"], role=context["applicant_role"], programme=programme(rt),
        cancelled_slot=context["cancelled_slot"],
        emailed=bool(_applicant(session, request)[0])).strip()
    outbox.record_effect(session, ds_key("message", request.dossier_number,
                                         f"hearing-{slot.id}"), Kind.DS, "message",
                         {"dossier": request.dossier_number, "body": body}, now)


# -- results -------------------------------------------------------------------------------


def hearing_results(session: Session, rt: Runtime, track: str, mission: int = 0
                    ) -> dict[int, dict[str, Any]]:
    """Per dossier heard (or to be heard) — of ``mission`` for the track « missions » —:
    the jury's aggregate and the notes the committee reads ("" while no score came back).
    Same aggregation as the evaluations."""
    from dataclasses import replace

    from models.hearing_outcome import hearing_notes
    from models.scoring.aggregate import aggregate
    from models.scoring.rules import DossierInfo, EvaluationScores

    if track not in rt.config.hearings.tracks:
        return {}
    config = rt.config.tracks[criteria_track(track)]
    jury_size = rt.config.hearings.tracks[track].jury_size
    requests = {r.id: r for r in session.scalars(select(HearingRequest).where(
        HearingRequest.track == track, HearingRequest.mission_id == mission))}
    if not requests:
        return {}
    scores = list(session.scalars(select(HearingScore).where(
        HearingScore.request_id.in_(requests))))
    rules = replace(scoring_rules(config), quorum=jury_size)  # the jury is the quorum
    evaluations = [EvaluationScores(requests[s.request_id].dossier_number, s.juror,
                                    s.scores, _aware(s.imported_at)) for s in scores]
    results = aggregate(evaluations, [DossierInfo(r.dossier_number, reduced_quorum=True)
                                      for r in requests.values()], rules)
    slots = {s.request_id: s for s in session.scalars(select(HearingSlot).where(
        HearingSlot.request_id.in_(requests), HearingSlot.status == SlotStatus.SCHEDULED))}
    out = {}
    max_total = sum(c.weight for c in config.criteria) * config.scale.max
    for request in requests.values():
        result = results[request.dossier_number]
        slot = slots.get(request.id)
        comments = [s.comment for s in scores if s.request_id == request.id and s.comment]
        notes = hearing_notes(HEARING_LABELS[request.hearing_type], slot.start if slot
                              else request.updated_at, result, max_total, comments,
                              {c.key: c.label for c in config.criteria}) \
            if result.n_evaluations else ""
        out[request.dossier_number] = {"notes": notes, "total": result.total,
                                       "passes": result.passes_thresholds,
                                       "jurors": result.n_evaluations}
    return out

