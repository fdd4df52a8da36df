"""Evaluator roster, assignments, assignment runs and alternates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "evaluators",
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("ministry", sa.Text()),
        sa.Column("profiles", JSON, nullable=False),
        sa.Column("tracks", JSON, nullable=False),
        sa.Column("senior", sa.Boolean(), nullable=False),
        sa.Column("monthly_capacity", sa.Integer(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("imported_at", nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_evaluators")),
    )
    op.create_table(
        "assignment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(32), nullable=False),
        sa.Column("solver", sa.String(32), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("objective", sa.Float()),
        _ts("started_at", nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_runs")),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("evaluator_email", sa.String(320), nullable=False),
        sa.Column("track", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("run_id", sa.Integer()),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["evaluator_email"], ["evaluators.email"],
                                name=op.f("fk_assignments_evaluator_email_evaluators")),
        sa.ForeignKeyConstraint(["run_id"], ["assignment_runs.id"],
                                name=op.f("fk_assignments_run_id_assignment_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(op.f("ix_assignments_dossier_number"), "assignments", ["dossier_number"])
    op.create_index(op.f("ix_assignments_evaluator_email"), "assignments", ["evaluator_email"])
    op.create_table(
        "assignment_alternates",
        sa.Column("dossier_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("evaluators", JSON, nullable=False),
        sa.Column("run_id", sa.Integer()),
        sa.ForeignKeyConstraint(["run_id"], ["assignment_runs.id"],
                                name=op.f("fk_assignment_alternates_run_id_assignment_runs")),
        sa.PrimaryKeyConstraint("dossier_number", name=op.f("pk_assignment_alternates")),
    )


def downgrade() -> None:
    op.drop_table("assignment_alternates")
    op.drop_index(op.f("ix_assignments_evaluator_email"), table_name="assignments")
    op.drop_index(op.f("ix_assignments_dossier_number"), table_name="assignments")
    op.drop_table("assignments")
    op.drop_table("assignment_runs")
    op.drop_table("evaluators")
