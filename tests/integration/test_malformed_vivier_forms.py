"""Forms « Ma situation dans le vivier » wrong in one way each (the corpus,
tests/corpus/malformed/vivier_forms.yaml), filed through genuine links with a genuine
one: the sync applies only the genuine one, `eig quarantine` names each one's field and
rule, and the vivier stays as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from eig.cli import app
from flows.runtime import open_runtime
from models.tables import VivierMember
from models.vivier_forms import make_vivier_token
from settings.environment import SANDBOX_EVAL_SECRET
from tests.integration.sync_helpers import run_sync
from tests.integration.test_vivier_forms import _enter_vivier

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "malformed" / "vivier_forms.yaml"
CASES = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))

pytestmark = pytest.mark.sandbox_data(dossiers=40, seed=3)


def _token(kind: str, number: int, other: int) -> tuple[int, str]:
    """(dossier_candidature, jeton) of a rewritten token."""
    secret = SANDBOX_EVAL_SECRET.encode()
    if kind == "garbage":
        return number, "n'importe quoi"
    if kind == "other_entry":
        return number, make_vivier_token(secret, other)
    if kind == "not_member":
        return 999_999, make_vivier_token(secret, 999_999)
    raise ValueError(kind)


def test_each_wrong_form_is_set_aside_with_its_field_and_rule(sandbox, store):
    from ds_sandbox import CANDIDATS

    run_sync(full=True, assign_new=False)
    numbers = sorted(sandbox.state.numbers(CANDIDATS.number))[:len(CASES) + 1]
    links = _enter_vivier(numbers)
    with open_runtime() as rt, rt.sessions() as session:
        fields = rt.config.demarches["vivier"].fields
        before = {m.dossier_number: dict(m.profile) for m in session.scalars(
            select(VivierMember))}
    genuine_entry, *entries = numbers
    forms = {}
    for case, number in zip(CASES, entries, strict=True):
        started = sandbox.state.start_from_link(links[number])
        values = dict(case.get("set") or {})
        if "token" in case:
            values["dossier_candidature"], values["jeton"] = _token(
                case["token"], number, genuine_entry)
        forms[case["id"]] = sandbox.state.submit_prefilled(
            started.number, {fields[k].id: v for k, v in values.items()}).number
    started = sandbox.state.start_from_link(links[genuine_entry])
    sandbox.state.submit_prefilled(started.number, {fields["quotite"].id: "4/5"})

    state, summary = run_sync(assign_new=False)
    assert state == "COMPLETED"
    assert summary["vivier"]["updated"] == [genuine_entry]
    assert summary["vivier"]["withdrawn"] == []

    listed = CliRunner().invoke(app, ["quarantine", "--json"])
    assert listed.exit_code == 0, listed.output
    quarantined = {row["dossier"]: row for row in json.loads(listed.output)}
    for case in CASES:
        row = quarantined.get(forms[case["id"]])
        assert row is not None, f"{case['id']} : pas en quarantaine"
        assert row["field"] == case["field"], case["id"]
        assert case["reason"] in row["reason"], (case["id"], row["reason"])
        assert "\n" not in row["reason"] and "Traceback" not in row["reason"]
    text = CliRunner().invoke(app, ["quarantine"]).output
    assert "Traceback" not in text and all(len(line) < 400 for line in text.splitlines())

    with open_runtime() as rt, rt.sessions() as session:
        after = {m.dossier_number: dict(m.profile) for m in session.scalars(
            select(VivierMember))}
    assert after[genuine_entry]["quotite"] == "4/5"
    assert {n: p for n, p in after.items() if n != genuine_entry} == {
        n: p for n, p in before.items() if n != genuine_entry}
