"""The dossiers of the missions démarche: their mission, the answers and the team's step
last applied, what was last written back to DS, and the rule a dossier breaks.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "mission_dossiers",
        sa.Column("dossier_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("mission_id", sa.Integer()),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("search_due", sa.Boolean(), nullable=False),
        sa.Column("problem_field", sa.String(64)),
        sa.Column("problem", sa.Text()),
        sa.Column("step", JSON, nullable=False),
        sa.Column("step_field", sa.String(64)),
        sa.Column("step_problem", sa.Text()),
        sa.Column("published", JSON, nullable=False),
        sa.Column("label", sa.Text()),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"],
                                name=op.f("fk_mission_dossiers_mission_id_missions")),
        sa.PrimaryKeyConstraint("dossier_number", name=op.f("pk_mission_dossiers")),
        sa.UniqueConstraint("mission_id", name=op.f("uq_mission_dossiers_mission_id")),
    )


def downgrade() -> None:
    op.drop_table("mission_dossiers")
