"""`eig`: run each pipeline stage locally, inspect the store, serve the DS sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from eig.prefect_env import apply_defaults
from eig.summaries import render_sync_summary
from models.french import compte as _count
from models.french import nombre_fr as _decimal
from models.quote import quoted

apply_defaults()

app = typer.Typer(help="Pipeline de sélection EIG (Démarches Simplifiées → Prefect).",
                  no_args_is_help=True, add_completion=False)


@app.callback()
def _upgrade_store(ctx: typer.Context) -> None:
    """Every command first brings the store to the latest migration."""
    if ctx.invoked_subcommand in ("sandbox", "demo", "mailbox", "mailserver",
                                  "setup", "simulate"):  # no store (simulate: its own)
        return
    from flows.runtime import open_store
    from settings.environment import Settings

    open_store(Settings().database_url).dispose()


@app.command()
def sync(
    full: Annotated[bool, typer.Option("--full", help="Relire tout depuis le début.")] = False,
    reconcile: Annotated[bool, typer.Option(
        "--reconcile", help="Re-scanner numéros, états et étiquettes.")] = False,
    demarche: Annotated[list[int] | None, typer.Option(
        "--demarche", "-d", help="Numéro DS d'une démarche (répétable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Résumé JSON lisible par machine.")]
    = False,
) -> None:
    """Synchronise les dossiers DS dans la base (flow sync-dossiers)."""
    from flows.pipeline import sync as sync_and_follow
    from flows.sync import SyncParameters

    state, summary = sync_and_follow(
        _parameters(SyncParameters, dict(demarches=demarche or [], full=full,
                                          reconcile=reconcile)))
    if not isinstance(summary, dict):  # the flow crashed before summarising
        typer.echo(f"sync-dossiers: {state.message or summary}", err=True)
        raise typer.Exit(2)
    if not as_json:
        typer.echo(render_sync_summary(summary))
    then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    if summary["status"] != "ok":
        raise typer.Exit(1)


@app.command()
def quarantine(
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Liste les dossiers en quarantaine (non conformes au mapping), les formulaires
    d'évaluation, de notation d'audition, de disponibilités et du vivier qui ne comptent pas
    et les dossiers de mission à corriger, avec le champ et la règle."""
    from connectors.store import repository as repo
    from connectors.store.engine import store_sessions
    from connectors.store.jury_forms import invalid_jury_forms
    from flows.vivier_forms import invalid_vivier_rows
    from settings.config import load_config
    from settings.environment import Settings

    settings = Settings()
    demarches = load_config(settings.config).demarches
    evaluations = demarches["evaluations"].number
    missions = demarches["missions"].number if "missions" in demarches else None
    with store_sessions(settings.database_url) as sessions, sessions() as session:
        rows = [{"demarche": e.demarche_number, "dossier": e.dossier_number, "field": e.field,
                 "rule": e.rule, "reason": e.reason, "first_seen": e.first_seen_at.isoformat(),
                 "last_seen": e.last_seen_at.isoformat(), "times_seen": e.times_seen}
                for e in repo.open_quarantine(session)]
        rows += [{"demarche": evaluations, "dossier": e.form_number, "field": e.problem_field,
                  "rule": "evaluation", "reason": e.problem,
                  "first_seen": e.recorded_at.isoformat(), "last_seen": e.updated_at.isoformat(),
                  "times_seen": len(e.history) + 1}
                 for e in repo.invalid_evaluations(session)]
        rows += [{"demarche": evaluations, "dossier": f.form_number, "field": f.problem_field,
                  "rule": "jury", "reason": f"notes d'audition : {f.problem}",
                  "first_seen": f.recorded_at.isoformat(), "last_seen": f.updated_at.isoformat(),
                  "times_seen": len(f.history) + 1}
                 for f in invalid_jury_forms(session)]
        rows += invalid_vivier_rows(session, load_config(settings.config))
        rows += _invalid_availability_forms(session, settings)
        rows += [{"demarche": missions, "dossier": m.dossier_number, "field": field,
                  "rule": "mission", "reason": reason,
                  "first_seen": m.created_at.isoformat(), "last_seen": m.updated_at.isoformat(),
                  "times_seen": 1}
                 for m in repo.mission_dossiers_aside(session)
                 for field, reason in ((m.problem_field, m.problem),
                                       (m.step_field, m.step_problem)) if reason]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("Aucun dossier en quarantaine.")
    from datetime import datetime

    from models.french import datetime_fr

    for row in rows:
        field = f", champ {row['field']}" if row["field"] else ""
        since = datetime_fr(datetime.fromisoformat(row["first_seen"]))
        typer.echo(f"démarche {row['demarche']}, dossier {row['dossier']}{field} : "
                   f"{row['reason']} (vu {_count(row['times_seen'], 'fois', 'fois')} depuis "
                   f"le {since})")


def _invalid_availability_forms(session: Any, settings: Any) -> list[dict[str, Any]]:
    """The availability forms set aside (démarche « disponibilites »), as quarantine rows."""
    from sqlalchemy import select

    from models.availability_forms import AvailabilityStatus
    from models.tables import AvailabilityForm
    from settings.config import load_config

    demarche = load_config(settings.config).demarches.get("disponibilites")
    if demarche is None:
        return []
    return [{"demarche": demarche.number, "dossier": f.form_number, "field": f.problem_field,
             "rule": "disponibilites", "reason": f.problem,
             "first_seen": f.recorded_at.isoformat(), "last_seen": f.updated_at.isoformat(),
             "times_seen": 1}
            for f in session.scalars(select(AvailabilityForm).where(
                AvailabilityForm.status == AvailabilityStatus.INVALID)
                .order_by(AvailabilityForm.form_number))]


roster_app = typer.Typer(help="Le vivier des évaluateurs.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="Fichier CSV ou YAML des évaluateurs.")],
    from_ds: Annotated[str | None, typer.Option(
        "--from-ds", metavar="DEMARCHE:GROUPE",
        help="Ajouter aussi les instructeurs de ce groupe instructeur DS (ceux absents du "
        "fichier prennent les valeurs par défaut ci-dessous).")] = None,
    profils: Annotated[str, typer.Option(help="Profils par défaut (séparés par |).")]
    = "produit",
    parcours: Annotated[str, typer.Option(help="Parcours par défaut (séparés par |).")]
    = "projets|candidats",
    capacite: Annotated[int, typer.Option(help="Capacité mensuelle par défaut.")] = 3,
    confirm_retire: Annotated[bool, typer.Option(
        "--confirm-retire", help="Accepter de retirer du vivier plus que la part "
        "configurée (roster.max_retire_share) des évaluateurs actifs.")] = False,
) -> None:
    """Importe le vivier d'évaluateurs : chaque ligne est validée, rien n'est importé à moitié."""
    from datetime import UTC, datetime

    from connectors.ds import DSError
    from connectors.roster_file import RosterFileError, read_roster_rows
    from connectors.store.engine import store_sessions
    from connectors.store.roster import RosterWipeError, replace_roster
    from models.roster import RosterValidationError, parse_roster
    from settings.config import load_config
    from settings.environment import Settings

    settings = Settings()
    config = load_config(settings.config)
    try:
        rows = read_roster_rows(file)
        if from_ds:
            rows += _groupe_rows(settings, from_ds, rows, profils.split("|"),
                                 parcours.split("|"), capacite)
        evaluators = parse_roster(rows, allowed_profiles=config.roster.profiles,
                                  allowed_tracks=list(config.tracks))
    except (RosterValidationError, RosterFileError, ValueError, DSError) as error:
        typer.echo(f"{file}, {error}" if isinstance(error, RosterValidationError)
                   and error.source is None else str(error), err=True)
        raise typer.Exit(1) from None
    share = None if confirm_retire else config.roster.max_retire_share
    try:
        with store_sessions(settings.database_url) as sessions, sessions.begin() as session:
            counts = replace_roster(session, evaluators, datetime.now(UTC), share)
    except RosterWipeError as error:
        typer.echo(f"{file} : {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{len(evaluators)} évaluateurs importés : {counts['added']} nouveaux, "
               f"{counts['updated']} mis à jour, {counts['retired']} retirés du vivier.")


def _groupe_rows(
    settings: Any, spec: str, rows: list[tuple[int, dict[str, Any]]], profiles: list[str],
    tracks: list[str], capacity: int,
) -> list[tuple[int, dict[str, Any]]]:
    """Roster rows for the instructeurs of DS groupe ``DEMARCHE:GROUPE`` not in the file."""
    from connectors.ds import groupe_instructeur_emails
    from flows.ds_access import ds_client
    from models.roster_from_ds import rows_for_groupe
    from settings.config import load_config
    from settings.environment import resolve_ds_token

    try:
        demarche, groupe = (int(part) for part in spec.split(":"))
    except ValueError:
        raise ValueError(f"--from-ds attend DEMARCHE:GROUPE (reçu {spec!r})") from None
    with ds_client(settings, load_config(settings.config), resolve_ds_token(settings)) as client:
        label, emails = groupe_instructeur_emails(client, demarche, groupe)
    known = {str(row.get("courriel", "")).strip().lower() for _, row in rows}
    first_line = max((line for line, _ in rows), default=1) + 1
    return rows_for_groupe(emails, label, known, first_line, profiles=profiles, tracks=tracks,
                           capacity=capacity)


@app.command()
def assign(
    track: Annotated[list[str] | None, typer.Option(
        "--track", "-t", help="projets ou candidats (répétable ; défaut : tous).")] = None,
    no_mix: Annotated[bool, typer.Option(
        "--no-mix", help="Sans contrainte de mixité des profils.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Affecte les évaluateurs aux dossiers en attente (flow assign-evaluators)."""
    from flows.assign import AssignParameters, assign_evaluators

    summary = assign_evaluators(_parameters(AssignParameters, dict(
        tracks=_tracks(track or []), mix=not no_mix)))
    then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    for t in summary["tracks"]:
        typer.echo(f"{t['track']} : {t['assigned']} affectations pour {t['dossiers']} dossiers "
                   f"({t['solver']}, {t['seconds']} s)")
        for warning in t["capacity_warnings"]:
            typer.echo(f"  capacité : {warning}")
        for number, why in t["unassigned"].items():
            typer.echo(f"  dossier {number} non affecté : {why}")


@app.command()
def effects(
    pending: Annotated[bool, typer.Option("--pending", help="Seulement ceux en attente.")]
    = False,
    failed: Annotated[bool, typer.Option(
        "--failed", help="Seulement ceux à examiner : en échec, abandonnés, incertains.")]
    = False,
    retry: Annotated[str | None, typer.Option(
        "--retry", metavar="KEY", help="Remettre cet effet en file ; « all » : tous ceux en "
        "échec ou abandonnés (par exemple après avoir remplacé un jeton expiré). Un effet "
        "incertain n'est remis en file que par sa clé, après vérification.")] = None,
    delivered: Annotated[str | None, typer.Option(
        "--delivered", metavar="KEY", help="Un effet incertain a bien été reçu (vérifié "
        "auprès du destinataire ou du relais) : le marquer délivré.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """La file des effets (écritures DS, courriels) : l'état de chaque voie et le plus ancien
    effet dû, la liste des effets, ou en remet un en file."""
    from datetime import UTC, datetime

    from connectors.store import outbox
    from connectors.store.engine import store_sessions
    from models.outbox import Status
    from settings.environment import Settings

    now = datetime.now(UTC)
    with store_sessions(Settings().database_url) as sessions:
        if retry or delivered:
            with sessions.begin() as session:
                count = (outbox.retry_effect(session, None if retry == "all" else retry, now)
                         if retry else outbox.confirm_delivered(session, delivered or "", now))
            if not count:
                typer.echo(f"aucun effet {retry!r} à réessayer" if retry else
                           f"aucun effet incertain {delivered!r}", err=True)
                raise typer.Exit(1)
            typer.echo(f"{_count(count, 'effet remis', 'effets remis')} en file (eig "
                       "deliver-effects les délivrera)" if retry else f"{delivered} marqué délivré")
            return
        statuses = ([Status.PENDING] if pending else []) + (
            [Status.FAILED, Status.DEAD, Status.UNCERTAIN] if failed else [])
        with sessions() as session:
            lanes = outbox.backlog(session, now)
            rows = [{"key": e.key, "lane": e.lane, "kind": e.kind, "action": e.action,
                     "status": e.status, "attempts": e.attempts, "last_error": e.last_error,
                     "updated_at": e.updated_at.isoformat()}
                    for e in outbox.list_effects(session, statuses or None)]
    if as_json:
        typer.echo(json.dumps({"lanes": [render_lane(b, as_json=True) for b in lanes],
                               "effects": rows}, ensure_ascii=False, indent=2))
        return
    for lane in lanes:
        typer.echo(render_lane(lane))
    if not rows:
        typer.echo("Aucun effet en échec, abandonné ou incertain." if failed
                   else "Aucun effet en attente." if pending else "Aucun effet.")
    for row in rows:
        line = f"{row['status']:<10} {row['lane']:<6} {row['key']}  ({row['attempts']} essai(s))"
        typer.echo(line + (f"\n           {row['last_error']}" if row["last_error"] else ""))


def render_lane(lane: Any, as_json: bool = False) -> Any:
    """One lane's backlog: a line for people, a dict for --json."""
    oldest = lane.oldest_due_at.isoformat() if lane.oldest_due_at else None
    if as_json:
        return {"lane": lane.lane, "due": lane.due, "later": lane.later,
                "in_flight": lane.in_flight, "failed": lane.failed, "dead": lane.dead,
                "uncertain": lane.uncertain, "oldest_due_at": oldest,
                "oldest_due_key": lane.oldest_due_key}
    since = f", plus ancien dû {oldest[:19]} UTC ({lane.oldest_due_key})" if oldest else ""
    return (f"voie {lane.lane:<6} : {lane.due} dû(s), {lane.in_flight} en cours, {lane.later} "
            f"plus tard, {lane.failed} en échec, {lane.dead} abandonné(s), {lane.uncertain} "
            f"incertain(s){since}")


@app.command()
def chase(
    force: Annotated[bool, typer.Option(
        "--force", help="Relancer même un jour non ouvré.")] = False,
    no_sync: Annotated[bool, typer.Option(
        "--no-sync", help="Ne pas relire la démarche d'évaluation d'abord.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Relance les évaluateurs et prend en compte les réponses (flow chase-evaluators)."""
    from flows.chase import ChaseParameters, chase_evaluators

    summary = chase_evaluators(_parameters(ChaseParameters, dict(force=force,
                                                                 sync_first=not no_sync)))
    then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(render_chase_summary(summary))


def render_chase_summary(summary: dict[str, Any]) -> str:
    if not summary["working_day"]:
        return f"{summary['today']} : jour non ouvré, aucune relance (--force pour relancer)."
    from models.evaluation_inputs import STATUS_LABELS

    forms = summary["forms"]
    new = [r for r in forms["rejected"] if r.get("new", True)]
    lines = [
        summary["headline"],
        f"  formulaires : {_count(forms['submitted'], 'évaluation')} et "
        f"{_count(forms['declined'], 'déclin')} nouveaux, "
        f"{_count(len(new), 'nouveau refusé', 'nouveaux refusés')} "
        f"({len(forms['rejected'])} en tout, eig quarantine), "
        f"{_count(forms['conflicts'], 'conflit déclaré', 'conflits déclarés')}",
        f"  rappels : {_count(summary['reminder_digests'], 'courriel')} pour "
        f"{_count(summary['reminded_tasks'], 'tâche')}",
        f"  retards signalés à l'équipe : {len(summary['escalated'])}",
        f"  remplacements : {len(summary['replaced'])}, sans remplaçant : "
        f"{len(summary['unreplaced'])}",
        "  affectations : " + ", ".join(f"{STATUS_LABELS.get(k, k)} {v}"
                                        for k, v in summary["assignments"].items()),
    ]
    lines += [f"  refusé : formulaire n° {r['form']} ({r['field']}) : {r['reason']}"
              for r in new]
    lines += [f"  en retard : {late['évaluateur']} sur le dossier {late['dossier']} "
              f"({late['jours de retard']} j)" for late in summary["late"]]
    jury = summary.get("jury") or {}
    if jury.get("forms") or jury.get("missing"):
        lines.append(
            f"  jury : {_count(jury['recorded'], 'note reçue', 'notes reçues')} par "
            f"formulaire, {_count(jury['missing'], 'note attendue', 'notes attendues')}, "
            f"{_count(jury['reminders'], 'rappel')}, "
            f"{_count(len(jury['escalated']), 'retard signalé', 'retards signalés')} à "
            "l'équipe (jamais de remplacement : l'audition a eu lieu)")
        lines += [f"  refusé : formulaire de notation n° {r['form']} ({r['field']}) : "
                  f"{r['reason']}" for r in jury["rejected"] if r.get("new", True)]
    return "\n".join(lines)


@app.command()
def score(
    track: Annotated[list[str] | None, typer.Option(
        "--track", "-t", help="projets ou candidats (répétable ; défaut : tous).")] = None,
    no_sync: Annotated[bool, typer.Option(
        "--no-sync", help="Ne pas relire la démarche d'évaluation d'abord.")] = False,
    no_publish: Annotated[bool, typer.Option(
        "--no-publish", help="Calculer sans rien écrire dans DS.")] = False,
    csv: Annotated[Path | None, typer.Option(
        "--csv", help="Écrire le classement de chaque parcours dans ce fichier CSV.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Agrège les évaluations et classe les dossiers (flow score-dossiers)."""
    from flows.score import ScoreParameters, export_csv, score_dossiers

    summary = score_dossiers(_parameters(ScoreParameters, dict(
        tracks=_tracks(track or []), sync_first=not no_sync, publish=not no_publish)))
    then_deliver(summary, as_json)
    if csv is not None:
        rows = export_csv(summary, csv)
        typer.echo(f"{rows} ligne(s) écrites dans {csv}", err=as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    forms = summary["forms"]
    typer.echo(f"Formulaires : {forms['seen']} lus, {forms['rejected']} ne comptent pas "
               f"(eig quarantine), {forms['extra']} au-delà des k premiers.")
    for t in summary["tracks"]:
        typer.echo(f"{t['track']} : {_count(t['ranked'], 'dossier classé', 'dossiers classés')}"
                   f", {t['pending']} en attente du quorum (évaluations pas encore toutes "
                   f"rendues), {t['above_cut']} au-dessus de la barre, {t['flagged']} à "
                   f"discuter ; {t['written_back']} écrits dans DS ; graphique : {t['plot']}")
        for row in t["ranking"][:10]:
            if row["rank"] is None:
                continue
            typer.echo(f"  {row['rank']:>3}. dossier {row['number']} : "
                       f"{_decimal(row['total'])} (calibré {_decimal(row['calibrated_total'])})"
                       f"{' — ' + row['flags'] if row['flags'] else ''}")


@app.command()
def deliberate(
    track: Annotated[str, typer.Option("--track", "-t", help="projets ou candidats")]
    = "projets",
    session_date: Annotated[str | None, typer.Option(
        "--date", help="Date du comité (AAAA-MM-JJ ; défaut : aujourd'hui).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Prépare un comité et attend son approbation (dans l'interface Prefect, ou
    `eig approve`) avant de publier (flow deliberate)."""
    from flows.deliberate import DeliberateParameters
    from flows.deliberate import deliberate as deliberate_flow
    from flows.pipeline import after_committee

    # waiting in this terminal may outlast the flow's timeout (meant for deployed runs,
    # which are suspended while they wait)
    summary = without_timeout(deliberate_flow)(_parameters(DeliberateParameters, dict(
        track=track, session_date=session_date), labels={"session_date": "--date"}))
    summary.update(after_committee(summary))  # the lauréats' conventions, as a server would
    if summary.get("status") == "approved":
        then_deliver(summary, as_json)
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str) if as_json
               else f"{summary['headline']}\nRelevé : "
               f"{summary.get('record', {}).get('pdf', '—')}")


def without_timeout(flow_: Any) -> Any:
    """A copy of ``flow_`` without its timeout, for a run that waits for a person in this
    terminal (``with_options(timeout_seconds=None)`` would keep the flow's own)."""
    untimed = flow_.with_options()
    untimed.timeout_seconds = None
    return untimed


@app.command()
def approve(
    flow_run: Annotated[str, typer.Argument(help="Identifiant du run deliberate en pause.")],
    by: Annotated[str, typer.Option("--by", help="Votre nom (inscrit au relevé).")],
    change: Annotated[list[str] | None, typer.Option(
        "--change", help="DOSSIER=decision[:motivation] (répétable), ex. 42=refus:Motif.")]
    = None,
    reject: Annotated[bool, typer.Option("--reject", help="Ne pas approuver.")] = False,
    president: Annotated[str, typer.Option(
        "--presidence", help="Le membre qui a présidé la séance.")] = "",
    present: Annotated[list[str] | None, typer.Option(
        "--present", help="Un membre présent (répétable), tel que la configuration le nomme.")]
    = None,
    everyone: Annotated[bool, typer.Option(
        "--tous-presents", help="Tous les membres configurés étaient présents (le premier "
        "préside, sauf --presidence).")] = False,
) -> None:
    """Approuve (ou non) un comité en pause, comme le formulaire de l'interface Prefect."""
    from uuid import UUID

    from prefect.flow_runs import resume_flow_run

    from flows.deliberate import committee_track, full_attendance, pending_decisions
    from models.deliberation import DECISION_LABELS

    try:
        decisions = pending_decisions(UUID(flow_run))
    except (ValueError, LookupError) as error:
        typer.echo(str(error) if isinstance(error, LookupError) else
                   f"{quoted(flow_run)} : identifiant de run invalide (UUID, tel que "
                   "l'interface ou l'alerte le donne)", err=True)
        raise typer.Exit(2) from None
    if not reject and not (everyone or present):
        typer.echo("approuver : nommez les membres présents (--present, répétable) ou "
                   "--tous-presents, et la présidence (--presidence)", err=True)
        raise typer.Exit(2)
    sitting: dict[str, Any] = full_attendance(committee_track(UUID(flow_run))) if everyone \
        else {"preside_par": None, "membres_presents": []}
    if present:
        sitting["membres_presents"] = list(present)
    if president:
        sitting["preside_par"] = president
    known = {d["dossier"] for d in decisions}
    for item in change or []:
        number, _, rest = item.partition("=")
        decision, _, motivation = rest.partition(":")
        if not number.strip().isdigit() or int(number) not in known:
            typer.echo(f"--change {quoted(item)} : DOSSIER=décision[:motivation], le dossier "
                       "parmi ceux du comité", err=True)
            raise typer.Exit(2)
        if DECISION_LABELS.get(decision, decision) not in DECISION_LABELS.values():
            typer.echo(f"--change {quoted(item)} : décision inconnue ; décisions : "
                       f"{', '.join(DECISION_LABELS)}", err=True)
            raise typer.Exit(2)
        for d in decisions:
            if d["dossier"] == int(number):
                d["decision"] = DECISION_LABELS.get(decision, decision)
                d["motivation"] = motivation or d["motivation"]
    resume_flow_run(UUID(flow_run), run_input={"approuve": not reject, "approuve_par": by,
                                               "decisions": decisions, **sitting})
    typer.echo(f"comité {flow_run} : {'refusé' if reject else 'approuvé'} par {by}")


@app.command()
def conventions(
    dossier: Annotated[int | None, typer.Option("--dossier", "-d", help="Un seul dossier "
                                                "lauréat (requis pour les modifications).")]
    = None,
    kind: Annotated[str | None, typer.Option("--type", help="budgetaire ou partenariat.")]
    = None,
    start: Annotated[str | None, typer.Option("--debut", help="Date de début (AAAA-MM-JJ).")]
    = None,
    months: Annotated[int | None, typer.Option("--duree", help="Durée en mois.")] = None,
    quotite: Annotated[list[str] | None, typer.Option(
        "--quotite", help="« temps plein » ou « 4/5 », une fois ou une par EIG.")] = None,
    experience: Annotated[list[str] | None, typer.Option(
        "--experience", help="Clé de tranche d'expérience, une fois ou une par EIG.")] = None,
    coach: Annotated[str | None, typer.Option("--coach")] = None,
    nombre_eig: Annotated[int | None, typer.Option("--nombre-eig")] = None,
    signataire: Annotated[str | None, typer.Option(
        "--signataire", help="Signataire pour l'administration (nom et qualité).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Rédige (ou met à jour) la convention de chaque projet lauréat et l'envoie (flow
    draft-conventions) ; sans changement, rien n'est refait ni renvoyé."""
    from flows.conventions import ConventionParameters, Overrides, draft_conventions

    quotites, bands = list(quotite or []), list(experience or [])
    if len(quotites) > 2 or len(bands) > 2:
        typer.echo("--quotite, --experience : une fois, ou une par EIG (2 au plus)", err=True)
        raise typer.Exit(2)
    given = {name: value for name, value in dict(
        dossier=dossier, type_convention=kind, date_debut=start, duree_mois=months,
        quotite=quotites[0] if quotites else None,
        quotite_eig_2=quotites[1] if len(quotites) > 1 else None,
        experience=bands[0] if bands else None,
        experience_eig_2=bands[1] if len(bands) > 1 else None, coach=coach,
        nombre_eig=nombre_eig, signataire=signataire).items() if value is not None}
    checked = _parameters(ConventionParameters, dict(given), labels={
        "dossier": "--dossier", "type_convention": "--type", "date_debut": "--debut",
        "duree_mois": "--duree", "quotite_eig_2": "--quotite", "experience_eig_2":
        "--experience", "nombre_eig": "--nombre-eig"})
    if checked.dossier is None and checked.overrides() != Overrides():
        typer.echo("les modifications (type, dates, quotité…) portent sur un dossier : "
                   "indiquez --dossier N", err=True)
        raise typer.Exit(2)
    summary = draft_conventions(**given)
    then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(summary["headline"])
    for draft in summary["new"]:
        typer.echo(f"  {draft['numero']} v{draft['version']} (dossier {draft['dossier']}) : "
                   f"{draft['files']['docx']}")
    for problem in summary["problems"]:
        typer.echo(f"  à corriger — {problem['problem']}")


hearings_app = typer.Typer(help="Soutenances et entretiens métier.")
app.add_typer(hearings_app, name="hearings")


@hearings_app.callback(invoke_without_command=True)
def hearings(
    ctx: typer.Context,
    tracks: Annotated[list[str] | None, typer.Option("--track", "-t",
                                                     help="projets ou candidats")] = None,
    reschedule: Annotated[list[int] | None, typer.Option(
        "--reschedule", "-r", help="Dossier dont l'audition est à reprogrammer.")] = None,
    withdraw: Annotated[list[int] | None, typer.Option(
        "--annuler", help="Dossier dont l'audition n'aura pas lieu (désistement).")] = None,
    motif: Annotated[str | None, typer.Option("--motif")] = None,
    not_before: Annotated[str | None, typer.Option("--pas-avant",
                                                   help="AAAA-MM-JJ")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Programme les auditions (flow schedule-hearings) et affiche l'agenda ; avec
    --reschedule, annule et reprogramme ; avec --annuler, annule sans autre créneau."""
    if ctx.invoked_subcommand is not None:
        return
    from flows.hearings import HearingParameters, schedule_hearings_flow

    summary = schedule_hearings_flow(_parameters(HearingParameters, dict(
        tracks=tracks or [], reschedule=reschedule or [], annuler=withdraw or [], motif=motif,
        pas_avant=not_before), labels={"tracks": "--track", "annuler": "--annuler",
                                       "reschedule": "--reschedule"}))
    then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(summary["headline"])
    for track in summary["placed"]:
        for miss in summary["unplaced"][track]:
            typer.echo(f"  dossier {miss['dossier']} : {miss['reason']}")
    for row in summary["agenda"]:
        typer.echo(f"  {row['date']} {row['heure']}  {row['audition']:<28} dossier "
                   f"{row['dossier']:<6} jury : {row['jury']}")


def _parameters(model: Any, values: dict[str, Any],
                labels: dict[str, str] | None = None) -> Any:
    """The command's parameters as the flow takes them, or one French line and exit 2
    (``labels``: a field's option when its name differs, e.g. ``tracks`` → ``--track``)."""
    from pydantic import ValidationError

    from models.input_errors import french_errors

    labels = labels or {}
    try:
        return model(**values)
    except ValidationError as error:
        typer.echo(french_errors(error, labels=_label_items(labels, error)), err=True)
        raise typer.Exit(2) from None


def _label_items(labels: dict[str, str], error: Any) -> dict[str, str]:
    """Labels for a list's items too: ``tracks.0`` is ``--track``."""
    items = {".".join(str(p) for p in e["loc"]) for e in error.errors()}
    return labels | {loc: labels[loc.split(".")[0]] for loc in items
                     if loc.split(".")[0] in labels}


def _tracks(tracks: list[str]) -> list[str]:
    """The tracks asked for, or one French line and exit 2 for one the config lacks."""
    from settings.config import load_config
    from settings.environment import Settings

    known = list(load_config(Settings().config).tracks)
    for track in tracks:
        if track not in known:
            typer.echo(f"--track : parcours {quoted(track)} inconnu ; parcours : "
                       f"{', '.join(known)}", err=True)
            raise typer.Exit(2)
    return tracks


def _specialties() -> list[str]:
    from settings.config import load_config
    from settings.environment import Settings

    return list(load_config(Settings().config).tracks["candidats"].specialties)


def _input_text(file: Path, what: str) -> str:
    """The file's text, or one French line and exit code 2 (missing, too big, not UTF-8)."""
    from connectors.input_file import InputFileError, read_input_text

    try:
        return read_input_text(file, what)
    except InputFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@hearings_app.command("availability")
def hearings_availability(
    file: Annotated[Path, typer.Argument(help="CSV : courriel;debut;fin (heure de Paris)")],
) -> None:
    """Importe les disponibilités du jury (remplace celles des membres listés)."""
    from flows.hearings import import_availability

    report = import_availability(_input_text(file, "fichier des disponibilités"))
    typer.echo(f"{_count(report['windows'], 'créneau', 'créneaux')} pour "
               f"{_count(report['members'], 'membre du jury', 'membres du jury')}")
    for problem in report["problems"]:
        typer.echo(f"  {file.name}, {problem}")
    if report["problems"] or report["unknown"]:
        raise typer.Exit(1)


@hearings_app.command("availability-requests")
def hearings_availability_requests(
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Demande aux jurés leurs disponibilités de la période à venir par le formulaire DS
    prérempli (une fois par période) et relance une fois les demandes sans réponse, jurés
    et contacts des administrations (flow request-availability). Les réponses arrivent
    avec eig sync ; le fichier CSV (eig hearings availability) reste possible."""
    from flows.availability import request_availability

    summary = request_availability()
    then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(summary["headline"])


@hearings_app.command("scores")
def hearings_scores(
    file: Annotated[Path, typer.Argument(help="CSV : dossier;courriel;note_<critère>…;"
                                         "commentaire")],
    track: Annotated[str, typer.Option("--track", "-t", help="projets, candidats ou "
                                       "missions")] = "projets",
    mission: Annotated[int, typer.Option("--mission", "-m", help="La mission (parcours "
                                         "missions).")] = 0,
) -> None:
    """Importe les notes du jury des auditions tenues (elles nourrissent le comité)."""
    from flows.hearings import import_jury_scores
    from settings.config import load_config
    from settings.environment import Settings

    known = list(load_config(Settings().config).hearings.tracks)
    if track not in known:
        typer.echo(f"--track : parcours « {track} » inconnu ; parcours des auditions : "
                   f"{', '.join(known)}", err=True)
        raise typer.Exit(2)
    if (track == "missions") != bool(mission):
        typer.echo(f"{file.name} : --mission N accompagne --track missions, et lui seul",
                   err=True)
        raise typer.Exit(2)
    report = import_jury_scores(_input_text(file, "fichier des notes du jury"), track,
                                file.name, mission)
    typer.echo(f"{_count(report['imported'], 'fiche de notes', 'fiches de notes')} pour "
               f"{_count(report['dossiers'], 'dossier')}")
    for problem in report["problems"]:
        typer.echo(f"  {file.name}, {problem}")
    if report["problems"]:
        raise typer.Exit(1)


missions_app = typer.Typer(help="Missions : recherche dans le vivier, entretiens, "
                           "délibération, contrat.", no_args_is_help=True)
app.add_typer(missions_app, name="missions")


@missions_app.command("match")
def missions_match(
    mission: Annotated[int | None, typer.Option("--mission", "-m", help="Mission ouverte à "
                                                "rechercher de nouveau.")] = None,
    titre: Annotated[str | None, typer.Option("--titre")] = None,
    administration: Annotated[str | None, typer.Option("--administration")] = None,
    projet_dossier: Annotated[int | None, typer.Option("--projet-dossier")] = None,
    profils: Annotated[list[str] | None, typer.Option("--profil", help="Spécialité "
                                                      "recherchée (1 ou 2 fois).")] = None,
    quotite: Annotated[str, typer.Option("--quotite")] = "temps plein",
    debut: Annotated[str | None, typer.Option("--debut", help="AAAA-MM-JJ")] = None,
    localisation: Annotated[str, typer.Option("--localisation")] = "",
    thematique: Annotated[str, typer.Option("--thematique")] = "",
    experience_min: Annotated[int | None, typer.Option("--experience-min")] = None,
    contact_nom: Annotated[str | None, typer.Option("--contact-nom")] = None,
    contact_email: Annotated[str | None, typer.Option("--contact-email")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Crée une mission (ou reprend une mission ouverte), classe le vivier et propose les
    premiers à un entretien de mission (flow match-mission)."""
    from flows.missions import (
        MissionParameters,
        match_mission,
        mission_problem,
        new_mission_problem,
    )

    if mission is not None and (problem := mission_problem(mission, open_only=True)):
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    params = _parameters(MissionParameters, dict(
        mission=mission, titre=titre, administration=administration,
        projet_dossier=projet_dossier, profils=profils or [], quotite=quotite, debut=debut,
        localisation=localisation, thematique=thematique, experience_min=experience_min,
        contact_nom=contact_nom, contact_email=contact_email))
    if problem := new_mission_problem(params, _specialties(), prefix="--"):
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    summary = match_mission(params)
    then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(summary["headline"])
    for rank, match in enumerate(summary["shortlist"], start=1):
        typer.echo(f"  {rank}. {match['name']} (dossier {match['dossier']}) : "
                   f"{_decimal(match['score'])} — " + " ; ".join(match["raisons"][:3]))
    for left in summary["excluded"]:
        typer.echo(f"  écarté·e : dossier {left['dossier']} — {left['reason']}")


@missions_app.command("deliberate")
def missions_deliberate(
    mission: Annotated[int, typer.Argument(help="Numéro de la mission")],
) -> None:
    """Délibère sur les entretiens d'une mission et attend l'approbation (interface Prefect)
    avant de prévenir les candidat·es et l'administration (flow deliberate-mission)."""
    from flows.missions import MissionDeliberationParameters, deliberate_mission, mission_problem

    if problem := mission_problem(mission, open_only=False):
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    # no flow timeout: the operator's answer may take longer (see `eig deliberate`)
    summary = without_timeout(deliberate_mission)(MissionDeliberationParameters(
        mission=mission))
    if summary.get("status") == "approved":
        then_deliver(summary, True)
    typer.echo(json.dumps(summary, ensure_ascii=False, default=str))


@missions_app.command("placement")
def missions_placement(
    placement: Annotated[int, typer.Argument(help="Numéro du placement")],
    status: Annotated[str, typer.Option("--statut", help="accepte, contrat_signe, demarre "
                                        "ou renonce")],
) -> None:
    """Fait avancer un placement vers le contrat (le vivier suit)."""
    from flows.missions import update_placement

    try:
        result = update_placement(placement, status)
    except (LookupError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"placement {placement} : {result['status']} ; vivier : {result['vivier']} ; "
               f"mission : {result['mission']}")


@missions_app.command("dossiers")
def missions_dossiers_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Lit les missions déposées dans DS (démarche des missions, déjà synchronisée) :
    ouvre ou met à jour chaque mission puis cherche ses candidat·es dans le vivier
    (match-mission), applique l'étape du recrutement notée par l'équipe et écrit l'état de
    la mission dans le dossier (flow mission-dossiers)."""
    from flows.pipeline import after_mission_dossiers

    summary = after_mission_dossiers()
    then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(summary["headline"])
    for searched in summary["searched"]:
        proposed = _count(len(searched["proposed"]), "personne proposée", "personnes proposées")
        booked = _count(searched["booked"], "entretien programmé", "entretiens programmés")
        typer.echo(f"  mission {searched['mission']} : {proposed}, {booked}")
    for rejected in summary["rejected"]:
        typer.echo(f"  à corriger : {rejected['reason']}")


@missions_app.command("digest")
def missions_digest_command() -> None:
    """Envoie à l'équipe le point hebdomadaire des missions ouvertes (flow missions-digest)."""
    from flows.missions import missions_digest

    summary = missions_digest()
    typer.echo(summary["headline"])
    then_deliver(summary, False)


@app.command("pipeline-report")
def pipeline_report_command(
    courriel: Annotated[str, typer.Option(
        "--courriel", metavar="lundi|toujours|jamais",
        help="Le courriel à l'équipe : le lundi seulement (défaut), aussi un autre jour (une "
        "fois par semaine au plus), ou jamais.")] = "lundi",
    retards: Annotated[int, typer.Option(
        "--retards", help="Dossiers en retard listés, au plus.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Résumé JSON lisible par machine.")]
    = False,
) -> None:
    """Le pipeline face aux délais du programme : où en est chaque dossier, ce qui est en
    retard, le prochain comité et ses dossiers, les graphiques (flow pipeline-report)."""
    from flows.pipeline_report import PipelineReportParameters, pipeline_report

    params = _parameters(PipelineReportParameters, dict(email=courriel, late_listed=retards),
                         labels={"email": "--courriel", "late_listed": "--retards"})
    summary = pipeline_report(params)
    if not as_json:
        typer.echo(summary["headline"])
        for name, path in summary["charts"].items():
            typer.echo(f"  graphique {name} : {path}")
    if summary["email"]["recorded"]:
        then_deliver(summary, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))


@app.command()
def simulate(
    semaines: Annotated[int, typer.Option("--semaines", help="Durée de la saison.")] = 26,
    projets: Annotated[float, typer.Option(
        "--projets-par-semaine", help="Projets déposés par semaine (Poisson).")] = 11.5,
    candidatures: Annotated[int, typer.Option(
        "--candidatures", help="Candidatures par campagne (tous les deux mois).")] = 200,
    vivier: Annotated[int, typer.Option("--vivier", help="Évaluateurs (vivier synthétique).")]
    = 150,
    capacite: Annotated[int, typer.Option(
        "--capacite", help="Capacité mensuelle de chaque évaluateur.")] = 6,
    graine: Annotated[int, typer.Option("--graine", "--seed", help="Graine (même graine, "
                                        "même saison).")] = 1,
    what_if: Annotated[list[str] | None, typer.Option(
        "--what-if", help="Une variante, « clé=valeur,… » (roster, capacity, ladder=-3/1/4/7, "
        "due, rate, campaign…) ; répétable, comparées côte à côte.")] = None,
    sweep: Annotated[str | None, typer.Option(
        "--sweep", help="« clé=min..max » : le plus petit réglage qui tient les délais "
        "(par exemple roster=40..160).")] = None,
    sortie: Annotated[Path | None, typer.Option(
        "--sortie", help="Dossier du rapport (CSV, graphiques, base de la saison) ; vide : "
        "un dossier temporaire.")] = None,
    sans_missions: Annotated[bool, typer.Option(
        "--sans-missions", help="Les lauréats n'ouvrent pas de mission.")] = False,
) -> None:
    """Simule une saison avec les vrais flows sur le bac à sable DS et mesure les délais
    promis : distribution par étape, goulots, charge des évaluateurs, graphiques et CSV
    (flow simulate-season). Ni la base ni la configuration de l'utilisateur ne changent."""
    from eig.season_flow import SimulationParameters, comparison_rows, simulate_season
    from models.season import VariantError, parse_sweep, parse_variant

    try:
        for text in what_if or []:
            parse_variant(text)
        if sweep:
            parse_sweep(sweep)
    except VariantError as error:
        typer.echo(f"eig simulate : {error}", err=True)
        raise typer.Exit(2) from None
    params = _parameters(SimulationParameters, dict(
        weeks=semaines, projects_per_week=projets, campaign_size=candidatures, roster=vivier,
        capacity=capacite, seed=graine, variantes=list(what_if or []), balayage=sweep,
        sortie=str(sortie) if sortie else None, missions=not sans_missions), labels={
        "weeks": "--semaines", "projects_per_week": "--projets-par-semaine",
        "campaign_size": "--candidatures", "roster": "--vivier", "capacity": "--capacite",
        "seed": "--graine"})
    summary = simulate_season(params)
    variants = summary["variants"]
    if len(variants) == 1:
        from eig.season_report import summary_lines

        typer.echo("\n".join(summary_lines(summary["report"])))
    else:
        rows = comparison_rows(summary["reports"])
        width = max(len(r["Indicateur"]) for r in rows)
        names = list(variants)
        typer.echo(" " * width + "  " + "  ".join(f"{n:>16}" for n in names))
        for row in rows:
            typer.echo(f"{row['Indicateur']:<{width}}  "
                       + "  ".join(f"{row[n]:>16}" for n in names))
        typer.echo(summary["headline"])
    first = next(iter(variants.values()))
    typer.echo(f"Rapport : {summary['folder']} (dossiers-dates.csv, delais-cumules.png, "
               f"delais-par-etape.png, entonnoir.png, resume.md)"
               + ("" if len(variants) == 1 else " — un sous-dossier par variante"))
    for advice in first["advice"]:
        typer.echo(f"  à changer : {advice}")


rgpd_app = typer.Typer(help="Données personnelles (RGPD) : purge, export, effacement, "
                       "consentement du vivier (docs/rgpd.md).", no_args_is_help=True)
app.add_typer(rgpd_app, name="rgpd")


@rgpd_app.command("purge")
def rgpd_purge(
    appliquer: Annotated[bool, typer.Option(
        "--appliquer", help="Purger vraiment (sans : essai à blanc, rien ne change).")]
    = False,
    au: Annotated[str | None, typer.Option(
        "--date", metavar="AAAA-MM-JJ", help="Calculer les durées à cette date (une date "
        "future : essai à blanc seulement).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ce qui a atteint sa durée de conservation : le montre, ou le purge avec --appliquer
    (flow purge-personal-data)."""
    from datetime import UTC, datetime

    from pydantic import ValidationError

    from flows.rgpd import PurgeParameters, purge_personal_data, reference_time
    from models.input_errors import french_errors

    try:
        params = PurgeParameters(apply=appliquer, as_of=au)
        reference_time(params, datetime.now(UTC))
    except ValidationError as error:
        typer.echo(f"eig rgpd purge : {french_errors(error, {'as_of': '--date'})}", err=True)
        raise typer.Exit(2) from None
    except ValueError as error:
        typer.echo(f"eig rgpd purge : {error}", err=True)
        raise typer.Exit(2) from None
    summary = purge_personal_data(params)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(summary["headline"])
    for row in summary["rows"]:
        days = "conservées" if row["days"] is None else _count(row["days"], "jour")
        typer.echo(f"  {row['label']} : {row['said']} ({days})")
    if not appliquer and summary["done"]:
        typer.echo("Essai à blanc : rien n'a changé ; eig rgpd purge --appliquer pour purger.")


def _subject(text: str) -> Any:
    from models.data_subject import SubjectError, parse_subject

    try:
        return parse_subject(text)
    except SubjectError as error:
        typer.echo(f"eig rgpd : {error}", err=True)
        raise typer.Exit(2) from None


@rgpd_app.command("export")
def rgpd_export(
    personne: Annotated[str, typer.Argument(metavar="COURRIEL|DOSSIER",
                                            help="Le courriel de la personne ou le numéro "
                                            "de son dossier.")],
    sortie: Annotated[Path | None, typer.Option(
        "--sortie", help="Dossier où écrire l'export (défaut : EIG_DOCUMENTS_DIR/rgpd).")]
    = None,
) -> None:
    """Tout ce que la base détient sur une personne (droit d'accès) : un JSON, ses
    documents et les courriels qui lui ont été envoyés, dans un dossier et son zip."""
    from flows.rgpd import export_person
    from models.data_subject import SubjectError

    subject = _subject(personne)
    try:
        done = export_person(subject, sortie)
    except SubjectError as error:
        typer.echo(f"eig rgpd export : {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Export de {subject} : {_count(done['rows'], 'ligne')} "
               f"({', '.join(done['tables'])}), {_count(done['documents'], 'document')}, "
               f"{_count(done['emails'], 'courriel')}.\n  {done['folder']}\n  {done['zip']}")


@rgpd_app.command("erase")
def rgpd_erase(
    personne: Annotated[str, typer.Argument(metavar="COURRIEL|DOSSIER",
                                            help="Le courriel de la personne ou le numéro "
                                            "de son dossier.")],
    confirmer: Annotated[bool, typer.Option(
        "--confirmer", help="Effacer vraiment (sans : essai à blanc).")] = False,
) -> None:
    """Efface ce que la base, les documents, les courriels et les artefacts détiennent sur
    une personne (droit à l'effacement), sauf ce qu'une obligation légale garde — ce qui
    est dit."""
    from flows.rgpd import erase_person
    from models.data_subject import SubjectError

    subject = _subject(personne)
    try:
        report = erase_person(subject, confirm=confirmer)
    except SubjectError as error:
        typer.echo(f"eig rgpd erase : {error}", err=True)
        raise typer.Exit(2) from None
    if report.refused:
        typer.echo(f"Effacement de {subject} refusé : {report.refused}.", err=True)
        raise typer.Exit(1)
    verb = "Effacé" if confirmer else "Serait effacé (essai à blanc, --confirmer pour effacer)"
    for held in report.held:
        typer.echo(f"Effacement refusé en partie : {held}.")
    typer.echo(f"{verb} pour {subject} : " + " ; ".join(report.erased) + ".")
    for kept in report.kept:
        typer.echo(f"  gardé : {kept}")
    if report.held:
        raise typer.Exit(1)


@rgpd_app.command("consentement")
def rgpd_consent(
    dossier: Annotated[int, typer.Argument(help="Numéro du dossier du ou de la candidat·e.")],
) -> None:
    """Enregistre le renouvellement du consentement d'un·e candidat·e à rester au vivier :
    sa durée de conservation repart d'aujourd'hui."""
    from flows.rgpd import renew_consent

    if not renew_consent(dossier):
        typer.echo(f"eig rgpd consentement : le dossier {dossier} n'est pas au vivier", err=True)
        raise typer.Exit(2)
    typer.echo(f"Consentement du dossier {dossier} renouvelé à ce jour.")


vivier_app = typer.Typer(help="Le vivier des candidat·es : leur formulaire « Ma situation "
                         "dans le vivier ».", no_args_is_help=True)
app.add_typer(vivier_app, name="vivier")


@vivier_app.command("lien")
def vivier_link_command(
    dossier: Annotated[int, typer.Argument(help="Numéro du dossier de candidature.")],
) -> None:
    """Affiche le lien prérempli et signé du formulaire « Ma situation dans le vivier »
    d'un·e candidat·e du vivier (le même que celui de son message de décision), pour le
    lui renvoyer."""
    from flows.runtime import open_runtime
    from flows.vivier_forms import vivier_link
    from models.tables import VivierMember

    with open_runtime() as rt:
        with rt.sessions() as session:
            member = session.get(VivierMember, dossier)
        if member is None:
            typer.echo(f"eig vivier lien : le dossier {dossier} n'est pas au vivier", err=True)
            raise typer.Exit(2)
        typer.echo(vivier_link(rt, dossier))


@app.command("preview-email")
def preview_email(
    template: Annotated[str, typer.Argument(
        help="Le modèle : eval_request, eval_reminder, escalation, replacement_notice, "
        "decline_ack, evaluation_fix (préparés à partir du dossier) ; hearing_invitation, "
        "hearing_cancellation, convention_draft, mission_proposal, mission_decision, "
        "mission_decision_admin, missions_digest, alert (le dernier mis dans la file).")],
    dossier: Annotated[int | None, typer.Option(
        "--dossier", "-d", help="Numéro DS du dossier (sauf missions_digest et alert).")]
    = None,
    evaluator: Annotated[str | None, typer.Option(
        "--evaluator", "-e", help="Courriel du destinataire (défaut : le premier affecté, "
        "ou le dernier destinataire).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Fichier où écrire le HTML (sinon : le texte dans le terminal).")]
    = None,
    html: Annotated[bool, typer.Option("--html", help="Le HTML dans le terminal.")] = False,
) -> None:
    """Montre un courriel tel que son destinataire le recevrait, avec les données réelles
    de la base (rien n'est enregistré ni envoyé)."""
    from connectors.documents import TemplateNotFoundError
    from eig.email_preview import PreviewError, preview
    from flows.runtime import open_runtime

    try:
        with open_runtime() as rt:
            shown = preview(rt, template, dossier, evaluator)
    except (PreviewError, TemplateNotFoundError) as error:
        typer.echo(f"eig preview-email : {error}", err=True)
        raise typer.Exit(1) from None
    head = f"Objet : {shown.subject}"
    if shown.to:
        head += f"\nÀ : {', '.join(shown.to)}"
    if shown.attachments:
        head += f"\nPièces jointes : {', '.join(shown.attachments)}"
    if out is not None:
        out.write_text(shown.html, encoding="utf-8")
        typer.echo(f"{head}\nHTML écrit dans {out}")
        return
    typer.echo(f"{head}\n")
    typer.echo(shown.html if html else shown.text)


@app.command("deliver-effects")
def deliver_effects_command(
    lane: Annotated[list[str] | None, typer.Option(
        "--voie", "--lane", help="ds (écritures DS) ou email (courriels), répétable ; par "
        "défaut : toutes.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Délivre les effets en attente, voie par voie (flow deliver-effects)."""
    from flows.effects import DeliverParameters, deliver_effects
    from models.outbox import Lane

    try:
        lanes = [Lane(name) for name in lane or []]
    except ValueError:
        typer.echo(f"voie inconnue parmi {lane} : ds ou email", err=True)
        raise typer.Exit(2) from None
    summary = deliver_effects(DeliverParameters(lanes=lanes))
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(render_delivery(summary))
    if summary["failed"] or summary["dead"] or summary["uncertain"]:
        raise typer.Exit(1)


def then_deliver(summary: dict[str, Any], as_json: bool) -> None:
    """Run from a terminal, a stage hands its effects over and `eig` delivers them right
    after, in a run of its own (deployed, the deliver-effects runs are triggered by the
    stage's event); the delivery's summary joins the stage's."""
    from flows.effects import DeliverParameters, deliver_effects

    delivery = deliver_effects(DeliverParameters())
    summary["delivery"] = delivery
    if not as_json:
        typer.echo("Livraison : " + render_delivery(delivery))


def render_delivery(summary: dict[str, Any]) -> str:
    lines = [f"{summary['delivered']} délivrés, {summary['skipped']} déjà en place, "
             f"{summary['verified']} vérifiés, {summary['failed']} en échec, "
             f"{summary['dead']} abandonnés, {summary['uncertain']} incertains, "
             f"{summary['retrying']} à réessayer, {summary['pending']} en attente."]
    lines += [f"  {failure['status']} {failure['key']} : {failure['error']}"
              for failure in summary["failures"]]
    return "\n".join(lines)


@app.command()
def mailbox(
    message: Annotated[str | None, typer.Argument(
        help="Numéro (1, 2…) ou clé d'un message à afficher.", show_default=False)] = None,
    show: Annotated[str | None, typer.Option(
        "--show", "-s", metavar="N", help="Affiche le message n° N (ou de cette clé) : "
        "en-têtes, texte, pièces jointes.")] = None,
    maildir: Annotated[Path | None, typer.Option(
        "--boite", "--maildir", help="La boîte à lire (défaut : EIG_MAILDIR, var/maildir, "
        "où écrit aussi make demo).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Les courriels reçus par le serveur SMTP local (démo, tests) : la liste, ou un
    message."""
    from connectors.mail import Mailbox
    from settings.environment import Settings

    box = Mailbox(maildir or Settings().maildir)
    wanted = show or message
    if show and message:
        _mailbox_error(f"un seul message à la fois (« {message} » et --show {show})")
    if wanted is not None:
        if not wanted.isdigit() and ("/" in wanted or Path(wanted).exists()):
            _mailbox_error(f"« {wanted} » n'est pas un numéro de message ; pour lire une "
                           f"autre boîte : eig mailbox --boite {wanted}")
        if not box.maildir.is_dir():
            _mailbox_error(f"pas de boîte {box.maildir} : rien n'y a encore été reçu")
        try:
            typer.echo(box.show(int(wanted) if wanted.isdigit() else wanted))
        except LookupError as error:
            _mailbox_error(str(error))
        return
    summaries = box.list()
    if as_json:
        typer.echo(json.dumps([{"index": m.index, "date": str(m.date), "from": m.sender,
                                "to": m.to, "subject": m.subject, "message_id": m.message_id,
                                "effect": m.effect} for m in summaries],
                              ensure_ascii=False, indent=2, default=str))
        return
    if not summaries:
        typer.echo(f"Boîte vide ({box.maildir}).")
        return
    for m in summaries:
        typer.echo(f"{m.index:>4}  {_paris(m.date)}  {', '.join(m.to)}  {m.subject}")
    typer.echo(f"{_count(len(summaries), 'message')} dans {box.maildir} ; "
               "eig mailbox --show N pour en lire un.")


def _mailbox_error(message: str) -> None:
    typer.echo(f"eig mailbox : {message}", err=True)
    raise typer.Exit(2)


def _paris(when: Any) -> str:
    """A message's date, Paris time (``lundi 21 décembre 2026 à 9 h 00``)."""
    from models.french import datetime_fr

    return datetime_fr(when) if when is not None else "—"


@app.command()
def mailserver(
    port: Annotated[int, typer.Option(help="Port SMTP.")] = 8025,
) -> None:
    """Sert un SMTP local qui garde chaque message dans var/maildir (démo, tests)."""
    from connectors.mail import serve
    from settings.environment import Settings

    serve(Settings().maildir, port)


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port HTTP.")] = 8765,
    dossiers: Annotated[int, typer.Option(help="Nombre de dossiers générés.")] = 1000,
    seed: Annotated[int, typer.Option(help="Graine (données reproductibles).")] = 0,
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    requests_per_minute: Annotated[int, typer.Option(help="Budget par jeton et minute.")] = 400,
    clock_file: Annotated[str | None, typer.Option(
        "--clock-file", help="Horloge voyageuse partagée avec le pipeline (EIG_CLOCK_FILE ; "
        "essais d'endurance seulement).")] = None,
) -> None:
    """Sert un bac à sable compatible DS (jeton : sandbox-token) jusqu'à Ctrl-C."""
    import logging

    from connectors.clock_file import FileClock
    from ds_sandbox import serve

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    serve(host=host, port=port, dossiers=dossiers, seed=seed,
          requests_per_minute=requests_per_minute,
          now=FileClock(clock_file) if clock_file else None)


@app.command()
def setup(
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Lister les automations sans toucher au serveur.")] = False,
) -> None:
    """Crée ou met à jour les automations Prefect de config/automations.yaml (alertes à
    l'équipe : échecs, durées anormales, comités à approuver, runs sans signe de vie)."""
    from eig.automations import AutomationsError, load_specs
    from eig.automations import setup as setup_automations
    from settings.config import load_config
    from settings.environment import Settings

    config = load_config(Settings().config)
    try:
        if dry_run:
            for spec in load_specs(config):
                trigger = spec["trigger"]
                within = (f", sans suite en {trigger['within']} s"
                          if trigger["posture"] == "Proactive" else "")
                typer.echo(f"{spec['name']} ({trigger['posture']}{within})")
            return
        outcomes = setup_automations(config)
    except AutomationsError as error:
        typer.echo(f"eig setup : {error}", err=True)
        raise typer.Exit(1) from None
    for outcome in outcomes:
        typer.echo(f"{outcome.status:>11}  {outcome.name}")
    typer.echo(f"{len(outcomes)} automation(s) ; courriels à : "
               f"{', '.join(config.evaluation.team)}")


@app.command()
def notify(
    run: Annotated[str, typer.Option("--run", help="Identifiant du run concerné.")],
    kind: Annotated[str, typer.Option(
        "--kind", help="failed, crashed, late, awaiting ou reminder")],
    preview: Annotated[bool, typer.Option(
        "--preview", help="Afficher le courriel sans l'enregistrer ni l'envoyer.")] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Avec --preview : écrire la version HTML dans ce fichier.")] = None,
) -> None:
    """Prévient l'équipe au sujet d'un run, comme le font les automations (flow
    notify-team) ; --preview montre le courriel sans rien envoyer."""
    from typing import get_args
    from uuid import UUID

    from prefect.exceptions import ObjectNotFound

    from flows.notify import (
        AlertKind,
        NotifyParameters,
        alert_context,
        alert_payload,
        notify_team,
        read_run,
        run_id_of,
        waiting_for,
    )
    from flows.runtime import open_runtime

    if kind not in get_args(AlertKind):
        typer.echo(f"alerte inconnue : {kind} ({', '.join(get_args(AlertKind))})", err=True)
        raise typer.Exit(2)
    try:
        run_id = str(run_id_of(run))
        facts = read_run(UUID(run_id))
    except ValueError:
        typer.echo(f"--run {quoted(run)} : identifiant de run invalide (UUID, ou "
                   "prefect.flow-run.<UUID>)", err=True)
        raise typer.Exit(2) from None
    except ObjectNotFound:
        typer.echo(f"--run {quoted(run)} : aucun run de ce nom sur le serveur Prefect",
                   err=True)
        raise typer.Exit(2) from None
    if not preview:
        summary = notify_team(NotifyParameters(flow_run=run, kind=kind))
        typer.echo(summary.get("moot") or (
            f"{summary['key']} : " + ("envoyé" if summary["delivered"] else
                                      "déjà envoyé" if not summary["recorded"] else
                                      "enregistré, pas encore envoyé (eig effects)")))
        return
    with open_runtime() as rt:
        with rt.sessions() as session:
            waiting = waiting_for(session, run_id)
        payload = alert_payload(rt, alert_context(rt, kind, facts, waiting, rt.clock()))
    typer.echo(f"À : {', '.join(t['email'] for t in payload['to'])}\n"
               f"Objet : {payload['subject']}\n\n{payload['text']}")
    if html is not None:
        html.write_text(payload["html"], encoding="utf-8")
        typer.echo(f"HTML écrit dans {html}")


@app.command()
def serve(
    log_level: Annotated[str, typer.Option(
        help="Niveau des journaux des runs (dans l'interface).")] = "INFO",
    workers: Annotated[int, typer.Option(
        help="Nombre de workers du pool eig sur ce poste.")] = 2,
) -> None:
    """Serveur Prefect local avec son interface, le pool eig, les déploiements, les
    automations (eig setup) et les workers."""
    from eig.serve import run_serve

    raise typer.Exit(run_serve(typer.echo, log_level=log_level, workers=workers))


@app.command()
def demo(
    dossiers: Annotated[int, typer.Option(help="Dossiers générés dans le bac à sable.")] = 300,
    seed: Annotated[int, typer.Option(help="Graine des données.")] = 42,
) -> None:
    """Démonstration de bout en bout sur les réglages embarqués (bac à sable DS, SQLite)."""
    from eig.demo import run_demo

    raise typer.Exit(run_demo(typer.echo, dossiers=dossiers, seed=seed))


def main(argv: list[str] | None = None) -> None:
    """The `eig` command: a command line, a configuration or an input file that cannot be
    read ends in one French line and exit code 2, never a traceback, whatever the
    command."""
    from connectors.input_file import InputFileError
    from eig.usage_errors import UsageError, french_usage
    from settings.config import ConfigError

    try:
        result = app(args=argv, prog_name="eig", standalone_mode=False)
    except UsageError as error:
        typer.echo(french_usage(error), err=True)
        raise SystemExit(2) from None
    except (ConfigError, InputFileError) as error:
        typer.echo(str(error), err=True)
        raise SystemExit(2) from None
    except typer.Abort:
        typer.echo("Interrompu.", err=True)
        raise SystemExit(130) from None
    raise SystemExit(result if isinstance(result, int) else 0)
