"""assign-evaluators on synced dossiers: every constraint holds, reruns add nothing, new
dossiers are assigned incrementally, and the announcing emails are sent once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from connectors.roster_file import load_roster
from connectors.store.roster import replace_roster
from eig.demo_roster import write_demo_roster
from flows.assign import AssignParameters, assign_evaluators
from models.evaluation_inputs import norm
from models.tables import Assignment, Dossier, Effect, EvaluatorRow
from tests.integration.delivery_helpers import deliver_all
from tests.integration.sync_helpers import run_sync

PROFILES = ["produit", "technique", "design", "data", "juridique"]
# Each assignment sends a task email (two prefilled links, the dossier's PDF): a quarter of
# the default sandbox keeps these tests quick, and leaves the roster room for new dossiers.
pytestmark = pytest.mark.sandbox_data(dossiers=150, seed=7)


@pytest.fixture
def roster(store, tmp_path):
    path = write_demo_roster(tmp_path / "evaluateurs.csv", evaluators=120, seed=3)
    evaluators = load_roster(path, allowed_profiles=PROFILES,
                             allowed_tracks=["projets", "candidats"])
    with store.sessions.begin() as session:
        replace_roster(session, evaluators, datetime.now(UTC))
    return evaluators


def assignments(store) -> list[Assignment]:
    with store.sessions() as session:
        return list(session.scalars(select(Assignment)))


@pytest.mark.both_dialects
def test_assignment_respects_every_rule_and_reruns_add_nothing(
    sandbox, store, roster, smtp_server
):
    run_sync(full=True, assign_new=False)
    summary = assign_evaluators(AssignParameters())
    made = assignments(store)
    assert made and sum(t["assigned"] for t in summary["tracks"]) == len(made)
    with store.sessions() as session:
        dossiers = {d.number: d for d in session.scalars(select(Dossier))}
        evaluators = {e.email: e for e in session.scalars(select(EvaluatorRow))}
    per_dossier: dict[int, list[str]] = {}
    for a in made:
        per_dossier.setdefault(a.dossier_number, []).append(a.evaluator_email)
    unassigned = {int(n) for t in summary["tracks"] for n in t["unassigned"]}
    for number, chosen in per_dossier.items():
        assert len(chosen) == 3 or number in unassigned
        assert len(set(chosen)) == len(chosen)
        organisations = [norm(evaluators[e].organisation) for e in chosen]
        assert len(set(organisations)) == len(organisations), "two evaluators of one org"
        fields = dossiers[number].fields or {}
        if fields.get("administration"):
            assert norm(fields["administration"]) not in organisations, "conflict of interest"
    loads = Counter(a.evaluator_email for a in made)
    assert all(loads[e] <= evaluators[e].monthly_capacity for e in loads)

    assert summary["handed_over"] == {"email": len(made)}  # recorded, not sent inline
    assert len(smtp_server.mailbox) == 0
    delivery = deliver_all()
    assert delivery["lanes"]["email"]["delivered"] == len(made)
    with store.sessions() as session:
        emails = [e for e in session.scalars(select(Effect)) if e.key.startswith("mail:eval")]
    assert len(emails) == len(made) and {e.status for e in emails} == {"delivered"}
    assert len(smtp_server.mailbox.message_ids()) == len(made)

    again = assign_evaluators(AssignParameters())
    assert sum(t["assigned"] for t in again["tracks"]) == 0 and again["handed_over"] == {}
    deliver_all()
    assert len(assignments(store)) == len(made)
    assert len(smtp_server.mailbox.message_ids()) == len(made)


def test_new_dossiers_are_assigned_without_moving_the_others(sandbox, store, roster,
                                                             smtp_server):
    from ds_sandbox import PROJETS

    run_sync(full=True, assign_new=False)
    assign_evaluators(AssignParameters())
    before = {(a.dossier_number, a.evaluator_email) for a in assignments(store)}
    number = sandbox.state.add_dossier(PROJETS.number, seed=999).number
    run_sync(assign_new=False)
    summary = assign_evaluators(AssignParameters(tracks=["projets"]))
    after = {(a.dossier_number, a.evaluator_email) for a in assignments(store)}
    assert before <= after
    assert {d for d, _ in after - before} == {number}
    assert summary["tracks"][0]["assigned"] == 3


def test_a_sync_that_brings_new_dossiers_assigns_them(sandbox, store, roster, smtp_server):
    from ds_sandbox import CANDIDATS

    run_sync(full=True, assign_new=False)
    assert assignments(store) == []
    number = sandbox.state.add_dossier(CANDIDATS.number, seed=4242).number
    _, summary = run_sync()
    assert [t["track"] for t in summary["assign"]["tracks"]] == ["candidats"]
    assert number in {a.dossier_number for a in assignments(store)}
