"""deliberate: proposals, a draft relevé, the pause for approval (given programmatically,
as the UI form does), and a publication that reaches DS exactly once."""

from __future__ import annotations

import contextvars
import hashlib
import io
import json
import threading
import time
from datetime import date
from pathlib import Path
from uuid import UUID

import docx
import pytest
from prefect.flow_runs import resume_flow_run
from sqlalchemy import select, update

from ds_sandbox.testing import FakeClock
from flows.assign import AssignParameters, assign_evaluators
from flows.deliberate import (
    DeliberateParameters,
    committee_track,
    deliberate,
    full_attendance,
    pending_decisions,
)
from flows.pipeline import committee as committee_and_conventions
from flows.runtime import use_clock
from flows.score import ScoreParameters, score_dossiers
from models.convention_draft import paragraphs
from models.deliberation import DECISION_LABELS
from models.tables import (
    Assignment,
    CommitteeSession,
    ConventionVersion,
    Dossier,
    Effect,
    EvaluationLink,
    EvaluatorRow,
)
from tests.integration.chase_helpers import (
    START,
    days,
    import_roster,
    paused_run,
    scores,
    small_sandbox,
)
from tests.integration.delivery_helpers import deliver_all
from tests.integration.sync_helpers import run_sync

SESSION = date(2026, 12, 1)
EVALUATOR_SAYS = "Avis interne : sponsor peu disponible, à surveiller pour le dossier"
PUBLISHING = ("dossierAccepter", "dossierRefuser", "dossierEnvoyerMessage",
              "dossierAjouterLabel", "dossierModifierAnnotations", "dossierPasserEnInstruction")


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    return small_sandbox(clock, 4)


@pytest.fixture
def scored(sandbox, store, smtp_server, tmp_path, clock, monkeypatch):
    """Four projets: excellent, good, weak, and one with two evaluations of three."""
    monkeypatch.setenv("EIG_APPROVAL_POLL_SECONDS", "1")
    import_roster(store, tmp_path)
    with store.sessions.begin() as session:  # room for 4 × 3 evaluations among the five
        session.execute(update(EvaluatorRow).values(monthly_capacity=3))
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
        assign_evaluators(AssignParameters(tracks=["projets"]))
        deliver_all()
        with store.sessions() as session:
            teams: dict[int, list[Assignment]] = {}
            for a in session.scalars(select(Assignment).order_by(Assignment.id)):
                teams.setdefault(a.dossier_number, []).append(a)
            links = {(link.assignment_id): link.url for link in session.scalars(
                select(EvaluationLink).where(EvaluationLink.purpose == "evaluate"))}
        numbers = sorted(teams)
        clock.current = START + days(3)
        for number, value in zip(numbers, (5, 4, 2, 4), strict=True):
            team = teams[number] if number != numbers[3] else teams[number][:2]
            for a in team:
                form = sandbox.state.start_from_link(links[a.id])
                sandbox.state.submit_prefilled(form.number, scores(
                    f"{EVALUATOR_SAYS} {number}.", value))
        score_dossiers(ScoreParameters())
        deliver_all()
        yield numbers


def run_in_thread(params: DeliberateParameters) -> tuple[threading.Thread, list]:
    """The flow pauses until approved: run it aside (with the harness's settings), with
    its follow-up (``flows.pipeline``: the lauréats' conventions)."""
    result: list = []
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(
        lambda: result.append(committee_and_conventions(params)),), daemon=True)
    thread.start()
    return thread, result


def published(sandbox) -> int:
    return sum(sandbox.mutations.applied(name) for name in PUBLISHING)


def approve(run_id: UUID, approved: bool = True, sitting: dict | None = None,
            **changes: tuple[str, str]) -> None:
    decisions = pending_decisions(run_id)
    for d in decisions:
        if str(d["dossier"]) in changes:
            code, d["motivation"] = changes[str(d["dossier"])]
            d["decision"] = DECISION_LABELS[code]  # the form speaks French
    resume_flow_run(run_id, run_input={"approuve": approved, "approuve_par": "Camille Opératrice",
                                       "decisions": decisions,
                                       **(sitting or full_attendance(committee_track(run_id)))})


@pytest.mark.both_dialects
def test_nothing_is_published_before_approval_then_each_decision_exactly_once(
        scored, sandbox, store, clock):
    excellent, good, weak, pending = scored
    before = published(sandbox)
    with use_clock(clock):
        thread, result = run_in_thread(DeliberateParameters(track="projets",
                                                            session_date=SESSION))
        run_id = paused_run()
        time.sleep(1)
        assert published(sandbox) == before  # paused: nothing reached DS
        proposals = {d["dossier"]: d["decision"] for d in pending_decisions(run_id)}
        assert proposals == {excellent: "Lauréat", good: "Lauréat", weak: "Refus"}
        # a second run for the same committee (a schedule, a click) waits for nothing
        twin = deliberate(DeliberateParameters(track="projets", session_date=SESSION))
        assert twin["status"] == "already_waiting" and str(run_id) in twin["message"]
        approve(run_id, **{str(good): ("liste_attente", "Très bon dossier ; une place peut "
                                        "se libérer.")})
        thread.join(120)
        assert published(sandbox) == before  # handed over, not delivered by the stage
        deliver_all()
    summary = result[0]
    assert summary["status"] == "approved" and summary["pending"] == 1
    assert sandbox.mutations.applied("dossierAccepter", excellent) == 1
    assert sandbox.mutations.applied("dossierRefuser", weak) == 1
    assert sandbox.mutations.applied("dossierAccepter", good) == 0
    assert "Liste d'attente" in sandbox.state.dossier(good).labels
    for number in (excellent, good, weak):
        assert sandbox.mutations.applied("dossierEnvoyerMessage", number) == 1
    assert sandbox.state.dossier(pending).state == "en_construction"
    # the lauréat's convention is drafted and sent as soon as the decision is published
    assert [d["dossier"] for d in summary["conventions"]["new"]] == [excellent]
    assert summary["conventions"]["handed_over"] == {"email": 1}

    # An evaluator's comment is internal: it reaches DS (motivation, message) and the
    # convention (its preamble) nowhere; the convention cites the dossier's own text
    with store.sessions() as session:
        to_ds = [json.dumps(e.payload, ensure_ascii=False) for e in session.scalars(
            select(Effect).where(Effect.kind == "ds"))]
        drafts = list(session.scalars(select(ConventionVersion)))
        description = session.scalar(select(Dossier).where(
            Dossier.number == excellent)).fields["description"]
    assert any('"motivation"' in payload for payload in to_ds)
    assert not [payload for payload in to_ds if "sponsor peu disponible" in payload]
    assert [d.dossier_number for d in drafts] == [excellent]
    words = "\n".join(p.text for p in docx.Document(io.BytesIO(drafts[0].docx)).paragraphs)
    assert "sponsor peu disponible" not in words and "Avis interne" not in words
    assert "Motivation" not in words and paragraphs(description)[0] in words

    # The approved relevé: the edited decision, the pending dossier, a verifiable seal
    sealed = Path(summary["record"]["json"]).read_bytes()
    content = json.loads(sealed)
    decided = {d["number"]: d["decision"] for d in content["dossiers"]}
    assert decided[good] == "liste_attente"
    assert [p["number"] for p in content["pending"]] == [pending]
    assert hashlib.sha256(sealed).hexdigest() == summary["seal"] != summary["draft_seal"]
    draft = json.loads(Path(summary["record"]["json"].replace("-approuve", "-projet"))
                       .read_bytes())
    assert {d["number"]: d["decision"] for d in draft["dossiers"]}[good] == "laureat"
    assert hashlib.sha256(json.dumps(draft, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest() \
        == summary["draft_seal"]  # the edit is what changed the record and its seal
    html = Path(summary["record"]["html"]).read_text(encoding="utf-8")
    assert summary["seal"] in html
    assert Path(summary["record"]["pdf"]).read_bytes().startswith(b"%PDF")

    # Running the same session again: already approved, nothing repeated at DS
    after = published(sandbox)
    with use_clock(clock):
        again = deliberate(DeliberateParameters(track="projets", session_date=SESSION))
        deliver_all()
    assert again["status"] == "already_approved" and "Camille Opératrice" in again["message"]
    assert published(sandbox) == after


def test_without_approval_nothing_reaches_ds(scored, sandbox, store, clock):
    before = published(sandbox)
    with use_clock(clock):
        thread, result = run_in_thread(DeliberateParameters(track="projets",
                                                            session_date=SESSION))
        approve(paused_run(), approved=False)
        thread.join(120)
    assert result[0]["status"] == "not_approved"
    assert published(sandbox) == before
    with store.sessions() as session:
        row = session.scalars(select(CommitteeSession)).one()
    assert row.status == "not_approved" and row.seal is None


def test_without_quorum_nothing_is_published_and_no_relevé_is_overwritten(
        scored, sandbox, store, clock):
    before = published(sandbox)
    with use_clock(clock):
        thread, result = run_in_thread(DeliberateParameters(track="projets",
                                                            session_date=SESSION))
        run_id = paused_run()
        everyone = full_attendance("projets")
        approve(run_id, sitting={"preside_par": everyone["preside_par"],
                                 "membres_presents": everyone["membres_presents"][:2]})
        thread.join(120)
    assert result[0]["status"] == "not_approved"
    assert result[0]["message"] == "quorum non atteint : 2 membres présents, 3 requis"
    assert published(sandbox) == before
    with store.sessions() as session:
        first = Path(session.scalars(select(CommitteeSession)).one().files["draft"]["json"])
    # the committee sits again the same day: a new draft beside the first, both sealed
    with use_clock(clock):
        thread, result = run_in_thread(DeliberateParameters(track="projets",
                                                            session_date=SESSION))
        approve(paused_run())
        thread.join(120)
    summary = result[0]
    second = Path(summary["record"]["json"].replace("-approuve", "-projet-v2"))
    assert first.exists() and second.exists() and first != second
    for path in (first, second, Path(summary["record"]["json"])):
        content = json.loads(path.read_bytes())
        assert content["format"] == "eig-releve-de-decision/2"
    assert hashlib.sha256(second.read_bytes()).hexdigest() == summary["draft_seal"]
    approved = json.loads(Path(summary["record"]["json"]).read_bytes())
    assert approved["sitting"]["quorum_reached"] and approved["sitting"]["president"]
    html = Path(summary["record"]["html"]).read_text(encoding="utf-8")
    assert f"{Path(summary['record']['json']).name}</strong>" in html
    table = Path(summary["record"]["csv"]).read_bytes()
    assert table.startswith("\ufeffNuméro;Titre;Rang;".encode())  # French Excel: ";" and BOM
    assert b"." not in table.split(b"\n")[1].split(b";")[4]  # the total: a decimal comma


def test_an_edited_dossier_number_refuses_the_approval_in_one_line(scored, sandbox, store,
                                                                    clock):
    before = published(sandbox)
    with use_clock(clock):
        thread, result = run_in_thread(DeliberateParameters(track="projets",
                                                            session_date=SESSION))
        run_id = paused_run()
        decisions = pending_decisions(run_id)
        decisions[0]["dossier"] = 999999  # the UI shows it read-only; the API does not care
        resume_flow_run(run_id, run_input={"approuve": True, "approuve_par": "Camille",
                                           "decisions": decisions,
                                           **full_attendance("projets")})
        thread.join(120)
    assert result[0]["status"] == "not_approved"
    assert result[0]["message"].startswith("dossier n° 999999 : pas proposé au comité")
    assert published(sandbox) == before


def test_a_timeout_can_end_the_run_with_nothing_published(scored, sandbox, store, clock):
    before = published(sandbox)
    with use_clock(clock):
        summary = deliberate(DeliberateParameters(
            track="projets", session_date=SESSION, approval_timeout_hours=1 / 1800,
            on_timeout="end"))
    assert summary["status"] == "expired" and published(sandbox) == before


def test_eig_approve_answers_the_form_with_the_operators_changes(scored, sandbox, store,
                                                                  clock):
    from typer.testing import CliRunner

    from eig.cli import app

    excellent, good, weak, _ = scored
    with use_clock(clock):
        thread, result = run_in_thread(DeliberateParameters(track="projets",
                                                            session_date=SESSION))
        run_id = paused_run()
        refused = CliRunner().invoke(app, ["approve", str(run_id), "--by", "Dominique"])
        assert refused.exit_code == 2 and "--tous-presents" in refused.output
        answer = CliRunner().invoke(app, ["approve", str(run_id), "--by", "Dominique",
                                          "--tous-presents",
                                          "--change", f"{excellent}=refus:Hors du périmètre."])
        assert answer.exit_code == 0, answer.output
        thread.join(120)
        deliver_all()
    assert result[0]["status"] == "approved"
    assert sandbox.mutations.applied("dossierRefuser", excellent) == 1
    assert sandbox.mutations.applied("dossierAccepter", good) == 1
    with store.sessions() as session:
        row = session.scalars(select(CommitteeSession)).one()
    assert row.approved_by == "Dominique"
    assert {d["dossier"]: d["motivation"] for d in row.decisions}[excellent] == \
        "Hors du périmètre."
