"""Availability through DS, against the sandbox, the SMTP server and both stores: the
jurors asked once per period, the answers filed in the démarche « disponibilites » and
synced, a bad one quarantined with its field and rule, one reminder for the others; a
mission's entretiens wait for the administration contact's windows, then are booked
inside them, the contact never in two places at once."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ds_sandbox import CANDIDATS
from ds_sandbox.testing import FakeClock
from eig.availability_actors import answer, request_link, rows, working_days
from flows.availability import request_availability
from flows.hearing_booking import booked_attendance
from flows.missions import MissionParameters, match_mission
from flows.runtime import use_clock
from models.hearing_schedule import double_bookings
from models.paris_time import PARIS, aware
from models.tables import (
    AvailabilityForm,
    AvailabilityRequest,
    HearingRequest,
    HearingSlot,
    JuryAvailability,
    VivierMember,
)
from tests.integration.chase_helpers import START, Inbox, of_kind
from tests.integration.delivery_helpers import deliver_all
from tests.integration.promises import assert_promises_kept
from tests.integration.sync_helpers import run_sync

JURY = ["dinum0@eig.example", "dinum1@eig.example", "dinum2@eig.example"]
ADMIN = "contact@eau.gouv.fr"
PERIOD = "jury:2026-11-30"  # START (Monday 30 November) + 14 days: the block 30/11–27/12


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    """The sandbox on the story's clock: the forms are answered at the pipeline's « now »
    (their windows must come after the answer, whatever the day the tests run)."""
    from ds_sandbox import Sandbox, SandboxState, generate

    box = Sandbox(SandboxState(now=clock), requests_per_window=100_000)
    generate(box.state, dossiers=16, seed=11)
    return box


@pytest.fixture
def world(sandbox, store, smtp_server, tmp_path, clock):
    """Three DINUM jurors in the roster (the candidats track: the missions' jury) and two
    candidates in the vivier."""
    from connectors.roster_file import load_roster
    from connectors.store.roster import replace_roster

    with use_clock(clock):
        run_sync(full=True, assign_new=False)
    roster = tmp_path / "jury.csv"
    roster.write_text("courriel;nom;organisation;ministere;profils;parcours;"
                      "capacite_mensuelle\n" + "".join(
        f"{email};Jury DINUM {i};DINUM;;produit|technique;candidats;5\n"
        for i, email in enumerate(JURY)), encoding="utf-8")
    evaluators = load_roster(roster, allowed_profiles=["produit", "technique"],
                             allowed_tracks=["projets", "candidats"])
    profile = dict(specialite="développeur·se", annees_experience=8,
                   voeux_thematiques=["Environnement"], voeux_localisations=["Lyon"],
                   disponibilite_iso="2027-02-01", quotite="temps plein")
    with store.sessions.begin() as session:
        replace_roster(session, evaluators, START)
        for number in sorted(sandbox.state.numbers(CANDIDATS.number))[:2]:
            session.add(VivierMember(dossier_number=number, name=f"Candidat {number}",
                                     email=f"c{number}@exemple.fr", profile=profile,
                                     status="disponible", joined_at=START, updated_at=START))
    return Inbox(smtp_server.mailbox)


def link(store, scope: str, email: str) -> str:
    with store.sessions() as session:
        found = request_link(session, scope, email)
    assert found, f"no request email to {email} for {scope}"
    return found


@pytest.mark.both_dialects
def test_jurors_answer_in_ds_a_bad_answer_is_quarantined_the_others_reminded(
        world, sandbox, store, clock):
    inbox = world
    with use_clock(clock):
        first = request_availability()
        again = request_availability()
        deliver_all()
    assert (first["asked"], again["asked"]) == (3, 0)
    requests = of_kind(inbox.new(), "availability-request")
    assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in requests) == JURY
    days = working_days(date(2026, 12, 7), date(2026, 12, 18))
    good = answer(sandbox, link(store, PERIOD, JURY[0]), rows(days))
    bad = answer(sandbox, link(store, PERIOD, JURY[1]), [
        {"jour": "2026-12-08", "de": "09:00", "a": "12:00"},
        {"jour": "2026-12-09", "de": "15:00", "a": "11:00"}])
    forged = answer(sandbox, link(store, PERIOD, JURY[2]).replace(
        "dinum2%40eig.example", "dinum0%40eig.example"), rows(days[:1]))
    clock.advance(minutes=5)
    with use_clock(clock):
        _, synced = run_sync()
        _, resynced = run_sync()
    report = synced["availability"]
    assert (report["applied"], report["windows"]) == (1, 2 * len(days))
    assert {r["form"]: r["field"] for r in report["rejected"]} == {
        bad: "creneaux.a (ligne 2)", forged: "courriel"}
    assert "availability" not in resynced  # nothing new in the démarche
    with store.sessions() as session:
        windows = session.scalars(select(JuryAvailability).where(
            JuryAvailability.email == JURY[0]).order_by(JuryAvailability.start)).all()
        assert len(windows) == 2 * len(days)
        assert aware(windows[0].start) == datetime(2026, 12, 7, 9, tzinfo=PARIS)
        assert session.scalar(select(JuryAvailability.email).where(
            JuryAvailability.email.in_(JURY[1:]))) is None  # nothing counts from them
        assert session.scalar(select(AvailabilityRequest.form_number).where(
            AvailabilityRequest.email == JURY[0])) == good
    quarantine = CliRunner().invoke(_app(), ["quarantine", "--json"])
    listed = {r["dossier"]: r for r in json.loads(quarantine.stdout)}
    assert listed[bad]["field"] == "creneaux.a (ligne 2)"
    assert listed[bad]["reason"].startswith("la fin (11 h 00) ne suit pas le début (15 h 00)")
    assert listed[forged]["rule"] == "disponibilites"

    clock.advance(days=3)
    with use_clock(clock):
        reminders = request_availability()
        twice = request_availability()
        deliver_all()
    assert (reminders["reminded"], twice["reminded"]) == (2, 0)
    messages = inbox.new()
    reminded = {str(m["To"]).split("<")[-1].rstrip(">"): m
                for m in of_kind(messages, "availability-reminder")}
    assert sorted(reminded) == JURY[1:]
    body = reminded[JURY[1]].get_body(("plain",)).get_content()
    assert f"Le formulaire n° {bad} n'a pas pu être pris en compte" in body
    kept = assert_promises_kept(requests + messages, store)
    assert ("availability_request", "Ce lien ouvre le formulaire") in kept


def _app():
    from eig.cli import app

    return app


@pytest.mark.both_dialects
def test_an_entretien_waits_for_the_contact_then_is_booked_inside_their_windows(
        world, sandbox, store, clock):
    inbox = world
    with use_clock(clock):
        request_availability()
        deliver_all()
    assert len(of_kind(inbox.new(), "availability-request")) == len(JURY)
    days = working_days(date(2026, 12, 3), date(2026, 12, 18))
    answer(sandbox, link(store, PERIOD, JURY[0]), rows(days))
    clock.advance(minutes=5)
    with use_clock(clock):
        run_sync()
        summary = match_mission(MissionParameters(
            titre="Données de l'eau", administration="Direction de l'eau",
            projet="Mieux partager l'eau", profils=["développeur·se"], debut=date(2027, 3, 1),
            localisation="Lyon", thematique="Environnement", contact_nom="Chloé Martin",
            contact_email=ADMIN))
        deliver_all()
    assert len(summary["proposed"]) == 2 and summary["booked"] == 0
    assert all(u["reason"].startswith("en attente des disponibilités de l'administration "
                                      f"({ADMIN})") for u in summary["unplaced"])
    asked = of_kind(inbox.new(), "availability-request")
    assert [str(m["To"]).split("<")[-1].rstrip(">") for m in asked] == [ADMIN]
    assert "Aucun entretien n'est fixé avant votre réponse" in \
        asked[0].get_body(("plain",)).get_content()
    with use_clock(clock):  # asked once, however often the booking runs
        match_mission(MissionParameters(mission=summary["mission"]))
    assert of_kind(inbox.new(), "availability-request") == []
    clock.advance(days=3)  # no answer yet: the contact is reminded, with the jurors
    with use_clock(clock):
        reminded = request_availability()
        deliver_all()
    reminders = of_kind(inbox.new(), "availability-reminder")
    assert reminded["reminded"] == 3 and ADMIN in "".join(str(m["To"]) for m in reminders)

    scope = f"mission:{summary['mission']}"
    answer(sandbox, link(store, scope, ADMIN),
           [{"jour": "2026-12-10", "de": "14:00", "a": "16:00"}])
    clock.advance(minutes=5)
    with use_clock(clock):
        _, synced = run_sync()  # the pipeline books the waiting entretiens at once
        deliver_all()
    assert synced["availability"]["administrations"] == 1
    assert synced["hearings"]["placed"]["missions"] == 2
    with store.sessions() as session:
        slots = session.scalars(select(HearingSlot).join(
            HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
            HearingRequest.mission_id == summary["mission"])).all()
        assert len(slots) == 2 and double_bookings(booked_attendance(session)) == []
        window = (datetime(2026, 12, 10, 14, tzinfo=PARIS), datetime(2026, 12, 10, 16,
                                                                       tzinfo=PARIS))
        for slot in slots:
            assert window[0] <= aware(slot.start) and aware(slot.end) <= window[1]
        assert session.scalar(select(AvailabilityForm.status)) == "valid"
    invited = of_kind(inbox.new(), "hearing-invite")
    assert sum(ADMIN in str(m["To"]) for m in invited) == 2
