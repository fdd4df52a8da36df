"""The YAML configuration: démarches and their champ mapping, sync tuning, tracks."""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.convention_finance import ConventionKind, Framework, PayBand
from models.input_errors import french_errors
from models.retention import DataClass, Policy, Retention
from models.scoring.rules import CriterionRule, ScoringRules
from models.yaml_text import YamlProblem, load_fast

DemarcheRole = Literal["projets", "candidats", "evaluations", "missions", "disponibilites",
                      "vivier"]

CHAMP_TYPES = {
    "text", "textarea", "email", "phone", "integer_number", "decimal_number", "number",
    "date", "datetime", "yes_no", "checkbox", "drop_down_list", "multiple_drop_down_list",
    "linked_drop_down_list", "repetition", "siret", "address", "communes", "departements",
    "regions", "pays", "civilite", "piece_justificative",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnMapping(_Strict):
    id: str = Field(description="champDescriptor id of the column inside the repetition block")
    type: str


class FieldMapping(_Strict):
    id: str = Field(description="champDescriptor id (stable across revisions)")
    type: str = Field(description="expected DS champ type, e.g. text, integer_number")
    required: bool = False
    columns: dict[str, ColumnMapping] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> FieldMapping:
        if self.type not in CHAMP_TYPES:
            raise ValueError(f"unknown champ type {self.type!r}; known: {sorted(CHAMP_TYPES)}")
        if self.type == "repetition" and not self.columns:
            raise ValueError("a repetition field needs its columns")
        return self


PROCEDURE_PATH = r"^[a-z0-9_-]{3,200}$"
"""DS's format of a démarche's path (``Procedure#path``)."""


class DemarcheConfig(_Strict):
    number: int
    title: str = ""
    path: str | None = Field(
        default=None, pattern=PROCEDURE_PATH,
        description="the démarche's path in DS's links, https://<DS>/commencer/<path> (DS > "
        "the démarche > Publication); needed where we send prefill links (evaluations)")
    fields: dict[str, FieldMapping]
    annotations: dict[str, FieldMapping] = Field(
        default_factory=dict, description="private annotations the pipeline writes back")


class SyncConfig(_Strict):
    page_size: int = Field(default=100, ge=1, le=100)
    min_page_size: int = Field(default=10, ge=1, le=100)
    pages_per_task: int = Field(default=20, ge=1, description="DS pages per Prefect task")
    requests_per_minute: int = Field(
        default=400, ge=1,
        description="DS's limit per token, counted per rate_window_seconds, for every "
        "process together (a budget kept in the store)")
    rate_window_seconds: float = Field(
        default=60.0, ge=1,
        description="length of DS's fixed windows (one minute); shorter only for tests")
    timezone: str = "Europe/Paris"


class Scale(_Strict):
    min: int = 0
    max: int = 5


class Criterion(_Strict):
    key: str
    label: str
    description: str = ""
    weight: float = 1.0
    threshold: float | None = Field(
        default=None, description="pass mark on the criterion's mean (e.g. 3 on 0–5)")


TIE_BREAKS = ("total", "calibrated_total", "min_criterion", "median_total", "date_depot",
              "number")


class ScoringConfig(_Strict):
    """How a track's evaluations become a ranking."""

    comment_required: bool = Field(default=True, description="an evaluation needs a comment")
    overall_threshold: float | None = Field(
        default=None, description="pass mark on the weighted total")
    cut_rank: int | None = Field(default=None, ge=1,
                                 description="the cut line: the first N of the ranking…")
    cut_threshold: float | None = Field(default=None,
                                        description="…and/or a minimum weighted total")
    spread_flag: float = Field(default=2.0, gt=0,
                               description="a spread this large on a criterion is discussed")
    calibration_strength: float = Field(default=1.0, ge=0,
                                        description="ridge on the evaluators' offsets")
    tie_breaks: list[str] = Field(
        default_factory=lambda: ["total", "min_criterion", "median_total", "date_depot",
                                 "number"],
        description="in order: total, calibrated_total, min_criterion, criterion:<key>, "
        "median_total, date_depot, number")

    @model_validator(mode="after")
    def _check_tie_breaks(self) -> ScoringConfig:
        for key in self.tie_breaks:
            if key not in TIE_BREAKS and not key.startswith("criterion:"):
                raise ValueError(f"unknown tie-break {key!r}; known: {', '.join(TIE_BREAKS)}, "
                                 "criterion:<key>")
        return self


class TrackConfig(_Strict):
    label: str
    demarche: DemarcheRole
    evaluators_per_dossier: int = 3
    evaluation_days: int = Field(
        default=21, ge=1, description="window of the triple evaluation (2–3 weeks)")
    due_days: int = Field(
        default=14, ge=1, description="days an evaluator has; with the replacement at D+7, "
        "the triple evaluation completes within 3 weeks")
    replacement_due_days: int = Field(
        default=7, ge=1, description="days a replacing evaluator has")
    scale: Scale = Scale()
    criteria: list[Criterion]
    scoring: ScoringConfig = ScoringConfig()
    specialties: list[str] = Field(default_factory=list)
    # specialty → the family of the entretien métier and of the evaluator it needs
    specialty_families: dict[str, Literal["produit", "technique"]] = Field(default_factory=dict)


class RosterConfig(_Strict):
    profiles: list[str] = Field(
        default_factory=lambda: ["produit", "technique", "design", "data", "juridique"],
        description="the evaluator profiles a roster may name")
    max_retire_share: float = Field(
        default=0.2, ge=0, le=1, description="an import that would retire more than this "
        "share of the active roster stops and asks for --confirm-retire (a truncated or "
        "header-only file would otherwise retire everyone)")


class LadderStep(_Strict):
    """One rung of the chasing ladder, ``days`` relative to the due date."""

    name: str = Field(pattern=r"^[a-z0-9-]+$")
    days: int
    action: Literal["remind", "escalate", "replace"]


def _default_ladder() -> list[LadderStep]:
    return [LadderStep(name="rappel-avant", days=-3, action="remind"),
            LadderStep(name="rappel-retard", days=1, action="remind"),
            LadderStep(name="escalade", days=4, action="escalate"),
            LadderStep(name="remplacement", days=7, action="replace")]


class EvaluationConfig(_Strict):
    """The evaluation task: its links, its sender, and how we chase."""

    programme_name: str = Field(
        default="EIG", description="the short name, as « le programme {name} » and "
        "« Programme {name} » read it in every email and message")
    contact: str = Field(default="eig@beta.gouv.fr", description="shown in every email")
    team: list[str] = Field(default_factory=lambda: ["equipe@eig.example"],
                            description="the programme team: escalations go there")
    nature_evaluation: str = Field(default="évaluation",
                                   description="the form's `nature` option of an evaluation")
    nature_decline: str = Field(default="déclin",
                                description="the form's `nature` option of a decline")
    nature_audition: str = Field(default="audition",
                                 description="the form's `nature` option of a juror's scores "
                                 "of a hearing (soutenance, entretien)")
    decline_motif: str = Field(default="indisponibilité sur la période",
                               description="motif prefilled in the decline link")
    conflict_motifs: list[str] = Field(default_factory=lambda: ["conflit d'intérêts"],
                                       description="decline motifs that declare a conflict")
    # Unused since the task email's links prefill by URL (no API call): still accepted, so
    # that a configuration file written for an earlier version loads.
    prefill_requests_per_window: int = Field(
        default=15, ge=1, description="unused (task emails no longer call DS's prefill API)")
    prefill_window_seconds: float = Field(
        default=15.0, gt=0, description="unused (task emails no longer call DS's prefill API)")
    ladder: list[LadderStep] = Field(default_factory=_default_ladder)
    timezone: str = "Europe/Paris"
    holidays_country: str | None = Field(
        default="FR", description="public holidays are not working days (none: weekends only)")

    @model_validator(mode="after")
    def _check_ladder(self) -> EvaluationConfig:
        names = [s.name for s in self.ladder]
        if len(set(names)) != len(names):
            raise ValueError(f"ladder step names must be unique: {names}")
        days = [s.days for s in self.ladder]
        if days != sorted(days):
            raise ValueError(f"ladder steps must be in order of days: {days}")
        return self


class CompositionConfig(_Strict):
    """Who sits on a track's comité de sélection, and how many must be present."""

    members: tuple[str, ...] = Field(min_length=1, description="« Prénom Nom (organisation, "
                                     "fonction) », as the relevé names them")
    quorum: int = Field(ge=1, description="members present needed for a valid decision")

    @model_validator(mode="after")
    def _quorum_reachable(self) -> CompositionConfig:
        if self.quorum > len(self.members):
            raise ValueError(f"quorum {self.quorum} > {len(self.members)} membre(s)")
        if len(set(self.members)) != len(self.members):
            raise ValueError("un membre est nommé deux fois")
        return self


class DeliberationConfig(_Strict):
    waiting_list: int = Field(default=3, ge=0, description="projets: the next N after the "
                              "lauréats go on the waiting list")
    waiting_list_label: str = "Liste d'attente"
    approval_timeout_hours: float = Field(default=72, gt=0)
    on_timeout: Literal["wait", "end"] = Field(
        default="wait", description="no approval in time: keep waiting, or end the run with "
        "nothing published")
    attach_record: bool = Field(default=False, description="attach the relevé to each "
                                "decision in DS (it lists every dossier of the session)")
    committees: dict[str, str] = Field(default_factory=dict)
    composition: dict[str, CompositionConfig] = Field(
        default_factory=dict, description="per track: the committee's members and quorum "
        "(none: the approval names who sat, and one member is a quorum)")
    decision_days: dict[str, int] = Field(
        default_factory=lambda: {"projets": 31, "candidats": 62},
        description="per track: the committee's delay, in days after the hearing (after the "
        "présélection for a track without hearings) — at least monthly for projets, every "
        "two months for candidats; the pipeline-report's targets")


class PayBandConfig(_Strict):
    key: str
    label: str
    monthly_net: Decimal = Field(gt=0, description="net pay per month at full time, in euros")
    variable_rate: Decimal = Field(default=Decimal(0), ge=0, lt=1,
                                   description="variable part, as a share of the fixed net")
    below_years: int | None = Field(default=None, gt=0, description="upper bound of the band "
                                    "in years of experience (none: the highest band)")


class FrameworkConfig(_Strict):
    """A convention kind and its figures (DESIGN.md §1); unfixed figures are flagged."""

    label: str
    cadre: str
    employer: Literal["administration", "dinum"]
    duration_months: int = Field(gt=0)
    renewable: bool = False
    quotites: list[Decimal] = Field(default_factory=lambda: [Decimal(1)])
    bands: list[PayBandConfig] = Field(min_length=1)
    employer_cost_rate: Decimal = Field(gt=0, description="employer cost / net pay")
    employer_cost_confirmed: bool = False
    dinum_share: Decimal | None = Field(default=None, ge=0, le=1, description="share of the "
                                        "employer cost DINUM co-finances (none: no split)")
    dinum_share_confirmed: bool = False
    boundary_confirmed: bool = False
    start: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$", description="MM-DD: "
                              "fixed start of the promotion (none: see start_delay_months)")

    @model_validator(mode="after")
    def _check_bands(self) -> FrameworkConfig:
        bounds = [b.below_years for b in self.bands]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]) or \
                bounds[:-1] != sorted(bounds[:-1]):
            raise ValueError("bands: increasing below_years, the last band without one")
        return self

    def framework(self, kind: str) -> Framework:
        return Framework(
            kind=kind, label=self.label, cadre=self.cadre, employer=self.employer,
            duration_months=self.duration_months, renewable=self.renewable,
            quotites=tuple(self.quotites),
            bands=tuple(PayBand(b.key, b.label, b.monthly_net, b.variable_rate, b.below_years)
                        for b in self.bands),
            employer_cost_rate=self.employer_cost_rate, dinum_share=self.dinum_share,
            employer_cost_confirmed=self.employer_cost_confirmed,
            dinum_share_confirmed=self.dinum_share_confirmed,
            boundary_confirmed=self.boundary_confirmed)


class PartyConfig(_Strict):
    nom: str
    representant: str
    adresse: str


class ConventionsConfig(_Strict):
    """Convention drafts for the lauréat projects."""

    track: str = "projets"
    annual_promotion_months: list[int] = Field(
        default_factory=list, description="lauréats of a committee held in these months join "
        "the annual promotion (convention budgétaire); the others: partenariat")
    numbering_prefix: str = "EIG-CONV"
    start_delay_months: int = Field(default=2, ge=0, description="partenariat: starts on the "
                                    "first day of the month this many months after the committee")
    default_coach: str = "à désigner par la DINUM"
    send_to_team: bool = True
    attach_in_ds: bool = Field(default=False, description="also send the draft as a DS "
                               "message to the dossier")
    dinum: PartyConfig = PartyConfig(
        nom="Direction interministérielle du numérique (DINUM)",
        representant="le directeur interministériel du numérique",
        adresse="20 avenue de Ségur, 75007 Paris")
    frameworks: dict[ConventionKind, FrameworkConfig] = Field(default_factory=dict)

    def kind_for(self, committee_month: int) -> ConventionKind:
        return "budgetaire" if committee_month in self.annual_promotion_months else "partenariat"


class HearingTrackConfig(_Strict):
    """The hearings of a track: who is heard, within which delay, by what jury."""

    label: str
    notice_days: int = Field(default=2, ge=0, description="first possible day, counted from "
                             "the selection (time for the invitations)")
    within_days: int = Field(default=14, gt=0, description="the track's delay: held by then")
    slot_minutes: int = Field(default=45, ge=15, le=180)
    jury_size: int = Field(default=3, ge=1)
    max_per_day: int | None = Field(default=6, ge=1, description="hearings per jury member "
                                    "and day")
    cut_rank: int | None = Field(default=None, ge=1, description="heard: the first N (none: "
                                 "the scoring's cut line)")
    cut_threshold: float | None = Field(default=None, description="heard: a total at least "
                                        "this (none: the scoring's cut line)")
    required_profiles: dict[str, list[str]] = Field(
        default_factory=dict, description="hearing type → at least one jury member with one "
        "of these profiles")
    jury_track: str | None = Field(default=None, description="the jury: the roster's members "
                                   "of this track (none: the track itself)")

    @model_validator(mode="after")
    def _check_window(self) -> HearingTrackConfig:
        if self.notice_days >= self.within_days:
            raise ValueError(f"notice_days ({self.notice_days}) must be less than within_days "
                             f"({self.within_days})")
        return self


class HearingsConfig(_Strict):
    location: str = Field(default="Visioconférence", description="where hearings are held, "
                          "as the invitations say it (when no visio_url)")
    visio_url: str | None = Field(
        default=None, pattern=r"^https://.*\{room\}", description="a hearing's video room: "
        "{room} is replaced by a name drawn for the slot; the invitation (email, .ics, DS "
        "message) then gives this link as the place")
    step_minutes: int = Field(default=15, ge=5, le=60)
    solver_time_limit_seconds: float = Field(default=10, gt=0)
    scores_due_days: int = Field(
        default=5, ge=1, description="a juror's scoring form is due this many days after "
        "the hearing (the next working day if that one is not); the evaluation ladder's "
        "reminders and escalation count from there (never its replacement: nobody else "
        "heard the hearing)")
    tracks: dict[str, HearingTrackConfig] = Field(default_factory=dict)


class MissionLabels(_Strict):
    """The labels of the missions démarche, one per state of the mission (they must exist
    in DS: démarche > Étiquettes)."""

    ouverte: str = "Mission ouverte"
    entretiens: str = "Entretiens de mission"
    retenu: str = "Candidat·e retenu·e"
    pourvue: str = "Mission pourvue"
    a_corriger: str = "Mission à corriger"


PlacementStep = Literal["accepte", "contrat_signe", "demarre", "renonce"]


def _default_steps() -> dict[str, PlacementStep]:
    return {"Proposition acceptée": "accepte", "Contrat signé": "contrat_signe",
            "Prise de poste": "demarre", "Désistement": "renonce"}


class MissionDossiersConfig(_Strict):
    """The missions démarche: what the administration reads, what the team records."""

    labels: MissionLabels = MissionLabels()
    steps: dict[str, PlacementStep] = Field(
        default_factory=_default_steps,
        description="the options of the annotation « Étape du recrutement », each the "
        "placement's step it records")


class MissionsConfig(_Strict):
    """Recruiting on a mission from the vivier."""

    shortlist: int = Field(default=5, ge=1, description="candidates shown per mission")
    interviews: int = Field(default=2, ge=1, description="of the shortlist, how many are "
                            "proposed an entretien de mission")
    dossiers: MissionDossiersConfig = MissionDossiersConfig()


class AvailabilityConfig(_Strict):
    """The jurors' and the administration contacts' availability windows, asked through a
    prefilled DS form (the démarche of role ``disponibilites``)."""

    earliest: str = Field(default="08:00", pattern=r"^[0-2][0-9]:[0-5][0-9]$",
                          description="a window starts no earlier (Paris time)")
    latest: str = Field(default="20:00", pattern=r"^[0-2][0-9]:[0-5][0-9]$",
                        description="a window ends no later (Paris time)")
    period_days: int = Field(default=28, ge=7, le=92, description="the jurors are asked "
                             "once per period of this many days (aligned on Mondays)")
    lead_days: int = Field(default=14, ge=0, description="the jurors are asked this many "
                           "days before a period starts")
    reminder_days: int = Field(default=3, ge=1, description="unanswered after this many "
                               "days: one reminder")


class LaneConfig(_Strict):
    batch: int = Field(default=20, ge=1, le=500, description="effects claimed at a time")
    lease_seconds: int = Field(default=600, ge=30, description="how long a claim holds; an "
                               "effect whose deliverer died is taken over after it")
    per_minute: int | None = Field(default=None, ge=1, description="pace of the lane (e.g. "
                                   "what the SMTP relay accepts); none: as fast as it goes")


class DeliveryConfig(_Strict):
    """The outbox's deliverers, one lane each (ds, email)."""

    lanes: dict[str, LaneConfig] = Field(default_factory=lambda: {
        "ds": LaneConfig(batch=10), "email": LaneConfig(batch=20, per_minute=1200)})
    max_minutes: float = Field(default=20, gt=0, description="a delivery run stops claiming "
                               "after this long (the next run goes on)")

    def lane(self, name: str) -> LaneConfig:
        return self.lanes.get(name) or LaneConfig()


class OperationsConfig(_Strict):
    """Who is told what, and when: the values of the Prefect automations
    (config/automations.yaml, created by `eig setup`). Alerts go to `evaluation.team`."""

    expected_minutes: dict[str, float] = Field(
        default_factory=dict, description="per deployment: how long a run normally takes "
        "at most; a run still running after it is reported (a suspended committee's wait "
        "does not count)")
    heartbeat_seconds: int = Field(default=30, ge=30, description="flow runs of the workers "
                                   "beat every N seconds (PREFECT_FLOWS_HEARTBEAT_FREQUENCY)")
    zombie_after_seconds: int = Field(default=90, ge=60, description="a run silent for this "
                                      "long (its process died with its machine or worker) "
                                      "is marked Crashed, and the team told")
    alert_relaunch_after_seconds: int = Field(
        default=120, ge=20, description="an alert's run (notify-team) taken by a worker "
        "that died before starting it (still Pending after this long) is handed back to "
        "the pool; one interrupted (Crashed) is at once: an alert is never lost with its "
        "worker")

    @model_validator(mode="after")
    def _check_zombie(self) -> OperationsConfig:
        if self.zombie_after_seconds < 2 * self.heartbeat_seconds:
            raise ValueError("operations.zombie_after_seconds must be at least twice "
                             "heartbeat_seconds (a late beat is not a dead run)")
        return self


class RetentionConfig(_Strict):
    """One data class's retention: its duration and why (the processing register)."""

    days: int | None = Field(ge=0, description="days from the class's starting point "
                             "(last contact, departure, consent, delivery…); null: kept "
                             "under a legal obligation")
    basis: str = Field(min_length=1, description="legal basis and reason, in French")


DEFAULT_RETENTION: dict[DataClass, RetentionConfig] = {
    DataClass.SAISON_CLOSE: RetentionConfig(
        days=365, basis="Mission d'intérêt public : un an après le dernier contact, le "
        "temps des recours et de la saison suivante"),
    DataClass.CANDIDATS_NON_RETENUS: RetentionConfig(
        days=730, basis="Recommandation CNIL (recrutement) : deux ans après le dernier "
        "contact"),
    DataClass.VIVIER: RetentionConfig(
        days=730, basis="Consentement de la personne, à renouveler tous les deux ans"),
    DataClass.EVALUATEURS_PARTIS: RetentionConfig(
        days=365, basis="Mission d'intérêt public : un an après le retrait du vivier"),
    DataClass.DOSSIERS_SUPPRIMES_DS: RetentionConfig(
        days=7, basis="Suivre la suppression définitive dans DS à la purge suivante"),
    DataClass.EFFETS_LIVRES: RetentionConfig(
        days=90, basis="Preuve d'envoi, trois mois ; la clé de l'effet reste"),
    DataClass.QUARANTAINE_LEVEE: RetentionConfig(
        days=90, basis="Diagnostic d'un dossier corrigé, trois mois"),
    DataClass.COURRIELS: RetentionConfig(
        days=180, basis="Copies locales des courriels envoyés, six mois"),
    DataClass.DOCUMENTS: RetentionConfig(
        days=365, basis="Documents de travail (graphiques, relevés non approuvés, "
        "exports), un an"),
    DataClass.JOURNAUX: RetentionConfig(
        days=365, basis="Journaux et artefacts des runs, un an (sécurité, audit)"),
    DataClass.MISSIONS: RetentionConfig(
        days=365, basis="Mission d'intérêt public : un an après le dernier contact, la "
        "mission pourvue ou fermée (une mission pourvue par contrat est conservée)"),
    DataClass.DISPONIBILITES: RetentionConfig(
        days=90, basis="Organisation des auditions : trois mois après la période "
        "demandée"),
    DataClass.DECISIONS_PUBLIEES: RetentionConfig(
        days=None, basis="Obligation légale : archives publiques (relevés approuvés, "
        "conventions)"),
}


class RgpdConfig(_Strict):
    """Personal data's lifecycle: each data class's retention (docs/rgpd.md)."""

    retention: dict[DataClass, RetentionConfig] = Field(
        default_factory=lambda: dict(DEFAULT_RETENTION))

    @model_validator(mode="after")
    def _check(self) -> RgpdConfig:
        for data_class, rule in self.retention.items():
            kept = data_class is DataClass.DECISIONS_PUBLIEES
            if kept != (rule.days is None):
                raise ValueError(
                    f"rgpd.retention.{data_class} : " + (
                        "days doit rester null (obligation légale de conservation)" if kept
                        else "une durée en jours est obligatoire"))
        return self

    def policy(self) -> Policy:
        """Every data class's retention (the configured ones over the defaults)."""
        merged = DEFAULT_RETENTION | self.retention
        return {c: Retention(r.days, r.basis) for c, r in merged.items()}


class EigConfig(_Strict):
    demarches: dict[DemarcheRole, DemarcheConfig]
    sync: SyncConfig = SyncConfig()
    tracks: dict[str, TrackConfig] = Field(default_factory=dict)
    roster: RosterConfig = RosterConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    deliberation: DeliberationConfig = DeliberationConfig()
    conventions: ConventionsConfig = ConventionsConfig()
    hearings: HearingsConfig = HearingsConfig()
    missions: MissionsConfig = MissionsConfig()
    availability: AvailabilityConfig = AvailabilityConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    operations: OperationsConfig = OperationsConfig()
    rgpd: RgpdConfig = RgpdConfig()

    def track_of_demarche(self, number: int) -> str | None:
        """The track whose applicants file in démarche ``number`` (None: none does)."""
        return next((key for key, track in self.tracks.items()
                     if self.demarches[track.demarche].number == number), None)

    def procedure_path(self, role: DemarcheRole) -> str:
        """The démarche's path in DS's links; a ConfigError in French when it is not set."""
        demarche = self.demarches[role]
        if not demarche.path:
            name = f"« {demarche.title} »" if demarche.title else f"« {role} »"
            raise ConfigError(
                f"La démarche {name} (n° {demarche.number}) n'a pas de chemin de lien : "
                f"renseignez demarches.{role}.path dans la configuration (EIG_CONFIG), le "
                "chemin de son lien public https://<DS>/commencer/<chemin> (dans DS : la "
                "démarche > Publication).")
        return demarche.path

    def demarche_roles(self, numbers: list[int] | None = None) -> list[DemarcheRole]:
        """Roles of the démarches to act on (all of them when ``numbers`` is empty)."""
        roles = list(self.demarches)
        if not numbers:
            return roles
        unknown = set(numbers) - {d.number for d in self.demarches.values()}
        if unknown:
            raise ValueError(f"démarche(s) {sorted(unknown)} not in the configuration")
        return [r for r in roles if self.demarches[r].number in numbers]


class ConfigError(ValueError):
    """The configuration file is missing or invalid; the message names the file and entry."""


def load_config(path: Path) -> EigConfig:
    """The configuration in ``path``, validated. Read at every run; parsed once per
    distinct content (the model is frozen): a season's stages open hundreds of runs."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration introuvable : {path} (EIG_CONFIG)") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path} : c'est un dossier, pas le fichier de configuration "
                          "(EIG_CONFIG)") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} : le fichier n'est pas en UTF-8") from exc
    return _parse_config(str(path), text)


@functools.lru_cache(maxsize=16)
def _parse_config(path: str, text: str) -> EigConfig:
    try:
        raw = load_fast(text)
    except YamlProblem as problem:
        where = f"{path}, ligne {problem.line}" if problem.line else path
        raise ConfigError(f"{where} : {problem.rule}") from None
    if raw is None:
        raise ConfigError(f"{path} : fichier vide (EIG_CONFIG)")
    try:
        return EigConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path} : configuration invalide — "
                          f"{french_errors(exc, prefix='')}") from exc


def scoring_rules(track: TrackConfig) -> ScoringRules:
    """The scoring rules of a track, as ``models.scoring`` applies them."""
    scoring = track.scoring
    return ScoringRules(
        criteria=tuple(CriterionRule(c.key, c.label, c.weight, c.threshold)
                       for c in track.criteria),
        scale_min=track.scale.min, scale_max=track.scale.max,
        overall_threshold=scoring.overall_threshold, quorum=track.evaluators_per_dossier,
        spread_flag=scoring.spread_flag, cut_rank=scoring.cut_rank,
        cut_threshold=scoring.cut_threshold, tie_breaks=tuple(scoring.tie_breaks),
        calibration_strength=scoring.calibration_strength)
