"""Availability through DS: the requests sent to jurors and administration contacts (one
per period and person), and the forms of the availability démarche as read (their
windows, or the field and rule that quarantine them).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "availability_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        _ts("period_start", nullable=False),
        _ts("period_end", nullable=False),
        _ts("requested_at", nullable=False),
        _ts("reminded_at"),
        _ts("answered_at"),
        sa.Column("form_number", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_requests")),
    )
    op.create_index("uq_availability_requests_scope_email", "availability_requests",
                    ["scope", "email"], unique=True)
    op.create_table(
        "availability_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_number", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.Integer()),
        sa.Column("email", sa.String(320)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("windows", JSON, nullable=False),
        sa.Column("problem_field", sa.String(128)),
        sa.Column("problem", sa.Text()),
        _ts("form_updated_at"),
        _ts("recorded_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_forms")),
        sa.UniqueConstraint("form_number", name=op.f("uq_availability_forms_form_number")),
    )


def downgrade() -> None:
    op.drop_table("availability_forms")
    op.drop_index("uq_availability_requests_scope_email", table_name="availability_requests")
    op.drop_table("availability_requests")
