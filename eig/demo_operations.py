"""The demo's operations chapter: a run fails, and the programme team is told once.

Deployed, a Prefect automation (config/automations.yaml, `eig setup`) starts notify-team
when a run of an `eig` deployment fails; the demo's runs have no deployment, so it
plays the automation: the same flow, with the failed run's id.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from connectors.mail import Mailbox
from connectors.store.engine import store_sessions
from models.french import compte
from models.tables import CommitteeSession

Echo = Any


def operations_story(echo: Echo) -> dict[str, bool]:
    from flows.conventions import draft_conventions
    from flows.notify import NotifyParameters, notify_team

    url = os.environ["EIG_DATABASE_URL"]
    with store_sessions(url) as sessions, sessions() as session:
        refused = next((d["dossier"] for row in session.scalars(select(CommitteeSession).where(
            CommitteeSession.track == "projets", CommitteeSession.status == "approved"))
            for d in row.decisions or [] if d["decision"] == "refus"), None)
    if refused is None:
        return {"un run en échec prévient l'équipe, une fois": False}
    echo(f"\n== 31. Un opérateur demande la convention du dossier {refused}, refusé : le run "
         "échoue, l'équipe est prévenue")
    # The failure is the story's: its one-line reason is told below, not Prefect's traceback
    with _quiet("prefect.flow_runs"):
        state = draft_conventions(dossier=refused, return_state=True)
    run_id = str(state.state_details.flow_run_id)
    mailbox = Mailbox(os.environ["EIG_MAILDIR"])
    before = len(mailbox)
    first = notify_team(NotifyParameters(flow_run=run_id, kind="failed"))
    again = notify_team(NotifyParameters(flow_run=run_id, kind="failed"))  # fired twice
    alerts = mailbox.list(start=before, effect_prefix="mail:alert:")
    for message in alerts:
        echo(f"« {message.subject} » pour {', '.join(message.to)}")
    echo(f"Le run a échoué : {_reason(state)}")
    echo(f"L'automation se déclenche deux fois : {compte(len(alerts), 'courriel')} à "
         f"l'équipe (clé {first['key']}).")
    return {"un run en échec prévient l'équipe, une fois":
            state.is_failed() and len(alerts) == 1 and first["delivered"] == 1
            and again["delivered"] == 0}


def _reason(state: Any) -> str:
    """The failed run's reason, without Prefect's English wrapping (« Flow run
    encountered an exception: LookupError: … »)."""
    message = str(state.message or "")
    return message.rsplit("Error: ", 1)[-1] if "Error: " in message else message


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Errors of logger ``name`` are not shown while inside."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
