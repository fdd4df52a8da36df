"""Claimed delivery in lanes (lease and attempt columns on the outbox), run leases,
request budgets shared across processes, and a committee's agenda kept while it waits.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("effects") as batch:
        batch.add_column(sa.Column("lane", sa.String(16), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(96)))
        batch.add_column(_ts("lease_until"))
        batch.add_column(_ts("attempt_started_at"))
    op.execute("UPDATE effects SET lane = kind")  # ds → ds, email → email
    with op.batch_alter_table("effects") as batch:
        batch.alter_column("lane", existing_type=sa.String(16), nullable=False)
    op.create_index("ix_effects_lane_due", "effects", ["lane", "status", "next_attempt_at"])
    with op.batch_alter_table("committee_sessions") as batch:
        batch.add_column(sa.Column("agenda", JSON))
    op.create_table(
        "run_leases",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("owner", sa.String(96), nullable=False),
        sa.Column("holder", JSON, nullable=False),
        _ts("acquired_at", nullable=False),
        _ts("expires_at", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_run_leases")),
    )
    op.create_table(
        "rate_budgets",
        sa.Column("bucket", sa.String(96), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_rate_budgets")),
    )


def downgrade() -> None:
    op.drop_table("rate_budgets")
    op.drop_table("run_leases")
    with op.batch_alter_table("committee_sessions") as batch:
        batch.drop_column("agenda")
    op.drop_index("ix_effects_lane_due", table_name="effects")
    with op.batch_alter_table("effects") as batch:
        batch.drop_column("attempt_started_at")
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
        batch.drop_column("lane")
