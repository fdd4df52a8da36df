"""A committee waits for its approval on a real Prefect server: suspended (no process
holds it), it survives its worker's SIGKILL — and the zombie automation, though it no
longer beats — while a run killed with that worker is found dead and reported; the team
is told it waits, reminded, and the committee, approved as the UI's Resume form does,
resumes on another worker, publishes its decisions once (through the deliverer the
hand-over event starts) and sets off the lauréats' conventions (draft-conventions,
triggered by the approval's event), and a second run for the same date ends at once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.mail import Mailbox
from connectors.store import leases
from flows.deliberate import full_attendance, pending_decisions
from models.tables import CommitteeSession, Convention
from tests.integration.chase_helpers import text_of
from tests.server.committee_world import published, scored_projets
from tests.server.conftest import HEARTBEAT, ZOMBIE_SECONDS
from tests.server.real_server import RealServer, wait_for

pytestmark = [pytest.mark.prefect_server, pytest.mark.xdist_group("prefect-server-approval")]

SESSION = "2026-12-01"
NOISE = ("Aborted submission",)


def alerts(maildir) -> Counter:
    """The alert emails received, by outbox key (mail:alert:<run>:<kind>)."""
    return Counter(m.effect for m in Mailbox(maildir).list()
                   if m.effect.startswith("mail:alert:"))


def test_a_suspended_committee_survives_its_worker_and_publishes_once(
        prefect_server: RealServer, world: dict, workers: list, tmp_path):
    sandbox, store, maildir = world["sandbox"], world["store"], world["maildir"]
    excellent, good, weak, pending = scored_projets(world, tmp_path)
    before = published(sandbox)
    first = prefect_server.worker("eig-test-a", HEARTBEAT)
    workers.append(first)

    run_id = prefect_server.run_deployment(
        "deliberate-projets", {"params": {"track": "projets", "session_date": SESSION}})
    run = prefect_server.wait_state(run_id, "PAUSED", timeout=300)
    suspended_at = time.monotonic()
    details = run["state"]["state_details"]
    assert run["state"]["name"] == "Suspended" and details["pause_reschedule"] is True
    with store.sessions() as session:
        committee = session.scalars(select(CommitteeSession)).one()
    assert (committee.flow_run_id, committee.status) == (run_id, "awaiting_approval")
    assert published(sandbox) == before  # suspended: nothing reached DS
    awaiting = f"mail:alert:{run_id}:awaiting"
    wait_for("the team told the committee waits", lambda: alerts(maildir)[awaiting], 120)
    box = Mailbox(maildir)
    [message] = [box.message(m.key) for m in box.list() if m.effect == awaiting]
    assert f"{prefect_server.url}/runs/flow-run/{run_id}" in text_of(message)

    # Another committee's run hangs on its stage's lease: late, then killed with its worker
    with store.sessions.begin() as session:
        assert leases.acquire(session, "deliberate:candidats", "the-test", {"host": "test"},
                              datetime.now(UTC), timedelta(hours=1))
    hanging = prefect_server.run_deployment(
        "deliberate-candidats", {"params": {"track": "candidats", "session_date": SESSION}})
    prefect_server.wait_state(hanging, "RUNNING", timeout=180)
    wait_for("the late alert", lambda: alerts(maildir)[f"mail:alert:{hanging}:late"], 180)

    # The worker's machine is lost (SIGKILL to the worker and the run it was executing);
    # the committee needs no process: another worker serves it
    first.kill(with_runs=True)
    second = prefect_server.worker("eig-test-b", HEARTBEAT)
    workers.append(second)
    prefect_server.wait_state(hanging, "CRASHED", timeout=300)  # no more heartbeats
    wait_for("the crash alert", lambda: alerts(maildir)[f"mail:alert:{hanging}:crashed"], 180)
    # longer than the zombie window (and its 10 s margin of old), yet:
    assert time.monotonic() - suspended_at > ZOMBIE_SECONDS + 10
    assert prefect_server.flow_run(run_id)["state"]["name"] == "Suspended"
    reminder = f"mail:alert:{run_id}:reminder"
    try:  # its notify-team run may have died with the first worker: handed back (e)
        wait_for("the reminder", lambda: alerts(maildir)[reminder], 180)
    except AssertionError as error:
        runs = [(r["parameters"]["params"]["kind"], r["state"]["name"], r["run_count"])
                for r in prefect_server.runs_of("notify-team")]
        raise AssertionError(f"{error}; notify-team runs: {runs}") from None

    decisions = pending_decisions(run_id)
    assert {d["dossier"]: d["decision"] for d in decisions} == {
        excellent: "Lauréat", good: "Lauréat", weak: "Refus"}
    prefect_server.resume(run_id, {"approuve": True, "approuve_par": "Camille Opératrice",
                                   "decisions": decisions, **full_attendance("projets")})
    prefect_server.wait_state(run_id, "COMPLETED", timeout=300)
    logs = prefect_server.logs_text(run_id)

    def delivered() -> bool:
        return (sandbox.mutations.applied("dossierAccepter", excellent) >= 1
                and sandbox.mutations.applied("dossierAccepter", good) >= 1
                and sandbox.mutations.applied("dossierRefuser", weak) >= 1
                and all(sandbox.mutations.applied("dossierEnvoyerMessage", n) >= 1
                        for n in (excellent, good, weak)))

    wait_for("the decisions in the sandbox (deliver-ds, started by the hand-over event)",
             delivered, timeout=240, every=1.0)
    for number in (excellent, good):
        assert sandbox.mutations.applied("dossierAccepter", number) == 1
    assert sandbox.mutations.applied("dossierRefuser", weak) == 1
    for number in (excellent, good, weak):
        assert sandbox.mutations.applied("dossierEnvoyerMessage", number) == 1
    assert sandbox.state.dossier(pending).state == "en_construction"
    with store.sessions() as session:
        committee = session.scalars(select(CommitteeSession).where(
            CommitteeSession.track == "projets")).one()
    assert committee.status == "approved" and committee.approved_by == "Camille Opératrice"
    assert any(r["state"]["type"] == "COMPLETED" for r in prefect_server.runs_of("deliver-ds"))

    # The lauréats' conventions: drafted by draft-conventions, which the committee's
    # approval set off (the event eig.committee.approved, flows.pipeline's chain on a server)
    def drafted() -> set[int]:
        with store.sessions() as session:
            return set(session.scalars(select(Convention.dossier_number)))

    wait_for("the conventions (draft-conventions, triggered by the approval)",
             lambda: drafted() == {excellent, good}, timeout=240, every=1.0)
    [triggered] = [r for r in prefect_server.runs_of("draft-conventions")
                   if r["state"]["type"] != "SCHEDULED"]  # (not its cron's runs)
    prefect_server.wait_state(triggered["id"], "COMPLETED", timeout=180)

    # A second run for the same date: the committee is approved, it ends at once
    after = published(sandbox)
    again = prefect_server.run_deployment(
        "deliberate-projets", {"params": {"track": "projets", "session_date": SESSION}})
    prefect_server.wait_state(again, "COMPLETED", timeout=180)
    wait_for("its log", lambda: "déjà approuvé" in prefect_server.logs_text(again), 30)
    time.sleep(5)
    assert published(sandbox) == after

    # The team got each alert once, and no other
    assert alerts(maildir) == Counter({awaiting: 1, reminder: 1,
                                       f"mail:alert:{hanging}:late": 1,
                                       f"mail:alert:{hanging}:crashed": 1})
    # No noise in the workers' logs in normal operation
    for worker in (first, second):
        output = worker.output()
        for noise in NOISE:
            assert noise not in output, f"{worker.name}: {noise}\n{output[-4000:]}"
    assert "Traceback" not in logs, logs
