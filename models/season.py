"""A simulated season's parameters, and the variants of `eig simulate --what-if`.

A variant reads ``roster=80,capacity=4,ladder=-3/1/4/7``: keys of ``SeasonParameters``
(or their short names below), the ladder as the days of its steps in the
configuration's order (reminder, reminder, escalation, replacement by default).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.evaluator_behaviour import Behaviour


class SeasonParameters(BaseModel):
    """Run form of simulate-season."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    start: date = Field(default=date(2027, 1, 4), title="Début de la saison")
    weeks: int = Field(default=26, ge=1, le=104, title="Durée (semaines)")
    projects_per_week: float = Field(default=11.5, ge=0, title="Projets déposés par semaine",
                                     description="Moyenne d'un processus de Poisson.")
    campaign_size: int = Field(default=200, ge=0, title="Candidatures par campagne",
                               description="Une campagne tous les deux mois.")
    roster: int = Field(default=150, ge=3, title="Évaluateurs",
                        description="Vivier synthétique à l'image de "
                        "config/evaluateurs.example.csv.")
    capacity: int = Field(default=6, ge=1, title="Capacité mensuelle par évaluateur")
    jury: int = Field(default=14, ge=2, title="Jurés par parcours")
    jury_share: float = Field(default=0.5, ge=0, le=1, title="Disponibilité du jury",
                              description="Part des demi-journées ouvrées offertes.")
    due_days: int | None = Field(default=None, ge=1, title="Échéance d'une évaluation (jours)",
                                 description="Vide : la configuration.")
    ladder: list[int] | None = Field(default=None, title="Échelle de relance (jours)",
                                     description="Les jours de ses étapes, dans l'ordre de "
                                     "la configuration ; vide : la configuration.")
    median_days: float = Field(default=Behaviour.median_days, gt=0,
                               title="Délai médian de réponse (jours)")
    decline_share: float = Field(default=Behaviour.decline_share, ge=0, le=1,
                                 title="Part des déclins")
    late_share: float = Field(default=Behaviour.late_share, ge=0, le=1,
                              title="Part des réponses en retard")
    silent_share: float = Field(default=Behaviour.silent_share, ge=0, le=1,
                                title="Part des tâches sans réponse")
    away_share: float = Field(default=Behaviour.away_share, ge=0, le=1,
                              title="Part des évaluateurs absents une fois")
    missions: bool = Field(default=True, title="Missions",
                           description="Les lauréats ouvrent une mission, cherchée dans le "
                           "vivier.")
    seed: int = Field(default=1, title="Graine")

    @property
    def days(self) -> int:
        return self.weeks * 7

    def behaviour(self) -> Behaviour:
        return Behaviour(median_days=self.median_days, decline_share=self.decline_share,
                         late_share=self.late_share, silent_share=self.silent_share,
                         away_share=self.away_share)


SHORT_NAMES = {"rate": "projects_per_week", "projets": "projects_per_week",
               "campagne": "campaign_size", "campaign": "campaign_size",
               "capacite": "capacity", "due": "due_days", "echeance": "due_days",
               "echelle": "ladder", "semaines": "weeks", "graine": "seed"}


class VariantError(ValueError):
    """A --what-if or --sweep argument that cannot be read (the message is French)."""


def parse_variant(text: str) -> dict[str, object]:
    """``roster=80,capacity=4,ladder=-3/1/4/7`` → the overrides, checked against
    ``SeasonParameters``."""
    overrides: dict[str, object] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        name = SHORT_NAMES.get(key.strip(), key.strip())
        if not sep or name not in SeasonParameters.model_fields:
            raise VariantError(f"variante « {text} » : « {part} » n'est pas un réglage connu "
                               f"(clé=valeur ; clés : {', '.join(sorted(_known()))})")
        overrides[name] = ([int(d) for d in value.split("/")] if name == "ladder"
                           else value.strip())
    try:
        SeasonParameters(**overrides)  # type: ignore[arg-type]
    except (ValidationError, ValueError) as error:
        raise VariantError(f"variante « {text} » : {_first_error(error)}") from None
    return overrides


def apply_variant(params: SeasonParameters, overrides: dict[str, object]) -> SeasonParameters:
    return SeasonParameters(**(params.model_dump() | overrides))


def parse_sweep(text: str) -> tuple[str, int, int]:
    """``roster=40..160`` → (``roster``, 40, 160)."""
    key, _, span = text.partition("=")
    name = SHORT_NAMES.get(key.strip(), key.strip())
    low, dots, high = span.partition("..")
    if name not in SeasonParameters.model_fields or not dots:
        raise VariantError(f"balayage « {text} » : attendu clé=min..max, par exemple "
                           "roster=40..160")
    try:
        bounds = int(low), int(high)
    except ValueError:
        raise VariantError(f"balayage « {text} » : bornes entières attendues") from None
    if bounds[0] > bounds[1]:
        raise VariantError(f"balayage « {text} » : la borne basse dépasse la haute")
    return name, *bounds


def _known() -> set[str]:
    return set(SeasonParameters.model_fields) | set(SHORT_NAMES)


def _first_error(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(map(str, first['loc']))} : {first['msg']}"
    return str(error)
