"""The delays measured (models.pipeline_delays): the day before and after a target, who
waits, who is late, the bottleneck, the funnel; the targets from the configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.pipeline_delays import (
    Step,
    Target,
    Timeline,
    bottleneck,
    funnel,
    measure,
    positions,
)

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=60)
PRESELECTION = Target("projets", Step.DEPOT, Step.PRESELECTION, 21, "Présélection")
SOUTENANCE = Target("projets", Step.PRESELECTION, Step.AUDITION, 14, "Soutenance")
COMITE = Target("projets", Step.AUDITION, Step.DECISION, 31, "Comité de sélection")


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def projet(number: int, depot: float | None = 0, preselection: float | None = None,
           audition: float | None | str = "absent", decision: float | None = None,
           ) -> Timeline:
    dates: dict[Step, datetime | None] = {
        Step.DEPOT: None if depot is None else day(depot),
        Step.PRESELECTION: None if preselection is None else day(preselection),
        Step.DECISION: None if decision is None else day(decision)}
    if audition != "absent":
        dates[Step.AUDITION] = None if audition is None else day(audition)  # type: ignore[arg-type]
    return Timeline("projets", number, dates)


def test_the_day_before_the_target_is_within_the_day_after_is_not():
    on_time = projet(1, preselection=20)
    at_target = projet(2, preselection=21)
    late = projet(3, preselection=22)
    [m] = measure([on_time, at_target, late], [PRESELECTION], NOW)
    assert m.done == 3 and m.waiting == 0 and m.late == []
    assert m.within_share == pytest.approx(2 / 3)
    assert m.p50 == pytest.approx(21) and m.max == pytest.approx(22)
    assert m.p90 == pytest.approx(21.8) and m.p95 == pytest.approx(21.9)
    assert m.durations == (20, 21, 22)


def test_still_waiting_is_late_only_past_the_target():
    now = day(21)
    waiting_20 = projet(1, depot=1)  # 20 days: not late yet
    waiting_22 = projet(2, depot=-1)  # 22 days: 1 day late
    waiting_30 = projet(3, depot=-9)
    [m] = measure([waiting_20, waiting_22, waiting_30], [PRESELECTION], now)
    assert m.done == 0 and m.waiting == 3
    assert m.p50 is None and m.p90 is None and m.within_share is None
    assert m.late == [(3, pytest.approx(9)), (2, pytest.approx(1))]


def test_a_dossier_that_skipped_the_hearing_waits_for_no_hearing():
    heard_later = projet(1, preselection=10, audition=None, decision=40)  # decided unheard
    not_called = projet(2, preselection=10)  # no hearing on its path: waits for the committee
    called = projet(3, preselection=10, audition=None)
    [m] = measure([heard_later, not_called, called], [SOUTENANCE], NOW)
    assert m.done == 0 and m.waiting == 1
    assert m.late == [(3, pytest.approx(60 - 10 - 14))]


def test_other_tracks_and_missing_starts_are_left_out():
    candidat = Timeline("candidats", 9, {Step.DEPOT: day(0), Step.PRESELECTION: day(50)})
    no_depot = projet(1, depot=None, preselection=5)
    [m] = measure([candidat, no_depot], [PRESELECTION], NOW)
    assert m.done == 0 and m.waiting == 0


def test_the_bottleneck_is_the_worst_p90_against_its_target():
    timelines = [projet(n, preselection=15, audition=15 + 20, decision=35 + 10)
                 for n in range(10)]
    measures = measure(timelines, [PRESELECTION, SOUTENANCE, COMITE], NOW)
    worst = bottleneck(measures)
    assert worst is not None and worst.target is SOUTENANCE
    assert worst.ratio == pytest.approx(20 / 14)
    assert bottleneck(measure([], [PRESELECTION], NOW)) is None


def test_the_funnel_counts_the_dossiers_that_reached_each_step():
    timelines = [projet(1), projet(2, preselection=5), projet(3, preselection=5, audition=9),
                 projet(4, preselection=5, audition=9, decision=30),
                 Timeline("missions", 3, {Step.MISSION_OUVERTE: day(0), Step.AUDITION: None,
                                          Step.DECISION: None}, mission=7)]
    counts = funnel(timelines)
    assert counts["projets"] == {Step.DEPOT: 4, Step.PRESELECTION: 3, Step.AUDITION: 2,
                                 Step.DECISION: 1}
    assert list(counts["projets"]) == [Step.DEPOT, Step.PRESELECTION, Step.AUDITION,
                                       Step.DECISION]
    assert counts["missions"] == {Step.MISSION_OUVERTE: 1, Step.AUDITION: 0, Step.DECISION: 0}


def test_positions_say_where_each_dossier_waits_the_latest_first():
    now = day(40)
    targets = [PRESELECTION, SOUTENANCE, COMITE]
    found = positions([projet(1, depot=30), projet(2, depot=0),
                       projet(3, preselection=5, audition=None),
                       projet(4, preselection=5, audition=9, decision=30)], targets, now)
    by_number = {p.timeline.dossier: p for p in found}
    assert [p.timeline.dossier for p in found][:2] == [3, 2]  # 21 and 19 days late
    assert by_number[2].next is Step.PRESELECTION and by_number[2].late == pytest.approx(19)
    assert by_number[3].next is Step.AUDITION and by_number[3].late == pytest.approx(21)
    assert by_number[3].reached is Step.PRESELECTION and by_number[3].waited == pytest.approx(35)
    assert by_number[1].late is None and by_number[1].waited == pytest.approx(10)
    assert by_number[4].next is None and by_number[4].late is None


def test_targets_come_from_the_configuration():
    from settings.config import load_config
    from settings.delay_targets import delay_targets
    from settings.environment import PROJECT_ROOT

    config = load_config(PROJECT_ROOT / "config" / "eig.yaml")
    found = {(t.track, t.start, t.end): t.days for t in delay_targets(config)}
    assert found == {
        ("projets", Step.DEPOT, Step.PRESELECTION): 21,
        ("projets", Step.PRESELECTION, Step.AUDITION): 14,
        ("projets", Step.AUDITION, Step.DECISION): 31,
        ("candidats", Step.DEPOT, Step.PRESELECTION): 21,
        ("candidats", Step.PRESELECTION, Step.AUDITION): 21,
        ("candidats", Step.AUDITION, Step.DECISION): 62,
        ("missions", Step.MISSION_OUVERTE, Step.AUDITION): 21,
    }
