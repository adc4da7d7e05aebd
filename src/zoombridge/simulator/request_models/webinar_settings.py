"""`settings` of a webinar create (`webinarCreate`) and update (`webinarUpdate`), as the meetings
spec describes them. The update takes three settings the create does not."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from zoombridge.simulator.request_models.base import OneOf, ZoomRequest

# Interpretation is described identically for webinars and meetings.
from zoombridge.simulator.request_models.meeting_settings import (
    LanguageInterpretation,
    SignLanguageInterpretation,
)


class EmailReminder(ZoomRequest):
    """A reminder or follow-up email: on or off, and when (`type` 0-7 in the spec's table)."""

    enable: bool | None = None
    type: Annotated[int, OneOf(0, 1, 2, 3, 4, 5, 6, 7)] | None = None


class WebinarQuestionAndAnswer(ZoomRequest):
    allow_submit_questions: bool | None = None
    allow_anonymous_questions: bool | None = None
    answer_questions: Annotated[str, OneOf("only", "all")] | None = None
    attendees_can_comment: bool | None = None
    attendees_can_upvote: bool | None = None
    allow_auto_reply: bool | None = None
    auto_reply_text: str | None = None
    enable: bool | None = None


class WebinarCreateSettings(ZoomRequest):
    add_audio_watermark: bool | None = None
    add_watermark: bool | None = None
    allow_host_control_participant_mute_state: bool | None = None
    allow_multiple_devices: bool | None = None
    alternative_host_update_polls: bool | None = None
    alternative_hosts: str | None = None
    approval_type: Annotated[int, OneOf(0, 1, 2)] | None = None
    attendees_and_panelists_reminder_email_notification: EmailReminder | None = None
    audio: Annotated[str, OneOf("both", "telephony", "voip", "thirdParty")] | None = None
    audio_conference_info: Annotated[str, Field(max_length=2048)] | None = None
    authentication_domains: str | None = None
    authentication_option: str | None = None
    auto_recording: Annotated[str, OneOf("local", "cloud", "none")] | None = None
    close_registration: bool | None = None
    contact_email: str | None = None
    contact_name: str | None = None
    email_in_attendee_report: bool | None = None
    email_language: str | None = None
    enable_session_branding: bool | None = None
    enforce_login: bool | None = None
    enforce_login_domains: str | None = None
    follow_up_absentees_email_notification: EmailReminder | None = None
    follow_up_attendees_email_notification: EmailReminder | None = None
    global_dial_in_countries: list[str] | None = None
    hd_video: bool | None = None
    hd_video_for_attendees: bool | None = None
    host_video: bool | None = None
    language_interpretation: LanguageInterpretation | None = None
    meeting_authentication: bool | None = None
    on_demand: bool | None = None
    panelist_authentication: bool | None = None
    panelists_invitation_email_notification: bool | None = None
    panelists_video: bool | None = None
    post_webinar_survey: bool | None = None
    practice_session: bool | None = None
    question_and_answer: WebinarQuestionAndAnswer | None = None
    registrants_email_notification: bool | None = None
    registrants_restrict_number: Annotated[int, Field(ge=0, le=20000)] | None = None
    registration_type: Annotated[int, OneOf(1, 2, 3)] | None = None
    send_1080p_video_to_attendees: bool | None = None
    show_share_button: bool | None = None
    sign_language_interpretation: SignLanguageInterpretation | None = None
    survey_url: str | None = None


class WebinarUpdateSettings(WebinarCreateSettings):
    authentication_name: str | None = None
    notify_registrants: bool | None = None
    registrants_confirmation_email: bool | None = None
