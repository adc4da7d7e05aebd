"""`settings` of a meeting create (`meetingCreate`) and update (`meetingUpdate`), as the meetings
spec describes them. The two differ in a handful of fields, listed on each class."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from zoombridge.simulator.request_models.base import EmailAddress, OneOf, ZoomRequest


class ApprovedOrDeniedCountries(ZoomRequest):
    approved_list: list[str] | None = None
    denied_list: list[str] | None = None
    enable: bool | None = None
    method: Annotated[str, OneOf("approve", "deny")] | None = None


class AuthenticationException(ZoomRequest):
    email: EmailAddress | None = None
    name: str | None = None


class AuthenticationExceptionUpdate(AuthenticationException):
    join_url: str | None = None


class VideoChannel(ZoomRequest):
    channel_id: str
    name: str | None = None


class AutoAddRecordingToVideoManagement(ZoomRequest):
    enable: bool
    channels: Annotated[list[VideoChannel], Field(min_length=1, max_length=5)] | None = None


class BreakoutRoomSpec(ZoomRequest):
    name: str | None = None
    participants: list[str] | None = None


class BreakoutRoom(ZoomRequest):
    enable: bool | None = None
    rooms: list[BreakoutRoomSpec] | None = None


class MeetingQuestionAndAnswer(ZoomRequest):
    enable: bool | None = None
    allow_submit_questions: bool | None = None
    allow_anonymous_questions: bool | None = None
    question_visibility: Annotated[str, OneOf("answered", "all")] | None = None
    attendees_can_comment: bool | None = None
    attendees_can_upvote: bool | None = None


class Interpreter(ZoomRequest):
    email: EmailAddress | None = None
    languages: str | None = None
    interpreter_languages: str | None = None


class LanguageInterpretation(ZoomRequest):
    enable: bool | None = None
    interpreters: list[Interpreter] | None = None


class SignLanguageInterpreter(ZoomRequest):
    email: EmailAddress | None = None
    sign_language: str | None = None


class SignLanguageInterpretation(ZoomRequest):
    enable: bool | None = None
    # The spec writes `maximum: 20` on this array, a keyword for numbers that JSON Schema
    # ignores here; 20 interpreters is what it means (a named spec gap).
    interpreters: Annotated[list[SignLanguageInterpreter], Field(max_length=20)] | None = None


class MeetingInvitee(ZoomRequest):
    email: EmailAddress | None = None


class WaitingRoomOptions(ZoomRequest):
    mode: Annotated[str, OneOf("follow_setting", "custom")]
    who_goes_to_waiting_room: (
        Annotated[
            str,
            OneOf(
                "everyone",
                "users_not_in_account",
                "users_not_in_account_or_whitelisted_domains",
                "users_not_on_invite",
            ),
        ]
        | None
    ) = None


class ContinuousMeetingChat(ZoomRequest):
    enable: bool | None = None
    auto_add_invited_external_users: bool | None = None
    auto_add_meeting_participants: bool | None = None


class MeetingResource(ZoomRequest):
    resource_type: Annotated[str, OneOf("whiteboard")] | None = None
    resource_id: str | None = None
    permission_level: Annotated[str, OneOf("editor", "commenter", "viewer")] | None = None


class CustomKey(ZoomRequest):
    key: Annotated[str, Field(max_length=64)] | None = None
    value: Annotated[str, Field(max_length=256)] | None = None


class GlobalDialInNumber(ZoomRequest):
    city: str | None = None
    country: str | None = None
    country_name: str | None = None
    number: str | None = None
    type: Annotated[str, OneOf("toll", "tollfree")] | None = None


class _MeetingSettings(ZoomRequest):
    """The settings both meeting calls take alike."""

    allow_multiple_devices: bool | None = None
    alternative_hosts: str | None = None
    alternative_hosts_email_notification: bool | None = None
    alternative_host_update_polls: bool | None = None
    alternative_host_manage_meeting_summary: bool | None = None
    alternative_host_manage_cloud_recording: bool | None = None
    approval_type: Annotated[int, OneOf(0, 1, 2)] | None = None
    approved_or_denied_countries_or_regions: ApprovedOrDeniedCountries | None = None
    audio: Annotated[str, OneOf("both", "telephony", "voip", "thirdParty")] | None = None
    audio_conference_info: Annotated[str, Field(max_length=2048)] | None = None
    authentication_domains: str | None = None
    authentication_option: str | None = None
    auto_recording: Annotated[str, OneOf("local", "cloud", "none")] | None = None
    auto_add_recording_to_video_management: AutoAddRecordingToVideoManagement | None = None
    auto_start_ai_companion_questions: bool | None = None
    auto_start_meeting_summary: bool | None = None
    breakout_room: BreakoutRoom | None = None
    calendar_type: Annotated[int, OneOf(1, 2)] | None = None
    close_registration: bool | None = None
    cn_meeting: bool | None = None
    contact_email: str | None = None
    contact_name: str | None = None
    continuous_meeting_chat: ContinuousMeetingChat | None = None
    device_testing: bool | None = None
    disable_participant_video: bool | None = None
    email_in_attendee_report: bool | None = None
    email_notification: bool | None = None
    encryption_type: Annotated[str, OneOf("enhanced_encryption", "e2ee")] | None = None
    focus_mode: bool | None = None
    global_dial_in_countries: list[str] | None = None
    host_save_video_order: bool | None = None
    host_video: bool | None = None
    in_meeting: bool | None = None
    internal_meeting: bool | None = None
    jbh_time: Annotated[int, OneOf(0, 5, 10, 15)] | None = None
    join_before_host: bool | None = None
    language_interpretation: LanguageInterpretation | None = None
    meeting_authentication: bool | None = None
    meeting_invitees: list[MeetingInvitee] | None = None
    mute_upon_entry: bool | None = None
    participant_focused_meeting: bool | None = None
    participant_video: bool | None = None
    private_meeting: bool | None = None
    push_change_to_calendar: bool | None = None
    question_and_answer: MeetingQuestionAndAnswer | None = None
    registrants_confirmation_email: bool | None = None
    registrants_email_notification: bool | None = None
    registration_type: Annotated[int, OneOf(1, 2, 3)] | None = None
    resources: list[MeetingResource] | None = None
    show_share_button: bool | None = None
    sign_language_interpretation: SignLanguageInterpretation | None = None
    summary_template_id: str | None = None
    use_pmi: bool | None = None
    waiting_room: bool | None = None
    waiting_room_options: WaitingRoomOptions | None = None
    watermark: bool | None = None
    who_can_ask_questions: Annotated[int, OneOf(1, 2, 3, 4, 5)] | None = None
    who_will_receive_summary: Annotated[int, OneOf(1, 2, 3, 4)] | None = None
    allow_host_control_participant_mute_state: bool | None = None


class MeetingCreateSettings(_MeetingSettings):
    additional_data_center_regions: list[str] | None = None
    authentication_exception: list[AuthenticationException] | None = None


class MeetingUpdateSettings(_MeetingSettings):
    authentication_exception: list[AuthenticationExceptionUpdate] | None = None
    authentication_name: str | None = None
    custom_keys: Annotated[list[CustomKey], Field(max_length=10)] | None = None
    enforce_login: bool | None = None
    enforce_login_domains: str | None = None
    global_dial_in_numbers: list[GlobalDialInNumber] | None = None
