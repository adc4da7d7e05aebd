"""Which Zoom scopes each zoombridge feature needs, and which of them a connection lacks (C2).

Zoom lists, for every API operation, the scopes any one of which lets an app call it: the old
classic scopes (`meeting:write`, `meeting:write:admin`), the granular ones (`meeting:write:meeting`)
and their account-wide `:admin` (and for recordings `:master`) variants. A Server-to-Server OAuth
app's token answer says which scopes were granted. A feature works when every operation it
uses has at least one of its scopes granted.

The table is written from Zoom's meetings and users API reference (the `security` of each
operation zoombridge calls, see `zoombridge.zoom.operations`); product code never reads the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ScopeNeed:
    """One operation: `grant` is the scope we advise a Server-to-Server app to add; any of
    `accepted` (which includes `grant`) is enough."""

    operation_id: str
    grant: str
    accepted: frozenset[str]


def _need(operation_id: str, grant: str, *others: str) -> ScopeNeed:
    return ScopeNeed(operation_id, grant, frozenset((grant, *others)))


def _crud(kind: str, plural: str) -> tuple[ScopeNeed, ...]:
    """Create, list, get, update, delete of meetings or webinars: the same pattern of scopes."""
    classic = (f"{kind}:read", f"{kind}:read:admin", f"{kind}:write", f"{kind}:write:admin")
    read = classic[:2]
    write = classic[2:]
    return (
        _need(f"{kind}Create", f"{kind}:write:{kind}:admin", f"{kind}:write:{kind}", *write),
        _need(plural, f"{kind}:read:list_{plural}:admin", f"{kind}:read:list_{plural}", *read),
        _need(kind, f"{kind}:read:{kind}:admin", f"{kind}:read:{kind}", *read),
        _need(f"{kind}Update", f"{kind}:update:{kind}:admin", f"{kind}:update:{kind}", *write),
        _need(f"{kind}Delete", f"{kind}:delete:{kind}:admin", f"{kind}:delete:{kind}", *write),
    )


def _registrants(kind: str) -> tuple[ScopeNeed, ...]:
    prefix = "meetingRegistrant" if kind == "meeting" else "webinarRegistrant"
    batch = "addBatchRegistrants" if kind == "meeting" else "addBatchWebinarRegistrants"
    read = (f"{kind}:read", f"{kind}:read:admin")
    write = (f"{kind}:write", f"{kind}:write:admin")
    return (
        _need(
            f"{prefix}Create", f"{kind}:write:registrant:admin", f"{kind}:write:registrant", *write
        ),
        _need(
            batch,
            f"{kind}:write:batch_registrants:admin",
            f"{kind}:write:batch_registrants",
            *write,
        ),
        _need(
            f"{prefix}s" if kind == "meeting" else "webinarRegistrants",
            f"{kind}:read:list_registrants:admin",
            f"{kind}:read:list_registrants",
            *read,
        ),
        _need(f"{prefix}Get", f"{kind}:read:registrant:admin", f"{kind}:read:registrant", *read),
        _need(
            f"{prefix}Status",
            f"{kind}:update:registrant_status:admin",
            f"{kind}:update:registrant_status",
            *write,
        ),
    )


def _attendance() -> tuple[ScopeNeed, ...]:
    needs = []
    for kind, past, participants in (
        ("meeting", "pastMeetings", "pastMeetingParticipants"),
        ("webinar", "pastWebinars", "listWebinarParticipants"),
    ):
        read = (f"{kind}:read", f"{kind}:read:admin")
        needs.append(
            _need(
                past,
                f"{kind}:read:list_past_instances:admin",
                f"{kind}:read:list_past_instances",
                *read,
            )
        )
        needs.append(
            _need(
                participants,
                f"{kind}:read:list_past_participants:admin",
                f"{kind}:read:list_past_participants",
                *read,
            )
        )
    needs += [
        _need(
            "reportMeetingParticipants",
            "report:read:list_meeting_participants:admin",
            "report:read:admin",
        ),
        _need(
            "reportWebinarParticipants",
            "report:read:list_webinar_participants:admin",
            "report:read:admin",
        ),
        _need(
            "webinarAbsentees",
            "webinar:read:list_absentees:admin",
            "webinar:read:list_absentees",
            "webinar:read",
            "webinar:read:admin",
        ),
    ]
    return tuple(needs)


FEATURES: Mapping[str, tuple[ScopeNeed, ...]] = MappingProxyType(
    {
        "meetings": _crud("meeting", "meetings"),
        "webinars": _crud("webinar", "webinars"),
        "registrants": _registrants("meeting") + _registrants("webinar"),
        "reports/attendance": _attendance(),
        "recordings": (
            _need(
                "recordingGet",
                "cloud_recording:read:list_recording_files:admin",
                "cloud_recording:read:list_recording_files",
                "cloud_recording:read:list_recording_files:master",
                "recording:read",
                "phone_recording:read:admin",
            ),
        ),
        "contacts (CRM)": (
            _need(
                "webinarPanelists",
                "webinar:read:list_panelists:admin",
                "webinar:read:list_panelists",
                "webinar:read",
                "webinar:read:admin",
            ),
            _need(
                "webinarRegistrantsQuestionsGet",
                "webinar:read:list_registration_questions:admin",
                "webinar:read:list_registration_questions",
                "webinar:read",
                "webinar:read:admin",
            ),
        ),
        "users": (
            _need(
                "users",
                "user:read:list_users:admin",
                "user:read",
                "user:write",
                "user:read:admin",
                "user:write:admin",
            ),
            _need(
                "user",
                "user:read:user:admin",
                "user:read:user",
                "user:read",
                "user:write",
                "user:read:admin",
                "user:write:admin",
                "user_profile",
                "user_info:read",
            ),
        ),
    }
)


def recommended_scopes() -> list[str]:
    """The scopes to add to a Server-to-Server OAuth app so that every feature works."""
    return sorted({need.grant for needs in FEATURES.values() for need in needs})


def missing_scopes(granted: Iterable[str]) -> dict[str, list[str]]:
    """{feature: scopes to add} for each feature that lacks at least one operation's scope.

    Empty when everything zoombridge does is allowed.
    """
    have = frozenset(granted)
    missing: dict[str, list[str]] = {}
    for feature, needs in FEATURES.items():
        lacking = sorted({need.grant for need in needs if not need.accepted & have})
        if lacking:
            missing[feature] = lacking
    return missing
