"""Publishing a candidates' committee: the vivier gets the candidate with profile,
experience and wishes; each effect is recorded once, whatever the reruns."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from flows.deliberate import record_publication
from flows.runtime import open_runtime
from models.deliberation import Agenda, Proposal
from models.tables import CommitteeSession, Effect, VivierMember
from tests.integration.sync_helpers import run_sync

pytestmark = [pytest.mark.both_dialects, pytest.mark.sandbox_data(dossiers=40, seed=3)]
SESSION = date(2027, 2, 1)


def test_vivier_decisions_are_accepted_and_enter_the_pool_once(sandbox, store):
    run_sync(full=True, assign_new=False)
    from ds_sandbox import CANDIDATS

    joining, refused = sorted(sandbox.state.numbers(CANDIDATS.number))[:2]
    agenda = Agenda("candidats", (
        Proposal(joining, "Candidate", "vivier", "Profil solide.", 1, 21.0, 21.0, ()),
        Proposal(refused, "Candidat", "refus", "Expérience trop courte.", 2, 9.0, 9.0, ())),
        ())
    with open_runtime() as rt:
        with rt.sessions.begin() as session:
            row = CommitteeSession(track="candidats", session_date=SESSION, status="approved",
                                   proposals=[], files={}, created_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            session_id = row.id
        with rt.sessions.begin() as session:
            first = record_publication(session, rt, "candidats", session_id, SESSION, agenda,
                                       None)
        with rt.sessions.begin() as session:
            again = record_publication(session, rt, "candidats", session_id, SESSION, agenda,
                                       None)
        with rt.sessions() as session:
            member = session.get(VivierMember, joining)
            effects = {e.key: e.payload for e in session.scalars(select(Effect))}
    assert first == 6 and again == 0  # decision, message, annotation × 2 dossiers
    assert member is not None and member.status == "disponible"
    assert member.profile["specialite"] and "voeux_thematiques" in member.profile
    assert member.profile["annees_experience"] is not None
    assert effects[f"ds:decision:{joining}:{SESSION}"]["target"] == "accepte"
    assert effects[f"ds:decision:{refused}:{SESSION}"] == {
        "dossier": refused, "motivation": "Expérience trop courte.", "target": "refuse"}
    assert "vivier" in effects[f"ds:message:{joining}:decision-{SESSION}"]["body"]
