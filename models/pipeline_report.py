"""The daily report on the live pipeline: its figures as plain data, in French, for the
Prefect artifact and the team's Monday email (flows/pipeline_report.py).

Built from ``models.pipeline_delays``: the measures per step, each dossier's position,
and the next committee of each track with the dossiers it will see — those already
présélectionnés, not decided, and heard (or not called to a hearing, or heard by then).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.french import compte, entier, nombre_fr, pourcentage
from models.pipeline_delays import (
    Position,
    Step,
    StepMeasure,
    Timeline,
    bottleneck,
    step_label,
)

TRACK_LABELS = {"projets": "Projets", "candidats": "Candidatures", "missions": "Missions"}
WAITING_FOR = {Step.PRESELECTION: "ses évaluations", Step.AUDITION: "son audition",
               Step.DECISION: "le comité"}


def track_label(track: str) -> str:
    return TRACK_LABELS.get(track, track)


@dataclass(frozen=True)
class CommitteeOutlook:
    """A track's next committee and the dossiers it will see (heard, or not called,
    présélectionnés, not decided); those it will not, with why."""

    track: str
    date: datetime
    ready: tuple[int, ...]
    awaiting_hearing: tuple[int, ...]  # called to a hearing not held (nor booked) by then
    awaiting_evaluations: tuple[int, ...]  # filed, the triple evaluation not complete


def committee_outlook(track: str, date: datetime, timelines: Sequence[Timeline],
                      booked: Mapping[tuple[str, int], datetime]) -> CommitteeOutlook:
    """``booked``: (track, dossier) → the start of its hearing booked, not held yet."""
    ready, hearing, evaluations = [], [], []
    for timeline in timelines:
        if timeline.track != track or not timeline.waits_for(Step.DECISION):
            continue
        if timeline.dates.get(Step.PRESELECTION) is None:
            evaluations.append(timeline.dossier)
            continue
        if Step.AUDITION in timeline.dates and timeline.dates[Step.AUDITION] is None:
            when = booked.get((track, timeline.dossier))
            if when is None or when > date:
                hearing.append(timeline.dossier)
                continue
        ready.append(timeline.dossier)
    return CommitteeOutlook(track, date, tuple(sorted(ready)), tuple(sorted(hearing)),
                            tuple(sorted(evaluations)))


@dataclass(frozen=True)
class Report:
    now: datetime
    measures: tuple[StepMeasure, ...]
    positions: tuple[Position, ...]
    committees: tuple[CommitteeOutlook, ...]

    @property
    def open(self) -> list[Position]:
        """Dossiers still on their way (not decided)."""
        return [p for p in self.positions if p.next is not None]

    @property
    def late(self) -> list[Position]:
        return [p for p in self.positions if p.late is not None]

    @property
    def bottleneck(self) -> StepMeasure | None:
        return bottleneck(self.measures)


def days_fr(days: float | None) -> str:
    return "—" if days is None else f"{nombre_fr(days, 1)} j"


def dossier_ref(position: Position) -> str:
    timeline = position.timeline
    mission = f" (mission n° {timeline.mission})" if timeline.mission else ""
    return f"n° {timeline.dossier}{mission}"


def measure_row(measure: StepMeasure) -> dict[str, Any]:
    """One step's figures, French values keyed by their labels (artifact and email)."""
    target = measure.target
    return {
        "Parcours": track_label(target.track),
        "Étape": target.label,
        "Délai promis": compte(round(target.days), "jour"),
        "Franchie par": entier(measure.done),
        "Dans le délai": "—" if measure.within_share is None else pourcentage(
            round(measure.within_share, 3)),
        "Médiane": days_fr(measure.p50),
        "90 % en": days_fr(measure.p90),
        "95 % en": days_fr(measure.p95),
        "Max": days_fr(measure.max),
        "En attente": entier(measure.waiting),
        "En retard": entier(len(measure.late)),
    }


def late_row(position: Position) -> dict[str, Any]:
    timeline, next_step = position.timeline, position.next
    return {
        "Parcours": track_label(timeline.track),
        "Dossier": dossier_ref(position),
        "Attend": step_label(timeline.track, next_step) if next_step else "—",
        "Depuis": days_fr(position.waited),
        "Délai promis": compte(round(position.target.days), "jour") if position.target
        else "—",
        "Retard": days_fr(position.late),
    }


def where_rows(report: Report) -> list[dict[str, Any]]:
    """Per track and awaited step: how many dossiers wait there, how many are late."""
    counts: dict[tuple[str, Step], list[int]] = {}
    for position in report.open:
        assert position.next is not None
        entry = counts.setdefault((position.timeline.track, position.next), [0, 0])
        entry[0] += 1
        entry[1] += position.late is not None
    return [{"Parcours": track_label(track), "En attente de": step_label(track, step),
             "Dossiers": entier(n), "En retard": entier(late)}
            for (track, step), (n, late) in counts.items()]


def bottleneck_sentence(measure: StepMeasure | None) -> str:
    if measure is None or measure.p90 is None:
        return "Aucune étape n'a encore assez de dossiers pour dire laquelle est la plus tendue."
    target = measure.target
    holds = "tient son délai" if measure.p90 <= target.days else "dépasse son délai"
    return (f"Étape la plus tendue : {track_label(target.track)} — {target.label} ; "
            f"{pourcentage(0.9)} des dossiers l'ont franchie en {days_fr(measure.p90)} pour "
            "un délai de "
            f"{compte(round(target.days), 'jour')} : elle {holds}.")


def headline(report: Report, day: str) -> str:
    """The run's one line: ``day`` is the report's date in French."""
    worst = report.bottleneck
    tense = (f" ; étape la plus tendue : {track_label(worst.target.track)} — "
             f"{worst.target.label} ({pourcentage(0.9)} en {days_fr(worst.p90)} pour "
             f"{compte(round(worst.target.days), 'jour')})") if worst else ""
    return (f"Pipeline au {day} : {compte(len(report.open), 'dossier')} en cours, "
            f"{compte(len(report.late), 'en retard', 'en retard')}{tense}.")
