"""Rate slots and daily usage shared by every worker process (scale-out on PostgreSQL).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:21:08.718863
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_usage",
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("cap_key", sa.String(length=160), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "cap_key", "day", name=op.f("pk_daily_usage")),
    )
    op.create_table(
        "rate_slots",
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "category", name=op.f("pk_rate_slots")),
    )


def downgrade() -> None:
    op.drop_table("rate_slots")
    op.drop_table("daily_usage")
