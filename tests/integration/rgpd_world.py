"""A small store with one person of each data class, years old, its documents and
emails: what the purge and a person's rights are tested on (built in a second: rows
written directly, no DS)."""

from __future__ import annotations

import mailbox
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.orm import Session

from models.tables import (
    Assignment,
    AvailabilityForm,
    AvailabilityRequest,
    CommitteeSession,
    Convention,
    ConventionVersion,
    Demarche,
    Dossier,
    Effect,
    Evaluation,
    EvaluatorRow,
    JuryAvailability,
    Mission,
    MissionDossier,
    QuarantineEntry,
    VivierMember,
)

T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)
LATER = T0 + timedelta(days=800)  # past every retention of the embedded policy
REFUSED = 2001  # a candidate not retained
REFUSED_EMAIL = "camille.refus@exemple.fr"
REFUSED_NAME = "Camille Refusée"
VIVIER = 2002
DELETED = 2003  # deleted in DS
RECENT = 2004  # a candidate of last month: untouched
BUSY = 2005  # an email to them still pending
LAUREATE = 1001
PROJECT_REFUSED = 1002
MISSION_CLOSED = 4001  # a mission dossier whose mission is filled: a year later, blanked
MISSION_OPEN = 4002  # one whose mission still recruits: kept
AVAILABILITY = 5001  # a juror's availability form, its request and windows
ACTIVE = "eva.active@exemple.fr"
GONE = "paul.parti@exemple.fr"


@dataclass
class World:
    documents: Path
    maildir: Path
    old_chart: Path
    releve: Path
    convention_pdf: Path


def _dossier(number: int, demarche: int, at: datetime, email: str, name: str,
             **extra: object) -> Dossier:
    return Dossier(
        ds_id=f"RG9zc2llci0{number}", number=number, demarche_number=demarche,
        state="en_instruction", archived=False, date_depot=at, ds_updated_at=at,
        applicant={"email": email, "nom": name.split()[-1], "prenom": name.split()[0]},
        champs=[{"id": "x", "stringValue": name}], annotations=[], labels=[],
        fields={"email": email, "motivation": f"Je suis {name}"}, first_seen_at=at,
        synced_at=at, **extra)


def _old(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def _mail(box: mailbox.Maildir, to: str, effect: str, when: datetime, maildir: Path) -> None:
    message = EmailMessage()
    message["From"] = "eig@beta.gouv.fr"
    message["To"] = to
    message["Subject"] = "Votre candidature"
    message["X-EIG-Effect"] = effect
    message.set_content("Bonjour,")
    key = box.add(message)
    _old(next((maildir / "new").glob(f"{key}*")), when)


def _missions_and_availability(session: Session) -> None:
    session.add_all([
        _dossier(MISSION_CLOSED, 104, T0, "contact.pourvue@ministere.fr", "Paula Pourvue"),
        _dossier(MISSION_OPEN, 104, T0, "contact.ouverte@ministere.fr", "Olga Ouverte"),
        _dossier(AVAILABILITY, 105, T0, ACTIVE, "Eva Active")])
    for number, status, name in ((MISSION_CLOSED, "fermee", "Paula Pourvue"),
                                 (MISSION_OPEN, "ouverte", "Olga Ouverte")):
        mission = Mission(titre=f"Mission {number}", administration="DINUM", projet="Défi",
                          profiles=["data"], quotite="temps plein", start=T0.date(),
                          contact_name=name, contact_email="contact@ministere.fr",
                          status=status, shortlist=[], created_at=T0, updated_at=T0)
        session.add(mission)
        session.flush()
        session.add(MissionDossier(dossier_number=number, mission_id=mission.id,
                                   answers={"contact_nom": name}, created_at=T0,
                                   updated_at=T0))
    request = AvailabilityRequest(scope="jury:2027-01-04", email=ACTIVE, role="jury",
                                  period_start=T0, period_end=T0 + timedelta(days=14),
                                  requested_at=T0, answered_at=T0, form_number=AVAILABILITY)
    session.add(request)
    session.flush()
    session.add_all([
        AvailabilityForm(form_number=AVAILABILITY, request_id=request.id, email=ACTIVE,
                         status="valid", windows=[{"jour": "2027-01-11"}], recorded_at=T0,
                         updated_at=T0),
        JuryAvailability(email=ACTIVE, start=T0 + timedelta(days=7),
                         end=T0 + timedelta(days=7, hours=3), imported_at=T0)])


def build(session: Session, root: Path, maildir: Path) -> World:
    now = T0
    session.add_all([Demarche(number=101, role="projets"), Demarche(number=102, role="candidats"),
                     Demarche(number=103, role="evaluations"),
                     Demarche(number=104, role="missions"),
                     Demarche(number=105, role="disponibilites")])
    session.flush()
    session.add_all([
        _dossier(LAUREATE, 101, T0, "porteur@ministere.fr", "Lucie Porteuse"),
        _dossier(PROJECT_REFUSED, 101, T0, "autre@ministere.fr", "Marc Porteur"),
        _dossier(REFUSED, 102, T0, REFUSED_EMAIL, REFUSED_NAME),
        _dossier(VIVIER, 102, T0, "vivi@exemple.fr", "Vivi Vivier"),
        _dossier(DELETED, 102, T0, "supprime@exemple.fr", "Sam Supprimé", deleted=True,
                 deleted_at=T0 + timedelta(days=3)),
        _dossier(RECENT, 102, LATER - timedelta(days=30), "recent@exemple.fr", "Rita Récente"),
        _dossier(BUSY, 102, T0, "occupe@exemple.fr", "Oscar Occupé"),
    ])
    _missions_and_availability(session)
    session.add_all([
        EvaluatorRow(email=ACTIVE, name="Eva Active", organisation="DINUM", profiles=["produit"],
                     tracks=["candidats"], monthly_capacity=3, details={}, active=True,
                     imported_at=now),
        EvaluatorRow(email=GONE, name="Paul Parti", organisation="DGFiP", profiles=["data"],
                     tracks=["candidats"], monthly_capacity=3, details={}, active=False,
                     imported_at=now, retired_at=T0 + timedelta(days=10)),
    ])
    session.flush()
    for i, (number, evaluator) in enumerate(((REFUSED, GONE), (REFUSED, ACTIVE),
                                             (LAUREATE, ACTIVE), (DELETED, ACTIVE)), 1):
        assignment = Assignment(dossier_number=number, evaluator_email=evaluator,
                                track="candidats", status="submitted", reasons={},
                                created_at=now, updated_at=now)
        session.add(assignment)
        session.flush()
        session.add(Evaluation(form_number=90000 + i, assignment_id=assignment.id,
                               dossier_number=number, evaluator_email=evaluator,
                               track="candidats", kind="evaluation", status="valid",
                               scores={"coherence_profil": 4}, comment=f"Avis sur {number}",
                               recorded_at=now, updated_at=now))
    committee = CommitteeSession(
        track="candidats", session_date=date(2027, 1, 20), status="approved",
        decisions=[{"dossier": REFUSED, "decision": "refus", "title": REFUSED_NAME},
                   {"dossier": VIVIER, "decision": "vivier", "title": "Vivi Vivier"}],
        created_at=now, approved_at=now)
    releve = root / "releves" / "releve-candidats-2027-01-20.pdf"
    projets = CommitteeSession(
        track="projets", session_date=date(2027, 1, 21), status="approved",
        decisions=[{"dossier": LAUREATE, "decision": "laureat", "title": "Défi"},
                   {"dossier": PROJECT_REFUSED, "decision": "refus", "title": "Autre"}],
        files={"pdf": str(releve)}, created_at=now, approved_at=now)
    draft = CommitteeSession(  # never approved: its proposals go with the season
        track="candidats", session_date=date(2027, 1, 10), status="not_approved",
        proposals=[{"dossier": REFUSED, "title": REFUSED_NAME}], created_at=now)
    session.add_all([committee, projets, draft])
    session.flush()
    session.add(VivierMember(dossier_number=VIVIER, name="Vivi Vivier", email="vivi@exemple.fr",
                             profile={}, status="disponible", session_id=committee.id,
                             joined_at=T0, updated_at=T0))
    convention_pdf = root / "conventions" / "EIG-CONV-1" / "EIG-CONV-1-v1.pdf"
    session.add(Convention(dossier_number=LAUREATE, numero="EIG-CONV-1", kind="partenariat",
                           overrides={}, created_at=now, updated_at=now))
    session.flush()
    session.add(ConventionVersion(dossier_number=LAUREATE, version=1, digest="0" * 64,
                                  content={}, docx=b"docx", pdf=b"%PDF", created_at=now,
                                  files={"pdf": str(convention_pdf)}))
    for key, status, payload in (
            (f"mail:demo:{REFUSED}", "delivered",
             {"to": [{"email": REFUSED_EMAIL, "name": REFUSED_NAME}], "subject": "Décision"}),
            (f"ds:message:{REFUSED}:decision", "delivered", {"dossier": REFUSED, "body": "Refus"}),
            (f"ds:message:{BUSY}:decision", "pending", {"dossier": BUSY, "body": "Refus"})):
        session.add(Effect(key=key, kind=key.split(":")[0].replace("mail", "email"),
                           action="send", payload=payload, status=status, attempts=1,
                           created_at=now, updated_at=now, next_attempt_at=now,
                           delivered_at=now if status == "delivered" else None,
                           lane=key.split(":")[0].replace("mail", "email")))
    session.add(QuarantineEntry(demarche_number=101, dossier_number=PROJECT_REFUSED, field="x",
                                rule="required", reason="manquant", payload={"n": "Marc"},
                                first_seen_at=now, last_seen_at=now, released_at=now))
    old_chart = root / "reports" / "scores-candidats-2027-01-10.png"
    for path in (old_chart, releve, convention_pdf):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"document")
        _old(path, T0)
    box = mailbox.Maildir(maildir, create=True)
    _mail(box, f"{REFUSED_NAME} <{REFUSED_EMAIL}>", f"mail:demo:{REFUSED}", T0, maildir)
    _mail(box, "Rita Récente <recent@exemple.fr>", "mail:demo:recent",
          LATER - timedelta(days=3), maildir)
    return World(root, maildir, old_chart, releve, convention_pdf)
