"""Initial store: démarches, dossiers, sync states, quarantine, sync runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "demarches",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("ds_id", sa.String(64)),
        sa.Column("title", sa.Text()),
        sa.Column("state", sa.String(32)),
        sa.Column("revision_id", sa.String(64)),
        sa.Column("descriptors", JSON),
        _ts("revision_checked_at"),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_demarches")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _ts("started_at", nullable=False),
        _ts("finished_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ds_id", sa.String(64), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("demarche_number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        _ts("date_depot"),
        _ts("ds_updated_at"),
        _ts("date_passage_en_instruction"),
        _ts("date_traitement"),
        sa.Column("applicant", JSON, nullable=False),
        sa.Column("groupe_instructeur", JSON),
        sa.Column("labels", JSON, nullable=False),
        sa.Column("champs", JSON, nullable=False),
        sa.Column("annotations", JSON, nullable=False),
        sa.Column("fields", JSON),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        _ts("hidden_at"),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        _ts("deleted_at"),
        sa.Column("deletion_reason", sa.String(32)),
        _ts("first_seen_at", nullable=False),
        _ts("synced_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["demarche_number"], ["demarches.number"],
            name=op.f("fk_dossiers_demarche_number_demarches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("ds_id", name=op.f("uq_dossiers_ds_id")),
        sa.UniqueConstraint("number", name=op.f("uq_dossiers_number")),
    )
    op.create_index(
        op.f("ix_dossiers_demarche_number"), "dossiers", ["demarche_number"], unique=False
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demarche_number", sa.Integer(), nullable=False),
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.String(128)),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        _ts("first_seen_at", nullable=False),
        _ts("last_seen_at", nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        _ts("released_at"),
        sa.ForeignKeyConstraint(
            ["demarche_number"], ["demarches.number"],
            name=op.f("fk_quarantine_demarche_number_demarches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    op.create_index(
        "uq_quarantine_dossier", "quarantine", ["demarche_number", "dossier_number"], unique=True
    )
    op.create_table(
        "sync_states",
        sa.Column("demarche_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stream", sa.String(32), nullable=False),
        _ts("anchor", nullable=False),
        sa.Column("cursor", sa.Text()),
        sa.Column("pages", sa.Integer(), nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["demarche_number"], ["demarches.number"],
            name=op.f("fk_sync_states_demarche_number_demarches"),
        ),
        sa.PrimaryKeyConstraint("demarche_number", "stream", name=op.f("pk_sync_states")),
    )


def downgrade() -> None:
    op.drop_table("sync_states")
    op.drop_index("uq_quarantine_dossier", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_index(op.f("ix_dossiers_demarche_number"), table_name="dossiers")
    op.drop_table("dossiers")
    op.drop_table("sync_runs")
    op.drop_table("demarches")
