"""Attendance: join/leave marks per person and instance, and the participant-report pulls.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:32:18.363724
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendance_marks",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("instance_uuid", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "source",
            sa.Enum("webhook", "report", name="marksource", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum("join", "leave", name="markkind", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("connection", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('join', 'leave')", name=op.f("ck_attendance_marks_kind")),
        sa.CheckConstraint(
            "source IN ('webhook', 'report')", name=op.f("ck_attendance_marks_source")
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["meeting_links.id"],
            name=op.f("fk_attendance_marks_link_id_meeting_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_marks")),
        sa.UniqueConstraint(
            "link_id",
            "instance_uuid",
            "person_key",
            "source",
            "kind",
            "at",
            "connection",
            name="uq_attendance_marks_identity",
        ),
    )
    with op.batch_alter_table("attendance_marks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attendance_marks_link_person",
            ["link_id", "instance_uuid", "person_key"],
            unique=False,
        )

    op.create_table(
        "attendance_pulls",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("instance_uuid", sa.String(length=64), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["meeting_links.id"],
            name=op.f("fk_attendance_pulls_link_id_meeting_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_pulls")),
        sa.UniqueConstraint("link_id", "instance_uuid", name="uq_attendance_pulls_instance"),
    )
    with op.batch_alter_table("attendance_pulls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_pulls_done_at"), ["done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendance_pulls_link_id"), ["link_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attendance_pulls_not_before"), ["not_before"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attendance_pulls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_pulls_not_before"))
        batch_op.drop_index(batch_op.f("ix_attendance_pulls_link_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_pulls_done_at"))

    op.drop_table("attendance_pulls")
    with op.batch_alter_table("attendance_marks", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_marks_link_person")

    op.drop_table("attendance_marks")
