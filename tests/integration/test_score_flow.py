"""score-dossiers against the sandbox: forms validated (every quarantine path with its
message, and an email saying what to fix), resubmissions superseding, the ranking, and
the write-back reaching DS exactly once — and not again when nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ds_sandbox import EVALUATIONS
from ds_sandbox.testing import FakeClock
from flows.assign import AssignParameters, assign_evaluators
from flows.runtime import use_clock
from flows.score import ScoreParameters, score_dossiers
from models.score_publication import DISCUSS, FAVORABLE, UNFAVORABLE
from models.tables import Assignment, DossierScore, EvaluationLink
from models.tables import Evaluation as EvaluationRow
from tests.integration.chase_helpers import (
    START,
    Inbox,
    days,
    html_of,
    import_roster,
    of_kind,
    recipients,
    scores,
    small_sandbox,
    text_of,
)
from tests.integration.delivery_helpers import deliver_all
from tests.integration.sync_helpers import run_sync

ANNOTATE = "dossierModifierAnnotations"


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    return small_sandbox(clock, 3)


@pytest.fixture
def world(sandbox, store, smtp_server, tmp_path, clock):
    import_roster(store, tmp_path)
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
        assign_evaluators(AssignParameters(tracks=["projets"]))
        deliver_all()
        inbox = Inbox(smtp_server.mailbox)
        inbox.new()
        yield inbox


def tasks(store) -> list[Assignment]:
    with store.sessions() as session:
        return list(session.scalars(select(Assignment).order_by(Assignment.dossier_number,
                                                                 Assignment.id)))


def submit(sandbox, store, assignment: Assignment, values: dict) -> int:
    with store.sessions() as session:
        url = session.get(EvaluationLink, (assignment.id, "evaluate")).url
    form = sandbox.state.start_from_link(url)
    return sandbox.state.submit_prefilled(form.number, values).number


def edit(sandbox, form: int, values: dict) -> int:
    """The evaluator corrects the submitted form (DS lets them while it is en construction)."""
    ids = {d.key: d.id for d in EVALUATIONS.champs}
    for key, value in values.items():
        sandbox.state.update_champ(form, ids[key], value)
    return form


def score(clock, when, **params) -> dict:
    """A score-dossiers run, then the deliverer its hand-over triggers."""
    clock.current = when
    summary = score_dossiers(ScoreParameters(**params))
    deliver_all()
    return summary


def test_scores_are_validated_ranked_and_written_back_once(world, sandbox, store, clock):
    inbox, assignments = world, tasks(store)
    by_dossier: dict[int, list[Assignment]] = {}
    for a in assignments:
        by_dossier.setdefault(a.dossier_number, []).append(a)
    (strong, mixed, weak) = sorted(by_dossier)
    clock.current = START + days(2)
    for a in by_dossier[strong]:
        submit(sandbox, store, a, scores("Excellent.", 5))
    for a, value in zip(by_dossier[weak], (1, 2, 2), strict=True):
        submit(sandbox, store, a, scores("Fragile.", value))
    first, second, third = by_dossier[mixed]
    submit(sandbox, store, first, scores("Bien.", 4))
    submit(sandbox, store, second, scores("Bien, mais le sponsor est absent.", 4, sponsoring=1))
    # Three broken forms from the third evaluator, each a different quarantine path
    missing = submit(sandbox, store, third, {**scores("x"), "note_sponsoring": None})
    summary = score(clock, START + days(2))
    assert summary["forms"]["rejected"] == 1
    with store.sessions() as session:
        row = session.scalars(select(EvaluationRow).where(
            EvaluationRow.form_number == missing)).one()
    assert (row.status, row.problem_field) == ("invalid", "note_sponsoring")
    assert "« Poids et qualité du sponsoring » est absente" in row.problem
    [fix] = of_kind(inbox.new(), "evaluation-fix")
    assert recipients([fix]) == [third.evaluator_email]
    assert "note_sponsoring" in text_of(fix) and "absente" in html_of(fix)

    # The mixed dossier lacks its third evaluation: pending, nothing written for it
    with store.sessions() as session:
        rows = {r.dossier_number: r for r in session.scalars(select(DossierScore))}
    assert rows[mixed].scores["quorum"] == "pending" and rows[mixed].label is None
    assert rows[strong].label == FAVORABLE and rows[weak].label == UNFAVORABLE
    assert rows[strong].scores["rank"] == 1 and rows[strong].scores["total"] == 45
    # weak: sponsoring etc. all 1,2,2 → mean 5/3 per criterion, total 9 × 5/3 = 15
    assert rows[weak].scores["total"] == pytest.approx(15.0)
    assert sandbox.mutations.applied(ANNOTATE, strong) == 1
    assert sandbox.mutations.applied(ANNOTATE, weak) == 1
    assert sandbox.mutations.applied(ANNOTATE, mixed) == 0
    assert FAVORABLE in sandbox.state.dossier(strong).labels

    # Nothing changed: nothing is written again, no email is sent again
    score(clock, START + days(2))
    assert sandbox.mutations.applied(ANNOTATE, strong) == 1
    assert sandbox.mutations.applied("dossierAjouterLabel", strong) == 1
    assert inbox.new() == []

    # The third evaluator resubmits: out of range, then without comment, then right
    clock.current = START + days(3)
    edit(sandbox, missing, {"note_sponsoring": 7})
    score(clock, START + days(3))
    with store.sessions() as session:
        row = session.scalars(select(EvaluationRow).where(
            EvaluationRow.form_number == missing)).one()
    assert row.problem_field == "note_sponsoring" and "hors de l'échelle 0–5" in row.problem
    clock.current = START + days(4)
    edit(sandbox, missing, {"note_sponsoring": 2, "commentaire": None})
    score(clock, START + days(4))
    with store.sessions() as session:
        row = session.scalars(select(EvaluationRow).where(
            EvaluationRow.form_number == missing)).one()
    assert (row.problem_field, row.problem) == ("commentaire", "le commentaire est obligatoire")
    assert len(row.history) == 2  # each earlier version kept
    assert len(of_kind(inbox.new(), "evaluation-fix")) == 2  # one per new problem
    clock.current = START + days(5)
    edit(sandbox, missing, {"commentaire": "Bien."})
    summary = score(clock, START + days(5))
    with store.sessions() as session:
        row = session.get(DossierScore, mixed)
    # sponsoring 4, 1, 2: spread 3 ≥ 2 → discussed; the others 4 → total 8 × 4 + 7/3
    assert row.scores["quorum"] == "k" and row.label == DISCUSS
    assert row.scores["total"] == pytest.approx(32 + 7 / 3)
    assert {f["kind"] for f in row.scores["flags"]} >= {"spread"}
    assert sandbox.mutations.applied(ANNOTATE, mixed) == 1
    track = next(t for t in summary["tracks"] if t["track"] == "projets")
    assert [r["number"] for r in track["ranking"]][:3] == [strong, mixed, weak]


def test_a_later_form_supersedes_and_changes_the_write_back(world, sandbox, store, clock):
    assignments = tasks(store)
    dossier = assignments[0].dossier_number
    team = [a for a in assignments if a.dossier_number == dossier]
    clock.current = START + days(2)
    for a in team:
        submit(sandbox, store, a, scores("Bien.", 4))
    score(clock, START + days(2))
    assert sandbox.mutations.applied(ANNOTATE, dossier) == 1
    clock.current = START + days(3)
    with store.sessions() as session:
        first = session.scalars(select(EvaluationRow).where(
            EvaluationRow.assignment_id == team[0].id)).one()
        token = (session.get(EvaluationLink, (team[0].id, "evaluate")).url)
    original = sandbox.state.read_link(token).values
    ids = {d.key: d.id for d in EVALUATIONS.champs}
    renewed = original | {ids[k]: v for k, v in scores("Finalement excellent.", 5).items()}
    sandbox.state.add_dossier(EVALUATIONS.number, values=renewed)
    assert first.form_number
    score(clock, START + days(3))
    with store.sessions() as session:
        statuses = sorted(r.status for r in session.scalars(select(EvaluationRow).where(
            EvaluationRow.dossier_number == dossier)))
        total = session.get(DossierScore, dossier).scores["total"]
    assert statuses == ["superseded", "valid", "valid", "valid"]
    assert total == pytest.approx(9 * (5 + 4 + 4) / 3)
    assert sandbox.mutations.applied(ANNOTATE, dossier) == 2  # the new total, once


def test_a_sync_that_brings_evaluations_scores_them(world, sandbox, store, clock):
    team = [a for a in tasks(store) if a.dossier_number == tasks(store)[0].dossier_number]
    clock.current = START + days(2)
    for a in team:
        submit(sandbox, store, a, scores("Bien.", 4))
    with use_clock(clock):
        _, summary = run_sync()
        deliver_all()
    assert summary["forms"]["submitted"] == 3
    assert summary["score"]["projets"]["ranked"] == 1
    assert sandbox.mutations.applied(ANNOTATE, team[0].dossier_number) == 1


def test_eig_score_exports_csv_and_eig_quarantine_lists_invalid_forms(world, sandbox, store,
                                                                      clock, tmp_path):
    import csv
    import json

    from typer.testing import CliRunner

    from eig.cli import app

    team = [a for a in tasks(store) if a.dossier_number == tasks(store)[0].dossier_number]
    clock.current = START + days(2)
    for a in team[:2]:
        submit(sandbox, store, a, scores("Bien.", 4))
    broken = submit(sandbox, store, team[2], {**scores("Bien.", 4), "note_probleme_avere": 9})
    out = tmp_path / "classement.csv"
    with use_clock(clock):
        result = CliRunner().invoke(app, ["score", "--csv", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith("\ufeffparcours;rang;".encode())  # French Excel
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert {int(r["dossier"]) for r in rows} == {a.dossier_number for a in tasks(store)}
    assert {r["quorum"] for r in rows} == {"en attente"}  # two valid evaluations of three
    assert all("." not in r["note totale"] for r in rows)  # decimal comma
    listed = CliRunner().invoke(app, ["quarantine", "--json"])
    entries = json.loads(listed.output)
    [entry] = [e for e in entries if e["dossier"] == broken]
    assert entry["field"] == "note_probleme_avere" and "hors de l'échelle" in entry["reason"]


@pytest.mark.both_dialects
def test_two_collections_at_once_record_each_form_once(world, sandbox, store, clock):
    """A sync, a chase and a scoring may collect the same forms at once (seen in the soak:
    the second insert of a form failed the scoring run): the assignments' lease makes
    them take turns, and each form is recorded once."""
    import threading

    from flows.collect_forms import collect_forms
    from flows.runtime import open_runtime

    team = [a for a in tasks(store) if a.dossier_number == tasks(store)[0].dossier_number]
    clock.current = START + days(2)
    for a in team:
        submit(sandbox, store, a, scores("Bien.", 4))
    reports, errors = [], []
    with use_clock(clock):
        run_sync(collect_forms=False)  # the forms are in the store, not yet applied
        with open_runtime() as rt:
            def collect() -> None:
                try:
                    reports.append(collect_forms(rt))
                except Exception as error:  # noqa: BLE001 - the test reports it
                    errors.append(error)

            threads = [threading.Thread(target=collect) for _ in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
    assert errors == []
    assert sorted(r.submitted for r in reports) == [0, 0, 3]
    with store.sessions() as session:
        assert len(session.scalars(select(EvaluationRow)).all()) == 3
