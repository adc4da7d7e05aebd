"""Which OAuth scopes each simulated operation accepts (any one of them is enough).

Names as Zoom's specs list them per operation: classic (`meeting:write`), granular
(`meeting:write:registrant`) and their `:admin` forms. Keyed by Zoom's operationId.
"""

from __future__ import annotations

ROUTE_SCOPES: dict[str, tuple[str, ...]] = {
    "users": (
        "user:read",
        "user:write",
        "user:read:admin",
        "user:write:admin",
        "user:read:list_users:admin",
    ),
    "user": (
        "user:read",
        "user:write",
        "user:read:admin",
        "user:write:admin",
        "user_profile",
        "user_info:read",
        "user:read:user",
        "user:read:user:admin",
    ),
    "userSettings": (
        "user:read",
        "user:write",
        "user:read:admin",
        "user:write:admin",
        "user:read:settings",
        "user:read:settings:admin",
    ),
    "meetingCreate": (
        "meeting:write:admin",
        "meeting:write",
        "meeting:write:meeting",
        "meeting:write:meeting:admin",
    ),
    "meetings": (
        "meeting:read:admin",
        "meeting:read",
        "meeting:read:list_meetings",
        "meeting:read:list_meetings:admin",
    ),
    "meeting": (
        "meeting:read",
        "meeting:read:admin",
        "meeting:read:meeting",
        "meeting:read:meeting:admin",
    ),
    "meetingUpdate": (
        "meeting:write",
        "meeting:write:admin",
        "meeting:update:meeting:admin",
        "meeting:update:meeting",
    ),
    "meetingDelete": (
        "meeting:write:admin",
        "meeting:write",
        "meeting:delete:meeting",
        "meeting:delete:meeting:admin",
    ),
    "webinarCreate": (
        "webinar:write",
        "webinar:write:admin",
        "webinar:write:webinar",
        "webinar:write:webinar:admin",
    ),
    "webinars": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:list_webinars",
        "webinar:read:list_webinars:admin",
    ),
    "webinar": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:webinar",
        "webinar:read:webinar:admin",
    ),
    "webinarUpdate": (
        "webinar:write",
        "webinar:write:admin",
        "webinar:update:webinar",
        "webinar:update:webinar:admin",
    ),
    "webinarDelete": (
        "webinar:write:admin",
        "webinar:write",
        "webinar:delete:webinar",
        "webinar:delete:webinar:admin",
    ),
    "meetingRegistrantCreate": (
        "meeting:write:admin",
        "meeting:write",
        "meeting:write:registrant",
        "meeting:write:registrant:admin",
    ),
    "addBatchRegistrants": (
        "meeting:write",
        "meeting:write:admin",
        "meeting:write:batch_registrants",
        "meeting:write:batch_registrants:admin",
    ),
    "meetingRegistrants": (
        "meeting:read:admin",
        "meeting:read",
        "meeting:read:list_registrants",
        "meeting:read:list_registrants:admin",
    ),
    "meetingRegistrantGet": (
        "meeting:read:admin",
        "meeting:read",
        "meeting:read:registrant",
        "meeting:read:registrant:admin",
    ),
    "meetingregistrantdelete": (
        "meeting:write:admin",
        "meeting:write",
        "meeting:delete:registrant",
        "meeting:delete:registrant:admin",
    ),
    "meetingRegistrantStatus": (
        "meeting:write:admin",
        "meeting:write",
        "meeting:update:registrant_status",
        "meeting:update:registrant_status:admin",
    ),
    "webinarRegistrantCreate": (
        "webinar:write:admin",
        "webinar:write",
        "webinar:write:registrant",
        "webinar:write:registrant:admin",
    ),
    "addBatchWebinarRegistrants": (
        "webinar:write",
        "webinar:write:admin",
        "webinar:write:batch_registrants",
        "webinar:write:batch_registrants:admin",
    ),
    "webinarRegistrants": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:list_registrants",
        "webinar:read:list_registrants:admin",
    ),
    "webinarRegistrantGet": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:registrant",
        "webinar:read:registrant:admin",
    ),
    "deleteWebinarRegistrant": (
        "webinar:write:admin",
        "webinar:write",
        "webinar:delete:registrant",
        "webinar:delete:registrant:admin",
    ),
    "webinarRegistrantStatus": (
        "webinar:write:admin",
        "webinar:write",
        "webinar:update:registrant_status",
        "webinar:update:registrant_status:admin",
    ),
    "pastMeetings": (
        "meeting:read:admin",
        "meeting:read",
        "meeting:read:list_past_instances",
        "meeting:read:list_past_instances:admin",
    ),
    "pastMeetingDetails": (
        "meeting:read:admin",
        "meeting:read",
        "meeting:read:past_meeting",
        "meeting:read:past_meeting:admin",
    ),
    "pastMeetingParticipants": (
        "meeting:read:admin",
        "meeting:read",
        "meeting:read:list_past_participants",
        "meeting:read:list_past_participants:admin",
    ),
    "pastWebinars": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:list_past_instances",
        "webinar:read:list_past_instances:admin",
    ),
    "listWebinarParticipants": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:list_past_participants:admin",
        "webinar:read:list_past_participants",
    ),
    "webinarAbsentees": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:list_absentees",
        "webinar:read:list_absentees:admin",
    ),
    "reportMeetingParticipants": (
        "report:read:admin",
        "report:read:list_meeting_participants:admin",
    ),
    "reportWebinarParticipants": (
        "report:read:admin",
        "report:read:list_webinar_participants:admin",
    ),
    "recordingGet": (
        "recording:read",
        "phone_recording:read:admin",
        "cloud_recording:read:list_recording_files:admin",
        "cloud_recording:read:list_recording_files",
        "cloud_recording:read:list_recording_files:master",
    ),
    "webinarPanelists": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:list_panelists",
        "webinar:read:list_panelists:admin",
    ),
    "webinarPanelistCreate": (
        "webinar:write:admin",
        "webinar:write",
        "webinar:write:panelist",
        "webinar:write:panelist:admin",
    ),
    "webinarRegistrantsQuestionsGet": (
        "webinar:read:admin",
        "webinar:read",
        "webinar:read:list_registration_questions",
        "webinar:read:list_registration_questions:admin",
    ),
    "webinarRegistrantQuestionUpdate": (
        "webinar:write:admin",
        "webinar:write",
        "webinar:update:registration_question",
        "webinar:update:registration_question:admin",
    ),
}

ALL_SCOPES: tuple[str, ...] = tuple(sorted({s for scopes in ROUTE_SCOPES.values() for s in scopes}))


def missing_scopes(operation_id: str, granted: tuple[str, ...] | frozenset[str]) -> list[str]:
    """The operation's scopes when the token has none of them, else an empty list."""
    wanted = ROUTE_SCOPES.get(operation_id, ())
    if not wanted or any(scope in granted for scope in wanted):
        return []
    return list(wanted)
