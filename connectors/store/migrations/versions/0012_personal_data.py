"""Personal data's lifecycle (RGPD): when a dossier was pseudonymised, when an evaluator
left the roster, when a vivier candidate last consented, and the log of purges and
erasures (without the data).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(_ts("pseudonymised_at"))
    with op.batch_alter_table("evaluators") as batch:
        batch.add_column(_ts("retired_at"))
    with op.batch_alter_table("vivier") as batch:
        batch.add_column(_ts("consent_at"))
    # evaluators already retired: their retention runs from this migration
    op.execute(sa.text("UPDATE evaluators SET retired_at = CURRENT_TIMESTAMP "
                       "WHERE active = false"))
    op.create_table(
        "personal_data_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("done_at", nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("data_class", sa.String(48), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("refs", JSON, nullable=False),
        sa.Column("flow_run_id", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_actions")),
    )
    op.create_index(op.f("ix_personal_data_actions_done_at"), "personal_data_actions",
                    ["done_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_personal_data_actions_done_at"), table_name="personal_data_actions")
    op.drop_table("personal_data_actions")
    with op.batch_alter_table("vivier") as batch:
        batch.drop_column("consent_at")
    with op.batch_alter_table("evaluators") as batch:
        batch.drop_column("retired_at")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("pseudonymised_at")
