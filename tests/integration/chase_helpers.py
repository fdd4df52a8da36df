"""Helpers for the evaluation-task tests: a small world on a shared fake clock."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

from connectors.mail import Mailbox
from connectors.mail.message import EFFECT_HEADER

PROFILES = ["produit", "technique", "design", "data", "juridique"]
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 30 November, 9:00 in Paris

ROSTER_HEADER = ("courriel;nom;organisation;ministere;profils;parcours;seniorite;"
                 "capacite_mensuelle;indisponibilites;thematiques;ministeres_expertise;"
                 "conflits_organisations;conflits_dossiers;conflits_personnes")


def write_roster(path: Path) -> Path:
    """Five evaluators available now (two tasks each at most), six more who are away
    until 1 December: the first assignment must share the work among the five (so some
    get several tasks, hence digests); replacements find the six."""
    lines = [ROSTER_HEADER]
    for i in range(5):
        lines.append(f"now{i}@eval.example;Évaluatrice Maintenant {i};Agence Maintenant {i};;"
                     f"produit;projets;{'ancien EIG' if i < 3 else ''};2;;;;;;")
    for i in range(6):
        lines.append(f"later{i}@eval.example;Évaluateur Plus-Tard {i};Agence Plus-Tard {i};;"
                     f"technique;projets;{'jury' if i < 3 else ''};3;"
                     f"2026-11-20..2026-12-01;;;;;")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


PROJECT_CRITERIA = ("soutien_politiques_prioritaires", "probleme_avere", "probleme_majeur",
                    "probleme_actionnable", "adequation_approche_produit", "sponsoring",
                    "autonomie_ressources", "feuille_de_route", "ambition_entrepreneuriale")


def scores(comment: str, value: int = 4, **overrides: int) -> dict[str, object]:
    """A complete evaluation of a projet (every criterion scored), as an evaluator submits."""
    notes: dict[str, object] = {f"note_{key}": overrides.get(key, value)
                                for key in PROJECT_CRITERIA}
    return notes | {"commentaire": comment}


def small_sandbox(clock, projets: int, *, deposited_days_ago: int = 7,
                  values: dict[int, dict[str, object]] | None = None, **options):
    """A sandbox on ``clock`` with a few projets waiting for evaluators (``values``: by
    seed, champs to set). Its prefill API keeps DS's pace (15 in 15 s): the task emails
    prefill by link and must not call it."""
    from ds_sandbox import PROJETS, Sandbox, SandboxState

    box = Sandbox(SandboxState(now=clock), **options)
    for seed in range(projets):
        box.state.add_dossier(PROJETS.number, seed=seed, values=(values or {}).get(seed),
                              date_depot=clock() - timedelta(days=deposited_days_ago))
    return box


def import_roster(store, tmp_path: Path) -> None:
    """The roster of ``write_roster``, imported as of START."""
    from connectors.roster_file import load_roster
    from connectors.store.roster import replace_roster

    evaluators = load_roster(write_roster(tmp_path / "evaluateurs.csv"),
                             allowed_profiles=PROFILES, allowed_tracks=["projets"])
    with store.sessions.begin() as session:
        replace_roster(session, evaluators, START)


class Inbox:
    """The messages the local SMTP server received, read once each."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.seen: set[str] = set()

    def new(self) -> list[EmailMessage]:
        fresh = []
        received = self.mailbox.keys()
        for key in received:
            if key not in self.seen:
                self.seen.add(key)
                fresh.append(self.mailbox.message(key))
        return fresh


def effect_key(message: EmailMessage) -> str:
    return str(message[EFFECT_HEADER]).strip()  # a long key is folded onto its own line


def of_kind(messages: list[EmailMessage], purpose: str) -> list[EmailMessage]:
    return [m for m in messages if effect_key(m).startswith(f"mail:{purpose}:")]


def recipients(messages: list[EmailMessage]) -> list[str]:
    return sorted(str(m["To"]).rsplit("<", 1)[-1].rstrip(">").lower() for m in messages)


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True)
            for part in message.iter_attachments()}


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"')]+", text)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def paused_run(timeout: float = 120) -> UUID:
    """The id of the flow run waiting for approval (a committee, a mission's decision)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))))
            if runs:
                return runs[0].id
            time.sleep(0.5)
    raise AssertionError("no flow run paused for approval")


def on_the_written_ladder() -> None:
    """Keep a story on the ladder it was written for — 14 days, escalation at D+4,
    replacement at D+7, 7 days for a substitute — in the test's configuration
    (EIG_CONFIG). config/eig.yaml now says 10 days, D+2, D+3 and 4 days: the season
    simulation showed the earlier ones miss the 21 days (docs/simulation.md); the
    ladder's mechanics are the same on either."""
    import os

    import yaml

    path = Path(os.environ["EIG_CONFIG"])
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for track in raw["tracks"].values():
        track["due_days"], track["replacement_due_days"] = 14, 7
    raw["evaluation"]["ladder"] = [
        {"name": "rappel-avant", "days": -3, "action": "remind"},
        {"name": "rappel-retard", "days": 1, "action": "remind"},
        {"name": "escalade", "days": 4, "action": "escalate"},
        {"name": "remplacement", "days": 7, "action": "replace"}]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
