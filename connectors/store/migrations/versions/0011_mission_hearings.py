"""A mission's hearings name their mission in a column of their own: the track is
« missions » and ``mission_id`` the mission (0 for the hearings of the projects and
candidates tracks), instead of a track « mission-<id> ».

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PREFIX = "mission-"


def upgrade() -> None:
    with op.batch_alter_table("hearing_requests") as batch:
        batch.add_column(sa.Column("mission_id", sa.Integer(), nullable=False,
                                   server_default="0"))
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, track FROM hearing_requests WHERE track LIKE 'mission-%'")).fetchall()
    for row_id, track in rows:
        connection.execute(sa.text(
            "UPDATE hearing_requests SET track = 'missions', mission_id = :mission "
            "WHERE id = :id"), {"mission": int(track[len(OLD_PREFIX):]), "id": row_id})
    op.drop_index("uq_hearing_requests_track_dossier", table_name="hearing_requests")
    op.create_index("uq_hearing_requests_track_dossier", "hearing_requests",
                    ["track", "dossier_number", "mission_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_hearing_requests_track_dossier", table_name="hearing_requests")
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, mission_id FROM hearing_requests WHERE track = 'missions'")).fetchall()
    for row_id, mission in rows:
        connection.execute(sa.text("UPDATE hearing_requests SET track = :track WHERE id = :id"),
                           {"track": f"{OLD_PREFIX}{mission}", "id": row_id})
    op.create_index("uq_hearing_requests_track_dossier", "hearing_requests",
                    ["track", "dossier_number"], unique=True)
    with op.batch_alter_table("hearing_requests") as batch:
        batch.drop_column("mission_id")
