"""What a simulated season says of the configuration: the evaluators' load, whether the
programme's promises held, and which setting to change when they did not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from models.pipeline_delays import Step, StepMeasure, Timeline

TRIPLE_EVALUATION_SHARE = 0.95  # of triple evaluations within the track's delay


@dataclass(frozen=True)
class Load:
    """Tasks given per evaluator per month (months of the season with any task)."""

    mean: float
    max: int
    over_capacity: float  # share of evaluator-months above their monthly capacity
    evaluators: int       # who got at least one task


def evaluator_load(tasks: Sequence[tuple[str, date]], capacities: Mapping[str, int],
                   months: Sequence[tuple[int, int]]) -> Load:
    """``tasks``: (evaluator, day given) of every assignment; ``months``: (year, month)
    of the season. Every evaluator of ``capacities`` counts, a month without task as 0."""
    per = Counter((email, (day.year, day.month)) for email, day in tasks)
    cells = [per.get((email, month), 0) for email in capacities for month in months]
    over = sum(per.get((email, month), 0) > capacity
               for email, capacity in capacities.items() for month in months)
    return Load(mean=sum(cells) / len(cells) if cells else 0.0, max=max(cells, default=0),
                over_capacity=over / len(cells) if cells else 0.0,
                evaluators=len({email for email, _ in tasks}))


@dataclass(frozen=True)
class FirstCommittee:
    """Projects decided at the first committee after their présélection and soutenance."""

    decided_first: int
    due: int            # whose first committee has sat
    missed: tuple[int, ...] = field(default=())  # dossiers decided later, or not decided
    missed_unheard: tuple[int, ...] = field(default=())  # of them, those with no hearing

    @property
    def holds(self) -> bool:
        return self.due > 0 and not self.missed


def first_committee(timelines: Sequence[Timeline], sittings: Sequence[datetime],
                    track: str = "projets") -> FirstCommittee:
    """For each dossier of ``track`` préselected (and heard, when on a hearing's path):
    was it decided at the first sitting after both? A hearing counts from the next day
    (the jury's scores come in the evening: a committee sitting the morning of the
    hearing cannot decide it). ``sittings``: the track's committees (aware)."""
    ordered = sorted(sittings)
    decided_first, due, missed, unheard = 0, 0, [], []
    for timeline in timelines:
        if timeline.track != track:
            continue
        dates = timeline.dates
        heard = dates.get(Step.AUDITION)
        ready = [dates.get(Step.PRESELECTION)] + (
            [heard + timedelta(days=1) if heard else None] if Step.AUDITION in dates else [])
        if any(d is None for d in ready):
            continue
        since = max(d for d in ready if d is not None)
        first = next((s for s in ordered if s >= since), None)
        if first is None:
            continue
        due += 1
        decision = dates.get(Step.DECISION)
        if decision is not None and decision.date() <= first.date():
            decided_first += 1
        else:
            missed.append(timeline.dossier)
            if Step.AUDITION not in dates:
                unheard.append(timeline.dossier)
    return FirstCommittee(decided_first, due, tuple(missed), tuple(unheard))


@dataclass(frozen=True)
class Verdict:
    triple_evaluations: bool
    first_committee: bool
    advice: tuple[str, ...]

    @property
    def holds(self) -> bool:
        return self.triple_evaluations and self.first_committee


def verdict(measures: Sequence[StepMeasure], committee: FirstCommittee, load: Load,
            unassigned: int) -> Verdict:
    """Whether the promises held, and the settings to change (French) when not."""
    triple = [m for m in measures if m.target.start == Step.DEPOT
              and m.target.end == Step.PRESELECTION and m.done]
    triple_ok = bool(triple) and all((m.within_share or 0) >= TRIPLE_EVALUATION_SHARE
                                     for m in triple)
    advice: list[str] = []
    if not triple_ok:
        if unassigned or load.over_capacity > 0.1:
            advice.append("le vivier manque d'évaluateurs : agrandir le vivier (roster) ou "
                          "relever capacite_mensuelle")
        advice.append("raccourcir l'échéance d'une évaluation (tracks.*.due_days) et avancer "
                      "le remplacement d'un retardataire (evaluation.ladder, « remplacement »), "
                      "pour que le suppléant rende avant le 21e jour")
    if not committee.holds and committee.due:
        if len(committee.missed_unheard) < len(committee.missed):
            advice.append("des projets entendus manquent leur premier comité : rapprocher la "
                          "soutenance (hearings.tracks.projets.within_days) ou la "
                          "disponibilité du jury")
        if committee.missed_unheard:
            advice.append("des projets sans soutenance manquent leur premier comité : leur "
                          "note n'était pas prête le jour du comité (score-dossiers doit "
                          "tourner avant le comité, après la dernière synchronisation)")
    return Verdict(triple_ok, committee.holds or not committee.due, tuple(advice))
