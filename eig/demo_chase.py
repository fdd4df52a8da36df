"""The demo's evaluation chapter: task emails, answers in DS, and a month of chasing.

The sandbox and the pipeline share a clock that runs in real time and can jump ahead, so
the story travels to the ladder's days (D-3, D+1, D+2, D+3 by default) in seconds. The chase runs
with ``force`` so that the story does not depend on the weekday it is told on.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from connectors.mail import Mailbox
from connectors.store.engine import store_sessions
from ds_sandbox import Sandbox
from eig.demo_clock import TravelClock
from models.french import compte, date_fr
from models.paris_time import PARIS
from models.tables import Assignment, EvaluationLink

Echo = Any


def chase_story(echo: Echo, sandbox: Sandbox, clock: TravelClock, database_url: str,
                maildir: Path) -> dict[str, bool]:
    from eig.demo_delivery import deliver
    from flows.chase import ChaseParameters, chase_evaluators

    mailbox = Mailbox(maildir)
    # the first task email only: reading back hundreds of emails with their PDFs would
    # cost the story seconds and show nothing more
    sample = next(mailbox.summaries(effect_prefix="mail:eval-request:"), None)
    echo("\n== 9. Tâches d'évaluation : un courriel par affectation")
    if sample is not None:
        echo(f"« {sample.subject} » pour {', '.join(sample.to)}")
        echo("  pièces jointes : " + ", ".join(
            f"{a.filename} ({a.content_type})" for a in sample.attachments))
        echo(f"  (eig mailbox --show {sample.index} pour le lire ; "
             f"eig preview-email eval_request --dossier N pour un aperçu)")
    with store_sessions(database_url) as sessions, sessions() as session:
        assignments = list(session.scalars(select(Assignment).order_by(Assignment.id)))
        links = {(link.assignment_id, link.purpose): link.url
                 for link in session.scalars(select(EvaluationLink))}
    if not assignments:
        return {"les tâches d'évaluation partent avec leurs liens": False}
    sample_link = links.get((assignments[0].id, "evaluate"), "")
    echo(f"  lien d'évaluation (prérempli par l'adresse, sans appel à l'API) : {sample_link}")
    posts_before = sandbox.prefill_stats.count()
    generated = len(sandbox.state.numbers(_evaluations_number()))  # before any answer
    due = assignments[0].due_at
    paris = PARIS

    def at(days: int) -> datetime:
        day = due.astimezone(paris).date() + timedelta(days=days)
        return datetime(day.year, day.month, day.day, 9, tzinfo=paris).astimezone(UTC)

    def chase(title: str, explain: str = "") -> dict[str, Any]:
        before = len(mailbox)
        echo(f"\n== {title}")
        if explain:
            echo(explain)
        summary = chase_evaluators(ChaseParameters(force=True))
        deliver()
        forms = summary["forms"]
        refused = sum(r.get("new", True) for r in forms["rejected"])
        echo(f"Formulaires : {compte(forms['submitted'], 'évaluation')}, "
             f"{compte(forms['declined'], 'déclin')}, "
             f"{compte(refused, 'nouveau refusé', 'nouveaux refusés')} ; rappels : "
             f"{compte(summary['reminder_digests'], 'courriel')} pour "
             f"{compte(summary['reminded_tasks'], 'tâche')} ; retards signalés : "
             f"{len(summary['escalated'])} ; remplacements : {len(summary['replaced'])}.")
        summary["new_emails"] = len(mailbox) - before
        echo(f"Courriels envoyés : {summary['new_emails']}.")
        return summary

    rng = random.Random(5)
    declining = assignments[0]
    conflicted = next(a for a in assignments if a.dossier_number != declining.dossier_number)
    assignments = [declining, conflicted,
                   *(a for a in assignments if a.id not in (declining.id, conflicted.id))]
    clock.advance(timedelta(days=2))
    # Each evaluator follows the link of their email: DS's start page of the evaluation
    # démarche, prefilled from the link itself; they start it, answer and submit.
    for assignment, motif in ((declining, "indisponibilité sur la période"),
                              (conflicted, "conflit d'intérêts")):
        form = sandbox.state.start_from_link(links[(assignment.id, "decline")])
        sandbox.state.submit_prefilled(form.number, {"motif_declin": motif})
    echo(f"\nDans DS : {declining.evaluator_email} décline le dossier "
         f"{declining.dossier_number} (indisponible), {conflicted.evaluator_email} déclare un "
         f"conflit d'intérêts sur le dossier {conflicted.dossier_number}.")
    declines = chase(
        "10. J+2 : les déclins sont pris en compte, les suppléants sollicités",
        f"La démarche d'évaluation contenait déjà {compte(generated, 'formulaire')} que le "
        "bac à sable a générés au départ, comme des formulaires remplis sans passer par nos "
        "liens : sans jeton valide, ils ne comptent pas. C'est voulu : le pipeline les met "
        "de côté une fois, avec leur raison (l'avertissement ci-dessous, eig quarantine), et "
        "ne les signale plus ensuite.")
    with store_sessions(database_url) as sessions, sessions() as session:
        substitutes = [(a, session.get(EvaluationLink, (a.id, "evaluate")))
                       for a in session.scalars(select(Assignment).where(
                           Assignment.replaces_id.is_not(None)))]
        session.expunge_all()
    for substitute, link in substitutes:  # the substitutes answer at once
        if link is not None:
            form = sandbox.state.start_from_link(link.url)
            sandbox.state.submit_prefilled(form.number, _scores(rng, substitute))

    clock.travel_to(at(-4))
    answered = [a for a in assignments[2:] if rng.random() < 0.8]
    for assignment in answered:
        form = sandbox.state.start_from_link(links[(assignment.id, "evaluate")])
        sandbox.state.submit_prefilled(form.number, _scores(rng, assignment))
    echo(f"\nDans DS : {len(answered)} évaluations sont déposées avant l'échéance "
         f"({date_fr(due)}).")
    (before, after), escalate, replace = _ladder_days()
    clock.travel_to(at(before))
    reminders = chase(f"11. J{before:+d} : un rappel groupé par évaluateur encore attendu")
    clock.travel_to(at(after))
    chase(f"12. J{after:+d} : second rappel")
    clock.travel_to(at(escalate))
    escalation = chase(f"13. J{escalate:+d} : l'équipe du programme reçoit la liste des "
                       "retards")
    clock.travel_to(at(replace))
    replacement = chase(f"14. J{replace:+d} : chaque tâche en retard passe au suppléant "
                        "suivant")
    echo(f"  soit deux courriels par remplacement : l'avis au retardataire, la tâche au "
         f"suppléant ({compte(len(replacement['replaced']), 'remplacement')}).")
    again = chase("15. Le même jour, une seconde relance n'envoie rien de plus")
    open_tasks = len(assignments) - 2 - len(answered)
    return {
        "les liens préremplissent par l'adresse, sans requête à l'API de préremplissage":
            posts_before == sandbox.prefill_stats.count() == 0
            and "/commencer/" in sample_link,
        "un déclin passe au meilleur suppléant, le conflit rejoint le vivier":
            declines["forms"]["declined"] == 2 and len(declines["replaced"]) == 2
            and declines["forms"]["conflicts"] == 1,
        "un seul rappel par évaluateur, pour toutes ses tâches ouvertes":
            reminders["reminded_tasks"] >= open_tasks > 0
            and reminders["reminder_digests"] < reminders["reminded_tasks"],
        "l'équipe reçoit la liste des retards": len(escalation["escalated"]) > 0
            and escalation["new_emails"] == 1,
        "les retards passent au suppléant à la dernière marche de l'échelle":
            len(replacement["replaced"]) > 0,
        "relancer deux fois n'envoie rien de plus": again["new_emails"] == 0,
    }


def _ladder_days() -> tuple[tuple[int, int], int, int]:
    """The configured ladder's days: the two reminders, the escalation, the replacement."""
    from settings.config import load_config
    from settings.environment import Settings

    ladder = load_config(Settings().config).evaluation.ladder
    reminders = sorted(s.days for s in ladder if s.action == "remind")
    escalate = next(s.days for s in ladder if s.action == "escalate")
    replace = next(s.days for s in ladder if s.action == "replace")
    return (reminders[0], reminders[-1]), escalate, replace


def _evaluations_number() -> int:
    from settings.config import load_config
    from settings.environment import Settings

    return load_config(Settings().config).demarches["evaluations"].number


@lru_cache(maxsize=4)
def _criteria(track: str) -> tuple[Any, ...]:
    """The track's criteria, read once (each of hundreds of submissions needs them)."""
    from settings.config import load_config
    from settings.environment import Settings

    return tuple(load_config(Settings().config).tracks[track].criteria)


def _scores(rng: random.Random, assignment: Assignment) -> dict[str, Any]:
    """Believable scores: the dossier's quality, the evaluator's harshness or leniency, a
    little noise — what the calibration is there to see through."""
    criteria = _criteria(assignment.track)
    quality = 2.4 + random.Random(assignment.dossier_number).random() * 2.2
    bias = (random.Random(assignment.evaluator_email).random() - 0.5) * 1.2
    values: dict[str, Any] = {
        f"note_{c.key}": max(0, min(5, round(quality + bias + rng.gauss(0, 0.45))))
        for c in criteria}
    values["commentaire"] = rng.choice((
        "Dossier solide, sponsor très engagé.", "Le problème est réel mais mal mesuré.",
        "Belle ambition ; la feuille de route reste à préciser."))
    return values
