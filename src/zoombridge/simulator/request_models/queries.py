"""Query parameters of every operation the simulator serves, as Zoom's specs describe them.

Query values arrive as text; integers and booleans are read from their usual spellings only
("30", "true"), anything else is refused as the wrong type. Unknown parameters are ignored.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from zoombridge.simulator.request_models.base import Date, OneOf, ZoomRequest

INTEGER = re.compile(r"^-?\d{1,18}$")


def _integer(value: Any) -> Any:
    if isinstance(value, str) and INTEGER.match(value):
        return int(value)
    raise PydanticCustomError("int_type", "must be an integer")


def _boolean(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise PydanticCustomError("bool_type", "must be true or false")


# The text is read before the constraints apply (the reader comes last in each Annotated).
QueryInt = Annotated[int, BeforeValidator(_integer)]
QueryBool = Annotated[bool, BeforeValidator(_boolean)]
# Paging (a named spec gap): the spec gives page sizes a maximum only and page numbers no
# bounds; Zoom refuses a page size below 1 and a page number below 1.
PageSize = Annotated[int, Field(ge=1, le=300), BeforeValidator(_integer)]
PageNumber = Annotated[int, Field(ge=1), BeforeValidator(_integer)]
LOGIN_TYPES = (0, 1, 11, 21, 23, 24, 27, 97, 98, 99, 100, 101)
LoginType = Annotated[int, OneOf(*LOGIN_TYPES), BeforeValidator(_integer)]
RegistrantStatusFilter = Annotated[str, OneOf("pending", "approved", "denied")]


class NoQuery(ZoomRequest):
    """An operation without query parameters."""


class PagedQuery(ZoomRequest):
    page_size: PageSize | None = None
    next_page_token: str | None = None


class UsersQuery(ZoomRequest):
    status: Annotated[str, OneOf("active", "inactive", "pending")] | None = None
    page_size: Annotated[int, Field(ge=1, le=2000), BeforeValidator(_integer)] | None = None
    role_id: str | None = None
    # A string in this spec (and deprecated); it must still spell a page number of 1 or more.
    page_number: PageNumber | None = None
    include_fields: Annotated[str, OneOf("custom_attributes", "host_key")] | None = None
    next_page_token: str | None = None
    license: (
        Annotated[str, OneOf("zoom_workforce_management", "zoom_compliance_management")] | None
    ) = None


class UserQuery(ZoomRequest):
    login_type: LoginType | None = None
    encrypted_email: QueryBool | None = None
    search_by_unique_id: QueryBool | None = None


class UserSettingsQuery(ZoomRequest):
    login_type: LoginType | None = None
    option: (
        Annotated[
            str, OneOf("meeting_authentication", "recording_authentication", "meeting_security")
        ]
        | None
    ) = None
    custom_query_fields: str | None = None


class MeetingsQuery(ZoomRequest):
    type: (
        Annotated[
            str,
            OneOf("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"),
        ]
        | None
    ) = None
    page_size: PageSize | None = None
    next_page_token: str | None = None
    page_number: PageNumber | None = None
    # `from`/`to` are Python keywords; the field names are the spec's through their aliases.
    from_: Date | None = Field(default=None, alias="from")
    to: Date | None = None
    timezone: str | None = None


class WebinarsQuery(ZoomRequest):
    type: Annotated[str, OneOf("scheduled", "upcoming")] | None = None
    page_size: PageSize | None = None
    page_number: PageNumber | None = None


class OccurrenceQuery(ZoomRequest):
    occurrence_id: str | None = None


class MeetingGetQuery(OccurrenceQuery):
    show_previous_occurrences: QueryBool | None = None


class MeetingDeleteQuery(OccurrenceQuery):
    schedule_for_reminder: QueryBool | None = None
    cancel_meeting_reminder: QueryBool | None = None


class WebinarDeleteQuery(OccurrenceQuery):
    cancel_webinar_reminder: QueryBool | None = None


class RegistrantCreateQuery(ZoomRequest):
    occurrence_ids: str | None = None


class MeetingRegistrantsQuery(OccurrenceQuery):
    status: RegistrantStatusFilter | None = None
    page_size: PageSize | None = None
    page_number: PageNumber | None = None
    next_page_token: str | None = None


class WebinarRegistrantsQuery(MeetingRegistrantsQuery):
    tracking_source_id: str | None = None


class AbsenteesQuery(PagedQuery):
    occurrence_id: str | None = None


class ReportParticipantsQuery(PagedQuery):
    include_fields: Annotated[str, OneOf("registrant_id")] | None = None


class RecordingQuery(ZoomRequest):
    include_fields: str | None = None
    ttl: Annotated[int, Field(ge=0, le=604800), BeforeValidator(_integer)] | None = None
