"""`eig serve` (`make serve`): the pipeline as operators run it, on this machine.

In order: offline defaults and a persistent ``PREFECT_HOME`` (``var/prefect``); the DS
sandbox and the local SMTP server when the settings point at them and nothing answers
there; a Prefect server with its UI on 127.0.0.1:4200 (or the one already answering) —
on SQLite in ``PREFECT_HOME``, or on the PostgreSQL database of
``PREFECT_API_DATABASE_CONNECTION_URL``; the process work pool ``eig``; the deployments
of ``prefect.yaml``; the automations that tell the team (``eig setup``); then the
workers (two by default), their output in this terminal. Their flow runs beat
(``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``), so that a run whose process died is found.
Ctrl-C (or SIGTERM) stops the workers and whatever this command started.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from eig.prefect_env import DEFAULTS
from settings.environment import LOCAL_HOSTS, PROJECT_ROOT, Settings

HOST = "127.0.0.1"
PORT = 4200
POOL = "eig"
SANDBOX_DOSSIERS = 300
PREFECT_HOME = PROJECT_ROOT / "var" / "prefect"
LOG_DIR = PREFECT_HOME / "logs"
PIDS_FILE = PREFECT_HOME / "serve.pids"
SERVER_START_TIMEOUT = 300.0  # the first start creates and migrates Prefect's database
SERVICE_START_TIMEOUT = 90.0
STOP_GRACE = 15.0
WORKER_GRACE = 30.0  # on SIGINT the worker stops polling and ends the runs it holds
SETTLE_SECONDS = 5.0  # for an ended run to report its own final state
# Workers poll every 10 s (PREFECT_WORKER_QUERY_SECONDS) and propose Pending at once: half
# an interval apart, two workers do not fetch the same run, and neither logs "Aborted
# submission" for it.
WORKER_STAGGER = 5.0
ACTIVE_STATES = ("PENDING", "RUNNING", "CANCELLING")
WORKER_PREFIX = f"{POOL}-local-"  # this machine's workers: eig-local-1, eig-local-2…
DEFAULT_WORKERS = 2

Echo = Callable[[str], None]


class ServeError(RuntimeError):
    """Something keeps `eig serve` from starting; the message says what and what to do."""


def api_url(host: str = HOST, port: int = PORT) -> str:
    return f"http://{host}:{port}/api"


def serve_env(base: Mapping[str, str], *, log_level: str = "INFO",
              host: str = HOST, port: int = PORT,
              heartbeat_seconds: int = 30) -> dict[str, str]:
    """The environment of every process `eig serve` starts: the operator's (a
    ``PREFECT_API_DATABASE_CONNECTION_URL`` included: the server then runs on that
    database), with our offline defaults, a persistent Prefect home, the local server's
    API and the flow runs' heartbeat (the zombie automation of `eig setup` needs it)."""
    env = dict(base)
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
    env["PREFECT_HOME"] = str(PREFECT_HOME)
    env["PREFECT_API_URL"] = api_url(host, port)
    # operators read the flow runs' logs in the UI: INFO, not the CLI's quiet WARNING
    env["PREFECT_LOGGING_LEVEL"] = log_level
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(heartbeat_seconds))
    return env


def database_shown(env: Mapping[str, str]) -> str:
    """Where the Prefect server keeps its data, as the operator may read it (no password)."""
    url = env.get("PREFECT_API_DATABASE_CONNECTION_URL")
    if not url:
        return f"SQLite dans {_shown(PREFECT_HOME)}"
    parts = urlsplit(url)
    where = f"{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"
    return f"PostgreSQL {where}" if parts.scheme.startswith("postgresql") else parts.scheme


def prefect_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "prefect", *args]


def eig_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "eig", *args]


def server_command(host: str = HOST, port: int = PORT) -> list[str]:
    return prefect_command("server", "start", "--host", host, "--port", str(port))


def pool_command(pool: str = POOL) -> list[str]:
    return prefect_command("work-pool", "create", pool, "--type", "process")


def setup_command() -> list[str]:
    return eig_command("setup")


def worker_names(count: int) -> list[str]:
    return [f"{WORKER_PREFIX}{i}" for i in range(1, count + 1)]


def deploy_command() -> list[str]:
    return prefect_command("deploy", "--all", "--no-prompt")


def worker_command(name: str, pool: str = POOL) -> list[str]:
    return prefect_command("worker", "start", "--pool", pool, "--name", name)


def sandbox_command(port: int) -> list[str]:
    return eig_command("sandbox", "--port", str(port), "--dossiers", str(SANDBOX_DOSSIERS))


def mailserver_command(port: int) -> list[str]:
    return eig_command("mailserver", "--port", str(port))


# --- probes -------------------------------------------------------------------------


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def prefect_status(host: str = HOST, port: int = PORT) -> str:
    """``"free"`` (nothing listens), ``"prefect"`` (a Prefect API answers its health
    check) or ``"other"`` (something else holds the port)."""
    if not port_open(host, port):
        return "free"
    try:
        response = _request("GET", f"{api_url(host, port)}/health", timeout=5.0)
        healthy = response.status_code == 200 and response.json() is True
    except (httpx.HTTPError, ValueError):
        healthy = False
    return "prefect" if healthy else "other"


def _request(method: str, url: str, *, timeout: float = 10.0, **kwargs: object) -> httpx.Response:
    """A request to the local API, never through a proxy of the environment."""
    return httpx.request(method, url, timeout=timeout, trust_env=False, **kwargs)


def local_endpoint(url: str, default_port: int) -> tuple[str, int] | None:
    """Host and port of ``url`` when it is on this machine (we may serve it), else None."""
    parts = urlsplit(url)
    if (parts.hostname or "") not in LOCAL_HOSTS:
        return None
    return parts.hostname or HOST, parts.port or default_port


# --- processes ------------------------------------------------------------------------


def stop_group(group: int, alive: Callable[[], bool], *, first_signal: int = signal.SIGTERM,
               grace: float = STOP_GRACE) -> None:
    """``first_signal``, then SIGTERM, then SIGKILL to a process group until it is gone."""
    for signum, wait in ((first_signal, grace), (signal.SIGTERM, STOP_GRACE)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signum)
        deadline = time.monotonic() + wait
        while alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not alive():
            break
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)  # stragglers of the group


@dataclass
class Started:
    """A process this command started, in a process group of its own."""

    name: str
    process: subprocess.Popen
    log: IO[bytes] | None = field(default=None)
    # the worker takes SIGINT as Ctrl-C: it stops taking runs and ends the ones it holds
    first_signal: int = signal.SIGTERM
    grace: float = STOP_GRACE
    is_worker: bool = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        stop_group(self.process.pid, self.alive, first_signal=self.first_signal,
                   grace=self.grace)
        self.process.wait()
        if self.log is not None:
            self.log.close()


def start(name: str, argv: list[str], env: Mapping[str, str], *,
          log_path: Path | None = None) -> Started:
    """Start ``argv`` in a new session (Ctrl-C reaches only us; we stop it ourselves),
    its output appended to ``log_path`` (or ours)."""
    log = None
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab")
    process = subprocess.Popen(argv, env=dict(env), cwd=PROJECT_ROOT, stdout=log,
                               stderr=subprocess.STDOUT if log else None,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    return Started(name, process, log)


def record(started: list[Started], path: Path) -> None:
    """Which processes we run (pid and command), for the next `eig serve` should this one
    die without stopping them (SIGKILL, a closed terminal)."""
    path.write_text("".join(f"{p.process.pid}\t{' '.join(p.process.args[1:])}\n"
                            for p in started if p.alive()))


def stop_leftovers(echo: Echo, path: Path) -> None:
    """Stop what a previous `eig serve` started and could not stop (we hold the lock, so
    it is dead). A pid counts only if it still runs the command recorded for it."""
    if not path.exists():
        return
    for line in reversed(path.read_text().splitlines()):  # the worker first
        pid_text, _, command = line.partition("\t")
        if not pid_text.isdigit() or not command or command not in _command_of(int(pid_text)):
            continue
        pid = int(pid_text)
        echo(f"… arrêt d'un reste d'un eig serve précédent : {command}")
        stop_group(pid, lambda pid=pid: _group_exists(pid))
    path.unlink()


def _command_of(pid: int) -> str:
    result = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True,
                            text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def _group_exists(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(ready: Callable[[], bool], started: Started, timeout: float,
               log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if not started.alive():
            raise ServeError(f"{started.name} s'est arrêté au démarrage "
                             f"(code {started.process.returncode}) ; voir {log_path} :\n"
                             + tail(log_path))
        if time.monotonic() > deadline:
            raise ServeError(f"{started.name} ne répond pas après {timeout:.0f} s ; "
                             f"voir {log_path} :\n" + tail(log_path))
        time.sleep(0.5)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_step(echo: Echo, what: str, argv: list[str], env: Mapping[str, str]) -> None:
    echo(f"… {what}")
    result = subprocess.run(argv, env=dict(env), cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise ServeError(f"{what} : échec (code {result.returncode}) :\n"
                         + (result.stdout + result.stderr).strip())


def pool_exists(pool: str, host: str = HOST, port: int = PORT) -> bool:
    response = _request("GET", f"{api_url(host, port)}/work_pools/{pool}")
    return response.status_code == 200


def deployment_names(host: str = HOST, port: int = PORT) -> list[str]:
    response = _request("POST", f"{api_url(host, port)}/deployments/filter",
                        json={"limit": 200})
    response.raise_for_status()
    return sorted(d["name"] for d in response.json())


def held_by_a_process(run: Mapping) -> bool:
    """Whether a flow run needs its process: pending, running, cancelling, or paused in
    place (``pause_flow_run``; a suspended run, ``suspend_flow_run``, needs none)."""
    if run["state_type"] in ACTIVE_STATES:
        return True
    details = (run.get("state") or {}).get("state_details") or {}
    return run["state_type"] == "PAUSED" and not details.get("pause_reschedule")


def active_runs(pool: str = POOL) -> list[dict]:
    """The pool's flow runs that a worker's process holds."""
    response = _request("POST", f"{api_url()}/flow_runs/filter", json={
        "flow_runs": {"state": {"type": {"any_": [*ACTIVE_STATES, "PAUSED"]}}},
        "work_pools": {"name": {"any_": [pool]}}, "limit": 200})
    response.raise_for_status()
    return [run for run in response.json() if held_by_a_process(run)]


def other_workers_online(pool: str = POOL) -> list[str]:
    response = _request("POST", f"{api_url()}/work_pools/{pool}/workers/filter", json={})
    if response.status_code == 404:  # no pool yet
        return []
    response.raise_for_status()
    return [w["name"] for w in response.json()
            if w.get("status") == "ONLINE" and not w["name"].startswith(WORKER_PREFIX)]


def crash_interrupted(echo: Echo, reason: str, settle: float = 0.0) -> None:
    """Mark Crashed the runs our workers held but no process runs any more: a run left
    Running would say so in the UI for ever (its stage's lease expires on its own), and
    a run paused in place can no longer be resumed; a suspended committee needs no
    process and is left waiting. Runs that another machine's online worker may hold are
    left alone (the zombie automation of `eig setup` finds those that died)."""
    deadline = time.monotonic() + settle
    runs = active_runs()
    while runs and time.monotonic() < deadline:  # a killed run may still report its end
        time.sleep(1.0)
        runs = active_runs()
    if not runs:
        return
    if others := other_workers_online():
        echo(f"  {len(runs)} run(s) en cours laissés tels quels : d'autres workers du pool "
             f"{POOL!r} sont en ligne ({', '.join(others)})")
        return
    for run in runs:
        _request("POST", f"{api_url()}/flow_runs/{run['id']}/set_state", json={
            "state": {"type": "CRASHED", "name": "Crashed", "message": reason},
            "force": True}).raise_for_status()
        echo(f"  run {run['name']} ({run['state_type']}) marqué Crashed : {reason}")


@contextlib.contextmanager
def single_instance(path: Path):
    """One `eig serve` at a time on this checkout (the lock dies with the process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ServeError("eig serve tourne déjà sur ce poste (verrou "
                             f"{_shown(path)}) : utilisez-le, ou arrêtez-le d'abord") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- the command ---------------------------------------------------------------------


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_serve(echo: Echo, *, log_level: str = "INFO", workers: int = DEFAULT_WORKERS) -> int:
    """Everything `make serve` does; returns the exit code."""
    from settings.config import ConfigError, load_config

    if workers < 1:
        echo("eig serve : il faut au moins un worker (--workers 1)")
        return 2
    try:
        heartbeat = load_config(Settings().config).operations.heartbeat_seconds
    except ConfigError as error:
        echo(f"eig serve : {error}")
        return 1
    env = serve_env(os.environ, log_level=log_level, heartbeat_seconds=heartbeat)
    PREFECT_HOME.mkdir(parents=True, exist_ok=True)
    started: list[Started] = []
    previous = {signum: signal.signal(signum, _terminate)  # also when started in background
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        with single_instance(PREFECT_HOME / "serve.lock"):
            try:
                return _serve(echo, env, started, workers)
            except ServeError as error:
                echo(f"eig serve : {error}")
                return 1
            except httpx.HTTPError as error:
                echo(f"eig serve : l'API Prefect ne répond pas ({error})")
                return 1
            except KeyboardInterrupt:
                echo("\nArrêt…")
                return 0
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a 2nd Ctrl-C must not skip this
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                _stop(echo, started)
    except ServeError as error:  # another `eig serve` holds the lock
        echo(f"eig serve : {error}")
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _keep(started: list[Started], process: Started) -> None:
    started.append(process)
    record(started, PIDS_FILE)


def _serve(echo: Echo, env: Mapping[str, str], started: list[Started], workers: int) -> int:
    stop_leftovers(echo, PIDS_FILE)
    _start_local_services(echo, env, started)
    _start_prefect_server(echo, env, started)
    crash_interrupted(echo, "interrompu : les workers de make serve se sont arrêtés pendant "
                      "le run")
    if not pool_exists(POOL):
        run_step(echo, f"work pool {POOL!r} (process)", pool_command(), env)
    run_step(echo, "prefect deploy --all (prefect.yaml)", deploy_command(), env)
    echo("Deployments : " + ", ".join(deployment_names()))
    run_step(echo, "automations qui préviennent l'équipe (eig setup, config/automations.yaml)",
             setup_command(), env)
    echo(_instructions())
    names = worker_names(workers)
    echo(f"Workers du pool {POOL!r} : {', '.join(names)} ; leurs runs battent toutes les "
         f"{env['PREFECT_FLOWS_HEARTBEAT_FREQUENCY']} s (Ctrl-C arrête tout ce que cette "
         "commande a lancé) :")
    for index, name in enumerate(names):
        if index:  # half a polling interval apart: two workers never fetch a run together
            time.sleep(WORKER_STAGGER)
        worker = start(f"worker {name}", worker_command(name), env)
        worker.first_signal, worker.grace = signal.SIGINT, WORKER_GRACE
        worker.is_worker = True
        _keep(started, worker)
    return _until_a_worker_ends(echo, [p for p in started if p.is_worker])


def _until_a_worker_ends(echo: Echo, workers: list[Started]) -> int:
    """Wait while every worker runs; when one ends, say so and return its code (the
    others are stopped with everything else)."""
    while True:
        for worker in workers:
            code = worker.process.poll()
            if code is not None:
                echo(f"eig serve : {worker.name} s'est arrêté (code {code}) ; arrêt du reste")
                return code or 1
        time.sleep(1.0)


def _stop(echo: Echo, started: list[Started]) -> None:
    """The workers first, side by side (each ends the runs it holds, which we then mark
    Crashed), then what the runs use: server, SMTP, sandbox."""
    workers = [p for p in started if p.is_worker]
    threads = [threading.Thread(target=p.stop, name=f"stop-{p.name}") for p in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in workers:
        echo(f"  {process.name} arrêté")
    if workers and prefect_status() == "prefect":
        try:
            crash_interrupted(echo, "interrompu par l'arrêt de make serve",
                              settle=SETTLE_SECONDS)
        except httpx.HTTPError as error:
            echo(f"  runs en cours non vérifiés : {error}")
    for process in reversed([p for p in started if not p.is_worker]):
        process.stop()
        echo(f"  {process.name} arrêté")
    PIDS_FILE.unlink(missing_ok=True)


def _start_local_services(echo: Echo, env: Mapping[str, str], started: list[Started]) -> None:
    from connectors.mail.url import parse_smtp_url

    settings = Settings()
    ds = local_endpoint(settings.ds_api_url, 80)
    if ds is None:
        echo(f"DS : {settings.ds_api_url} (pas de bac à sable)")
    elif port_open(*ds):
        echo(f"Bac à sable DS : déjà à l'écoute sur {ds[0]}:{ds[1]} (laissé tel quel)")
    else:
        log_path = LOG_DIR / "sandbox.log"
        echo(f"… bac à sable DS sur le port {ds[1]} ({SANDBOX_DOSSIERS} dossiers), "
             f"journal {_shown(log_path)}")
        sandbox = start("bac à sable DS", sandbox_command(ds[1]), env, log_path=log_path)
        _keep(started, sandbox)
        wait_until(lambda: port_open(*ds), sandbox, SERVICE_START_TIMEOUT, log_path)

    smtp = parse_smtp_url(settings.smtp_url.get_secret_value())
    if smtp.host not in LOCAL_HOSTS:
        echo(f"SMTP : {smtp.host}:{smtp.port}")
    elif port_open(smtp.host, smtp.port):
        echo(f"SMTP local : déjà à l'écoute sur {smtp.host}:{smtp.port} (laissé tel quel)")
    else:
        log_path = LOG_DIR / "mailserver.log"
        echo(f"… serveur SMTP local sur le port {smtp.port} ({_shown(settings.maildir)}, "
             "eig mailbox)")
        mail = start("serveur SMTP local", mailserver_command(smtp.port), env,
                     log_path=log_path)
        _keep(started, mail)
        wait_until(lambda: port_open(smtp.host, smtp.port), mail, SERVICE_START_TIMEOUT,
                   log_path)


def _start_prefect_server(echo: Echo, env: Mapping[str, str],
                          started: list[Started]) -> None:
    status = prefect_status()
    if status == "other":
        raise ServeError(f"le port {PORT} de {HOST} est pris par autre chose qu'un serveur "
                         f"Prefect : arrêtez-le, puis relancez `make serve`")
    if status == "prefect":
        echo(f"Serveur Prefect : déjà en marche sur {api_url()} (laissé tel quel)")
        return
    log_path = LOG_DIR / "server.log"
    echo(f"… serveur Prefect sur {api_url()} (données : {database_shown(env)}, "
         f"journal {_shown(log_path)} ; le premier démarrage prend jusqu'à une minute)")
    server = start("serveur Prefect", server_command(), env, log_path=log_path)
    _keep(started, server)
    wait_until(lambda: prefect_status() == "prefect", server, SERVER_START_TIMEOUT, log_path)


def _shown(path: Path) -> str:
    """A path as the operator types it from the project root."""
    return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


def _instructions() -> str:
    ui = f"http://{HOST}:{PORT}"
    return f"""
Interface Prefect : {ui}
  - Deployments > sync-dossiers > Run > Quick run (Custom run : démarches, full, reconcile)
  - Runs > le run > Artifacts : le tableau sync-dossiers (ou les classements, la liste
    des retards, les effets en échec selon le flow)
  - Work pools > {POOL} : les workers ci-dessous prennent les runs (planifiés ou lancés ici)
  - Automations : les alertes « EIG — … » à l'équipe (échec, durée anormale, comité à
    approuver, run sans signe de vie), envoyées par le déploiement notify-team
Courriels reçus : .venv/bin/eig mailbox ; effets : .venv/bin/eig effects
"""
