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


def test_every_listed_template_can_be_previewed(assigned, store, clock):
    """`eig preview-email` lists every email template, and previews each of them: the
    evaluation emails from the dossier, the others from what a stage recorded."""
    from connectors.documents import email_template_names
    from eig.email_preview import previewable

    assert previewable() == email_template_names()
    with store.sessions() as session:
        assignment = session.scalars(select(Assignment).order_by(Assignment.id)).first()
    number, juror = assignment.dossier_number, assignment.evaluator_email
    record_every_kind_of_email(store, number, juror, clock.current)
    runner = CliRunner()
    for template in previewable():
        shown = runner.invoke(app, ["preview-email", template, "--dossier", str(number)])
        assert shown.exit_code == 0, (template, shown.output)
        assert shown.output.startswith("Objet : ") and "\nÀ : " in shown.output, template
    hearing = runner.invoke(app, ["preview-email", "hearing_invitation", "-d", str(number),
                                  "-e", juror])
    assert hearing.exit_code == 0 and juror in hearing.output
    assert ".ics" in hearing.output  # the invitation's calendar file is listed
    unknown = runner.invoke(app, ["preview-email", "hearing_invitation", "-d", "999999"])
    assert unknown.exit_code == 1 and "eig hearings" in unknown.output
    listed = runner.invoke(app, ["preview-email", "nope"])
    assert listed.exit_code == 1 and all(t in listed.output for t in previewable())


def record_every_kind_of_email(store, number: int, juror: str, now) -> None:
    """What the stages record for dossier ``number``: a hearing moved (its invitations and
    the cancellation), a convention drafted, a mission decided, a digest, an alert, the
    pipeline's report."""
    from datetime import timedelta

    from connectors.documents import render_email
    from connectors.store import outbox
    from models.convention_draft import content_to_json
    from models.outbox import Kind, mail_key
    from models.tables import (
        Convention,
        ConventionVersion,
        HearingRequest,
        HearingSlot,
        Mission,
        Placement,
    )
    from tests.unit import email_samples
    from tests.unit.convention_samples import convention_context

    def sent(template: str, context: dict) -> dict:
        rendered = render_email(template, context)
        return {"to": [{"email": juror, "name": "Juré"}], "subject": rendered.subject,
                "text": rendered.text, "html": rendered.html}

    with store.sessions.begin() as session:
        request = HearingRequest(track="projets", dossier_number=number,
                                 hearing_type="soutenance", status="scheduled",
                                 earliest=now, latest=now + timedelta(days=30),
                                 requested_at=now, updated_at=now)
        session.add(request)
        session.flush()
        slots = [HearingSlot(request_id=request.id, start=now + timedelta(days=d),
                             end=now + timedelta(days=d, minutes=45), jury=[juror],
                             location="DINUM, salle Lovelace", status=status,
                             cancel_reason="indisponibilité du porteur" if d == 8 else None,
                             created_at=now) for d, status in ((8, "cancelled"),
                                                               (9, "scheduled"))]
        session.add_all(slots)
        mission = Mission(titre="Données de l'eau", administration="Direction de l'eau",
                          projet="Mieux partager l'eau", projet_dossier=None,
                          profiles=["développeur·se"], quotite="temps plein",
                          start=email_samples.MISSION_START, contact_name="Chloé Martin",
                          contact_email="contact@eau.gouv.fr", status="pourvue",
                          created_at=now, updated_at=now)
        session.add(mission)
        session.flush()
        placement = Placement(mission_id=mission.id, dossier_number=number, status="retenu",
                              score=60, created_at=now, updated_at=now)
        session.add(placement)
        session.add(Convention(dossier_number=number, numero="EIG-CONV-2027-0001",
                               kind="budgetaire", created_at=now, updated_at=now))
        session.flush()
        session.add(ConventionVersion(dossier_number=number, version=1, digest="0" * 64,
                                      content=content_to_json(convention_context()),
                                      docx=b"PK docx", pdf=b"%PDF-1.7", created_at=now))
        for key, action, payload in [
            *((mail_key("hearing-invite", slot.id, juror), "hearing-invite",
               {"slot": slot.id, "email": juror, "role": "jury"}) for slot in slots),
            (mail_key("hearing-cancel", slots[0].id, juror), "hearing-cancel",
             {"slot": slots[0].id, "email": juror, "role": "jury"}),
            (mail_key("convention", number, "v1"), "convention",
             {"dossier": number, "version": 1}),
            (mail_key("mission-proposal", placement.id), "send",
             sent("mission_proposal", email_samples.mission_proposal())),
            (mail_key("mission-decision", placement.id), "send",
             sent("mission_decision", email_samples.mission_decision())),
            (mail_key("mission-decision-admin", mission.id), "send",
             sent("mission_decision_admin", email_samples.mission_decision_admin())),
            (mail_key("missions-digest", "2026-12-07", juror), "send",
             sent("missions_digest", email_samples.missions_digest())),
            (mail_key("alert", "run-1", "failed"), "send",
             sent("alert", email_samples.alert("failed"))),
            (mail_key("pipeline-report", "2026-W50"), "send",
             sent("pipeline_report", email_samples.pipeline_report())),
            (mail_key("jury-reminder", juror, "2026-12-16", "abc"), "send",
             sent("jury_reminder", email_samples.jury_reminder())),
            (mail_key("jury-escalation", "equipe", "2026-12-16", "abc"), "send",
             sent("jury_escalation", email_samples.jury_escalation())),
            (mail_key("jury-fix", 6203, "abc"), "send",
             sent("jury_fix", email_samples.jury_fix())),
            (mail_key("availability-request", 1), "send",
             sent("availability_request", email_samples.availability_request())),
        ]:
            outbox.record_effect(session, key, Kind.EMAIL, action, payload, now)
        session.flush()
        invited = session.scalar(select(Effect).where(
            Effect.key == mail_key("hearing-invite", slots[0].id, juror)))
        invited.status = "delivered"  # a cancellation goes to those the invitation reached


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
