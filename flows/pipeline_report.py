"""pipeline-report: every morning, the live pipeline against the programme's delays.

The story of a run: read every dossier's timeline from the store, measure each step
against its delay (models.pipeline_delays), place each dossier (the step it waits for,
since when, how late), look up the next committee of each track (the deliberate
deployments' schedules) and who it will see; draw the charts (PNG under
``EIG_DOCUMENTS_DIR/reports/``), publish it all as the run's artifact, and — on Mondays,
by the run's clock — record the week's email to the team (``mail:pipeline-report:<week>``:
once a week, whatever the runs) with the charts attached, handed over to the email lane.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from connectors.documents import render_email
from connectors.documents.charts import cumulative_delays, funnel_chart, waterfall
from connectors.store import outbox
from connectors.store.timelines import booked_hearings, timelines, track_sources
from flows.committee_calendar import next_committees
from flows.delivery.task_emails import programme
from flows.handover import hand_over
from flows.reporting import conclude, publish_markdown, publish_table
from flows.runtime import Runtime, open_runtime
from models.french import compte, date_fr, datetime_fr
from models.outbox import Kind, mail_key
from models.paris_time import PARIS
from models.pipeline_delays import funnel, measure, positions
from models.pipeline_report import (
    Report,
    bottleneck_sentence,
    committee_outlook,
    headline,
    late_row,
    measure_row,
    track_label,
    where_rows,
)
from settings.delay_targets import delay_targets

CHARTS = {"delais": "délais cumulés par étape", "cascade": "cascade des délais",
          "entonnoir": "entonnoir des étapes"}
EmailWhen = Literal["lundi", "toujours", "jamais"]


class PipelineReportParameters(BaseModel):
    """Run form of pipeline-report."""

    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    email: EmailWhen = Field(
        default="lundi", title="Courriel à l'équipe",
        description="lundi : le lundi seulement ; toujours : aussi un autre jour (une fois "
        "par semaine au plus, comme le lundi) ; jamais : l'artefact seul.")
    late_listed: int = Field(default=30, ge=1, le=500, title="Dossiers en retard listés",
                             description="Au plus ce nombre, les plus en retard d'abord.")


@dataclass
class Charts:
    """The report's PNGs: their files and their bytes (attached to the email)."""

    paths: dict[str, str]
    data: dict[str, bytes]


@task(name="read-pipeline", cache_policy=NO_CACHE)
def read_pipeline(rt: Runtime, now: datetime) -> tuple[Report, dict[str, Any]]:
    """The report's figures from the store, and the funnel."""
    targets = delay_targets(rt.config)
    with rt.sessions() as session:
        found = timelines(session, track_sources(rt.config), now)
        booked = booked_hearings(session, now)
    committees = tuple(committee_outlook(track, date, found, booked)
                       for track, date in sorted(next_committees(now).items()))
    report = Report(now, tuple(measure(found, targets, now)),
                    tuple(positions(found, targets, now)), committees)
    return report, funnel(found)


@task(name="draw-charts", cache_policy=NO_CACHE)
def draw_charts(rt: Runtime, report: Report, counts: dict[str, Any]) -> Charts:
    """The three charts, written under ``EIG_DOCUMENTS_DIR/reports/``."""
    data = {"delais": cumulative_delays(report.measures), "cascade": waterfall(report.measures),
            "entonnoir": funnel_chart(counts)}
    folder = Path(rt.settings.documents_dir) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    day = report.now.astimezone(PARIS).date().isoformat()
    paths = {}
    for name, png in data.items():
        path = folder / f"pipeline-{day}-{name}.png"
        path.write_bytes(png)
        paths[name] = str(path)
    return Charts(paths, data)


def iso_week(now: datetime) -> str:
    year, week, _ = now.astimezone(PARIS).isocalendar()
    return f"{year}-W{week:02d}"


def report_key(now: datetime) -> str:
    return mail_key("pipeline-report", iso_week(now))


def email_due(now: datetime, when: EmailWhen) -> bool:
    """Monday in Paris (``lundi``), any day (``toujours``), never (``jamais``)."""
    return when == "toujours" or (when == "lundi" and now.astimezone(PARIS).weekday() == 0)


def email_context(rt: Runtime, report: Report, late_listed: int) -> dict[str, Any]:
    """The context of ``emails/pipeline_report``: French values, ready to show."""
    return {
        "jour": report.now,
        "en_cours": len(report.open),
        "en_retard": len(report.late),
        "etapes": [measure_row(m) for m in report.measures],
        "goulot": bottleneck_sentence(report.bottleneck),
        "comites": [{"parcours": track_label(c.track), "date": c.date,
                     "prets": list(c.ready), "audition": len(c.awaiting_hearing),
                     "evaluations": len(c.awaiting_evaluations)} for c in report.committees],
        "retards": [late_row(p) for p in report.late[:late_listed]],
        "retards_omis": max(len(report.late) - late_listed, 0),
        "graphiques": [f"pipeline-{report.now.astimezone(PARIS).date().isoformat()}-{name}.png"
                       f" ({label})" for name, label in CHARTS.items()],
        "programme": programme(rt),
    }


@task(name="record-team-email", cache_policy=NO_CACHE)
def record_team_email(rt: Runtime, report: Report, charts: Charts, late_listed: int
                      ) -> bool:
    """The week's email to the team, with the charts; False when this week's already is."""
    rendered = render_email("pipeline_report", email_context(rt, report, late_listed))
    payload = {"to": [{"email": email} for email in rt.config.evaluation.team],
               "subject": rendered.subject, "text": rendered.text, "html": rendered.html,
               "reply_to": {"email": rt.config.evaluation.contact},
               "attachments": [{"filename": Path(charts.paths[name]).name,
                                "content_type": "image/png",
                                "content_b64": base64.b64encode(png).decode()}
                               for name, png in charts.data.items()]}
    with rt.sessions.begin() as session:
        return outbox.record_effect(session, report_key(report.now), Kind.EMAIL, "send",
                                    payload, report.now)


@flow(name="pipeline-report", timeout_seconds=600,
      description="Chaque matin, le pipeline face aux délais du programme : où en est "
      "chaque dossier, depuis quand, ce qui est en retard, le prochain comité et les "
      "dossiers qu'il verra, avec les graphiques ; le lundi, un courriel à l'équipe.")
def pipeline_report(params: PipelineReportParameters = PipelineReportParameters()  # noqa: B008 (frozen model)
                    ) -> dict[str, Any]:
    with open_runtime() as rt:
        now = rt.clock()
        report, counts = read_pipeline(rt, now)
        charts = draw_charts(rt, report, counts)
        emailed = email_due(now, params.email)
        recorded = record_team_email(rt, report, charts, params.late_listed) if emailed \
            else False
        handed = hand_over(rt, "pipeline-report")
    day = date_fr(now)
    line = headline(report, day)
    if emailed:
        line += (" Courriel de la semaine à l'équipe "
                 + ("confié à la livraison." if recorded else "déjà envoyé."))
    publish(report, charts, line, params.late_listed)
    worst = report.bottleneck
    return conclude({"date": now.astimezone(PARIS).date().isoformat(),
                     "open": len(report.open), "late": len(report.late),
                     "late_dossiers": [[p.timeline.track, p.timeline.dossier,
                                        p.timeline.mission] for p in report.late],
                     "bottleneck": worst.target.label if worst else None,
                     "committees": {c.track: {"date": c.date.isoformat(),
                                              "ready": list(c.ready)}
                                    for c in report.committees},
                     "charts": charts.paths, "email": {"due": emailed, "recorded": recorded,
                                                       "key": report_key(now)},
                     "handed_over": handed}, line)


def publish(report: Report, charts: Charts, line: str, late_listed: int) -> None:
    """The run's artifacts: the report (markdown) and the late dossiers (table)."""
    rows = [measure_row(m) for m in report.measures]
    parts = [f"# {line}", "", "## Délais par étape", "", _table(rows), "",
             bottleneck_sentence(report.bottleneck), "", "## Où en sont les dossiers", "",
             _table(where_rows(report)) or "Aucun dossier en cours.", "",
             "## Prochains comités", ""]
    for c in report.committees:
        ready = ", ".join(f"n° {n}" for n in c.ready) or "aucun"
        parts.append(f"- {track_label(c.track)} : {datetime_fr(c.date)} ; "
                     f"{compte(len(c.ready), 'dossier prêt', 'dossiers prêts')} ({ready}) ; "
                     f"{compte(len(c.awaiting_hearing), 'dossier', 'dossiers')} en attente "
                     f"d'audition, {compte(len(c.awaiting_evaluations), 'dossier')} "
                     "en attente d'évaluations")
    if not report.committees:
        parts.append("Aucun comité planifié (prefect.yaml, déploiements deliberate).")
    late = report.late
    parts += ["", f"## En retard ({len(late)})", "",
              _table([late_row(p) for p in late[:late_listed]]) or "Aucun dossier en retard.",
              "", "## Graphiques", ""]
    parts += [f"- {label} : `{charts.paths[name]}`" for name, label in CHARTS.items()]
    publish_markdown("pipeline-report", "\n".join(parts) + "\n", description=line)
    publish_table("pipeline-report-retards", [late_row(p) for p in late[:late_listed]],
                  f"Dossiers en retard sur les délais du programme ({len(late)}), les plus en "
                  "retard d'abord.", empty="Aucun dossier en retard")


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(row[h]) for h in headers) + " |" for row in rows]
    return "\n".join(lines)
