"""The store's side of personal data's lifecycle: the facts the retention rules read,
the deletions and pseudonymisations they decide, a person's records, and the log of what
was done (``PersonalDataAction``, without the data). Callers own the transaction."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from models.outbox import Status
from models.placement import PlacementStatus, VivierStatus
from models.retention import DossierFacts, DossierPlan, pseudonym_of_email
from models.tables import (
    Alternates,
    Assignment,
    AvailabilityForm,
    AvailabilityRequest,
    ChaseStep,
    CommitteeSession,
    Convention,
    ConventionVersion,
    DeclaredConflict,
    Demarche,
    Dossier,
    DossierScore,
    Effect,
    Evaluation,
    EvaluationLink,
    EvaluatorRow,
    HearingRequest,
    HearingScore,
    HearingSlot,
    JuryAvailability,
    JuryChaseStep,
    JuryForm,
    Mission,
    MissionDossier,
    PersonalDataAction,
    Placement,
    QuarantineEntry,
    SyncRun,
    VivierForm,
    VivierMember,
)

PSEUDONYM_DOMAIN = "pseudonyme.invalid"
"""The domain of a departed evaluator's pseudonymous address (RFC 2606: never routed)."""
PURGED_PAYLOAD = {"rgpd": "purgé"}
"""What a delivered effect's payload becomes past its retention (its key stays)."""
SIGNED = (PlacementStatus.CONTRAT_SIGNE, PlacementStatus.DEMARRE)
BY_ASSIGNMENT = ("eval-request", "decline-ack", "replaced")
BY_SLOT = ("hearing-invite", "hearing-cancel")
BY_PLACEMENT = ("mission-proposal", "mission-decision")


# -- facts ------------------------------------------------------------------------------


def published_decisions(session: Session) -> dict[int, tuple[str, date]]:
    """Each dossier's last published decision (approved committees) and its date."""
    out: dict[int, tuple[str, date]] = {}
    for row in session.scalars(select(CommitteeSession).where(
            CommitteeSession.status == "approved").order_by(CommitteeSession.session_date)):
        for decision in row.decisions or []:
            out[int(decision["dossier"])] = (str(decision["decision"]), row.session_date)
    return out


def undelivered_by_dossier(session: Session) -> tuple[dict[int, int], set[str]]:
    """Effects not delivered yet, counted per dossier they are about; and the addresses
    they are still to reach."""
    counts: dict[int, int] = defaultdict(int)
    emails: set[str] = set()
    effects = session.scalars(select(Effect).where(Effect.status != Status.DELIVERED)).all()
    if not effects:
        return counts, emails
    for effect in effects:
        for number in _dossiers_of(session, effect):
            counts[number] += 1
        emails |= addresses(effect.payload)
    return counts, emails


def _dossiers_of(session: Session, effect: Effect) -> set[int]:
    """The dossiers an effect is about, from its key (``ds:<action>:<dossier>``,
    ``mail:eval-request:<assignment>``…) and its payload's ``dossier``."""
    parts = effect.key.split(":")
    found: set[int] = set()
    payload = effect.payload or {}
    if isinstance(payload.get("dossier"), int):
        found.add(payload["dossier"])
    if len(parts) < 3 or not parts[2].isdigit():
        return found
    ref = int(parts[2])
    if parts[0] == "ds" or parts[1] == "convention":
        found.add(ref)
    elif parts[1] in BY_ASSIGNMENT:
        found |= set(session.scalars(select(Assignment.dossier_number).where(
            Assignment.id == ref)))
    elif parts[1] in BY_SLOT:
        found |= set(session.scalars(select(HearingRequest.dossier_number).join(
            HearingSlot, HearingSlot.request_id == HearingRequest.id).where(
            HearingSlot.id == ref)))
    elif parts[1] in BY_PLACEMENT:
        found |= set(session.scalars(select(Placement.dossier_number).where(
            Placement.id == ref)))
    return found


def addresses(payload: Any) -> set[str]:
    """Every email address in a payload (``to``, ``email``…), lower-cased."""
    found: set[str] = set()
    if isinstance(payload, dict):
        for value in payload.values():
            found |= addresses(value)
    elif isinstance(payload, list):
        for value in payload:
            found |= addresses(value)
    elif isinstance(payload, str) and "@" in payload and " " not in payload.strip():
        found.add(payload.strip().lower())
    return found


def dossier_facts(session: Session, tracks: dict[int, str]) -> list[DossierFacts]:
    """The facts of every dossier still in the store. ``tracks``: démarche number →
    track (projets, candidats); the evaluation démarche's forms have none."""
    decisions = published_decisions(session)
    pending, _ = undelivered_by_dossier(session)
    vivier = {m.dossier_number: m for m in session.scalars(select(VivierMember))}
    contracts = set(session.scalars(select(Convention.dossier_number))) | set(
        session.scalars(select(Placement.dossier_number).where(Placement.status.in_(SIGNED))))
    # a mission dossier: kept while its mission recruits; under a legal obligation once a
    # contract was signed on it (the recruitment's record)
    contracts |= set(session.scalars(select(MissionDossier.dossier_number).join(
        Placement, Placement.mission_id == MissionDossier.mission_id).where(
        Placement.status.in_(SIGNED))))
    recruiting = set(session.scalars(select(MissionDossier.dossier_number).join(
        Mission, Mission.id == MissionDossier.mission_id).where(Mission.status == "ouverte")))
    evaluated: set[int] = set()
    for column in (Evaluation.dossier_number, Assignment.dossier_number,
                   HearingRequest.dossier_number, DossierScore.dossier_number,
                   Alternates.dossier_number):
        evaluated |= {n for n in session.scalars(select(column).distinct()) if n is not None}
    facts = []
    for row in session.execute(select(
            Dossier.number, Dossier.demarche_number, Dossier.ds_updated_at,
            Dossier.date_traitement, Dossier.first_seen_at, Dossier.deleted,
            Dossier.deleted_at, Dossier.pseudonymised_at, Dossier.synced_at)):
        decision = decisions.get(row.number)
        member = vivier.get(row.number)
        contact = [d for d in (row.ds_updated_at, row.date_traitement, row.first_seen_at)
                   if d is not None]
        if decision:
            contact.append(datetime.combine(decision[1], datetime.min.time(),
                                            tzinfo=row.first_seen_at.tzinfo))
        facts.append(DossierFacts(
            number=row.number, track=tracks.get(row.demarche_number),
            last_contact=max(contact),
            deleted_at=(row.deleted_at or row.first_seen_at) if row.deleted else None,
            decision=decision[0] if decision else None,
            vivier_status=member.status if member else None,
            consent_at=(member.consent_at or member.joined_at) if member else None,
            contract=row.number in contracts, pending_effects=pending.get(row.number, 0),
            # a sync that wrote the row since may have brought its data back from DS
            pseudonymised=row.pseudonymised_at is not None
            and row.synced_at <= row.pseudonymised_at,
            evaluation_data=row.number in evaluated, vivier_member=member is not None,
            mission_open=row.number in recruiting))
    return facts


def demarche_tracks(session: Session, by_number: dict[int, str]) -> dict[int, str]:
    """The track of each stored démarche (``by_number`` from the configuration)."""
    return {n: by_number[n] for n in session.scalars(select(Demarche.number)) if n in by_number}


# -- dossiers ---------------------------------------------------------------------------


def delete_evaluation_data(session: Session, number: int) -> int:
    """Delete the evaluations, tasks, hearings and scores about dossier ``number``;
    returns how many rows went."""
    gone = 0
    assignments = list(session.scalars(select(Assignment.id).where(
        Assignment.dossier_number == number)))
    requests = list(session.scalars(select(HearingRequest.id).where(
        HearingRequest.dossier_number == number)))
    statements = [
        delete(Evaluation).where((Evaluation.dossier_number == number)
                                 | Evaluation.assignment_id.in_(assignments)),
        delete(ChaseStep).where(ChaseStep.assignment_id.in_(assignments)),
        delete(EvaluationLink).where(EvaluationLink.assignment_id.in_(assignments)),
    ]
    for statement in statements:
        gone += session.execute(statement).rowcount or 0
    if assignments:  # replacements point at the assignments they replace: unlink first
        session.execute(update(Assignment).where(Assignment.id.in_(assignments))
                        .values(replaces_id=None))
        gone += session.execute(delete(Assignment).where(
            Assignment.id.in_(assignments))).rowcount or 0
    slots = list(session.scalars(select(HearingSlot.id).where(
        HearingSlot.request_id.in_(requests))))
    for statement in (
            delete(JuryChaseStep).where(JuryChaseStep.slot_id.in_(slots)),
            delete(JuryForm).where(JuryForm.request_id.in_(requests)
                                   | (JuryForm.dossier_number == number)),
            delete(HearingScore).where(HearingScore.request_id.in_(requests)),
            delete(HearingSlot).where(HearingSlot.request_id.in_(requests)),
            delete(HearingRequest).where(HearingRequest.id.in_(requests)),
            delete(Alternates).where(Alternates.dossier_number == number),
            delete(DossierScore).where(DossierScore.dossier_number == number),
            delete(DeclaredConflict).where(DeclaredConflict.dossier_number == number)):
        gone += session.execute(statement).rowcount or 0
    return gone


def leave_vivier(session: Session, number: int) -> int:
    """The candidate leaves the vivier, with the placements not signed."""
    gone = session.execute(delete(Placement).where(
        Placement.dossier_number == number, Placement.status.not_in(SIGNED))).rowcount or 0
    return gone + (session.execute(delete(VivierMember).where(
        VivierMember.dossier_number == number,
        VivierMember.status != VivierStatus.ENGAGE)).rowcount or 0)


def pseudonymise_dossier(session: Session, number: int, now: datetime) -> None:
    """Blank what names the applicant (identity, answers, annotations, labels); keep the
    number, démarche, state and dates (the season's figures; a sync does not take it
    for a new dossier)."""
    session.execute(update(Dossier).where(Dossier.number == number).values(
        applicant={}, champs=[], annotations=[], fields=None, groupe_instructeur=None,
        labels=[], pseudonymised_at=now))
    session.execute(delete(QuarantineEntry).where(QuarantineEntry.dossier_number == number))
    # the vivier forms it filed or that name it: their answers go, the row stays (read)
    session.execute(update(VivierForm).where(or_(
        VivierForm.form_number == number, VivierForm.dossier_number == number)).values(
        changes={}))
    # a mission dossier's answers name its contact; the mission row keeps them while it
    # recruits (its entretiens need the contact), then its contact goes too
    session.execute(update(MissionDossier).where(MissionDossier.dossier_number == number)
                    .values(answers={}, published={}))
    mission = session.scalar(select(MissionDossier.mission_id).where(
        MissionDossier.dossier_number == number))
    if mission is not None:
        session.execute(update(Mission).where(Mission.id == mission,
                                              Mission.status != "ouverte").values(
            contact_name="", contact_email=""))


def delete_dossier(session: Session, number: int) -> None:
    """Delete the dossier and what remains about it (DS deleted it)."""
    session.execute(delete(QuarantineEntry).where(QuarantineEntry.dossier_number == number))
    session.execute(delete(Placement).where(Placement.dossier_number == number))
    session.execute(delete(VivierMember).where(VivierMember.dossier_number == number))
    session.execute(delete(VivierForm).where(VivierForm.form_number == number))
    session.execute(delete(MissionDossier).where(MissionDossier.dossier_number == number))
    session.execute(delete(Dossier).where(Dossier.number == number))


def apply_dossier_plan(session: Session, plan: DossierPlan, now: datetime) -> None:
    from models.retention import Action

    if plan.evaluations:
        delete_evaluation_data(session, plan.number)
    if plan.leave_vivier:
        leave_vivier(session, plan.number)
    if plan.action is Action.PSEUDONYMISE:
        pseudonymise_dossier(session, plan.number, now)
    elif plan.action is Action.DELETE:
        delete_dossier(session, plan.number)


# -- evaluators -------------------------------------------------------------------------


def departed_evaluators(session: Session) -> list[tuple[str, datetime | None]]:
    """Evaluators retired from the roster and not pseudonymised yet, with when they left."""
    return [(r.email, r.retired_at) for r in session.execute(
        select(EvaluatorRow.email, EvaluatorRow.retired_at).where(
            EvaluatorRow.active.is_(False),
            EvaluatorRow.email.not_like(f"%@{PSEUDONYM_DOMAIN}")))]


def pseudonymise_evaluator(session: Session, email: str, now: datetime) -> str:
    """Replace an evaluator by a pseudonym everywhere (tasks, forms, juries, scores) and
    forget their identity, availability and declared conflicts. Returns the pseudonym,
    random: nothing links it back to the person."""
    row = session.get(EvaluatorRow, email)
    alias = f"evaluateur-{uuid.uuid4().hex[:12]}@{PSEUDONYM_DOMAIN}"
    session.add(EvaluatorRow(
        email=alias, name="Évaluateur·rice retiré·e", organisation="", ministry=None,
        profiles=list(row.profiles) if row else [], tracks=list(row.tracks) if row else [],
        senior=False, monthly_capacity=0, details={}, active=False,
        imported_at=row.imported_at if row else now,
        retired_at=(row.retired_at if row else None) or now))
    session.flush()
    session.execute(update(Assignment).where(Assignment.evaluator_email == email)
                    .values(evaluator_email=alias))
    session.execute(update(Evaluation).where(Evaluation.evaluator_email == email)
                    .values(evaluator_email=alias))
    session.execute(update(HearingScore).where(HearingScore.juror == email).values(juror=alias))
    session.execute(update(JuryForm).where(JuryForm.juror == email).values(juror=alias))
    session.execute(update(JuryChaseStep).where(JuryChaseStep.juror == email)
                    .values(juror=alias))
    for slot in session.scalars(select(HearingSlot)):
        if email in (slot.jury or []):
            slot.jury = [alias if j == email else j for j in slot.jury]
    for alternates in session.scalars(select(Alternates)):
        if email in (alternates.evaluators or []):
            alternates.evaluators = [alias if e == email else e for e in alternates.evaluators]
    session.execute(delete(JuryAvailability).where(JuryAvailability.email == email))
    erase_availability_forms(session, email)
    session.execute(delete(DeclaredConflict).where(DeclaredConflict.evaluator_email == email))
    if row is not None:
        session.delete(row)
    return alias


# -- effects, quarantine, runs ----------------------------------------------------------


def delivered_effects_before(session: Session, before: datetime) -> list[int]:
    """Delivered effects older than ``before`` whose payload is not purged yet."""
    rows = session.execute(select(Effect.id, Effect.payload).where(
        Effect.status == Status.DELIVERED, Effect.delivered_at < before))
    return [r.id for r in rows if r.payload != PURGED_PAYLOAD]


def effects_about(session: Session, numbers: Iterable[int], emails: Iterable[str]
                  ) -> list[Effect]:
    """Every effect about these dossiers or to these addresses."""
    numbers, emails = set(numbers), {e.lower() for e in emails}
    return [e for e in session.scalars(select(Effect).order_by(Effect.id))
            if _dossiers_of(session, e) & numbers or addresses(e.payload) & emails
            or any(a in e.key.lower() for a in emails)]


def purge_effect_payloads(session: Session, ids: Sequence[int]) -> int:
    """Blank delivered effects' payloads and results; an address in a key becomes its
    hash (the key stays unique: nothing is sent twice)."""
    done = 0
    for effect in session.scalars(select(Effect).where(Effect.id.in_(ids),
                                                       Effect.status == Status.DELIVERED)):
        effect.payload, effect.result, effect.last_error = dict(PURGED_PAYLOAD), None, None
        if "@" in effect.key:
            effect.key = ":".join(pseudonym_of_email(p) if "@" in p else p
                                  for p in effect.key.split(":"))
        done += 1
    return done


def released_quarantine_before(session: Session, before: datetime) -> list[int]:
    return list(session.scalars(select(QuarantineEntry.id).where(
        QuarantineEntry.released_at.is_not(None), QuarantineEntry.released_at < before)))


def delete_quarantine(session: Session, ids: Sequence[int]) -> int:
    return session.execute(delete(QuarantineEntry).where(
        QuarantineEntry.id.in_(ids))).rowcount or 0


def unpublished_committees_before(session: Session, before: datetime) -> list[int]:
    """Committee sessions never approved (their proposals name every applicant)."""
    return list(session.scalars(select(CommitteeSession.id).where(
        CommitteeSession.status != "approved", CommitteeSession.created_at < before)))


def delete_committees(session: Session, ids: Sequence[int]) -> int:
    return session.execute(delete(CommitteeSession).where(
        CommitteeSession.id.in_(ids))).rowcount or 0


def strip_from_drafts(session: Session, number: int) -> int:
    """Take dossier ``number`` out of the committees never approved (a live one, awaiting
    its approval, is left to its operator)."""
    done = 0
    for row in session.scalars(select(CommitteeSession).where(
            CommitteeSession.status.not_in(("approved", "awaiting_approval")))):
        kept = [p for p in row.proposals or [] if int(p.get("dossier", 0)) != number]
        if len(kept) != len(row.proposals or []):
            row.proposals, row.agenda = kept, None
            done += 1
    return done


def availability_before(session: Session, before: datetime) -> list[str]:
    """The availability requests and forms of periods ended before ``before``, and the
    windows that ended then (``demande:ID``, ``formulaire:ID``, ``creneau:ID``)."""
    old_requests = set(session.scalars(select(AvailabilityRequest.id).where(
        AvailabilityRequest.period_end < before)))
    forms = session.scalars(select(AvailabilityForm.id).where(or_(
        AvailabilityForm.request_id.in_(old_requests),
        (AvailabilityForm.request_id.is_(None) & (AvailabilityForm.updated_at < before)))))
    windows = session.scalars(select(JuryAvailability.id).where(JuryAvailability.end < before))
    return ([f"demande:{i}" for i in sorted(old_requests)] + [f"formulaire:{i}" for i in forms]
            + [f"creneau:{i}" for i in windows])


def delete_availability(session: Session, refs: Sequence[str]) -> int:
    """Delete what ``availability_before`` named."""
    tables = {"demande": AvailabilityRequest, "formulaire": AvailabilityForm,
              "creneau": JuryAvailability}
    ids: dict[str, list[int]] = defaultdict(list)
    for ref in refs:
        kind, _, number = ref.partition(":")
        ids[kind].append(int(number))
    return sum(session.execute(delete(tables[kind]).where(tables[kind].id.in_(chosen))
                               ).rowcount or 0 for kind, chosen in ids.items())


def sync_runs_before(session: Session, before: datetime) -> list[int]:
    return list(session.scalars(select(SyncRun.id).where(SyncRun.started_at < before)))


def delete_sync_runs(session: Session, ids: Sequence[int]) -> int:
    return session.execute(delete(SyncRun).where(SyncRun.id.in_(ids))).rowcount or 0


# -- files the store knows ----------------------------------------------------------------


def kept_files(session: Session) -> set[str]:
    """The names of the files kept under a legal obligation: approved relevés,
    conventions (by name: the documents' folder may have moved since)."""
    from pathlib import PurePath

    kept: set[str] = set()
    for files in session.scalars(select(CommitteeSession.files).where(
            CommitteeSession.status == "approved")):
        kept |= {PurePath(p).name for p in file_paths(files)}
    for files in session.scalars(select(ConventionVersion.files)):
        kept |= {PurePath(p).name for p in file_paths(files)}
    return kept


def file_paths(files: Any) -> list[str]:
    if isinstance(files, dict):
        return [p for v in files.values() for p in file_paths(v)]
    if isinstance(files, list):
        return [p for v in files for p in file_paths(v)]
    return [files] if isinstance(files, str) else []


# -- a person's records ---------------------------------------------------------------------


def applicant_addresses(applicant: Any, fields: Any) -> set[str]:
    """A dossier's applicant addresses: their DS account's, their answer « courriel »."""
    return addresses(applicant or {}) | {
        str(v).lower() for k, v in (fields or {}).items() if k == "email" and v}


def dossiers_of_email(session: Session, email: str) -> list[int]:
    """The dossiers whose applicant (DS account or answer « courriel ») is ``email``."""
    email = email.lower()
    found = []
    for number, applicant, fields in session.execute(
            select(Dossier.number, Dossier.applicant, Dossier.fields)):
        if email in applicant_addresses(applicant, fields):
            found.append(number)
    return sorted(found)


def as_json(row: Any) -> dict[str, Any]:
    """A stored row as JSON-able data (binary documents are named, not copied)."""
    out = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if isinstance(value, bytes):
            value = f"<{len(value)} octets : voir documents/>"
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        out[column.key] = value
    return out


THIRD_PARTY = ("evaluator_email", "juror", "jury", "evaluators", "lease_owner")


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    """A row about a dossier with the other people (evaluators, jury) masked."""
    return {k: ("(tiers masqué)" if k in THIRD_PARTY and v else v) for k, v in row.items()}


def person_records(session: Session, numbers: Sequence[int], emails: Sequence[str]
                   ) -> dict[str, list[dict[str, Any]]]:
    """Every row about these dossiers or these addresses, per table. On a dossier, the
    evaluators' and jury's identities are masked (third parties)."""
    numbers, lowered = list(numbers), [e.lower() for e in emails]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def add(table: str, rows: Iterable[Any], mask: bool = False) -> None:
        for row in rows:
            data = as_json(row)
            out[table].append(_masked(data) if mask else data)

    add("dossiers", session.scalars(select(Dossier).where(Dossier.number.in_(numbers))))
    assignments = session.scalars(select(Assignment).where(
        Assignment.dossier_number.in_(numbers))).all()
    add("assignments", assignments, mask=True)
    add("evaluations", session.scalars(select(Evaluation).where(
        Evaluation.dossier_number.in_(numbers))), mask=True)
    add("dossier_scores", session.scalars(select(DossierScore).where(
        DossierScore.dossier_number.in_(numbers))))
    requests = session.scalars(select(HearingRequest).where(
        HearingRequest.dossier_number.in_(numbers))).all()
    add("hearing_requests", requests)
    ids = [r.id for r in requests]
    add("hearing_slots", session.scalars(select(HearingSlot).where(
        HearingSlot.request_id.in_(ids))), mask=True)
    add("hearing_scores", session.scalars(select(HearingScore).where(
        HearingScore.request_id.in_(ids))), mask=True)
    add("jury_forms", session.scalars(select(JuryForm).where(
        JuryForm.dossier_number.in_(numbers))), mask=True)
    add("vivier", session.scalars(select(VivierMember).where(
        VivierMember.dossier_number.in_(numbers) | func.lower(VivierMember.email).in_(lowered))))
    add("placements", session.scalars(select(Placement).where(
        Placement.dossier_number.in_(numbers))))
    add("vivier_forms", session.scalars(select(VivierForm).where(
        VivierForm.dossier_number.in_(numbers) | VivierForm.form_number.in_(numbers))))
    add("conventions", session.scalars(select(Convention).where(
        Convention.dossier_number.in_(numbers))))
    add("convention_versions", session.scalars(select(ConventionVersion).where(
        ConventionVersion.dossier_number.in_(numbers))))
    add("quarantine", session.scalars(select(QuarantineEntry).where(
        QuarantineEntry.dossier_number.in_(numbers))))
    for committee in session.scalars(select(CommitteeSession).where(
            CommitteeSession.status == "approved")):
        for decision in committee.decisions or []:
            if int(decision["dossier"]) in numbers:
                out["decisions"].append({"comite": committee.track,
                                         "date": committee.session_date.isoformat(),
                                         **decision})
    # the person as evaluator or jury member
    add("evaluators", session.scalars(select(EvaluatorRow).where(
        func.lower(EvaluatorRow.email).in_(lowered))))
    add("evaluator_assignments", session.scalars(select(Assignment).where(
        func.lower(Assignment.evaluator_email).in_(lowered))))
    add("evaluator_forms", session.scalars(select(Evaluation).where(
        func.lower(Evaluation.evaluator_email).in_(lowered))))
    add("declared_conflicts", session.scalars(select(DeclaredConflict).where(
        func.lower(DeclaredConflict.evaluator_email).in_(lowered))))
    add("jury_availability", session.scalars(select(JuryAvailability).where(
        func.lower(JuryAvailability.email).in_(lowered))))
    add("availability_requests", session.scalars(select(AvailabilityRequest).where(
        func.lower(AvailabilityRequest.email).in_(lowered))))
    add("availability_forms", session.scalars(select(AvailabilityForm).where(
        func.lower(AvailabilityForm.email).in_(lowered))))
    add("jury_scores", session.scalars(select(HearingScore).where(
        func.lower(HearingScore.juror).in_(lowered))))
    add("juror_forms", session.scalars(select(JuryForm).where(
        func.lower(JuryForm.juror).in_(lowered))))
    contact_of = session.scalars(select(Mission).where(
        func.lower(Mission.contact_email).in_(lowered))).all()
    add("missions_contact", contact_of)
    add("mission_dossiers", session.scalars(select(MissionDossier).where(
        MissionDossier.dossier_number.in_(numbers)
        | MissionDossier.mission_id.in_([m.id for m in contact_of]))))
    add("effects", effects_about(session, numbers, lowered))
    return {k: v for k, v in out.items() if v}


def erase_jury_and_conflicts(session: Session, email: str) -> int:
    """An active evaluator's availability and declared conflicts (an erased person's)."""
    return (session.execute(delete(JuryAvailability).where(
        func.lower(JuryAvailability.email) == email.lower())).rowcount or 0) \
        + erase_availability_forms(session, email)


def erase_availability_forms(session: Session, email: str) -> int:
    """The availability requests sent to ``email`` and the forms read from them (their
    windows: the DS dossiers themselves stay in DS)."""
    lowered = email.lower()
    return sum(session.execute(delete(table).where(func.lower(table.email) == lowered))
               .rowcount or 0 for table in (AvailabilityForm, AvailabilityRequest))


def evaluator_emails(session: Session, email: str) -> list[str]:
    """The roster's spelling of ``email`` (stored as imported)."""
    return list(session.scalars(select(EvaluatorRow.email).where(
        func.lower(EvaluatorRow.email) == email.lower())))


def retire_evaluator(session: Session, email: str, now: datetime) -> None:
    session.execute(update(EvaluatorRow).where(EvaluatorRow.email == email).values(
        active=False, retired_at=now))


def renew_consent(session: Session, number: int, now: datetime) -> bool:
    """The vivier candidate consented again: their retention runs from ``now``."""
    return bool(session.execute(update(VivierMember).where(
        VivierMember.dossier_number == number).values(consent_at=now, updated_at=now)
    ).rowcount)


# -- the log ----------------------------------------------------------------------------------


def record_action(session: Session, *, done_at: datetime, origin: str, data_class: str,
                  rule: str, action: str, refs: Sequence[str], count: int | None = None,
                  flow_run_id: str | None = None) -> None:
    session.add(PersonalDataAction(
        done_at=done_at, origin=origin, data_class=data_class, rule=rule, action=action,
        count=len(refs) if count is None else count, refs=list(refs), flow_run_id=flow_run_id))
