"""The simulator's typed request models, by Zoom operationId.

Every body and query the simulator serves is checked against these before a handler acts on
it. They are the simulator's own reading of Zoom's specs (nothing is loaded from the specs at
run time); the contract tests compare them with the specs field by field.
"""

from __future__ import annotations

from zoombridge.simulator.request_models import queries as q
from zoombridge.simulator.request_models.base import ZoomRequest, field_name, parse
from zoombridge.simulator.request_models.meetings import (
    MeetingCreate,
    MeetingUpdate,
    WebinarCreate,
    WebinarUpdate,
)
from zoombridge.simulator.request_models.panelists import (
    WebinarPanelistCreate,
    WebinarRegistrantQuestionUpdate,
)
from zoombridge.simulator.request_models.registrants import (
    MeetingBatchRegistration,
    MeetingRegistrantCreate,
    MeetingRegistrantStatus,
    WebinarBatchRegistration,
    WebinarRegistrantCreate,
    WebinarRegistrantStatus,
)

REQUEST_BODIES: dict[str, type[ZoomRequest]] = {
    "meetingCreate": MeetingCreate,
    "meetingUpdate": MeetingUpdate,
    "webinarCreate": WebinarCreate,
    "webinarUpdate": WebinarUpdate,
    "meetingRegistrantCreate": MeetingRegistrantCreate,
    "webinarRegistrantCreate": WebinarRegistrantCreate,
    "addBatchRegistrants": MeetingBatchRegistration,
    "addBatchWebinarRegistrants": WebinarBatchRegistration,
    "meetingRegistrantStatus": MeetingRegistrantStatus,
    "webinarRegistrantStatus": WebinarRegistrantStatus,
    "webinarPanelistCreate": WebinarPanelistCreate,
    "webinarRegistrantQuestionUpdate": WebinarRegistrantQuestionUpdate,
}

QUERIES: dict[str, type[ZoomRequest]] = {
    "users": q.UsersQuery,
    "user": q.UserQuery,
    "userSettings": q.UserSettingsQuery,
    "meetingCreate": q.NoQuery,
    "meetings": q.MeetingsQuery,
    "meeting": q.MeetingGetQuery,
    "meetingUpdate": q.OccurrenceQuery,
    "meetingDelete": q.MeetingDeleteQuery,
    "meetingRegistrantCreate": q.RegistrantCreateQuery,
    "meetingRegistrants": q.MeetingRegistrantsQuery,
    "meetingRegistrantStatus": q.OccurrenceQuery,
    "meetingRegistrantGet": q.NoQuery,
    "meetingregistrantdelete": q.OccurrenceQuery,
    "addBatchRegistrants": q.NoQuery,
    "webinarCreate": q.NoQuery,
    "webinars": q.WebinarsQuery,
    "webinar": q.MeetingGetQuery,
    "webinarUpdate": q.OccurrenceQuery,
    "webinarDelete": q.WebinarDeleteQuery,
    "webinarRegistrantCreate": q.RegistrantCreateQuery,
    "webinarRegistrants": q.WebinarRegistrantsQuery,
    "webinarRegistrantStatus": q.OccurrenceQuery,
    "webinarRegistrantGet": q.OccurrenceQuery,
    "deleteWebinarRegistrant": q.OccurrenceQuery,
    "addBatchWebinarRegistrants": q.NoQuery,
    "pastMeetings": q.NoQuery,
    "pastMeetingDetails": q.NoQuery,
    "pastMeetingParticipants": q.PagedQuery,
    "pastWebinars": q.NoQuery,
    "listWebinarParticipants": q.PagedQuery,
    "webinarAbsentees": q.AbsenteesQuery,
    "reportMeetingParticipants": q.ReportParticipantsQuery,
    "reportWebinarParticipants": q.ReportParticipantsQuery,
    "recordingGet": q.RecordingQuery,
    "webinarPanelists": q.NoQuery,
    "webinarPanelistCreate": q.NoQuery,
    "webinarRegistrantsQuestionsGet": q.NoQuery,
    "webinarRegistrantQuestionUpdate": q.NoQuery,
}

__all__ = ["QUERIES", "REQUEST_BODIES", "ZoomRequest", "field_name", "parse"]
