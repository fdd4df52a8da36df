"""Soak test: the pipeline as operators run it, under concurrency and failures (figures,
not pass/fail; the acceptance of "every effect exactly once").

It starts, each in a process of its own and none of them the test harness:
- a Prefect server on PostgreSQL (a database of its own, created afresh), its work pool,
  every deployment of prefect.yaml (`prefect deploy --all`) and the automations
  (`eig setup`), then **two workers**;
- the DS sandbox at DS's real limits (400 requests a minute per token; 300 dossiers)
  whose dates follow a travelling clock shared with every flow run (EIG_CLOCK_FILE);
- the local SMTP server, writing a Maildir;
- the store on PostgreSQL (a database of its own), a roster of 150 evaluators.

Then it plays a compressed selection season: on each "day", several runs of the
deployments at once (sync, reconcile, assign, chase, score, hearings, conventions,
missions, digest, both deliverers, both committees…), evaluators following their
links and answering (some decline, some never do), a worker killed (SIGKILL) in the
middle of the first delivery burst and started again, committees and a mission approved
through the API as the UI does. At the end it waits for the outbox to drain and prints
JSON: runs by final state; effects recorded, delivered, duplicated and lost — emails
counted in the Maildir by Message-ID and effect key, DS writes in the sandbox's mutation
log by clientMutationId, both independently of the outbox table; the time to drain; the
approved committees' decisions seen in the sandbox; DS's budget as the sandbox counted it.

    .venv/bin/python bench/soak.py [--dossiers 300] [--roster 150] [--repeat 2]
                                   [--pg postgresql://postgres@127.0.0.1:5432/test]
                                   [--keep] [--out var/soak/result.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
PARIS = ZoneInfo("Europe/Paris")
PREFECT_PORT, SANDBOX_PORT, SMTP_PORT = 14200, 14765, 14025
ACTIVE = ("SCHEDULED", "PENDING", "RUNNING", "CANCELLING")


# -- processes -------------------------------------------------------------------------


class Service:
    """A process of the soak, in a session of its own, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Service:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL the process itself, as a crashed machine would (its flow runs too
        when ``group``)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(20)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def wait_until(ready, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            sys.exit(f"soak: {what} not ready after {timeout:.0f} s")
        time.sleep(0.5)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def fresh_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def run(argv: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"soak: {what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


# -- the Prefect API -------------------------------------------------------------------


class Prefect:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30.0, trust_env=False)
        self.deployments: dict[str, str] = {}
        self.triggered: list[str] = []

    def load_deployments(self) -> None:
        answer = self.http.post("/deployments/filter", json={"limit": 200})
        answer.raise_for_status()
        self.deployments = {d["name"]: d["id"] for d in answer.json()}

    def trigger(self, name: str, params: dict[str, Any] | None = None) -> str:
        body: dict[str, Any] = {"state": {"type": "SCHEDULED"}}
        if params is not None:
            body["parameters"] = {"params": params}
        answer = self.http.post(f"/deployments/{self.deployments[name]}/create_flow_run",
                                json=body)
        answer.raise_for_status()
        run_id = answer.json()["id"]
        self.triggered.append(run_id)
        return run_id

    def runs(self, states: Iterable[str] | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            body: dict[str, Any] = {"limit": 200, "offset": offset}
            if states:
                body["flow_runs"] = {"state": {"type": {"any_": list(states)}}}
            answer = self.http.post("/flow_runs/filter", json=body)
            answer.raise_for_status()
            page = answer.json()
            found += page
            if len(page) < 200:
                return found
            offset += 200

    def busy(self) -> list[dict[str, Any]]:
        """Runs under way or due (a schedule's runs of the coming hours are not)."""
        soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
        return [r for r in self.runs(ACTIVE) if r["state_type"] != "SCHEDULED"
                or (r.get("next_scheduled_start_time") or r["expected_start_time"]) < soon]

    def suspended(self, deployment: str) -> list[dict[str, Any]]:
        wanted = self.deployments[deployment]
        return [r for r in self.runs(["PAUSED"]) if r["deployment_id"] == wanted]

    def resume(self, run_id: str, answer: dict[str, Any]) -> None:
        response = self.http.post(f"/flow_runs/{run_id}/resume", json={"run_input": answer})
        response.raise_for_status()
        if response.json().get("status") != "ACCEPT":
            sys.exit(f"soak: resume of {run_id} refused: {response.json()}")

    def settle(self, timeout: float = 1200.0) -> float:
        """Wait until no run is scheduled, pending or running; returns the seconds."""
        started = time.monotonic()
        quiet = 0
        while time.monotonic() - started < timeout:
            quiet = quiet + 1 if not self.busy() else 0
            if quiet >= 3:  # an event-triggered deliverer may still be on its way
                break
            time.sleep(2)
        return time.monotonic() - started


# -- the season ------------------------------------------------------------------------


class Season:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], prefect: Prefect,
                 workers: list[Service], work: Path) -> None:
        self.args, self.env, self.prefect, self.workers = args, env, prefect, workers
        self.work = work
        self.rng = random.Random(args.seed)
        self.sandbox = httpx.Client(base_url=f"http://127.0.0.1:{SANDBOX_PORT}", timeout=60,
                                    trust_env=False)
        from connectors.clock_file import FileClock

        self.clock = FileClock(env["EIG_CLOCK_FILE"])
        self.start = self.clock()
        self.events: list[dict[str, Any]] = []
        self.last_trigger = time.monotonic()
        self.killed = False

    # the calendar
    def day(self, number: int, hour: int = 9) -> None:
        day = (self.start.astimezone(PARIS) + timedelta(days=number)).date()
        self.clock.travel_to(datetime.combine(day, dtime(hour), PARIS).astimezone(UTC))
        self.note(f"jour {number} ({day:%a %d/%m})")

    def note(self, what: str, **figures: Any) -> None:
        entry = {"at": round(time.monotonic() - T0, 1), "what": what, **figures}
        self.events.append(entry)
        print(json.dumps(entry, ensure_ascii=False), file=sys.stderr, flush=True)

    def burst(self, *names: str | tuple[str, dict[str, Any]], times: int | None = None) -> None:
        """Each deployment ``times`` at once (the default --repeat)."""
        for _ in range(times or self.args.repeat):
            for item in names:
                name, params = (item, None) if isinstance(item, str) else item
                if name in self.prefect.deployments:
                    self.prefect.trigger(name, params)
        self.last_trigger = time.monotonic()

    # the store, read directly (the driver plays the evaluators and the jury)
    def store(self):
        from connectors.store.engine import store_sessions

        return store_sessions(self.env["EIG_DATABASE_URL"])

    def open_links(self) -> list[tuple[Any, str, str]]:
        from sqlalchemy import select

        from models.tables import Assignment, EvaluationLink

        with self.store() as sessions, sessions() as session:
            rows = session.execute(select(Assignment, EvaluationLink.purpose,
                                          EvaluationLink.url).join(
                EvaluationLink, EvaluationLink.assignment_id == Assignment.id).where(
                Assignment.status == "proposed")).all()
            session.expunge_all()
        return [(a, purpose, url) for a, purpose, url in rows]

    def answer(self, share_evaluate: float, share_decline: float = 0.0) -> dict[str, int]:
        """Evaluators follow their links: some evaluate, some decline, the rest wait."""
        from settings.config import load_config

        config = load_config(Path(self.env["EIG_CONFIG"]))
        by_assignment: dict[int, dict[str, Any]] = {}
        for assignment, purpose, url in self.open_links():
            by_assignment.setdefault(assignment.id, {"a": assignment})[purpose] = url
        done = Counter()
        for item in by_assignment.values():
            assignment, draw = item["a"], self.rng.random()
            if draw < share_decline and "decline" in item:
                values = {"motif_declin": "indisponibilité sur la période"}
                url = item["decline"]
            elif draw < share_decline + share_evaluate and "evaluate" in item:
                criteria = config.tracks[assignment.track].criteria
                values = {f"note_{c.key}": self.rng.choice((2, 3, 3, 4, 4, 5))
                          for c in criteria} | {"commentaire": "Avis motivé (soak)."}
                url = item["evaluate"]
            else:
                continue
            response = self.sandbox.post("/_sandbox/commencer", json={
                "url": url, "values": values, "submit": True,
                "email": assignment.evaluator_email})
            done["declined" if "motif_declin" in values else "evaluated"] += (
                response.status_code == 200)
        return dict(done)

    def eig(self, *args: str) -> str:
        return run([sys.executable, "-m", "eig", *args], self.env, "eig " + " ".join(args))

    def jury(self, action: str) -> None:
        from eig.demo_hearings import availability_csv, scores_csv
        from settings.config import load_config

        url = self.env["EIG_DATABASE_URL"]
        if action == "availability":
            path = self.work / "disponibilites.csv"
            path.write_text(availability_csv(url, self.clock()), encoding="utf-8")
            self.eig("hearings", "availability", str(path))
            return
        config = load_config(Path(self.env["EIG_CONFIG"]))
        tracks = [("projets", 0), ("candidats", 0),
                  *(("missions", m) for m in self.mission_ids())]
        for track, mission in tracks:
            criteria_of = "candidats" if track == "missions" else track
            criteria = [c.key for c in config.tracks[criteria_of].criteria]
            path = self.work / f"notes-{track}-{mission}.csv"
            path.write_text(scores_csv(url, track, criteria, mission), encoding="utf-8")
            self.eig("hearings", "scores", str(path), "-t", track,
                     *(("--mission", str(mission)) if mission else ()))

    def mission_ids(self) -> list[int]:
        from sqlalchemy import select

        from models.tables import Mission

        with self.store() as sessions, sessions() as session:
            return list(session.scalars(select(Mission.id)))

    def mission_slots(self) -> int:
        """Entretiens de mission booked (scheduled slots)."""
        from sqlalchemy import func, select

        from models.tables import HearingRequest, HearingSlot

        with self.store() as sessions, sessions() as session:
            return int(session.scalar(select(func.count(HearingSlot.id)).join(
                HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
                HearingRequest.track == "missions", HearingSlot.status == "scheduled")) or 0)

    def contacts_answer(self) -> int:
        """Each mission's administration contact answers the availability form its
        request email links (every working morning and afternoon of its entretiens'
        window), through the sandbox as a browser would: how many answered."""
        from sqlalchemy import select

        from eig.availability_actors import request_link, rows, working_days
        from models.paris_time import aware
        from models.tables import HearingRequest, Mission

        answered = 0
        with self.store() as sessions, sessions() as session:
            for mission in session.scalars(select(Mission)):
                link = request_link(session, f"mission:{mission.id}", mission.contact_email)
                requests = list(session.scalars(select(HearingRequest).where(
                    HearingRequest.mission_id == mission.id)))
                if link is None or not requests:
                    continue
                first = min(aware(r.earliest) for r in requests).astimezone(PARIS).date()
                last = max(aware(r.latest) for r in requests).astimezone(PARIS).date()
                response = self.sandbox.post("/_sandbox/commencer", json={
                    "url": link, "submit": True, "email": mission.contact_email,
                    "values": {"creneaux": rows(working_days(first, last - timedelta(days=1)))}})
                answered += response.status_code == 200
        return answered

    def mission_params(self) -> dict[str, Any] | None:
        from sqlalchemy import select

        from models.tables import Convention, Dossier

        with self.store() as sessions, sessions() as session:
            laureat = session.scalar(select(Convention.dossier_number).order_by(
                Convention.numero).limit(1))
            if laureat is None:
                return None
            fields = session.scalar(select(Dossier.fields).where(
                Dossier.number == laureat)) or {}
        return {"titre": f"Mission — {fields.get('intitule', 'projet lauréat')}"[:200],
                "administration": fields.get("administration") or "Administration lauréate",
                "projet_dossier": laureat,
                "profils": (fields.get("profils") or ["développeur·se"])[:1],
                "debut": (self.clock() + timedelta(days=60)).date().isoformat(),
                "thematique": fields.get("theme") or "", "localisation": "",
                "contact_nom": str(fields.get("porteur") or "Contact"),
                "contact_email": str(fields.get("email") or "contact@administration.example")}

    def approve_committees(self, deployment: str) -> int:
        """Answer each suspended committee's form through the API, as the UI does."""
        from sqlalchemy import select

        from flows.deliberate import full_attendance
        from models.deliberation import DECISION_LABELS
        from models.tables import CommitteeSession

        approved = 0
        for run_ in self.prefect.suspended(deployment):
            with self.store() as sessions, sessions() as session:
                row = session.scalar(select(CommitteeSession).where(
                    CommitteeSession.flow_run_id == run_["id"]))
            if row is None:
                continue
            decisions = [{"dossier": p["dossier"], "titre": p["title"],
                          "decision": DECISION_LABELS[p["decision"]],
                          "motivation": p["motivation"]} for p in row.proposals]
            self.prefect.resume(run_["id"], {"approuve": True, "approuve_par":
                                             "Camille Opératrice (soak)",
                                             "decisions": decisions,
                                             **full_attendance(row.track)})
            approved += 1
        return approved

    def approve_missions(self) -> int:
        approved = 0
        from flows.missions import mission_proposal
        from flows.runtime import open_runtime
        from models.tables import Mission

        for run_ in self.prefect.suspended("deliberate-mission"):
            mission = run_["parameters"]["params"]["mission"]
            with open_runtime() as rt, rt.sessions() as session:
                chosen, motivation, _ = mission_proposal(session, rt,
                                                         session.get(Mission, mission))
            self.prefect.resume(run_["id"], {"approuve": True, "approuve_par": "Camille",
                                             "retenu": chosen, "motivation": motivation})
            approved += 1
        return approved

    def wait_suspended(self, deployment: str, expected: int, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.prefect.suspended(deployment)) >= expected:
                return
            if not [r for r in self.prefect.busy() if r["deployment_id"]
                    == self.prefect.deployments[deployment]]:
                return  # nothing left to suspend (e.g. nothing to decide)
            time.sleep(2)

    def kill_a_worker(self) -> None:
        """SIGKILL one worker in the middle of the delivery burst, then start it again."""
        victim = self.workers[0]
        victim.kill()
        self.note("worker tué (SIGKILL)", worker=victim.name)
        self.killed = True
        time.sleep(10)
        victim.start()
        self.note("worker relancé", worker=victim.name)

    # the story
    def play(self) -> None:
        p = self.prefect
        self.day(0)
        self.burst("sync-dossiers", "sync-dossiers-reconcile", "assign-evaluators",
                   "deliver-emails", "deliver-ds", "score-dossiers")
        time.sleep(45)  # the first sync, then the assignment's emails are in flight
        self.kill_a_worker()
        self.note("jour 0 au calme", seconds=round(p.settle(), 1))

        self.day(2)
        self.note("réponses J+2", **self.answer(0.05, share_decline=0.04))
        self.burst("sync-dossiers", ("chase-evaluators", {"force": True}))
        self.note("jour 2 au calme", seconds=round(p.settle(), 1))

        self.day(10)
        self.note("réponses J+10", **self.answer(0.8))
        self.burst("sync-dossiers", ("chase-evaluators", {"force": True}), "score-dossiers",
                   "deliver-emails", "deliver-ds")
        self.note("jour 10 au calme", seconds=round(p.settle(), 1))

        for number in (11, 15, 18):  # D-3, D+1, D+4
            self.day(number)
            self.burst(("chase-evaluators", {"force": True}), "deliver-emails")
            self.note(f"jour {number} au calme", seconds=round(p.settle(), 1))

        self.day(21)  # D+7: the late tasks pass to the next alternates, who answer
        self.burst(("chase-evaluators", {"force": True}))
        p.settle()
        self.note("réponses des suppléants", **self.answer(1.0))
        self.burst("sync-dossiers", "score-dossiers")
        self.note("jour 21 au calme", seconds=round(p.settle(), 1))

        self.day(22)
        self.jury("availability")
        self.burst("schedule-hearings", "deliver-emails", "deliver-ds")
        self.note("auditions programmées", seconds=round(p.settle(), 1))

        self.day(36)
        self.jury("scores")
        self.burst("deliberate-projets", "deliberate-candidats")
        self.wait_suspended("deliberate-projets", 1)
        self.wait_suspended("deliberate-candidats", 1)
        approved = (self.approve_committees("deliberate-projets")
                    + self.approve_committees("deliberate-candidats"))
        self.note("comités approuvés par l'API", committees=approved)
        self.burst("draft-conventions", "deliver-ds", "deliver-emails")
        self.note("jour 36 au calme", seconds=round(p.settle(), 1))

        self.day(37)
        params = self.mission_params()
        if params:
            self.burst(("match-mission", params), "missions-digest")
            self.note("mission ouverte", seconds=round(p.settle(), 1))
            self.burst("deliver-emails", times=1)  # the contact's availability request
            p.settle()
            self.note("contact de la mission : disponibilités déposées",
                      answered=self.contacts_answer())
            self.burst("sync-dossiers", times=1)  # reads them: the entretiens are booked
            self.note("entretiens de mission programmés", seconds=round(p.settle(), 1),
                      booked=self.mission_slots())
            self.day(52)
            self.jury("scores")
            missions = self.mission_ids()
            for mission in missions:
                self.burst(("deliberate-mission", {"mission": mission}))
            self.wait_suspended("deliberate-mission", len(missions))
            self.note("missions approuvées par l'API", missions=self.approve_missions())
        self.burst("deliver-ds", "deliver-emails", times=1)
        self.last_trigger = time.monotonic()


# -- measures ---------------------------------------------------------------------------


def drained(env: dict[str, str]) -> bool:
    from connectors.store import outbox
    from connectors.store.engine import store_sessions

    with store_sessions(env["EIG_DATABASE_URL"]) as sessions, sessions() as session:
        lanes = outbox.backlog(session, datetime.now(UTC) + timedelta(days=400))
    return all(b.due == 0 and b.in_flight == 0 and b.later == 0 for b in lanes)


def measure(env: dict[str, str], prefect: Prefect, season: Season, drain_seconds: float
            ) -> dict[str, Any]:
    from sqlalchemy import select

    from connectors.mail import Mailbox
    from connectors.store.engine import store_sessions
    from models.tables import CommitteeSession, Effect

    with store_sessions(env["EIG_DATABASE_URL"]) as sessions, sessions() as session:
        effects = list(session.scalars(select(Effect)))
        committees = [(c.track, c.decisions or []) for c in session.scalars(
            select(CommitteeSession).where(CommitteeSession.status == "approved"))]
    box = Mailbox(Path(env["EIG_MAILDIR"]))
    received = box.list()
    by_message_id = Counter(m.message_id for m in received)
    by_effect = Counter(m.effect for m in received)
    log = season.sandbox.get("/_sandbox/mutations").json()["mutations"]
    applied = [m for m in log if m["outcome"] in ("applied", "partial")]
    by_write = Counter((m["input"].get("clientMutationId"), m["name"]) for m in applied)
    written = {key for key, _ in by_write}

    statuses = Counter(e.status for e in effects)
    delivered = [e for e in effects if e.status == "delivered"]
    acted = [e for e in delivered if not (e.result or {}).get("skipped")]
    lost_emails = [e.key for e in acted if e.kind == "email" and e.key not in by_effect]
    lost_ds = [e.key for e in acted if e.kind == "ds" and e.key not in written]
    not_delivered = [e.key for e in effects if e.status != "delivered"]
    now = datetime.now(UTC).isoformat()
    runs = [r for r in prefect.runs() if r["state_type"] != "SCHEDULED"
            or r["expected_start_time"] < now]  # not the schedules' runs still to come
    by_state = Counter(r["state_name"] for r in runs)
    names = {v: k for k, v in prefect.deployments.items()}
    troubled = [{"run": r["name"], "deployment": names.get(r["deployment_id"]),
                 "state": r["state_name"], "message": (r["state"] or {}).get("message")}
                for r in runs if r["state_type"] in ("FAILED", "CRASHED", "CANCELLED")
                or r["state_name"] == "TimedOut"]
    decided = [(track, d) for track, decisions in committees for d in decisions
               if d["decision"] in ("laureat", "vivier", "refus")]
    seen = sum(1 for _, d in decided if any(
        m["dossier"] == d["dossier"] and m["name"] in ("dossierAccepter", "dossierRefuser")
        for m in applied))
    stats = season.sandbox.get("/_sandbox/stats").json()
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "runs": {"total": len(runs), "by_final_state": dict(sorted(by_state.items())),
                 "triggered_by_the_soak": len(prefect.triggered),
                 "by_deployment": dict(Counter(names.get(r["deployment_id"], "subflow")
                                               for r in runs)),
                 "failed_or_crashed": troubled},
        "effects": {
            "recorded": len(effects), "by_status": dict(statuses),
            "delivered": len(delivered), "acted": len(acted),
            "verified_after_a_crash": sum(1 for e in delivered
                                          if (e.result or {}).get("verified")),
            "lanes": dict(Counter(e.lane for e in effects))},
        "emails": {"received": len(received),
                   "alerts_to_the_team": sum(1 for m in received
                                             if m.effect.startswith("mail:alert:")),
                   "duplicated_message_ids": sum(n - 1 for n in by_message_id.values()
                                                 if n > 1),
                   "duplicated_effects": sum(n - 1 for n in by_effect.values() if n > 1)},
        "ds_writes": {"applied": len(applied),
                      "duplicated": sum(n - 1 for n in by_write.values() if n > 1)},
        "lost": {"emails": len(lost_emails), "ds_writes": len(lost_ds),
                 "not_delivered": len(not_delivered),
                 "examples": (lost_emails + lost_ds + not_delivered)[:10]},
        "drain_seconds_after_last_trigger": round(drain_seconds, 1),
        "committees": {"approved": len(committees), "decisions": len(decided),
                       "seen_in_sandbox": seen},
        "ds_budget": {"requests": stats.get("total"), "by_status": stats.get("by_status"),
                      "per_token": stats.get("rate_limit")},
        "worker_killed": season.killed,
        "timeline": season.events,
    }


# -- main ------------------------------------------------------------------------------


T0 = time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--roster", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each deployment triggered at once")
    parser.add_argument("--pg", default=os.environ.get(
        "EIG_SOAK_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="leave the services running")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "soak" / "result.json")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupted)  # stop the services on `kill` too

    taken = [port for port in (PREFECT_PORT, SANDBOX_PORT, SMTP_PORT) if port_open(port)]
    if taken:
        sys.exit(f"soak: port(s) {taken} already in use — a soak still running? stop it first")
    work = ROOT / "var" / "soak"
    if work.exists():
        import shutil

        shutil.rmtree(work)
    logs = work / "logs"
    logs.mkdir(parents=True)
    prefect_db = fresh_database(args.pg, "eig_soak_prefect")
    store_db = fresh_database(args.pg, "eig_soak_store")
    env = dict(os.environ)
    env.update({
        "PREFECT_HOME": str(work / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{PREFECT_PORT}/api",
        "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db.replace("postgresql://",
                                                                  "postgresql+asyncpg://"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
        # runs beat, so that the zombie automation (eig setup) finds one whose process died
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
        "EIG_DATABASE_URL": store_db.replace("postgresql://", "postgresql+psycopg://"),
        "EIG_DS_API_URL": f"http://127.0.0.1:{SANDBOX_PORT}/api/v2/graphql",
        "EIG_DS_API_TOKEN": "sandbox-token",
        "EIG_SMTP_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
        "EIG_MAILDIR": str(work / "maildir"),
        "EIG_CLOCK_FILE": str(work / "clock"),
        "EIG_CONFIG": str(ROOT / "config" / "eig.yaml"),
    })
    os.environ.update(env)
    services: list[Service] = []
    try:
        services.append(Service("sandbox", [sys.executable, "-m", "eig", "sandbox", "--port",
                                            str(SANDBOX_PORT), "--dossiers", str(args.dossiers),
                                            "--seed", str(args.seed), "--clock-file",
                                            env["EIG_CLOCK_FILE"]], env, logs).start())
        services.append(Service("smtp", [sys.executable, "-m", "eig", "mailserver", "--port",
                                         str(SMTP_PORT)], env, logs).start())
        services.append(Service("prefect-server", [sys.executable, "-m", "prefect", "server",
                                                   "start", "--host", "127.0.0.1", "--port",
                                                   str(PREFECT_PORT)], env, logs).start())
        wait_until(lambda: port_open(SANDBOX_PORT), "the DS sandbox")
        wait_until(lambda: port_open(SMTP_PORT), "the SMTP server")
        wait_until(lambda: _healthy(env["PREFECT_API_URL"]), "the Prefect server", 300)
        run([sys.executable, "-m", "prefect", "work-pool", "create", "eig", "--type",
             "process", "--overwrite"], env, "work pool")
        run([sys.executable, "-m", "prefect", "deploy", "--all", "--no-prompt"], env, "deploy")
        setup = subprocess.run([sys.executable, "-m", "eig", "setup"], env=env, cwd=ROOT,
                               capture_output=True, text=True)
        (logs / "setup.log").write_text(setup.stdout + setup.stderr, encoding="utf-8")
        roster = work / "evaluateurs.csv"
        from eig.demo_roster import write_demo_roster

        write_demo_roster(roster, args.roster, seed=11, capacity=8)
        run([sys.executable, "-m", "eig", "roster", "import", str(roster)], env, "roster")
        workers = []
        for n in (1, 2):  # half a polling interval apart: they never fetch a run together
            workers.append(Service(f"worker-{n}", [
                sys.executable, "-m", "prefect", "worker", "start", "--pool", "eig",
                "--name", f"soak-worker-{n}"], env, logs).start())
            time.sleep(5)
        services += workers
        prefect = Prefect(env["PREFECT_API_URL"])
        prefect.load_deployments()
        season = Season(args, env, prefect, workers, work)
        season.note("prêt", deployments=len(prefect.deployments),
                    automations=setup.returncode == 0)
        season.play()
        started = time.monotonic()
        deadline = started + 1800
        while time.monotonic() < deadline and not (drained(env) and not prefect.busy()):
            time.sleep(3)
        drain = time.monotonic() - started
        prefect.settle(120)
        result = measure(env, prefect, season, drain)
        result["automations_created"] = setup.returncode == 0
        aborted = [line for n in (1, 2) for line in (logs / f"worker-{n}.log").read_text(
            errors="replace").splitlines() if "Aborted submission" in line]
        result["aborted_submissions_in_worker_logs"] = {
            "total": len(aborted),
            # what Prefect concurrency limits caused (the noise): none may remain
            "waiting_for_a_concurrency_slot": sum("'SCHEDULED'" in a for a in aborted),
            # two workers fetched one run and the second lost the race (harmless)
            "race_between_workers": sum("PENDING state and cannot transition" in a
                                        for a in aborted)}
        result["seconds"] = round(time.monotonic() - T0, 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        print(json.dumps({k: v for k, v in result.items() if k != "timeline"},
                         ensure_ascii=False, indent=2))
    finally:
        if not args.keep:
            for service in reversed(services):
                service.stop()


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2, trust_env=False).json() is True
    except (httpx.HTTPError, ValueError):
        return False


if __name__ == "__main__":
    main()
