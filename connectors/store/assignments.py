"""Reading what the assignment needs from the store: the roster with each evaluator's
open load and declared conflicts, and a track's dossiers with the evaluators they have."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.assignment import DossierSpec, EvaluatorSpec
from models.evaluation_inputs import COUNTED_STATUSES, OPEN_STATUSES, dossier_spec, evaluator_spec
from models.tables import Assignment, DeclaredConflict, Dossier, EvaluatorRow

WAITING_STATES = ("en_construction", "en_instruction")


@dataclass
class TeamState:
    """Who evaluates what now: the team of each dossier and the open load of each evaluator."""

    teams: dict[int, set[str]]
    load: Counter[str]
    former: dict[int, set[str]] = field(default_factory=dict)  # who left each dossier


def team_state(session: Session) -> TeamState:
    teams: dict[int, set[str]] = {}
    former: dict[int, set[str]] = {}
    load: Counter[str] = Counter()
    for number, email, status in session.execute(
            select(Assignment.dossier_number, Assignment.evaluator_email, Assignment.status)):
        if status not in COUNTED_STATUSES:
            former.setdefault(number, set()).add(email)
            continue
        teams.setdefault(number, set()).add(email)
        load[email] += status in OPEN_STATUSES
    return TeamState(teams, load, former)


def declared_conflicts(session: Session) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for email, number in session.execute(
            select(DeclaredConflict.evaluator_email, DeclaredConflict.dossier_number)):
        found.setdefault(email, set()).add(int(number))
    return found


def evaluator_specs(session: Session, load: Counter[str], start: date, end: date,
                    emails: Iterable[str] | None = None) -> list[EvaluatorSpec]:
    """Active evaluators (all, or ``emails``), with the conflicts they declared in DS."""
    conflicts = declared_conflicts(session)
    query = select(EvaluatorRow).where(EvaluatorRow.active.is_(True)).order_by(EvaluatorRow.email)
    if emails is not None:
        query = query.where(EvaluatorRow.email.in_(list(emails)))
    specs = []
    for row in session.scalars(query):
        record = {c.key: getattr(row, c.key) for c in EvaluatorRow.__table__.columns}
        declared = conflicts.get(row.email)
        if declared:
            details = dict(record["details"])
            details["conflict_dossiers"] = sorted(
                {int(d) for d in details.get("conflict_dossiers", [])} | declared)
            record["details"] = details
        specs.append(evaluator_spec(record, load[row.email], start, end))
    return specs


def track_dossier_specs(session: Session, demarche_number: int, track: str, k: int,
                        teams: dict[int, set[str]], families: dict[str, str],
                        numbers: Iterable[int] | None = None,
                        former: dict[int, set[str]] | None = None) -> list[DossierSpec]:
    """The track's dossiers still in evaluation (all, or ``numbers``), with their teams."""
    query = (select(Dossier.number, Dossier.fields, Dossier.applicant).where(
        Dossier.demarche_number == demarche_number, Dossier.hidden.is_(False),
        Dossier.deleted.is_(False), Dossier.quarantined.is_(False),
        Dossier.state.in_(WAITING_STATES)).order_by(Dossier.number))
    if numbers is not None:
        query = query.where(Dossier.number.in_(list(numbers)))
    return [dossier_spec(d.number, track, d.fields or {}, d.applicant or {}, k,
                         teams.get(d.number, ()), families, (former or {}).get(d.number, ()))
            for d in session.execute(query)]
