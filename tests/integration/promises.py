"""Rule (a) of issue 18, in the integration scenarios: every promise a delivered email or
DS message makes (declared in templates/promises.yaml) is kept by an effect the code
scheduled — the attachment is there, the link is given, the follow-up email is in the
outbox, the conflict is recorded."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from fnmatch import fnmatch
from typing import Any

from sqlalchemy import select

from models.tables import Assignment, DeclaredConflict, Effect
from tests.integration.chase_helpers import effect_key, html_of, recipients, text_of
from tests.promise_rule import Promise, declared, made

TEMPLATE_OF = {
    "eval-request": "eval_request", "reminder": "eval_reminder",
    "replaced": "replacement_notice", "decline-ack": "decline_ack",
    "evaluation-fix": "evaluation_fix", "convention": "convention_draft",
    "hearing-invite": "hearing_invitation", "hearing-cancel": "hearing_cancellation",
    "mission-proposal": "mission_proposal", "mission-decision": "mission_decision",
    "mission-decision-admin": "mission_decision_admin", "missions-digest": "missions_digest",
    "alert": "alert", "escalation": "escalation", "no-substitute": "no_substitute",
    "jury-reminder": "jury_reminder", "jury-escalation": "jury_escalation",
    "jury-fix": "jury_fix",
    "availability-request": "availability_request",
    "availability-reminder": "availability_request"}
"""The template each email purpose (``mail:<purpose>:…``) is rendered from."""


def assert_promises_kept(messages: list[EmailMessage], store: Any) -> set[tuple[str, str]]:
    """Check every promise of the delivered ``messages`` and of the DS messages in the
    outbox; returns the (template, phrase) checked, so that a scenario can require some."""
    promises = declared()
    with store.sessions() as session:
        effects = {e.key: e for e in session.scalars(select(Effect))}
        conflicts = {c.evaluator_email.lower() for c in session.scalars(select(
            DeclaredConflict))}
        evaluator_of = {a.id: a.evaluator_email.lower()
                        for a in session.scalars(select(Assignment))}
    checked: set[tuple[str, str]] = set()
    for message in messages:
        key = effect_key(message)
        template = TEMPLATE_OF[key.split(":")[1]]
        text = "\n".join((str(message["Subject"]), text_of(message), html_of(message)))
        [person] = recipients([message])
        files = [p.get_filename() or "" for p in message.iter_attachments()]
        for promise in made(template, text, promises):
            _check(promise, effects[key], person, text, files, effects, conflicts,
                   evaluator_of)
            checked.add((template, promise.phrase))
    for effect in effects.values():  # DS messages to an applicant about their hearing
        found = re.fullmatch(r"ds:message:\d+:hearing-(\d+)", effect.key)
        if effect.action != "message" or not found:
            continue
        invited = [e for e in effects.values()
                   if e.key.startswith(f"mail:hearing-invite:{found[1]}:")
                   and e.payload.get("role") != "jury"]
        for promise in made("messages/hearing", effect.payload["body"], promises):
            person = invited[0].payload["email"] if invited else "(personne)"
            _check(promise, effect, person, effect.payload["body"], [], effects, conflicts,
                   evaluator_of)
            checked.add(("messages/hearing", promise.phrase))
    return checked


def _recipient(effect: Effect, evaluator_of: dict[int, str]) -> str:
    """Whom an email effect goes to (a task email names its assignment only)."""
    if "assignment" in effect.payload:
        return evaluator_of.get(int(effect.payload["assignment"]), "")
    return json.dumps(effect.payload).lower()


def _check(promise: Promise, own: Effect, person: str, text: str, files: list[str],
           effects: dict[str, Effect], conflicts: set[str],
           evaluator_of: dict[int, str]) -> None:
    where = f"{promise.template} to {person} ({own.key}): « {promise.phrase} »"
    effect = promise.effect
    if effect == "link":
        assert re.search(r"https?://\S+", text), f"{where}: no link in the message"
    elif effect == "conflict":
        assert person in conflicts, f"{where}: no conflict recorded"
    elif effect == "self" or "operator" in effect:
        return  # the message itself; a person's action (tests/unit/test_promises.py)
    elif "attachment" in effect:
        assert any(fnmatch(f, effect["attachment"]) for f in files), \
            f"{where}: no attachment {effect['attachment']} among {files}"
    elif "email" in effect:
        later = effect.get("later", True)
        follow = [e for e in effects.values() if e.key.startswith(f"mail:{effect['email']}:")
                  and (e.id > own.id if later else e.id < own.id)
                  and (effect.get("anyone") or person in e.key.lower()
                       or person in _recipient(e, evaluator_of))]
        assert follow, f"{where}: no {effect['email']} email for them in the outbox"
    else:
        raise AssertionError(f"{where}: unknown effect {effect}")
