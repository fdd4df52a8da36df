"""The roster in the store: an import replaces it whole, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.store.repository import dialect_insert
from models.roster import Evaluator, retire_problem, to_record
from models.tables import EvaluatorRow


class RosterWipeError(ValueError):
    """The import would retire too large a share of the roster without confirmation."""


def replace_roster(session: Session, evaluators: Sequence[Evaluator], now: datetime,
                   max_retire_share: float | None = None) -> dict[str, int]:
    """Upsert every evaluator; those absent from the file become inactive (their past
    assignments keep pointing at them). Returns how many were added, updated, retired.
    With ``max_retire_share``, retiring more than that share of the active roster raises
    ``RosterWipeError`` before anything is written."""
    emails = [e.email for e in evaluators]
    known = set(session.scalars(select(EvaluatorRow.email)))
    if max_retire_share is not None:
        active = set(session.scalars(select(EvaluatorRow.email).where(
            EvaluatorRow.active.is_(True))))
        problem = retire_problem(len(active), len(active - set(emails)), max_retire_share)
        if problem:
            raise RosterWipeError(problem)
    for evaluator in evaluators:
        values = {
            "email": evaluator.email, "name": evaluator.name,
            "organisation": evaluator.organisation, "ministry": evaluator.ministry,
            "profiles": list(evaluator.profiles), "tracks": list(evaluator.tracks),
            "senior": evaluator.senior, "monthly_capacity": evaluator.monthly_capacity,
            "details": to_record(evaluator), "active": True, "imported_at": now,
            "retired_at": None,
        }
        stmt = dialect_insert(session, EvaluatorRow).values(**values)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["email"],
            set_={k: getattr(stmt.excluded, k) for k in values if k != "email"}))
    retired = session.execute(
        update(EvaluatorRow)
        .where(EvaluatorRow.email.not_in(emails), EvaluatorRow.active.is_(True))
        .values(active=False, retired_at=now)).rowcount or 0
    return {"added": len(set(emails) - known), "updated": len(set(emails) & known),
            "retired": retired}
