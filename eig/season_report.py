"""The report of a simulated season: per track and step the delays against the
programme's targets (the measures pipeline-report computes on the live store), the
bottleneck, the evaluators' load, whether the promises held and what to change; charts,
a CSV of every dossier's dates, a French summary."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from connectors.documents.charts import cumulative_delays, funnel_chart, waterfall
from connectors.store.engine import store_sessions
from connectors.store.timelines import timelines, track_sources
from eig.season import SeasonRun
from models.french import compte, date_tableur, entier, nombre_fr, pourcentage
from models.pipeline_delays import (
    Step,
    StepMeasure,
    Timeline,
    bottleneck,
    funnel,
    measure,
    step_label,
)
from models.pipeline_report import bottleneck_sentence, days_fr, measure_row, track_label
from models.season_verdict import (
    FirstCommittee,
    Load,
    Verdict,
    evaluator_load,
    first_committee,
    verdict,
)
from models.tables import Assignment, AssignmentRun, EvaluatorRow
from settings.config import load_config
from settings.delay_targets import delay_targets

CSV_STEPS = (Step.DEPOT, Step.PRESELECTION, Step.AUDITION, Step.DECISION,
             Step.MISSION_OUVERTE)
CSV_HEADERS = {Step.DEPOT: "Dépôt", Step.PRESELECTION: "Présélection (triple évaluation)",
               Step.AUDITION: "Audition", Step.DECISION: "Décision",
               Step.MISSION_OUVERTE: "Proposition sur la mission"}


@dataclass
class SeasonReport:
    run: SeasonRun
    timelines: list[Timeline]
    measures: list[StepMeasure]
    bottleneck: StepMeasure | None
    load: Load
    committee: FirstCommittee
    verdict: Verdict
    unassigned: int
    files: dict[str, str]

    def figures(self) -> dict[str, Any]:
        """The headline figures (what a variant is compared on)."""
        triple = {m.target.track: m for m in self.measures
                  if m.target.end == Step.PRESELECTION}
        return {
            "projets": self.run.arrivals.get("projets", 0),
            "candidats": self.run.arrivals.get("candidats", 0),
            **{f"triple_{t}": m.within_share for t, m in triple.items()},
            **{f"p95_{t}": m.p95 for t, m in triple.items()},
            "first_committee": (self.committee.decided_first, self.committee.due),
            "load_mean": self.load.mean, "load_max": self.load.max,
            "over_capacity": self.load.over_capacity, "holds": self.verdict.holds,
        }


def build_report(run: SeasonRun) -> SeasonReport:
    """Measure the season's store as of its last day; write the files under its folder."""
    config = load_config(run.folder / "eig.yaml")
    with store_sessions(run.database_url) as sessions, sessions() as session:
        found = timelines(session, track_sources(config), run.end)
        tasks = [(email, created.date()) for email, created in session.execute(
            select(Assignment.evaluator_email, Assignment.created_at))]
        capacities = dict(session.execute(select(EvaluatorRow.email,
                                                 EvaluatorRow.monthly_capacity)).all())
        unassigned = session.scalar(select(func.count()).select_from(AssignmentRun).where(
            AssignmentRun.unassigned > 0)) if hasattr(AssignmentRun, "unassigned") else 0
    measures = measure(found, delay_targets(config), run.end)
    load = evaluator_load(tasks, capacities, _months(run.params.start, run.params.days))
    sittings = [at for at, track in run.committees if track == "projets"]
    committee = first_committee(found, sittings)
    report = SeasonReport(run, found, measures, bottleneck(measures), load, committee,
                          verdict(measures, committee, load, int(unassigned or 0)),
                          int(unassigned or 0), {})
    report.files = write_files(report, run.folder)
    return report


def _months(start: date, days: int) -> list[tuple[int, int]]:
    months: list[tuple[int, int]] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if (day.year, day.month) not in months:
            months.append((day.year, day.month))
    return months


def write_files(report: SeasonReport, folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"csv": folder / "dossiers-dates.csv", "courbes": folder / "delais-cumules.png",
             "cascade": folder / "delais-par-etape.png", "entonnoir": folder / "entonnoir.png",
             "resume": folder / "resume.md"}
    files["csv"].write_text(dates_csv(report.timelines), encoding="utf-8-sig")
    files["courbes"].write_bytes(cumulative_delays(report.measures))
    files["cascade"].write_bytes(waterfall(report.measures))
    files["entonnoir"].write_bytes(funnel_chart(funnel(report.timelines)))
    files["resume"].write_text(markdown(report), encoding="utf-8")
    return {name: str(path) for name, path in files.items()}


def dates_csv(found: list[Timeline]) -> str:
    """Every dossier's dates, one row each (a candidate proposed on a mission: one row per
    mission), for a French spreadsheet: ";" between cells, Paris time."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["Parcours", "Dossier", "Mission", *CSV_HEADERS.values()])
    for timeline in found:
        writer.writerow([track_label(timeline.track), timeline.dossier, timeline.mission or "",
                         *(date_tableur(timeline.dates.get(step)) for step in CSV_STEPS)])
    return out.getvalue()


def measure_rows(report: SeasonReport) -> list[dict[str, Any]]:
    return [measure_row(m) for m in report.measures]


def summary_lines(report: SeasonReport) -> list[str]:
    """The report in French, for the terminal."""
    run, load, committee = report.run, report.load, report.committee
    lines = [
        f"Saison simulée : {compte(run.params.weeks, 'semaine')} à partir du "
        f"{run.params.start.isoformat()}, graine {run.params.seed} ; "
        f"{compte(run.arrivals.get('projets', 0), 'projet')}, "
        f"{compte(run.arrivals.get('candidats', 0), 'candidature')} ; "
        f"{compte(run.params.roster, 'évaluateur')} (capacité {run.params.capacity} par mois).",
        "",
    ]
    for m in report.measures:
        share = "—" if m.within_share is None else pourcentage(round(m.within_share, 3))
        lines.append(f"  {track_label(m.target.track)} — {m.target.label} "
                     f"(délai {compte(round(m.target.days), 'jour')}) : "
                     f"{entier(m.done)} franchie(s), médiane {days_fr(m.p50)}, "
                     f"90 % {days_fr(m.p90)}, 95 % {days_fr(m.p95)}, max {days_fr(m.max)} ; "
                     f"dans le délai : {share} ; en attente : {entier(m.waiting)}")
    lines += [
        "",
        bottleneck_sentence(report.bottleneck),
        f"Charge des évaluateurs : {nombre_fr(load.mean, 1)} tâche(s) par évaluateur et par "
        f"mois en moyenne, {entier(load.max)} au plus ; "
        f"{pourcentage(round(load.over_capacity, 3))} des mois-évaluateurs au-delà de la "
        "capacité.",
        f"Projets décidés au premier comité après présélection et soutenance : "
        f"{entier(committee.decided_first)} sur {entier(committee.due)}"
        + (f" (manqués : {', '.join(map(str, committee.missed[:10]))})"
           if committee.missed else "") + ".",
    ]
    if run.failures:
        stages = sorted({stage for _, stage, _ in run.failures})
        day, stage, error = run.failures[0]
        lines.append(f"Incidents : {compte(len(run.failures), 'run en échec', 'runs en échec')} "
                     f"({', '.join(stages)}) ; le premier, le {day} ({stage}) : {error}")
    if report.verdict.holds:
        lines.append("Les promesses tiennent : ≥ 95 % des triples évaluations dans leur délai, "
                     "chaque projet décidé à son premier comité.")
    else:
        lines.append("Les promesses ne tiennent pas. À changer : "
                     + " ; ".join(report.verdict.advice) + ".")
    return lines


def markdown(report: SeasonReport) -> str:
    """The report as the simulate-season artifact (and resume.md)."""
    rows = measure_rows(report)
    head = list(rows[0]) if rows else []
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + [
        "| " + " | ".join(str(v) for v in row.values()) + " |" for row in rows]
    lines = summary_lines(report)
    return "\n".join([f"# {lines[0]}", "", *table, "", *lines[2:], ""])


def step_name(track: str, step: Step) -> str:
    return step_label(track, step)
