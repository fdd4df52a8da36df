"""Every email and DS message template rendered in each of its variants (roles, kinds,
branches), from the sample contexts: what the promise rule reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.documents import environment, render_email
from models.vivier_forms import LEFT_VIVIER
from tests.unit import email_samples as samples

MESSAGES = ("hearing", "decision", "vivier_form", "mission")
"""DS message templates (``templates/messages``)."""


def _email_contexts(name: str) -> Iterator[dict[str, Any]]:
    sample = samples.EMAILS[name]
    if name == "hearing_invitation":
        for role, kind in [*((r, None) for r in samples.HEARING_ROLES),
                           *((r, "mission") for r in samples.MISSION_HEARING_ROLES)]:
            base = sample(role, kind)
            yield base
            yield base | {"attachments": {"pdf": None, "grid": None}}
            yield base | {"links": {"scores": samples.SCORES_URL}}
            yield base | {"links": {"scores": None}, "scores_due": None,
                          "attachments": base["attachments"] | {"grid": "grille-notation-42.csv"}}
            yield base | {"hearing": base["hearing"] | {
                "location": "https://webconf.numerique.gouv.fr/eig-audition-1", "jury": [],
                "rescheduled": True}}
    elif name == "hearing_cancellation":
        for role, kind in [*((r, None) for r in samples.HEARING_ROLES),
                           *((r, "mission") for r in samples.MISSION_HEARING_ROLES)]:
            base = sample(role, kind)
            yield base
            yield base | {"replacement": base["replacement"] | {"invited": False}}
            yield base | {"replacement": None, "reason": None}
            yield base | {"replacement": None, "reason": "désistement", "withdrawn": True}
            if kind == "mission":
                yield base | {"replacement": None, "reason": LEFT_VIVIER, "withdrawn": True,
                              "left_vivier": True}
    elif name == "mission_decision":
        yield sample(True)
        yield sample(True) | {"contrat": None}
        yield sample(False)
    elif name == "mission_decision_admin":
        yield sample(True)
        yield sample(False)
    elif name == "availability_request":
        for role in ("jury", "administration"):
            yield sample(role)
            yield sample(role) | {"reminder_on": None}  # the period ends first: no reminder
            yield sample(role, reminder=True)
            yield sample(role, reminder=True) | {"problem": None}
    elif name == "eval_request":
        yield sample()
        yield sample() | {"replacement": True, "attachments": sample()["attachments"] | {
            "pdf_source": "rendered"}}
    elif name == "eval_reminder":
        base = sample()
        yield base
        yield base | {"tasks": base["tasks"][1:]}
        yield base | {"tasks": base["tasks"][:1]}
    elif name == "no_substitute":
        yield sample(False)
        yield sample(True)
    elif name == "jury_reminder":
        base = sample()
        yield base
        yield base | {"hearings": base["hearings"][1:]}
        yield base | {"hearings": base["hearings"][:1]}
    elif name == "jury_fix":
        yield sample()
        yield sample() | {"link": None}
    elif name == "decline_ack":
        yield sample()
        yield sample() | {"conflict": not sample()["conflict"]}
    elif name == "convention_draft":
        yield sample()
        yield sample() | {"version": 2}
    elif name == "pipeline_report":
        yield sample(True)
        yield sample(False)
        yield sample(True) | {"comites": []}
    elif name == "alert":
        for kind in ("failed", "crashed", "late", "awaiting", "reminder"):
            yield sample(kind)
    else:
        yield sample()


def _message_contexts(name: str) -> Iterator[dict[str, Any]]:
    if name == "hearing":
        for role, kind in (("porteur", None), ("candidat", None), ("candidat", "mission")):
            base = samples.hearing_message(role, kind)
            yield base
            yield base | {"emailed": False}
    elif name == "vivier_form":
        yield from samples.vivier_form_variants()
    elif name == "mission":
        for event in samples.MISSION_MESSAGE_EVENTS:
            yield samples.mission_message(event)
    else:
        for decision in ("laureat", "liste_attente", "vivier", "refuse"):
            for kind in ("projet", "candidature"):
                base = {"decision": decision, "motivation": "Un dossier solide.",
                        "dossier": samples.dossier_ref(kind=kind),
                        "session_date": samples.TODAY, "programme": samples.programme()}
                yield base
                if decision == "vivier":  # with the vivier form's link
                    yield base | {"vivier_link": "https://ds.example/commencer/vivier?"
                                  "champ_Q2hhbXAtNjAwMQ%3D%3D=42"}


def renderings() -> Iterator[tuple[str, str]]:
    """(template, what a recipient reads: subject, text and HTML) for every variant."""
    for name in samples.EMAILS:
        for context in _email_contexts(name):
            email = render_email(name, context)
            yield name, "\n".join((email.subject, email.text, email.html))
    for name in MESSAGES:
        template = environment().get_template(f"messages/{name}.txt.j2")
        for context in _message_contexts(name):
            yield f"messages/{name}", template.render(context)
