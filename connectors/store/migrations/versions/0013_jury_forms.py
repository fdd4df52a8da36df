"""Jury scores through DS: each juror's scoring form as read (valid, set aside with its
field and rule, or superseded), and the chasing steps taken for missing ones.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "jury_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_number", sa.BigInteger(), nullable=False),
        sa.Column("slot_id", sa.Integer()),
        sa.Column("request_id", sa.Integer()),
        sa.Column("dossier_number", sa.BigInteger()),
        sa.Column("juror", sa.String(320)),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_forms")),
        sa.UniqueConstraint("form_number", name=op.f("uq_jury_forms_form_number")),
    )
    op.create_index(op.f("ix_jury_forms_request_id"), "jury_forms", ["request_id"])
    op.create_table(
        "jury_chase_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("juror", sa.String(320), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("effect_key", sa.String(255)),
        _ts("done_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_chase_steps")),
    )
    op.create_index("uq_jury_chase_steps_slot_juror_step", "jury_chase_steps",
                    ["slot_id", "juror", "step"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_jury_chase_steps_slot_juror_step", table_name="jury_chase_steps")
    op.drop_table("jury_chase_steps")
    op.drop_index(op.f("ix_jury_forms_request_id"), table_name="jury_forms")
    op.drop_table("jury_forms")
