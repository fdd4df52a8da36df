"""Personal data's lifecycle (RGPD): what is past its retention, given a clock ``now``.

Pure rules over plain facts: the store's reads and writes are
``connectors/store/personal_data.py``, the files' ``connectors/personal_files.py``, the
orchestration ``flows/rgpd.py``. Each data class has a duration (``rgpd.retention`` in
the configuration); a duration of ``None`` means kept under a legal obligation (a
published decision, a signed convention: archives publiques), never erased.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DataClass(StrEnum):
    """The data classes of the processing register (docs/rgpd.md)."""

    SAISON_CLOSE = "saison_close"  # projets' dossiers and every evaluation, season closed
    CANDIDATS_NON_RETENUS = "candidats_non_retenus"
    VIVIER = "vivier"  # kept with the candidate's consent, renewed
    EVALUATEURS_PARTIS = "evaluateurs_partis"
    DOSSIERS_SUPPRIMES_DS = "dossiers_supprimes_ds"
    EFFETS_LIVRES = "effets_livres"  # outbox payloads (addresses, texts) once delivered
    QUARANTAINE_LEVEE = "quarantaine_levee"
    COURRIELS = "courriels"  # the Maildir's copies
    DOCUMENTS = "documents"  # generated files under EIG_DOCUMENTS_DIR
    JOURNAUX = "journaux"  # Prefect artifacts, the store's sync runs
    MISSIONS = "missions"  # the missions démarche's dossiers (a contact, their mission)
    DISPONIBILITES = "disponibilites"  # availability requests, forms and windows
    DECISIONS_PUBLIEES = "decisions_publiees"  # relevés approved, conventions: kept


LABELS: Mapping[DataClass, str] = {
    DataClass.SAISON_CLOSE: "Dossiers et évaluations d'une saison close",
    DataClass.CANDIDATS_NON_RETENUS: "Candidatures non retenues",
    DataClass.VIVIER: "Vivier (consentement)",
    DataClass.EVALUATEURS_PARTIS: "Évaluateurs retirés du vivier",
    DataClass.DOSSIERS_SUPPRIMES_DS: "Dossiers supprimés dans DS",
    DataClass.EFFETS_LIVRES: "Effets délivrés (courriels, écritures DS)",
    DataClass.QUARANTAINE_LEVEE: "Quarantaine levée",
    DataClass.COURRIELS: "Copies de courriels (Maildir)",
    DataClass.DOCUMENTS: "Documents générés",
    DataClass.JOURNAUX: "Artefacts Prefect et journaux de synchronisation",
    DataClass.MISSIONS: "Dossiers de mission des administrations",
    DataClass.DISPONIBILITES: "Disponibilités des jurés et des contacts",
    DataClass.DECISIONS_PUBLIEES: "Décisions publiées et conventions",
}


class Action(StrEnum):
    DELETE = "deleted"
    PSEUDONYMISE = "pseudonymised"
    KEEP = "kept"  # a legal obligation keeps it
    DEFER = "deferred"  # due, but the outbox still has to deliver something about it


ACTION_LABELS: Mapping[Action, str] = {
    Action.DELETE: "supprimé", Action.PSEUDONYMISE: "pseudonymisé",
    Action.KEEP: "conservé", Action.DEFER: "différé"}


def counted_action(action: Action, count: int) -> str:
    """``1 343 supprimés``, ``1 conservé``."""
    from models.french import compte

    return compte(count, ACTION_LABELS[action])


@dataclass(frozen=True)
class Retention:
    """How long a data class is kept, from its starting point; ``days=None``: kept."""

    days: int | None
    basis: str = ""

    def expired(self, since: datetime | None, now: datetime) -> bool:
        """Past retention: ``now`` is on or after ``since`` + the duration."""
        return self.days is not None and since is not None and \
            now >= since + timedelta(days=self.days)

    def rule(self, data_class: DataClass) -> str:
        """``candidats_non_retenus > 730 j`` (the rule as the log keeps it)."""
        return f"{data_class} > {self.days} j" if self.days is not None else \
            f"{data_class} : conservé"


Policy = Mapping[DataClass, Retention]

HOLD_DECISIONS = frozenset({"laureat"})
"""Decisions whose dossier is kept under a legal obligation (published, convention)."""
LIVE_VIVIER = frozenset({"propose"})
"""A vivier candidate proposed to a mission now: the consent is in use, wait."""
OWN_CLASS = {"missions": DataClass.MISSIONS, "disponibilites": DataClass.DISPONIBILITES}
"""The démarches whose dossiers have a class of their own (their role → class)."""


@dataclass(frozen=True)
class DossierFacts:
    """What the rules need to know of a dossier (read from the store)."""

    number: int
    track: str | None  # projets, candidats, missions, disponibilites; None: an evaluation form
    last_contact: datetime  # the latest of DS's update, its decision, our first sight
    deleted_at: datetime | None = None  # DS deleted it (definitive)
    decision: str | None = None  # the last published decision: laureat, vivier, refus…
    vivier_status: str | None = None  # disponible, propose, engage
    consent_at: datetime | None = None  # the vivier consent, last given
    contract: bool = False  # a convention drafted, or a contract signed on a mission
    pending_effects: int = 0  # undelivered effects about it (emails, DS writes)
    pseudonymised: bool = False
    evaluation_data: bool = False  # evaluations, assignments, hearings, scores
    vivier_member: bool = False
    mission_open: bool = False  # a mission dossier whose mission still recruits


@dataclass(frozen=True)
class DossierPlan:
    """What happens to one dossier now: to the dossier itself (``action``) and to the
    evaluations and hearings about it (``evaluations``)."""

    number: int
    data_class: DataClass
    action: Action | None  # None: nothing to do (yet)
    evaluations: bool  # delete its evaluations, assignments, hearings, scores
    leave_vivier: bool = False
    reason: str = ""

    @property
    def due(self) -> bool:
        return self.action not in (None, Action.KEEP) or self.evaluations or self.leave_vivier


def held(facts: DossierFacts) -> bool:
    """A legal obligation keeps the dossier: a published decision that made it lauréat,
    a convention or a signed contract."""
    return facts.decision in HOLD_DECISIONS or facts.contract


def dossier_class(facts: DossierFacts) -> DataClass:
    if facts.deleted_at is not None:
        return DataClass.DOSSIERS_SUPPRIMES_DS
    if held(facts):
        return DataClass.DECISIONS_PUBLIEES
    if facts.vivier_member:
        return DataClass.VIVIER
    if facts.track == "candidats":
        return DataClass.CANDIDATS_NON_RETENUS
    return OWN_CLASS.get(facts.track or "", DataClass.SAISON_CLOSE)


def plan_dossier(facts: DossierFacts, policy: Policy, now: datetime) -> DossierPlan:
    """The dossier's fate at ``now``: past its class's retention it is pseudonymised
    (deleted, when DS deleted it and nothing keeps it); its evaluations go after the
    closed season's retention; a legal obligation keeps the dossier itself."""
    data_class = dossier_class(facts)
    season = policy[DataClass.SAISON_CLOSE]
    evaluations = facts.evaluation_data and season.expired(facts.last_contact, now)
    action: Action | None = None
    leave = False
    if data_class is DataClass.DOSSIERS_SUPPRIMES_DS:
        if policy[data_class].expired(facts.deleted_at, now):
            evaluations = facts.evaluation_data
            leave = facts.vivier_member and facts.vivier_status != "engage"
            action = Action.PSEUDONYMISE if held(facts) else Action.DELETE
            if action is Action.PSEUDONYMISE and facts.pseudonymised:
                action = None
    elif data_class is DataClass.DECISIONS_PUBLIEES:
        action = Action.KEEP
    elif data_class is DataClass.VIVIER:
        consent = facts.consent_at or facts.last_contact
        if policy[data_class].expired(consent, now) and facts.vivier_status not in LIVE_VIVIER:
            action, leave, evaluations = Action.PSEUDONYMISE, True, facts.evaluation_data
    elif data_class is DataClass.MISSIONS and facts.mission_open:
        pass  # the mission still recruits: its dossier is in use
    elif policy[data_class].expired(facts.last_contact, now) and not facts.pseudonymised:
        action = Action.PSEUDONYMISE
    plan = DossierPlan(facts.number, data_class, action, evaluations, leave)
    if plan.due and plan.action is not Action.KEEP and facts.pending_effects:
        return DossierPlan(facts.number, data_class, Action.DEFER, False, False,
                           f"{facts.pending_effects} effet(s) encore à délivrer")
    return plan


def evaluator_due(retired_at: datetime | None, policy: Policy, now: datetime) -> bool:
    """An evaluator who left the roster is pseudonymised past the retention."""
    return policy[DataClass.EVALUATEURS_PARTIS].expired(retired_at, now)


def pseudonym_of_email(email: str) -> str:
    """A reference to an email that names no one in our logs: the first 16 hex digits of
    its SHA-256 (lower-cased), to answer « was my data erased, and when »."""
    import hashlib

    return "sha256:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]
