"""deliberate-mission's opening: a suspended run finds its own deliberation when it comes
back from the top; a second run does not wait beside a live one, nor reopens a mission
already decided."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from flows import missions
from flows.missions import open_deliberation
from flows.runtime import open_runtime
from models.tables import Mission, Placement, VivierMember

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def mission(sqlite_url, monkeypatch) -> int:
    monkeypatch.setenv("EIG_DATABASE_URL", sqlite_url)
    with open_runtime() as rt, rt.sessions.begin() as session:
        row = Mission(titre="Données de l'eau", administration="Direction de l'eau",
                      projet="Mieux partager l'eau", profiles=["développeur·se"],
                      quotite="temps plein", start=date(2027, 3, 1), contact_name="Chloé",
                      contact_email="contact@eau.gouv.fr", status="ouverte", shortlist=[],
                      created_at=NOW, updated_at=NOW)
        session.add(row)
        session.flush()
        session.add(VivierMember(dossier_number=7, name="Alex Martin", email="alex@x.fr",
                                 profile={}, status="propose", mission_id=row.id,
                                 joined_at=NOW, updated_at=NOW))
        session.add(Placement(mission_id=row.id, dossier_number=7, status="propose",
                              score=1.0, reasons=[], created_at=NOW, updated_at=NOW))
        return row.id


def outcome(mission_id: int, run_id: str) -> str:
    with open_runtime() as rt:
        return open_deliberation(rt, mission_id, run_id)[0]


def test_a_resumed_run_finds_its_deliberation_and_a_second_one_does_not_wait(
        mission, monkeypatch):
    monkeypatch.setattr(missions, "run_alive", lambda run_id: run_id == "run-1")
    assert outcome(mission, "run-1") == "new"
    assert outcome(mission, "run-1") == "resumed"  # suspended, back from the top
    assert outcome(mission, "run-2") == "busy"  # run-1 still waits for its answer
    monkeypatch.setattr(missions, "run_alive", lambda run_id: False)
    assert outcome(mission, "run-3") == "new"  # run-1 is gone: run-3 takes over
    assert outcome(mission, "run-1") != "resumed"


def test_a_decided_mission_is_not_reopened(mission):
    with open_runtime() as rt, rt.sessions.begin() as session:
        session.execute(update(Placement).values(status="retenu"))
    assert outcome(mission, "run-9") == "done"
