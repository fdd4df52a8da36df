"""Benchmark of the evaluation task emails against the DS sandbox at DS's real limits
(figures, not pass/fail).

The sandbox runs in a process of its own with DS's limits: 400 GraphQL requests a minute
per token, 15 prefill API requests per 15 s per IP. A store is prepared as the
integration tests do (a full sync of the sandbox, a synthetic roster, N assignments
recorded with their task email — three evaluators per dossier — none delivered), then:

- **old links**: the two links of a task made the way the task email made them until now,
  one POST each to DS's prefill API (`PrefillClient`). Capped at a sample (45 POSTs by
  default: three windows of 15) and extrapolated to the 2 × N POSTs of N tasks, 15 per
  window of the length measured in the sample (at least 16 POSTs);
- **new links**: the same links as DS prefill links (`TaskEmails.link`: no network), then
  built and stored for every task (`TaskEmails.links`);
- **compose**: every task email composed as the delivery does it, `TaskEmails.task(...)`
  (links, the dossier's PDF from DS — cached per dossier —, the .ics, the French text
  and HTML), links not stored beforehand; the SMTP send is not part of it;
- **compose without the PDF cache** (skip with `--no-uncached`): the same, one DS request
  and download per email, to show what the cache saves (DS's 400 a minute then binds);
- **delivered in lanes**: the N recorded task emails sent by the email lane to a local
  SMTP server (composition included), while a DS decision recorded after them goes
  through the DS lane: how long each lane took (the decision does not wait).

    .venv/bin/python bench/task_emails.py [--tasks 684] [--baseline-sample 45]
                                         [--no-uncached] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import httpx
from sandbox_process import free_port, start_sandbox  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 120.0
PREFILL_WINDOW = (15, 15.0)  # DS: 15 prefill requests per 15 s per IP
GRAPHQL_PER_MINUTE = 400  # DS: per token


def full_sync() -> float:
    """`eig sync --full` in a child process (Prefect's ephemeral server stays out of this
    one); returns its wall time."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "eig", "sync", "--full", "--json"],
                            cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    if result.returncode != 0:
        sys.exit(f"bench: the sync failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def prepare_tasks(rt: Any, tasks: int, tmp: Path) -> list[Any]:
    """A synthetic roster and `tasks` assignments, three evaluators per dossier, each
    recorded with its task email (as assign-evaluators records them), none delivered."""
    from sqlalchemy import select

    from connectors.roster_file import load_roster
    from connectors.store.roster import replace_roster
    from eig.demo_roster import write_demo_roster
    from flows.replacement import create_assignment, task_due
    from models.tables import Assignment, Dossier

    config = rt.config
    roster = write_demo_roster(tmp / "evaluateurs.csv", 150, seed=11, capacity=30)
    evaluators = load_roster(roster, allowed_profiles=config.roster.profiles,
                             allowed_tracks=list(config.tracks))
    emails = [e.email for e in evaluators]
    now = rt.clock()
    per_dossier = 3
    with rt.sessions.begin() as session:
        replace_roster(session, evaluators, now)
        numbers = {config.demarches[t.demarche].number: key for key, t in config.tracks.items()}
        dossiers = session.scalars(select(Dossier).where(
            Dossier.demarche_number.in_(numbers), Dossier.hidden.is_(False),
            Dossier.deleted.is_(False)).order_by(Dossier.number)).all()
        needed = math.ceil(tasks / per_dossier)
        if len(dossiers) < needed:
            sys.exit(f"bench: {len(dossiers)} dossiers synced, {needed} needed")
        made = 0
        for index, dossier in enumerate(dossiers[:needed]):
            track = numbers[dossier.demarche_number]
            due = task_due(config, track, now)
            for seat in range(min(per_dossier, tasks - made)):
                evaluator = emails[(index * per_dossier + seat) % len(emails)]
                create_assignment(session, dossier=dossier.number, evaluator=evaluator,
                                  track=track, now=now, due=due, reasons={"bench": True})
                made += 1
    with rt.sessions() as session:
        assignments = list(session.scalars(select(Assignment).order_by(Assignment.id)))
        session.expunge_all()
    return assignments


def old_links(rt: Any, assignments: list[Any], sample: int) -> dict[str, Any]:
    """The two links per task through DS's prefill API, for a sample, extrapolated."""
    from connectors.ds import PrefillClient, prefill_base_url
    from flows.delivery.task_emails import PURPOSES, TaskEmails

    composer = TaskEmails(rt)
    base = rt.settings.ds_public_url or prefill_base_url(rt.settings.ds_api_url)
    demarche = rt.config.demarches["evaluations"].number
    wanted = [(a, p) for a in assignments for p in PURPOSES][:sample]
    done: list[float] = []
    started = time.perf_counter()
    with PrefillClient(base, requests_per_window=PREFILL_WINDOW[0],
                       window_seconds=PREFILL_WINDOW[1]) as client:
        for assignment, purpose in wanted:
            client.create(demarche, composer.prefill_values(assignment, purpose))
            done.append(time.perf_counter() - started)
        sent = client.requests_sent
    total = 2 * len(assignments)
    burst = PREFILL_WINDOW[0]
    windows = (len(done) - 1) // burst  # window boundaries crossed by the sample
    if windows >= 1:
        # request i + 15 leaves one window after request i: the period, as measured
        period = (done[windows * burst] - done[0]) / windows
        extrapolated = (math.ceil(total / burst) - 1) * period + done[burst - 1]
    else:
        period = extrapolated = None
    return {"requests": len(done), "http_requests_sent": sent,
            "sample_seconds": round(done[-1], 2) if done else 0.0,
            "measured_window_seconds": round(period, 2) if period else None,
            "extrapolated_seconds_for_all": round(extrapolated, 1) if extrapolated else None,
            "extrapolated_requests": total,
            "note": f"measured on {len(done)} of the {total} POSTs; extrapolated: "
                    f"{burst} per measured window"}


def new_links(rt: Any, assignments: list[Any]) -> dict[str, Any]:
    from sqlalchemy import delete

    from flows.delivery.task_emails import PURPOSES, TaskEmails
    from models.tables import EvaluationLink

    composer = TaskEmails(rt)
    started = time.perf_counter()
    built = [composer.link(a, p) for a in assignments for p in PURPOSES]
    built_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for assignment in assignments:
        composer.links(assignment)
    stored_seconds = time.perf_counter() - started
    with rt.sessions.begin() as session:  # the composition below builds them again
        session.execute(delete(EvaluationLink))
    return {"links": len(built), "build_seconds": round(built_seconds, 3),
            "build_and_store_seconds": round(stored_seconds, 3),
            "longest_link_chars": max(len(u) for u in built), "sample": built[0]}


def compose(rt: Any, assignments: list[Any], sandbox: str, cached: bool) -> dict[str, Any]:
    from sqlalchemy import delete

    import flows.delivery.task_emails as task_emails
    from models.outbox import mail_key
    from models.tables import EvaluationLink

    with rt.sessions.begin() as session:
        session.execute(delete(EvaluationLink))
    httpx.delete(f"{sandbox}/_sandbox/stats").raise_for_status()
    httpx.delete(f"{sandbox}/_sandbox/prefill-stats").raise_for_status()
    saved = task_emails.PDF_CACHE_ENTRIES
    task_emails.PDF_CACHE_ENTRIES = saved if cached else 0
    composer = task_emails.TaskEmails(rt)
    each: list[float] = []
    size = 0
    try:
        started = time.perf_counter()
        for assignment in assignments:
            one = time.perf_counter()
            email = composer.task(assignment.id, mail_key("eval-request", assignment.id))
            each.append(time.perf_counter() - one)
            assert email is not None
            size += sum(len(a.content) for a in email.attachments) + len(email.html or "")
        seconds = time.perf_counter() - started
    finally:
        task_emails.PDF_CACHE_ENTRIES = saved
        composer.close()
    stats = httpx.get(f"{sandbox}/_sandbox/stats").json()
    prefill = httpx.get(f"{sandbox}/_sandbox/prefill-stats").json()
    each.sort()
    return {"emails": len(assignments), "seconds": round(seconds, 2),
            "per_email_ms": {"median": round(median(each) * 1000, 1),
                             "p95": round(each[int(len(each) * 0.95) - 1] * 1000, 1),
                             "max": round(each[-1] * 1000, 1)},
            "pdf_fetches": composer.pdf_fetches,
            "graphql_requests": stats["total"],
            "graphql_by_operation": stats["by_operation"],
            "graphql_429": stats["by_status"].get("429", 0),
            "prefill_api_requests": prefill["total"],
            "mean_email_kb": round(size / len(assignments) / 1024, 1)}


def deliver_in_lanes(sandbox: str, tmp: Path) -> dict[str, Any]:
    """The recorded task emails delivered by the email lane to a local SMTP server while
    a DS decision, recorded after them, goes through the DS lane: it does not wait."""
    import threading

    from sqlalchemy import select

    from connectors.mail import running_smtp_server
    from connectors.store import outbox
    from ds_sandbox import PROJETS
    from flows.delivery.deliverer import LaneDeliverer
    from flows.runtime import open_runtime
    from models.outbox import Kind, Lane, ds_key
    from models.tables import Dossier

    with running_smtp_server(tmp / "maildir") as smtp:
        os.environ.update({"EIG_SMTP_URL": smtp.url, "EIG_MAILDIR": str(tmp / "maildir")})
        with open_runtime() as rt:
            with rt.sessions() as session:
                number = session.scalar(select(Dossier.number).where(
                    Dossier.demarche_number == PROJETS.number).order_by(Dossier.number))
            with rt.sessions.begin() as session:
                outbox.record_effect(session, ds_key("label", number, "bench"), Kind.DS,
                                     "label_add", {"dossier": number, "label": "À discuter"},
                                     rt.clock())
            finished: dict[str, float] = {}
            reports: dict[str, Any] = {}
            started = time.perf_counter()

            def drain(lane: Lane) -> None:
                reports[str(lane)] = LaneDeliverer(rt, lane).drain(10_000, time.monotonic()
                                                                   + 600)
                finished[str(lane)] = time.perf_counter() - started

            threads = [threading.Thread(target=drain, args=(lane,)) for lane in Lane]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        received = smtp.mailbox.message_ids()
    return {"emails_delivered": reports["email"].delivered,
            "email_lane_seconds": round(finished["email"], 1),
            "ds_decision_delivered": reports["ds"].delivered,
            "ds_lane_seconds": round(finished["ds"], 2),
            "maildir_messages": sum(received.values()),
            "maildir_duplicates": sum(n - 1 for n in received.values() if n > 1)}


def check_links(sandbox: str, assignments: list[Any], rt: Any, count: int = 5) -> int:
    """Follow a few stored evaluate links as an evaluator would (the sandbox's start page,
    through its admin route): each must prefill the evaluated dossier and the token."""
    from flows.delivery.task_emails import TaskEmails

    composer = TaskEmails(rt)
    fields = rt.config.demarches["evaluations"].fields
    ok = 0
    for assignment in assignments[:count]:
        answer = httpx.post(f"{sandbox}/_sandbox/commencer",
                            json={"url": composer.link(assignment, "evaluate")}).json()
        expected = composer.prefill_values(assignment, "evaluate")
        ok += (answer["values"] == expected and not answer["ignored_keys"]
               and answer["values"][fields["dossier_evalue"].id] == assignment.dossier_number)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=684, help="task emails (684 by default)")
    parser.add_argument("--baseline-sample", type=int, default=45,
                        help="prefill API POSTs actually made for the old way (then "
                             "extrapolated)")
    parser.add_argument("--no-uncached", action="store_true",
                        help="skip the composition without the PDF cache")
    parser.add_argument("--database", help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    dossiers = max(300, math.ceil(args.tasks / 3 / 0.9) + 30)  # 90 % projets + candidats
    port = free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-task-emails-") as tmp:
        os.environ.update({
            "EIG_DS_API_URL": f"{sandbox_url}/api/v2/graphql",
            "EIG_DS_API_TOKEN": "sandbox-token",
            "EIG_DATABASE_URL": args.database or f"sqlite:///{tmp}/bench.sqlite",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
        })
        os.environ.pop("EIG_DS_PUBLIC_URL", None)
        process = start_sandbox(port, dossiers, args.seed, GRAPHQL_PER_MINUTE)
        try:
            figures = run(args, sandbox_url, dossiers, Path(tmp))
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


def run(args: argparse.Namespace, sandbox_url: str, dossiers: int, tmp: Path
        ) -> dict[str, Any]:
    from flows.runtime import open_runtime

    sync_seconds = full_sync()
    with open_runtime() as rt:
        if rt.config.sync.requests_per_minute != GRAPHQL_PER_MINUTE:
            sys.exit("bench: the configuration must keep DS's 400 requests a minute")
        assignments = prepare_tasks(rt, args.tasks, tmp)
        old = old_links(rt, assignments, args.baseline_sample)
        new = new_links(rt, assignments)
        cached = compose(rt, assignments, sandbox_url, cached=True)
        uncached = None if args.no_uncached else compose(rt, assignments, sandbox_url,
                                                         cached=False)
        if uncached:
            uncached["note"] = ("right after the cached run, whose requests count against "
                                "the same 400 a minute (as two delivery runs would)")
        checked = check_links(sandbox_url, assignments, rt)
    delivered = deliver_in_lanes(sandbox_url, tmp)
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "tasks": len(assignments),
        "dossiers": len({a.dossier_number for a in assignments}),
        "sandbox": {"dossiers": dossiers, "graphql_per_minute": GRAPHQL_PER_MINUTE,
                    "prefill_api": f"{PREFILL_WINDOW[0]} per {PREFILL_WINDOW[1]:g} s"},
        "setup_sync_seconds": round(sync_seconds, 1),
        "old_links_prefill_api": old,
        "new_links": new,
        "compose_with_pdf_cache": cached,
        "compose_without_pdf_cache": uncached,
        "links_checked_in_sandbox": checked,
        "delivered_in_lanes": delivered,
    }
    ratios: dict[str, Any] = {}
    if old["extrapolated_seconds_for_all"]:
        ratios["old_links_vs_new_links"] = round(
            old["extrapolated_seconds_for_all"] / max(new["build_and_store_seconds"], 1e-6))
        ratios["old_links_vs_whole_composition"] = round(
            old["extrapolated_seconds_for_all"] / cached["seconds"], 1)
    if uncached:
        ratios["pdf_fetches_without_vs_with_cache"] = round(
            uncached["pdf_fetches"] / max(cached["pdf_fetches"], 1), 2)
        ratios["compose_without_vs_with_cache"] = round(
            uncached["seconds"] / cached["seconds"], 2)
    figures["ratios"] = ratios
    ratios["email_lane_vs_ds_decision"] = round(
        delivered["email_lane_seconds"] / max(delivered["ds_lane_seconds"], 1e-3), 1)
    figures["target"] = {"all_out_within_seconds": TARGET_SECONDS,
                         "met": cached["seconds"] <= TARGET_SECONDS
                         and delivered["email_lane_seconds"] <= TARGET_SECONDS}
    return figures


if __name__ == "__main__":
    main()
