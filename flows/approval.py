"""Waiting for an operator's approval, durably — for the committees and the missions.

A run started from a deployment is *suspended* (``suspend_flow_run``): its process exits,
so nothing waits in a worker (a worker restart cannot kill the committee) and no
concurrency slot is held. When the operator answers the run's form in the Prefect UI,
Prefect reschedules the run and a worker runs the flow again from the top: the same
``suspend_flow_run(key=…)`` then returns the answer at once. Everything a flow does
before the wait must therefore be re-entrant — the committee's agenda is kept in the
store at the first pass and read back, never recomputed behind the operator's back.

A run without a deployment (the CLI, the demo, tests) has no worker to come back to: it
pauses in place (``pause_flow_run``) and waits in its own process, as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput

Form = TypeVar("Form", bound=RunInput)
Mode = Literal["suspend", "pause"]


def prefilled(form: type[Form], description: str | None = None,
              notes: dict[str, str] | None = None, **values: Any) -> type[Form]:
    """``form`` with ``values`` as its fields' defaults, keeping each field's French title
    and description (Prefect's ``with_initial_data`` rebuilds the fields from their type
    alone: the UI would show « Decisions » for « Décisions »). ``notes`` replace a
    field's description: Prefect's UI (3.9) squeezes the form's own description out of
    sight once the form is taller than the window, a field's stays visible."""
    from pydantic import Field, create_model

    fields: dict[str, Any] = {}
    for name, value in values.items():
        info = form.model_fields[name]
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else None
        fields[name] = (info.annotation, Field(
            default=value, title=info.title, json_schema_extra=extra,
            description=(notes or {}).get(name, info.description)))
    model = create_model(form.__name__, __base__=form, **fields)
    if description is not None:
        model._description = description  # type: ignore[attr-defined]
    return model


def answered(*names: str) -> Any:
    """A ``json_schema_extra`` marking ``names`` as required in the form's schema although
    they have defaults (the prefilled values): the UI then stops labelling the approval
    switch, the approver's name or the decisions « (Optional) »."""
    def mark(schema: dict[str, Any]) -> None:
        schema["required"] = sorted({*schema.get("required", []), *names})
    return mark


def current_run_id() -> str | None:
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


def approval_mode() -> Mode:
    """``suspend`` for a deployed run, ``pause`` otherwise (``EIG_APPROVAL_MODE`` forces
    one)."""
    forced = os.environ.get("EIG_APPROVAL_MODE")
    if forced in ("suspend", "pause"):
        return forced  # type: ignore[return-value]
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    run = context.flow_run if context is not None else None
    return "suspend" if run is not None and run.deployment_id else "pause"


Operator = Callable[[type[RunInput]], Any]
_operator: Operator | None = None


@contextmanager
def use_operator(operator: Operator) -> Iterator[Operator]:
    """Inside this block an approval is answered at once by ``operator`` (the form class
    in, the filled form out) instead of waiting for a person: the season simulation plays
    the operator who approves in the UI."""
    global _operator
    previous, _operator = _operator, operator
    try:
        yield operator
    finally:
        _operator = previous


def wait_for_approval(form: type[Form], key: str, timeout_hours: float,
                      on_timeout: str) -> Any:
    """The operator's answer to ``form`` (None when, paused in place, the wait timed out
    and ``on_timeout`` is ``end``). ``key`` must be the same at every pass of a run.

    Suspended, a wait costs nothing (no process), so it has no timeout: the team is
    reminded by the Prefect automation "committee awaiting approval".
    """
    if _operator is not None:
        return _operator(form)
    if approval_mode() == "suspend":
        answer = suspend_flow_run(wait_for_input=form, key=key)
        # only a resumed run gets here: its first pass exited with the suspension
        _log("la réponse de l'opérateur est arrivée : le run reprend là où il attendait")
        return answer
    poll = int(os.environ.get("EIG_APPROVAL_POLL_SECONDS", "10"))
    attempt = 0
    while True:
        try:
            return pause_flow_run(wait_for_input=form, timeout=int(timeout_hours * 3600),
                                  poll_interval=poll, key=f"{key}-{attempt}")
        except FlowPauseTimeout:
            if on_timeout == "end":
                return None
            attempt += 1


def _log(message: str) -> None:
    from prefect import get_run_logger

    get_run_logger().info(message)


ALIVE = ("SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING")


def run_alive(flow_run_id: str) -> bool:
    """Whether a flow run may still come back (scheduled, running, or waiting); when the
    Prefect API cannot tell, assume it may (never two runs on one committee)."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
    except ObjectNotFound:
        return False
    except Exception:
        return True
    return state is not None and state.type.value in ALIVE
