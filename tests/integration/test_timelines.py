"""Timelines read from a store the real flows built: sync, assign, evaluations, score,
a committee approved (connectors.store.timelines)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flows.deliberate import DeliberateParameters, pending_decisions
from flows.runtime import use_clock
from models.pipeline_delays import Step, funnel, measure
from models.tables import Assignment, EvaluationLink
from settings.config import load_config
from settings.delay_targets import delay_targets
from settings.environment import Settings
from tests.integration import test_deliberate_flow as committee_world
from tests.integration.chase_helpers import START, days, paused_run
from tests.integration.delivery_helpers import deliver_all
from tests.integration.sync_helpers import run_sync
from tests.integration.test_deliberate_flow import SESSION, approve, run_in_thread

# the committee's world: four projets evaluated, three of them three times
clock, sandbox, scored = committee_world.clock, committee_world.sandbox, committee_world.scored


@pytest.mark.both_dialects
def test_timelines_of_a_season_built_by_the_flows(scored, store, clock, sandbox):
    from connectors.store.timelines import timelines, track_sources

    excellent, good, weak, pending = scored
    config = load_config(Settings().config)
    sources = track_sources(config)
    with store.sessions() as session:
        before = {t.dossier: t for t in timelines(session, sources, clock())
                  if t.track == "projets"}
    assert set(before) == {excellent, good, weak, pending}
    for number in (excellent, good, weak):
        dates = before[number].dates
        assert dates[Step.DEPOT] == START - days(7)
        assert dates[Step.PRESELECTION] is not None
        assert START <= dates[Step.PRESELECTION] <= START + days(3)
        assert Step.AUDITION not in dates and dates[Step.DECISION] is None
    assert before[pending].dates[Step.PRESELECTION] is None  # two evaluations of three

    # its third evaluator declines: two evaluations and a decline are not a présélection
    with store.sessions() as session:
        [silent] = session.scalars(select(Assignment).where(
            Assignment.dossier_number == pending, Assignment.form_number.is_(None))).all()
        decline = session.get(EvaluationLink, (silent.id, "decline")).url
    sandbox.state.submit_prefilled(sandbox.state.start_from_link(decline).number,
                                   {"motif_declin": "indisponibilité sur la période"})
    with use_clock(clock):
        run_sync(assign_new=False)
    with store.sessions() as session:
        assert session.get(Assignment, silent.id).status == "declined"
        again = {t.dossier: t for t in timelines(session, sources, clock())}
    assert again[pending].dates[Step.PRESELECTION] is None

    clock.current = START + days(5)
    with use_clock(clock):
        thread, _ = run_in_thread(DeliberateParameters(track="projets", session_date=SESSION))
        run_id = paused_run()
        assert pending_decisions(run_id)
        clock.current = START + days(6)
        approve(run_id)
        thread.join(120)
        deliver_all()
    with store.sessions() as session:
        after = {t.dossier: t for t in timelines(session, sources, clock())
                 if t.track == "projets"}
    for number in (excellent, good, weak):
        assert after[number].dates[Step.DECISION] == START + days(6)
    assert after[pending].dates[Step.DECISION] is None

    [preselection, _, committee] = [m for m in measure(list(after.values()),
                                                       delay_targets(config), clock())
                                    if m.target.track == "projets"]
    assert preselection.done == 3 and preselection.waiting == 1
    assert preselection.late == []  # the one waiting: 13 days of 21, not late yet
    assert committee.done == 0  # no hearing: the committee's delay runs from a hearing
    assert funnel(list(after.values()))["projets"] == {
        Step.DEPOT: 4, Step.PRESELECTION: 3, Step.AUDITION: 0, Step.DECISION: 3}
