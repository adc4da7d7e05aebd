"""Roles (L1): a role per user (existing users become owners), custom roles built from named
permissions, and departments (a tree) with the users who act in them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:16:48.970443
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custom_roles",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_custom_roles_name")),
    )
    op.create_table(
        "departments",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["departments.id"],
            name=op.f("fk_departments_parent_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
    )
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_departments_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "user_departments",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_user_departments_department_id_departments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_departments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "department_id", name=op.f("pk_user_departments")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        # Everyone who could sign in before roles existed could do everything: an owner.
        batch_op.add_column(
            sa.Column(
                "role",
                sa.Enum(
                    "owner",
                    "admin",
                    "department_admin",
                    "custom",
                    name="rolekind",
                    native_enum=False,
                    length=32,
                ),
                nullable=False,
                server_default="owner",
            )
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_users_role"), "role IN ('owner', 'admin', 'department_admin', 'custom')"
        )
        batch_op.add_column(sa.Column("custom_role_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_users_custom_role_id"), ["custom_role_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_users_custom_role_id_custom_roles"),
            "custom_roles",
            ["custom_role_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("role", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_users_custom_role_id_custom_roles"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.drop_index(batch_op.f("ix_users_custom_role_id"))
        batch_op.drop_column("custom_role_id")
        batch_op.drop_column("role")

    op.drop_table("user_departments")
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_departments_parent_id"))

    op.drop_table("departments")
    op.drop_table("custom_roles")
