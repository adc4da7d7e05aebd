"""Bodies that register people and change their status, as the meetings spec describes them.

Where the simulator checks more than the schema says, the field carries a comment; each such
difference is a named spec gap of the contract tests.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from zoombridge.simulator.request_models.base import EmailAddress, OneOf, ZoomRequest

# Required, and not blank: a registrant needs a name to be addressed by (a named spec gap: the
# schema requires the field but allows "").
FirstName = Annotated[str, Field(min_length=1, max_length=64)]
LastName = Annotated[str, Field(max_length=64)]
RegistrantEmail = Annotated[EmailAddress, Field(max_length=128)]

# The request enum. Registrant answers use another list for the same question (see
# `registrants.employees_answer`): one of the spec's contradictions.
EMPLOYEE_COUNTS = (
    "",
    "1-20",
    "21-50",
    "51-100",
    "101-500",
    "500-1,000",
    "1,001-5,000",
    "5,001-10,000",
    "More than 10,000",
)
PURCHASING_TIME_FRAMES = (
    "",
    "Within a month",
    "1-3 months",
    "4-6 months",
    "More than 6 months",
    "No timeframe",
)
PURCHASE_ROLES = ("", "Decision Maker", "Evaluator/Recommender", "Influencer", "Not involved")
LANGUAGES = (
    "en-US",
    "de-DE",
    "es-ES",
    "fr-FR",
    "jp-JP",
    "pt-PT",
    "ru-RU",
    "zh-CN",
    "zh-TW",
    "ko-KO",
    "it-IT",
    "vi-VN",
    "pl-PL",
    "Tr-TR",
)


class CustomQuestion(ZoomRequest):
    title: str | None = None
    value: Annotated[str, Field(max_length=128)] | None = None


class _RegistrantCreate(ZoomRequest):
    email: RegistrantEmail
    first_name: FirstName
    last_name: LastName | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    phone: str | None = None
    comments: str | None = None
    custom_questions: list[CustomQuestion] | None = None
    industry: str | None = None
    job_title: str | None = None
    no_of_employees: Annotated[str, OneOf(*EMPLOYEE_COUNTS)] | None = None
    org: str | None = None
    purchasing_time_frame: Annotated[str, OneOf(*PURCHASING_TIME_FRAMES)] | None = None
    role_in_purchase_process: Annotated[str, OneOf(*PURCHASE_ROLES)] | None = None
    language: Annotated[str, OneOf(*LANGUAGES)] | None = None


class MeetingRegistrantCreate(_RegistrantCreate):
    auto_approve: bool | None = None


class WebinarRegistrantCreate(_RegistrantCreate):
    """No `auto_approve` here: a webinar's own approval setting decides."""

    source_id: str | None = None


class BatchRegistrant(ZoomRequest):
    # The batch schema leaves names and email unbounded; the simulator holds them to the
    # single add's bounds, which Zoom applies to every registrant (a named spec gap).
    email: RegistrantEmail
    first_name: FirstName
    last_name: LastName | None = None


# "Up to 30 registrants" says the description, not the schema; a batch without anyone in it
# does nothing, and the simulator refuses it (both a named spec gap).
BatchOfRegistrants = Annotated[list[BatchRegistrant], Field(min_length=1, max_length=30)]


class MeetingBatchRegistration(ZoomRequest):
    auto_approve: bool | None = None
    registrants_confirmation_email: bool | None = None
    registrants: BatchOfRegistrants


class WebinarBatchRegistration(ZoomRequest):
    auto_approve: bool | None = None
    registrants: BatchOfRegistrants


class MeetingRegistrantRef(ZoomRequest):
    email: str | None = None
    id: str | None = None


class WebinarRegistrantRef(ZoomRequest):
    email: EmailAddress | None = None
    id: str | None = None


class MeetingRegistrantStatus(ZoomRequest):
    action: Annotated[str, OneOf("approve", "cancel", "deny")]
    # The spec writes `maximum: 30` on this array (a keyword for numbers) and does not require
    # it; the simulator takes 1 to 30 registrants (a named spec gap).
    registrants: Annotated[list[MeetingRegistrantRef], Field(min_length=1, max_length=30)]


class WebinarRegistrantStatus(ZoomRequest):
    action: Annotated[str, OneOf("approve", "deny", "cancel")]
    registrants: Annotated[list[WebinarRegistrantRef], Field(min_length=1, max_length=30)]
