"""Recruiting on a mission: search the vivier, hold entretiens de mission, deliberate
with the operator's approval, and follow the placement to the contract.

- ``match-mission`` (operator-triggered): records the mission (or takes an open one),
  ranks the vivier (``models.mission_match``: every point explained), proposes the first
  ``missions.interviews`` of the shortlist — each candidate is proposed to one mission at
  a time, by an atomic update of their vivier status — and books their entretiens with
  DINUM and the administration (the hearings' solver; the track « missions », each
  request naming its mission).
- ``deliberate-mission`` (operator-triggered): the jury's scores of the entretiens (same
  aggregation as everywhere) make a proposal; the run pauses for the operator's approval
  in the UI; then the retained candidate, the others and the administration are told,
  once; the others return to the vivier.
- ``missions-digest`` (weekly): the open missions and their shortlists, to the team.
- ``update_placement`` (``eig missions placement``): accepted, contract signed (the
  candidate leaves the vivier), started, or withdrawn (back to the vivier).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from prefect import flow
from prefect.input import RunInput
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from connectors.documents import render_email
from connectors.store import outbox
from flows.approval import (
    answered,
    current_run_id,
    prefilled,
    run_alive,
    wait_for_approval,
)
from flows.delivery.hearing_emails import mission_context
from flows.delivery.task_emails import programme
from flows.guard import stage_lease
from flows.handover import hand_over
from flows.hearing_booking import book, day_start, hearing_results
from flows.reporting import conclude, publish_markdown
from flows.runtime import Runtime, open_runtime
from models.convention_finance import contract_terms
from models.french import compte, date_fr, nombre_fr, pluriel
from models.hearing_outcome import MISSIONS
from models.hearing_selection import HearingKind, RequestStatus
from models.mission_match import MissionSpec, Search, VivierCandidate, search_vivier
from models.outbox import Kind, mail_key
from models.paris_time import PARIS
from models.placement import (
    ACTIVE,
    MissionStatus,
    PlacementStatus,
    VivierStatus,
    move_placement,
    not_retained_motivation,
)
from models.quote import quoted
from models.tables import (
    Convention,
    HearingRequest,
    Mission,
    MissionDossier,
    Placement,
    VivierMember,
)


class MissionParameters(BaseModel):
    """Run form of match-mission: an open mission to search again, or a new one."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    mission: int | None = Field(default=None, title="Mission existante (numéro)")
    titre: str | None = Field(default=None, title="Intitulé de la mission")
    administration: str | None = Field(default=None, title="Administration")
    projet: str | None = Field(default=None, title="Projet lauréat")
    projet_dossier: int | None = Field(default=None, title="Dossier du projet lauréat")
    profils: list[str] = Field(default_factory=list, title="Profils recherchés (1 ou 2)")
    quotite: Literal["temps plein", "4/5"] = Field(default="temps plein", title="Quotité")
    debut: date | None = Field(default=None, title="Date de début")
    localisation: str = Field(default="", title="Lieu")
    thematique: str = Field(default="", title="Thématique")
    experience_min: int | None = Field(default=None, ge=0, title="Expérience minimale (ans)")
    contact_nom: str | None = Field(default=None, title="Contact dans l'administration")
    contact_email: str | None = Field(default=None, title="Courriel du contact",
                                      pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    entretiens: int | None = Field(default=None, ge=1, title="Entretiens à proposer")


def mission_problem(mission_id: int, open_only: bool) -> str | None:
    """Why a command cannot act on mission ``mission_id`` (None: it can), checked before a
    run starts so a typo is one line, not a failed run."""
    with open_runtime() as rt, rt.sessions() as session:
        row = session.get(Mission, mission_id)
    if row is None:
        return f"mission {mission_id} : inconnue"
    if open_only and row.status != MissionStatus.OUVERTE:
        return f"mission {mission_id} : fermée ({row.status})"
    return None


class MissionDecision(RunInput):
    """The operator's answer on a mission's deliberation."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=answered(
        "approuve", "approuve_par", "motivation"))

    approuve: bool = Field(default=False, title="J'approuve cette décision et son envoi")
    approuve_par: str = Field(default="", title="Nom de la personne qui approuve")
    retenu: int | None = Field(default=None, title="Dossier retenu (vide : personne)")
    motivation: str = Field(default="", title="Motivation (envoyée à la personne retenue et à "
                            "l'administration ; les autres lisent le résultat de leur seul "
                            "entretien)")


# -- the mission and the vivier -----------------------------------------------------------


REQUIRED_FOR_NEW = ("titre", "administration", "debut", "contact_nom", "contact_email")


def new_mission_problem(params: MissionParameters, specialties: list[str],
                        prefix: str = "") -> str | None:
    """Why ``params`` cannot open a new mission (None: they can, or they name an open one),
    one French line naming the fields (``prefix="--"``: as the command's options)."""
    if params.mission is not None:
        return None

    def name(field: str) -> str:
        return f"{prefix}{field.replace('_', '-')}" if prefix else field

    missing = [name(field) for field in REQUIRED_FOR_NEW if not getattr(params, field)]
    if missing:
        return (f"nouvelle mission : {', '.join(missing)} "
                f"{pluriel(len(missing), 'obligatoire', 'obligatoires')}")
    unknown = [p for p in params.profils if p not in specialties]
    if unknown or not 1 <= len(params.profils) <= 2:
        got = f"reçu {quoted(unknown[0])}" if unknown else (
            f"{len(params.profils)} {pluriel(len(params.profils), 'reçu', 'reçus')}")
        return (f"{name('profil')} : 1 ou 2 profils parmi {', '.join(sorted(specialties))}"
                f", {got}")
    return None


def _new_mission(session: Session, rt: Runtime, params: MissionParameters,
                 now: datetime) -> Mission:
    specialties = list(rt.config.tracks["candidats"].specialties)
    if (problem := new_mission_problem(params, specialties)) is not None:
        raise ValueError(problem)
    same = session.scalar(select(Mission).where(  # the form sent twice: one mission
        Mission.status == MissionStatus.OUVERTE, Mission.titre == params.titre,
        Mission.administration == params.administration,
        Mission.contact_email == str(params.contact_email).lower(),
        Mission.start == params.debut))
    if same is not None:
        return same
    row = Mission(titre=params.titre, administration=params.administration,
                  projet=params.projet or params.titre, projet_dossier=params.projet_dossier,
                  profiles=list(params.profils), quotite=params.quotite, start=params.debut,
                  location=params.localisation, theme=params.thematique,
                  min_years=params.experience_min, contact_name=params.contact_nom,
                  contact_email=str(params.contact_email).lower(), status=MissionStatus.OUVERTE,
                  shortlist=[], created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def vivier_candidates(session: Session) -> list[VivierCandidate]:
    out = []
    for member in session.scalars(select(VivierMember).order_by(VivierMember.dossier_number)):
        profile = member.profile or {}
        available = profile.get("disponibilite_iso")
        out.append(VivierCandidate(
            dossier=int(member.dossier_number), name=member.name,
            specialite=str(profile.get("specialite") or ""),
            years=profile.get("annees_experience"),
            themes=tuple(profile.get("voeux_thematiques") or ()),
            locations=tuple(profile.get("voeux_localisations") or ()),
            administrations=str(profile.get("voeux_administrations") or ""),
            available_from=date.fromisoformat(available[:10]) if available else None,
            quotite=profile.get("quotite"), employer=profile.get("employeur"),
            status=member.status,
            proposed_to=f"mission {member.mission_id}" if member.mission_id else None))
    return out


def search(session: Session, rt: Runtime, row: Mission) -> Search:
    spec = MissionSpec(administration=row.administration, projet=row.projet,
                       profiles=tuple(row.profiles), start=row.start, quotite=row.quotite,
                       location=row.location, theme=row.theme, min_years=row.min_years)
    # candidates already proposed to this very mission are not "taken elsewhere"
    candidates = [VivierCandidate(**{**c.__dict__, "status": VivierStatus.DISPONIBLE,
                                     "proposed_to": None})
                  if c.proposed_to == f"mission {row.id}"
                  and c.status == VivierStatus.PROPOSE else c
                  for c in vivier_candidates(session)]
    return search_vivier(spec, candidates, shortlist=rt.config.missions.shortlist,
                         families=rt.config.tracks["candidats"].specialty_families)


def propose(session: Session, rt: Runtime, row: Mission, found: Search, wanted: int,
            now: datetime) -> list[int]:
    """Propose the first ``wanted`` of the shortlist: each is taken from the vivier by a
    conditional update (never two missions at once), gets a placement, an email and an
    entretien request."""
    placed = {p.dossier_number for p in session.scalars(select(Placement).where(
        Placement.mission_id == row.id))}
    active = sum(1 for p in session.scalars(select(Placement).where(
        Placement.mission_id == row.id, Placement.status.in_(ACTIVE))))
    config = rt.config.hearings.tracks["missions"]
    proposed = []
    for match in found.shortlist:
        if active + len(proposed) >= wanted:
            break
        if match.dossier in placed:
            continue
        taken = session.execute(update(VivierMember).where(
            VivierMember.dossier_number == match.dossier,
            VivierMember.status == VivierStatus.DISPONIBLE).values(
            status=VivierStatus.PROPOSE, mission_id=row.id, updated_at=now))
        if taken.rowcount != 1:
            continue  # taken by another mission since the search
        placement = Placement(mission_id=row.id, dossier_number=match.dossier,
                              status=PlacementStatus.PROPOSE, score=match.score,
                              reasons=list(match.reasons),
                              created_at=now, updated_at=now)
        session.add(placement)
        session.flush()
        member = session.get(VivierMember, match.dossier)
        rendered = render_email("mission_proposal", {
            "person": {"name": member.name, "email": member.email or ""},
            "mission": mission_context(row),
            "raisons": [r.split(" : ", 1)[-1] for r in match.reasons if not r.startswith("+0")
                        and not r.startswith("-")],
            "programme": programme(rt)})
        if member.email:
            _record_email(session, rt, mail_key("mission-proposal", placement.id),
                          member.email, member.name, rendered, now)
        session.add(HearingRequest(
            track=MISSIONS, mission_id=row.id, dossier_number=match.dossier,
            hearing_type=HearingKind.MISSION,
            status=RequestStatus.PENDING, earliest=day_start(now, config.notice_days),
            latest=day_start(now, config.within_days + 1), requested_at=now, updated_at=now))
        proposed.append(match.dossier)
    return proposed


def _record_email(session: Session, rt: Runtime, key: str, email: str, name: str,
                  rendered: Any, now: datetime) -> int:
    """A rendered email in the outbox; 1 if recorded now, 0 if it already was."""
    return int(outbox.record_effect(session, key, Kind.EMAIL, "send",
                                    _payload(email, name, rendered), now))


def _shortlist_json(found: Search) -> list[dict[str, Any]]:
    return [{"dossier": m.dossier, "name": m.name, "score": m.score, "raisons": list(m.reasons)}
            for m in found.shortlist]


@flow(name="match-mission", timeout_seconds=1800,
      description="Cherche dans le vivier les candidat·es d'une "
      "mission (classement expliqué), propose les premiers et programme leurs entretiens "
      "de mission avec la DINUM et l'administration.")
def match_mission(params: MissionParameters = MissionParameters()) -> dict[str, Any]:  # noqa: B008 (frozen model)
    with open_runtime() as rt, stage_lease(rt, "schedule-hearings"):
        now = rt.clock()
        with rt.sessions.begin() as session:
            if params.mission is not None:
                row = session.get(Mission, params.mission)
                if row is None or row.status != MissionStatus.OUVERTE:
                    raise LookupError(f"mission {params.mission} : inconnue ou fermée")
            else:
                row = _new_mission(session, rt, params, now)
            found = search(session, rt, row)
            row.shortlist, row.updated_at = _shortlist_json(found), now
            proposed = propose(session, rt, row, found,
                               params.entretiens or rt.config.missions.interviews, now)
            session.execute(update(MissionDossier).where(  # filed in DS: searched now
                MissionDossier.mission_id == row.id).values(search_due=False))
            mission = mission_context(row)
        booked = book(rt, "missions")
        handed = hand_over(rt, "match-mission")
    headline = (f"Mission {mission['id']} — {mission['titre']} : "
                f"{compte(len(found.shortlist), 'présélectionné·e', 'présélectionné·es')}, "
                f"{compte(len(proposed), 'proposé·e', 'proposé·es')} à un entretien, "
                f"{compte(len(booked['placed']), 'entretien programmé', 'entretiens programmés')}.")
    publish_markdown(f"match-mission-{mission['id']}",
                     _shortlist_markdown(headline, mission, found, proposed, booked))
    return conclude({"mission": mission["id"], "shortlist": _shortlist_json(found),
                     "excluded": [{"dossier": m.dossier, "reason": m.excluded}
                                  for m in found.excluded],
                     "proposed": proposed, "booked": len(booked["placed"]),
                     "unplaced": booked["unplaced"], "handed_over": handed}, headline)


def _shortlist_markdown(headline: str, mission: dict[str, Any], found: Search,
                        proposed: list[int], booked: dict[str, Any]) -> str:
    lines = [f"# {headline}", "", f"Administration : {mission['administration']}.",
             "", f"Profils : {', '.join(mission['profils'])} ; début le "
             f"{date_fr(mission['debut'])} ; {mission['quotite']}.", "", "## Présélection", ""]
    for rank, match in enumerate(found.shortlist, start=1):
        mark = " — **entretien proposé**" if match.dossier in proposed else ""
        lines.append(f"{rank}. {match.name} (dossier {match.dossier}) : {nombre_fr(match.score)} "
                     f"points{mark}")
        lines += [f"   - {reason}" for reason in match.reasons]
    if found.excluded:
        lines += ["", "## Écarté·es", ""]
        lines += [f"- {m.name} (dossier {m.dossier}) : {m.excluded}" for m in found.excluded]
    if booked["unplaced"]:
        lines += ["", "## Entretiens sans créneau", ""]
        lines += [f"- dossier {u['dossier']} : {u['reason']}" for u in booked["unplaced"]]
    return "\n".join(lines) + "\n"


# -- deliberation ---------------------------------------------------------------------------


def contract_figures(session: Session, rt: Runtime, row: Mission,
                     years: int | None) -> dict[str, Any]:
    """The framework's figures for the retained candidate: the kind of the project's
    convention (or the config's rule), the band of their experience, the quotité."""
    conventions = rt.config.conventions
    convention = session.get(Convention, row.projet_dossier) if row.projet_dossier else None
    kind = convention.kind if convention else conventions.kind_for(row.start.month)
    framework = conventions.frameworks[kind].framework(kind)
    return contract_terms(kind, framework, years, row.quotite)


class MissionDeliberationParameters(BaseModel):
    mission: int = Field(title="Mission (numéro)")
    approval_timeout_hours: float = Field(default=72, gt=0, title="Délai d'approbation (h)")


def mission_proposal(session: Session, rt: Runtime, row: Mission
                     ) -> tuple[int | None, str, list[dict[str, Any]]]:
    """The best heard candidate passing the thresholds, a drafted motivation, and the
    candidates with their entretien's result."""
    results = hearing_results(session, rt, MISSIONS, mission=row.id)
    rows = []
    for placement in session.scalars(select(Placement).where(
            Placement.mission_id == row.id, Placement.status == PlacementStatus.PROPOSE)
            .order_by(Placement.dossier_number)):
        result = results.get(int(placement.dossier_number), {})
        member = session.get(VivierMember, placement.dossier_number)
        rows.append({"dossier": int(placement.dossier_number), "name": member.name,
                     "total": result.get("total"), "passes": result.get("passes", False),
                     "notes": result.get("notes", "")})
    heard = sorted((r for r in rows if r["total"] is not None and r["passes"]),
                   key=lambda r: (-r["total"], r["dossier"]))
    if not heard:
        return None, "Aucun entretien ne réunit les conditions pour retenir un·e candidat·e.", rows
    best = heard[0]
    return best["dossier"], (f"Meilleur entretien de mission ({nombre_fr(best['total'])} points, "
                             "critères du recrutement au-dessus des seuils)."), rows


DECIDED = (PlacementStatus.RETENU, PlacementStatus.NON_RETENU, PlacementStatus.ACCEPTE,
           PlacementStatus.CONTRAT_SIGNE, PlacementStatus.DEMARRE)


def open_deliberation(rt: Runtime, mission_id: int, run_id: str | None
                      ) -> tuple[str, str, tuple[int | None, str, list[dict[str, Any]]]]:
    """Whether this run deliberates on the mission: ``("new" | "resumed", "", proposal)``,
    or ``("busy" | "done", why, …)`` when another live run already waits for the
    operator's answer or the mission has nothing left to decide. A suspended run comes
    back from the top: the mission names it, so it finds its own deliberation."""
    with stage_lease(rt, f"mission:{mission_id}", wait=600), rt.sessions.begin() as session:
        row = session.get(Mission, mission_id)
        if row is None:
            raise LookupError(f"mission {mission_id} inconnue")
        proposal = mission_proposal(session, rt, row)
        if run_id is not None and row.flow_run_id == run_id:
            return "resumed", "", proposal
        statuses = set(session.scalars(select(Placement.status).where(
            Placement.mission_id == row.id)))
        if PlacementStatus.PROPOSE not in statuses and statuses & set(DECIDED):
            return "done", (f"la mission {mission_id} est déjà décidée : aucun·e candidat·e "
                            "proposé·e n'attend de décision, rien à refaire"), proposal
        if row.flow_run_id and run_alive(row.flow_run_id):
            return "busy", (f"la mission {mission_id} attend déjà son approbation dans le "
                            f"run {row.flow_run_id} : approuvez-la là (ou annulez ce run "
                            "pour en relancer un)"), proposal
        row.flow_run_id = run_id
        return "new", "", proposal


@flow(name="deliberate-mission", timeout_seconds=3600,
      description="Délibère sur les entretiens d'une mission, "
      "attend l'approbation d'un opérateur, puis prévient le ou la candidat·e retenu·e, les "
      "autres (qui retournent au vivier) et l'administration.")
def deliberate_mission(params: MissionDeliberationParameters) -> dict[str, Any]:
    run_id = current_run_id()
    with open_runtime() as rt:
        outcome, why, (chosen, motivation, rows) = open_deliberation(rt, params.mission,
                                                                     run_id)
    if outcome in ("busy", "done"):
        return conclude({"mission": params.mission, "notified": 0,
                         "status": "already_waiting" if outcome == "busy"
                         else "already_decided", "message": why}, why, warning=True)
    heard = [f"{r['name']} (dossier {r['dossier']}) : {r['notes'] or 'entretien non noté'}"
             for r in rows]
    form = prefilled(
        MissionDecision, description="## Mission — décision\n\n" + "\n".join(
            f"- {line}" for line in heard),
        notes={"retenu": "Entendu·es : " + " ; ".join(heard) + ". Vide : personne."},
        retenu=chosen, motivation=motivation)
    answer = wait_for_approval(form, f"mission-{params.mission}",
                               params.approval_timeout_hours, "end")
    if answer is None or not answer.approuve:
        return conclude({"mission": params.mission, "status": "not_approved", "notified": 0},
                        f"Mission {params.mission} : pas d'approbation, rien n'est envoyé.",
                        warning=True)
    with open_runtime() as rt:
        with stage_lease(rt, f"mission:{params.mission}"), rt.sessions.begin() as session:
            row = session.get(Mission, params.mission)
            if row.flow_run_id != run_id:  # another run took the deliberation over
                why = (f"mission {params.mission} : la délibération a été reprise par le "
                       f"run {row.flow_run_id} ; cette approbation n'est pas appliquée")
                return conclude({"mission": params.mission, "status": "superseded",
                                 "notified": 0, "message": why}, why, warning=True)
            notified = record_decision(session, rt, row, answer.retenu,
                                       answer.motivation or motivation)
            member = session.get(VivierMember, answer.retenu) if answer.retenu else None
            name = member.name if member is not None else None
        handed = hand_over(rt, "deliberate-mission")
    headline = (f"Mission {params.mission} : "
                + (f"{name} (dossier {answer.retenu}) retenu·e" if answer.retenu
                   else "personne n'est retenu·e")
                + f", approuvé par {answer.approuve_par or '—'} ; "
                f"{compte(notified, 'courriel')} de décision.")
    publish_markdown(f"deliberate-mission-{params.mission}", f"# {headline}\n\n" + "\n".join(
        f"- entendu·e : {line}" for line in heard) + "\n")
    return conclude({"mission": params.mission, "status": "approved", "retenu": answer.retenu,
                     "retenu_nom": name, "notified": notified, "handed_over": handed},
                    headline)


def record_decision(session: Session, rt: Runtime, row: Mission, chosen: int | None,
                    motivation: str) -> int:
    """Statuses and emails of the decision, keyed by placement: recording it again adds
    nothing. Those not retained return to the vivier. ``motivation`` is the retained
    person's (and the administration's, who sat the entretiens); each other candidate
    reads their own entretien's outcome only."""
    now = rt.clock()
    recorded = 0
    retained_name = None
    results = hearing_results(session, rt, MISSIONS, mission=row.id)
    placements = list(session.scalars(select(Placement).where(
        Placement.mission_id == row.id, Placement.status.in_((
            PlacementStatus.PROPOSE, PlacementStatus.RETENU, PlacementStatus.NON_RETENU)))))
    someone = any(int(p.dossier_number) == chosen for p in placements)
    for placement in placements:
        member = session.get(VivierMember, placement.dossier_number)
        retained = int(placement.dossier_number) == chosen
        if retained:
            placement.status = PlacementStatus.RETENU
            placement.framework = contract_figures(
                session, rt, row, (member.profile or {}).get("annees_experience"))
            retained_name = (member.name, (member.profile or {}).get("specialite") or "")
        else:
            placement.status = PlacementStatus.NON_RETENU
            if member.status == VivierStatus.PROPOSE and member.mission_id == row.id:
                member.status, member.mission_id = VivierStatus.DISPONIBLE, None
                member.updated_at = now
        result = results.get(int(placement.dossier_number), {})
        own = motivation if retained else not_retained_motivation(
            result.get("total"), bool(result.get("passes")), someone)
        placement.motivation, placement.updated_at = own, now
        contract = None
        if retained:
            figures = placement.framework
            contract = {**figures, "net_mensuel": Decimal(figures["net_mensuel"]),
                        "taux_variable": Decimal(figures["taux_variable"])}
        if member.email:
            rendered = render_email("mission_decision", {
                "person": {"name": member.name, "email": member.email},
                "mission": mission_context(row), "retenu": retained,
                "motivation": own, "contrat": contract, "programme": programme(rt)})
            recorded += _record_email(session, rt, mail_key("mission-decision", placement.id),
                                      member.email, member.name, rendered, now)
    rendered = render_email("mission_decision_admin", {
        "contact": {"name": row.contact_name, "email": row.contact_email},
        "mission": mission_context(row),
        "retenu": {"name": retained_name[0], "specialite": retained_name[1]}
        if retained_name else None, "motivation": motivation, "programme": programme(rt)})
    recorded += _record_email(session, rt, mail_key("mission-decision-admin", row.id),
                              row.contact_email, row.contact_name, rendered, now)
    row.updated_at = now
    return recorded


def _payload(email: str, name: str, rendered: Any) -> dict[str, Any]:
    return {"to": [{"email": email, "name": name}], "subject": rendered.subject,
            "text": rendered.text, "html": rendered.html}


# -- the contract ---------------------------------------------------------------------------


def update_placement(placement_id: int, status: str) -> dict[str, Any]:
    """Record a placement's step towards the contract (``models.placement``); the vivier
    and the mission follow."""
    with open_runtime() as rt, rt.sessions.begin() as session:
        placement = session.get(Placement, placement_id)
        if placement is None:
            raise LookupError(f"placement {placement_id} inconnu")
        mission = session.get(Mission, placement.mission_id)
        started = session.scalar(select(func.count()).select_from(Placement).where(
            Placement.mission_id == mission.id, Placement.id != placement.id,
            Placement.status == PlacementStatus.DEMARRE)) or 0
        move = move_placement(placement_id, placement.status, status, mission_id=mission.id,
                              profiles=len(mission.profiles), started_elsewhere=started)
        now = rt.clock()
        placement.status, placement.updated_at = move.placement, now
        member = session.get(VivierMember, placement.dossier_number)
        if move.vivier is not None:
            member.status, member.mission_id = move.vivier, move.vivier_mission
        if move.mission is not None:
            mission.status = move.mission
        member.updated_at = mission.updated_at = now
        return {"placement": placement_id, "status": str(move.placement),
                "vivier": str(member.status), "mission": str(mission.status)}


# -- the weekly digest ----------------------------------------------------------------------


@flow(name="missions-digest", timeout_seconds=600,
      description="Chaque semaine, les missions ouvertes et leur "
      "présélection, envoyées à l'équipe du programme (une fois par semaine).")
def missions_digest() -> dict[str, Any]:
    with open_runtime() as rt, stage_lease(rt, "missions-digest"):
        now = rt.clock()
        today = now.astimezone(PARIS).date()
        monday = today - timedelta(days=today.weekday())
        with rt.sessions.begin() as session:
            missions = []
            for row in session.scalars(select(Mission).where(
                    Mission.status == MissionStatus.OUVERTE).order_by(Mission.start)):
                found = search(session, rt, row)
                interviews = sum(1 for _ in session.scalars(select(HearingRequest).where(
                    HearingRequest.track == MISSIONS, HearingRequest.mission_id == row.id)))
                missions.append({**mission_context(row), "statut": row.status,
                                 "shortlist": _shortlist_json(found), "entretiens": interviews,
                                 "jours_ouverts": (today - row.created_at.astimezone(PARIS)
                                                   .date()).days})
            rendered = render_email("missions_digest", {
                "semaine": monday, "missions": missions, "programme": programme(rt)})
            for email in rt.config.evaluation.team:
                outbox.record_effect(session, mail_key("missions-digest", monday.isoformat(),
                                                       email), Kind.EMAIL, "send",
                                     _payload(email, "", rendered), now)
        handed = hand_over(rt, "missions-digest")
    headline = (f"Point des missions, semaine du {date_fr(monday)} : "
                f"{compte(len(missions), 'mission ouverte', 'missions ouvertes')}, "
                f"{compte(sum(handed.values()), 'envoi')} à l'équipe.")
    publish_markdown("missions-digest", f"# {headline}\n\n" + (
        "\n".join(f"- mission {m['id']} — {m['titre']} ({m['administration']}) : "
                  f"{len(m['shortlist'])} en présélection, "
                  f"{compte(m['entretiens'], 'entretien')}" for m in missions)
        or "Aucune mission ouverte.") + "\n")
    return conclude({"week": monday.isoformat(), "missions": len(missions),
                     "handed_over": handed}, headline)
