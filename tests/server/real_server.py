"""A real Prefect server, its process work pool, deployments from prefect.yaml and
workers, each in a process of its own — as operators run the pipeline, not the test
harness. Used by the tests under tests/server (marked ``prefect_server``).

Everything listens on 127.0.0.1 in the 18900–18999 range; the server's data lives in a
temporary PREFECT_HOME (SQLite), its scheduler is off (a deployment's cron must not
start a run in the middle of a test: runs are started by the tests, by automations and
by the hand-over event).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx

from settings.environment import PROJECT_ROOT

PORTS = range(18900, 19000)
SERVER_START_TIMEOUT = 240.0


def free_port(taken: set[int] | None = None) -> int:
    """A port of our range nobody listens on now."""
    candidates = list(PORTS)
    random.shuffle(candidates)
    for port in candidates:
        if taken and port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18900-18999")


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class Process:
    """A process in a session of its own, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log: Path):
        self.name, self.log = name, log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(argv, env=dict(env), cwd=PROJECT_ROOT,
                                      stdout=self._out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, with_runs: bool = False) -> None:
        """SIGKILL to its group: nothing gets a chance to clean up. A worker's flow runs
        live in sessions of their own and survive it; ``with_runs`` kills them too, as
        when the machine is lost."""
        import psutil

        runs = []
        if with_runs:
            with suppress(psutil.NoSuchProcess):
                runs = psutil.Process(self.popen.pid).children(recursive=True)
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        for run in runs:
            with suppress(psutil.NoSuchProcess):
                run.kill()
        self.popen.wait(30)
        self._out.close()

    def stop(self, grace: float = 20.0) -> None:
        if self.alive():
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGINT)
            with suppress(subprocess.TimeoutExpired):
                self.popen.wait(grace)
        self.kill()

    def idle(self) -> bool:
        """Whether it runs no child process (a worker: no flow run in progress)."""
        import psutil

        try:
            return not psutil.Process(self.popen.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return True

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Retrying503(httpx.BaseTransport):
    """Retry a request the server answered 503 (busy) a few times, with a pause."""

    def __init__(self, inner: httpx.BaseTransport, attempts: int = 6) -> None:
        self.inner, self.attempts = inner, attempts

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(self.attempts):
            response = self.inner.handle_request(request)
            if response.status_code != 503 or attempt == self.attempts - 1:
                return response
            response.close()
            time.sleep(0.5 * 2 ** attempt)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()


class RealServer:
    """``prefect server start`` and what the tests ask of it."""

    def __init__(self, home: Path, port: int | None = None,
                 database_url: str | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.url}/api"
        self.database_url = database_url  # None: SQLite in PREFECT_HOME
        self.processes: list[Process] = []
        # as Prefect's own client does: a busy server (SQLite locked) answers 503, retry
        self.http = httpx.Client(base_url=self.api, timeout=30.0, trust_env=False,
                                 transport=Retrying503(httpx.HTTPTransport()))

    # -- processes --------------------------------------------------------------------

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of every process the tests start: this one's (the EIG_*
        settings of the test), the project on PYTHONPATH, this server's API."""
        env = dict(os.environ)
        env.update({
            "PREFECT_HOME": str(self.home), "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
            "PYTHONPATH": os.pathsep.join(
                [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            "PYTHONUNBUFFERED": "1", "PREFECT_LOGGING_LEVEL": "INFO",
        })
        env.pop("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", None)
        for name in [n for n in env if n.startswith("PREFECT_SERVER_SERVICES_")]:
            env.pop(name)  # a complete server: its services as in production
        env.update(extra or {})
        return env

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        env = self.env({
            # runs are started by the tests, automations and events, never by a cron
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
        })
        if self.database_url:
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = self.database_url
        server = self.spawn("server", [sys.executable, "-m", "prefect", "server", "start",
                                       "--host", "127.0.0.1", "--port", str(self.port)], env)
        try:
            wait_for("the Prefect server", lambda: self._healthy(server),
                     SERVER_START_TIMEOUT, every=1.0)
        except AssertionError as error:
            raise AssertionError(f"Prefect server did not start:\n{server.output()[-3000:]}"
                                 ) from error

    def _healthy(self, server: Process) -> bool:
        if not server.alive():
            raise AssertionError(f"Prefect server exited:\n{server.output()[-3000:]}")
        try:
            return self.http.get("/health", timeout=5).json() is True
        except (httpx.HTTPError, ValueError):
            return False

    def spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> Process:
        process = Process(name, argv, env, self.home / f"{name}.log")
        self.processes.append(process)
        return process

    def run(self, argv: list[str], env: Mapping[str, str] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
        result = subprocess.run(argv, env=dict(env or self.env()), cwd=PROJECT_ROOT,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=timeout)
        assert result.returncode == 0, f"{argv}: {result.stdout}\n{result.stderr}"
        return result

    def prefect(self, *args: str, env: Mapping[str, str] | None = None
                ) -> subprocess.CompletedProcess:
        return self.run([sys.executable, "-m", "prefect", *args], env)

    def worker(self, name: str, env: Mapping[str, str] | None = None) -> Process:
        """A worker of the process pool ``eig``, polling every 2 s."""
        env = self.env({"PREFECT_WORKER_QUERY_SECONDS": "2",
                        "PREFECT_WORKER_PREFETCH_SECONDS": "5", **(env or {})})
        return self.spawn(f"worker-{name}", [sys.executable, "-m", "prefect", "worker",
                                             "start", "--pool", "eig", "--name", name], env)

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.http.close()

    # -- the API ----------------------------------------------------------------------

    def deployment(self, name: str) -> dict[str, Any]:
        response = self.http.post("/deployments/filter", json={
            "deployments": {"name": {"any_": [name]}}})
        response.raise_for_status()
        [found] = response.json()
        return found

    def run_deployment(self, name: str, parameters: dict[str, Any] | None = None
                       ) -> str:
        deployment = self.deployment(name)
        body: dict[str, Any] = {"state": {"type": "SCHEDULED"}}
        if parameters is not None:
            body["parameters"] = parameters
        response = self.http.post(f"/deployments/{deployment['id']}/create_flow_run",
                                  json=body)
        response.raise_for_status()
        return response.json()["id"]

    def flow_run(self, run_id: str) -> dict[str, Any]:
        response = self.http.get(f"/flow_runs/{run_id}")
        response.raise_for_status()
        return response.json()

    def wait_state(self, run_id: str, *types: str, timeout: float = 300.0
                   ) -> dict[str, Any]:
        """The run, once its state is one of ``types`` (a terminal state other than those
        fails at once, with the run's logs)."""
        def reached() -> dict[str, Any] | None:
            run = self.flow_run(run_id)
            state = run["state"]["type"] if run["state"] else None
            if state in types:
                return run
            if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                raise AssertionError(f"run {run_id} ended {run['state']['name']} while "
                                     f"waiting for {types}: {run['state']['message']}\n"
                                     + self.logs_text(run_id))
            return None

        return wait_for(f"run {run_id} in {types}", reached, timeout, every=1.0)

    def runs_of(self, deployment: str) -> list[dict[str, Any]]:
        response = self.http.post("/flow_runs/filter", json={
            "deployments": {"name": {"any_": [deployment]}}, "sort": "EXPECTED_START_TIME_ASC"})
        response.raise_for_status()
        return response.json()

    def logs(self, run_id: str) -> list[dict[str, Any]]:
        response = self.http.post("/logs/filter", json={
            "logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC",
            "limit": 200})
        response.raise_for_status()
        return response.json()

    def logs_text(self, run_id: str) -> str:
        return "\n".join(f"  {log['level']} {log['message']}" for log in self.logs(run_id))

    def resume(self, run_id: str, run_input: dict[str, Any]) -> dict[str, Any]:
        """What the UI's Resume form posts."""
        response = self.http.post(f"/flow_runs/{run_id}/resume",
                                  json={"run_input": run_input})
        response.raise_for_status()
        return response.json()
