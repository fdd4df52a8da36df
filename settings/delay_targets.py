"""The programme's delays as ``models.pipeline_delays.Target``s, from the configuration."""

from __future__ import annotations

from models.pipeline_delays import Step, Target
from settings.config import EigConfig

PRESELECTION_LABELS = {"projets": "Présélection (triple évaluation)",
                       "candidats": "Évaluation (triple évaluation)"}
DECISION_LABELS = {"projets": "Comité de sélection", "candidats": "Délibération"}
MISSIONS = "missions"


def delay_targets(config: EigConfig) -> list[Target]:
    """Per track, in the order of its steps: the présélection within
    ``tracks.<t>.evaluation_days`` of the dépôt, the hearing within
    ``hearings.tracks.<t>.within_days`` of the présélection, the committee within
    ``deliberation.decision_days.<t>`` of the hearing; for missions, the entretien de
    mission within ``hearings.tracks.missions.within_days`` of the proposal."""
    targets = []
    for track, settings in config.tracks.items():
        targets.append(Target(track, Step.DEPOT, Step.PRESELECTION,
                              settings.evaluation_days,
                              PRESELECTION_LABELS.get(track, f"Présélection ({settings.label})")))
        hearing = config.hearings.tracks.get(track)
        if hearing is not None:
            targets.append(Target(track, Step.PRESELECTION, Step.AUDITION,
                                  hearing.within_days, hearing.label))
        decision_days = config.deliberation.decision_days.get(track)
        if decision_days is not None:
            targets.append(Target(track, Step.AUDITION if hearing else Step.PRESELECTION,
                                  Step.DECISION, decision_days,
                                  DECISION_LABELS.get(track, "Comité")))
    hearing = config.hearings.tracks.get(MISSIONS)
    if hearing is not None and MISSIONS not in config.tracks:
        targets.append(Target(MISSIONS, Step.MISSION_OUVERTE, Step.AUDITION,
                              hearing.within_days, hearing.label))
    return targets
