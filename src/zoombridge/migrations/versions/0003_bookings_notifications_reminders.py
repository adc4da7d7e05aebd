"""Bookings (services, employees), notifications (SMTP settings, templates, outbox), reminders;
audit entries gain booking and email ids; events gain ticket emails and reminder offsets;
connections gain the booking passcode switch.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:15:14.069469
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_templates",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_templates")),
        sa.UniqueConstraint("key", name=op.f("uq_email_templates_key")),
    )
    op.create_table(
        "outbound_emails",
        sa.Column("template_key", sa.String(length=64), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("customer", "staff", name="audience", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("to_address", sa.String(length=255), nullable=False),
        sa.Column("to_name", sa.String(length=255), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                "cancelled",
                name="emailstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("attendee_id", sa.Uuid(), nullable=True),
        sa.Column("reminder_id", sa.Uuid(), nullable=True),
        sa.Column("wait_for_version", sa.Integer(), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "audience IN ('customer', 'staff')", name=op.f("ck_outbound_emails_audience")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'failed', 'cancelled')",
            name=op.f("ck_outbound_emails_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_emails")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbound_emails_dedupe_key")),
    )
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_emails_attendee_id"), ["attendee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_emails_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbound_emails_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbound_emails_not_before"), ["not_before"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_emails_reminder_id"), ["reminder_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbound_emails_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_emails_state"), ["state"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("target_key", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("offset", sa.String(length=4), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "planned", "queued", "cancelled", name="reminderstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('planned', 'queued', 'cancelled')", name=op.f("ck_reminders_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "target_key", "offset", "start_at", name=op.f("uq_reminders_target_key_offset_start_at")
        ),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_state"), ["state"], unique=False)

    op.create_table(
        "smtp_settings",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column(
            "security",
            sa.Enum("none", "starttls", "tls", name="smtpsecurity", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("from_address", sa.String(length=255), nullable=False),
        sa.Column("from_name", sa.String(length=120), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "security IN ('none', 'starttls', 'tls')", name=op.f("ck_smtp_settings_security")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smtp_settings")),
    )
    op.create_table(
        "employees",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("zoom_user_id", sa.String(length=64), nullable=True),
        sa.Column("zoom_user_email", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["zoom_connections.id"],
            name=op.f("fk_employees_connection_id_zoom_connections"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("email", name=op.f("uq_employees_email")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_employees_connection_id"), ["connection_id"], unique=False
        )

    op.create_table(
        "services",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("zoom_enabled", sa.Boolean(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("topic_template", sa.String(length=255), nullable=False),
        sa.Column("description_template", sa.Text(), nullable=False),
        sa.Column("passcode_enabled", sa.Boolean(), nullable=False),
        sa.Column("reminder_offsets", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["zoom_connections.id"],
            name=op.f("fk_services_connection_id_zoom_connections"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("name", name=op.f("uq_services_name")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_services_connection_id"), ["connection_id"], unique=False
        )

    op.create_table(
        "bookings",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("confirmed", "cancelled", name="bookingstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("customer_first_name", sa.String(length=64), nullable=False),
        sa.Column("customer_last_name", sa.String(length=64), nullable=False),
        sa.Column("customer_email", sa.String(length=255), nullable=False),
        sa.Column("customer_phone", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("reminder_offsets", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "meeting_want",
            sa.Enum("present", "absent", name="linkwant", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column(
            "meeting_state",
            sa.Enum(
                "pending",
                "synced",
                "failed",
                "deleted",
                name="linkstate",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("desired_version", sa.Integer(), nullable=False),
        sa.Column("synced_version", sa.Integer(), nullable=False),
        sa.Column("passcode", sa.String(length=10), nullable=True),
        sa.Column("zoom_meeting_id", sa.BigInteger(), nullable=True),
        sa.Column("zoom_host_id", sa.String(length=64), nullable=True),
        sa.Column("join_url", sa.Text(), nullable=True),
        sa.Column("confirmed_start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meeting_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "meeting_state IN ('pending', 'synced', 'failed', 'deleted')",
            name=op.f("ck_bookings_meeting_state"),
        ),
        sa.CheckConstraint(
            "meeting_want IN ('present', 'absent')", name=op.f("ck_bookings_meeting_want")
        ),
        sa.CheckConstraint("status IN ('confirmed', 'cancelled')", name=op.f("ck_bookings_status")),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_bookings_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_bookings_service_id_services"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_employee_id"), ["employee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_end_at"), ["end_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bookings_meeting_state"), ["meeting_state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bookings_not_before"), ["not_before"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_start_at"), ["start_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bookings_zoom_meeting_id"), ["zoom_meeting_id"], unique=False
        )

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booking_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("email_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_log_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_email_id"), ["email_id"], unique=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ticket_emails", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("reminder_offsets", sa.JSON(), nullable=False, server_default="[]")
        )

    with op.batch_alter_table("zoom_connections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("booking_passcodes", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("zoom_connections", schema=None) as batch_op:
        batch_op.drop_column("booking_passcodes")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("reminder_offsets")
        batch_op.drop_column("ticket_emails")

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_email_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_booking_id"))
        batch_op.drop_column("email_id")
        batch_op.drop_column("booking_id")

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_zoom_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_start_at"))
        batch_op.drop_index(batch_op.f("ix_bookings_service_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_not_before"))
        batch_op.drop_index(batch_op.f("ix_bookings_meeting_state"))
        batch_op.drop_index(batch_op.f("ix_bookings_end_at"))
        batch_op.drop_index(batch_op.f("ix_bookings_employee_id"))

    op.drop_table("bookings")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_connection_id"))

    op.drop_table("services")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employees_connection_id"))

    op.drop_table("employees")
    op.drop_table("smtp_settings")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_state"))
        batch_op.drop_index(batch_op.f("ix_reminders_event_id"))
        batch_op.drop_index(batch_op.f("ix_reminders_due_at"))
        batch_op.drop_index(batch_op.f("ix_reminders_booking_id"))

    op.drop_table("reminders")
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_emails_state"))
        batch_op.drop_index(batch_op.f("ix_outbound_emails_sent_at"))
        batch_op.drop_index(batch_op.f("ix_outbound_emails_reminder_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_emails_not_before"))
        batch_op.drop_index(batch_op.f("ix_outbound_emails_event_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_emails_booking_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_emails_attendee_id"))

    op.drop_table("outbound_emails")
    op.drop_table("email_templates")
