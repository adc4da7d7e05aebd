"""`ZoomClient`: every Zoom call zoombridge makes, planned against Zoom's limits.

One method per Zoom operation zoombridge uses. Each call goes through `_call` (zoom.sending),
which looks the operation up in OPERATIONS, refuses work that would break a daily cap (before
sending), waits for the account's rate limiter, attaches the token, tags the request with its
operationId, and retries according to the operation's policy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from zoombridge.zoom import errors
from zoombridge.zoom.credentials import ZoomCredentials
from zoombridge.zoom.daily_caps import next_utc_midnight
from zoombridge.zoom.models import (
    BatchRegistrationResult,
    Meeting,
    MeetingSummary,
    Panelist,
    Participant,
    PastInstance,
    Recording,
    Registrant,
    RegistrationForm,
    RegistrationResult,
    User,
)
from zoombridge.zoom.operations import (
    ID_PARAM,
    OPERATIONS,
    Kind,
    operation_for,
)
from zoombridge.zoom.pagination import PageMode
from zoombridge.zoom.plans import (
    REGISTRATIONS_PER_REGISTRANT_PER_DAY,
    STATUS_CHANGES_PER_REGISTRANT_PER_DAY,
)
from zoombridge.zoom.requests import (
    BatchRegistrantBody,
    BatchRegistrationBody,
    MeetingCreate,
    MeetingUpdate,
    RegistrantAction,
    RegistrantCreate,
    RegistrantRef,
    RegistrantStatusBody,
)

if TYPE_CHECKING:
    from zoombridge.settings import Settings

from zoombridge.zoom.sending import (
    DEFAULT_API_URL,
    DEFAULT_OAUTH_URL,
    MAX_BATCH,
    Budget,
    OnCapped,
    RequestSender,
    status_key,
)

__all__ = ["DEFAULT_API_URL", "DEFAULT_OAUTH_URL", "MAX_BATCH", "ZoomClient"]


class ZoomClient(RequestSender):
    """One Zoom connection (account). Use as `async with ZoomClient(...) as zoom:`.

    Meetings and webinars share every method; `kind` ("meeting" or "webinar") picks Zoom's
    operation. Ids that may be instance UUIDs are encoded as Zoom requires.
    """

    @classmethod
    def from_settings(
        cls, settings: Settings, credentials: ZoomCredentials, **kwargs: Any
    ) -> ZoomClient:
        """A client for the Zoom URLs configured in settings (real Zoom or the simulator)."""
        kwargs.setdefault("api_url", settings.zoom_api_url)
        kwargs.setdefault("oauth_url", settings.zoom_oauth_url)
        return cls(credentials, **kwargs)

    def __repr__(self) -> str:
        return (
            f"ZoomClient(account_id={self.account_id!r}, plan={self.plan.value!r}, "
            f"api_url={self.api_url!r})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def granted_scopes(self) -> frozenset[str]:
        """The scopes Zoom granted this app, as its token answer lists them (gets a token if
        none is cached). "Test access" compares them with what each feature needs."""
        token = await self._auth.token()
        return frozenset(token.scopes)

    # --- users ---------------------------------------------------------------------------------

    async def list_users(self, *, status: str = "active") -> AsyncIterator[User]:
        op = OPERATIONS["users"]
        async for item in self._pages(op, {}, "users", {"status": status}):
            yield User.model_validate(item)

    async def get_user(self, user_id: str) -> User:
        response = await self._call(OPERATIONS["user"], {"userId": user_id})
        user = User.model_validate(self._json(response, "user"))
        if user.email:
            self._link_host(user_id, user.email)
            self._link_host(user.id, user.email)
        return user

    # --- meetings and webinars -----------------------------------------------------------------

    async def create_meeting(self, kind: Kind, user_id: str, body: MeetingCreate) -> Meeting:
        """Create a meeting or webinar for the host `user_id` (id, email or "me").

        Never resent after a failure that may have reached Zoom (it would duplicate the
        meeting): that raises `errors.OutcomeUnknown`.
        """
        op = operation_for("create", kind)
        _check_body_fits_kind(kind, body)
        budget = self._host_budget(self._host_key(user_id), user_id)
        response = await self._call(op, {"userId": user_id}, json=body.to_json(), budget=budget)
        meeting = Meeting.model_validate(self._json(response, op.operation_id))
        self._remember_host(meeting, user_id)
        return meeting

    async def get_meeting(
        self,
        kind: Kind,
        meeting_id: int | str,
        *,
        occurrence_id: str | None = None,
        show_previous_occurrences: bool | None = None,
    ) -> Meeting:
        op = operation_for("get", kind)
        params: dict[str, Any] = {}
        if occurrence_id is not None:
            params["occurrence_id"] = occurrence_id
        if show_previous_occurrences is not None:
            params["show_previous_occurrences"] = str(show_previous_occurrences).lower()
        response = await self._call(op, {ID_PARAM[kind]: meeting_id}, params=params)
        meeting = Meeting.model_validate(self._json(response, op.operation_id))
        self._remember_host(meeting, None)
        return meeting

    async def update_meeting(
        self,
        kind: Kind,
        meeting_id: int | str,
        body: MeetingUpdate,
        *,
        occurrence_id: str | None = None,
        host: str | None = None,
    ) -> None:
        """PATCH a meeting/webinar (or one occurrence). Counts against the host's 100/day cap
        when the host is known (`host`, or remembered from an earlier create/get)."""
        op = operation_for("update", kind)
        _check_body_fits_kind(kind, body)
        host_key = self._host_key(host) if host else self._caps.meeting_hosts.get(str(meeting_id))
        budget = self._host_budget(host_key, host or host_key) if host_key else None
        params = {"occurrence_id": occurrence_id} if occurrence_id is not None else None
        await self._call(
            op, {ID_PARAM[kind]: meeting_id}, params=params, json=body.to_json(), budget=budget
        )

    async def delete_meeting(
        self, kind: Kind, meeting_id: int | str, *, occurrence_id: str | None = None
    ) -> None:
        op = operation_for("delete", kind)
        params = {"occurrence_id": occurrence_id} if occurrence_id is not None else None
        await self._call(op, {ID_PARAM[kind]: meeting_id}, params=params)

    async def list_meetings(
        self, kind: Kind, user_id: str, *, type: str = "scheduled"
    ) -> AsyncIterator[MeetingSummary]:
        op = operation_for("list", kind)
        # The webinar list's spec declares only the deprecated page_number: accept either.
        mode: PageMode = "auto" if kind == "webinar" else "token"
        items_key = "webinars" if kind == "webinar" else "meetings"
        async for item in self._pages(op, {"userId": user_id}, items_key, {"type": type}, mode):
            yield MeetingSummary.model_validate(item)

    # --- registrants -----------------------------------------------------------------------------

    async def add_registrant(
        self,
        kind: Kind,
        meeting_id: int | str,
        registrant: RegistrantCreate,
        *,
        occurrence_ids: Sequence[str] | None = None,
    ) -> RegistrationResult:
        """Register one person. Refused before sending when this email already used its 3
        registrations on this meeting today (`DailyLimitReached`)."""
        op = operation_for("add_registrant", kind)
        email = str(registrant.email)
        budget = self._registration_budget(kind, meeting_id, [email])
        params = {"occurrence_ids": ",".join(occurrence_ids)} if occurrence_ids else None
        body = registrant.to_json()
        if kind == "webinar":
            body.pop("auto_approve", None)  # meetings only
        response = await self._call(
            op, {ID_PARAM[kind]: meeting_id}, params=params, json=body, budget=budget
        )
        return RegistrationResult.model_validate(self._json(response, op.operation_id))

    async def add_registrants_batch(
        self,
        kind: Kind,
        meeting_id: int | str,
        registrants: Sequence[BatchRegistrantBody],
        *,
        auto_approve: bool | None = None,
        registrants_confirmation_email: bool | None = None,
        on_capped: OnCapped = "raise",
    ) -> BatchRegistrationResult:
        """Register up to 30 people in one Heavy call (single-occurrence meetings/webinars).

        Emails that already used their 3 registrations on this meeting today are never sent:
        with `on_capped="raise"` (default) the whole batch is refused with `DailyLimitReached`
        listing them in `capped_keys`; with `"skip"` the others are sent and the capped emails
        come back in `skipped_at_cap`.
        """
        if len(registrants) > MAX_BATCH:
            raise errors.TooManyRegistrants(
                f"A batch may hold at most {MAX_BATCH} registrants, this one has "
                f"{len(registrants)}; split it into batches of {MAX_BATCH}."
            )
        op = operation_for("batch_registrants", kind)
        now = self._clock()
        capped = self._capped_emails(kind, meeting_id, [str(r.email) for r in registrants], now)
        if capped and on_capped == "raise":
            self.stats.refused_before_sending += 1
            raise self._registrant_cap_error(capped, REGISTRATIONS_PER_REGISTRANT_PER_DAY, now)
        capped_lower = {c.lower() for c in capped}
        to_send = [r for r in registrants if str(r.email).lower() not in capped_lower]
        if not to_send:
            return BatchRegistrationResult(skipped_at_cap=capped)
        budget = self._registration_budget(kind, meeting_id, [str(r.email) for r in to_send])
        body = BatchRegistrationBody(
            auto_approve=auto_approve,
            # Zoom's webinar batch call has no such field: the webinar's settings decide.
            registrants_confirmation_email=(
                registrants_confirmation_email if kind == "meeting" else None
            ),
            registrants=list(to_send),
        )
        response = await self._call(
            op, {ID_PARAM[kind]: meeting_id}, json=body.to_json(), budget=budget
        )
        result = BatchRegistrationResult.model_validate(self._json(response, op.operation_id))
        result.skipped_at_cap = capped
        return result

    async def list_registrants(
        self,
        kind: Kind,
        meeting_id: int | str,
        *,
        status: Literal["pending", "approved", "denied"] | None = None,
        occurrence_id: str | None = None,
    ) -> AsyncIterator[Registrant]:
        """All registrants across all pages (Zoom lists `approved` ones when no status given)."""
        op = operation_for("list_registrants", kind)
        params: dict[str, str | int] = {}
        if status is not None:
            params["status"] = status
        if occurrence_id is not None:
            params["occurrence_id"] = occurrence_id
        async for item in self._pages(op, {ID_PARAM[kind]: meeting_id}, "registrants", params):
            yield Registrant.model_validate(item)

    async def get_registrant(
        self,
        kind: Kind,
        meeting_id: int | str,
        registrant_id: str,
        *,
        occurrence_id: str | None = None,
    ) -> Registrant:
        op = operation_for("get_registrant", kind)
        # The meeting variant of this operation takes no occurrence_id.
        params = (
            {"occurrence_id": occurrence_id}
            if occurrence_id is not None and kind == "webinar"
            else None
        )
        response = await self._call(
            op, {ID_PARAM[kind]: meeting_id, "registrantId": registrant_id}, params=params
        )
        return Registrant.model_validate(self._json(response, op.operation_id))

    async def update_registrant_status(
        self,
        kind: Kind,
        meeting_id: int | str,
        action: RegistrantAction,
        registrants: Sequence[RegistrantRef],
        *,
        occurrence_id: str | None = None,
    ) -> None:
        """Approve, cancel or deny up to 30 registrants. Refused before sending (whole call,
        `DailyLimitReached` listing them) if any used its 10 status changes today."""
        if len(registrants) > MAX_BATCH:
            raise errors.TooManyRegistrants(
                f"A status change may name at most {MAX_BATCH} registrants, this one names "
                f"{len(registrants)}; split it."
            )
        if not registrants:
            return
        op = operation_for("registrant_status", kind)
        now = self._clock()
        names = [_ref_name(r) for r in registrants]
        keys = [status_key(kind, meeting_id, n) for n in names]
        capped = [
            n
            for n, k in zip(names, keys, strict=True)
            if self._caps.at_cap([k], STATUS_CHANGES_PER_REGISTRANT_PER_DAY, now)
        ]
        if capped:
            self.stats.refused_before_sending += 1
            raise errors.DailyLimitReached(
                f"{len(capped)} registrant(s) already had "
                f"{STATUS_CHANGES_PER_REGISTRANT_PER_DAY} status changes on this meeting today "
                f"({', '.join(capped)}). Work may resume at "
                f"{next_utc_midnight(now):%Y-%m-%d %H:%M} UTC.",
                resume_at=next_utc_midnight(now),
                capped="status changes per registrant",
                capped_keys=capped,
            )
        budget = Budget(
            self._caps, keys, STATUS_CHANGES_PER_REGISTRANT_PER_DAY, "status changes per registrant"
        )
        body = RegistrantStatusBody(action=action, registrants=list(registrants))
        params = {"occurrence_id": occurrence_id} if occurrence_id is not None else None
        await self._call(
            op, {ID_PARAM[kind]: meeting_id}, params=params, json=body.to_json(), budget=budget
        )

    async def get_registration_form(self, webinar_id: int | str) -> RegistrationForm:
        """The fields and custom questions a webinar's registration form asks."""
        op = OPERATIONS["webinarRegistrantsQuestionsGet"]
        response = await self._call(op, {"webinarId": webinar_id})
        return RegistrationForm.model_validate(self._json(response, op.operation_id))

    async def list_panelists(self, webinar_id: int | str) -> list[Panelist]:
        """A webinar's panelists (Zoom answers them all at once)."""
        op = OPERATIONS["webinarPanelists"]
        response = await self._call(op, {"webinarId": webinar_id})
        rows = self._json(response, op.operation_id).get("panelists") or []
        return [Panelist.model_validate(r) for r in rows if isinstance(r, dict)]

    # --- what happened ---------------------------------------------------------------------------

    async def list_past_instances(self, kind: Kind, meeting_id: int | str) -> list[PastInstance]:
        """The ended instances (UUIDs) of a meeting or webinar."""
        op = operation_for("past_instances", kind)
        response = await self._call(op, {ID_PARAM[kind]: meeting_id})
        body = self._json(response, op.operation_id)
        rows = body.get("webinars" if kind == "webinar" else "meetings") or []
        return [PastInstance.model_validate(r) for r in rows if isinstance(r, dict)]

    async def list_past_participants(
        self, kind: Kind, meeting_id_or_uuid: int | str
    ) -> AsyncIterator[Participant]:
        """Participants of a past instance (id = latest instance, or an instance UUID)."""
        op = operation_for("past_participants", kind)
        async for item in self._pages(op, {ID_PARAM[kind]: meeting_id_or_uuid}, "participants"):
            yield Participant.model_validate(item)

    async def list_report_participants(
        self, kind: Kind, meeting_id_or_uuid: int | str
    ) -> AsyncIterator[Participant]:
        """The participants report (Heavy; one row per join/leave segment)."""
        op = operation_for("report_participants", kind)
        async for item in self._pages(op, {ID_PARAM[kind]: meeting_id_or_uuid}, "participants"):
            yield Participant.model_validate(item)

    async def list_webinar_absentees(
        self, webinar_id_or_uuid: int | str, *, occurrence_id: str | None = None
    ) -> AsyncIterator[Registrant]:
        op = OPERATIONS["webinarAbsentees"]
        params: dict[str, str | int] = {}
        if occurrence_id is not None:
            params["occurrence_id"] = occurrence_id
        async for item in self._pages(op, {"webinarId": webinar_id_or_uuid}, "registrants", params):
            yield Registrant.model_validate(item)

    async def get_recordings(self, meeting_id_or_uuid: int | str) -> Recording:
        """Cloud recordings of a meeting or webinar (id = latest instance, or a UUID)."""
        op = OPERATIONS["recordingGet"]
        response = await self._call(op, {"meetingId": meeting_id_or_uuid})
        return Recording.model_validate(self._json(response, op.operation_id))


_TYPES: Mapping[str, frozenset[int]] = {
    "meeting": frozenset({1, 2, 3, 8}),
    "webinar": frozenset({5, 6, 9}),
}
# Settings Zoom's webinar calls do not take (meetings only).
_MEETING_ONLY_SETTINGS = frozenset(
    {
        "registrants_confirmation_email",
        "participant_video",
        "join_before_host",
        "waiting_room",
        "mute_upon_entry",
    }
)


def _check_body_fits_kind(kind: Kind, body: MeetingCreate | MeetingUpdate) -> None:
    """Refuse, before sending, a body Zoom's operation for this kind does not describe."""
    if body.type is not None and body.type not in _TYPES[kind]:
        allowed = ", ".join(str(t) for t in sorted(_TYPES[kind]))
        raise ValueError(f"A {kind} has type {allowed}, not {body.type}.")
    if kind == "webinar" and body.settings is not None:
        wrong = sorted(_MEETING_ONLY_SETTINGS & body.settings.to_json().keys())
        if wrong:
            raise ValueError(f"Webinars do not take these meeting settings: {', '.join(wrong)}.")


def _ref_name(ref: RegistrantRef) -> str:
    # Ids are case-sensitive; emails are not.
    return ref.id if ref.id else (ref.email or "").lower()
