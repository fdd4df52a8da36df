"""score-dossiers: from the evaluators' forms to a ranking the committee can trust.

The story of a run: sync the evaluation démarche and collect its forms (invalid ones are
kept with the reason and their evaluator told what to fix), then per track aggregate the
valid evaluations (means, medians, weighted total, thresholds, quorum), calibrate the
evaluators' harshness beside the raw scores, flag what needs discussion, rank with the
configured tie-breaks, store the scores and — only where they changed — write them back
to DS (private annotations and a label) through the outbox.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.documents import score_distributions_png
from connectors.store import outbox
from flows.collect_forms import CollectReport, collect_forms, rejected_line
from flows.ds_pull import SyncParameters, pull
from flows.guard import stage_lease
from flows.handover import hand_over
from flows.reporting import (
    artifacts_wanted,
    conclude,
    labelled,
    publish_markdown,
    publish_table,
)
from flows.runtime import Runtime, open_runtime
from models.evaluation_forms import FormKind, FormStatus
from models.evaluation_inputs import AssignmentStatus
from models.french import compte, nombre_fr
from models.outbox import Kind, ds_key
from models.outside_text import texte_tableur
from models.score_publication import annotation_values, publication
from models.scoring import (
    DossierInfo,
    EvaluationScores,
    TrackScores,
    score_track,
)
from models.scoring.ranking import HEADERS_FR, french_values
from models.tables import Assignment, Dossier, DossierScore
from models.tables import Evaluation as EvaluationRow
from settings.config import scoring_rules


class ScoreParameters(BaseModel):
    """Run form of the score-dossiers deployment."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    tracks: list[str] = Field(default_factory=list, title="Parcours",
                              description="projets, candidats ; vide : tous.")
    sync_first: bool = Field(default=True, title="Synchroniser d'abord",
                             description="Relire la démarche d'évaluation et en rattacher "
                             "les formulaires avant de calculer.")
    publish: bool = Field(default=True, title="Écrire dans DS",
                          description="Annotations privées (note, rang, alertes, nombre "
                          "d'évaluations) et étiquette, seulement si elles changent.")


def track_inputs(session: Session, rt: Runtime, track: str
                 ) -> tuple[list[EvaluationScores], list[DossierInfo]]:
    """The counted evaluations of a track, and its dossiers in evaluation (those with at
    least one assignment), each knowing whether its quorum may be k−1."""
    demarche = rt.config.demarches[rt.config.tracks[track].demarche].number
    assignments = list(session.scalars(select(Assignment).where(Assignment.track == track)))
    successors = {a.replaces_id for a in assignments if a.replaces_id is not None}
    reduced = {a.dossier_number for a in assignments
               if (a.status in (AssignmentStatus.DECLINED, AssignmentStatus.REPLACED)
                   and a.id not in successors)
               or (a.status_reason or "").startswith("remplacement impossible")}
    numbers = {a.dossier_number for a in assignments}
    dossiers = [DossierInfo(int(number), filed, int(number) in reduced)
                for number, filed in session.execute(select(
                    Dossier.number, Dossier.date_depot).where(
                    Dossier.demarche_number == demarche, Dossier.number.in_(numbers),
                    Dossier.hidden.is_(False), Dossier.deleted.is_(False)))]
    known = {d.number for d in dossiers}
    evaluations = [EvaluationScores(int(number), email or "", dict(scores), submitted or recorded)
                   for number, email, scores, submitted, recorded in session.execute(select(
                       EvaluationRow.dossier_number, EvaluationRow.evaluator_email,
                       EvaluationRow.scores, EvaluationRow.submitted_at,
                       EvaluationRow.recorded_at).where(
                       EvaluationRow.track == track, EvaluationRow.status == FormStatus.VALID,
                       EvaluationRow.kind == FormKind.EVALUATION).order_by(EvaluationRow.id))
                   if int(number) in known]
    return evaluations, dossiers


@task(name="collect-evaluation-forms", cache_policy=NO_CACHE)
def collect_evaluations(rt: Runtime) -> CollectReport:
    return collect_forms(rt)


@task(name="score-track", cache_policy=NO_CACHE)
def score_one_track(rt: Runtime, track: str, publish: bool) -> dict[str, Any]:
    with rt.sessions() as session:
        evaluations, dossiers = track_inputs(session, rt, track)
    scores = score_track(evaluations, dossiers, scoring_rules(rt.config.tracks[track]))
    published = record_scores(rt, track, scores, publish)
    return {"track": track, "scores": scores, "evaluations": evaluations,
            "published": published}


def record_scores(rt: Runtime, track: str, scores: TrackScores, publish: bool) -> int:
    """Store every dossier's scores; record the write-back of those whose annotations or
    label changed (one transaction). Returns how many dossiers are written back."""
    config = rt.config.tracks[track]
    demarche = rt.config.demarches[config.demarche]
    mapping = {key: (m.id, m.type) for key, m in demarche.annotations.items()}
    now = rt.clock()
    changed = 0
    with rt.sessions.begin() as session:
        rows = {r.dossier_number: r for r in session.scalars(
            select(DossierScore).where(DossierScore.track == track))}
        for score in scores.dossiers:
            row = rows.get(score.number)
            if row is None:
                row = DossierScore(dossier_number=score.number, track=track, version=0)
                session.add(row)
            row.scores, row.scored_at = _as_json(asdict(score)), now
            target = publication(score)
            if not publish or target is None:
                continue
            values = _as_json(target.values)
            if values == row.published and target.label == row.label:
                continue
            row.version += 1
            _record_write_back(session, score.number, row, values, target.label, mapping, now)
            row.published, row.label, row.published_at = values, target.label, now
            changed += 1
    return changed


def _record_write_back(session: Session, number: int, row: DossierScore,
                       values: dict[str, Any], label: str | None,
                       mapping: dict[str, tuple[str, str]], now: datetime) -> None:
    version = f"v{row.version}"
    annotations = annotation_values(values, mapping)
    if annotations and values != row.published:
        outbox.record_effect(session, ds_key("annotations", number, f"scores-{version}"),
                             Kind.DS, "annotations", {"dossier": number,
                                                      "values": annotations}, now)
    if label != row.label:
        if row.label:
            outbox.record_effect(session, ds_key("label-remove", number, version), Kind.DS,
                                 "label_remove", {"dossier": number, "label": row.label}, now)
        if label:
            outbox.record_effect(session, ds_key("label", number, version), Kind.DS,
                                 "label_add", {"dossier": number, "label": label}, now)


def _as_json(value: Any) -> Any:
    """Plain JSON (tuples → lists, datetimes → ISO), so stored and new values compare."""
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def ranking_rows(track: str, scores: TrackScores) -> list[dict[str, Any]]:
    table = scores.table()
    table.insert(0, "track", track)
    return table.astype(object).where(pd.notna(table), None).to_dict("records")


def distributions_png(rt: Runtime, track: str, evaluations: list[EvaluationScores]) -> bytes:
    config = rt.config.tracks[track]
    given = {c.label: [e.scores[c.key] for e in evaluations if c.key in e.scores]
             for c in config.criteria}
    return score_distributions_png(f"{config.label} — distribution des notes par critère",
                                   given, config.scale.min, config.scale.max)


@flow(name="score-dossiers", timeout_seconds=1800,
      description="Agrège les évaluations (moyennes, seuils, quorum, "
      "calibration, alertes), classe les dossiers et écrit notes et étiquettes dans DS.")
def score_dossiers(params: ScoreParameters = ScoreParameters()) -> dict[str, Any]:  # noqa: B008 (frozen model)
    logger = get_run_logger()
    with open_runtime() as rt, stage_lease(rt, "score-dossiers"):
        if params.sync_first:
            pull(rt, SyncParameters(
                demarches=[rt.config.demarches["evaluations"].number], assign_new=False,
                collect_forms=False))
        collected = collect_evaluations(rt)
        tracks = params.tracks or list(rt.config.tracks)
        results = [score_one_track(rt, track, params.publish) for track in tracks]
        handed = hand_over(rt, "score-dossiers")
        reports = Path(rt.settings.documents_dir) / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        day = rt.clock().date().isoformat()
        plots = {r["track"]: distributions_png(rt, r["track"], r["evaluations"])
                 for r in results} if artifacts_wanted() else {}
    summary_tracks, lines = [], []
    for result in results:
        track, scores = result["track"], result["scores"]
        rows = ranking_rows(track, scores)
        path = reports / f"scores-{track}-{day}.png"
        if track in plots:
            path.write_bytes(plots[track])
        ranked = [d for d in scores.dossiers if d.rank is not None]
        line = (f"{track} : {compte(len(ranked), 'dossier classé', 'dossiers classés')}, "
                f"{len(scores.dossiers) - len(ranked)} en attente du quorum d'évaluations, "
                f"{sum(d.above_cut for d in ranked)} au-dessus de la barre, "
                f"{sum(bool(d.flags) for d in ranked)} à discuter")
        lines.append(line)
        publish_table(f"score-dossiers-{track}", [_shown_row(row) for row in rows],
                      f"Classement {line}. {scores.calibration_note or ''}".strip(),
                      empty="Aucun dossier")
        encoded = base64.b64encode(plots.get(track, b"")).decode()
        publish_markdown(
            f"score-distributions-{track}",
            f"# Distribution des notes — {track}\n\n"
            f"![distribution](data:image/png;base64,{encoded})\n\nFichier : `{path}`")
        summary_tracks.append({
            "track": track, "dossiers": len(scores.dossiers), "ranked": len(ranked),
            "pending": len(scores.dossiers) - len(ranked),
            "above_cut": sum(d.above_cut for d in ranked),
            "flagged": sum(bool(d.flags) for d in ranked),
            "written_back": result["published"],
            "plot": str(path) if track in plots else "",
            "calibration_note": scores.calibration_note, "ranking": rows})
    if (line := rejected_line(collected.rejected)) is not None:
        logger.warning("%s", line)
    headline = (f"Notes : {compte(collected.forms, 'formulaire lu', 'formulaires lus')}, "
                f"{compte(len(collected.rejected), 'écarté', 'écartés')} ; "
                + " ; ".join(lines) + " ; "
                f"{compte(sum(t['written_back'] for t in summary_tracks), 'dossier')} à "
                "mettre à jour dans DS.")
    return conclude({"forms": {"seen": collected.forms, "submitted": collected.submitted,
                               "rejected": len(collected.rejected), "fix_requests":
                               collected.fix_requests, "extra": collected.extra},
                     "tracks": summary_tracks,
                     "handed_over": handed}, headline)


RANKING_LABELS = {key: label[0].upper() + label[1:] for key, label in HEADERS_FR.items()}
"""The artifact's headers: the CSV's, capitalised."""


def _shown_row(row: dict[str, Any]) -> dict[str, Any]:
    """A ranking row for people: French labels and values, decimal commas."""
    def shown(value: Any) -> Any:
        if isinstance(value, float):
            return nombre_fr(value)
        return "—" if value is None else value
    return {label: shown(value) for label, value in
            labelled([french_values(row)], RANKING_LABELS)[0].items()}


def export_csv(summary: dict[str, Any], path: Path) -> int:
    """The ranking of every track of a run, one CSV for a French spreadsheet: ";" between
    cells, a decimal comma, UTF-8 with a BOM."""
    rows = [row for track in summary["tracks"] for row in track["ranking"]]
    table = pd.DataFrame([french_values(row) for row in rows])
    for column in table.select_dtypes(include="object").columns:
        table[column] = table[column].map(lambda v: texte_tableur(v) if isinstance(v, str)
                                          else v)
    table.rename(columns=HEADERS_FR).to_csv(path, index=False, sep=";", decimal=",",
                                            encoding="utf-8-sig")
    return len(rows)
