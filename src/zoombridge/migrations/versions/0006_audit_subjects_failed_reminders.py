"""Audit entries filed under subjects (kind + id) instead of one column per domain; reminders
that could not be fired stop as `failed`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The audit log's old columns and the subject kind each becomes.
_SUBJECT_COLUMNS = {
    "connection_id": "connection",
    "event_id": "event",
    "order_id": "order",
    "attendee_id": "attendee",
    "registration_id": "registration",
    "link_id": "link",
    "booking_id": "booking",
    "email_id": "email",
}
_OLD_REMINDER_STATES = "state IN ('planned', 'queued', 'cancelled')"
_NEW_REMINDER_STATES = "state IN ('planned', 'queued', 'cancelled', 'failed')"


def upgrade() -> None:
    op.create_table(
        "audit_subjects",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["audit_log.id"],
            name=op.f("fk_audit_subjects_entry_id_audit_log"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "kind", name=op.f("pk_audit_subjects")),
    )
    with op.batch_alter_table("audit_subjects", schema=None) as batch_op:
        batch_op.create_index("ix_audit_subjects_kind_subject", ["kind", "subject_id"])

    for column, kind in _SUBJECT_COLUMNS.items():
        op.execute(
            sa.text(
                f"INSERT INTO audit_subjects (entry_id, kind, subject_id) "  # noqa: S608
                f"SELECT id, '{kind}', {column} FROM audit_log WHERE {column} IS NOT NULL"
            )
        )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        for column in _SUBJECT_COLUMNS:
            batch_op.drop_index(batch_op.f(f"ix_audit_log_{column}"))
        for column in _SUBJECT_COLUMNS:
            batch_op.drop_column(column)

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reminders_state"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_reminders_state"), _NEW_REMINDER_STATES)


def downgrade() -> None:
    op.execute(sa.text("UPDATE reminders SET state = 'cancelled' WHERE state = 'failed'"))
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reminders_state"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_reminders_state"), _OLD_REMINDER_STATES)

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        for column in _SUBJECT_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Uuid(), nullable=True))
        for column in _SUBJECT_COLUMNS:
            batch_op.create_index(batch_op.f(f"ix_audit_log_{column}"), [column], unique=False)
    for column, kind in _SUBJECT_COLUMNS.items():
        op.execute(
            sa.text(
                f"UPDATE audit_log SET {column} = (SELECT subject_id FROM audit_subjects "  # noqa: S608
                f"WHERE audit_subjects.entry_id = audit_log.id AND kind = '{kind}')"
            )
        )
    with op.batch_alter_table("audit_subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_subjects_kind_subject")
    op.drop_table("audit_subjects")
