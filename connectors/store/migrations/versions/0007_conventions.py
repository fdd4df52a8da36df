"""Convention drafts of the lauréat projects, versioned.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "conventions",
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("numero", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("overrides", JSON, nullable=False),
        sa.Column("session_id", sa.Integer()),
        sa.Column("problem", sa.Text()),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["committee_sessions.id"],
                                name=op.f("fk_conventions_session_id_committee_sessions")),
        sa.PrimaryKeyConstraint("dossier_number", name=op.f("pk_conventions")),
        sa.UniqueConstraint("numero", name=op.f("uq_conventions_numero")),
    )
    op.create_table(
        "convention_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("docx", sa.LargeBinary(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("files", JSON, nullable=False),
        _ts("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_number"], ["conventions.dossier_number"],
            name=op.f("fk_convention_versions_dossier_number_conventions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_convention_versions")),
    )
    op.create_index("uq_convention_versions_dossier_version", "convention_versions",
                    ["dossier_number", "version"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_convention_versions_dossier_version", table_name="convention_versions")
    op.drop_table("convention_versions")
    op.drop_table("conventions")
