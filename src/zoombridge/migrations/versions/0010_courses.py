"""Courses and results (issue 10, L2–L5, E10): organisations, groups, courses, learners,
providers, course events with enrolment, learners' sign-in links and tokens; completion rules,
participant assignments, overrides, LRS settings and xAPI statements. Events gain where their
registrations come from, own meetings per session, a department and topics taken from Zoom;
attendance marks keep Zoom's registrant id.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:36:06.859070
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lrs_settings",
        sa.Column("endpoint", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("activity_base", sa.String(length=255), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lrs_settings")),
    )
    op.create_table(
        "courses",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_courses_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_courses_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "learner_groups",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_learner_groups_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_groups")),
    )
    with op.batch_alter_table("learner_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learner_groups_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "organisations",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("tax_number", sa.String(length=32), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_organisations_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisations_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "providers",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "service",
            sa.Enum("zoom", name="providerservice", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("host_email", sa.String(length=255), nullable=False),
        sa.Column(
            "default_kind",
            sa.Enum("meeting", "webinar", name="zoomkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("webinars_available", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "default_kind IN ('meeting', 'webinar')", name=op.f("ck_providers_default_kind")
        ),
        sa.CheckConstraint("service IN ('zoom')", name=op.f("ck_providers_service")),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["zoom_connections.id"],
            name=op.f("fk_providers_connection_id_zoom_connections"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("name", name=op.f("uq_providers_name")),
    )
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_providers_connection_id"), ["connection_id"], unique=False
        )

    op.create_table(
        "course_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=True),
        sa.Column("trainer_name", sa.String(length=255), nullable=False),
        sa.Column("trainer_email", sa.String(length=255), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_events_course_id_courses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_course_events_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_course_events_provider_id_providers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_course_events")),
    )
    with op.batch_alter_table("course_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_events_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_course_events_provider_id"), ["provider_id"], unique=False
        )

    op.create_table(
        "learners",
        sa.Column("email", sa.String(length=128), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("last_name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.String(length=255), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_learners_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_learners_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learners")),
        sa.UniqueConstraint("email", name=op.f("uq_learners_email")),
    )
    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learners_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_learners_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "completion_rules",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("min_percent", sa.Integer(), nullable=True),
        sa.Column("min_minutes", sa.Integer(), nullable=True),
        sa.Column("both", sa.Boolean(), nullable=False),
        sa.Column(
            "course_rule",
            sa.Enum("sessions", "minutes", name="courserulekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("min_sessions", sa.Integer(), nullable=True),
        sa.Column("min_total_percent", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "course_rule IN ('sessions', 'minutes')", name=op.f("ck_completion_rules_course_rule")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["course_events.event_id"],
            name=op.f("fk_completion_rules_event_id_course_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_completion_rules")),
    )
    op.create_table(
        "course_learners",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_learners_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_course_learners_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "learner_id", name=op.f("pk_course_learners")),
    )
    with op.batch_alter_table("course_learners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_learners_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "enrolments",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["course_events.event_id"],
            name=op.f("fk_enrolments_event_id_course_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_enrolments_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "event_id", "learner_id", name=op.f("uq_enrolments_event_id_learner_id")
        ),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_learner_id"), ["learner_id"], unique=False)

    op.create_table(
        "learner_group_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["learner_groups.id"],
            name=op.f("fk_learner_group_members_group_id_learner_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_learner_group_members_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "learner_id", name=op.f("pk_learner_group_members")),
    )
    with op.batch_alter_table("learner_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learner_group_members_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "learner_sign_ins",
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_learner_sign_ins_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_sign_ins")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_learner_sign_ins_token_hash")),
    )
    with op.batch_alter_table("learner_sign_ins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learner_sign_ins_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "learner_tokens",
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_learner_tokens_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_learner_tokens_token_hash")),
    )
    with op.batch_alter_table("learner_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learner_tokens_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "participant_assignments",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("person_key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_by", sa.String(length=255), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["course_events.event_id"],
            name=op.f("fk_participant_assignments_event_id_course_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_participant_assignments_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_assignments")),
        sa.UniqueConstraint(
            "event_id", "person_key", name=op.f("uq_participant_assignments_event_id_person_key")
        ),
    )
    with op.batch_alter_table("participant_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_assignments_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_assignments_learner_id"), ["learner_id"], unique=False
        )

    op.create_table(
        "result_overrides",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_email", sa.String(length=255), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["course_events.event_id"],
            name=op.f("fk_result_overrides_event_id_course_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_result_overrides_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_overrides")),
    )
    with op.batch_alter_table("result_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_result_overrides_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_result_overrides_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_result_overrides_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "xapi_progress",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["course_events.event_id"],
            name=op.f("fk_xapi_progress_event_id_course_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_progress")),
        sa.UniqueConstraint("event_id", name=op.f("uq_xapi_progress_event_id")),
    )
    with op.batch_alter_table("xapi_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_xapi_progress_not_before"), ["not_before"], unique=False
        )

    op.create_table(
        "xapi_statements",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("verb", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending", "sent", "failed", name="statementstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
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
            "state IN ('pending', 'sent', 'failed')", name=op.f("ck_xapi_statements_state")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["course_events.event_id"],
            name=op.f("fk_xapi_statements_event_id_course_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_xapi_statements_learner_id_learners"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_statements")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_xapi_statements_dedupe_key")),
    )
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_xapi_statements_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_xapi_statements_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_xapi_statements_not_before"), ["not_before"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_xapi_statements_state"), ["state"], unique=False)

    with op.batch_alter_table("attendance_marks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("registrant_id", sa.String(length=64), nullable=False, server_default="")
        )

    with op.batch_alter_table("event_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zoom_topic", sa.String(length=255), nullable=True))

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "own_session_meetings", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column(
                "registrations_from",
                sa.Enum(
                    "orders", "enrolment", name="registrationsource", native_enum=False, length=16
                ),
                nullable=False,
                server_default="orders",
            )
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_events_registrations_from"),
            "registrations_from IN ('orders', 'enrolment')",
        )
        batch_op.add_column(
            sa.Column("topic_from_zoom", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("department_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_events_department_id"), ["department_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_events_department_id_departments"),
            "departments",
            ["department_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_events_department_id_departments"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_events_department_id"))
        batch_op.drop_column("department_id")
        batch_op.drop_column("topic_from_zoom")
        batch_op.drop_constraint(batch_op.f("ck_events_registrations_from"), type_="check")
        batch_op.drop_column("registrations_from")
        batch_op.drop_column("own_session_meetings")

    with op.batch_alter_table("event_sessions", schema=None) as batch_op:
        batch_op.drop_column("zoom_topic")

    with op.batch_alter_table("attendance_marks", schema=None) as batch_op:
        batch_op.drop_column("registrant_id")

    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_statements_state"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_not_before"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_learner_id"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_event_id"))

    op.drop_table("xapi_statements")
    with op.batch_alter_table("xapi_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_progress_not_before"))

    op.drop_table("xapi_progress")
    with op.batch_alter_table("result_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_overrides_session_id"))
        batch_op.drop_index(batch_op.f("ix_result_overrides_learner_id"))
        batch_op.drop_index(batch_op.f("ix_result_overrides_event_id"))

    op.drop_table("result_overrides")
    with op.batch_alter_table("participant_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_assignments_learner_id"))
        batch_op.drop_index(batch_op.f("ix_participant_assignments_event_id"))

    op.drop_table("participant_assignments")
    with op.batch_alter_table("learner_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_tokens_learner_id"))

    op.drop_table("learner_tokens")
    with op.batch_alter_table("learner_sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_sign_ins_learner_id"))

    op.drop_table("learner_sign_ins")
    with op.batch_alter_table("learner_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_group_members_learner_id"))

    op.drop_table("learner_group_members")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_learner_id"))
        batch_op.drop_index(batch_op.f("ix_enrolments_event_id"))

    op.drop_table("enrolments")
    with op.batch_alter_table("course_learners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_learners_learner_id"))

    op.drop_table("course_learners")
    op.drop_table("completion_rules")
    with op.batch_alter_table("learners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learners_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_learners_department_id"))

    op.drop_table("learners")
    with op.batch_alter_table("course_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_events_provider_id"))
        batch_op.drop_index(batch_op.f("ix_course_events_course_id"))

    op.drop_table("course_events")
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_providers_connection_id"))

    op.drop_table("providers")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_department_id"))

    op.drop_table("organisations")
    with op.batch_alter_table("learner_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_groups_department_id"))

    op.drop_table("learner_groups")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_department_id"))

    op.drop_table("courses")
    op.drop_table("lrs_settings")
