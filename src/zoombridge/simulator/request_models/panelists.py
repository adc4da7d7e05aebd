"""Bodies that add a webinar's panelists and replace its registration form, as the meetings spec
describes them.

Where the simulator checks more than the schema says, the field carries a comment; each such
difference is a named spec gap of the contract tests.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from zoombridge.simulator.request_models.base import EmailAddress, OneOf, ZoomRequest

# The registration fields a form may ask for besides first name and email (the spec's enum).
FORM_FIELDS = (
    "last_name",
    "address",
    "city",
    "country",
    "zip",
    "state",
    "phone",
    "industry",
    "org",
    "job_title",
    "purchasing_time_frame",
    "role_in_purchase_process",
    "no_of_employees",
    "comments",
)
QUESTION_TYPES = ("short", "single_radio", "single_dropdown", "multiple")
MAX_PANELISTS_PER_CALL = 30


class Panelist(ZoomRequest):
    # Required here, not in the schema: Zoom invites a panelist by email, and one without it
    # could never join (a named spec gap). The name's "12 Chinese characters" note is prose
    # about one script only, so the name stays unbounded, as in the schema.
    email: EmailAddress
    name: str | None = None
    virtual_background_id: str | None = None
    name_tag_id: str | None = None
    name_tag_name: str | None = None
    name_tag_pronouns: str | None = None
    name_tag_description: str | None = None


class WebinarPanelistCreate(ZoomRequest):
    # The spec writes `maximum: 30` on this array (a keyword for numbers) and does not require
    # it; adding nobody is a client bug. The simulator takes 1 to 30 (a named spec gap).
    panelists: Annotated[list[Panelist], Field(min_length=1, max_length=MAX_PANELISTS_PER_CALL)]


class FormField(ZoomRequest):
    # A form field is named by its field_name or it means nothing; the schema does not require
    # it (a named spec gap).
    field_name: Annotated[str, OneOf(*FORM_FIELDS)]
    required: bool | None = None


class FormQuestion(ZoomRequest):
    # The title is the question registrants read; the schema requires none and allows ""
    # (a named spec gap). "Answers can't be used for short answer type" (the description of
    # `answers`) is a rule across two fields, checked by the handler.
    title: Annotated[str, Field(min_length=1)]
    type: Annotated[str, OneOf(*QUESTION_TYPES)] | None = None
    required: bool | None = None
    answers: list[str] | None = None


class WebinarRegistrantQuestionUpdate(ZoomRequest):
    """Each list left out keeps what the form asks; a list sent replaces it."""

    questions: list[FormField] | None = None
    custom_questions: list[FormQuestion] | None = None
