"""The demo's missions chapter: the candidates' committee fills the vivier, a lauréat
administration opens a mission, the vivier is searched (every point explained), the
first are interviewed with DINUM and the administration, the operator approves the
decision, and the placement goes to the contract."""

from __future__ import annotations

import contextvars
import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from connectors.store.engine import store_sessions
from eig.demo_clock import TravelClock
from eig.demo_deliberate import _run_and_approve, paused_run_id
from eig.demo_delivery import deliver, handed
from eig.demo_hearings import availability_csv, no_double_booking, scores_csv
from models.french import compte, nombre_fr
from models.tables import Convention, Dossier, Effect, Placement, VivierMember

Echo = Any


def _count(url: str, purpose: str) -> int:
    with store_sessions(url) as sessions, sessions() as session:
        return session.scalar(select(func.count()).select_from(Effect).where(
            Effect.key.like(f"mail:{purpose}:%"), Effect.status == "delivered")) or 0


def _approve_mission(mission: int) -> dict:
    from prefect.flow_runs import resume_flow_run

    from flows.missions import (
        MissionDeliberationParameters,
        deliberate_mission,
        mission_proposal,
    )
    from flows.runtime import open_runtime
    from models.tables import Mission

    result: list[dict] = []
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(lambda: result.append(
        deliberate_mission(MissionDeliberationParameters(mission=mission))),), daemon=True)
    since = datetime.now(UTC)
    thread.start()
    run_id = paused_run_id("deliberate-mission", since)
    with open_runtime() as rt, rt.sessions() as session:
        chosen, motivation, _ = mission_proposal(session, rt, session.get(Mission, mission))
    resume_flow_run(run_id, run_input={"approuve": True, "approuve_par": "Camille Opératrice",
                                       "retenu": chosen, "motivation": motivation})
    thread.join(300)
    deliver()
    return result[0]


def missions_story(echo: Echo, clock: TravelClock, config: Any,
                   sandbox: Any = None) -> dict[str, bool]:
    from flows.hearings import import_availability, import_jury_scores
    from flows.missions import MissionParameters, match_mission, update_placement

    os.environ.setdefault("EIG_APPROVAL_POLL_SECONDS", "1")
    url = os.environ["EIG_DATABASE_URL"]
    echo("\n== 27. Comité des candidatures : les candidat·es retenu·es rejoignent le vivier")
    committee, _ = _run_and_approve("candidats", clock().date(), "Camille Opératrice")
    with store_sessions(url) as sessions, sessions() as session:
        vivier = session.scalar(select(func.count()).select_from(VivierMember)) or 0
        laureat = session.scalar(select(Convention.dossier_number).order_by(
            Convention.numero).limit(1))
        fields = session.scalar(select(Dossier.fields).where(Dossier.number == laureat)) or {}
    echo(f"{compte(committee['decisions'].get('Vivier', 0), 'candidature')} au vivier, "
         f"{compte(committee['decisions'].get('Refus', 0), 'refus')} ; le vivier compte "
         f"{compte(vivier, 'personne')}.")

    import_availability(availability_csv(url, clock()))
    echo("\n== 28. Une administration lauréate ouvre une mission ; recherche dans le vivier")
    profiles = (fields.get("profils") or ["développeur·se"])[:1]
    summary = match_mission(MissionParameters(
        titre=str(fields.get("intitule") or "projet lauréat"),
        administration=fields.get("administration", "Administration lauréate"),
        projet=fields.get("intitule", ""), projet_dossier=laureat, profils=profiles,
        debut=(clock() + timedelta(days=60)).date(), thematique=fields.get("theme", ""),
        localisation=fields.get("localisation") or "",
        contact_nom=str(fields.get("porteur")).split(",")[0],  # « Nom, fonction »: the name
        contact_email=str(fields.get("email") or "contact@administration.example")))
    deliver()
    for rank, match in enumerate(summary["shortlist"][:3], start=1):
        echo(f"  {rank}. {match['name']} : {nombre_fr(match['score'])} points — "
             + " ; ".join(match["raisons"][:3]))
    proposals = _count(url, "mission-proposal")
    booked = compte(summary["booked"], "entretien programmé", "entretiens programmés")
    echo(f"{compte(len(summary['proposed']), 'personne proposée', 'personnes proposées')} "
         f"à un entretien de mission ({booked} avec la DINUM et l'administration) ; "
         f"{compte(proposals, 'courriel')} de proposition.")
    contact_checks = {}
    if sandbox is not None:  # the entretiens wait for the contact's windows, given in DS
        from eig.demo_availability import contact_story

        contact_checks = contact_story(echo, sandbox, clock, summary)[1]
    again = match_mission(MissionParameters(mission=summary["mission"]))
    from flows.missions import missions_digest

    digest, digest_again = missions_digest(), missions_digest()
    deliver()
    echo(f"Point hebdomadaire des missions à l'équipe : "
         f"{compte(digest['missions'], 'mission ouverte', 'missions ouvertes')}, "
         f"{compte(handed(digest), 'envoi')} ; relancé la même semaine : "
         f"{compte(handed(digest_again), 'envoi')}.")

    clock.advance(timedelta(days=22))
    criteria = [c.key for c in config.tracks["candidats"].criteria]
    mission = summary["mission"]
    import_jury_scores(scores_csv(url, "missions", criteria, mission), "missions",
                       "demo-mission.csv", mission)
    echo("\n== 29. Délibération de la mission, approuvée dans l'interface (comme le comité)")
    decision = _approve_mission(summary["mission"])
    decided = _count(url, "mission-decision")
    echo(f"Retenu·e : {decision.get('retenu_nom') or '—'} (dossier {decision.get('retenu')}) ; "
         f"{compte(decided, 'candidat·e prévenu·e', 'candidat·es prévenu·es')}, "
         "l'administration aussi ; les autres retournent au vivier.")
    engaged = False
    with store_sessions(url) as sessions, sessions() as session:
        placement = session.scalar(select(Placement.id).where(
            Placement.mission_id == summary["mission"], Placement.status == "retenu"))
    if placement:
        for status in ("accepte", "contrat_signe"):
            result = update_placement(placement, status)
        engaged = result["vivier"] == "engage"
        echo(f"\n== 30. Contrat signé (placement {placement}) : la personne quitte le vivier.")
    return {
        "une mission trouve ses candidat·es dans le vivier ; ses entretiens, avec la "
        "DINUM et l'administration, sans double réservation de personne ; l'approbation "
        "précède les messages, envoyés une fois ; le contrat signé sort la personne du vivier":
            bool(summary["proposed"]) and again["proposed"] == [] and no_double_booking(url)
            and handed(digest) > 0 and handed(digest_again) == 0
            and decision["status"] == "approved" and decided == len(summary["proposed"])
            and engaged,
        **contact_checks,
    }
