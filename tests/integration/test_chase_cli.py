"""eig chase and eig preview-email on a synced store; the DS PDF fallback; forged forms."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ds_sandbox import EVALUATIONS
from ds_sandbox.testing import FakeClock
from eig.cli import app
from flows.assign import AssignParameters, assign_evaluators
from flows.runtime import use_clock
from models.evaluation_token import make_token
from models.tables import Assignment, Effect, EvaluationLink
from settings.environment import SANDBOX_EVAL_SECRET
from tests.integration.chase_helpers import (
    START,
    Inbox,
    attachments,
    days,
    import_roster,
    small_sandbox,
)
from tests.integration.delivery_helpers import deliver_all
from tests.integration.sync_helpers import run_sync


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    """Two projets; DS offers no PDF (the task email carries our own rendering)."""
    return small_sandbox(clock, 2, deposited_days_ago=3, pdf_available=False)


@pytest.fixture
def assigned(sandbox, store, smtp_server, tmp_path, clock):
    import_roster(store, tmp_path)
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
        assign_evaluators(AssignParameters(tracks=["projets"]))
        deliver_all()
        yield Inbox(smtp_server.mailbox)


def test_without_a_ds_pdf_the_task_carries_our_rendering(assigned, store):
    tasks = assigned.new()
    assert tasks
    for message in tasks:
        pdfs = [c for name, c in attachments(message).items() if name.endswith(".pdf")]
        assert len(pdfs) == 1 and pdfs[0].startswith(b"%PDF")
        text = message.get_body(("plain",)).get_content()
        assert "mis en forme par nos soins" in text and "ne fait pas foi" in text


def test_preview_email_renders_real_data_without_side_effects(assigned, store, tmp_path):
    with store.sessions() as session:
        assignment = session.scalars(select(Assignment)).first()
        effects = session.query(Effect).count()
    runner = CliRunner()
    out = tmp_path / "apercu.html"
    result = runner.invoke(app, ["preview-email", "eval_request", "--dossier",
                                 str(assignment.dossier_number), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert str(assignment.dossier_number) in html and "<html" in html.lower()
    with store.sessions() as session:  # the link as the email carries it, no placeholder
        stored = session.get(EvaluationLink, (assignment.id, "evaluate")).url
    assert stored.replace("&", "&amp;") in html and "/commencer/evaluations?" in stored
    for template in ("eval_reminder", "escalation", "replacement_notice", "decline_ack",
                     "evaluation_fix"):
        shown = runner.invoke(app, ["preview-email", template, "--dossier",
                                    str(assignment.dossier_number)])
        assert shown.exit_code == 0, shown.output
        assert shown.output.startswith("Objet : ") and str(assignment.dossier_number) in \
            shown.output
    missing = runner.invoke(app, ["preview-email", "eval_request", "--dossier", "999999"])
    assert missing.exit_code == 1 and "999999" in missing.output
    unknown = runner.invoke(app, ["preview-email", "nope", "--dossier",
                                  str(assignment.dossier_number)])
    assert unknown.exit_code == 1 and "eval_request" in unknown.output
    with store.sessions() as session:
        assert session.query(Effect).count() == effects  # nothing recorded, nothing sent


def test_eig_chase_reports_and_rejects_forged_forms(assigned, sandbox, store, clock):
    with store.sessions() as session:
        assignment = session.scalars(select(Assignment).order_by(Assignment.id)).first()
    forged = make_token(b"not our key", assignment.id, assignment.evaluator_email,
                        assignment.dossier_number)
    genuine = make_token(SANDBOX_EVAL_SECRET.encode(), assignment.id,
                         assignment.evaluator_email, assignment.dossier_number)
    fields = {d.key: d for d in EVALUATIONS.champs}
    base = {fields["dossier_evalue"].id: assignment.dossier_number,
            fields["evaluateur_email"].id: assignment.evaluator_email,
            fields["nature"].id: "évaluation"}
    clock.current = START + days(1)
    sandbox.state.add_dossier(EVALUATIONS.number, values=base | {fields["jeton"].id: forged})
    sandbox.state.add_dossier(EVALUATIONS.number, values=base | {
        fields["jeton"].id: genuine, fields["dossier_evalue"].id: assignment.dossier_number + 1})
    with use_clock(clock):
        result = CliRunner().invoke(app, ["chase", "--json", "--force"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{"):])
    rejected = {r["field"]: r["reason"] for r in summary["forms"]["rejected"]}
    assert "signature" in rejected["jeton"]
    assert "n'est pas celui du jeton" in rejected["dossier_evalue"]
    assert summary["forms"]["submitted"] == 0
    assert summary["assignments"] == {"proposed": 6}
    with store.sessions() as session:
        assert session.get(Assignment, assignment.id).status == "proposed"


@pytest.mark.both_dialects
def test_a_sync_that_brings_a_decline_hands_the_task_over_at_once(assigned, sandbox, store,
                                                                   clock):
    assigned.new()
    with store.sessions() as session:
        assignment = session.scalars(select(Assignment).order_by(Assignment.id)).first()
        link = session.get(EvaluationLink, (assignment.id, "decline")).url
    clock.current = START + days(1)
    sandbox.state.submit_prefilled(sandbox.state.start_from_link(link).number)
    with use_clock(clock):
        _, summary = run_sync()
        deliver_all()  # the sync's hand-over triggers the deliverer
    assert summary["forms"] == {"submitted": 0, "declined": 1, "replaced": 1, "rejected": 0}
    with store.sessions() as session:
        [substitute] = session.scalars(select(Assignment).where(
            Assignment.replaces_id == assignment.id)).all()
    sent = {str(m["X-EIG-Effect"]) for m in assigned.new()}
    assert sent == {f"mail:eval-request:{substitute.id}", f"mail:decline-ack:{assignment.id}"}
    with use_clock(clock):
        _, again = run_sync()
    assert "forms" not in again and assigned.new() == []
