"""The outbox's delivery machinery: claim due effects lane by lane, deliver each once
through its executor, record the outcome (``deliver-effects`` runs it; ``notify-team``
delivers its alert with it at once, without waiting behind the lane).
"""


from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.mail import Mailbox, parse_smtp_url
from connectors.store import outbox
from connectors.store.budget import shared_budget
from flows.delivery.executors import Executors, LeaseLost, build_executors
from flows.runtime import Runtime
from models.outbox import Kind, Lane, Status, after_failure
from models.tables import Effect
from settings.environment import LOCAL_HOSTS, Settings

LANE_LABELS = {"ds": "écritures DS", "email": "courriels"}
INTERRUPTED = ("une tentative précédente a été interrompue après l'acceptation de "
               "l'enveloppe par le serveur SMTP")


@dataclass
class DeliveryReport:
    delivered: int = 0
    skipped: int = 0  # already true in the world: marked delivered without acting
    verified: int = 0  # fate unknown after a crash, found received: marked delivered
    failed: int = 0
    retrying: int = 0
    dead: int = 0
    uncertain: int = 0  # fate unknown and unknowable: set aside for a person
    taken_over: int = 0  # another deliverer took the claim over: left to it
    failures: list[dict[str, str]] = field(default_factory=list)

    COUNTS = ("delivered", "skipped", "verified", "failed", "retrying", "dead", "uncertain",
              "taken_over")

    def add(self, other: DeliveryReport) -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures += other.failures

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTS}


def sent_maildir(settings: Settings) -> Path | None:
    """The Maildir that tells whether an email was received, if there is one."""
    if settings.mail_check_maildir is None:
        local = parse_smtp_url(settings.smtp_url.get_secret_value()).host in LOCAL_HOSTS
        return settings.maildir if local and settings.maildir.is_dir() else None
    return settings.maildir if settings.mail_check_maildir else None


class SentCheck:
    """Whether an email reached the server, for an attempt whose fate is unknown: the
    local SMTP server's Maildir when there is one (demo, tests, soak), else unknowable."""

    def __init__(self, rt: Runtime) -> None:
        maildir = sent_maildir(rt.settings)
        self.mailbox = Mailbox(maildir) if maildir is not None else None

    def seen(self, key: str) -> bool | None:
        return None if self.mailbox is None else self.mailbox.holds_effect(key)


class Attempt:
    """One attempt at a claimed effect. ``begin`` records (and commits) that the attempt
    is about to reach the world; it raises ``LeaseLost`` if another deliverer took the
    effect over meanwhile, and then nothing is done."""

    def __init__(self, rt: Runtime, effect_id: int, owner: str, lease: timedelta) -> None:
        self.rt, self.effect_id, self.owner, self.lease = rt, effect_id, owner, lease
        self.started = False

    def begin(self) -> None:
        if self.started:
            return
        with self.rt.sessions.begin() as session:
            if not outbox.start_attempt(session, self.effect_id, self.owner, wall_now(),
                                        self.lease):
                raise LeaseLost(f"effect {self.effect_id} was taken over by another deliverer")
        self.started = True


def wall_now() -> datetime:
    """Real time: leases are about live processes, not the pipeline's (travelling) clock."""
    return datetime.now(UTC)


def new_owner(lane: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{lane}:{uuid.uuid4().hex[:8]}"


class LaneDeliverer:
    """Drains one lane for one run: claim a batch, deliver each, claim again."""

    def __init__(self, rt: Runtime, lane: Lane, executors: Executors | None = None) -> None:
        self.rt = rt
        self.lane = lane
        settings = rt.config.delivery.lane(str(lane))
        self.batch = settings.batch
        self.lease = timedelta(seconds=settings.lease_seconds)
        # a lane's pace holds for all its deliverers together, in every process
        self.pace = (shared_budget(rt.settings.database_url, f"lane:{lane}",
                                   settings.per_minute, 60.0) if settings.per_minute else None)
        self.owner = new_owner(str(lane))
        self.executors = executors or build_executors(rt)
        self.sent = SentCheck(rt)

    def drain(self, limit: int, deadline: float, keys: Sequence[str] | None = None
              ) -> DeliveryReport:
        report = DeliveryReport()
        handled = 0
        try:
            while handled < limit and time.monotonic() < deadline:
                with self.rt.sessions.begin() as session:
                    batch = outbox.claim(session, self.owner, self.rt.clock(), self.lease,
                                         min(self.batch, limit - handled), [self.lane],
                                         keys, wall=wall_now())
                    session.expunge_all()
                if not batch:
                    break
                for position, effect in enumerate(batch):
                    if time.monotonic() >= deadline:  # out of time: give the rest back
                        with self.rt.sessions.begin() as session:
                            outbox.release(session, [e.id for e in batch[position:]],
                                           self.owner, self.rt.clock())
                        break
                    self.deliver_one(effect, report)
                    handled += 1
        finally:
            self.executors.close()
        return report

    def deliver_one(self, effect: Effect, report: DeliveryReport) -> None:
        kind = Kind(effect.kind)
        # The last attempt passed its point of no return, then its deliverer died.
        interrupted = effect.attempt_started_at is not None and kind is Kind.EMAIL
        if interrupted and self._settle_unknown(effect, report, INTERRUPTED):
            return
        attempt = Attempt(self.rt, effect.id, self.owner, self.lease)
        if self.pace is not None:
            self.pace.acquire(time.time, time.sleep)
        try:
            result = self.executors.deliver(kind, effect.action, effect.payload, effect.key,
                                            attempt)
        except LeaseLost:
            report.taken_over += 1
            return
        except Exception as error:  # classified below: nothing is lost, nothing repeated
            if (kind is Kind.EMAIL and attempt.started
                    and getattr(error, "maybe_delivered", False)
                    and self._settle_unknown(effect, report, str(error))):
                return
            self._failed(effect, error, report)
            return
        with self.rt.sessions.begin() as session:
            outbox.mark_delivered(session, effect.id, self.rt.clock(), result)
        if result and result.get("skipped"):
            report.skipped += 1
        else:
            report.delivered += 1

    def _settle_unknown(self, effect: Effect, report: DeliveryReport, why: str) -> bool:
        """An email that may have been received: delivered if the Maildir has it; set
        aside if nothing can tell; False (send it) when the Maildir shows it never came."""
        seen = self.sent.seen(effect.key)
        if seen is False:
            return False
        with self.rt.sessions.begin() as session:
            if seen:
                outbox.mark_delivered(session, effect.id, self.rt.clock(),
                                      {"verified": "maildir"})
                report.verified += 1
                return True
            reason = (f"sort inconnu : {why} ; le courriel a peut-être été remis. Vérifier "
                      f"auprès du destinataire ou du relais, puis `eig effects --retry "
                      f"{effect.key}` (renvoyer) ou `eig effects --delivered {effect.key}`")
            if outbox.mark_uncertain(session, effect.id, self.owner, reason, self.rt.clock()):
                report.uncertain += 1
                report.failures.append({"key": effect.key, "status": str(Status.UNCERTAIN),
                                        "error": reason})
            else:
                report.taken_over += 1
        return True

    def _failed(self, effect: Effect, error: Exception, report: DeliveryReport) -> None:
        permanent = self.executors.is_permanent(Kind(effect.kind), error)
        outcome = after_failure(effect.attempts, self.rt.clock(),
                                f"{type(error).__name__}: {error}", permanent)
        with self.rt.sessions.begin() as session:
            if not outbox.mark_attempt_failed(session, effect.id, self.owner, outcome,
                                              self.rt.clock()):
                report.taken_over += 1
                return
        if outcome.status is Status.PENDING:
            report.retrying += 1
        else:
            report.failed += outcome.status is Status.FAILED
            report.dead += outcome.status is Status.DEAD
            report.failures.append({"key": effect.key, "status": str(outcome.status),
                                    "error": outcome.error or ""})


def deliver_pending(rt: Runtime, limit: int = 5000, kinds: Sequence[Kind] | None = None,
                    executors: Executors | None = None, lanes: Sequence[Lane] | None = None,
                    max_seconds: float | None = None) -> DeliveryReport:
    """Drain the lanes one after the other, in this thread (the CLI, tests); the
    deployments drain them side by side (``deliver_effects``)."""
    chosen = list(lanes or [Lane(str(k)) for k in kinds or ()] or list(Lane))
    deadline = time.monotonic() + (max_seconds or rt.config.delivery.max_minutes * 60)
    report = DeliveryReport()
    for lane in chosen:
        report.add(LaneDeliverer(rt, lane, executors).drain(limit, deadline))
    return report


def deliver_keys(rt: Runtime, keys: Sequence[str]) -> DeliveryReport:
    """Deliver these effects now, if due and unclaimed (an alert must not wait behind the
    lane's backlog); a deliverer holding one of them keeps it."""
    report = DeliveryReport()
    deadline = time.monotonic() + 300
    for lane in Lane:
        report.add(LaneDeliverer(rt, lane).drain(len(keys), deadline, keys=keys))
    return report


def backlog_rows(rt: Runtime) -> list[dict[str, Any]]:
    """Per lane: what waits and the oldest due effect (for `eig effects` and artifacts)."""
    with rt.sessions() as session:
        lanes = outbox.backlog(session, rt.clock(), wall_now())
    return [{**asdict(b), "oldest_due_at": b.oldest_due_at.isoformat()
             if b.oldest_due_at else None} for b in lanes]


def backlog_markdown(rows: list[dict[str, Any]], reports: dict[str, DeliveryReport]) -> str:
    lines = ["| Voie | Délivrés | Déjà en place | Vérifiés | À réessayer | En échec | "
             "Abandonnés | Incertains | Dus | En cours | Plus tard | Plus ancien dû |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        report = reports.get(row["lane"], DeliveryReport())
        oldest = (f"{row['oldest_due_at'][:16].replace('T', ' ')} UTC (`{row['oldest_due_key']}`)"
                  if row["oldest_due_at"] else "—")
        lines.append(
            f"| {LANE_LABELS.get(row['lane'], row['lane'])} | {report.delivered} | "
            f"{report.skipped} | {report.verified} | {report.retrying} | {row['failed']} | "
            f"{row['dead']} | {row['uncertain']} | {row['due']} | {row['in_flight']} | "
            f"{row['later']} | {oldest} |")
    failures = [f for r in reports.values() for f in r.failures]
    if failures:
        lines += ["", "**Effets à examiner**", "", "| Effet | Statut | Raison |", "|---|---|---|"]
        lines += [f"| `{f['key']}` | {f['status']} | {f['error'].replace('|', '/')} |"
                  for f in failures]
    return "\n".join(lines)


