"""Benchmark of sync-dossiers against the DS sandbox (figures, not pass/fail).

Prints, for N dossiers in the sandbox (10,000 by default):
- full sync wall time as a ratio to a bare httpx loop that fetches the same pages
  without parsing or storing (target ≤ 1.3×), both measured in this run;
- HTTP requests of the full sync (target: the pages, the stream ends ride along);
- a no-change incremental sync: requests (target 1 per démarche) and time;
- peak RSS of the sync process (target < 300 MB).

    .venv/bin/python bench/sync.py [--dossiers 10000] [--database URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sandbox_process import free_port, start_sandbox  # bench/, beside this script

from connectors.ds import load_document
from ds_sandbox import DEFAULT_TOKEN, split
from settings.config import load_config

ROOT = Path(__file__).resolve().parent.parent
END_CURSOR = re.compile(rb'"dossiers":\{"pageInfo":\{"hasNextPage":(true|false),'
                        rb'"endCursor":(null|"[^"]*")')


def bare_loop(url: str, demarches: list[int]) -> tuple[float, int]:
    """The same pages as the sync asks for, with httpx only: no parsing, no storing.

    Only the dossiers stream's pageInfo is read, with a regular expression on the bytes.
    """
    query = load_document("sync_demarche").query
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    requests = 0
    started = time.perf_counter()
    with httpx.Client(timeout=60) as http:
        for number in demarches:
            after, first = None, True
            while True:
                variables = {
                    "number": number, "first": 100, "withRevision": first,
                    "withDossiers": True, "updatedSince": "2000-01-01T00:00:00+00:00",
                    "dossiersAfter": after, "withPendingDeleted": first,
                    "pendingDeletedSince": "2000-01-01T00:00:00+00:00",
                    "withDeleted": first, "deletedSince": "2000-01-01T00:00:00+00:00",
                }
                body = http.post(url, json={"query": query, "variables": variables,
                                            "operationName": "SyncDemarche"},
                                 headers=headers).raise_for_status().content
                requests += 1
                first = False
                match = END_CURSOR.search(body)
                if match is None:
                    sys.exit("bench: unexpected page shape")
                if match.group(1) == b"false":
                    break
                after = json.loads(match.group(2))
    return time.perf_counter() - started, requests


def run_sync_child(url: str, database: str) -> dict:
    env = {**os.environ, "EIG_DS_API_URL": url, "EIG_DS_API_TOKEN": DEFAULT_TOKEN,
           "EIG_DATABASE_URL": database}
    env.pop("PREFECT_API_URL", None)
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "_sync_child.py")], cwd=ROOT,
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"bench: the sync failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=None,
                        help="store URL (default: a fresh SQLite file in a temp directory)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="alternate this many bare loops and syncs; medians are reported")
    args = parser.parse_args()

    config = load_config(ROOT / "config" / "eig.yaml")
    demarches = [d.number for d in config.demarches.values()]
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v2/graphql"
    sandbox = start_sandbox(port, args.dossiers, args.seed, requests_per_minute=100_000)
    baselines: list[float] = []
    syncs: list[dict] = []
    try:
        for attempt in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                baseline, baseline_requests = bare_loop(url, demarches)
                baselines.append(baseline)
                if args.database and attempt == 0:
                    database = args.database
                elif args.database:
                    break  # a given database is synced once: later runs would only update
                else:
                    database = f"sqlite:///{tmp}/bench.sqlite"
                syncs.append(run_sync_child(url, database))
        baselines.append(bare_loop(url, demarches)[0])
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)

    baseline = statistics.median(baselines)
    sync = sorted(syncs, key=lambda s: s["full"]["seconds"])[len(syncs) // 2]  # the median
    ratios = sorted(s["full"]["seconds"] / baseline for s in syncs)
    counts = split(args.dossiers)
    pages = sum(-(-n // 100) for n in (counts.projets, counts.candidats, counts.evaluations))
    full, quiet = sync["full"], sync["no_change"]
    rows = [
        ("dossiers in the sandbox", f"{args.dossiers}", ""),
        ("store", database.split("://")[0].split("+")[0], ""),
        ("bare httpx loop (median)", f"{baseline:.2f} s",
         f"{baseline_requests} requests; runs: " + ", ".join(f"{b:.2f}" for b in baselines)),
        ("full sync (flow, median)", f"{full['seconds']:.2f} s",
         f"{full['created']} dossiers stored; runs: "
         + ", ".join(f"{s['full']['seconds']:.2f}" for s in syncs)),
        ("full sync / bare loop", f"{full['seconds'] / baseline:.2f}×",
         "target ≤ 1.3×; per run: " + ", ".join(f"{r:.2f}" for r in ratios)),
        ("full sync requests", f"{full['requests']}",
         f"{pages} pages of 100; per démarche {full['requests_per_demarche']}"),
        ("no-change sync requests", f"{quiet['requests']}",
         f"target 1 per démarche: {quiet['requests_per_demarche']}"),
        ("no-change sync time", f"{quiet['seconds']:.2f} s", ""),
        ("peak RSS of the sync process", f"{max(s['peak_rss_mb'] for s in syncs):.0f} MB",
         "target < 300 MB (max over runs)"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
