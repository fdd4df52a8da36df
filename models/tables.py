"""The store: SQLAlchemy 2 typed tables. Times are UTC; migrations live in models/migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Demarche(Base):
    """A DS démarche we sync, with the snapshot of its active revision's descriptors."""

    __tablename__ = "demarches"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(32))
    ds_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(String(32))
    revision_id: Mapped[str | None] = mapped_column(String(64))
    descriptors: Mapped[dict[str, Any] | None] = mapped_column(Json)
    revision_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Dossier(Base):
    """A DS dossier: raw payload kept beside the mapped fields."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ds_id: Mapped[str] = mapped_column(String(64), unique=True)
    number: Mapped[int] = mapped_column(BigInteger, unique=True)
    demarche_number: Mapped[int] = mapped_column(ForeignKey("demarches.number"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    date_depot: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ds_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Only the applicant's answers move this date: a change elsewhere (state, annotations,
    # messages — our own writes among them) is not an applicant change.
    champs_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    date_passage_en_instruction: Mapped[datetime | None] = mapped_column(UTCDateTime)
    date_traitement: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applicant: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    groupe_instructeur: Mapped[dict[str, Any] | None] = mapped_column(Json)
    labels: Mapped[list[str]] = mapped_column(Json, default=list)
    champs: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    annotations: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    fields: Mapped[dict[str, Any] | None] = mapped_column(Json)
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deletion_reason: Mapped[str | None] = mapped_column(String(32))
    # Past its retention (RGPD): the applicant's answers, identity and annotations blanked,
    # the number, démarche, state and dates kept (the season's figures); see models/retention.
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SyncState(Base):
    """Where the incremental sync of one stream of one démarche stands.

    ``anchor`` is the fixed updatedSince/deletedSince; ``cursor`` the last non-null
    endCursor, committed with the page it ends.
    """

    __tablename__ = "sync_states"

    demarche_number: Mapped[int] = mapped_column(
        ForeignKey("demarches.number"), primary_key=True, autoincrement=False
    )
    stream: Mapped[str] = mapped_column(String(32), primary_key=True)
    anchor: Mapped[datetime] = mapped_column(UTCDateTime)
    cursor: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuarantineEntry(Base):
    """A dossier that could not be mapped: kept with the reason until a sync fixes it."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demarche_number: Mapped[int] = mapped_column(ForeignKey("demarches.number"))
    dossier_number: Mapped[int] = mapped_column(BigInteger)
    field: Mapped[str | None] = mapped_column(String(128))
    rule: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_quarantine_dossier", "demarche_number", "dossier_number", unique=True),
    )


class SyncRun(Base):
    """One run of a sync or reconciliation, with its per-démarche figures."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    summary: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class Effect(Base):
    """A side effect (DS mutation, DS upload, email) recorded before it is delivered.

    ``key`` names what the effect means (``ds:accept:<dossier>``,
    ``mail:eval-request:<assignment>``); recording the same key twice is a no-op, so a
    stage that runs again never asks for the same effect twice.
    """

    __tablename__ = "effects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # ds, email
    action: Mapped[str] = mapped_column(String(64))  # annotations, accept, message, send…
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending delivered failed dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Delivery runs in lanes (ds, email) so that one backlog never blocks another.
    lane: Mapped[str] = mapped_column(String(16))
    # A deliverer claims an effect before acting: the claim holds until ``lease_until``,
    # after which another deliverer may take it over.
    lease_owner: Mapped[str | None] = mapped_column(String(96))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set, and committed, right before the attempt acts on the world (the SMTP server has
    # accepted the envelope; a DS mutation is about to be sent); cleared with its outcome.
    # Still set when a lease expires: that attempt's fate is unknown.
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_effects_lane_due", "lane", "status", "next_attempt_at"),
    )


class EvaluatorRow(Base):
    """An evaluator of the roster (imported from a file; see models/roster.py)."""

    __tablename__ = "evaluators"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(Text)
    ministry: Mapped[str | None] = mapped_column(Text)
    profiles: Mapped[list[str]] = mapped_column(Json, default=list)
    tracks: Mapped[list[str]] = mapped_column(Json, default=list)
    senior: Mapped[bool] = mapped_column(Boolean, default=False)
    monthly_capacity: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # the full record
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # when an import left them out (their data's retention runs from then); None: active
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Assignment(Base):
    """An evaluator asked to evaluate a dossier, with why they were chosen."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_number: Mapped[int] = mapped_column(BigInteger, index=True)
    evaluator_email: Mapped[str] = mapped_column(ForeignKey("evaluators.email"), index=True)
    track: Mapped[str] = mapped_column(String(32))
    # proposed, accepted, started, submitted, declined, replaced
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_runs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The assignment this one takes over (a decline, or a late evaluator replaced).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    status_reason: Mapped[str | None] = mapped_column(Text)
    form_number: Mapped[int | None] = mapped_column(BigInteger)  # the evaluation dossier
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AssignmentRun(Base):
    """One solve: which solver, on what input (hash), with which seed, for what objective."""

    __tablename__ = "assignment_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track: Mapped[str] = mapped_column(String(32))
    solver: Mapped[str] = mapped_column(String(32))
    input_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    objective: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class Alternates(Base):
    """The ranked feasible evaluators a dossier falls back on (replacement in < 100 ms)."""

    __tablename__ = "assignment_alternates"

    dossier_number: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                                autoincrement=False)
    evaluators: Mapped[list[str]] = mapped_column(Json, default=list)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_runs.id"))


class EvaluationLink(Base):
    """A link of an assignment's task email to the evaluation démarche (``evaluate`` or
    ``decline``): a DS prefill link, ``…/commencer/<path>?champ_<id>=<value>…``, built
    without any API call (the same for the assignment every time), kept as sent so that
    reminders, fix requests and replacement notices carry the same one.

    ``ds_dossier_number`` and ``ds_dossier_id`` are set only for links made by earlier
    versions through DS's prefill API (a dossier created in advance, ``?prefill_token=``).
    """

    __tablename__ = "evaluation_links"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)  # evaluate, decline
    url: Mapped[str] = mapped_column(Text)
    ds_dossier_number: Mapped[int | None] = mapped_column(BigInteger)
    ds_dossier_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChaseStep(Base):
    """A step of the chasing ladder taken for an assignment: at most once each."""

    __tablename__ = "chase_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    step: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # sent, skipped, replaced, no-alternate
    effect_key: Mapped[str | None] = mapped_column(String(255))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_chase_steps_assignment_step", "assignment_id", "step", unique=True),
    )


class DeclaredConflict(Base):
    """A conflict of interest an evaluator declared (decline form); survives roster imports."""

    __tablename__ = "declared_conflicts"

    evaluator_email: Mapped[str] = mapped_column(String(320), primary_key=True)
    dossier_number: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                                autoincrement=False)
    source: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Evaluation(Base):
    """One form of the evaluation démarche as we read it: which task it answers, its
    scores, and — when it cannot count — the field and the rule (it stays here, with
    its previous versions, until the evaluator fixes it)."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_number: Mapped[int] = mapped_column(BigInteger, unique=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    dossier_number: Mapped[int | None] = mapped_column(BigInteger, index=True)
    evaluator_email: Mapped[str | None] = mapped_column(String(320))
    track: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # evaluation, decline, other
    # valid (counts), invalid (quarantined), superseded (a later form replaced it),
    # extra (valid, beyond the first k of its dossier: kept and flagged)
    status: Mapped[str] = mapped_column(String(16))
    scores: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    problem_field: Mapped[str | None] = mapped_column(String(128))
    problem: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    history: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DossierScore(Base):
    """A dossier's latest scores, and what was last written back to DS (``published``,
    ``label``): a write-back is recorded only when these change (``version`` + 1)."""

    __tablename__ = "dossier_scores"

    dossier_number: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                                autoincrement=False)
    track: Mapped[str] = mapped_column(String(32))
    scores: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    published: Mapped[dict[str, Any] | None] = mapped_column(Json)
    label: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=0)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CommitteeSession(Base):
    """One deliberation of a track: the proposals, the operator's approval, the relevé
    (its files and the SHA-256 seal of its content), before and after approval."""

    __tablename__ = "committee_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track: Mapped[str] = mapped_column(String(32))
    session_date: Mapped[date] = mapped_column(Date)
    # awaiting_approval, approved, not_approved, expired
    status: Mapped[str] = mapped_column(String(24))
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    proposals: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    # what the committee is shown, kept while it waits (a resumed run reads it back)
    agenda: Mapped[dict[str, Any] | None] = mapped_column(Json)
    decisions: Mapped[list[dict[str, Any]] | None] = mapped_column(Json)
    draft_seal: Mapped[str | None] = mapped_column(String(64))
    seal: Mapped[str | None] = mapped_column(String(64))
    files: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    approved_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_committee_sessions_track_date", "track", "session_date", unique=True),
    )


class VivierMember(Base):
    """A candidate who joined the vivier (pool), with profile, experience and wishes."""

    __tablename__ = "vivier"

    dossier_number: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                                autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    profile: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    status: Mapped[str] = mapped_column(String(24))  # disponible, propose, engage
    mission_id: Mapped[int | None] = mapped_column(Integer)  # proposed to / engaged on
    session_id: Mapped[int | None] = mapped_column(ForeignKey("committee_sessions.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the candidate's consent to stay in the vivier, last given (None: at joining); past
    # rgpd.vivier's duration without renewal, the candidate leaves the vivier
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Convention(Base):
    """The convention of a lauréat project: its number, kind and the operator's overrides
    (kept, so a later regeneration does not undo them). Its drafts are versions."""

    __tablename__ = "conventions"

    dossier_number: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                                autoincrement=False)
    numero: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # budgetaire, partenariat
    overrides: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("committee_sessions.id"))
    problem: Mapped[str | None] = mapped_column(Text)  # why no draft could be made
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConventionVersion(Base):
    """One draft of a convention: its content (and SHA-256), the .docx and the PDF
    preview. A changed draft is a new version; old ones are kept."""

    __tablename__ = "convention_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_number: Mapped[int] = mapped_column(ForeignKey("conventions.dossier_number"))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(Json)
    docx: Mapped[bytes] = mapped_column(LargeBinary)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    files: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_convention_versions_dossier_version", "dossier_number", "version",
              unique=True),
    )


class HearingRequest(Base):
    """A dossier selected for a hearing (soutenance, entretien métier, entretien de
    mission), with the window the track's delay allows; its slots are booked, cancelled
    and rebooked under it."""

    __tablename__ = "hearing_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track: Mapped[str] = mapped_column(String(32))  # projets, candidats, missions
    dossier_number: Mapped[int] = mapped_column(BigInteger)
    # the mission of an entretien de mission (track « missions »); 0 for the other tracks
    mission_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hearing_type: Mapped[str] = mapped_column(String(16))  # soutenance, produit, technique…
    status: Mapped[str] = mapped_column(String(16))  # pending, scheduled, held
    earliest: Mapped[datetime] = mapped_column(UTCDateTime)
    latest: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # why it could not be placed (yet)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_hearing_requests_track_dossier", "track", "dossier_number", "mission_id",
              unique=True),
    )


class HearingSlot(Base):
    """A booked hearing: when, where, who sits. A reschedule cancels it and books another."""

    __tablename__ = "hearing_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hearing_requests.id"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    jury: Mapped[list[str]] = mapped_column(Json, default=list)
    location: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # scheduled, cancelled
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JuryAvailability(Base):
    """A window when a jury member can sit (imported; an import replaces their windows)."""

    __tablename__ = "jury_availability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HearingScore(Base):
    """One jury member's scores for a hearing (from the jury's CSV export)."""

    __tablename__ = "hearing_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hearing_requests.id"))
    juror: Mapped[str] = mapped_column(String(320))
    scores: Mapped[dict[str, int]] = mapped_column(Json, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_hearing_scores_request_juror", "request_id", "juror", unique=True),
    )


class JuryForm(Base):
    """One juror's scoring form (the evaluation démarche, nature « audition ») as we read
    it: the hearing (slot) its token names, its scores, and — when it cannot count — the
    field and the rule (quarantine, ``eig quarantine``), with its previous versions."""

    __tablename__ = "jury_forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_number: Mapped[int] = mapped_column(BigInteger, unique=True)
    slot_id: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    dossier_number: Mapped[int | None] = mapped_column(BigInteger)
    juror: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16))  # valid, invalid, superseded
    scores: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    problem_field: Mapped[str | None] = mapped_column(String(128))
    problem: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    history: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JuryChaseStep(Base):
    """A step of the chasing ladder taken for a juror's missing scores of a held
    hearing (slot): at most once each."""

    __tablename__ = "jury_chase_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(Integer)
    juror: Mapped[str] = mapped_column(String(320))
    step: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # sent, skipped
    effect_key: Mapped[str | None] = mapped_column(String(255))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_jury_chase_steps_slot_juror_step", "slot_id", "juror", "step", unique=True),
    )


class Mission(Base):
    """A mission opened in a lauréat administration, for 1 or 2 EIG of the vivier."""

    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    titre: Mapped[str] = mapped_column(Text)
    administration: Mapped[str] = mapped_column(Text)
    projet: Mapped[str] = mapped_column(Text)
    projet_dossier: Mapped[int | None] = mapped_column(BigInteger)
    profiles: Mapped[list[str]] = mapped_column(Json, default=list)
    quotite: Mapped[str] = mapped_column(String(16))
    start: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str] = mapped_column(Text, default="")
    min_years: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16))  # ouverte, pourvue, fermee
    shortlist: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))  # the deliberation waiting
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Placement(Base):
    """A vivier candidate proposed to a mission, through the entretien and the
    deliberation to the contract: propose, retenu / non_retenu, accepte, contrat_signe,
    demarre, renonce. ``framework``: the contract's figures when retained."""

    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id"), index=True)
    dossier_number: Mapped[int] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(Json, default=list)
    motivation: Mapped[str | None] = mapped_column(Text)
    framework: Mapped[dict[str, Any] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_placements_mission_dossier", "mission_id", "dossier_number", unique=True),
    )


class MissionDossier(Base):
    """A dossier of the missions démarche and what the pipeline made of it: its mission,
    the answers last applied (a change re-runs the search; our own annotation writes,
    which bump the dossier in DS, change no answer), the team's step last applied, what
    was last written back to DS, and — kept aside — the rule a dossier or a step breaks."""

    __tablename__ = "mission_dossiers"

    dossier_number: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                                autoincrement=False)
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("missions.id"), unique=True)
    answers: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # the answers changed since the last vivier search (match-mission clears it in the
    # transaction of its proposals: a run killed in between searches at the next one)
    search_due: Mapped[bool] = mapped_column(Boolean, default=False)
    problem_field: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(Text)  # the dossier's champs
    step: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    step_field: Mapped[str | None] = mapped_column(String(64))
    step_problem: Mapped[str | None] = mapped_column(Text)  # the team's annotations
    published: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    label: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RunLease(Base):
    """A named lease held by one run at a time (e.g. the stage ``assign``), renewed while
    the run works; an expired lease (its holder was killed) may be taken over."""

    __tablename__ = "run_leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(96))
    holder: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # run id, host, pid
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RateBudget(Base):
    """A request budget shared by every process (DS: 400 requests per minute per token),
    counted in fixed windows aligned on the epoch as DS counts them."""

    __tablename__ = "rate_budgets"

    bucket: Mapped[str] = mapped_column(String(96), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger)  # epoch seconds
    used: Mapped[int] = mapped_column(Integer, default=0)
    paused_until: Mapped[float] = mapped_column(Float, default=0.0)  # epoch seconds


class PersonalDataAction(Base):
    """What a purge or an erasure did to personal data, without the data: the data class,
    the rule, the action, how many, and references that name no one (dossier numbers,
    truncated SHA-256 of an email)."""

    __tablename__ = "personal_data_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    origin: Mapped[str] = mapped_column(String(16))  # purge, erasure
    data_class: Mapped[str] = mapped_column(String(48))
    rule: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(24))  # deleted, pseudonymised, kept
    count: Mapped[int] = mapped_column(Integer)
    refs: Mapped[list[str]] = mapped_column(Json, default=list)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))


class VivierForm(Base):
    """A form of the vivier démarche as we read it (models/vivier_forms.py): the vivier
    entry it answers, stay or leave, what it changes — or, when it cannot count, the field
    and the rule (quarantined until the person files a correct one)."""

    __tablename__ = "vivier_forms"

    form_number: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                             autoincrement=False)
    dossier_number: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16))  # applied, superseded, invalid
    stays: Mapped[bool | None] = mapped_column(Boolean)  # False: consent withdrawn
    changes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    problem_field: Mapped[str | None] = mapped_column(String(128))
    problem: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AvailabilityRequest(Base):
    """A person asked, through the prefilled DS form, when they can sit over a period: a
    juror of a track for a period of hearings, or a mission's administration contact for
    its entretiens. ``scope`` names the period (``jury:<track>:<first day>``,
    ``mission:<id>``); one request per scope and person."""

    __tablename__ = "availability_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))  # jury, administration
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last valid form
    form_number: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_availability_requests_scope_email", "scope", "email", unique=True),
    )


class AvailabilityForm(Base):
    """One form of the availability démarche as we read it: the windows it declares, or
    — quarantined — the field and the rule that keep it out."""

    __tablename__ = "availability_forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_number: Mapped[int] = mapped_column(BigInteger, unique=True)
    request_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16))  # valid, invalid
    windows: Mapped[list[dict[str, str]]] = mapped_column(Json, default=list)
    problem_field: Mapped[str | None] = mapped_column(String(128))
    problem: Mapped[str | None] = mapped_column(Text)
    form_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
