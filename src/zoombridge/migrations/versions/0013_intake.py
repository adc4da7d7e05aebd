"""Order intake whose cost does not grow with the event: a seat count kept on the event (so
an order never counts attendees) and an (event, email) index for the per-person lookups.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Distinct people holding a seat: active attendees of completed orders, one per email.
_BACKFILL = """
UPDATE events SET seats_taken = (
    SELECT count(DISTINCT attendees.email)
    FROM attendees JOIN orders ON orders.id = attendees.order_id
    WHERE attendees.event_id = events.id
      AND attendees.cancelled_at IS NULL
      AND orders.status = 'completed'
)
"""


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("seats_taken", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    op.execute(_BACKFILL)
    op.create_index("ix_attendees_event_id_email", "attendees", ["event_id", "email"])


def downgrade() -> None:
    op.drop_index("ix_attendees_event_id_email", table_name="attendees")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("seats_taken")
