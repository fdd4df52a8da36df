"""The outbox (every side effect is first a row with an idempotency key), and the date of
the applicant's last change to a dossier's answers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "effects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("result", JSON),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        _ts("next_attempt_at", nullable=False),
        _ts("delivered_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effects")),
        sa.UniqueConstraint("key", name=op.f("uq_effects_key")),
    )
    op.create_index(op.f("ix_effects_status"), "effects", ["status"], unique=False)
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(_ts("champs_updated_at"))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("champs_updated_at")
    op.drop_index(op.f("ix_effects_status"), table_name="effects")
    op.drop_table("effects")
