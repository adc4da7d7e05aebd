"""HubSpot sync (issue 12): HubSpot connections (access token, workflow secret and API key
encrypted), webinars pushed as marketing events, contacts as sent (with tombstones),
participations as sent, and inbound workflow calls.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:40:02.669510
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hubspot_connections",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("hub_id", sa.String(length=32), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column(
            "tier",
            sa.Enum(
                "free",
                "starter",
                "professional",
                "enterprise",
                name="tier",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("api_limit_pack", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("api_url", sa.String(length=255), nullable=True),
        sa.Column("external_account_id", sa.String(length=64), nullable=False),
        sa.Column("push_enabled", sa.Boolean(), nullable=False),
        sa.Column("workflow_app_secret", sa.Text(), nullable=True),
        sa.Column("workflow_api_key_name", sa.String(length=64), nullable=True),
        sa.Column("workflow_api_key", sa.Text(), nullable=True),
        sa.Column("workflow_webinar_field", sa.String(length=64), nullable=False),
        sa.Column("test_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_test_ok", sa.Boolean(), nullable=True),
        sa.Column("last_test_error", sa.Text(), nullable=True),
        sa.Column("missing_scopes", sa.JSON(), nullable=False),
        sa.Column("setup_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("setup_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("setup_error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "tier IN ('free', 'starter', 'professional', 'enterprise')",
            name=op.f("ck_hubspot_connections_tier"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubspot_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_hubspot_connections_name")),
    )
    op.create_table(
        "hubspot_contacts",
        sa.Column("hubspot_connection_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("hubspot_id", sa.String(length=32), nullable=True),
        sa.Column("sent_properties", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_in_hubspot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_hubspot_contacts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hubspot_connection_id"],
            ["hubspot_connections.id"],
            name=op.f("fk_hubspot_contacts_hubspot_connection_id_hubspot_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubspot_contacts")),
        sa.UniqueConstraint(
            "hubspot_connection_id",
            "contact_id",
            name=op.f("uq_hubspot_contacts_hubspot_connection_id_contact_id"),
        ),
    )
    with op.batch_alter_table("hubspot_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hubspot_contacts_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hubspot_contacts_hubspot_connection_id"),
            ["hubspot_connection_id"],
            unique=False,
        )

    op.create_table(
        "hubspot_participations",
        sa.Column("hubspot_connection_id", sa.Uuid(), nullable=False),
        sa.Column("webinar_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("register", "attend", "cancel", name="participationstate", native_enum=False),
            nullable=False,
        ),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hubspot_contact_id", sa.BigInteger(), nullable=True),
        sa.Column("not_sent", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('register', 'attend', 'cancel')",
            name=op.f("ck_hubspot_participations_state"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_hubspot_participations_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hubspot_connection_id"],
            ["hubspot_connections.id"],
            name=op.f("fk_hubspot_participations_hubspot_connection_id_hubspot_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webinar_id"],
            ["contact_webinars.id"],
            name=op.f("fk_hubspot_participations_webinar_id_contact_webinars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubspot_participations")),
        sa.UniqueConstraint(
            "hubspot_connection_id",
            "webinar_id",
            "contact_id",
            "state",
            name=op.f(
                "uq_hubspot_participations_hubspot_connection_id_webinar_id_contact_id_state"
            ),
        ),
    )
    with op.batch_alter_table("hubspot_participations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hubspot_participations_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_hubspot_participations_unsent",
            ["hubspot_connection_id", "webinar_id", "sent_at"],
            unique=False,
        )

    op.create_table(
        "hubspot_webinar_pushes",
        sa.Column("hubspot_connection_id", sa.Uuid(), nullable=False),
        sa.Column("webinar_id", sa.Uuid(), nullable=False),
        sa.Column("push_due", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("due_version", sa.Integer(), nullable=False),
        sa.Column("seen_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_sent", sa.JSON(), nullable=True),
        sa.Column("event_end_sent", sa.String(length=16), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["hubspot_connection_id"],
            ["hubspot_connections.id"],
            name=op.f("fk_hubspot_webinar_pushes_hubspot_connection_id_hubspot_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webinar_id"],
            ["contact_webinars.id"],
            name=op.f("fk_hubspot_webinar_pushes_webinar_id_contact_webinars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubspot_webinar_pushes")),
        sa.UniqueConstraint(
            "hubspot_connection_id",
            "webinar_id",
            name=op.f("uq_hubspot_webinar_pushes_hubspot_connection_id_webinar_id"),
        ),
    )
    with op.batch_alter_table("hubspot_webinar_pushes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hubspot_webinar_pushes_hubspot_connection_id"),
            ["hubspot_connection_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_hubspot_webinar_pushes_not_before"), ["not_before"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hubspot_webinar_pushes_push_due"), ["push_due"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hubspot_webinar_pushes_webinar_id"), ["webinar_id"], unique=False
        )

    op.create_table(
        "hubspot_workflow_calls",
        sa.Column("hubspot_connection_id", sa.Uuid(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hubspot_object_id", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("zoom_webinar_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum("accepted", "refused", name="workflowoutcome", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("register_request_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('accepted', 'refused')", name=op.f("ck_hubspot_workflow_calls_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["hubspot_connection_id"],
            ["hubspot_connections.id"],
            name=op.f("fk_hubspot_workflow_calls_hubspot_connection_id_hubspot_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["register_request_id"],
            ["contact_register_requests.id"],
            name=op.f("fk_hubspot_workflow_calls_register_request_id_contact_register_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubspot_workflow_calls")),
    )
    with op.batch_alter_table("hubspot_workflow_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hubspot_workflow_calls_hubspot_connection_id"),
            ["hubspot_connection_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_hubspot_workflow_calls_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hubspot_workflow_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubspot_workflow_calls_received_at"))
        batch_op.drop_index(batch_op.f("ix_hubspot_workflow_calls_hubspot_connection_id"))

    op.drop_table("hubspot_workflow_calls")
    with op.batch_alter_table("hubspot_webinar_pushes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubspot_webinar_pushes_webinar_id"))
        batch_op.drop_index(batch_op.f("ix_hubspot_webinar_pushes_push_due"))
        batch_op.drop_index(batch_op.f("ix_hubspot_webinar_pushes_not_before"))
        batch_op.drop_index(batch_op.f("ix_hubspot_webinar_pushes_hubspot_connection_id"))

    op.drop_table("hubspot_webinar_pushes")
    with op.batch_alter_table("hubspot_participations", schema=None) as batch_op:
        batch_op.drop_index("ix_hubspot_participations_unsent")
        batch_op.drop_index(batch_op.f("ix_hubspot_participations_contact_id"))

    op.drop_table("hubspot_participations")
    with op.batch_alter_table("hubspot_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubspot_contacts_hubspot_connection_id"))
        batch_op.drop_index(batch_op.f("ix_hubspot_contacts_contact_id"))

    op.drop_table("hubspot_contacts")
    op.drop_table("hubspot_connections")
