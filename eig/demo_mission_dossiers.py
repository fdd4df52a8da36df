"""The demo's chapter of the missions démarche: a lauréat administration files its mission
in DS, the sync opens it and searches the vivier, the administration reads the state of
its mission in its dossier, a badly filled dossier is kept aside with its field and rule,
the operator approves the decision as before, and the team's « Étape du recrutement » in
DS moves the placement to the contract."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from connectors.store.engine import store_sessions
from ds_sandbox import MISSIONS, Sandbox
from eig.availability_actors import answer, request_link, rows, working_days
from eig.demo_clock import TravelClock
from eig.demo_delivery import deliver
from eig.demo_hearings import availability_csv, no_double_booking, scores_csv
from eig.demo_missions import _approve_mission
from models.french import compte, date_fr
from models.paris_time import PARIS, aware
from models.tables import Convention, Dossier, HearingRequest, Mission, VivierMember

Echo = Any
CHAMP = {d.key: d.id for d in (*MISSIONS.champs, *MISSIONS.annotations)}


def _file(sandbox: Sandbox, values: dict[str, Any]) -> int:
    return sandbox.state.add_dossier(
        MISSIONS.number, values={CHAMP[k]: v for k, v in values.items()}).number


def _sync() -> dict[str, Any]:
    from flows.pipeline import sync
    from flows.sync import SyncParameters

    _, summary = sync(SyncParameters(assign_new=False))
    deliver()
    return summary


def _ds_line(sandbox: Sandbox, dossier: int) -> str:
    record = sandbox.state.dossier(dossier)
    state = (record.overrides or {}).get(CHAMP["etat_mission"], ("—",))[0]
    return (f"dans DS, dossier {dossier} : étiquette « {', '.join(record.labels)} », "
            f"état « {state} », {compte(len(record.messages), 'message')} à l'administration")


def _contact_answers(sandbox: Sandbox, clock: TravelClock, url: str, mission: int,
                     contact: str) -> tuple[int, list[Any]]:
    """The mission's contact follows the availability link they received and gives two
    mornings; the sync books the entretiens waiting for them: (entretiens booked, days)."""
    with store_sessions(url) as sessions, sessions() as session:
        link = request_link(session, f"mission:{mission}", contact)
        earliest = min((aware(r.earliest) for r in session.scalars(select(HearingRequest).where(
            HearingRequest.mission_id == mission))), default=None)
    if link is None or earliest is None:
        return 0, []
    first = earliest.astimezone(PARIS).date()
    days = working_days(first, first + timedelta(days=10))[:2]
    answer(sandbox, link, rows(days, (("09:00", "12:00"),)))
    clock.advance(timedelta(minutes=5))
    placed = ((_sync().get("hearings") or {}).get("placed") or {}).get("missions", 0)
    return placed, days


def mission_dossiers_story(echo: Echo, sandbox: Sandbox, clock: TravelClock,
                           config: Any) -> dict[str, bool]:
    from flows.hearings import import_availability, import_jury_scores
    from flows.mission_dossiers import mission_dossiers

    url = os.environ["EIG_DATABASE_URL"]
    with store_sessions(url) as sessions, sessions() as session:
        laureat = session.scalar(select(Convention.dossier_number).order_by(
            Convention.numero).limit(1))
        fields = session.scalar(select(Dossier.fields).where(Dossier.number == laureat)) or {}
    echo("\n== 30 bis. Une administration lauréate dépose sa mission dans DS (démarche "
         f"{MISSIONS.number}) ; un autre dossier est mal rempli")
    import_availability(availability_csv(url, clock()))
    filing = {"projet_dossier": laureat, "administration": fields.get("administration"),
              "intitule": f"{fields.get('intitule') or 'Projet lauréat'} — seconde mission",
              "profils": (fields.get("profils") or ["développeur·se"])[:1],
              "quotite": "temps plein", "debut": (clock() + timedelta(days=60)).date(),
              "localisation": fields.get("localisation") or "Paris",
              "thematique": fields.get("theme"), "experience_min": 3,
              "contact_nom": str(fields.get("porteur")).split(",")[0],
              "contact_email": str(fields.get("email") or "contact@administration.example"),
              "description": "Une seconde mission pour le projet lauréat."}
    good = _file(sandbox, filing)
    bad = _file(sandbox, filing | {"intitule": "Mission sans projet lauréat",
                                   "projet_dossier": 999_999})
    summary = _sync()
    followed = summary.get("missions") or {}
    [mission] = followed.get("opened") or [None]
    searched = next((s for s in followed.get("searched", []) if s["mission"] == mission), {})
    proposed = compte(len(searched.get("proposed", [])), "personne proposée",
                      "personnes proposées")
    booked = compte(searched.get("booked", 0), "entretien programmé", "entretiens programmés")
    echo(f"La synchronisation lit la démarche des missions : mission {mission} ouverte, "
         f"{proposed} à un entretien de mission ({booked}).")
    rejected = [r["reason"] for r in followed.get("rejected", []) if r["dossier"] == bad]
    for reason in rejected:
        echo(f"  à corriger (eig quarantine) : {reason}")
    echo("  " + _ds_line(sandbox, good))
    echo("  " + _ds_line(sandbox, bad))
    writes = sandbox.mutations.applied("dossierModifierAnnotations", good)
    again = _sync()
    quiet = (again.get("missions") or {}).get("written", 0) == 0 and \
        sandbox.mutations.applied("dossierModifierAnnotations", good) == writes
    echo("Synchronisée de nouveau, la démarche ne relance rien : nos propres écritures "
         "changent la date du dossier, pas ses réponses.")

    if mission is not None:  # its entretiens wait for the contact, asked through DS
        booked_now, days = _contact_answers(sandbox, clock, url, mission,
                                            filing["contact_email"])
        echo("Le contact de l'administration donne ses disponibilités dans DS ("
             + " et ".join(f"le {date_fr(d)}" for d in days) + ", de 9 h 00 à 12 h 00) : "
             f"{compte(booked_now, 'entretien programmé', 'entretiens programmés')} ; "
             f"{_ds_line(sandbox, good)}.")

    echo("\n== 30 ter. Entretiens de mission, délibération approuvée dans l'interface, puis "
         "l'étape du recrutement notée par l'équipe dans DS")
    decided = engaged = started = False
    if mission is not None:
        clock.advance(timedelta(days=22))
        criteria = [c.key for c in config.tracks["candidats"].criteria]
        import_jury_scores(scores_csv(url, "missions", criteria, mission), "missions",
                           "demo-mission-ds.csv", mission)
        decision = _approve_mission(mission)
        decided = decision["status"] == "approved" and decision.get("retenu") is not None
        mission_dossiers()
        deliver()
        echo(f"Retenu·e : {decision.get('retenu_nom') or '—'} ; {_ds_line(sandbox, good)}.")
        signed_on = clock().date()
        sandbox.state.write_annotations(good, {CHAMP["etape_recrutement"]: "Contrat signé",
                                               CHAMP["date_signature"]: signed_on})
        steps = (_sync().get("missions") or {}).get("steps", [])
        with store_sessions(url) as sessions, sessions() as session:
            member = session.get(VivierMember, decision.get("retenu"))
            engaged = member is not None and member.status == "engage"
        echo("L'équipe note « Contrat signé » dans DS : placement "
             + ", ".join(" → ".join(s["steps"]) for s in steps)
             + f" ; la personne quitte le vivier ({'engagée' if engaged else 'non engagée'}).")
        sandbox.state.write_annotations(good, {
            CHAMP["etape_recrutement"]: "Prise de poste",
            CHAMP["date_prise_de_poste"]: signed_on + timedelta(days=30)})
        _sync()
        with store_sessions(url) as sessions, sessions() as session:
            started = session.get(Mission, mission).status == "pourvue"
        echo(f"Puis « Prise de poste » : mission {'pourvue' if started else 'toujours ouverte'}"
             f" ; {_ds_line(sandbox, good)}.")
    return {
        "une mission déposée dans DS est ouverte et cherchée dans le vivier, sans double "
        "réservation ; le dossier mal rempli est mis de côté avec son champ et sa règle ; "
        "nos écritures ne relancent rien":
            mission is not None and bool(searched.get("proposed")) and len(rejected) == 1
            and "projet_dossier" in rejected[0] and quiet and no_double_booking(url),
        "l'administration suit sa mission dans DS, et l'étape notée par l'équipe fait "
        "avancer le placement jusqu'à la prise de poste":
            decided and engaged and started
            and sandbox.state.dossier(good).labels == ("Mission pourvue",),
    }
