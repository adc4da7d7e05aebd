"""The simulator's in-memory world: accounts, users, tokens, meetings, registrants, instances.

Everything is keyed by id (and registrants also by lower-cased email) so each request does
O(1) work however many meetings and registrants a benchmark creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from zoombridge.simulator.config import Plan

Kind = Literal["meeting", "webinar"]
RegistrantStatus = Literal["approved", "pending", "denied", "cancelled"]


@dataclass
class User:
    id: str
    account_id: str
    email: str
    first_name: str
    last_name: str
    type: int
    role_name: str
    created_at: datetime
    pmi: int
    timezone: str = "UTC"
    status: str = "active"


@dataclass
class Account:
    id: str
    client_id: str
    client_secret: str = field(repr=False)
    plan: Plan
    webinar_addon: bool
    webinar_capacity: int
    scopes: frozenset[str] | None  # None: every scope the simulator knows
    rate_limits: bool
    created_at: datetime
    users: dict[str, User] = field(default_factory=dict)  # insertion order: owner first

    @property
    def owner(self) -> User:
        return next(iter(self.users.values()))


@dataclass
class Token:
    value: str = field(repr=False)
    account_id: str
    scopes: tuple[str, ...]
    expires_at: datetime
    revoked: bool = False


@dataclass
class Occurrence:
    occurrence_id: str
    start: datetime
    duration: int
    status: str = "available"  # or "deleted"


@dataclass
class Registrant:
    id: str
    seq: int
    email: str
    first_name: str
    last_name: str
    status: RegistrantStatus
    create_time: datetime
    join_url: str
    participant_pin_code: int
    occurrence_ids: set[str] = field(default_factory=set)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Segment:
    """One join..leave stretch of a participant: Zoom reports each as its own row."""

    user_id: str
    join: datetime
    leave: datetime | None = None
    status: str = "in_meeting"


@dataclass
class Participant:
    participant_uuid: str
    name: str
    email: str
    registrant_id: str
    user_id: str  # id of an account user, "" for people outside the account
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Recording:
    id: str
    start: datetime
    end: datetime
    files: list[dict[str, Any]]
    download_token: str = field(repr=False)
    password: str = ""


@dataclass
class Instance:
    uuid: str
    meeting_id: int
    start: datetime
    occurrence_id: str | None = None
    end: datetime | None = None
    participants: dict[str, Participant] = field(default_factory=dict)
    recording: Recording | None = None

    @property
    def live(self) -> bool:
        return self.end is None


@dataclass
class Meeting:
    """A meeting or a webinar: Zoom handles both alike, apart from a few field names."""

    id: int
    uuid: str
    kind: Kind
    account_id: str
    host_id: str
    topic: str
    type: int
    start_time: datetime
    duration: int
    timezone: str
    agenda: str
    password: str = field(repr=False)
    created_at: datetime
    settings: dict[str, Any]
    h323_password: str = field(repr=False)
    pstn_password: str = field(repr=False)
    encrypted_password: str = field(repr=False)
    recurrence: dict[str, Any] | None = None
    occurrences: dict[str, Occurrence] = field(default_factory=dict)
    tracking_fields: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    registrants: dict[str, Registrant] = field(default_factory=dict)
    registrants_by_email: dict[str, str] = field(default_factory=dict)
    active_registrants: int = 0  # approved + pending: what counts against capacity
    next_seq: int = 0
    instances: list[Instance] = field(default_factory=list)
    deleted: bool = False

    @property
    def webinar(self) -> bool:
        return self.kind == "webinar"

    @property
    def live_instance(self) -> Instance | None:
        if self.instances and self.instances[-1].live:
            return self.instances[-1]
        return None

    @property
    def ended_instances(self) -> list[Instance]:
        return [i for i in self.instances if not i.live]

    @property
    def recurring_fixed(self) -> bool:
        return self.type in (8, 9)


@dataclass
class World:
    accounts: dict[str, Account] = field(default_factory=dict)
    accounts_by_client: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    users_by_email: dict[str, User] = field(default_factory=dict)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
