"""`eig serve`: the environment and command lines it builds, what it takes for a Prefect
server, and what it refuses (a port held by something else, a second instance)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eig import serve
from settings.environment import PROJECT_ROOT


@contextmanager
def http_server(health_body: bytes, status: int = 200) -> Iterator[int]:
    """A local HTTP server answering every GET with ``status`` and ``health_body``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(health_body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_environment_is_offline_persistent_and_points_at_the_local_server():
    env = serve.serve_env({"DO_NOT_TRACK": "0", "EIG_DS_API_TOKEN": "kept"})
    assert env["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"
    assert env["PREFECT_HOME"] == str(PROJECT_ROOT / "var" / "prefect")
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["DO_NOT_TRACK"] == "0"  # the operator's choice stays
    assert env["EIG_DS_API_TOKEN"] == "kept"
    assert env["PREFECT_LOGGING_LEVEL"] == "INFO"  # the flow runs' logs, in the UI


def test_the_server_database_and_the_heartbeat_pass_through():
    url = "postgresql+asyncpg://prefect:s3cret@db.eig.example:5432/prefect"
    env = serve.serve_env({"PREFECT_API_DATABASE_CONNECTION_URL": url}, heartbeat_seconds=45)
    assert env["PREFECT_API_DATABASE_CONNECTION_URL"] == url  # the server runs on it
    assert env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "45"  # the zombie automation's beat
    assert serve.database_shown(env) == "PostgreSQL db.eig.example:5432/prefect"
    assert "s3cret" not in serve.database_shown(env)
    assert serve.database_shown({}) == "SQLite dans var/prefect"
    kept = serve.serve_env({"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "60"})
    assert kept["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "60"  # the operator's choice


def test_command_lines():
    assert serve.server_command() == [sys.executable, "-m", "prefect", "server", "start",
                                      "--host", "127.0.0.1", "--port", "4200"]
    assert serve.pool_command()[3:] == ["work-pool", "create", "eig", "--type", "process"]
    assert serve.deploy_command()[3:] == ["deploy", "--all", "--no-prompt"]
    assert serve.worker_command("eig-local-2")[3:] == ["worker", "start", "--pool", "eig",
                                                      "--name", "eig-local-2"]
    assert serve.setup_command()[3:] == ["setup"]
    assert serve.worker_names(2) == ["eig-local-1", "eig-local-2"]
    assert serve.sandbox_command(8765)[3:] == ["sandbox", "--port", "8765",
                                               "--dossiers", "300"]
    assert serve.mailserver_command(8025)[3:] == ["mailserver", "--port", "8025"]


def test_only_local_endpoints_get_a_sandbox():
    assert serve.local_endpoint("http://127.0.0.1:8765/api/v2/graphql", 80) == \
        ("127.0.0.1", 8765)
    assert serve.local_endpoint("https://www.demarches-simplifiees.fr/api/v2/graphql",
                                443) is None


def test_a_prefect_server_is_one_whose_health_check_answers_true():
    with http_server(b"true") as port:
        assert serve.prefect_status("127.0.0.1", port) == "prefect"
    with http_server(b"<html>not found</html>", status=404) as port:
        assert serve.prefect_status("127.0.0.1", port) == "other"
    assert serve.prefect_status("127.0.0.1", port) == "free"  # closed since


def test_refuses_to_start_when_the_port_is_taken_by_something_else(monkeypatch, tmp_path):
    monkeypatch.setattr(serve, "PREFECT_HOME", tmp_path)
    monkeypatch.setattr(serve, "PIDS_FILE", tmp_path / "serve.pids")
    monkeypatch.setattr(serve, "_start_local_services", lambda echo, env, started: None)
    monkeypatch.setattr(serve, "prefect_status", lambda *a, **k: "other")

    def no_process(*args, **kwargs):
        raise AssertionError("nothing may be started")

    monkeypatch.setattr(serve, "start", no_process)
    lines: list[str] = []
    assert serve.run_serve(lines.append) == 1
    assert any("4200" in line and "autre chose qu'un serveur Prefect" in line
               for line in lines)


def test_one_instance_at_a_time(tmp_path):
    lock = tmp_path / "serve.lock"
    with (serve.single_instance(lock),
          pytest.raises(serve.ServeError, match="tourne déjà"),
          serve.single_instance(lock)):
        pass
    with serve.single_instance(lock):  # released with the first
        pass


def test_leftovers_are_stopped_only_if_they_run_the_recorded_command(tmp_path):
    pids = tmp_path / "serve.pids"
    # our own pid, recorded with a command it does not run: left alone
    pids.write_text(f"{os.getpid()}\t-m prefect server start --host 127.0.0.1\nnonsense\n")
    lines: list[str] = []
    serve.stop_leftovers(lines.append, pids)
    assert lines == [] and not pids.exists()


def test_runs_that_need_their_process():
    def run(state_type: str, reschedule: bool | None = None) -> dict:
        details = {} if reschedule is None else {"pause_reschedule": reschedule}
        return {"state_type": state_type, "state": {"state_details": details}}

    assert serve.held_by_a_process(run("RUNNING"))
    assert serve.held_by_a_process(run("PENDING"))
    assert serve.held_by_a_process(run("PAUSED", reschedule=False))  # pause_flow_run
    assert not serve.held_by_a_process(run("PAUSED", reschedule=True))  # suspend_flow_run
    assert not serve.held_by_a_process(run("SCHEDULED"))
    assert not serve.held_by_a_process(run("COMPLETED"))


class FakeProcess:
    """A started process for `_stop`: records when it is stopped."""

    def __init__(self, log: list[str], code: int | None = None) -> None:
        self.log, self.code = log, code

    def poll(self) -> int | None:
        return self.code


def fake_started(name: str, log: list[str], *, worker: bool = False,
                 code: int | None = None) -> serve.Started:
    started = serve.Started(name, FakeProcess(log, code))  # type: ignore[arg-type]
    started.is_worker = worker
    started.stop = lambda: log.append(f"stop {name}")  # type: ignore[method-assign]
    return started


def test_every_worker_is_stopped_before_the_runs_are_checked_and_the_server_stopped(
        monkeypatch):
    log: list[str] = []
    monkeypatch.setattr(serve, "prefect_status", lambda *a, **k: "prefect")
    monkeypatch.setattr(serve, "crash_interrupted",
                        lambda echo, reason, settle=0.0: log.append("check runs"))
    started = [fake_started("serveur Prefect", log),
               fake_started("worker eig-local-1", log, worker=True),
               fake_started("worker eig-local-2", log, worker=True)]
    serve._stop(lambda line: None, started)
    assert sorted(log[:2]) == ["stop worker eig-local-1", "stop worker eig-local-2"]
    assert log[2:] == ["check runs", "stop serveur Prefect"]


def test_serve_ends_when_a_worker_ends():
    log: list[str] = []
    lines: list[str] = []
    workers = [fake_started("worker eig-local-1", log, worker=True),
               fake_started("worker eig-local-2", log, worker=True, code=3)]
    assert serve._until_a_worker_ends(lines.append, workers) == 3
    assert "eig-local-2" in lines[0]


def test_runs_held_by_another_machines_worker_are_left_alone(monkeypatch):
    class Answer:
        status_code = 200

        def raise_for_status(self) -> None:
            pass

        def json(self) -> list[dict]:
            return [{"name": "eig-local-1", "status": "ONLINE"},
                    {"name": "eig-local-2", "status": "ONLINE"},
                    {"name": "eig-machine-b", "status": "ONLINE"},
                    {"name": "eig-machine-c", "status": "OFFLINE"}]

    monkeypatch.setattr(serve, "_request", lambda *a, **k: Answer())
    assert serve.other_workers_online() == ["eig-machine-b"]  # ours, of any session, are not
