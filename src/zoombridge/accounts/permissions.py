"""Who may do what (L1): roles, named permissions, and the actor a request acts as.

Roles:
- **owner**: everything; the first user (`zoombridge user create --role owner`). Only an owner
  makes or removes another owner.
- **admin**: everything, in every department.
- **department admin**: creates and edits events, enrols learners and sees results, but only
  for the people and events of its departments (and the departments below them).
- **custom**: the named permissions chosen for a custom role (a `CustomRole` row), in every
  department, or only in its departments when it has some.

An API token acts with its user's permissions. A token without a user (made with
`zoombridge token create` and no `--user`: an integration set up by whoever runs the server)
acts as an owner.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from zoombridge.errors import Forbidden


class Permission(StrEnum):
    MANAGE_CONNECTIONS = "manage_connections"
    MANAGE_EVENTS = "manage_events"
    MANAGE_ORDERS = "manage_orders"
    MANAGE_BOOKINGS = "manage_bookings"
    ENROL_LEARNERS = "enrol_learners"
    SEE_RESULTS = "see_results"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_CONTACTS = "manage_contacts"


LABELS: dict[Permission, str] = {
    Permission.MANAGE_CONNECTIONS: "Manage Zoom connections and providers",
    Permission.MANAGE_EVENTS: "Create and edit events",
    Permission.MANAGE_ORDERS: "Manage orders, attendees and tickets",
    Permission.MANAGE_BOOKINGS: "Manage bookings, services and staff",
    Permission.ENROL_LEARNERS: "Enrol learners",
    Permission.SEE_RESULTS: "See results and attendance",
    Permission.MANAGE_USERS: "Manage users and roles",
    Permission.MANAGE_SETTINGS: "Manage email settings and templates",
    Permission.MANAGE_CONTACTS: "Manage contacts (CRM)",
}


class RoleKind(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    DEPARTMENT_ADMIN = "department_admin"
    CUSTOM = "custom"


ROLE_LABELS: dict[RoleKind, str] = {
    RoleKind.OWNER: "Owner",
    RoleKind.ADMIN: "Admin",
    RoleKind.DEPARTMENT_ADMIN: "Department admin",
    RoleKind.CUSTOM: "Custom role",
}

ALL = frozenset(Permission)
DEPARTMENT_ADMIN_PERMISSIONS = frozenset(
    {Permission.MANAGE_EVENTS, Permission.ENROL_LEARNERS, Permission.SEE_RESULTS}
)


def describe(permission: Permission) -> str:
    return f"“{LABELS[permission]}” ({permission.value})"


@dataclass(frozen=True)
class Actor:
    """Who a request acts as: its permissions and, when limited, its departments."""

    user_id: uuid.UUID | None
    email: str
    role: RoleKind
    permissions: frozenset[Permission]
    # None: every department. Otherwise the departments it manages, with those below them.
    department_ids: frozenset[uuid.UUID] | None = None

    @classmethod
    def owner(cls, email: str = "", user_id: uuid.UUID | None = None) -> Actor:
        return cls(user_id=user_id, email=email, role=RoleKind.OWNER, permissions=ALL)

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, *any_of: Permission) -> None:
        """Forbidden, naming the permission, unless the actor has one of `any_of`."""
        if any(p in self.permissions for p in any_of):
            return
        wanted = " or ".join(describe(p) for p in any_of)
        raise Forbidden(
            f"This needs the permission {wanted}, which your role does not have; ask an owner "
            "or an admin to give it to you."
        )

    @property
    def limited(self) -> bool:
        return self.department_ids is not None

    def sees(self, department_id: uuid.UUID | None) -> bool:
        """Whether something of `department_id` (None: of no department) is within reach."""
        if self.department_ids is None:
            return True
        return department_id is not None and department_id in self.department_ids

    def require_department(self, department_id: uuid.UUID | None, what: str) -> None:
        if not self.sees(department_id):
            raise Forbidden(
                f"{what} is outside your departments: a department admin acts only on the "
                "people and events of its own departments."
            )


# Who may read what (a route reading an area takes any of these; writing takes the area's own).
EVENT_READERS = (
    Permission.MANAGE_EVENTS,
    Permission.MANAGE_ORDERS,
    Permission.ENROL_LEARNERS,
    Permission.SEE_RESULTS,
)
CONNECTION_READERS = (
    Permission.MANAGE_CONNECTIONS,
    Permission.MANAGE_EVENTS,
    Permission.MANAGE_BOOKINGS,
)
OUTBOX_READERS = (
    Permission.MANAGE_SETTINGS,
    Permission.MANAGE_ORDERS,
    Permission.MANAGE_BOOKINGS,
    Permission.MANAGE_EVENTS,
)
RESULT_READERS = (Permission.SEE_RESULTS, Permission.MANAGE_EVENTS)
AUDIT_READERS = (
    Permission.SEE_RESULTS,
    Permission.MANAGE_EVENTS,
    Permission.MANAGE_CONNECTIONS,
    Permission.MANAGE_ORDERS,
    Permission.MANAGE_BOOKINGS,
)
