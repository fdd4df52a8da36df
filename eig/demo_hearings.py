"""The demo's hearings chapter: the jury says when it is free, the dossiers above the cut
are booked (soutenances, entretiens métier), invited once, one is moved; after the
hearings the jury's scores come back by CSV and will feed the committee."""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from connectors.store.engine import store_sessions
from eig.demo_clock import TravelClock
from models.chasing import is_working_day
from models.french import compte
from models.hearing_schedule import Attendance, double_bookings
from models.paris_time import PARIS, aware
from models.tables import Effect, EvaluatorRow, HearingRequest, HearingSlot

Echo = Any
JURY_PER_TRACK = 14


def _sent(url: str, purpose: str) -> int:
    with store_sessions(url) as sessions, sessions() as session:
        return session.scalar(select(func.count()).select_from(Effect).where(
            Effect.key.like(f"mail:{purpose}:%"), Effect.status == "delivered")) or 0


def availability_csv(url: str, today: datetime, days: int = 24) -> str:
    """Mornings and afternoons of the working days ahead (no weekend, no French public
    holiday), for the first members of each track (as the jury would fill a shared
    sheet)."""
    with store_sessions(url) as sessions, sessions() as session:
        rows = list(session.scalars(select(EvaluatorRow).order_by(EvaluatorRow.email)))
    jury = {r.email for track in ("projets", "candidats")
            for r in [r for r in rows if track in (r.tracks or [])][:JURY_PER_TRACK]}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["courriel", "debut", "fin"])
    start = today.astimezone(PARIS).date()
    for offset in range(1, days):
        day = start + timedelta(days=offset)
        if not is_working_day(day):  # nobody is offered a hearing on Christmas Day
            continue
        for email in sorted(jury):
            for begin, end in ((time(9), time(12, 30)), (time(14), time(18))):
                writer.writerow([email, f"{day} {begin:%H:%M}", f"{day} {end:%H:%M}"])
    return out.getvalue()


def scores_csv(url: str, track: str, criteria: list[str], mission: int = 0) -> str:
    """Every juror of every booked hearing of the track (of ``mission`` for the track
    « missions ») scores it (a fixed pattern)."""
    with store_sessions(url) as sessions, sessions() as session:
        booked = session.execute(select(HearingRequest.dossier_number, HearingSlot.jury).join(
            HearingSlot, HearingSlot.request_id == HearingRequest.id).where(
            HearingRequest.track == track, HearingRequest.mission_id == mission,
            HearingSlot.status == "scheduled")).all()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["dossier", "courriel", *(f"note_{c}" for c in criteria), "commentaire"])
    for number, jury in booked:
        for seat, juror in enumerate(jury):
            writer.writerow([number, juror, *((3 + (number + seat + i) % 3)
                                              for i in range(len(criteria))),
                             "Présentation claire, échanges convaincants."])
    return out.getvalue()


def no_double_booking(url: str) -> bool:
    """No one invited — jury member, candidate, porteur, administration contact — to two
    overlapping hearings, by e-mail, over every track: who was invited is read from the
    invitations recorded for the slots still scheduled."""
    with store_sessions(url) as sessions, sessions() as session:
        slots = {s.id: s for s in session.scalars(select(HearingSlot).where(
            HearingSlot.status == "scheduled"))}
        invited: dict[int, set[str]] = defaultdict(set)
        for payload in session.scalars(select(Effect.payload).where(
                Effect.key.like("mail:hearing-invite:%"))):
            invited[int(payload["slot"])].add(str(payload["email"]))
    return not double_bookings(
        Attendance(str(number), aware(slot.start), aware(slot.end),
                   frozenset(invited[number] | set(slot.jury)))
        for number, slot in slots.items())


def hearings_story(echo: Echo, clock: TravelClock, config: Any,
                   jury_forms: Callable[[], dict[str, bool]] | None = None) -> dict[str, bool]:
    """``jury_forms``: the jurors' DS forms after the hearings (eig.demo_jury); the CSV
    then only fills the gap."""
    from eig.demo_delivery import deliver, handed
    from flows.hearings import (
        HearingParameters,
        import_availability,
        import_jury_scores,
        schedule_hearings_flow,
    )

    url = os.environ["EIG_DATABASE_URL"]
    echo("\n== 18. Auditions : soutenances des projets, entretiens métier des candidats")
    availability = import_availability(availability_csv(url, clock()))
    echo(f"Disponibilités du jury : {compte(availability['windows'], 'créneau', 'créneaux')}"
         f" pour {compte(availability['members'], 'membre')} (eig hearings availability "
         "FICHIER).")
    first = schedule_hearings_flow(HearingParameters())
    deliver()
    for track, placed in first["placed"].items():
        if track == "missions":
            continue  # a mission's entretiens come with the mission (chapter 28)
        echo(f"{track} : {first['requested'][track]} au-dessus de la barre, "
             f"{compte(placed, 'audition programmée', 'auditions programmées')}, "
             f"{len(first['unplaced'][track])} sans créneau")
        for miss in first["unplaced"][track][:2]:
            echo(f"  dossier {miss['dossier']} : {miss['reason']}")
    for row in first["agenda"][:3]:
        echo(f"  {row['date']} {row['heure']}  {row['audition']} — dossier {row['dossier']} "
             f"— jury : {row['jury']}")
    invited = _sent(url, "hearing-invite")
    echo(f"{compte(invited, 'invitation')}, une par personne convoquée (chaque juré, le "
         "porteur ou le ou la candidat·e) : un courriel avec son .ics, et un message dans DS "
         "au déposant.")

    again = schedule_hearings_flow(HearingParameters())
    deliver()
    echo(f"\n== 19. Relancer la programmation : "
         f"{compte(_sent(url, 'hearing-invite') - invited, 'invitation')} de plus")
    moved_ok = True
    if first["agenda"]:
        moved = first["agenda"][0]["dossier"]
        before = (_sent(url, "hearing-cancel"), _sent(url, "hearing-invite"))
        schedule_hearings_flow(HearingParameters(reschedule=[moved],
                                                 motif="indisponibilité du porteur"))
        deliver()
        cancels = _sent(url, "hearing-cancel") - before[0]
        invites = _sent(url, "hearing-invite") - before[1]
        echo(f"\n== 20. Le dossier {moved} demande un autre créneau : "
             f"{compte(cancels, 'annulation')} (.ics CANCEL) et "
             f"{compte(invites, 'nouvelle invitation', 'nouvelles invitations')}, une par "
             "personne convoquée")
        moved_ok = cancels > 0 and cancels == invites

    clock.advance(timedelta(days=22))  # the hearings take place
    forms = jury_forms() if jury_forms is not None else {}
    imported = {}
    for track in ("projets", "candidats"):
        criteria = [c.key for c in config.tracks[track].criteria]
        imported[track] = import_jury_scores(scores_csv(url, track, criteria), track,
                                             f"demo-{track}.csv")
    if jury_forms is None:
        echo("\n== 21. Après les auditions, les notes du jury reviennent (eig hearings "
             "scores) : " + ", ".join(f"{t} : {compte(r['dossiers'], 'dossier')}"
                                      for t, r in imported.items()))
    else:
        from eig.demo_jury import csv_fallback_line, scores_reach_committee

        echo(csv_fallback_line(imported))
        forms["les notes du jury (formulaires DS, la grille CSV en secours) sont là pour le "
              "comité, une par juré et par audition"] = scores_reach_committee(url, clock())
    return forms | {
        "les auditions sont programmées sans double réservation (personne, jury ou "
        "candidat·e, convoqué·e deux fois à la même heure) ; invitations une fois, "
        "reprogrammation = une annulation et une invitation":
            sum(first["placed"].values()) > 0 and handed(again) == 0 and moved_ok
            and no_double_booking(url),
    }
