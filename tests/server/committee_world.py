"""A committee's world, built as the integration tests build it: four projets synced from
the sandbox, evaluators assigned, evaluations submitted through the prefilled forms and
scored (excellent, good, weak, and one without quorum)."""

from __future__ import annotations

from sqlalchemy import select, update

from flows.assign import AssignParameters, assign_evaluators
from flows.delivery.deliverer import deliver_pending
from flows.runtime import open_runtime, use_clock
from flows.score import ScoreParameters, score_dossiers
from models.tables import Assignment, EvaluationLink, EvaluatorRow
from tests.integration.chase_helpers import START, days, import_roster, scores
from tests.integration.sync_helpers import run_sync

PUBLISHING = ("dossierAccepter", "dossierRefuser", "dossierEnvoyerMessage",
              "dossierPasserEnInstruction")


def scored_projets(world: dict, tmp_path) -> list[int]:
    """The four dossier numbers: excellent, good, weak, pending (two evaluations of
    three). What the preparation recorded in the outbox is delivered here, so that the
    sandbox's log shows only what the committee does afterwards."""
    store, sandbox, clock = world["store"], world["sandbox"], world["clock"]
    import_roster(store, tmp_path)
    with store.sessions.begin() as session:  # room for 4 × 3 evaluations among the five
        session.execute(update(EvaluatorRow).values(monthly_capacity=3))
    with use_clock(clock):
        run_sync(full=True, assign_new=False)
        assign_evaluators(AssignParameters(tracks=["projets"]))
        with open_runtime() as rt:  # the task emails, with their prefilled links
            deliver_pending(rt)
        with store.sessions() as session:
            teams: dict[int, list[Assignment]] = {}
            for a in session.scalars(select(Assignment).order_by(Assignment.id)):
                teams.setdefault(a.dossier_number, []).append(a)
            links = {link.assignment_id: link.url for link in session.scalars(
                select(EvaluationLink).where(EvaluationLink.purpose == "evaluate"))}
        numbers = sorted(teams)
        clock.current = START + days(3)
        for number, value in zip(numbers, (5, 4, 2, 4), strict=True):
            team = teams[number] if number != numbers[3] else teams[number][:2]
            for a in team:
                form = sandbox.state.start_from_link(links[a.id])
                sandbox.state.submit_prefilled(form.number, scores("Avis motivé.", value))
        score_dossiers(ScoreParameters())
        with open_runtime() as rt:
            deliver_pending(rt)
    return numbers


def published(sandbox) -> int:
    return sum(sandbox.mutations.applied(name) for name in PUBLISHING)
