"""The outbox's rules (pure): effect keys, what a failure does, when to try again.

Every side effect is first an outbox row whose key names what it means; delivery is
at-least-once, made exactly-once by checking the world before each resend (DS) or by
a Message-ID derived from the key (email).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # permanent error: needs a person (fix, then `eig effects --retry`)
    DEAD = "dead"  # transient errors until attempts ran out
    # An attempt was cut off after the point of no return (the process died, or the SMTP
    # connection dropped after the message was sent) and nothing can tell whether it
    # reached its recipient: not resent without a person's check (at most once).
    UNCERTAIN = "uncertain"


class Kind(StrEnum):
    DS = "ds"
    EMAIL = "email"


class Lane(StrEnum):
    """Delivery lanes, each drained by its own deliverer at its own pace: a DS decision
    never waits behind a thousand emails."""

    DS = "ds"  # DS writes (decisions, messages, annotations, labels): the DS token's budget
    EMAIL = "email"  # emails: the SMTP server's pace


def lane_of(kind: Kind, action: str) -> Lane:
    """The lane an effect is delivered in."""
    return Lane.DS if kind is Kind.DS else Lane.EMAIL


MAX_ATTEMPTS = 6
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
           timedelta(hours=1), timedelta(hours=4))


def ds_key(action: str, dossier: int, purpose: str | None = None) -> str:
    """``ds:accept:1234``, ``ds:annotations:1234:scores``, ``ds:label:1234:À discuter``."""
    return f"ds:{action}:{dossier}" + (f":{purpose}" if purpose else "")


def mail_key(purpose: str, *parts: object) -> str:
    """``mail:eval-request:<assignment>``, ``mail:reminder:<assignment>:<step>``."""
    return ":".join(["mail", purpose, *(str(p) for p in parts)])


@dataclass(frozen=True)
class Outcome:
    """What happens to an effect after an attempt."""

    status: Status
    next_attempt_at: datetime | None
    error: str | None


def after_failure(attempts: int, now: datetime, error: str, permanent: bool) -> Outcome:
    """A permanent error fails the effect now; a transient one waits, until attempts run out.

    ``attempts`` counts the attempt that just failed.
    """
    if permanent:
        return Outcome(Status.FAILED, None, error)
    if attempts >= MAX_ATTEMPTS:
        return Outcome(Status.DEAD, None, f"gave up after {attempts} attempts: {error}")
    delay = BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
    return Outcome(Status.PENDING, now + delay, error)
