"""The migrations build exactly the tables the models describe (no drift either way)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from connectors.store.engine import make_engine
from connectors.store.migrate import upgrade_to_head
from models.tables import Base


def test_migrated_sqlite_store_matches_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade_to_head(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_a_mission_hearing_of_old_becomes_the_track_missions_with_its_mission(tmp_path):
    """0011: the track « mission-<id> » of a stored mission hearing moves to the column
    mission_id, the track becoming « missions »; the other hearings keep theirs, with 0."""
    from alembic import command
    from sqlalchemy import text

    from connectors.store.migrate import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0010")
        for number, track in ((7, "mission-12"), (8, "projets")):
            connection.execute(text(
                "INSERT INTO hearing_requests (track, dossier_number, hearing_type, status, "
                "earliest, latest, requested_at, updated_at) VALUES (:t, :n, 'mission', "
                "'pending', '2027-01-01', '2027-01-15', '2027-01-01', '2027-01-01')"),
                {"t": track, "n": number})
        command.upgrade(cfg, "head")
        rows = connection.execute(text(
            "SELECT dossier_number, track, mission_id FROM hearing_requests ORDER BY 1")).all()
        assert [tuple(r) for r in rows] == [(7, "missions", 12), (8, "projets", 0)]
        command.downgrade(cfg, "0010")
        rows = connection.execute(text(
            "SELECT dossier_number, track FROM hearing_requests ORDER BY 1")).all()
        assert [tuple(r) for r in rows] == [(7, "mission-12"), (8, "projets")]
    engine.dispose()
