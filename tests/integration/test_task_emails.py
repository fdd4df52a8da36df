"""Composing task emails against the DS sandbox: links that prefill by URL (no prefill API
request, the same link every time, read back by DS's rules to the right champs and
token), and the dossier's PDF fetched once per dossier and delivery run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ds_sandbox import EVALUATIONS
from ds_sandbox.testing import FakeClock
from flows.delivery.task_emails import TaskEmails
from flows.replacement import create_assignment, task_due
from flows.runtime import open_runtime, use_clock
from models.evaluation_token import verify_token
from models.outbox import mail_key
from models.tables import Assignment, Dossier, EvaluationLink
from settings.config import ConfigError
from settings.environment import SANDBOX_EVAL_SECRET
from tests.integration.chase_helpers import START, import_roster, small_sandbox
from tests.integration.sync_helpers import run_sync

CHAMPS = {d.key: d.id for d in EVALUATIONS.champs}
SECRET = SANDBOX_EVAL_SECRET.encode()


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    """Three projets; the prefill API keeps DS's pace (15 in 15 s)."""
    return small_sandbox(clock, 3)


@pytest.fixture
def tasks(sandbox, store, tmp_path, clock) -> list[Assignment]:
    """Three evaluators on each of the three projets, recorded (emails not delivered)."""
    import_roster(store, tmp_path)
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
    with open_runtime(clock=clock) as rt, rt.sessions.begin() as session:
        numbers = sorted(d.number for d in session.scalars(select(Dossier).where(
            Dossier.demarche_number == rt.config.demarches["projets"].number)))
        due = task_due(rt.config, "projets", clock())
        for index, number in enumerate(numbers):
            for offset in range(3):
                create_assignment(session, dossier=number,
                                  evaluator=f"now{(index + offset) % 5}@eval.example",
                                  track="projets", now=clock(), due=due, reasons={})
    with store.sessions() as session:
        return list(session.scalars(select(Assignment).order_by(Assignment.id)))


@pytest.mark.both_dialects
def test_task_emails_link_to_ds_prefill_without_any_api_call(tasks, sandbox, sandbox_url,
                                                              store, clock):
    with open_runtime(clock=clock) as rt:
        composer = TaskEmails(rt)
        emails = {a.id: composer.task(a.id, mail_key("eval-request", a.id)) for a in tasks}
        again = TaskEmails(rt)
        rebuilt = {a.id: {p: again.link(a, p) for p in ("evaluate", "decline")}
                   for a in tasks}
        composer.close()

    assert sandbox.prefill_stats.count() == 0  # not one request to the prefill API
    with store.sessions() as session:
        stored = {(link.assignment_id, link.purpose): link for link in
                  session.scalars(select(EvaluationLink))}
    assert len(stored) == 2 * len(tasks)
    for assignment in tasks:
        email = emails[assignment.id]
        assert email is not None
        evaluate = stored[(assignment.id, "evaluate")]
        decline = stored[(assignment.id, "decline")]
        assert evaluate.ds_dossier_number is None and evaluate.ds_dossier_id is None
        assert evaluate.url.startswith(f"{sandbox_url}/commencer/evaluations?champ_")
        assert evaluate.url in email.text and decline.url in email.text
        # the configured rule the form check applies (comment_required: true)
        assert "dans le commentaire, obligatoire" in email.text
        assert rebuilt[assignment.id] == {"evaluate": evaluate.url, "decline": decline.url}

        read = sandbox.state.read_link(evaluate.url)  # as DS's start page reads it
        assert read.demarche == EVALUATIONS.number and read.ignored_keys == ()
        assert read.values[CHAMPS["dossier_evalue"]] == assignment.dossier_number
        assert read.values[CHAMPS["evaluateur_email"]] == assignment.evaluator_email
        assert read.values[CHAMPS["nature"]] == "évaluation"
        token = read.values[CHAMPS["jeton"]]
        assert verify_token(SECRET, token, assignment.id, assignment.evaluator_email,
                            assignment.dossier_number)
        declined = sandbox.state.read_link(decline.url).values
        assert declined[CHAMPS["nature"]] == "déclin"
        assert declined[CHAMPS["motif_declin"]] == "indisponibilité sur la période"
        assert declined[CHAMPS["jeton"]] == token


def test_the_dossier_pdf_is_fetched_once_per_dossier_and_again_when_it_changed(
        tasks, sandbox, store, clock):
    before = sandbox.stats.count(operation="DossierPdf")
    with open_runtime(clock=clock) as rt:
        composer = TaskEmails(rt)
        emails = [composer.task(a.id, mail_key("eval-request", a.id)) for a in tasks]
        fetched = composer.pdf_fetches
        changed = tasks[0].dossier_number
        with rt.sessions.begin() as session:  # a sync brought a newer version of it
            dossier = session.scalars(select(Dossier).where(Dossier.number == changed)).one()
            dossier.ds_updated_at += timedelta(seconds=1)
        composer.task(tasks[0].id, mail_key("eval-request", tasks[0].id))
        composer.task(tasks[1].id, mail_key("eval-request", tasks[1].id))  # the same dossier
        composer.close()

    assert len(tasks) == 9 and fetched == 3  # three dossiers, three evaluators each
    assert sandbox.stats.count(operation="DossierPdf") - before == 4
    assert composer.pdf_fetches == 4
    pdfs: dict[int, bytes] = {}
    for assignment, email in zip(tasks, emails, strict=True):
        assert email is not None
        (pdf,) = [a.content for a in email.attachments if a.filename.endswith(".pdf")]
        assert pdf.startswith(b"%PDF")
        assert pdfs.setdefault(assignment.dossier_number, pdf) == pdf


def test_a_demarche_without_a_path_stops_with_a_french_message(tasks, store, clock,
                                                                monkeypatch, tmp_path):
    import yaml

    from settings.environment import Settings

    raw = yaml.safe_load(Settings().config.read_text(encoding="utf-8"))
    del raw["demarches"]["evaluations"]["path"]
    config = tmp_path / "sans-chemin.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("EIG_CONFIG", str(config))
    with open_runtime(clock=clock) as rt, pytest.raises(ConfigError) as caught:
        TaskEmails(rt).task(tasks[0].id, mail_key("eval-request", tasks[0].id))

    assert "demarches.evaluations.path" in str(caught.value)
    assert "Grille d'évaluation" in str(caught.value)
    with store.sessions() as session:
        assert session.scalars(select(EvaluationLink)).all() == []
