"""The availability forms of the malformed corpus (tests/corpus/malformed/
availability_forms.yaml): filed in DS together with a genuine one, each is refused by
`eig sync` with its field and rule, listed by `eig quarantine`, and changes no window;
the genuine counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from ds_sandbox import DISPONIBILITES
from ds_sandbox.testing import FakeClock
from eig.cli import app
from flows.availability import request_availability
from flows.runtime import use_clock
from models.availability_token import make_token
from models.evaluation_token import make_token as evaluation_token
from models.tables import AvailabilityRequest, JuryAvailability
from settings.environment import SANDBOX_EVAL_SECRET
from tests.integration.chase_helpers import START, days, import_roster, small_sandbox

CASES = yaml.safe_load((Path(__file__).resolve().parents[1] / "corpus" / "malformed" /
                        "availability_forms.yaml").read_text(encoding="utf-8"))
SECRET = SANDBOX_EVAL_SECRET.encode()
by_id = {case["id"]: case for case in CASES}


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    return small_sandbox(clock, 1, deposited_days_ago=3)


def token_of(kind: str, request: AvailabilityRequest) -> str:
    return {"forged": make_token(b"not our key" * 3, request.id, request.email, request.scope),
            "unknown_request": make_token(SECRET, 987654, request.email, request.scope),
            "evaluation": evaluation_token(SECRET, request.id, request.email, 42)}[kind]


def test_every_malformed_availability_form_is_refused_with_its_field_and_rule(
        sandbox, store, smtp_server, tmp_path, clock):
    assert len(CASES) >= 12
    import_roster(store, tmp_path)
    with use_clock(clock):
        asked = request_availability()
    assert asked["asked"] >= 2
    with store.sessions() as session:
        target, genuine = session.scalars(select(AvailabilityRequest)
                                          .order_by(AvailabilityRequest.id)).all()[:2]
    champs = {d.key: d.id for d in DISPONIBILITES.champs}
    window = {"jour": "2026-12-02", "de": "09:00", "a": "12:00"}

    def form(request: AvailabilityRequest, line: dict | None = None) -> dict[str, object]:
        return {"jeton": make_token(SECRET, request.id, request.email, request.scope),
                "courriel": request.email, "creneaux": [window | (line or {})]}

    clock.current = START + days(1)  # Tuesday 1 December, 9:00 in Paris
    numbers = {}
    for case in CASES:
        values = form(target, case.get("line")) | (case.get("set") or {})
        if "token" in case:
            values["jeton"] = token_of(case["token"], target)
        numbers[case["id"]] = sandbox.state.add_dossier(DISPONIBILITES.number, values={
            champs[key]: value for key, value in values.items()}).number
    sandbox.state.add_dossier(DISPONIBILITES.number, values={
        champs[key]: value for key, value in form(genuine).items()})

    with use_clock(clock):
        synced = CliRunner().invoke(app, ["sync", "--json"])
    assert synced.exit_code == 0, synced.output  # the batch goes on
    summary = json.loads(synced.output[synced.output.index("{"):])
    assert summary["availability"]["applied"] == 1  # the genuine form alone

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
        windows = session.scalars(select(JuryAvailability)).all()
    assert [(w.email, w.start.replace(tzinfo=UTC)) for w in windows] == [
        (genuine.email, datetime(2026, 12, 2, 8, tzinfo=UTC))]
