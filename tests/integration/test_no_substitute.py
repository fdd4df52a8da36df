"""A late task nobody can take over: the team is told once, not at every chase."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ds_sandbox.testing import FakeClock
from flows.assign import AssignParameters, assign_evaluators
from flows.chase import ChaseParameters, chase_evaluators
from flows.runtime import use_clock
from models.tables import Assignment
from tests.integration.chase_helpers import (
    ROSTER_HEADER,
    START,
    Inbox,
    days,
    of_kind,
    on_the_written_ladder,
    recipients,
    small_sandbox,
    text_of,
)
from tests.integration.delivery_helpers import deliver_all
from tests.integration.promises import assert_promises_kept
from tests.integration.sync_helpers import run_sync


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def sandbox(clock):
    return small_sandbox(clock, 1)


@pytest.fixture
def world(sandbox, store, smtp_server, tmp_path, clock):
    """Three evaluators for one projet: when one is late, nobody is left to replace them."""
    from connectors.roster_file import load_roster
    from connectors.store.roster import replace_roster

    on_the_written_ladder()
    path = tmp_path / "evaluateurs.csv"
    path.write_text("\n".join([ROSTER_HEADER, *(
        f"seul{i}@eval.example;Évaluatrice Seule {i};Agence Seule {i};;produit;projets;"
        f"{'ancien EIG' if i == 0 else ''};2;;;;;;"
        for i in range(3))]) + "\n", encoding="utf-8")
    with store.sessions.begin() as session:
        replace_roster(session, load_roster(path, allowed_profiles=["produit"],
                                            allowed_tracks=["projets"]), START)
    with use_clock(clock):
        yield Inbox(smtp_server.mailbox)


def chase_on(clock, day: int) -> dict:
    clock.current = START + days(day)
    summary = chase_evaluators(ChaseParameters())
    deliver_all()
    return summary


def test_the_team_is_told_once_that_nobody_can_replace_a_late_evaluator(
        world, sandbox, store, clock, caplog):
    inbox = world
    run_sync(full=True, assign_new=False)
    assign_evaluators(AssignParameters(tracks=["projets"]))
    deliver_all()
    assert len(of_kind(inbox.new(), "eval-request")) == 3
    for day in (11, 15, 18):  # the reminders and the escalation of the written ladder
        chase_on(clock, day)
    inbox.new()

    caplog.clear()
    first = chase_on(clock, 21)  # D+7: the replacement step, and nobody feasible
    assert not first["replaced"] and len(first["unreplaced"]) == 3
    told = of_kind(inbox.new(), "no-substitute")
    assert len(told) == 3  # one per task, to the team
    assert {tuple(recipients([m])) for m in told} == {("equipe@eig.example",)}
    assert {f"seul{i}@eval.example" for i in range(3)} == {
        next(f"seul{i}@eval.example" for i in range(3) if f"Seule {i}" in text_of(m))
        for m in told}
    assert_promises_kept(told, store)
    with store.sessions() as session:
        late = session.scalars(select(Assignment)).all()
    assert {a.status for a in late} == {"proposed"}  # still theirs: they may still submit
    assert all(a.status_reason.startswith("remplacement impossible") for a in late)
    warnings = [r for r in caplog.records if "pas de remplaçant" in r.getMessage()]
    assert len(warnings) == 3

    caplog.clear()
    again = chase_on(clock, 22)
    assert not again["unreplaced"] and len(again["still_unreplaced"]) == 3
    assert of_kind(inbox.new(), "no-substitute") == []
    assert not [r for r in caplog.records if "pas de remplaçant" in r.getMessage()]
