"""assign-evaluators: give each dossier of a track its k evaluators, explainably.

The story of a run, per track: read the roster and the dossiers still waiting for
evaluators, check there are enough slots of each kind (a message names the binding
constraint otherwise), solve (min-cost flow, or an exact MILP when the profile mix applies),
then record the assignments, their reasons, each dossier's alternates and the emails
that announce them — in one transaction — and deliver those emails.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from connectors.store.assignments import evaluator_specs, team_state, track_dossier_specs
from connectors.store.repository import dialect_insert
from flows.guard import stage_lease
from flows.handover import hand_over
from flows.replacement import create_assignment, task_due
from flows.reporting import conclude, publish_table
from flows.runtime import Runtime, open_runtime
from models.assignment import AssignmentResult, check_capacity, solve
from models.french import compte, nombre_fr
from models.tables import Alternates, AssignmentRun


class AssignParameters(BaseModel):
    """Run form of the assign-evaluators deployment."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    tracks: list[str] = Field(default_factory=list, title="Parcours",
                              description="projets, candidats ; vide : tous.")
    mix: bool = Field(default=True, title="Mixité des profils",
                      description="Projets : au moins un évaluateur senior ; candidats : au "
                      "moins un évaluateur de la famille de la spécialité.")
    seed: int = Field(default=0, description="Graine du solveur (résultats reproductibles).")
    time_limit_s: float = Field(default=5.0, gt=0, title="Temps de calcul (s)",
                                description="Secondes de calcul par parcours avec la mixité. "
                                "Au-delà, la meilleure affectation trouvée est retenue (au "
                                "moins celle du flot), avec l'écart à l'optimum qu'on a pu "
                                "prouver.")


@task(name="assign-track", cache_policy=NO_CACHE)
def assign_track(rt: Runtime, track: str, params: AssignParameters) -> dict[str, Any]:
    config = rt.config.tracks[track]
    demarche = rt.config.demarches[config.demarche]
    now = rt.clock()
    window = (now.date(), (now + timedelta(days=config.evaluation_days)).date())
    with rt.sessions() as session:
        state = team_state(session)
        evaluators = evaluator_specs(session, state.load, *window)
        dossiers = track_dossier_specs(session, demarche.number, track,
                                       config.evaluators_per_dossier, state.teams,
                                       dict(config.specialty_families),
                                       former=state.former)
    waiting = [d for d in dossiers if d.needed > 0]
    blocking = check_capacity(waiting, evaluators, mix=params.mix)
    started = time.perf_counter()
    result = solve(waiting, evaluators, mix=params.mix, seed=params.seed,
                   time_limit_s=params.time_limit_s)
    seconds = time.perf_counter() - started
    created = _record(rt, track, result, evaluators, blocking)
    return {"track": track, "dossiers": len(waiting), "assigned": len(result.assignments),
            "unassigned": result.unassigned, "capacity_warnings": blocking,
            "solver": result.solver, "status": result.status, "objective": result.objective,
            "bound": result.bound, "gap": result.gap, "seconds": round(seconds, 3),
            "assignments": created,
            "loads": _loads(evaluators, state.load, result)}


def _record(rt: Runtime, track: str, result: AssignmentResult, evaluators: list,
            blocking: list[str]) -> list[dict[str, Any]]:
    """Assignments, alternates, the run and the task emails: one transaction."""
    now = rt.clock()
    due = task_due(rt.config, track, now)
    names = {e.email: e for e in evaluators}
    created = []
    with rt.sessions.begin() as session:
        run = AssignmentRun(track=track, solver=result.solver, input_hash=result.input_hash,
                            seed=result.seed, objective=result.objective, started_at=now,
                            summary={"unassigned": {str(k): v for k, v in
                                                    result.unassigned.items()},
                                     "capacity_warnings": blocking, "status": result.status,
                                     "bound": result.bound, "gap": result.gap})
        session.add(run)
        session.flush()
        for item in result.assignments:
            create_assignment(session, dossier=item.dossier, evaluator=item.evaluator,
                              track=track, now=now, due=due, reasons=dict(item.reasons),
                              run_id=run.id)
            created.append({"dossier": item.dossier, "evaluator": item.evaluator,
                            "reasons": dict(item.reasons),
                            "organisation": names[item.evaluator].organisation})
        for number, alternates in result.alternates.items():
            stmt = dialect_insert(session, Alternates).values(
                dossier_number=number, evaluators=list(alternates), run_id=run.id)
            session.execute(stmt.on_conflict_do_update(
                index_elements=["dossier_number"],
                set_={"evaluators": stmt.excluded.evaluators, "run_id": stmt.excluded.run_id}))
    return created


STATUS_FR = {
    "OPTIMAL": "optimal (prouvé)",
    "GAP_OK": "à moins de 0,05 % de l'optimum (prouvé)",
    "TIME_LIMIT": "meilleure affectation trouvée dans le temps imparti",
    "FLOW": "affectation du flot, non améliorée dans le temps imparti",
    "HEURISTIC": "affectation gloutonne, meilleure que le flot dans le temps imparti",
}


def _solve_row(r: dict[str, Any]) -> dict[str, Any]:
    """One line of the calculation artifact, in French (écart in %, "—" when unknown)."""
    gap = "—" if r["gap"] is None else f"{nombre_fr(100 * r['gap'], 3)}\u00a0%"
    return {"Parcours": r["track"], "Dossiers": r["dossiers"], "Affectations": r["assigned"],
            "Solveur": r["solver"], "Statut": STATUS_FR.get(r["status"], r["status"]),
            "Objectif": r["objective"], "Borne": "—" if r["bound"] is None else r["bound"],
            "Écart": gap, "Secondes": nombre_fr(r["seconds"], 3)}


def _loads(evaluators: list, before: Counter[str], result: AssignmentResult) -> list[dict]:
    added = Counter(a.evaluator for a in result.assignments)
    return [{"evaluator": e.email, "load": before[e.email] + added[e.email],
             "capacity_left": e.capacity - added[e.email]} for e in evaluators]


@flow(name="assign-evaluators", timeout_seconds=1800,
      description="Affecte trois évaluateurs à chaque dossier en "
      "présélection (projets) ou en évaluation (candidats).")
def assign_evaluators(params: AssignParameters = AssignParameters()) -> dict[str, Any]:  # noqa: B008 (frozen model)
    logger = get_run_logger()
    with open_runtime() as rt, stage_lease(rt, "assignments"):
        tracks = params.tracks or list(rt.config.tracks)
        results = [assign_track(rt, track, params) for track in tracks]
        handed = hand_over(rt, "assign-evaluators")
    for result in results:
        for warning in result["capacity_warnings"]:
            logger.warning("%s: %s", result["track"], warning)
    headline = "Affectation : " + (" ; ".join(
        f"{r['track']} : {compte(r['assigned'], 'affectation')} pour "
        f"{compte(r['dossiers'], 'dossier')}"
        + (f", {compte(len(r['unassigned']), 'dossier non affecté', 'dossiers non affectés')}"
           if r["unassigned"] else "") for r in results) or "aucun parcours") + "."
    publish_table(
        "assign-evaluators-calcul", [_solve_row(r) for r in results],
        headline + " Qualité de chaque calcul : objectif (affinités moins coût de charge), "
        "borne supérieure prouvée et écart relatif entre les deux.")
    publish_table(
        "assign-evaluators-dossiers",
        [{"Parcours": r["track"], "Dossier": a["dossier"], "Évaluateur": a["evaluator"],
          "Pourquoi": "; ".join(f"{k} : {v}" for k, v in a["reasons"].items())}
         for r in results for a in r["assignments"]],
        "Affectations de ce run, avec leurs raisons.", empty="Aucune affectation")
    publish_table(
        "assign-evaluators-charge",
        [{"Parcours": r["track"], "Évaluateur": load["evaluator"], "Charge": load["load"],
          "Capacité restante": load["capacity_left"]} for r in results for load in r["loads"]],
        "Charge de chaque évaluateur après ce run, et capacité restante.",
        empty="Aucun évaluateur")
    return conclude({"tracks": [{k: v for k, v in r.items() if k not in ("assignments", "loads")}
                                | {"assigned": r["assigned"]} for r in results],
                     "handed_over": handed}, headline)
