"""Hearings: requests with their window, booked slots, jury availability, jury scores.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "hearing_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(32), nullable=False),
        sa.Column("dossier_number", sa.BigInteger(), nullable=False),
        sa.Column("hearing_type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("earliest", nullable=False),
        _ts("latest", nullable=False),
        sa.Column("reason", sa.Text()),
        _ts("requested_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_requests")),
    )
    op.create_index("uq_hearing_requests_track_dossier", "hearing_requests",
                    ["track", "dossier_number"], unique=True)
    op.create_table(
        "hearing_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        _ts("start", nullable=False),
        _ts("end", nullable=False),
        sa.Column("jury", JSON, nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancel_reason", sa.Text()),
        _ts("created_at", nullable=False),
        _ts("cancelled_at"),
        sa.ForeignKeyConstraint(["request_id"], ["hearing_requests.id"],
                                name=op.f("fk_hearing_slots_request_id_hearing_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_slots")),
    )
    op.create_index(op.f("ix_hearing_slots_request_id"), "hearing_slots", ["request_id"])
    op.create_table(
        "jury_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        _ts("start", nullable=False),
        _ts("end", nullable=False),
        _ts("imported_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_availability")),
    )
    op.create_index(op.f("ix_jury_availability_email"), "jury_availability", ["email"])
    op.create_table(
        "hearing_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("juror", sa.String(320), nullable=False),
        sa.Column("scores", JSON, nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("source", sa.String(64), nullable=False),
        _ts("imported_at", nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["hearing_requests.id"],
                                name=op.f("fk_hearing_scores_request_id_hearing_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_scores")),
    )
    op.create_index("uq_hearing_scores_request_juror", "hearing_scores",
                    ["request_id", "juror"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_hearing_scores_request_juror", table_name="hearing_scores")
    op.drop_table("hearing_scores")
    op.drop_index(op.f("ix_jury_availability_email"), table_name="jury_availability")
    op.drop_table("jury_availability")
    op.drop_index(op.f("ix_hearing_slots_request_id"), table_name="hearing_slots")
    op.drop_table("hearing_slots")
    op.drop_index("uq_hearing_requests_track_dossier", table_name="hearing_requests")
    op.drop_table("hearing_requests")
