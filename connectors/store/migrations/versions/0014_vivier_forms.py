"""The vivier démarche's forms as read: the vivier entry each answers, what it changes,
or the field and the rule that keep it from counting.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "vivier_forms",
        sa.Column("form_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("dossier_number", sa.BigInteger()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stays", sa.Boolean()),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("problem_field", sa.String(128)),
        sa.Column("problem", sa.Text()),
        _ts("answered_at"),
        _ts("form_updated_at"),
        _ts("recorded_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("form_number", name=op.f("pk_vivier_forms")),
    )
    op.create_index(op.f("ix_vivier_forms_dossier_number"), "vivier_forms",
                    ["dossier_number"])


def downgrade() -> None:
    op.drop_index(op.f("ix_vivier_forms_dossier_number"), table_name="vivier_forms")
    op.drop_table("vivier_forms")
