"""Benchmark of the hearings' scheduler: reproducible loads, seconds, how many placed.

A jury available every day (60 hearings × 12 members × 15 working days) and a sparser
one (each member available 60 % of the days), solved by `schedule_hearings` with its
default budget, next to the greedy fallback of the same run. Figures, not pass/fail.
Usage: .venv/bin/python bench/hearings.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models import hearing_schedule  # noqa: E402
from tests.unit.test_hearing_schedule import check, loaded_instance  # noqa: E402

CASES = [("jury available every day", False), ("jury available 60 % of the days", True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| instance (60 × 12 × 15) | solver | status | placed | seconds (runs) |")
    print("|---|---|---|---|---|")
    for label, partial in CASES:
        requests, jury = loaded_instance(60, 12, 15, seed=1, partial=partial)
        seconds, schedule = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            schedule = hearing_schedule.schedule_hearings(requests, jury)
            seconds.append(time.perf_counter() - started)
            check(schedule, requests, jury)
        assert schedule is not None
        runs = " / ".join(f"{s:.1f}" for s in seconds)
        print(f"| {label} | {schedule.solver} | {schedule.status} | "
              f"{len(schedule.bookings)} of {len(requests)} | "
              f"median {statistics.median(seconds):.1f} ({runs}) |")


if __name__ == "__main__":
    main()
