"""Every dossier's timeline, read from the store in a few queries (not one per dossier).

- dépôt: ``Dossier.date_depot``;
- présélection: the submission of its k-th valid evaluation (k: the track's quorum);
- audition: the start of its booked slot once held (the jury's scores in) or past;
  a dossier with no hearing request is not on a hearing's path (no key);
- décision: the approval of the first committee that decided it; a dossier DS closed
  without a committee (accepted, refused, classé sans suite there): its DS decision date;
- missions: one timeline per candidate proposed on a mission, from the proposal to the
  entretien de mission and the mission's decision (its email's recording); a candidate
  who withdrew, or whose mission closed, undecided, waits for nothing.

Dossiers deleted or in DS's trash are left out; pseudonymised ones stay (their number,
state and dates are the season's figures).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from models.evaluation_forms import FormKind, FormStatus
from models.hearing_selection import RequestStatus, SlotStatus
from models.outbox import mail_key
from models.pipeline_delays import Step, Timeline
from models.placement import MissionStatus, PlacementStatus
from models.tables import (
    CommitteeSession,
    Dossier,
    Effect,
    Evaluation,
    HearingRequest,
    HearingSlot,
    Mission,
    Placement,
)
from settings.config import EigConfig

MISSIONS = "missions"
CLOSED_IN_DS = ("accepte", "refuse", "sans_suite")
APPROVED = "approved"  # models.deliberation.CommitteeStatus.APPROVED
DECIDED = (PlacementStatus.RETENU, PlacementStatus.NON_RETENU, PlacementStatus.ACCEPTE,
           PlacementStatus.CONTRAT_SIGNE, PlacementStatus.DEMARRE)
MISSION_DECISION = mail_key("mission-decision", "")


@dataclass(frozen=True)
class TrackSource:
    """Where a track's dossiers come from, and how many evaluations make its présélection."""

    track: str
    demarche: int
    quorum: int


def track_sources(config: EigConfig) -> list[TrackSource]:
    return [TrackSource(key, config.demarches[track.demarche].number,
                        track.evaluators_per_dossier) for key, track in config.tracks.items()]


def timelines(session: Session, sources: Sequence[TrackSource], now: datetime,
              missions: bool = True) -> list[Timeline]:
    """The timelines of every dossier of ``sources``' tracks (and of every candidate
    proposed on a mission), by track then dossier number; a hearing whose slot is past
    counts as held as of ``now``."""
    tracks = {source.track for source in sources}
    preselected = _preselections(session, sources)
    heard, expected = _hearings(session, tracks | ({MISSIONS} if missions else set()), now)
    decided = _decisions(session, tracks)
    found = []
    for source in sources:
        for number, depot, state, treated in session.execute(
                select(Dossier.number, Dossier.date_depot, Dossier.state,
                       Dossier.date_traitement).where(
                    Dossier.demarche_number == source.demarche, Dossier.hidden.is_(False),
                    Dossier.deleted.is_(False)).order_by(Dossier.number)):
            number = int(number)
            key = (source.track, number, 0)
            decision = decided.get((source.track, number))
            if decision is None and state in CLOSED_IN_DS:
                decision = treated
            dates: dict[Step, datetime | None] = {
                Step.DEPOT: depot, Step.PRESELECTION: preselected.get((source.track, number)),
                Step.DECISION: decision}
            if key in expected:
                dates[Step.AUDITION] = heard.get(key)
            found.append(Timeline(source.track, number, dates))
    if missions:
        found.extend(_mission_timelines(session, heard, expected))
    return found


def _preselections(session: Session, sources: Iterable[TrackSource]
                   ) -> dict[tuple[str, int], datetime]:
    """(track, dossier) → when its k-th valid evaluation was submitted (a decline, or any
    other form of the démarche, is not an evaluation: counted, it made a dossier look
    préselected days before its third evaluation came)."""
    quorum = {source.track: source.quorum for source in sources}
    submitted: dict[tuple[str, int], list[datetime]] = defaultdict(list)
    for track, number, at in session.execute(
            select(Evaluation.track, Evaluation.dossier_number, Evaluation.submitted_at).where(
                Evaluation.status == FormStatus.VALID, Evaluation.kind == FormKind.EVALUATION,
                Evaluation.track.in_(list(quorum)),
                Evaluation.dossier_number.is_not(None), Evaluation.submitted_at.is_not(None))):
        submitted[(str(track), int(number))].append(at)
    return {key: sorted(dates)[quorum[key[0]] - 1] for key, dates in submitted.items()
            if len(dates) >= quorum[key[0]]}


def _hearings(session: Session, tracks: set[str], now: datetime
              ) -> tuple[dict[tuple[str, int, int], datetime], set[tuple[str, int, int]]]:
    """(track, dossier, mission) → when its hearing was held; and every hearing expected
    (requested, not withdrawn)."""
    held: dict[tuple[str, int, int], datetime] = {}
    expected: set[tuple[str, int, int]] = set()
    for track, number, mission, status, start in session.execute(
            select(HearingRequest.track, HearingRequest.dossier_number,
                   HearingRequest.mission_id, HearingRequest.status, HearingSlot.start)
            .outerjoin(HearingSlot, and_(HearingSlot.request_id == HearingRequest.id,
                                         HearingSlot.status == SlotStatus.SCHEDULED))
            .where(HearingRequest.track.in_(list(tracks)))):
        if status == RequestStatus.WITHDRAWN:
            continue
        key = (str(track), int(number), int(mission or 0))
        expected.add(key)
        if start is not None and (status == RequestStatus.HELD or start <= now):
            held[key] = min(start, held.get(key, start))
    return held, expected


def _decisions(session: Session, tracks: set[str]) -> dict[tuple[str, int], datetime]:
    """(track, dossier) → the approval of the first committee that decided it."""
    decided: dict[tuple[str, int], datetime] = {}
    for track, approved_at, decisions in session.execute(
            select(CommitteeSession.track, CommitteeSession.approved_at,
                   CommitteeSession.decisions).where(
                CommitteeSession.track.in_(list(tracks)),
                CommitteeSession.status == APPROVED,
                CommitteeSession.approved_at.is_not(None))
            .order_by(CommitteeSession.approved_at)):
        for decision in decisions or ():
            decided.setdefault((str(track), int(decision["dossier"])), approved_at)
    return decided


def _mission_timelines(session: Session, heard: dict[tuple[str, int, int], datetime],
                       expected: set[tuple[str, int, int]]) -> list[Timeline]:
    announced = {int(key.rsplit(":", 1)[1]): at for key, at in session.execute(
        select(Effect.key, Effect.created_at).where(Effect.key.startswith(MISSION_DECISION)))
        if key.rsplit(":", 1)[1].isdigit()}
    open_ = {int(i) for i in session.scalars(select(Mission.id).where(
        Mission.status == MissionStatus.OUVERTE))}
    found = []
    for placement in session.scalars(select(Placement).order_by(
            Placement.dossier_number, Placement.mission_id)):
        key = (MISSIONS, int(placement.dossier_number), int(placement.mission_id))
        decision = announced.get(placement.id)
        if decision is None and placement.status in DECIDED:
            decision = placement.updated_at
        dates: dict[Step, datetime | None] = {Step.MISSION_OUVERTE: placement.created_at}
        withdrawn = placement.status == PlacementStatus.RENONCE or key[2] not in open_
        if decision is not None or not withdrawn:
            dates[Step.DECISION] = decision
            if key in expected:
                dates[Step.AUDITION] = heard.get(key)
        found.append(Timeline(MISSIONS, key[1], dates, mission=key[2]))
    return found


def booked_hearings(session: Session, now: datetime) -> dict[tuple[str, int], datetime]:
    """(track, dossier) → the start of its hearing booked after ``now`` (not held yet)."""
    booked: dict[tuple[str, int], datetime] = {}
    for track, number, start in session.execute(
            select(HearingRequest.track, HearingRequest.dossier_number, HearingSlot.start)
            .join(HearingSlot, HearingSlot.request_id == HearingRequest.id).where(
                HearingSlot.status == SlotStatus.SCHEDULED,
                HearingRequest.status == RequestStatus.SCHEDULED, HearingSlot.start > now)):
        key = (str(track), int(number))
        booked[key] = min(start, booked.get(key, start))
    return booked
