"""Committee sessions (proposals, approval, the sealed relevé) and the vivier.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "committee_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(32), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("flow_run_id", sa.String(64)),
        sa.Column("proposals", JSON, nullable=False),
        sa.Column("decisions", JSON),
        sa.Column("draft_seal", sa.String(64)),
        sa.Column("seal", sa.String(64)),
        sa.Column("files", JSON, nullable=False),
        sa.Column("approved_by", sa.Text()),
        _ts("created_at", nullable=False),
        _ts("approved_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_sessions")),
    )
    op.create_index("uq_committee_sessions_track_date", "committee_sessions",
                    ["track", "session_date"], unique=True)
    op.create_table(
        "vivier",
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("session_id", sa.Integer()),
        _ts("joined_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["committee_sessions.id"],
                                name=op.f("fk_vivier_session_id_committee_sessions")),
        sa.PrimaryKeyConstraint("dossier_number", name=op.f("pk_vivier")),
    )


def downgrade() -> None:
    op.drop_table("vivier")
    op.drop_index("uq_committee_sessions_track_date", table_name="committee_sessions")
    op.drop_table("committee_sessions")
