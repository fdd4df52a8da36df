"""The demo's availability chapters: the jurors are asked through DS when they can sit
(one request each for the period), two answer in the sandbox — one of them wrongly, set
aside with its field and rule —, the others are reminded once; a mission's administration
contact is asked when its entretiens are to be booked, the entretiens wait for the answer,
then are held inside the declared windows, the contact never in two places at once."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from connectors.store.engine import store_sessions
from eig.availability_actors import answer, request_link, rows, working_days
from eig.demo_clock import TravelClock
from eig.demo_delivery import deliver
from eig.demo_hearings import JURY_PER_TRACK, no_double_booking
from models.french import compte, date_fr, heure_fr
from models.paris_time import PARIS, aware
from models.tables import (
    AvailabilityForm,
    Effect,
    EvaluatorRow,
    HearingRequest,
    HearingSlot,
    JuryAvailability,
    Mission,
)

Echo = Any


def _sent(url: str, purpose: str) -> int:
    with store_sessions(url) as sessions, sessions() as session:
        return session.scalar(select(func.count()).select_from(Effect).where(
            Effect.key.like(f"mail:{purpose}:%"), Effect.status == "delivered")) or 0


def _two_jurors(url: str) -> list[str]:
    """Two members of the candidats track (the missions' jury) beyond those the demo's
    CSV lists: what they declare in DS is theirs alone."""
    with store_sessions(url) as sessions, sessions() as session:
        members = [r.email for r in session.scalars(select(EvaluatorRow).where(
            EvaluatorRow.active.is_(True)).order_by(EvaluatorRow.email))
            if "candidats" in (r.tracks or [])]
    return members[JURY_PER_TRACK:JURY_PER_TRACK + 2]


def jurors_story(echo: Echo, sandbox: Any, clock: TravelClock) -> dict[str, bool]:
    from flows.availability import request_availability
    from flows.pipeline import sync as sync_and_follow
    from flows.sync import SyncParameters

    url = os.environ["EIG_DATABASE_URL"]
    echo("\n== 26 bis. Disponibilités du jury par DS : un formulaire prérempli par juré et "
         "par période")
    first = request_availability()
    again = request_availability()
    deliver()
    echo(f"{first['headline']} Relancé aussitôt : {compte(again['asked'], 'demande')} de "
         f"plus ; {compte(_sent(url, 'availability-request'), 'courriel')} de demande "
         "(eig hearings availability-requests).")
    scope = first["periods"][0]
    start = date.fromisoformat(scope.split(":", 1)[1])
    days = working_days(max(start, clock().astimezone(PARIS).date() + timedelta(days=1)),
                        start + timedelta(days=27))[:10]
    good, bad = _two_jurors(url)
    with store_sessions(url) as sessions, sessions() as session:
        links = {email: request_link(session, scope, email) for email in (good, bad)}
    answered = answer(sandbox, links[good], rows(days))
    wrong = answer(sandbox, links[bad], [
        {"jour": days[0].isoformat(), "de": "09:00", "a": "12:00"},
        {"jour": days[1].isoformat(), "de": "17:00", "a": "10:00"}])
    echo(f"Dans DS : {good} remplit son formulaire ({compte(len(days), 'jour')}, matin et "
         f"après-midi) ; {bad} inverse les heures d'une ligne (17:00 → 10:00).")
    clock.advance(timedelta(minutes=5))
    _, synced = sync_and_follow(SyncParameters())
    report = synced.get("availability") or {"applied": 0, "windows": 0, "rejected": []}
    taken = compte(report["applied"], "formulaire pris en compte", "formulaires pris en compte")
    echo(f"Synchronisation : {taken} ({compte(report['windows'], 'créneau', 'créneaux')}) :")
    for rejected in report["rejected"]:
        echo(f"  quarantaine (eig quarantine) : démarche « disponibilites », dossier "
             f"{rejected['form']}, champ {rejected['field']} : {rejected['reason']}")
    with store_sessions(url) as sessions, sessions() as session:
        kept = session.scalar(select(func.count()).select_from(JuryAvailability).where(
            JuryAvailability.email == good)) or 0
        none_for_bad = session.scalar(select(func.count()).select_from(JuryAvailability).where(
            JuryAvailability.email == bad)) == 0
        status = session.scalar(select(AvailabilityForm.status).where(
            AvailabilityForm.form_number == wrong))

    clock.advance(timedelta(days=3))
    reminded = request_availability()
    twice = request_availability()
    deliver()
    echo(f"Trois jours plus tard : {compte(reminded['reminded'], 'relance')}, une par juré·e "
         f"sans réponse valable ({bad} compris, avec la raison) ; relancé aussitôt : "
         f"{compte(twice['reminded'], 'relance')}.")
    return {
        "le jury donne ses disponibilités par DS : une demande par juré·e et par période, "
        "la réponse remplace ses créneaux, la mauvaise est mise en quarantaine (champ et "
        "règle), une seule relance":
            first["asked"] > 0 and again["asked"] == 0 and report["applied"] == 1
            and kept == 2 * len(days) and none_for_bad and status == "invalid"
            and [r["form"] for r in report["rejected"]] == [wrong]
            and reminded["reminded"] == first["asked"] - 1 and twice["reminded"] == 0
            and answered != wrong,
    }


def contact_story(echo: Echo, sandbox: Any, clock: TravelClock, summary: dict[str, Any]
                  ) -> tuple[int, dict[str, bool]]:
    """After match-mission: the entretiens wait for the contact, who answers in DS; the
    sync books them inside the declared windows. Returns (entretiens booked, checks)."""
    from flows.pipeline import sync as sync_and_follow
    from flows.sync import SyncParameters

    url = os.environ["EIG_DATABASE_URL"]
    mission = int(summary["mission"])
    waiting = [u for u in summary["unplaced"] if u["reason"].startswith("en attente")]
    with store_sessions(url) as sessions, sessions() as session:
        row = session.get(Mission, mission)
        contact = row.contact_email
        link = request_link(session, f"mission:{mission}", contact)
        earliest = min(aware(r.earliest) for r in session.scalars(select(HearingRequest).where(
            HearingRequest.mission_id == mission)))
    echo(f"\n== 28 bis. Les entretiens attendent l'administration : "
         f"{compte(len(waiting), 'entretien')} en attente des disponibilités de {contact}, "
         "qui reçoit le formulaire DS prérempli (une fois).")
    days = working_days(earliest.astimezone(PARIS).date(),
                        earliest.astimezone(PARIS).date() + timedelta(days=10))[:2]
    lines = rows(days, (("14:00", "16:30"),))
    answer(sandbox, link, lines)
    echo(f"Dans DS : l'administration est disponible le {date_fr(days[0])} et le "
         f"{date_fr(days[1])}, de 14 h 00 à 16 h 30.")
    clock.advance(timedelta(minutes=5))
    _, synced = sync_and_follow(SyncParameters())
    deliver()
    placed = ((synced.get("hearings") or {}).get("placed") or {}).get("missions", 0)
    windows = [(datetime.combine(d, time(14), PARIS), datetime.combine(d, time(16, 30), PARIS))
               for d in days]
    with store_sessions(url) as sessions, sessions() as session:
        slots = session.scalars(select(HearingSlot).join(
            HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
            HearingRequest.mission_id == mission, HearingSlot.status == "scheduled")
            .order_by(HearingSlot.start)).all()
        inside = all(any(a <= aware(s.start) and aware(s.end) <= b for a, b in windows)
                     for s in slots)
    for slot in slots:
        echo(f"  entretien le {date_fr(aware(slot.start))} à {heure_fr(aware(slot.start))}")
    echo(f"La synchronisation programme aussitôt {compte(placed, 'entretien')} : dans les "
         "créneaux déclarés, l'administration jamais convoquée deux fois à la même heure.")
    return placed, {
        "l'entretien de mission attend les disponibilités de l'administration (demandées "
        "une fois), puis se tient dans ses créneaux, sans double réservation":
            bool(waiting) and summary["booked"] == 0 and placed == len(waiting)
            and len(slots) == len(waiting) and inside and no_double_booking(url),
    }
