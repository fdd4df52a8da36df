"""mission-dossiers: the missions démarche, read from the store after each sync.

A lauréat administration describes each mission in DS (démarche ``missions``). For each
synced dossier this stage

- opens the mission (or updates it when the administration changed its answers) and
  names it for the vivier search: ``flows.pipeline`` then runs ``match-mission`` for it,
  exactly as an operator would (proposals, entretiens); the decision stays with the
  operator's approval in ``deliberate-mission``;
- applies the recruitment step the team set in the dossier's private annotations
  (« Étape du recrutement » and its dates) to the retained person's placement, once;
- writes back what the administration reads — annotations, a label, a message per event
  — through the outbox, only what changed since the last write (our own writes bump the
  dossier in DS: read again, they change no answer and re-trigger nothing).

A dossier, or a step, that breaks a rule is kept aside with one French line naming the
dossier, the field and the rule (``eig quarantine``); the administration reads it in
« État de la mission » and in a message; the rest of the batch goes on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect import flow
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import environment
from connectors.store import outbox
from flows.availability_requests import mission_scope
from flows.delivery.task_emails import programme
from flows.guard import StageBusy, stage_lease
from flows.handover import hand_over
from flows.reporting import conclude, publish_markdown
from flows.runtime import Runtime, open_runtime
from flows.signals import MISSION_FILED, announce
from models.champs import RULES_SAID, DossierMappingError, map_fields
from models.french import compte
from models.hearing_outcome import MISSIONS
from models.mission_dossier import (
    STEP_ANNOTATIONS,
    CandidateLine,
    DossierProblem,
    MissionFiling,
    PlacementRef,
    StepRequest,
    mission_view,
    plan_step,
    read_filing,
    read_step,
)
from models.outbox import Kind, ds_key
from models.paris_time import PARIS, aware
from models.placement import MissionStatus, PlacementStatus, move_placement
from models.tables import (
    AvailabilityRequest,
    Convention,
    Dossier,
    HearingRequest,
    HearingSlot,
    Mission,
    MissionDossier,
    Placement,
    VivierMember,
)

ROLE = "missions"
LIVE_STATES = ("en_construction", "en_instruction", "accepte")


@dataclass
class MissionsReport:
    dossiers: int = 0
    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0
    busy: list[int] = field(default_factory=list)

    to_search: list[int] = field(default_factory=list)


@flow(name="mission-dossiers", timeout_seconds=900,
      description="Lit les missions déposées dans DS par les administrations lauréates : "
      "ouvre ou met à jour chaque mission (la recherche dans le vivier suit), applique "
      "l'étape du recrutement notée par l'équipe, et écrit dans le dossier l'état de la "
      "mission (annotations, étiquette, messages).")
def mission_dossiers() -> dict[str, Any]:
    with open_runtime() as rt:
        if ROLE not in rt.config.demarches:
            return conclude({"dossiers": 0, "to_search": []},
                            "Pas de démarche des missions dans la configuration.")
        with stage_lease(rt, "mission-dossiers"):
            report = apply_mission_dossiers(rt)
        handed = hand_over(rt, "mission-dossiers")
    for mission in report.to_search:  # on a server: match-mission, triggered by the event
        announce(MISSION_FILED, f"eig.mission.{mission}", {"mission": mission})
    headline = (f"Missions déposées dans DS : {compte(report.dossiers, 'dossier')}, "
                f"{compte(len(report.opened), 'mission ouverte', 'missions ouvertes')}, "
                f"{compte(len(report.updated), 'mise à jour', 'mises à jour')}, "
                f"{compte(len(report.steps), 'étape appliquée', 'étapes appliquées')}, "
                f"{compte(len(report.rejected), 'dossier à corriger', 'dossiers à corriger')}"
                f", {compte(report.written, 'écriture DS', 'écritures DS')} à délivrer.")
    publish_markdown("mission-dossiers", _markdown(headline, report))
    return conclude({"dossiers": report.dossiers, "opened": report.opened,
                     "updated": report.updated, "to_search": report.to_search,
                     "steps": report.steps, "rejected": report.rejected,
                     "written": report.written, "busy": report.busy,
                     "handed_over": handed}, headline)


def apply_mission_dossiers(rt: Runtime) -> MissionsReport:
    """Each live dossier of the missions démarche in its own transaction: one dossier's
    trouble never stops the others."""
    number = rt.config.demarches[ROLE].number
    report = MissionsReport()
    with rt.sessions() as session:
        dossiers = list(session.scalars(select(Dossier.number).where(
            Dossier.demarche_number == number, Dossier.hidden.is_(False),
            Dossier.deleted.is_(False), Dossier.quarantined.is_(False),
            Dossier.state.in_(LIVE_STATES)).order_by(Dossier.number)))
    for dossier in dossiers:
        report.dossiers += 1
        try:
            _apply_one(rt, int(dossier), report)
        except StageBusy:
            report.busy.append(int(dossier))  # its mission deliberates: the next run
    with rt.sessions() as session:  # opened or changed, and not searched since
        report.to_search = sorted(session.scalars(
            select(Mission.id).join(MissionDossier, MissionDossier.mission_id == Mission.id)
            .where(MissionDossier.search_due.is_(True),
                   Mission.status == MissionStatus.OUVERTE)))
    return report


def _apply_one(rt: Runtime, number: int, report: MissionsReport) -> None:
    now = rt.clock()
    with rt.sessions.begin() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.number == number))
        row = session.get(MissionDossier, number)
        if row is None:
            row = MissionDossier(dossier_number=number, answers={}, search_due=False, step={},
                                 published={}, version=0, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
        filing = _read_filing(session, rt, dossier)
        if isinstance(filing, DossierProblem):
            _set_aside(session, rt, row, filing, now)
            report.rejected.append({"dossier": number, "field": filing.field,
                                    "reason": filing.describe()})
        else:
            row.problem = row.problem_field = None
            _open_or_update(session, rt, row, filing, now, report)
        mission_id = row.mission_id
    if mission_id is None:
        report.written += _publish(rt, number)
        return
    with stage_lease(rt, f"mission:{mission_id}", wait=60), rt.sessions.begin() as session:
        row = session.get(MissionDossier, number)
        dossier = session.scalar(select(Dossier).where(Dossier.number == number))
        _apply_step(session, rt, row, dossier, now, report)
    report.written += _publish(rt, number)


def _read_filing(session: Session, rt: Runtime, dossier: Dossier
                 ) -> MissionFiling | DossierProblem:
    projets = rt.config.demarches["projets"].number
    laureats = set(session.scalars(select(Dossier.number).where(
        Dossier.demarche_number == projets, Dossier.state == "accepte")))
    laureats |= set(session.scalars(select(Convention.dossier_number)))
    deposited = dossier.date_depot.astimezone(PARIS).date() if dossier.date_depot else None
    return read_filing(int(dossier.number), int(dossier.demarche_number), dossier.fields or {},
                       specialties=list(rt.config.tracks["candidats"].specialties),
                       laureats={int(n) for n in laureats}, deposited=deposited)


def _set_aside(session: Session, rt: Runtime, row: MissionDossier,
               problem: DossierProblem, now: datetime) -> None:
    """Keep the dossier aside with its reason; the administration is told once per
    distinct problem (the message's key names it)."""
    reason = problem.for_applicant()  # `eig quarantine` names the dossier and the field
    if row.problem != reason:
        row.problem, row.problem_field, row.updated_at = reason, problem.field, now
        digest = hashlib.sha256(reason.encode()).hexdigest()[:12]
        _message(session, rt, row.dossier_number, f"mission-a-corriger-{digest}",
                 "a_corriger", {"probleme": reason}, now)


def _open_or_update(session: Session, rt: Runtime, row: MissionDossier,
                    filing: MissionFiling, now: datetime, report: MissionsReport) -> None:
    answers = filing.answers()
    if row.mission_id is None:
        mission = Mission(titre=filing.titre, administration=filing.administration,
                          projet=_projet_title(session, filing), status=MissionStatus.OUVERTE,
                          shortlist=[], created_at=now, updated_at=now)
        _fill(mission, filing)
        session.add(mission)
        session.flush()
        row.mission_id, row.answers, row.updated_at = mission.id, answers, now
        row.search_due = True
        report.opened.append(mission.id)
        _message(session, rt, row.dossier_number, "mission-ouverte", "ouverte",
                 {"mission": _context(mission)}, now)
        return
    if answers == row.answers:
        return  # nothing the administration wrote has changed (our writes bump it too)
    mission = session.get(Mission, row.mission_id)
    row.answers, row.updated_at = answers, now
    if mission.status != MissionStatus.OUVERTE:
        return  # filled or closed: the answers are kept, the mission no longer searched
    mission.titre, mission.administration = filing.titre, filing.administration
    _fill(mission, filing)
    mission.updated_at, row.search_due = now, True
    report.updated.append(mission.id)


def _fill(mission: Mission, filing: MissionFiling) -> None:
    mission.projet_dossier, mission.profiles = filing.projet_dossier, list(filing.profils)
    mission.quotite, mission.start = filing.quotite, filing.debut
    mission.location, mission.theme = filing.localisation, filing.thematique
    mission.min_years = filing.experience_min
    mission.contact_name, mission.contact_email = filing.contact_nom, filing.contact_email


def _projet_title(session: Session, filing: MissionFiling) -> str:
    projet = session.scalar(select(Dossier.fields).where(
        Dossier.number == filing.projet_dossier)) or {}
    return str(projet.get("intitule") or filing.titre)


# -- the team's recruitment step ------------------------------------------------------------


def _apply_step(session: Session, rt: Runtime, row: MissionDossier, dossier: Dossier,
                now: datetime, report: MissionsReport) -> None:
    """The step the team set in DS, applied once: a step already applied (the same
    annotations) is not applied again, even if the CLI moved the placement since."""
    demarche = rt.config.demarches[ROLE]
    specs = {k: v for k, v in demarche.annotations.items() if k in STEP_ANNOTATIONS}
    try:
        values = map_fields(demarche.number, row.dossier_number, dossier.annotations or [],
                            specs)
    except DossierMappingError as error:
        first = error.problems[0]
        _step_aside(row, DossierProblem(row.dossier_number, demarche.number, first.field,
                                        RULES_SAID.get(first.rule, first.rule), first.detail),
                    now, report)
        return
    request = read_step(row.dossier_number, demarche.number, values,
                        rt.config.missions.dossiers.steps)
    if request is None or (isinstance(request, StepRequest)
                           and request.as_json() == row.step):
        if request is None:
            row.step_problem = row.step_field = None
        return
    if isinstance(request, DossierProblem):
        _step_aside(row, request, now, report)
        return
    placements = list(session.scalars(select(Placement).where(
        Placement.mission_id == row.mission_id).order_by(Placement.id)))
    plan = plan_step(row.dossier_number, demarche.number, request,
                     [PlacementRef(p.id, int(p.dossier_number), p.status) for p in placements])
    if isinstance(plan, DossierProblem):
        _step_aside(row, plan, now, report)
        return
    mission = session.get(Mission, row.mission_id)
    placement = session.get(Placement, plan.placement)
    for step in plan.path:
        _move(session, mission, placement, step, placements, now)
    row.step, row.step_problem, row.step_field, row.updated_at = (
        request.as_json(), None, None, now)
    report.steps.append({"dossier": row.dossier_number, "placement": placement.id,
                         "steps": [str(s) for s in plan.path]})


def _step_aside(row: MissionDossier, problem: DossierProblem, now: datetime,
                report: MissionsReport) -> None:
    """The team's step is not applied; « État de la mission » says why."""
    reason = problem.for_applicant()
    if row.step_problem != reason:
        row.step_problem, row.step_field, row.updated_at = reason, problem.field, now
    report.rejected.append({"dossier": row.dossier_number, "field": problem.field,
                            "reason": problem.describe()})


def _move(session: Session, mission: Mission, placement: Placement, step: PlacementStatus,
          placements: list[Placement], now: datetime) -> None:
    """One step of the placement (``models.placement``), the vivier and the mission
    following, as ``eig missions placement`` records it."""
    started = sum(1 for p in placements if p.id != placement.id
                  and p.status == PlacementStatus.DEMARRE)
    move = move_placement(placement.id, placement.status, step, mission_id=mission.id,
                          profiles=len(mission.profiles), started_elsewhere=started)
    placement.status, placement.updated_at = move.placement, now
    member = session.get(VivierMember, placement.dossier_number)
    if member is not None and move.vivier is not None:
        member.status, member.mission_id, member.updated_at = (
            move.vivier, move.vivier_mission, now)
    if move.mission is not None:
        mission.status = move.mission
    mission.updated_at = now


# -- what the administration reads ----------------------------------------------------------


def _publish(rt: Runtime, number: int) -> int:
    """Record the writes that bring the dossier in DS up to date: the annotations and the
    label when they changed, a message per event; returns how many were recorded."""
    config = rt.config
    demarche = config.demarches[ROLE]
    now = rt.clock()
    with rt.sessions.begin() as session:
        row = session.get(MissionDossier, number)
        mission = session.get(Mission, row.mission_id) if row.mission_id else None
        candidates = _candidates(session, mission) if mission is not None else []
        problem = row.problem or row.step_problem
        asked = session.scalar(select(AvailabilityRequest.requested_at).where(
            AvailabilityRequest.scope == mission_scope(mission.id),
            AvailabilityRequest.answered_at.is_(None))) if mission is not None else None
        view = mission_view(mission.status if mission else None, candidates, problem,
                            aware(asked).astimezone(PARIS).date() if asked is not None else None)
        recorded = 0
        label = getattr(config.missions.dossiers.labels, view.stage)
        if view.values != row.published or label != row.label:
            row.version += 1
            version = f"mission-v{row.version}"
            values = [{"annotation_id": demarche.annotations[key].id,
                       "kind": _kind(demarche.annotations[key].type), "value": value}
                      for key, value in view.values.items() if key in demarche.annotations]
            if values and view.values != row.published:
                recorded += outbox.record_effect(
                    session, ds_key("annotations", number, version), Kind.DS, "annotations",
                    {"dossier": number, "values": values}, now)
            if label != row.label:
                if row.label:
                    recorded += outbox.record_effect(
                        session, ds_key("label-remove", number, version), Kind.DS,
                        "label_remove", {"dossier": number, "label": row.label}, now)
                recorded += outbox.record_effect(
                    session, ds_key("label", number, version), Kind.DS, "label_add",
                    {"dossier": number, "label": label}, now)
            row.published, row.label, row.updated_at = view.values, label, now
        if mission is not None:
            recorded += _event_messages(session, rt, number, mission, candidates, now)
        return recorded


def _candidates(session: Session, mission: Mission) -> list[CandidateLine]:
    hearings = dict(session.execute(
        select(HearingRequest.dossier_number, HearingSlot.start)
        .join(HearingSlot, HearingSlot.request_id == HearingRequest.id)
        .where(HearingRequest.track == MISSIONS, HearingRequest.mission_id == mission.id,
               HearingSlot.status == "scheduled")).all())
    lines = []
    for placement in session.scalars(select(Placement).where(
            Placement.mission_id == mission.id).order_by(Placement.dossier_number)):
        member = session.get(VivierMember, placement.dossier_number)
        lines.append(CandidateLine(member.name if member else f"dossier {placement.dossier_number}",
                                   int(placement.dossier_number), placement.status,
                                   hearings.get(placement.dossier_number)))
    return lines


def _event_messages(session: Session, rt: Runtime, number: int, mission: Mission,
                    candidates: list[CandidateLine], now: datetime) -> int:
    """A message per event the administration waits for, each once (its key names it):
    the candidates proposed (a new proposal: a new message), the person retained."""
    recorded = 0
    if candidates:
        names = ",".join(str(c.dossier) for c in candidates)
        digest = hashlib.sha256(names.encode()).hexdigest()[:12]
        recorded += _message(session, rt, number, f"mission-candidats-{digest}", "candidats",
                             {"mission": _context(mission), "candidats": candidates}, now)
    for person in candidates:
        if person.status in (PlacementStatus.RETENU, PlacementStatus.ACCEPTE,
                             PlacementStatus.CONTRAT_SIGNE, PlacementStatus.DEMARRE):
            recorded += _message(session, rt, number, f"mission-retenu-{person.dossier}",
                                 "retenu", {"mission": _context(mission), "personne": person},
                                 now)
    return recorded


def _message(session: Session, rt: Runtime, number: int, purpose: str, event: str,
             context: dict[str, Any], now: datetime) -> int:
    body = environment().get_template("messages/mission.txt.j2").render(
        event=event, programme=programme(rt), **context).strip()
    return int(outbox.record_effect(session, ds_key("message", number, purpose), Kind.DS,
                                    "message", {"dossier": number, "body": body}, now))


def _context(mission: Mission) -> dict[str, Any]:
    return {"id": mission.id, "titre": mission.titre, "profils": list(mission.profiles),
            "debut": mission.start, "quotite": mission.quotite}


def _kind(champ_type: str) -> str:
    """The ``AnnotationValueInput`` key of a text annotation type."""
    return {"text": "text", "textarea": "textarea"}[champ_type]


def _markdown(headline: str, report: MissionsReport) -> str:
    lines = [f"# {headline}", ""]
    lines += [f"- mission {m} : ouverte, recherche dans le vivier" for m in report.opened]
    lines += [f"- mission {m} : mise à jour, nouvelle recherche" for m in report.updated]
    lines += [f"- dossier {s['dossier']} : placement {s['placement']} → "
              + " → ".join(s["steps"]) for s in report.steps]
    lines += [f"- à corriger : {r['reason']}" for r in report.rejected]
    return "\n".join(lines) + "\n"
