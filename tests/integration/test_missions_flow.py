"""Recruiting on a mission against the sandbox, the SMTP server and both stores: the
vivier ranked (a perfect match first, a conflict left out), a candidate never proposed to
two missions at once, entretiens booked with DINUM and the administration, the approval
gate, notifications exactly once, the placement followed to the contract."""

from __future__ import annotations

import contextvars
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest
from prefect.flow_runs import resume_flow_run
from sqlalchemy import select

from ds_sandbox import CANDIDATS
from ds_sandbox.testing import FakeClock
from flows.hearing_booking import (
    DoubleBookingError,
    booked_attendance,
    check_no_double_booking,
)
from flows.hearings import import_availability
from flows.missions import (
    MissionDeliberationParameters,
    MissionParameters,
    deliberate_mission,
    record_decision,
    update_placement,
)
from flows.missions import match_mission as match_mission_run
from flows.runtime import open_runtime, use_clock
from models.hearing_schedule import double_bookings
from models.tables import (
    Effect,
    HearingRequest,
    HearingScore,
    HearingSlot,
    JuryAvailability,
    Mission,
    Placement,
    VivierMember,
)
from tests.integration.chase_helpers import START, Inbox, of_kind, paused_run
from tests.integration.delivery_helpers import deliver_all
from tests.integration.promises import assert_promises_kept
from tests.integration.sync_helpers import run_sync

pytestmark = pytest.mark.sandbox_data(dossiers=16, seed=11)
PARIS = ZoneInfo("Europe/Paris")
DINUM = ["dinum0@eig.example", "dinum1@eig.example"]
ADMIN = "contact@eau.gouv.fr"


def match_mission(params: MissionParameters) -> dict:
    """A match-mission run, then the deliverer its hand-over triggers."""
    summary = match_mission_run(params)
    deliver_all()
    return summary


def mission(**changes) -> MissionParameters:
    base = dict(titre="Données de l'eau", administration="Direction de l'eau",
                projet="Mieux partager l'eau", profils=["développeur·se"],
                debut=date(2027, 3, 1), localisation="Lyon", thematique="Environnement",
                experience_min=5, contact_nom="Chloé Martin", contact_email=ADMIN)
    return MissionParameters(**(base | changes))


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def vivier(sandbox, store, smtp_server, tmp_path, clock):
    """Five candidates in the vivier (real candidats dossiers, crafted profiles) and two
    DINUM jury members available over the next weeks."""
    from connectors.roster_file import load_roster
    from connectors.store.roster import replace_roster

    with use_clock(clock):
        run_sync(full=True, assign_new=False)
    numbers = sorted(sandbox.state.numbers(CANDIDATS.number))[:5]
    profile = dict(specialite="développeur·se", annees_experience=8,
                   voeux_thematiques=["Environnement"], voeux_localisations=["Lyon"],
                   voeux_administrations="Direction de l'eau", disponibilite_iso="2027-02-01",
                   quotite="temps plein", employeur="Start-up SAS")
    profiles = [profile,                                                    # perfect
                profile | {"voeux_localisations": ["Paris"]},               # fewer wishes
                profile | {"employeur": "Direction de l'eau"},              # conflict
                profile | {"specialite": "designer", "voeux_thematiques": []},
                profile | {"voeux_thematiques": ["Santé"]}]
    with store.sessions.begin() as session:
        for number, data in zip(numbers, profiles, strict=True):
            session.add(VivierMember(dossier_number=number, name=f"Candidat {number}",
                                     email=f"c{number}@exemple.fr", profile=data,
                                     status="disponible", joined_at=START, updated_at=START))
    roster = tmp_path / "jury.csv"
    roster.write_text("courriel;nom;organisation;ministere;profils;parcours;"
                      "capacite_mensuelle\n" + "".join(
        f"{email};Jury DINUM {i};DINUM;;produit|technique;candidats;5\n"
        for i, email in enumerate(DINUM)), encoding="utf-8")
    evaluators = load_roster(roster, allowed_profiles=["produit", "technique"],
                             allowed_tracks=["projets", "candidats"])
    with store.sessions.begin() as session:
        replace_roster(session, evaluators, START)
    lines = ["courriel;debut;fin"]
    for offset in range(3, 20):
        day = (START + timedelta(days=offset)).astimezone(PARIS).date()
        if day.weekday() < 5:
            lines += [f"{e};{day} 14:00;{day} 17:00" for e in DINUM]
    with use_clock(clock):
        import_availability("\n".join(lines) + "\n")
    with store.sessions.begin() as session:  # the contact's windows, as their DS form gives
        session.add_all(JuryAvailability(  # them (tests/integration/test_availability_flow.py)
            email=ADMIN, start=start, end=end, imported_at=START)
            for start, end in _windows(START, 3, 20, 14, 17))
    return numbers


def _windows(start, first: int, last: int, begin: int, end: int):
    for offset in range(first, last):
        day = (start + timedelta(days=offset)).astimezone(PARIS).date()
        if day.weekday() < 5:
            yield (datetime.combine(day, dtime(begin), PARIS),
                   datetime.combine(day, dtime(end), PARIS))


def test_the_vivier_is_ranked_and_the_first_are_interviewed_once(vivier, store, smtp_server,
                                                                  clock):
    perfect, fewer, conflict, designer, other_theme = vivier
    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        summary = match_mission(mission())
    ranked = [m["dossier"] for m in summary["shortlist"]]
    assert ranked[0] == perfect and conflict not in ranked
    assert ranked.index(fewer) < ranked.index(designer)
    assert {e["dossier"]: e["reason"] for e in summary["excluded"]}[conflict].startswith(
        "conflit d'intérêts")
    assert summary["proposed"] == ranked[:2] and summary["booked"] == 2
    messages = inbox.new()
    assert len(of_kind(messages, "mission-proposal")) == 2
    invites = of_kind(messages, "hearing-invite")
    assert len(invites) == 2 * 3  # DINUM, the candidate, the administration
    kept = assert_promises_kept(messages, store)
    assert ("mission_proposal", "Vous allez recevoir, dans un message séparé, une invitation "
            "à un entretien") in kept
    admin_invite = next(m for m in invites if ADMIN in str(m["To"]))
    assert [p.get_filename().split("-")[0] for p in admin_invite.iter_attachments()] == [
        "audition", "dossier"]  # the dossier to reread, no scoring grid
    assert sum(ADMIN in str(m["To"]) for m in invites) == 2
    with store.sessions() as session:  # the contact sits both entretiens: one at a time
        booked = booked_attendance(session)
        assert double_bookings(booked) == []
        first, second = sorted((h for h in booked if ADMIN in h.people),
                               key=lambda h: h.start)
        assert first.end <= second.start
    with store.sessions() as session:  # the store's invariant refuses a clash
        slot = session.scalars(select(HearingSlot).order_by(HearingSlot.start)).all()[-1]
        slot.start, slot.end = first.start, first.end
        session.flush()
        with pytest.raises(DoubleBookingError, match=f"{ADMIN} est convoqué·e"):
            check_no_double_booking(session, [h.key for h in booked_attendance(session)])
        session.rollback()
    with use_clock(clock):
        again = match_mission(MissionParameters(mission=summary["mission"]))
    assert again["proposed"] == [] and inbox.new() == []


@pytest.mark.both_dialects
def test_a_candidate_is_never_proposed_to_two_missions_at_once(vivier, store, clock):
    with use_clock(clock):
        first = match_mission(mission())
        second = match_mission(mission(titre="Autre mission", administration="ADEME"))
    taken = set(first["proposed"])
    assert taken and not taken & set(second["proposed"])
    reasons = {e["dossier"]: e["reason"] for e in second["excluded"]}
    assert all(reasons[d] == f"déjà proposé·e à une autre mission (mission {first['mission']})"
               for d in taken)
    with store.sessions() as session:
        members = {m.dossier_number: (m.status, m.mission_id)
                   for m in session.scalars(select(VivierMember))}
    assert all(members[d] == ("propose", first["mission"]) for d in taken)


@pytest.mark.both_dialects
def test_the_same_mission_sent_twice_is_one_mission(vivier, store, clock):
    with use_clock(clock):
        first = match_mission(mission())
        twice = match_mission(mission())
    assert twice["mission"] == first["mission"] and twice["proposed"] == []
    with store.sessions() as session:
        assert len(session.scalars(select(Mission)).all()) == 1


def test_the_decision_waits_for_approval_then_notifies_once(vivier, store, smtp_server, clock,
                                                             monkeypatch):
    monkeypatch.setenv("EIG_APPROVAL_POLL_SECONDS", "1")
    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        summary = match_mission(mission())
    best, second = summary["proposed"]
    with store.sessions.begin() as session:  # the entretiens took place: the jury's scores
        for request in session.scalars(select(HearingRequest).where(
                HearingRequest.track == "missions",
                HearingRequest.mission_id == summary["mission"])):
            value = 5 if request.dossier_number == best else 3
            session.add(HearingScore(request_id=request.id, juror=DINUM[0], source="test",
                                     imported_at=START, comment="Entretien.",
                                     scores={c: value for c in (
                                         "coherence_profil", "experience_entrepreneuriale",
                                         "capacite_adaptation", "capacite_communication",
                                         "interet_thematique")}))
    inbox.new()
    result: list = []
    context = contextvars.copy_context()
    with use_clock(clock):
        thread = threading.Thread(target=context.run, args=(lambda: result.append(
            deliberate_mission(MissionDeliberationParameters(mission=summary["mission"]))),),
            daemon=True)
        thread.start()
        run_id = paused_run()
        time.sleep(1)
        assert of_kind(inbox.new(), "mission-decision") == []  # nothing before approval
        resume_flow_run(run_id, run_input={"approuve": True, "approuve_par": "Camille",
                                           "retenu": best, "motivation": "Le meilleur "
                                           "entretien."})
        thread.join(120)
        deliver_all()
    assert result[0]["status"] == "approved" and result[0]["retenu"] == best
    messages = inbox.new()
    assert len(of_kind(messages, "mission-decision")) == 2
    assert len(of_kind(messages, "mission-decision-admin")) == 1
    with store.sessions() as session:
        placements = {p.dossier_number: p for p in session.scalars(select(Placement))}
        members = {m.dossier_number: m.status for m in session.scalars(select(VivierMember))}
    assert placements[best].status == "retenu" and placements[second].status == "non_retenu"
    assert placements[best].framework["type"] == "partenariat"
    assert placements[best].framework["net_mensuel"] == "4250.00"  # 8 years: < 10
    assert members[second] == "disponible" and members[best] == "propose"

    with open_runtime() as rt, rt.sessions.begin() as session:  # again: nothing new
        again = record_decision(session, rt, session.get(Mission, summary["mission"]), best,
                                "Le meilleur entretien.")
    assert again == 0
    with store.sessions() as session:
        assert session.scalar(select(Effect).where(Effect.key.like("mail:mission-decision:%"),
                                                   Effect.status != "delivered")) is None

    for status in ("accepte", "contrat_signe"):
        update_placement(placements[best].id, status)
    with store.sessions() as session:
        assert session.get(VivierMember, best).status == "engage"
    with pytest.raises(ValueError, match="contrat_signe → retenu impossible"):
        update_placement(placements[best].id, "retenu")


def test_the_weekly_digest_lists_open_missions_once_a_week(vivier, store, smtp_server, clock):
    from flows.missions import missions_digest

    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        first = match_mission(mission())
        inbox.new()
        digest = missions_digest()
        again = missions_digest()
        deliver_all()
    assert digest["missions"] == 1 and digest["handed_over"] == {"email": 1}
    assert again["handed_over"] == {}
    [sent] = of_kind(inbox.new(), "missions-digest")
    text = sent.get_body(("plain",)).get_content()
    assert "Données de l'eau" in text and f"Candidat {first['shortlist'][0]['dossier']}" in text
    clock.current = START + timedelta(days=7)  # next week: a new digest
    with use_clock(clock):
        assert missions_digest()["handed_over"] == {"email": 1}


def test_each_candidate_reads_only_their_own_outcome(vivier, store, smtp_server, clock):
    """The drafted motivation names the winner's points: it goes to the winner and the
    administration; the other candidate reads their own entretien's outcome."""
    from flows.missions import mission_proposal
    from tests.integration.chase_helpers import recipients, text_of

    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        summary = match_mission(mission())
    best, second = summary["proposed"]
    with store.sessions.begin() as session:
        for request in session.scalars(select(HearingRequest).where(
                HearingRequest.mission_id == summary["mission"])):
            value = 5 if request.dossier_number == best else 4
            session.add(HearingScore(request_id=request.id, juror=DINUM[0], source="test",
                                     imported_at=START, comment="Entretien.",
                                     scores={c: value for c in (
                                         "coherence_profil", "experience_entrepreneuriale",
                                         "capacite_adaptation", "capacite_communication",
                                         "interet_thematique")}))
    inbox.new()
    with use_clock(clock), open_runtime() as rt, rt.sessions.begin() as session:
        row = session.get(Mission, summary["mission"])
        chosen, motivation, _ = mission_proposal(session, rt, row)
        assert chosen == best and "points" in motivation
        record_decision(session, rt, row, chosen, motivation)
    with use_clock(clock):
        deliver_all()
    messages = inbox.new()
    texts = {recipients([m])[0]: text_of(m) for m in of_kind(messages, "mission-decision")}
    [admin] = [text_of(m) for m in of_kind(messages, "mission-decision-admin")]
    assert ("mission_decision_admin", "Nous adressons à") in assert_promises_kept(
        messages, store)
    assert f"Motivation du jury : {motivation}" in texts[f"c{best}@exemple.fr"]
    assert motivation in admin
    other = texts[f"c{second}@exemple.fr"]
    assert motivation not in other and "points" not in other and "Meilleur" not in other
    assert ("Votre entretien de mission a atteint le seuil de chacun des critères du "
            "recrutement. La DINUM et l'administration ont retenu une autre candidature."
            ) in other
    with store.sessions() as session:
        placement = session.scalar(select(Placement).where(
            Placement.dossier_number == second))
        assert "Meilleur" not in placement.motivation
