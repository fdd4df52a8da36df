"""The season simulation's pure models: arrivals, the evaluators' behaviour, the variants,
the verdict — deterministic by seed."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from models.chasing import is_working_day
from models.evaluator_behaviour import (
    Behaviour,
    Reaction,
    absences,
    jury_windows,
    next_available,
    respond,
)
from models.paris_time import PARIS
from models.pipeline_delays import Step, Timeline
from models.season import (
    SeasonParameters,
    VariantError,
    apply_variant,
    parse_sweep,
    parse_variant,
)
from models.season_arrivals import (
    Track,
    campaign_arrivals,
    campaign_days,
    poisson_arrivals,
    season_arrivals,
)
from models.season_verdict import evaluator_load, first_committee

START = date(2027, 1, 4)


def test_arrivals_are_the_same_for_the_same_seed_and_differ_otherwise():
    first = season_arrivals(7, START, 182, 11.5, 200)
    assert first == season_arrivals(7, START, 182, 11.5, 200)
    assert first != season_arrivals(8, START, 182, 11.5, 200)
    assert first == sorted(first)


def test_poisson_projects_arrive_at_the_rate_asked():
    counts = [len(poisson_arrivals(random.Random(seed), START, 182, 11.5)) for seed in range(40)]
    assert 280 < sum(counts) / len(counts) < 320  # 26 weeks × 11.5 = 299
    assert poisson_arrivals(random.Random(1), START, 182, 0) == []


def test_campaigns_every_two_months_from_the_start():
    assert campaign_days(START, 181) == [date(2027, 1, 4), date(2027, 3, 4), date(2027, 5, 4)]
    arrivals = campaign_arrivals(random.Random(1), START, 181, 200, open_days=21)
    assert len(arrivals) == 600 and {a.track for a in arrivals} == {Track.CANDIDATS}
    first = [a for a in arrivals if a.at.date() < date(2027, 2, 1)]
    assert len(first) == 200
    assert max(a.at for a in first) < datetime(2027, 1, 25, 0, 1, tzinfo=PARIS)


def test_responses_follow_the_shares_and_land_on_available_days():
    behaviour = Behaviour(decline_share=0.1, late_share=0.2, silent_share=0.05)
    rng = random.Random(3)
    asked = datetime(2027, 1, 4, 9, tzinfo=UTC)
    due = asked + timedelta(days=14)
    away = ((date(2027, 1, 6), date(2027, 1, 12)),)
    answers = [respond(rng, behaviour, asked, due, away) for _ in range(4000)]
    share = {r: sum(a.reaction is r for a in answers) / len(answers) for r in Reaction}
    assert share[Reaction.SILENT] == pytest.approx(0.05, abs=0.015)
    assert share[Reaction.DECLINE] == pytest.approx(0.1, abs=0.02)
    late = [a for a in answers if a.reaction is Reaction.ANSWER and a.at > due]
    assert len(late) / len(answers) == pytest.approx(0.2, abs=0.02)
    for answer in answers:
        if answer.at is not None:
            day = answer.at.astimezone(PARIS).date()
            assert is_working_day(day) and not away[0][0] <= day <= away[0][1]
            assert answer.at > asked
    again = [respond(random.Random(3), behaviour, asked, due, away) for _ in range(1)]
    assert again[0] == answers[0]


def test_next_available_skips_weekends_holidays_and_absences():
    saturday = datetime(2027, 5, 1, 15, tzinfo=PARIS)  # 1 May, a Saturday and a holiday
    assert next_available(saturday, ()) == datetime(2027, 5, 3, 10, tzinfo=PARIS)
    away = ((date(2027, 5, 3), date(2027, 5, 7)),)
    assert next_available(saturday, away) == datetime(2027, 5, 10, 10, tzinfo=PARIS)
    tuesday = datetime(2027, 5, 4, 15, tzinfo=PARIS)
    assert next_available(tuesday, ()) == tuesday


def test_behaviour_refuses_impossible_shares():
    with pytest.raises(ValueError, match="parts"):
        Behaviour(decline_share=0.6, late_share=0.5)


def test_absences_and_jury_windows_are_seeded():
    people = [f"p{i}@x.example" for i in range(50)]
    one = absences(random.Random(2), people, START, 182, Behaviour(away_share=0.3))
    assert one == absences(random.Random(2), people, START, 182, Behaviour(away_share=0.3))
    assert 5 < len(one) < 25
    windows = jury_windows(random.Random(2), people[:4], START, 14, 0.5, one)
    assert windows == jury_windows(random.Random(2), people[:4], START, 14, 0.5, one)
    assert all(is_working_day(start.date()) for _, start, _ in windows)
    assert 0 < len(windows) < 4 * 10 * 2


def test_variants_read_their_keys_and_refuse_unknown_ones():
    assert parse_variant("roster=80,capacity=4,ladder=-3/1/4/7") == {
        "roster": "80", "capacity": "4", "ladder": [-3, 1, 4, 7]}
    params = apply_variant(SeasonParameters(), parse_variant("roster=80,due=10"))
    assert (params.roster, params.due_days) == (80, 10)
    with pytest.raises(VariantError, match="pas un réglage connu"):
        parse_variant("vivier_magique=3")
    with pytest.raises(VariantError, match="roster"):
        parse_variant("roster=1")
    assert parse_sweep("roster=40..160") == ("roster", 40, 160)
    with pytest.raises(VariantError, match="min..max"):
        parse_sweep("roster=40")


def test_load_counts_every_evaluator_month():
    tasks = [("a", date(2027, 1, 5))] * 5 + [("b", date(2027, 2, 1))]
    load = evaluator_load(tasks, {"a": 4, "b": 4}, [(2027, 1), (2027, 2)])
    assert (load.max, load.evaluators) == (5, 2)
    assert load.mean == pytest.approx(6 / 4)
    assert load.over_capacity == pytest.approx(1 / 4)


def test_first_committee_after_preselection_and_hearing():
    def at(day: int) -> datetime:
        return datetime(2027, 2, 1, 9, tzinfo=PARIS) + timedelta(days=day - 1)

    sittings = [at(1), at(29)]  # 1 February, 1 March
    on_time = Timeline("projets", 1, {Step.DEPOT: at(-30), Step.PRESELECTION: at(-10),
                                      Step.AUDITION: at(-3), Step.DECISION: at(1)})
    late = Timeline("projets", 2, {Step.DEPOT: at(-30), Step.PRESELECTION: at(-10),
                                   Step.AUDITION: at(-2), Step.DECISION: at(29)})
    not_heard = Timeline("projets", 3, {Step.DEPOT: at(-30), Step.PRESELECTION: at(-10),
                                        Step.AUDITION: None, Step.DECISION: None})
    verdict = first_committee([on_time, late, not_heard], sittings)
    assert (verdict.decided_first, verdict.due, verdict.missed) == (1, 2, (2,))
    assert verdict.missed_unheard == () and not verdict.holds
    unheard_late = Timeline("projets", 4, {Step.DEPOT: at(-30), Step.PRESELECTION: at(-10),
                                           Step.DECISION: at(29)})
    assert first_committee([unheard_late], sittings).missed_unheard == (4,)
