"""What a stage tells the stages after it, without importing them: Prefect events.

On a Prefect server, the deployments that follow a stage are triggered by these events
(prefect.yaml): new dossiers set off the assignment, new evaluations the scoring, an
approved projects' committee the conventions, a mission contact's availability the
booking of the entretiens waiting for it. Run in one process (the CLI, the demo,
the tests), ``flows.pipeline`` runs the same follow-ups from the stage's summary.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect.events import emit_event

DOSSIERS_ARRIVED = "eig.dossiers.arrived"  # resource eig.track.<track>
EVALUATIONS_SUBMITTED = "eig.evaluations.submitted"  # resource eig.evaluations
COMMITTEE_APPROVED = "eig.committee.approved"  # resource eig.committee.<track>
AVAILABILITY_DECLARED = "eig.availability.declared"  # resource eig.availability.administration
MISSIONS_CHANGED = "eig.missions.changed"  # resource eig.missions: mission dossiers synced
MISSION_FILED = "eig.mission.filed"  # resource eig.mission.<id>: opened or updated from DS
log = logging.getLogger(__name__)


def announce(event: str, resource_id: str, payload: dict[str, Any]) -> bool:
    """Emit ``event`` about ``resource_id``; a failure is logged, not raised (the
    followers' schedules catch up)."""
    try:
        emit_event(event=event, resource={"prefect.resource.id": resource_id,
                                          "prefect.resource.name": resource_id},
                   payload=payload)
    except Exception as error:
        log.warning("événement %s (%s) non émis : %s ; les déploiements suivants "
                    "rattraperont à leur horaire", event, resource_id, error)
        return False
    return True
