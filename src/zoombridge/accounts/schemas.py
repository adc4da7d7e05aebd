"""What the accounts API accepts and answers: users with their roles, custom roles, departments.
Never a password or a password hash."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from zoombridge.accounts.permissions import Permission, RoleKind
from zoombridge.kit.text import check_one_line

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(check_one_line),
]
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=255),
    AfterValidator(check_one_line),
]


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    parent_id: uuid.UUID | None = Field(None, description="the department it is part of")


class DepartmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    parent_id: uuid.UUID | None = None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    path: str = Field(description="its place in the tree, e.g. 'Sales / North'")


class CustomRoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    permissions: list[Permission] = Field(description="the named permissions it gives")


class CustomRoleOut(BaseModel):
    id: uuid.UUID
    name: str
    permissions: list[Permission]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    email: EmailStr
    name: PersonName = ""
    password: Annotated[str, StringConstraints(min_length=8, max_length=1024)]
    role: RoleKind = RoleKind.ADMIN
    custom_role_id: uuid.UUID | None = Field(None, description="with role `custom`")
    department_ids: list[uuid.UUID] = Field(
        default_factory=list, description="for a department admin (and optionally a custom role)"
    )


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    name: PersonName | None = None
    role: RoleKind | None = None
    custom_role_id: uuid.UUID | None = None
    department_ids: list[uuid.UUID] | None = None
    password: Annotated[str, StringConstraints(min_length=8, max_length=1024)] | None = None


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: RoleKind
    custom_role_id: uuid.UUID | None
    department_ids: list[uuid.UUID]
    permissions: list[Permission] = Field(description="what the role gives, in effect")
    created_at: datetime


class MeOut(BaseModel):
    """Who the request acts as."""

    user_id: uuid.UUID | None
    email: str
    role: RoleKind
    permissions: list[Permission]
    department_ids: list[uuid.UUID] | None = Field(description="null: every department")


# --- API tokens ---------------------------------------------------------------------------

TokenName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(check_one_line),
]
TokenState = Literal["active", "expired", "revoked"]


class ApiTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TokenName = Field(description="what the token is for, e.g. 'shop'")
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="null: never expires. A token made with a token that expires never "
        "outlives it.",
    )
    user_id: uuid.UUID | None = Field(
        default=None,
        description="whose token (needs manage_users); null: the caller's own user",
    )


class ApiTokenOut(BaseModel):
    """A token as listed: never its value (only its first characters)."""

    id: uuid.UUID
    name: str
    prefix: str = Field(description="its first characters, to recognise it")
    user_id: uuid.UUID | None = Field(description="null: a server operator's token (owner)")
    user_email: str | None
    state: TokenState
    created_at: datetime
    last_used_at: datetime | None = Field(description="to a few minutes' precision")
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="the token itself: shown this once, only its hash is kept")
