"""The demo's vivier chapter: candidates of the vivier answer in DS, through the link of
their decision message — one moves their availability date, another withdraws their
consent, a third gives a date already past —; the next sync applies what counts, the
next mission search shows it, the wrong answer is set aside with its field and rule."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from connectors.store.engine import store_sessions
from eig.demo_clock import TravelClock
from eig.demo_delivery import deliver
from models.french import date_fr, nombre_fr
from models.tables import Effect, Mission, VivierMember

Echo = Any
LINK = re.compile(r"https?://\S+/commencer/vivier\?\S+")


def _links(url: str) -> dict[int, str]:
    """The vivier form's link of each person still available, read in the decision
    message DS received (its outbox row)."""
    with store_sessions(url) as sessions, sessions() as session:
        available = set(session.scalars(select(VivierMember.dossier_number).where(
            VivierMember.status == "disponible")))
        links = {}
        for effect in session.scalars(select(Effect).where(
                Effect.key.like("ds:message:%:decision-%"))):
            number = int(effect.payload.get("dossier") or 0)
            found = LINK.search(str(effect.payload.get("body") or ""))
            if number in available and found:
                links[number] = found.group(0)
    return dict(sorted(links.items()))


def _search(mission_id: int) -> dict[int, Any]:
    """The mission's search now: each candidate's match (ranked or left out), by dossier."""
    from flows.missions import search
    from flows.runtime import open_runtime

    with open_runtime() as rt, rt.sessions() as session:
        found = search(session, rt, session.get(Mission, mission_id))
    return {m.dossier: m for m in (*found.shortlist, *found.others, *found.excluded)}


def _availability(match: Any) -> str:
    return next((r for r in match.reasons if "disponible" in r), "—")


def vivier_story(echo: Echo, sandbox: Any, clock: TravelClock) -> dict[str, bool]:
    from flows.pipeline import sync as sync_and_follow
    from flows.sync import SyncParameters
    from flows.vivier_forms import invalid_vivier_rows
    from models.vivier_forms import vivier_line
    from settings.config import load_config
    from settings.environment import Settings

    url = os.environ["EIG_DATABASE_URL"]
    echo("\n== 30 quater. Le vivier se met à jour depuis DS : chaque candidat·e a reçu, avec "
         "la décision du comité, le lien de son formulaire « Ma situation dans le vivier »")
    links = _links(url)
    with store_sessions(url) as sessions, sessions() as session:
        mission = session.scalar(select(Mission).order_by(Mission.id.desc()).limit(1))
    if mission is None or len(links) < 3:
        echo("Pas de mission ou trop peu de personnes disponibles au vivier.")
        return {"le vivier se met à jour depuis DS": False}
    before = _search(mission.id)
    mover, leaver, wrong = list(links)[:3]
    moved_to = mission.start + timedelta(days=45)
    started = sandbox.state.start_from_link(links[mover])
    moved = sandbox.state.submit_prefilled(
        started.number, {"disponibilite": moved_to.isoformat()}).number
    started = sandbox.state.start_from_link(links[leaver])
    sandbox.state.submit_prefilled(started.number, {"consentement": False})
    started = sandbox.state.start_from_link(links[wrong])
    past = (clock() - timedelta(days=10)).date()
    bad = sandbox.state.submit_prefilled(started.number,
                                         {"disponibilite": past.isoformat()}).number
    echo(f"Dans DS : le dossier {mover} sera disponible le {date_fr(moved_to)}, le dossier "
         f"{leaver} quitte le vivier, le dossier {wrong} donne une date passée "
         f"({date_fr(past)}).")

    _, summary = sync_and_follow(SyncParameters(assign_new=False))
    report = summary.get("vivier") or {"updated": [], "withdrawn": [], "rejected": [],
                                       "from_candidature": []}
    echo(vivier_line(report) or "Vivier : rien de nouveau.")
    after = _search(mission.id)
    echo(f"Recherche de la mission {mission.id} (début le {date_fr(mission.start)}) :")
    if mover in before and mover in after:
        echo(f"  dossier {mover} : {nombre_fr(before[mover].score)} → "
             f"{nombre_fr(after[mover].score)} points ; {_availability(after[mover])}")
    echo(f"  dossier {leaver} : {'présent' if leaver in before else 'absent'} avant, "
         f"{'présent' if leaver in after else 'absent'} après")
    with store_sessions(url) as sessions, sessions() as session:
        rows = invalid_vivier_rows(session, load_config(Settings().config))
    for row in rows:
        echo(f"  eig quarantine : démarche {row['demarche']}, formulaire {row['dossier']}, "
             f"champ {row['field']} : {row['reason']}")
    deliver()  # each answer told on its form, in DS (which moves the forms' update date)
    told = [m.body for m in sandbox.state.dossier(moved).messages]
    if told:
        changed = " ; ".join(line[2:].strip() for line in told[-1].splitlines()
                             if line.startswith("- "))
        echo(f"  message DS sur le formulaire {moved} : « Ce qui change : {changed} »")
    _, again = sync_and_follow(SyncParameters(assign_new=False))
    repeat = again.get("vivier") or {}
    return {
        "le vivier se met à jour depuis DS : la date déplacée et le consentement retiré "
        "changent la recherche suivante, la réponse erronée est mise de côté (champ et "
        "règle), chacun·e lit la suite donnée dans DS, relancer ne change rien":
            report["updated"] == [mover] and report["withdrawn"] == [leaver]
            and [r["form"] for r in report["rejected"]] == [bad]
            and leaver in before and leaver not in after
            and "disponible le" in _availability(after[mover])
            and any(r["field"] == "disponibilite" and r["dossier"] == bad for r in rows)
            and not repeat.get("updated") and not repeat.get("withdrawn")
            and len(told) == 1,
    }
