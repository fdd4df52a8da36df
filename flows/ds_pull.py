"""Pulling dossiers from DS into the store: what sync-dossiers runs, and what score and
chase run first to read the newest evaluation forms (this module is no stage: stages
may use it).

The story of a pull, per démarche: read where each stream stands, fetch one page of
the three streams (dossiers, trash, tombstones) in one request, check the form has
not drifted from the mapping, store the page and its cursors in one transaction,
repeat while a stream has pages; then map quarantined dossiers again. A nightly
reconciliation re-scans numbers, states and labels, which updatedSince cannot see.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError

from connectors.ds import (
    DSError,
    DSInternalError,
    DSQueryTimeoutError,
    StreamPosition,
    SyncPage,
    fetch_dossier,
    fetch_reconcile_page,
    fetch_sync_page,
)
from connectors.store import repository as repo
from flows.reporting import publish_table
from flows.runtime import Runtime
from flows.sync_pages import (
    Counts,
    apply_labels_and_visibility,
    apply_trash,
    check_revision,
    ingest_dossiers,
    retry_quarantined,
    save_positions,
    stored_snapshots,
)
from models.champs import RevisionDriftError
from models.french import compte, nombre_fr
from models.reconciliation import plan_reconciliation
from models.sync_cursor import STREAMS, StreamState, SyncStatus, initial_states
from models.tables import SyncRun
from settings.config import DemarcheRole

# What a task retry may fix. The DS client already retries 5xx, network errors and 429
# with backoff; retrying those again here would only delay the report of an outage
# (the next scheduled run resumes from the saved cursors anyway).
TRANSIENT = (DSInternalError, DSQueryTimeoutError, OperationalError)
MAX_RECONCILE_FETCHES = 1000


class SyncParameters(BaseModel):
    """Run form of the sync-dossiers deployment."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    demarches: list[int] = Field(
        default_factory=list,
        title="Démarches",
        description="Numéros DS des démarches à synchroniser ; vide : toutes celles de la "
        "configuration.",
    )
    full: bool = Field(
        default=False,
        title="Synchronisation complète",
        description="Relire toutes les pages depuis le début au lieu de reprendre au dernier "
        "curseur.",
    )
    reconcile: bool = Field(
        default=False,
        title="Réconciliation",
        description="Re-scanner les numéros, états et étiquettes de tous les dossiers "
        "(les étiquettes ne modifient pas la date de mise à jour DS).",
    )
    assign_new: bool = Field(
        default=True,
        title="Affecter les nouveaux dossiers",
        description="Quand la synchronisation apporte de nouveaux projets ou candidatures, "
        "lancer assign-evaluators (si un vivier d'évaluateurs est importé).",
    )
    collect_forms: bool = Field(
        default=True,
        title="Prendre en compte les réponses des évaluateurs",
        description="Quand la démarche d'évaluation apporte des formulaires, les rattacher "
        "aux affectations (un déclin est aussitôt remplacé).",
    )


MODE_FR = {"full": "complète", "incremental": "incrémentale"}


@dataclass
class DemarcheReport:
    role: str
    number: int
    counts: Counts = field(default_factory=Counts)
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None
    problems: list[str] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        """The démarche's line of the run's artifact (French labels)."""
        counts = asdict(self.counts)
        return {"Démarche": f"{self.role} ({self.number})",
                **{label: counts[key] for key, label in COUNT_LABELS.items()},
                "Requêtes DS": self.requests,
                "Durée (s)": nombre_fr(self.seconds), "Erreur": self.error or ""}


COUNT_LABELS = {"created": "Créés", "updated": "Réponses modifiées",
                "touched": "Autres changements", "hidden": "À la corbeille",
                "deleted": "Supprimés", "quarantined": "En quarantaine",
                "released": "Sortis de quarantaine", "labels_changed": "Étiquettes changées"}


def sync_headline(summary: dict[str, Any]) -> str:
    """One French line for the run: what changed, and at what cost."""
    totals = {key: sum(d[key] for d in summary["demarches"]) for key in COUNT_LABELS}
    changes = [f"{compte(totals['created'], 'dossier créé', 'dossiers créés')}",
               f"{totals['updated']} modifié{'s' if totals['updated'] > 1 else ''} par le "
               "déposant"]
    changes += [f"{totals[key]} {label.lower()}" for key, label in COUNT_LABELS.items()
                if key not in ("created", "updated") and totals[key]]
    failed = [f"{d['role']} en erreur" for d in summary["demarches"] if d["error"]]
    return (f"Synchronisation {MODE_FR[summary['mode']]}"
            f"{' + réconciliation' if summary['reconcile'] else ''} : {', '.join(changes)}"
            f"{' ; ' + ', '.join(failed) if failed else ''} ; "
            f"{compte(summary['requests'], 'requête')} DS en "
            f"{nombre_fr(summary['seconds'])} s.")


def _is_transient(task: Any, task_run: Any, state: State) -> bool:
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:
        return False
    return False


class PageTally:
    """What the stored pages of one démarche changed, kept across the sync-pages task's
    retries: a page is added once committed, so an attempt that stored pages then failed
    still counts them (the retry resumes after them). A plain object: Prefect hands it to
    each attempt as is."""

    def __init__(self) -> None:
        self.counts = Counts()
        self.problems: list[str] = []


@dataclass(frozen=True)
class PageOutcome:
    open_streams: tuple[str, ...]


@task(name="sync-pages", retries=3, retry_delay_seconds=[1, 5, 20],
      retry_condition_fn=_is_transient, cache_policy=NO_CACHE)
def sync_pages(
    rt: Runtime, role: DemarcheRole, open_streams: tuple[str, ...], with_revision: bool,
    tally: PageTally,
) -> PageOutcome:
    """A batch of pages (``sync.pages_per_task``), each stored with its cursors atomically.

    The cursors are read from the store when the task starts, so a retry resumes at the
    page that failed; within the task, each stored page says where the next one starts.
    """
    demarche = rt.config.demarches[role]
    with rt.sessions() as session:
        positions = repo.load_stream_positions(session, demarche.number)
    states = {s.stream: s for s in initial_states(positions, full=False)}
    request: PageRequest | None = PageRequest(
        demarche.number, with_revision, tuple(states[stream] for stream in open_streams)
    )
    for _ in range(rt.config.sync.pages_per_task):
        assert request is not None
        request, page_problems = sync_one_page(rt, role, request, tally.counts)
        tally.problems += page_problems
        if request is None:
            break
    still_open = tuple(state.stream for state in request.streams) if request else ()
    return PageOutcome(still_open)


def sync_one_page(
    rt: Runtime, role: DemarcheRole, request: PageRequest, counts: Counts
) -> tuple[PageRequest | None, list[str]]:
    """Fetch one page and store it with its cursors, atomically; returns the next request.

    While this page is stored, the following ones are read ahead (flows/fetch_ahead.py).
    """
    demarche = rt.config.demarches[role]
    channel = rt.channel(demarche.number)
    fetch = partial(_fetch_page, rt)
    page, read_ahead = channel.ahead.take(request, fetch)
    following = next_request(request, page)
    if following is not None and not read_ahead:
        channel.ahead.start(following, fetch, next_request)
    now = rt.clock()
    problems: list[str] = []
    stored = Counts(pages=1)  # added to ``counts`` once the page is committed
    with rt.sessions.begin() as session:
        if page.revision is not None:
            check_revision(session, demarche, page.demarche, page.revision, now)
        if page.dossiers is not None:
            ingested = ingest_dossiers(session, demarche, page.dossiers.nodes, now)
            stored.add(ingested.counts)
            problems += ingested.problems
        if page.pending_deleted is not None:
            stored.hidden += apply_trash(session, demarche, page.pending_deleted.nodes)
        if page.deleted is not None:
            stored.deleted += repo.mark_deleted(session, demarche.number, page.deleted.nodes,
                                                now)
        save_positions(session, demarche.number, _advance(request, page), now)
    counts.add(stored)
    return following, problems


@dataclass(frozen=True)
class PageRequest:
    """The next page of some streams of a démarche; equal requests ask for the same page."""

    number: int
    with_revision: bool
    streams: tuple[StreamState, ...]  # the open streams, where each stands


def _advance(request: PageRequest, page: SyncPage) -> list[StreamState]:
    """Where the requested streams stand once ``page`` is stored."""
    return [
        state.after_page(part.end_cursor, part.has_next_page)
        for state in request.streams
        if (part := getattr(page, state.stream)) is not None
    ]


def next_request(request: PageRequest, page: SyncPage) -> PageRequest | None:
    still_open = tuple(state for state in _advance(request, page) if state.open)
    return PageRequest(request.number, False, still_open) if still_open else None


def _fetch_page(rt: Runtime, request: PageRequest) -> SyncPage:
    positions = {
        stream: StreamPosition(include=False) for stream in STREAMS
    } | {
        state.stream: StreamPosition(include=True, since=state.anchor, after=state.cursor)
        for state in request.streams
    }
    return fetch_sync_page(
        rt.channel(request.number).ds, request.number,
        page_size=rt.config.sync.page_size, min_page_size=rt.config.sync.min_page_size,
        with_revision=request.with_revision, **positions,
    )


def reset_cursors(rt: Runtime, role: DemarcheRole) -> None:
    """A full sync reads every stream again from the beginning."""
    demarche = rt.config.demarches[role]
    now = rt.clock()
    with rt.sessions.begin() as session:
        save_positions(session, demarche.number, initial_states({}, full=True), now)


@task(name="retry-quarantine", cache_policy=NO_CACHE)
def retry_quarantine(rt: Runtime, role: DemarcheRole, run_started: datetime) -> Counts:
    """Map again the quarantined dossiers this run has not seen (the config may be fixed)."""
    demarche = rt.config.demarches[role]
    with rt.sessions.begin() as session:
        return retry_quarantined(session, demarche, run_started, rt.clock()).counts


@task(name="scan-page", retries=3, retry_delay_seconds=[1, 5, 20],
      retry_condition_fn=_is_transient, cache_policy=NO_CACHE)
def scan_page(
    rt: Runtime, role: DemarcheRole, cursors: dict[str, str | None], open_streams: tuple[str, ...]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str | None], tuple[str, ...]]:
    """One page of the reconciliation scan (ids, states, labels; trash; tombstones)."""
    demarche = rt.config.demarches[role]
    page = fetch_reconcile_page(
        rt.channel(demarche.number).ds, demarche.number,
        page_size=rt.config.sync.page_size, min_page_size=rt.config.sync.min_page_size,
        **{s: StreamPosition(include=s in open_streams, since=None, after=cursors.get(s))
           for s in STREAMS},
    )
    nodes: dict[str, list[dict[str, Any]]] = {}
    still_open = []
    cursors = dict(cursors)
    for stream in STREAMS:
        stream_page = getattr(page, stream)
        if stream_page is None:
            continue
        nodes[stream] = stream_page.nodes
        if stream_page.end_cursor is not None:
            cursors[stream] = stream_page.end_cursor
        if stream_page.has_next_page:
            still_open.append(stream)
    return nodes, cursors, tuple(still_open)


@task(name="apply-reconciliation", cache_policy=NO_CACHE)
def apply_reconciliation(
    rt: Runtime, role: DemarcheRole, seen: dict[str, list[dict[str, Any]]]
) -> Counts:
    """Fix labels and visibility from the scan; fetch in full the dossiers the stream missed."""
    demarche = rt.config.demarches[role]
    logger = get_run_logger()
    now = rt.clock()
    trashed = {int(n["number"]) for n in seen["pending_deleted"]}
    tombstoned = {int(n["number"]) for n in seen["deleted"]}
    with rt.sessions.begin() as session:
        plan = plan_reconciliation(stored_snapshots(session, demarche.number), seen["dossiers"],
                                   trashed, tombstoned)
        counts = apply_labels_and_visibility(session, demarche.number, plan, now)
        counts.hidden += apply_trash(session, demarche, seen["pending_deleted"])
        counts.deleted += repo.mark_deleted(session, demarche.number, seen["deleted"], now)
    if len(plan.to_fetch) > MAX_RECONCILE_FETCHES:
        logger.warning("%d dossiers of démarche %d differ from the store: run a full sync",
                       len(plan.to_fetch), demarche.number)
    for number in plan.to_fetch[:MAX_RECONCILE_FETCHES]:
        raw = fetch_dossier(rt.channel(demarche.number).ds, number)
        with rt.sessions.begin() as session:
            counts.add(ingest_dossiers(session, demarche, [raw], rt.clock()).counts)
    return counts


def sync_demarche(rt: Runtime, role: DemarcheRole, full: bool) -> DemarcheReport:
    demarche = rt.config.demarches[role]
    started = rt.clock()
    report = DemarcheReport(role, demarche.number)
    if full:
        reset_cursors(rt, role)
    open_streams: tuple[str, ...] = STREAMS
    first = True
    tally = PageTally()
    while open_streams:
        outcome = sync_pages(rt, role, open_streams, with_revision=first, tally=tally)
        first = False
        open_streams = outcome.open_streams
    report.counts.add(tally.counts)
    report.problems += tally.problems
    with rt.sessions() as session:
        waiting = repo.open_quarantine(session, demarche.number, seen_before=started)
    if waiting:
        report.counts.released += retry_quarantine(rt, role, started).released
    return report


def reconcile_demarche(rt: Runtime, role: DemarcheRole, report: DemarcheReport) -> None:
    seen: dict[str, list[dict[str, Any]]] = {s: [] for s in STREAMS}
    cursors: dict[str, str | None] = {}
    open_streams: tuple[str, ...] = STREAMS
    while open_streams:
        nodes, cursors, open_streams = scan_page(rt, role, cursors, open_streams)
        for stream, stream_nodes in nodes.items():
            seen[stream].extend(stream_nodes)
    report.counts.add(apply_reconciliation(rt, role, seen))


@task(name="sync-demarche", cache_policy=NO_CACHE)
def sync_one_demarche(rt: Runtime, role: DemarcheRole, params: SyncParameters) -> DemarcheReport:
    """The whole sync of one démarche; its failure is reported, not raised."""
    demarche = rt.config.demarches[role]
    report = DemarcheReport(role, demarche.number)
    started = time.perf_counter()
    try:
        report = sync_demarche(rt, role, params.full)
        if params.reconcile:
            reconcile_demarche(rt, role, report)
    except (RevisionDriftError, DSError) as error:
        report.error = str(error)
    report.requests = rt.channel(demarche.number).ds.requests_sent
    report.seconds = time.perf_counter() - started
    return report


def pull(rt: Runtime, params: SyncParameters) -> tuple[dict[str, Any], list[DemarcheReport]]:
    """Sync the démarches of ``params`` side by side (tasks of the calling flow run), record
    the run in ``sync_runs`` and publish its artifact; returns (summary, reports). A
    démarche's failure is in its report and the summary's status, never raised."""
    logger = get_run_logger()
    started = time.perf_counter()
    run = _start_run(rt, params)
    # The démarches are independent: they are synced side by side (DS's rate limit is
    # per token, and shared by all of them).
    futures = [sync_one_demarche.submit(rt, role, params)
               for role in rt.config.demarche_roles(params.demarches)]
    reports = [future.result() for future in futures]
    for report in reports:
        if report.error:
            logger.error("démarche %s (%d): %s", report.role, report.number, report.error)
        for problem in report.problems:
            logger.warning("mis en quarantaine : %s", problem)
    summary = _summary(params, reports, time.perf_counter() - started)
    _finish_run(rt, run, summary)
    _publish_artifact(summary, reports)
    return summary, reports


def _summary(params: SyncParameters, reports: list[DemarcheReport], seconds: float) -> dict:
    return {
        "mode": "full" if params.full else "incremental",
        "reconcile": params.reconcile,
        "seconds": round(seconds, 3),
        "requests": sum(r.requests for r in reports),
        "demarches": [
            {"role": r.role, "number": r.number, **asdict(r.counts), "requests": r.requests,
             "seconds": round(r.seconds, 3), "error": r.error, "quarantine": r.problems}
            for r in reports
        ],
        "status": SyncStatus.FAILED if any(r.error for r in reports) else SyncStatus.OK,
    }


def _start_run(rt: Runtime, params: SyncParameters) -> int:
    kind = "reconcile" if params.reconcile else ("full" if params.full else "incremental")
    with rt.sessions.begin() as session:
        for role in rt.config.demarche_roles(params.demarches):
            repo.ensure_demarche(session, rt.config.demarches[role].number, role)
        run = SyncRun(kind=kind, started_at=rt.clock(), status=SyncStatus.RUNNING, summary={})
        session.add(run)
        session.flush()
        return run.id


def _finish_run(rt: Runtime, run_id: int, summary: dict) -> None:
    with rt.sessions.begin() as session:
        run = session.get(SyncRun, run_id)
        assert run is not None
        run.finished_at = rt.clock()
        run.status = summary["status"]
        run.summary = summary
        errors = [d["error"] for d in summary["demarches"] if d["error"]]
        run.error = "\n".join(errors) or None


def _publish_artifact(summary: dict, reports: list[DemarcheReport]) -> None:
    publish_table("sync-dossiers", [r.as_row() for r in reports], sync_headline(summary),
                  empty="Aucune démarche")
