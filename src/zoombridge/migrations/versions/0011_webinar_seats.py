"""The webinar add-on's size per Zoom connection (100 … 10,000 attendees), enforced with the
event's capacity.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("zoom_connections") as batch:
        batch.add_column(sa.Column("webinar_seats", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("zoom_connections") as batch:
        batch.drop_column("webinar_seats")
