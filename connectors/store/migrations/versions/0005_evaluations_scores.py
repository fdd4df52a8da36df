"""Evaluations read from the evaluation démarche, and each dossier's latest scores.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_number", sa.BigInteger(), nullable=False),
        sa.Column("assignment_id", sa.Integer()),
        sa.Column("dossier_number", sa.BigInteger()),
        sa.Column("evaluator_email", sa.String(320)),
        sa.Column("track", sa.String(32)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scores", JSON, nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("problem_field", sa.String(128)),
        sa.Column("problem", sa.Text()),
        _ts("submitted_at"),
        _ts("form_updated_at"),
        sa.Column("history", JSON, nullable=False),
        _ts("recorded_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_evaluations_assignment_id_assignments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("form_number", name=op.f("uq_evaluations_form_number")),
    )
    op.create_index(op.f("ix_evaluations_dossier_number"), "evaluations", ["dossier_number"])
    op.create_table(
        "dossier_scores",
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("track", sa.String(32), nullable=False),
        sa.Column("scores", JSON, nullable=False),
        sa.Column("published", JSON),
        sa.Column("label", sa.String(64)),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("scored_at", nullable=False),
        _ts("published_at"),
        sa.PrimaryKeyConstraint("dossier_number", name=op.f("pk_dossier_scores")),
    )


def downgrade() -> None:
    op.drop_table("dossier_scores")
    op.drop_index(op.f("ix_evaluations_dossier_number"), table_name="evaluations")
    op.drop_table("evaluations")
