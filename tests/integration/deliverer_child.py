"""A deliverer in a process of its own (the concurrency and kill -9 tests start several).

    python -m tests.integration.deliverer_child [ds|email]…

Drains the lanes (all by default) of the store the EIG_* settings name, then prints its
report as JSON on the last line. The tests start it with ``start`` instead: a process
forked from a server that imported the pipeline once (multiprocessing's forkserver), so
that seventeen deliverers do not each pay the seconds of importing Prefect.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import traceback
from multiprocessing.connection import Connection

from eig.prefect_env import apply_defaults

apply_defaults()

from flows.delivery.deliverer import deliver_pending  # noqa: E402
from flows.runtime import open_runtime  # noqa: E402
from models.outbox import Lane  # noqa: E402

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])


def drain(lanes: list[str]) -> str:
    with open_runtime() as rt:
        report = deliver_pending(rt, lanes=[Lane(name) for name in lanes] or None)
    return json.dumps(report.counts())


def main(argv: list[str]) -> int:
    print(drain(argv), flush=True)
    return 0


def _forked(environ: dict[str, str], lanes: list[str], answer: Connection) -> None:
    os.environ.clear()
    os.environ.update(environ)  # the test's EIG_* settings, as a subprocess inherits them
    try:
        answer.send(("", drain(lanes)))
    except BaseException:
        answer.send((traceback.format_exc(), ""))
        raise SystemExit(1) from None


class Deliverer:
    """A forked deliverer, driven as a ``subprocess.Popen``: pid, poll, wait, communicate,
    returncode (-9 when killed)."""

    def __init__(self, *lanes: str) -> None:
        self._answer, sending = _CONTEXT.Pipe(duplex=False)
        self._process = _CONTEXT.Process(target=_forked,
                                         args=(dict(os.environ), list(lanes), sending))
        self._process.start()
        sending.close()
        self.pid = self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        self._process.join(timeout)
        return self._process.exitcode

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """(report, traceback) of a deliverer that ended; ("", "") if it was killed."""
        answer = ("", "")
        if self._answer.poll(timeout):
            try:
                err, out = self._answer.recv()
                answer = (out, err)
            except EOFError:  # killed before it answered
                pass
        self.wait(timeout)
        if self._process.exitcode is None:
            raise TimeoutError(f"deliverer {self.pid} still running after {timeout} s")
        return answer


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
