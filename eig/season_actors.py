"""The people of a simulated season, played through DS as they would act: evaluators
follow their task's prefilled link and submit (or decline) when their behaviour says;
the jury gives its availability and scores the hearings held; an operator approves the
committees as they are proposed."""

from __future__ import annotations

import csv
import heapq
import io
import random
import typing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ds_sandbox import Sandbox
from eig.demo_chase import _scores
from models.evaluator_behaviour import Absence, Behaviour, Reaction, respond
from models.tables import (
    Assignment,
    HearingRequest,
    HearingScore,
    HearingSlot,
)

OPERATOR = "Camille Opératrice (simulation)"
DECLINE_MOTIF = "indisponibilité sur la période"


@dataclass(order=True)
class Due:
    """Something a person does at ``at`` in DS."""

    at: datetime
    order: int
    kind: str = field(compare=False)
    data: Any = field(compare=False)


class Agenda:
    """What people will do, in time order (ties in the order they were planned)."""

    def __init__(self) -> None:
        self._heap: list[Due] = []
        self._count = 0

    def plan(self, at: datetime, kind: str, data: Any) -> None:
        self._count += 1
        heapq.heappush(self._heap, Due(at, self._count, kind, data))

    def due(self, until: datetime) -> list[Due]:
        out = []
        while self._heap and self._heap[0].at <= until:
            out.append(heapq.heappop(self._heap))
        return out


class Evaluators:
    """Every task the pipeline gives is answered (or not) as the behaviour draws it."""

    def __init__(self, behaviour: Behaviour, absences: dict[str, tuple[Absence, ...]],
                 seed: int) -> None:
        self.behaviour = behaviour
        self.absences = absences
        self.rng = random.Random(f"{seed}:evaluators")
        self.scores_rng = random.Random(f"{seed}:scores")
        self.seen = 0  # the highest assignment id already planned
        self.reactions: dict[Reaction, int] = dict.fromkeys(Reaction, 0)

    def plan_new_tasks(self, rt: Any, agenda: Agenda) -> int:
        """Plan what the evaluators of the new tasks will do. Their links are those of
        the task email (built as the email lane builds them, without composing it)."""
        from flows.delivery.task_emails import TaskEmails

        with rt.sessions() as session:
            tasks = list(session.scalars(select(Assignment).where(Assignment.id > self.seen)
                                         .order_by(Assignment.id)))
            session.expunge_all()
        emails = TaskEmails(rt)
        for assignment in tasks:
            self.seen = max(self.seen, assignment.id)
            asked = _aware(assignment.created_at)
            answer = respond(self.rng, self.behaviour, asked, _aware(assignment.due_at),
                             self.absences.get(assignment.evaluator_email, ()))
            self.reactions[answer.reaction] += 1
            if answer.at is None:
                continue
            purpose = "decline" if answer.reaction is Reaction.DECLINE else "evaluate"
            agenda.plan(answer.at, purpose, (assignment, emails.links(assignment)[purpose]))
        return len(tasks)

    def act(self, sandbox: Sandbox, due: Due) -> None:
        assignment, url = due.data
        form = sandbox.state.start_from_link(url)
        values = ({"motif_declin": DECLINE_MOTIF} if due.kind == "decline"
                  else _scores(self.scores_rng, assignment))
        sandbox.state.submit_prefilled(form.number, values)


def availability_csv(windows: list[tuple[str, datetime, datetime]]) -> str:
    """The jury's windows in the import format of `eig hearings availability`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["courriel", "debut", "fin"])
    for email, start, end in windows:
        begin_at = f"{start:%Y-%m-%d %H:%M}"  # format machine
        end_at = f"{end:%Y-%m-%d %H:%M}"  # format machine
        writer.writerow([email, begin_at, end_at])
    return out.getvalue()


def held_scores_csv(session: Session, track: str, criteria: list[str], now: datetime,
                    mission: int = 0) -> str | None:
    """The jury's scores of the track's hearings held before ``now`` and not yet scored
    (a fixed pattern around the dossier's quality), or None when there are none."""
    held = session.execute(select(HearingRequest.dossier_number, HearingSlot.jury,
                                  HearingRequest.id).join(
        HearingSlot, HearingSlot.request_id == HearingRequest.id).where(
        HearingRequest.track == track, HearingRequest.mission_id == mission,
        HearingSlot.status == "scheduled", HearingSlot.end <= now)).all()
    scored = set(session.scalars(select(HearingScore.request_id)))
    rows = [(number, jury) for number, jury, request in held if request not in scored]
    if not rows:
        return None
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["dossier", "courriel", *(f"note_{c}" for c in criteria), "commentaire"])
    for number, jury in rows:
        quality = random.Random(number).random()
        for seat, juror in enumerate(jury):
            writer.writerow([number, juror, *(min(5, 2 + round(quality * 3) + (seat + i) % 2)
                                              for i in range(len(criteria))),
                             "Présentation claire, échanges convaincants."])
    return out.getvalue()


def operator(form: type[Any]) -> Any:
    """Approve as the operator does in the UI: the proposals as they stand, every member
    of the committee present, the first presiding; a mission's proposed choice."""
    values = {name: info.get_default(call_default_factory=True)
              for name, info in form.model_fields.items()}
    values.update(approuve=True, approuve_par=OPERATOR)
    if "membres_presents" in form.model_fields:
        members = _literal_values(form.model_fields["membres_presents"].annotation)
        values.update(membres_presents=list(members),
                      preside_par=members[0] if members else OPERATOR)
        if not members:
            values["membres_presents"] = [OPERATOR, "Juré·e 2", "Juré·e 3"]
    return form.model_validate(values)


def _literal_values(annotation: Any) -> tuple[str, ...]:
    """The members of ``list[Literal[...]]`` (empty for free text)."""
    inner = typing.get_args(annotation)
    return tuple(typing.get_args(inner[0])) if inner and typing.get_args(inner[0]) else ()


def _aware(moment: datetime) -> datetime:
    from models.paris_time import aware

    return aware(moment)
