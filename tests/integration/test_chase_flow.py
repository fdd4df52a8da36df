"""A month of evaluation tasks, on a fake clock, against the DS sandbox and a real SMTP
server: the task emails, a decline with a conflict, the reminders on their days (one
digest per evaluator), the escalation, the replacement at D+7 — and never an email twice.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from ds_sandbox.testing import FakeClock
from flows.assign import AssignParameters, assign_evaluators
from flows.chase import ChaseParameters, chase_evaluators
from flows.runtime import use_clock
from models.evaluation_token import verify_token
from models.paris_time import PARIS
from models.tables import Assignment, ChaseStep, DeclaredConflict, Effect, EvaluationLink
from settings.environment import SANDBOX_EVAL_SECRET
from tests.integration.chase_helpers import (
    START,
    Inbox,
    attachments,
    days,
    html_of,
    import_roster,
    links_in,
    of_kind,
    on_the_written_ladder,
    recipients,
    scores,
    small_sandbox,
    text_of,
)
from tests.integration.delivery_helpers import deliver_all
from tests.integration.promises import assert_promises_kept
from tests.integration.sync_helpers import run_sync
from tests.unit.ical_rules import check_ics

SECRET = SANDBOX_EVAL_SECRET.encode()
EVALUATIONS = 103
HOSTILE = "<script>alert('x')</script> & Cie"


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    """Three projets waiting for evaluators, deposited last week; one carries HTML."""
    return small_sandbox(clock, 3, values={0: {"Q2hhbXAtMTAwMw==": HOSTILE}})


@pytest.fixture
def world(sandbox, store, smtp_server, tmp_path, clock):
    on_the_written_ladder()
    import_roster(store, tmp_path)
    with use_clock(clock):
        yield Inbox(smtp_server.mailbox)


def assignments(store) -> dict[int, Assignment]:
    with store.sessions() as session:
        return {a.id: a for a in session.scalars(select(Assignment))}


def link(store, assignment_id: int, purpose: str) -> str:
    with store.sessions() as session:
        return session.get(EvaluationLink, (assignment_id, purpose)).url


def chase_on(clock, when: datetime, **params) -> dict:
    """The morning's chase, then the deliverer its hand-over triggers."""
    clock.current = when
    summary = chase_evaluators(ChaseParameters(**params))
    deliver_all()
    return summary


def assign_projets() -> dict:
    summary = assign_evaluators(AssignParameters(tracks=["projets"]))
    deliver_all()
    return summary


def test_a_month_of_evaluation_tasks(world, sandbox, sandbox_url, store, clock):
    inbox, state = world, sandbox.state
    run_sync(full=True, assign_new=False)
    assign_projets()
    first = assignments(store)
    assert len(first) == 9  # 3 projets × 3 evaluators, among the five available now

    # -- the task emails: links, PDF, .ics, escaped HTML ------------------------------
    tasks = of_kind(inbox.new(), "eval-request")
    seen_uids: set[str] = set()
    assert recipients(tasks) == sorted(a.evaluator_email for a in first.values())
    assert ("eval_request", "joint à ce message en PDF") in assert_promises_kept(tasks, store)
    for message in tasks:
        assignment = first[int(str(message["X-EIG-Effect"]).rsplit(":", 1)[1])]
        files = attachments(message)
        pdf = files[f"dossier-{assignment.dossier_number}.pdf"]
        assert pdf.startswith(b"%PDF")
        [ics_part] = [p for p in message.iter_attachments()
                      if p.get_filename() == f"evaluation-{assignment.dossier_number}.ics"]
        # text/* without a charset is US-ASCII: « Évaluer » would read « Ã‰valuer »
        assert ics_part.get_content_type() == "text/calendar"
        assert (ics_part.get_param("method"), ics_part.get_content_charset()) == (
            "PUBLISH", "utf-8")
        calendar = check_ics(files[f"evaluation-{assignment.dossier_number}.ics"])
        [event], [todo] = calendar.walk("VEVENT"), calendar.walk("VTODO")
        assert todo.decoded("DUE") == assignment.due_at
        assert event.decoded("DTSTART") == assignment.due_at.astimezone(PARIS).date()
        uids = {str(event["UID"]), str(todo["UID"])}
        assert len(uids) == 2 and all(u.endswith("@" + str(message["From"]).rsplit(
            "@", 1)[1].rstrip(">")) for u in uids)
        assert not uids & seen_uids  # every task its own events
        seen_uids |= uids
        evaluate, decline = (link(store, assignment.id, p) for p in ("evaluate", "decline"))
        assert evaluate in text_of(message) and decline in text_of(message)
        assert evaluate in links_in(html_of(message)) or evaluate.replace(
            "&", "&amp;") in html_of(message)
        assert evaluate.startswith(f"{sandbox_url}/commencer/evaluations?champ_")
        prefilled = state.read_link(evaluate)  # what DS prefills from the link
        assert prefilled.ignored_keys == ()
        values = prefilled.values
        token = values["Q2hhbXAtMzAwMg=="]
        assert verify_token(SECRET, token, assignment.id, assignment.evaluator_email,
                            assignment.dossier_number)
        assert not verify_token(SECRET, token[:-1] + ("A" if token[-1] != "A" else "B"),
                                assignment.id, assignment.evaluator_email,
                                assignment.dossier_number)
        assert int(values["Q2hhbXAtMzAwMQ=="]) == assignment.dossier_number
        assert state.read_link(decline).values["Q2hhbXAtMzAwMw=="] == "déclin"
        assert state.read_link(decline).values["Q2hhbXAtMzAwMg=="] == token
    hostile = [m for m in tasks if HOSTILE in text_of(m)]
    assert hostile, "the dossier's title reaches the text version as written"
    for message in hostile:
        assert "<script>" not in html_of(message)
        assert "&lt;script&gt;" in html_of(message)
    due = {a.due_at for a in first.values()}
    assert len(due) == 1  # Monday 14 December, 23:59 in Paris
    assert due.pop().isoformat() == "2026-12-14T22:59:00+00:00"

    # -- Wednesday 2 December: a decline with a conflict of interest ------------------
    ordered = sorted(first.values(), key=lambda a: a.id)
    declining, early = ordered[0], next(
        a for a in ordered[1:] if a.evaluator_email != ordered[0].evaluator_email)
    clock.current = START + days(2)
    form = state.start_from_link(link(store, declining.id, "decline"))
    state.submit_prefilled(form.number, {"motif_declin": "conflit d'intérêts"})
    summary = chase_on(clock, START + days(2))
    assert summary["forms"]["declined"] == 1 and summary["forms"]["conflicts"] == 1
    [replacement] = [a for a in assignments(store).values() if a.replaces_id == declining.id]
    assert replacement.evaluator_email.startswith("later")  # back from leave
    messages = inbox.new()
    assert recipients(of_kind(messages, "decline-ack")) == [declining.evaluator_email]
    assert recipients(of_kind(messages, "eval-request")) == [replacement.evaluator_email]
    assert "remplace" in text_of(of_kind(messages, "eval-request")[0]).lower()
    with store.sessions() as session:
        conflict = session.get(DeclaredConflict,
                               (declining.evaluator_email, declining.dossier_number))
    assert conflict is not None
    assert ("decline_ack", "aucun dossier similaire ne vous sera proposé") in \
        assert_promises_kept(messages, store)
    # The replacement answers at once: off the ladder.
    clock.current = START + days(3)
    state.submit_prefilled(state.start_from_link(
        link(store, replacement.id, "evaluate")).number, scores("Très clair."))

    # -- Thursday 10 December: one evaluator submits the day before the D-3 reminder --
    clock.current = START + days(10)
    state.submit_prefilled(state.start_from_link(link(store, early.id, "evaluate")).number,
                           scores("Bon dossier."))
    summary = chase_on(clock, START + days(10))
    assert summary["forms"]["submitted"] == 2 and inbox.new() == []

    still_open = [a for a in ordered if a.id not in (declining.id, early.id)]
    late_people = sorted({a.evaluator_email for a in still_open})

    # -- Friday 11 December (D-3): one digest per evaluator with open tasks -----------
    chase_on(clock, START + days(11))
    reminders = of_kind(inbox.new(), "reminder")
    assert recipients(reminders) == late_people  # one each, however many tasks
    assert ("eval_reminder", "Le dossier en PDF est joint au premier message") in \
        assert_promises_kept(reminders, store)
    for message in reminders:
        person = recipients([message])[0]
        theirs = [a for a in still_open if a.evaluator_email == person]
        body = text_of(message)
        assert all(str(a.dossier_number) in body for a in theirs)
        assert all(link(store, a.id, "evaluate") in body for a in theirs)
    assert any(len([a for a in still_open if a.evaluator_email == p]) > 1
               for p in late_people), "the scenario needs an evaluator with several tasks"
    with store.sessions() as session:  # the one who submitted on the eve is not reminded
        reminded = {item["assignment"] for effect in session.scalars(
            select(Effect).where(Effect.action == "eval-reminder"))
            for item in effect.payload["items"]}
        early_steps = session.scalars(select(ChaseStep).where(
            ChaseStep.assignment_id == early.id)).all()
    assert reminded == {a.id for a in still_open} and early_steps == []
    if not any(a.evaluator_email == early.evaluator_email for a in still_open):
        assert early.evaluator_email not in recipients(reminders)

    # -- the weekend, the due day, then D+1 -------------------------------------------
    assert chase_on(clock, START + days(12))["working_day"] is False  # Saturday
    assert chase_on(clock, START + days(13))["working_day"] is False  # Sunday
    chase_on(clock, START + days(14))  # Monday: the due day itself, no step
    assert inbox.new() == []
    chase_on(clock, START + days(15))  # Tuesday, D+1
    assert recipients(of_kind(inbox.new(), "reminder")) == late_people
    chase_on(clock, START + days(16))
    chase_on(clock, START + days(17))
    assert inbox.new() == []

    # -- Friday 18 December (D+4): the programme team gets the late list --------------
    chase_on(clock, START + days(18))
    messages = inbox.new()
    [escalation] = of_kind(messages, "escalation")
    assert messages == [escalation]
    assert recipients([escalation]) == ["equipe@eig.example"]
    body = text_of(escalation)
    assert all(a.evaluator_email in body and str(a.dossier_number) in body for a in still_open)

    # -- Monday 21 December (D+7): each late task goes to the next alternate ----------
    summary = chase_on(clock, START + days(21))
    messages = inbox.new()
    replaced = {r["from"] for r in summary["replaced"]}
    assert summary["replaced"] and not summary["unreplaced"]
    assert len(summary["replaced"]) == len(still_open)
    assert recipients(of_kind(messages, "replaced")) == sorted(
        a.evaluator_email for a in still_open)
    assert len(of_kind(messages, "eval-request")) == len(still_open)
    assert replaced == set(late_people)
    assert ("replacement_notice", "par le même lien") in assert_promises_kept(messages, store)
    after = assignments(store)
    assert {after[a.id].status for a in still_open} == {"replaced"}
    for number in {a.dossier_number for a in still_open}:
        team = [a for a in after.values() if a.dossier_number == number
                and a.status in ("proposed", "submitted")]
        assert len(team) == 3  # k evaluations expected again

    # -- reruns never repeat an email; the replaced are not reminded ------------------
    chase_on(clock, START + days(21))
    assert inbox.new() == []
    chase_on(clock, START + days(22))
    assert not (set(recipients(of_kind(inbox.new(), "reminder"))) & set(late_people)
                - {a.evaluator_email for a in after.values() if a.status == "proposed"})
    ids = inbox.mailbox.message_ids()
    assert ids and max(ids.values()) == 1
    with store.sessions() as session:
        steps = session.scalars(select(ChaseStep)).all()
    assert len({(s.assignment_id, s.step) for s in steps}) == len(steps)
    # every task email, reminder and replacement linked to DS's start page: no prefill API
    assert sandbox.prefill_stats.count() == 0
    assert {r.origin for r in state.prefilled_dossiers(pending_only=False)} == {"link"}


@pytest.mark.both_dialects
def test_the_late_evaluator_may_still_submit_after_being_replaced(world, sandbox, store,
                                                                   clock):
    inbox, state = world, sandbox.state
    run_sync(full=True, assign_new=False)
    assign_projets()
    late = min(assignments(store).values(), key=lambda a: a.id)
    chase_on(clock, START + days(21))  # D+7: replaced (earlier steps skipped, not sent)
    messages = inbox.new()
    assert of_kind(messages, "reminder") == [] and of_kind(messages, "escalation") == []
    assert assignments(store)[late.id].status == "replaced"
    clock.current = START + days(22)
    state.submit_prefilled(state.start_from_link(link(store, late.id, "evaluate")).number,
                           scores("Désolé du retard."))
    summary = chase_on(clock, START + days(22))
    assert summary["forms"]["submitted"] == 1
    assert assignments(store)[late.id].status == "submitted"
