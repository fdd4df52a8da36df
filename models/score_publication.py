"""What score-dossiers writes back to DS for a dossier (pure): the private annotations
and the label, derived from its scores; a write-back happens only when these change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.french import nombre_fr
from models.scoring import RankedDossier

FAVORABLE, DISCUSS, UNFAVORABLE = ("Présélection favorable", "À discuter",
                                   "Présélection défavorable")
# the annotation's champ type (config) → the key of DS's AnnotationValueInput
ANNOTATION_KINDS = {"decimal_number": "decimalNumber", "integer_number": "integerNumber",
                    "textarea": "textarea", "text": "text"}


@dataclass(frozen=True)
class Publication:
    values: dict[str, Any]  # annotation key (config) → value
    label: str | None


def publication(score: RankedDossier) -> Publication | None:
    """None while the quorum is pending: nothing is written before the evaluations are in."""
    if score.quorum == "pending" or score.total is None:
        return None
    alerts = [f.detail for f in score.flags]
    if score.quorum == "k-1":
        alerts.append("Quorum réduit : remplacement impossible.")
    if score.calibrated_total is not None and score.calibrated_rank is not None:
        alerts.append(f"Calibré : {nombre_fr(score.calibrated_total)} "
                      f"(rang {score.calibrated_rank}).")
    values = {"note_totale": round(score.total, 2), "rang": score.rank,
              "nombre_evaluations": score.n_evaluations,
              "alertes": "\n".join(alerts) or "Aucune"}
    if score.flags:
        label = DISCUSS
    elif score.above_cut:
        label = FAVORABLE
    else:
        label = UNFAVORABLE
    return Publication(values, label)


def annotation_values(values: Mapping[str, Any], mapping: Mapping[str, tuple[str, str]]
                      ) -> list[dict[str, Any]]:
    """The outbox payload's values: ``mapping`` is annotation key → (champ id, champ type);
    keys the configuration does not map are not written."""
    return [{"annotation_id": mapping[key][0], "kind": ANNOTATION_KINDS[mapping[key][1]],
             "value": value} for key, value in values.items()
            if key in mapping and value is not None]
