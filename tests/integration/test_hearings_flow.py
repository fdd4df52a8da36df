"""schedule-hearings against the sandbox, the SMTP server and both stores, on a fake
clock: bookings without double booking or conflict and within the delay; invitations
(.ics REQUEST) exactly once; a reschedule sends one cancel (.ics CANCEL) and one new
invitation per person; an impossible delay is reported; the jury's scores feed the
committee."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from ds_sandbox import PROJETS
from ds_sandbox.testing import FakeClock
from flows.deliberate import gather_facts
from flows.hearing_booking import hearing_results
from flows.hearings import (
    HearingParameters,
    import_availability,
    import_jury_scores,
)
from flows.hearings import schedule_hearings_flow as schedule_hearings_run
from flows.runtime import open_runtime, use_clock
from models.tables import DeclaredConflict, Dossier, DossierScore, HearingSlot
from tests.integration.chase_helpers import (
    PROJECT_CRITERIA,
    START,
    Inbox,
    effect_key,
    html_of,
    import_roster,
    of_kind,
    recipients,
    small_sandbox,
    text_of,
)
from tests.integration.delivery_helpers import deliver_all
from tests.integration.promises import assert_promises_kept
from tests.integration.sync_helpers import run_sync

PARIS = ZoneInfo("Europe/Paris")
JURY = [f"now{i}@eval.example" for i in range(5)] + [f"later{i}@eval.example"
                                                     for i in range(3)]


def schedule_hearings_flow(params: HearingParameters) -> dict:
    """A schedule-hearings run, then the deliverer its hand-over triggers."""
    summary = schedule_hearings_run(params)
    deliver_all()
    return summary


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    return small_sandbox(clock, 4)


def availability(members: list[str], days: range = range(3, 12)) -> str:
    lines = ["courriel;debut;fin"]
    for offset in days:
        day = (START + timedelta(days=offset)).astimezone(PARIS).date()
        if day.weekday() < 5:
            lines += [f"{m};{day} 09:00;{day} 12:00" for m in members]
    return "\n".join(lines) + "\n"


@pytest.fixture
def heard(sandbox, store, smtp_server, tmp_path, clock):
    """Three projets above the cut, one below; dossier A has a declared conflict with
    now0, dossier B is filed by now1's organisation."""
    import_roster(store, tmp_path)
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
    numbers = sorted(sandbox.state.numbers(PROJETS.number))
    with store.sessions.begin() as session:
        for rank, number in enumerate(numbers, start=1):
            session.add(DossierScore(dossier_number=number, track="projets", scored_at=START,
                                     scores={"rank": rank, "total": 40.0 - rank,
                                             "above_cut": rank <= 3, "passes_thresholds": True,
                                             "n_evaluations": 3, "quorum": "k"}))
        session.add(DeclaredConflict(evaluator_email="now0@eval.example",
                                     dossier_number=numbers[0], source="test",
                                     declared_at=START))
        dossier = session.scalar(select(Dossier).where(Dossier.number == numbers[1]))
        dossier.fields = {**dossier.fields, "administration": "Agence Maintenant 1"}
    with use_clock(clock):
        report = import_availability(availability(JURY))
    assert report["members"] == len(JURY) and report["problems"] == []
    return numbers


def slots(store) -> list[HearingSlot]:
    with store.sessions() as session:
        return list(session.scalars(select(HearingSlot).order_by(HearingSlot.id)))


def calendar_of(message) -> Calendar:
    part = next(p for p in message.iter_attachments() if p.get_filename().endswith(".ics"))
    return Calendar.from_ical(part.get_content() if isinstance(part.get_content(), bytes)
                              else part.get_content().encode())


@pytest.mark.both_dialects
def test_hearings_are_booked_without_conflict_and_announced_once(
        heard, sandbox, store, smtp_server, clock):
    a, b, c, below = heard
    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        summary = schedule_hearings_flow(HearingParameters())
    assert summary["requested"] == {"projets": 3, "candidats": 0, "missions": 0}
    assert summary["placed"]["projets"] == 3 and summary["unplaced"]["projets"] == []
    booked = slots(store)
    assert len(booked) == 3
    seats = [(juror, s.start, s.end) for s in booked for juror in s.jury]
    for i, (juror, start, end) in enumerate(seats):  # nobody sits twice at once
        for other, start2, end2 in seats[i + 1:]:
            assert juror != other or end <= start2 or end2 <= start
    by_dossier = {s.request_id: s for s in booked}
    window_start = datetime(2026, 12, 3, tzinfo=PARIS)
    window_end = datetime(2026, 12, 15, tzinfo=PARIS)
    with store.sessions() as session:
        from models.tables import HearingRequest

        dossier_of = {r.id: r.dossier_number for r in session.scalars(select(HearingRequest))}
    jury_of = {dossier_of[rid]: set(s.jury) for rid, s in by_dossier.items()}
    assert below not in jury_of
    assert "now0@eval.example" not in jury_of[a]  # declared conflict
    assert "now1@eval.example" not in jury_of[b]  # same organisation as the applicant
    for s in booked:
        assert len(s.jury) == 3 and set(s.jury) <= set(JURY)
        assert window_start <= s.start < window_end
        local = s.start.astimezone(PARIS)
        assert local.hour >= 9 and (s.end.astimezone(PARIS).hour, s.end.astimezone(PARIS)
                                    .minute) <= (12, 0)

    sent = of_kind(inbox.new(), "hearing-invite")
    assert len(sent) == 3 * 4  # three jury members and the porteur, per hearing
    kept = assert_promises_kept(sent, store)  # the dossier, the .ics; the form's link
    assert {("hearing_invitation", "joint à ce message en PDF"),
            ("hearing_invitation", "Le lien ci-dessous ouvre votre formulaire"),
            ("hearing_invitation", "L'invitation jointe (fichier .ics)"),
            ("messages/hearing", "vous est également envoyée par courriel")} <= kept
    invite = next(m for m in sent if effect_key(m).startswith(f"mail:hearing-invite:"
                                                              f"{booked[0].id}:"))
    cal = calendar_of(invite)
    event = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == booked[0].start.astimezone(PARIS)
    for number in (a, b, c):
        assert sandbox.mutations.applied("dossierEnvoyerMessage", number) == 1

    with use_clock(clock):
        again = schedule_hearings_flow(HearingParameters())
    assert again["requested"]["projets"] == 0 and again["handed_over"] == {}
    assert inbox.new() == [] and len(slots(store)) == 3


def test_a_reschedule_sends_one_cancel_and_one_new_invitation(heard, sandbox, store,
                                                              smtp_server, clock):
    a, *_ = heard
    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        schedule_hearings_flow(HearingParameters())
        first_invites = of_kind(inbox.new(), "hearing-invite")
        with store.sessions() as session:
            from models.tables import HearingRequest

            request_of_a = session.scalar(select(HearingRequest.id).where(
                HearingRequest.dossier_number == a))
        [first] = [s for s in slots(store) if s.request_id == request_of_a]
        with store.sessions.begin() as session:  # one juror may not sit the new slot
            session.add(DeclaredConflict(evaluator_email=first.jury[0], dossier_number=a,
                                         source="test", declared_at=START))
        moved = schedule_hearings_flow(HearingParameters(
            reschedule=[a], motif="porteur indisponible"))
        assert moved["rescheduled"] == [a]
        messages = inbox.new()
        schedule_hearings_flow(HearingParameters())
    cancels, invites = of_kind(messages, "hearing-cancel"), of_kind(messages, "hearing-invite")
    assert len(cancels) == 4 and len(invites) == 4
    # Each person told of the new slot as it is for them: invited, or released.
    invited, released = set(recipients(invites)), first.jury[0]
    assert released not in invited
    for message in cancels:
        [person] = recipients([message])
        for part in (text_of(message), html_of(message)):
            assert ("nouvelle invitation" in part) == (person in invited), person
            assert ("libéré·e de cette audition" in part) == (person not in invited), person
    assert released in recipients(cancels)
    assert ("hearing_cancellation", "Vous allez recevoir, dans un message séparé, une "
            "nouvelle invitation") in assert_promises_kept(messages, store)
    cancel = calendar_of(cancels[0])
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(cancel.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    assert "porteur indisponible" in cancels[0].get_body(("plain",)).get_content()
    old, new = [s for s in slots(store) if s.status == "cancelled"], \
        [s for s in slots(store) if s.status == "scheduled"]
    assert len(old) == 1 and len(new) == 3
    assert sandbox.mutations.applied("dossierEnvoyerMessage", a) == 2
    assert inbox.new() == []  # the rerun repeats nothing
    # One event per person and hearing: the cancel and the move's new invitation keep
    # the UID of the person's first invitation, each with a higher SEQUENCE.
    def event_of(message):
        calendar = calendar_of(message)
        [event] = calendar.walk("VEVENT")
        return str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])

    domain = str(first_invites[0]["From"]).rsplit("@", 1)[1].rstrip(">")
    moved_first = [m for m in first_invites if effect_key(m).startswith(
        f"mail:hearing-invite:{old[0].id}:")]
    uid_of = {m["To"]: event_of(m)[1] for m in moved_first}
    assert all(event_of(m)[0::2] == ("REQUEST", 0) for m in moved_first)
    assert len(set(uid_of.values())) == 4  # one event per person
    assert all(uid.endswith(f"@{domain}") for uid in uid_of.values())
    assert {m["To"]: event_of(m) for m in cancels} == {
        to: ("CANCEL", uid, 1) for to, uid in uid_of.items()}
    for message in invites:
        method, uid, sequence = event_of(message)
        assert (method, sequence) == ("REQUEST", 2)
        if message["To"] in uid_of:  # invited before: the same event, moved
            assert uid == uid_of[message["To"]]
        else:
            assert uid not in uid_of.values() and uid.endswith(f"@{domain}")
    assert any(m["To"] in uid_of for m in invites)  # at least the porteur stays


def test_a_withdrawal_cancels_the_hearing_and_seeks_no_other_slot(heard, store, smtp_server,
                                                                clock):
    a, *_ = heard
    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        schedule_hearings_flow(HearingParameters())
        invited = recipients(of_kind(inbox.new(), "hearing-invite"))
        withdrawn = schedule_hearings_flow(HearingParameters(annuler=[a], motif="désistement"))
        assert withdrawn["withdrawn"] == [a] and withdrawn["rescheduled"] == []
        cancels = of_kind(inbox.new(), "hearing-cancel")
        again = schedule_hearings_flow(HearingParameters(annuler=[a]))  # a second click
    assert again["withdrawn"] == [] and inbox.new() == []
    assert len(cancels) > 0 and set(recipients(cancels)) <= set(invited)
    for message in cancels:
        assert "Audition annulée" in message["Subject"]
        assert "n'aura pas lieu : aucun autre créneau ne sera fixé" in text_of(message)
        assert "nouvelle invitation" not in text_of(message)
    with store.sessions() as session:
        from models.tables import HearingRequest

        request = session.scalar(select(HearingRequest).where(
            HearingRequest.dossier_number == a))
        assert request.status == "withdrawn"
    assert not [s for s in slots(store) if s.request_id == request.id
                and s.status == "scheduled"]


def test_a_delay_that_cannot_be_met_is_reported(sandbox, store, smtp_server, tmp_path, clock):
    import_roster(store, tmp_path)
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
        number = sorted(sandbox.state.numbers(PROJETS.number))[0]
        with store.sessions.begin() as session:
            session.add(DossierScore(dossier_number=number, track="projets", scored_at=START,
                                     scores={"rank": 1, "total": 40.0, "above_cut": True}))
        import_availability(availability(JURY[:2]))  # two members for a jury of three
        summary = schedule_hearings_flow(HearingParameters())
    assert summary["placed"]["projets"] == 0
    [miss] = summary["unplaced"]["projets"]
    assert miss["dossier"] == number and "3" in miss["reason"]
    assert slots(store) == []


def test_jury_scores_feed_the_committee(heard, store, smtp_server, clock):
    a, b, c, _ = heard
    with use_clock(clock):
        schedule_hearings_flow(HearingParameters())
    booked = {}
    with store.sessions() as session:
        from models.tables import HearingRequest

        for request, slot in session.execute(select(HearingRequest, HearingSlot).join(
                HearingSlot, HearingSlot.request_id == HearingRequest.id)):
            booked[request.dossier_number] = slot.jury
    header = "dossier;courriel;" + ";".join(f"note_{k}" for k in PROJECT_CRITERIA) \
        + ";commentaire"
    rows = [header]
    for juror in booked[a]:
        rows.append(f"{a};{juror};" + ";".join("4" for _ in PROJECT_CRITERIA) + ";Très clair.")
    rows.append(f"{b};intrus@eval.example;" + ";".join("5" for _ in PROJECT_CRITERIA) + ";x")
    rows.append(f"{b};{booked[b][0]};" + ";".join("9" for _ in PROJECT_CRITERIA) + ";x")
    clock.current = START + timedelta(days=16)
    with use_clock(clock):
        report = import_jury_scores("\n".join(rows) + "\n", "projets", "jury.csv")
    assert report["imported"] == 3 and report["dossiers"] == 1
    assert any("intrus@eval.example n'est pas membre du jury" in p for p in report["problems"])
    assert any(f"dossier {b}, champ note_" in p and "hors de l'échelle" in p
               for p in report["problems"])
    with use_clock(clock), open_runtime() as rt, rt.sessions() as session:
        results = hearing_results(session, rt, "projets")
        facts = {f.number: f for f in gather_facts(session, rt, "projets")}
    assert results[a]["total"] == 36.0 and results[a]["jurors"] == 3
    assert "Soutenance du" in results[a]["notes"] and "36/45" in results[a]["notes"]
    assert facts[a].hearing and "Très clair." in facts[a].hearing
    assert facts[b].hearing_due and not facts[b].hearing  # heard later: waits


def test_the_hearing_delay_runs_from_the_preselection_not_from_the_run(
        sandbox, store, smtp_server, tmp_path, clock):
    """Présélection four days before scheduling ran: « within 14 days » ends 14 days after
    the présélection (its last counted evaluation), not 14 days after this run."""
    from models.tables import Evaluation, HearingRequest

    import_roster(store, tmp_path)
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
    number = sorted(sandbox.state.numbers(PROJETS.number))[0]
    preselected = START - timedelta(days=4)
    with store.sessions.begin() as session:
        session.add(DossierScore(dossier_number=number, track="projets", scored_at=START,
                                 scores={"rank": 1, "total": 40.0, "above_cut": True}))
        for n, days_before in enumerate((9, 6, 4)):
            session.add(Evaluation(
                form_number=900 + n, dossier_number=number, track="projets", kind="evaluation",
                status="valid", submitted_at=START - timedelta(days=days_before),
                recorded_at=START, updated_at=START))
    with use_clock(clock):
        schedule_hearings_flow(HearingParameters())
    with store.sessions() as session:
        request = session.scalar(select(HearingRequest).where(
            HearingRequest.dossier_number == number))
    last_day = (preselected.astimezone(PARIS) + timedelta(days=14)).date()
    assert request.latest.astimezone(PARIS).date() == last_day + timedelta(days=1)
