"""Benchmark of the season simulation: a six-month season, 300 projects and 600
candidates, the real flows on the DS sandbox — seconds, peak memory, seconds per stage.

The baseline, measured in the same run: the first four weeks of the same season (same
seed); the ratio compares the cost of a simulated week over the whole season with the
cost of one of those first weeks (above 1: the later weeks cost more, the store has
grown). Figures, not pass/fail (target: ≤ 5 minutes on a 2-core machine).
Usage: .venv/bin/python bench/simulate.py [--weeks 26] [--baseline-weeks 4]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

# 26 weeks × 11.5 ≈ 300 projects; campaigns on 4 January, 4 March, 4 May (and a few
# filed on the season's last days of the 4 July one): ≈ 600 candidates
SEASON = dict(projects_per_week=11.5, campaign_size=197, seed=1)


def run(weeks: int, folder: Path) -> tuple[float, object]:
    from eig.season_flow import SimulationParameters, simulate_season

    started = time.perf_counter()
    summary = simulate_season(SimulationParameters(weeks=weeks, sortie=str(folder), **SEASON))
    return time.perf_counter() - started, summary["report"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--baseline-weeks", type=int, default=4)
    parser.add_argument("--sortie", type=Path, default=None,
                        help="keep the seasons' folders (stores, reports) here")
    args = parser.parse_args()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), \
            tempfile.TemporaryDirectory(prefix="bench-saison-") as tmp:
        where = args.sortie or Path(tmp)
        base_seconds, _ = run(args.baseline_weeks, where / "baseline")
        seconds, report = run(args.weeks, where / "season")
    run_ = report.run
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    per_week, base_per_week = seconds / args.weeks, base_seconds / args.baseline_weeks
    print("| season | seconds | per simulated week |")
    print("|---|---|---|")
    print(f"| {args.baseline_weeks} weeks (baseline) | {base_seconds:.1f} | {base_per_week:.2f} |")
    print(f"| {args.weeks} weeks: {run_.arrivals['projets']} projects, "
          f"{run_.arrivals['candidats']} candidates, {run_.params.roster} evaluators "
          f"| {seconds:.1f} | {per_week:.2f} ({per_week / base_per_week:.2f}× the baseline) |")
    print(f"\npeak RSS: {peak:.0f} MB (this process), {children:.0f} MB (largest child: the "
          "Prefect server or a renderer)")
    print("seconds per stage: " + ", ".join(
        f"{stage} {value:.1f} ({run_.runs.get(stage, 0)} runs)"
        for stage, value in run_.seconds.most_common()))
    print("evaluators' reactions: " + ", ".join(f"{k} {v}" for k, v in run_.reactions.items()))
    for measure in report.measures:
        share = "—" if measure.within_share is None else f"{measure.within_share:.1%}"
        print(f"  {measure.target.track} {measure.target.label}: {measure.done} done, "
              f"p50 {measure.p50}, p95 {measure.p95}, within {measure.target.days:g} d: {share}")
    print(f"failed stage runs: {len(run_.failures)} {run_.failures[:3]}")
    print(f"first committee: {report.committee.decided_first} of {report.committee.due}; "
          f"holds: {report.verdict.holds}")


if __name__ == "__main__":
    main()
