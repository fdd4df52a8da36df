"""Evaluation tasks: due dates and replacements on assignments, prefilled links, the
chasing ladder's steps, and conflicts declared by evaluators.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(_ts("due_at"))
        batch.add_column(sa.Column("replaces_id", sa.Integer()))
        batch.add_column(sa.Column("status_reason", sa.Text()))
        batch.add_column(sa.Column("form_number", sa.BigInteger()))
        batch.add_column(_ts("closed_at"))
        batch.create_foreign_key(op.f("fk_assignments_replaces_id_assignments"), "assignments",
                                 ["replaces_id"], ["id"])
    op.create_table(
        "evaluation_links",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("ds_dossier_number", sa.BigInteger()),
        sa.Column("ds_dossier_id", sa.String(64)),
        _ts("created_at", nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_evaluation_links_assignment_id_assignments")),
        sa.PrimaryKeyConstraint("assignment_id", "purpose", name=op.f("pk_evaluation_links")),
    )
    op.create_table(
        "chase_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("effect_key", sa.String(255)),
        _ts("done_at", nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_chase_steps_assignment_id_assignments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chase_steps")),
    )
    op.create_index("uq_chase_steps_assignment_step", "chase_steps", ["assignment_id", "step"],
                    unique=True)
    op.create_table(
        "declared_conflicts",
        sa.Column("evaluator_email", sa.String(320), nullable=False),
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        _ts("declared_at", nullable=False),
        sa.PrimaryKeyConstraint("evaluator_email", "dossier_number",
                                name=op.f("pk_declared_conflicts")),
    )


def downgrade() -> None:
    op.drop_table("declared_conflicts")
    op.drop_index("uq_chase_steps_assignment_step", table_name="chase_steps")
    op.drop_table("chase_steps")
    op.drop_table("evaluation_links")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_constraint(op.f("fk_assignments_replaces_id_assignments"), type_="foreignkey")
        for column in ("closed_at", "form_number", "status_reason", "replaces_id", "due_at"):
            batch.drop_column(column)
