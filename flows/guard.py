"""One run of a stage at a time, across processes and machines: a lease in the store.

Deployments have no Prefect concurrency limit (a slot held by a waiting or killed run
blocked its deployment, and queued runs filled the worker's log with aborted
submissions); a stage that must not run twice at once — two assignments would give a
dossier six evaluators, two bookings one jury two rooms — holds a named lease instead,
renewed by a thread while it works. A second run waits for it (up to ``wait``) and then
goes on with what is left, or ends saying who holds it. A killed run's lease expires
after ``ttl`` and is taken over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from connectors.store import leases
from flows.runtime import Runtime

log = logging.getLogger(__name__)

TTL = timedelta(seconds=90)
RENEW_EVERY = 20.0
POLL = 2.0


class StageBusy(RuntimeError):
    """Another run holds the stage's lease (the message says which)."""


def _now() -> datetime:
    return datetime.now(UTC)  # leases are about live processes: real time


def _holder() -> dict[str, str]:
    from prefect.runtime import flow_run

    return {"flow_run_id": str(flow_run.id or ""), "flow_run": str(flow_run.name or ""),
            "host": socket.gethostname(), "pid": str(os.getpid())}


def describe(holder: dict[str, str]) -> str:
    run = holder.get("flow_run") or holder.get("flow_run_id") or "hors Prefect"
    return f"le run {run} (machine {holder.get('host', '?')}, processus {holder.get('pid', '?')})"


_local = threading.local()  # leases this thread holds (a subflow inside its stage's block)


def _held() -> dict[str, int]:
    if not hasattr(_local, "held"):
        _local.held = {}
    return _local.held


@contextmanager
def stage_lease(rt: Runtime, name: str, wait: float = 1800.0, ttl: timedelta = TTL,
                poll: float = POLL) -> Iterator[None]:
    """Hold the lease ``name`` for the block; wait up to ``wait`` seconds for it, then
    raise ``StageBusy``. Re-entrant within a thread (a subflow of the holder)."""
    held = _held()
    if held.get(name, 0) > 0:
        held[name] += 1
        try:
            yield
        finally:
            held[name] -= 1
        return
    with _acquired(rt, name, wait, ttl, poll):
        held[name] = 1
        try:
            yield
        finally:
            held[name] = 0


@contextmanager
def _acquired(rt: Runtime, name: str, wait: float, ttl: timedelta, poll: float
              ) -> Iterator[None]:
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    holder = _holder()
    deadline = time.monotonic() + wait
    announced = False
    while True:
        with rt.sessions.begin() as session:
            if leases.acquire(session, name, owner, holder, _now(), ttl):
                break
            current = leases.holder(session, name, _now())
        who = describe(current.holder) if current is not None else "un autre run"
        if time.monotonic() >= deadline:
            raise StageBusy(f"{name} : déjà en cours dans {who} ; ce run s'arrête sans rien "
                            "faire (le run en cours fera le travail)")
        if not announced:
            log.warning("%s : déjà en cours dans %s ; ce run attend son tour", name, who)
            announced = True
        time.sleep(poll)
    stop = threading.Event()
    lost = threading.Event()

    def keep_alive() -> None:
        while not stop.wait(min(RENEW_EVERY, ttl.total_seconds() / 3)):
            try:
                with rt.sessions.begin() as session:
                    if not leases.renew(session, name, owner, _now(), ttl):
                        lost.set()
                        log.error("%s : le verrou a expiré et a été repris", name)
                        return
            except Exception as error:  # the store hiccups: try again at the next beat
                log.warning("%s : verrou non renouvelé (%s)", name, error)

    beat = threading.Thread(target=keep_alive, name=f"lease-{name}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join(5)
        with rt.sessions.begin() as session:
            leases.release(session, name, owner)
