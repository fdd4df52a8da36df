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
from eig.settings import PROJECT_ROOT


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


def test_command_lines():
    assert serve.server_command() == [sys.executable, "-m", "prefect", "server", "start",
                                      "--host", "127.0.0.1", "--port", "4200"]
    assert serve.pool_command()[3:] == ["work-pool", "create", "eig", "--type", "process"]
    assert serve.deploy_command()[3:] == ["deploy", "--all", "--no-prompt"]
    assert serve.worker_command()[3:] == ["worker", "start", "--pool", "eig",
                                          "--name", "eig-local"]
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
