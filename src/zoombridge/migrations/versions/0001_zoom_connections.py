"""Zoom connections: Server-to-Server OAuth credentials per Zoom account.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "zoom_connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        # Fernet tokens (encrypted at rest), never plaintext.
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("webhook_secret_token", sa.Text(), nullable=True),
        sa.Column("plan", sa.String(length=16), nullable=False),
        sa.Column("webinar_addon", sa.Boolean(), nullable=False),
        sa.Column("api_url", sa.String(length=255), nullable=True),
        sa.Column("oauth_url", sa.String(length=255), nullable=True),
        sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_test_ok", sa.Boolean(), nullable=True),
        sa.Column("last_test_error", sa.Text(), nullable=True),
        sa.Column("granted_scopes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "plan IN ('free', 'pro', 'business')", name=op.f("ck_zoom_connections_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zoom_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_zoom_connections_name")),
    )
    op.create_index(
        op.f("ix_zoom_connections_account_id"), "zoom_connections", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_zoom_connections_account_id"), table_name="zoom_connections")
    op.drop_table("zoom_connections")
