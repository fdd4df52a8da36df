"""Jury scores through DS, against the sandbox, the SMTP server and both stores: each juror
follows the link of their invitation, fills the prefilled form after the hearing; the
sync records the good forms as the CSV would (they feed the committee), sets the bad
ones aside with their field and rule (eig quarantine); a CSV row never counts twice
(the form wins); the missing forms are chased by the ladder, without replacement."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from eig.cli import quarantine
from flows.chase import ChaseParameters, chase_evaluators
from flows.deliberate import gather_facts
from flows.hearing_booking import hearing_results
from flows.hearings import HearingParameters, import_jury_scores
from flows.runtime import open_runtime, use_clock
from models.tables import HearingRequest, HearingScore, HearingSlot, JuryChaseStep, JuryForm
from tests.integration.chase_helpers import (
    PROJECT_CRITERIA,
    START,
    Inbox,
    effect_key,
    links_in,
    of_kind,
    recipients,
    scores,
    text_of,
)
from tests.integration.delivery_helpers import deliver_all
from tests.integration.promises import assert_promises_kept
from tests.integration.sync_helpers import run_sync
from tests.integration.test_hearings_flow import (  # noqa: F401 (fixtures)
    clock,
    heard,
    sandbox,
    schedule_hearings_flow,
)


def _booked(store) -> dict[int, HearingSlot]:
    with store.sessions() as session:
        rows = session.execute(select(HearingRequest, HearingSlot).join(
            HearingSlot, HearingSlot.request_id == HearingRequest.id)).all()
        session.expunge_all()
    return {request.dossier_number: slot for request, slot in rows}


def _form_links(messages) -> dict[tuple[int, str], str]:
    """(slot, juror) → the scoring form's link, read from the invitations as received."""
    found = {}
    for message in of_kind(messages, "hearing-invite"):
        [juror] = recipients([message])
        slot = int(effect_key(message).split(":")[2])
        for link in links_in(text_of(message)):
            if "/commencer/" in link:
                found[(slot, juror)] = link
    return found


def _fill(box, link: str, comment: str, **overrides: object) -> int:
    """The juror follows the link, answers and submits; ``overrides``: champs they change."""
    form = box.state.start_from_link(link)
    box.state.submit_prefilled(form.number, {**scores(comment), **overrides})
    return form.number


@pytest.mark.both_dialects
def test_jurors_score_by_their_prefilled_form_and_the_bad_ones_are_set_aside(
        heard, sandbox, store, smtp_server, clock, capsys):  # noqa: F811 (fixtures)
    a, b, c, _ = heard
    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        schedule_hearings_flow(HearingParameters())
    booked = _booked(store)
    links = _form_links(inbox.new())
    jurors = {n: list(booked[n].jury) for n in (a, b, c)}
    assert {(booked[n].id, j) for n in (a, b, c) for j in jurors[n]} == set(links)
    query = parse_qs(urlsplit(links[(booked[a].id, jurors[a][0])]).query)
    assert "audition" in sum(query.values(), [])  # the nature, prefilled

    early = _fill(sandbox, links[(booked[c].id, jurors[c][0])], "Trop tôt.")
    clock.current = max(s.end for s in booked.values()) + timedelta(hours=1)
    for juror in jurors[a]:
        _fill(sandbox, links[(booked[a].id, juror)], "Très clair.")
    out_of_scale = _fill(sandbox, links[(booked[b].id, jurors[b][0])], "Bien.",
                         note_sponsoring=9)
    replayed = _fill(sandbox, links[(booked[b].id, jurors[b][1])], "Recopié.",
                     dossier_evalue=a)
    with use_clock(clock):
        run_sync()
        deliver_all()
    fixes = of_kind(inbox.new(), "jury-fix")  # each juror told what to fix, with the link
    assert recipients(fixes) == sorted(jurors[b][:2])
    kept = assert_promises_kept(fixes, store)
    assert ("jury_fix", "avec votre lien de notation") in kept
    assert "hors de l'échelle 0–5" in text_of(
        next(m for m in fixes if recipients([m]) == [jurors[b][0]]))

    with store.sessions() as session:
        saved = {s.juror: s for s in session.scalars(select(HearingScore).where(
            HearingScore.request_id == booked[a].request_id))}
        forms = {f.form_number: f for f in session.scalars(select(JuryForm))}
    assert set(saved) == set(jurors[a])
    assert all(s.source.startswith("formulaire DS n°") and s.comment == "Très clair."
               for s in saved.values())
    assert (forms[out_of_scale].status, forms[out_of_scale].problem_field) == (
        "invalid", "note_sponsoring")
    assert "hors de l'échelle 0–5" in forms[out_of_scale].problem
    assert (forms[replayed].status, forms[replayed].problem_field) == ("invalid",
                                                                     "dossier_evalue")
    assert forms[early].status == "valid"  # sent during the hearing's slot: it counts now
    quarantine(as_json=True)
    listed = {row["dossier"]: row for row in json.loads(capsys.readouterr().out)
              if row["rule"] == "jury"}
    assert listed[out_of_scale]["field"] == "note_sponsoring"
    assert listed[replayed]["field"] == "dossier_evalue"

    # The CSV fallback: a juror who answered by form is not counted twice (the form wins);
    # one who could not fill the form is recorded from the CSV.
    header = "dossier;courriel;" + ";".join(f"note_{k}" for k in PROJECT_CRITERIA) \
        + ";commentaire"
    rows = [header, f"{a};{jurors[a][0]};" + ";".join("1" for _ in PROJECT_CRITERIA) + ";x",
            f"{b};{jurors[b][0]};" + ";".join("3" for _ in PROJECT_CRITERIA) + ";Par CSV."]
    with use_clock(clock):
        report = import_jury_scores("\n".join(rows) + "\n", "projets", "jury.csv")
        again = run_sync()  # nothing new: nothing changes
    assert report["imported"] == 1
    assert any("le formulaire prime" in p for p in report["problems"])
    with use_clock(clock), open_runtime() as rt, rt.sessions() as session:
        results = hearing_results(session, rt, "projets")
        facts = {f.number: f for f in gather_facts(session, rt, "projets")}
        count = len(session.scalars(select(HearingScore)).all())
    assert again[0] == "COMPLETED"
    assert count == 3 + 1 + 1  # a: three forms; b: the CSV row; c: the early form
    assert results[a]["total"] == 36.0 and results[a]["jurors"] == 3
    assert facts[a].hearing and "Très clair." in facts[a].hearing

    # The juror of b fixes their form in DS: it replaces the CSV row (the form wins).
    clock.current += timedelta(hours=1)
    fixed = _fill(sandbox, links[(booked[b].id, jurors[b][0])], "Corrigé.")
    with use_clock(clock):
        run_sync()
    with store.sessions() as session:
        [score] = session.scalars(select(HearingScore).where(
            HearingScore.request_id == booked[b].request_id,
            HearingScore.juror == jurors[b][0])).all()
        assert (score.source, score.comment) == (f"formulaire DS n°{fixed}", "Corrigé.")
        assert session.get(JuryForm, forms[out_of_scale].id).status == "invalid"


@pytest.mark.both_dialects
def test_missing_jury_forms_are_chased_by_the_ladder_without_replacement(
        heard, sandbox, store, smtp_server, clock):  # noqa: F811 (fixtures)
    a, b, c, _ = heard
    inbox = Inbox(smtp_server.mailbox)
    with use_clock(clock):
        schedule_hearings_flow(HearingParameters())
    booked = _booked(store)
    links = _form_links(inbox.new())
    last = max(s.end for s in booked.values())
    clock.current = last + timedelta(hours=1)
    for juror in booked[a].jury:
        _fill(sandbox, links[(booked[a].id, juror)], "Très clair.")
    missing = {(booked[n].id, j) for n in (b, c) for j in booked[n].jury}

    def chase_on(day: int) -> dict:
        clock.current = START.replace(hour=8) + timedelta(days=day)
        with use_clock(clock):
            summary = chase_evaluators(ChaseParameters(force=True, sync_first=True))
            deliver_all()
        return summary["jury"]

    # due five days after each hearing: the reminder three days before, then D+1, D+2
    first = chase_on((last - START).days + 3)
    assert first["recorded"] == 3 and first["missing"] == len(missing)
    reminders = of_kind(inbox.new(), "jury-reminder")
    assert first["reminders"] == len(reminders) > 0
    assert set(recipients(reminders)) <= {j for _, j in missing}
    for message in reminders:
        [juror] = recipients([message])
        own = {links[key] for key in missing if key[1] == juror}
        assert own <= set(links_in(text_of(message)))  # the same link as the invitation
    assert_promises_kept(reminders, store)
    assert chase_on((last - START).days + 3)["reminders"] == 0  # each step once
    assert of_kind(inbox.new(), "jury-reminder") == []

    for offset in range(4, 14):
        chase_on((last - START).days + offset)
    team = of_kind(inbox.new(), "jury-escalation")
    assert team and "equipe@eig.example" in recipients(team)
    assert "grille CSV" in text_of(team[0])
    with store.sessions() as session:
        steps = session.scalars(select(JuryChaseStep)).all()
        assert {s.step for s in steps} <= {"rappel-avant", "rappel-retard", "escalade"}
        assert {(s.slot_id, s.juror) for s in steps} <= missing
        slots_now = session.scalars(select(HearingSlot)).all()
    assert all(set(s.jury) == set(booked_slot.jury) for s in slots_now
               for booked_slot in booked.values() if booked_slot.id == s.id)
