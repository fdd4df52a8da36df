"""The evaluation forms of the malformed corpus (tests/corpus/malformed/evaluation_forms.yaml,
issue 19): sent to DS together with a genuine one, each is refused by `eig chase` with its
field and rule, listed by `eig quarantine`, and changes no assignment; the genuine counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from ds_sandbox import EVALUATIONS
from ds_sandbox.testing import FakeClock
from eig.cli import app
from flows.assign import AssignParameters, assign_evaluators
from flows.runtime import use_clock
from models.evaluation_token import make_token
from models.tables import Assignment, Evaluation
from settings.environment import SANDBOX_EVAL_SECRET
from tests.integration.chase_helpers import START, days, import_roster, scores, small_sandbox
from tests.integration.delivery_helpers import deliver_all
from tests.integration.sync_helpers import run_sync

CASES = yaml.safe_load((Path(__file__).resolve().parents[1] / "corpus" / "malformed" /
                        "evaluation_forms.yaml").read_text(encoding="utf-8"))
SECRET = SANDBOX_EVAL_SECRET.encode()
by_id = {case["id"]: case for case in CASES}


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    return small_sandbox(clock, 2, deposited_days_ago=3)


def token_of(kind: str, assignment: Assignment) -> str:
    genuine = make_token(SECRET, assignment.id, assignment.evaluator_email,
                         assignment.dossier_number)
    return {"forged": make_token(b"not our key" * 3, assignment.id,
                                 assignment.evaluator_email, assignment.dossier_number),
            "other_assignment": make_token(SECRET, 987654, assignment.evaluator_email,
                                           assignment.dossier_number),
            "arabic_digit": "٣" + genuine[1:],
            "truncated": genuine[:-3]}[kind]


def test_every_malformed_form_is_refused_with_its_field_and_rule(sandbox, store, smtp_server,
                                                                  tmp_path, clock):
    assert len(CASES) >= 12
    import_roster(store, tmp_path)
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
        assign_evaluators(AssignParameters(tracks=["projets"]))
        deliver_all()
    with store.sessions() as session:
        assignments = session.scalars(select(Assignment).order_by(Assignment.id)).all()
        before = {a.id: a.status for a in assignments}
    target, genuine = assignments[0], assignments[1]
    champs = {d.key: d.id for d in EVALUATIONS.champs}

    def form(assignment: Assignment) -> dict[str, object]:
        values = {"jeton": make_token(SECRET, assignment.id, assignment.evaluator_email,
                                      assignment.dossier_number),
                  "dossier_evalue": assignment.dossier_number,
                  "evaluateur_email": assignment.evaluator_email, "nature": "évaluation",
                  **scores("Dossier solide, équipe engagée.")}
        return values

    clock.current = START + days(1)
    numbers = {}
    for case in CASES:
        values = form(target) | (case.get("set") or {})
        if "token" in case:
            values["jeton"] = token_of(case["token"], target)
        numbers[case["id"]] = sandbox.state.add_dossier(EVALUATIONS.number, values={
            champs[key]: value for key, value in values.items()}).number  # None: left empty
    sandbox.state.add_dossier(EVALUATIONS.number, values={
        champs[key]: value for key, value in form(genuine).items()})

    with use_clock(clock):
        chased = CliRunner().invoke(app, ["chase", "--json", "--force"])
    assert chased.exit_code == 0, chased.output  # the batch goes on
    summary = json.loads(chased.output[chased.output.index("{"):])
    rejected = {r["form"] for r in summary["forms"]["rejected"]}
    counted = [c["id"] for c in CASES if numbers[c["id"]] not in rejected]
    assert summary["forms"]["submitted"] == 1, counted  # the genuine form alone

    listed = CliRunner().invoke(app, ["quarantine", "--json"])
    assert listed.exit_code == 0, listed.output
    quarantined = {row["dossier"]: row for row in json.loads(listed.output)}
    wrong = {case["id"]: quarantined.get(numbers[case["id"]]) for case in CASES}
    wrong = {i: row for i, row in wrong.items() if row is None or not (
        row["field"] == by_id[i]["field"] and by_id[i]["reason"] in row["reason"]
        and len(row["reason"]) < 300)}
    assert not wrong, wrong
    text = CliRunner().invoke(app, ["quarantine"]).output
    for case in CASES:
        assert f"dossier {numbers[case['id']]}, champ {case['field']} :" in text, text

    with store.sessions() as session:
        after = {a.id: a.status for a in session.scalars(select(Assignment))}
        counted = session.scalars(select(Evaluation).where(Evaluation.status == "valid")).all()
    assert after == before | {genuine.id: after[genuine.id]} and after[target.id] == "proposed"
    assert [e.assignment_id for e in counted] == [genuine.id]
