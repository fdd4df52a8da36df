"""A mission dossier of the missions démarche (pure): what the lauréat administration
described, the recruitment step the team records in DS, and the state the administration
reads back (annotations, label).

Three readings, each an answer or a ``DossierProblem`` (one French line naming the
dossier, the field and the rule — the dossier is kept aside, never a traceback):

- ``read_filing``: the champs → a ``MissionFiling`` (what ``match-mission`` needs);
- ``read_step``: the team's annotations « Étape du recrutement » and its dates → a
  ``StepRequest``; ``plan_step`` then finds the placement it moves and the steps of the
  path to take (``models.placement``), none when it is already there;
- ``mission_view``: the mission, its placements and entretiens → the annotations and the
  label the administration reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from models.french import date_fr, datetime_fr
from models.placement import TRANSITIONS, MissionStatus, PlacementStatus
from models.quote import quoted

QUOTITES = ("temps plein", "4/5")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class DossierProblem:
    """Why a mission dossier (or the team's annotation on it) cannot be applied."""

    dossier: int
    demarche: int
    field: str
    rule: str
    detail: str

    def describe(self) -> str:
        """For the team (``eig quarantine``, the run's artifact)."""
        return (f"dossier {self.dossier} (démarche {self.demarche}) : champ « {self.field} » "
                f": {self.rule}, {self.detail}")

    def for_applicant(self) -> str:
        """For the administration: the champ as its form names it."""
        label = FIELD_LABELS.get(self.field, self.field)
        return f"le champ « {label} » attend : {self.rule} ; {self.detail}"


FIELD_LABELS = {
    "projet_dossier": "Numéro du dossier du projet lauréat",
    "profils": "Profils recherchés (1 ou 2)",
    "quotite": "Quotité",
    "debut": "Date de début souhaitée",
    "experience_min": "Expérience minimale (années)",
    "contact_email": "Courriel du contact",
    "etape_recrutement": "Étape du recrutement",
    "date_signature": "Date de signature du contrat",
    "date_prise_de_poste": "Date de prise de poste",
    "dossier_candidat": "Dossier de la personne concernée",
}
"""The labels of the missions démarche's champs and annotations (ds_sandbox and DS)."""


@dataclass(frozen=True)
class MissionFiling:
    """A mission as the administration described it in DS."""

    projet_dossier: int
    administration: str
    titre: str
    profils: tuple[str, ...]
    quotite: str
    debut: date
    localisation: str
    thematique: str
    experience_min: int | None
    contact_nom: str
    contact_email: str

    def answers(self) -> dict[str, Any]:
        """Plain JSON, to compare with what the store last applied."""
        out = asdict(self)
        out["profils"], out["debut"] = list(self.profils), self.debut.isoformat()
        return out


def read_filing(dossier: int, demarche: int, fields: Mapping[str, Any], *,
                specialties: Sequence[str], laureats: set[int],
                deposited: date | None) -> MissionFiling | DossierProblem:
    """The mission of a mapped dossier (the sync checked types and required champs), or
    the first rule it breaks."""
    def problem(field: str, rule: str, detail: str) -> DossierProblem:
        return DossierProblem(dossier, demarche, field, rule, detail)

    profils = tuple(fields.get("profils") or ())
    if not 1 <= len(profils) <= 2:
        return problem("profils", "1 ou 2 profils", f"reçu {len(profils)}")
    unknown = [p for p in profils if p not in specialties]
    if unknown:
        return problem("profils", "spécialité du programme",
                       f"reçu {quoted(unknown[0])} (possibles : {', '.join(specialties)})")
    projet = fields.get("projet_dossier")
    if projet not in laureats:
        return problem("projet_dossier", "projet lauréat du programme",
                       f"le dossier {projet} n'est pas un projet lauréat")
    quotite = str(fields.get("quotite") or "")
    if quotite not in QUOTITES:
        return problem("quotite", "temps plein ou 4/5", f"reçu {quoted(quotite)}")
    debut = _date(fields.get("debut"))
    if debut is None:
        return problem("debut", "date", f"reçu {quoted(fields.get('debut'))}")
    if deposited is not None and debut < deposited:
        return problem("debut", "date à venir",
                       f"le {date_fr(debut)} précède le dépôt du dossier ({date_fr(deposited)})")
    years = fields.get("experience_min")
    if years is not None and not 0 <= int(years) <= 40:
        return problem("experience_min", "entre 0 et 40 ans", f"reçu {years}")
    email = str(fields.get("contact_email") or "").strip().lower()
    if not EMAIL.match(email):
        return problem("contact_email", "adresse électronique", f"reçu {quoted(email)}")
    return MissionFiling(
        projet_dossier=int(projet), administration=str(fields["administration"]),
        titre=str(fields["intitule"]), profils=profils, quotite=quotite, debut=debut,
        localisation=str(fields.get("localisation") or ""),
        thematique=str(fields.get("thematique") or ""),
        experience_min=None if years is None else int(years),
        contact_nom=str(fields["contact_nom"]), contact_email=email)


# -- the team's recruitment step ------------------------------------------------------------


STEP_FIELD = "etape_recrutement"
STEP_ANNOTATIONS = (STEP_FIELD, "date_signature", "date_prise_de_poste", "dossier_candidat")
"""The annotations the programme team sets in DS (config: demarches.missions.annotations)."""


@dataclass(frozen=True)
class StepRequest:
    """The step the team recorded in DS, with its dates."""

    option: str
    step: PlacementStatus
    candidate: int | None
    signed_on: date | None
    started_on: date | None

    def as_json(self) -> dict[str, Any]:
        return {"option": self.option, "step": str(self.step), "candidate": self.candidate,
                "signed_on": self.signed_on.isoformat() if self.signed_on else None,
                "started_on": self.started_on.isoformat() if self.started_on else None}


def read_step(dossier: int, demarche: int, annotations: Mapping[str, Any],
              steps: Mapping[str, str]) -> StepRequest | DossierProblem | None:
    """The team's step (None: none set yet), or the rule it breaks."""
    option = annotations.get(STEP_FIELD)
    if not option:
        return None

    def problem(field: str, rule: str, detail: str) -> DossierProblem:
        return DossierProblem(dossier, demarche, field, rule, detail)

    if option not in steps:
        return problem(STEP_FIELD, "étape connue",
                       f"reçu {quoted(option)} (possibles : {', '.join(steps)})")
    step = PlacementStatus(steps[option])
    signed, started = _date(annotations.get("date_signature")), _date(
        annotations.get("date_prise_de_poste"))
    if step in (PlacementStatus.CONTRAT_SIGNE, PlacementStatus.DEMARRE) and signed is None:
        return problem("date_signature", "obligatoire pour cette étape",
                       f"l'étape « {option} » demande la date de signature du contrat")
    if step is PlacementStatus.DEMARRE and started is None:
        return problem("date_prise_de_poste", "obligatoire pour cette étape",
                       f"l'étape « {option} » demande la date de prise de poste")
    if signed and started and started < signed:
        return problem("date_prise_de_poste", "après la signature",
                       f"le {date_fr(started)} précède la signature du {date_fr(signed)}")
    candidate = annotations.get("dossier_candidat")
    return StepRequest(option, step, None if candidate is None else int(candidate), signed,
                       started)


RETAINED_PATH = (PlacementStatus.RETENU, PlacementStatus.ACCEPTE,
                 PlacementStatus.CONTRAT_SIGNE, PlacementStatus.DEMARRE)


@dataclass(frozen=True)
class PlacementRef:
    id: int
    dossier: int
    status: str


@dataclass(frozen=True)
class StepPlan:
    """The placement the step moves and the steps to record, in order (none: it is
    already there, or further)."""

    placement: int
    path: tuple[PlacementStatus, ...]


def plan_step(dossier: int, demarche: int, request: StepRequest,
              placements: Sequence[PlacementRef]) -> StepPlan | DossierProblem:
    """Walk the retained person's placement to the team's step: « Contrat signé » on a
    retained person records the acceptance, then the signature."""
    def problem(field: str, rule: str, detail: str) -> DossierProblem:
        return DossierProblem(dossier, demarche, field, rule, detail)

    if request.candidate is not None:
        held = [p for p in placements if p.dossier == request.candidate]
        if not held:
            return problem("dossier_candidat", "personne proposée pour la mission",
                           f"le dossier {request.candidate} n'est pas proposé pour cette "
                           "mission")
    else:
        held = [p for p in placements if p.status in RETAINED_PATH]
        withdrawn = [p for p in placements if p.status == PlacementStatus.RENONCE]
        if not held and request.step is PlacementStatus.RENONCE and len(withdrawn) == 1:
            held = withdrawn  # the withdrawal, already recorded (by the CLI)
    if not held:
        return problem(STEP_FIELD, "après la délibération",
                       "personne n'est encore retenu·e pour cette mission")
    if len(held) > 1:
        return problem("dossier_candidat", "obligatoire quand deux personnes sont retenues",
                       "précisez le dossier de la personne concernée ("
                       + ", ".join(str(p.dossier) for p in held) + ")")
    [placement] = held
    current = PlacementStatus(placement.status)
    if request.step is PlacementStatus.RENONCE:
        if current is PlacementStatus.RENONCE:
            return StepPlan(placement.id, ())
        if PlacementStatus.RENONCE not in TRANSITIONS.get(current, frozenset()):
            return problem(STEP_FIELD, "désistement avant la prise de poste",
                           f"la personne (dossier {placement.dossier}) est à l'étape "
                           f"« {STATUS_FR[current]} »")
        return StepPlan(placement.id, (PlacementStatus.RENONCE,))
    if current not in RETAINED_PATH:
        return problem(STEP_FIELD, "personne retenue",
                       f"la personne (dossier {placement.dossier}) est à l'étape "
                       f"« {STATUS_FR[current]} »")
    here, there = RETAINED_PATH.index(current), RETAINED_PATH.index(request.step)
    return StepPlan(placement.id, RETAINED_PATH[here + 1:there + 1])


# -- what the administration reads ----------------------------------------------------------


STATUS_FR = {
    PlacementStatus.PROPOSE: "proposé·e, entretien de mission à venir",
    PlacementStatus.RETENU: "retenu·e",
    PlacementStatus.NON_RETENU: "non retenu·e",
    PlacementStatus.ACCEPTE: "a accepté la mission",
    PlacementStatus.CONTRAT_SIGNE: "contrat signé",
    PlacementStatus.DEMARRE: "en poste",
    PlacementStatus.RENONCE: "s'est désisté·e",
}


@dataclass(frozen=True)
class CandidateLine:
    name: str
    dossier: int
    status: str
    hearing: datetime | None  # the entretien de mission's start, when booked


@dataclass(frozen=True)
class MissionView:
    """The annotations (key → text) and the label of a mission dossier. ``stage`` is the
    label's key (config missions.dossiers.labels)."""

    values: dict[str, str]
    stage: str


NONE = "—"


def mission_view(status: str | None, candidates: Sequence[CandidateLine],
                 problem: str | None, contact_asked: date | None = None) -> MissionView:
    """What the administration reads of its mission; ``status`` None: not opened;
    ``contact_asked``: when its contact was asked for availability, still unanswered (the
    entretiens not yet booked wait for them)."""
    if problem is not None:
        return MissionView({"etat_mission": f"À corriger : {problem}"}, "a_corriger")
    retained = [c for c in candidates if c.status in RETAINED_PATH]
    proposed = [c for c in candidates if c.status == PlacementStatus.PROPOSE]
    if status == MissionStatus.POURVUE:
        stage, state = "pourvue", "Mission pourvue"
    elif retained:
        stage, state = "retenu", "Candidat·e retenu·e, recrutement en cours"
    elif proposed:
        stage, state = "entretiens", "Entretiens de mission en cours"
    elif status == MissionStatus.FERMEE:
        stage, state = "ouverte", "Mission fermée"
    else:
        stage, state = "ouverte", "Mission ouverte : recherche dans le vivier"
    lines = [f"{c.name} (dossier {c.dossier}) : {STATUS_FR[PlacementStatus(c.status)]}"
             for c in candidates]
    heard = [f"{c.name} : le {datetime_fr(c.hearing)}" for c in candidates
             if c.hearing is not None and c.status == PlacementStatus.PROPOSE]
    if contact_asked is not None and any(c.hearing is None for c in proposed):
        heard.append(f"En attente des disponibilités de votre contact, demandées le "
                     f"{date_fr(contact_asked)} par un formulaire Démarches Simplifiées")
    return MissionView({
        "etat_mission": state,
        "candidats_proposes": "\n".join(lines) or NONE,
        "entretiens": "\n".join(heard) or NONE,
        "personne_retenue": ", ".join(f"{c.name} ({STATUS_FR[PlacementStatus(c.status)]})"
                                      for c in retained) or NONE,
    }, stage)


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
