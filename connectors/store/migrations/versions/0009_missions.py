"""Missions, placements of vivier candidates, and the vivier's current mission.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "missions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("titre", sa.Text(), nullable=False),
        sa.Column("administration", sa.Text(), nullable=False),
        sa.Column("projet", sa.Text(), nullable=False),
        sa.Column("projet_dossier", sa.BigInteger()),
        sa.Column("profiles", JSON, nullable=False),
        sa.Column("quotite", sa.String(16), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("min_years", sa.Integer()),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("shortlist", JSON, nullable=False),
        sa.Column("flow_run_id", sa.String(64)),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missions")),
    )
    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("motivation", sa.Text()),
        sa.Column("framework", JSON),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"],
                                name=op.f("fk_placements_mission_id_missions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    op.create_index(op.f("ix_placements_mission_id"), "placements", ["mission_id"])
    op.create_index(op.f("ix_placements_dossier_number"), "placements", ["dossier_number"])
    op.create_index("uq_placements_mission_dossier", "placements",
                    ["mission_id", "dossier_number"], unique=True)
    with op.batch_alter_table("vivier") as batch:
        batch.add_column(sa.Column("mission_id", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("vivier") as batch:
        batch.drop_column("mission_id")
    op.drop_index("uq_placements_mission_dossier", table_name="placements")
    op.drop_index(op.f("ix_placements_dossier_number"), table_name="placements")
    op.drop_index(op.f("ix_placements_mission_id"), table_name="placements")
    op.drop_table("placements")
    op.drop_table("missions")
