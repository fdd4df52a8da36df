"""A deliverer in a process of its own (the concurrency and kill -9 tests start several).

    python -m tests.integration.deliverer_child [ds|email]…

Drains the lanes (all by default) of the store the EIG_* settings name, then prints its
report as JSON on the last line.
"""

from __future__ import annotations

import json
import sys

from eig.prefect_env import apply_defaults

apply_defaults()

from flows.effects import deliver_pending  # noqa: E402
from flows.runtime import open_runtime  # noqa: E402
from models.outbox import Lane  # noqa: E402


def main(argv: list[str]) -> int:
    lanes = [Lane(name) for name in argv] or None
    with open_runtime() as rt:
        report = deliver_pending(rt, lanes=lanes)
    print(json.dumps(report.counts()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
