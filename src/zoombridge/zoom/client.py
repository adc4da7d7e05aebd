"""`ZoomClient`: every Zoom call zoombridge makes, planned against Zoom's limits.

Each call goes through `_call`, which looks the operation up in OPERATIONS, refuses work that
would break a daily cap (before sending), waits for the account's rate limiter, attaches the
token, tags the request with its operationId, and retries according to the operation's policy.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

import httpx

from zoombridge.zoom import errors
from zoombridge.zoom.auth import TokenProvider
from zoombridge.zoom.credentials import ZoomCredentials
from zoombridge.zoom.daily_caps import CapKey, DailyCaps, next_utc_midnight
from zoombridge.zoom.models import (
    BatchRegistrationResult,
    Meeting,
    MeetingSummary,
    Participant,
    PastInstance,
    Recording,
    Registrant,
    RegistrationResult,
    User,
)
from zoombridge.zoom.operations import (
    ID_PARAM,
    OPERATIONS,
    Kind,
    Operation,
    RetryMode,
    operation_for,
)
from zoombridge.zoom.pagination import PageMode, iterate_items
from zoombridge.zoom.plans import (
    DAILY,
    HOST_CREATE_UPDATE_PER_DAY,
    REGISTRATIONS_PER_REGISTRANT_PER_DAY,
    STATUS_CHANGES_PER_REGISTRANT_PER_DAY,
    Plan,
)
from zoombridge.zoom.ratelimit import DEFAULT_LIMITERS, LimiterRegistry
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
from zoombridge.zoom.retry import RetryPolicy, parse_retry_after
from zoombridge.zoom.stats import ClientStats
from zoombridge.zoom.uuids import encode_path_segment

if TYPE_CHECKING:
    from zoombridge.settings import Settings

log = logging.getLogger("zoombridge.zoom")

DEFAULT_API_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
MAX_BATCH = 30
OPERATION_EXTENSION = "zoom_operation"

Clock = Callable[[], datetime]
OnCapped = Literal["raise", "skip"]

# Transport failures that prove the request never left this machine: always safe to resend.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures after which the request may or may not have been applied by Zoom.
_MAYBE_SENT = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Budget:
    """A per-object daily cap that every attempt of one call draws from."""

    caps: DailyCaps
    keys: list[CapKey]
    limit: int
    what: str

    async def take(self, now: datetime) -> bool:
        return await self.caps.claim(self.keys, self.limit, now)


class ZoomClient:
    """One Zoom connection (account). Use as `async with ZoomClient(...) as zoom:`.

    Meetings and webinars share every method; `kind` ("meeting" or "webinar") picks Zoom's
    operation. Ids that may be instance UUIDs are encoded as Zoom requires.
    """

    def __init__(
        self,
        credentials: ZoomCredentials,
        *,
        plan: Plan = Plan.PRO,
        api_url: str = DEFAULT_API_URL,
        oauth_url: str = DEFAULT_OAUTH_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        limiters: LimiterRegistry | None = None,
        clock: Clock = _utcnow,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = 30.0,
        page_size: int = 300,
    ) -> None:
        self.account_id = credentials.account_id
        self.plan = plan
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url
        self.stats = ClientStats()
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._page_size = page_size
        self._limiters = limiters if limiters is not None else DEFAULT_LIMITERS
        self._limiters.register(self.account_id, plan)
        self._caps = self._limiters.daily_caps(self.account_id)
        self._http = httpx.AsyncClient(
            transport=_Borrowed(transport) if transport is not None else None, timeout=timeout
        )
        self._auth = TokenProvider(
            credentials,
            http=self._http,
            oauth_url=oauth_url,
            clock=clock,
            retry=self._retry,
            stats=self.stats,
        )

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
        keys = [_status_key(kind, meeting_id, n) for n in names]
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
        budget = _Budget(
            self._caps, keys, STATUS_CHANGES_PER_REGISTRANT_PER_DAY, "status changes per registrant"
        )
        body = RegistrantStatusBody(action=action, registrants=list(registrants))
        params = {"occurrence_id": occurrence_id} if occurrence_id is not None else None
        await self._call(
            op, {ID_PARAM[kind]: meeting_id}, params=params, json=body.to_json(), budget=budget
        )

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

    # --- daily-cap bookkeeping -------------------------------------------------------------------

    def _host_key(self, user_id: str) -> str:
        key = user_id.lower()
        return self._caps.host_aliases.get(key, key)

    def _link_host(self, alias: str, email: str) -> None:
        alias, canonical = alias.lower(), email.lower()
        if alias == canonical:
            return
        previous = self._caps.host_aliases.get(alias, alias)
        self._caps.host_aliases[alias] = canonical
        self._caps.merge(("host", previous), ("host", canonical), self._clock())

    def _remember_host(self, meeting: Meeting, user_id: str | None) -> None:
        if meeting.host_email:
            if user_id:
                self._link_host(user_id, meeting.host_email)
            if meeting.host_id:
                self._link_host(meeting.host_id, meeting.host_email)
            self._caps.meeting_hosts[str(meeting.id)] = meeting.host_email.lower()
        elif user_id:
            self._caps.meeting_hosts[str(meeting.id)] = self._host_key(user_id)
        elif meeting.host_id:
            self._caps.meeting_hosts[str(meeting.id)] = self._host_key(meeting.host_id)

    def _host_budget(self, host_key: str, shown: str) -> _Budget:
        now = self._clock()
        key: CapKey = ("host", host_key)
        if self._caps.at_cap([key], HOST_CREATE_UPDATE_PER_DAY, now):
            self.stats.refused_before_sending += 1
            raise errors.DailyLimitReached(
                f"Host {shown} already had {HOST_CREATE_UPDATE_PER_DAY} meeting/webinar creates "
                f"or updates today (Zoom's per-host limit). Work may resume at "
                f"{next_utc_midnight(now):%Y-%m-%d %H:%M} UTC.",
                resume_at=next_utc_midnight(now),
                capped="meeting/webinar creates or updates per host",
                capped_keys=[shown],
            )
        return _Budget(self._caps, [key], HOST_CREATE_UPDATE_PER_DAY, "creates or updates per host")

    def _capped_emails(
        self, kind: Kind, meeting_id: int | str, emails: Sequence[str], now: datetime
    ) -> list[str]:
        return [
            e
            for e in emails
            if self._caps.at_cap(
                [_registration_key(kind, meeting_id, e)], REGISTRATIONS_PER_REGISTRANT_PER_DAY, now
            )
        ]

    def _registrant_cap_error(
        self, capped: list[str], limit: int, now: datetime
    ) -> errors.DailyLimitReached:
        resume = next_utc_midnight(now)
        return errors.DailyLimitReached(
            f"{len(capped)} registrant(s) already had {limit} registration requests on this "
            f"meeting today ({', '.join(capped)}); nothing was sent. Work may resume at "
            f"{resume:%Y-%m-%d %H:%M} UTC.",
            resume_at=resume,
            capped="registration requests per registrant",
            capped_keys=capped,
        )

    def _registration_budget(
        self, kind: Kind, meeting_id: int | str, emails: Sequence[str]
    ) -> _Budget:
        now = self._clock()
        capped = self._capped_emails(kind, meeting_id, emails, now)
        if capped:
            self.stats.refused_before_sending += 1
            raise self._registrant_cap_error(capped, REGISTRATIONS_PER_REGISTRANT_PER_DAY, now)
        return _Budget(
            self._caps,
            [_registration_key(kind, meeting_id, e) for e in emails],
            REGISTRATIONS_PER_REGISTRANT_PER_DAY,
            "registration requests per registrant",
        )

    def _account_pool(self, op: Operation) -> tuple[CapKey, int] | None:
        for categories, limit in DAILY[self.plan].items():
            if op.category in categories:
                name = "+".join(sorted(c.value for c in categories))
                return ("account", name), limit
        return None

    def _check_account_daily(self, op: Operation, now: datetime) -> None:
        blocked = self._caps.blocked_until(("category", op.category.value), now)
        pool = self._account_pool(op)
        over = pool is not None and bool(self._caps.at_cap([pool[0]], pool[1], now))
        if blocked is None and not over:
            return
        self.stats.refused_before_sending += 1
        resume = blocked or next_utc_midnight(now)
        raise errors.DailyLimitReached(
            f"The Zoom account's daily limit for {op.category.value} API calls is used up. "
            f"Work may resume at {resume:%Y-%m-%d %H:%M} UTC.",
            resume_at=resume,
            capped=f"daily {op.category.value} API calls of the account",
            operation_id=op.operation_id,
        )

    # --- the one way a request is sent -----------------------------------------------------------

    async def _pages(
        self,
        op: Operation,
        path_params: Mapping[str, int | str],
        items_key: str,
        params: Mapping[str, str | int] | None = None,
        mode: PageMode = "token",
    ) -> AsyncIterator[dict[str, Any]]:
        async def fetch(page: dict[str, str | int]) -> dict[str, Any]:
            query = {**(params or {}), "page_size": self._page_size, **page}
            response = await self._call(op, path_params, params=query)
            return self._json(response, op.operation_id)

        async for item in iterate_items(fetch, items_key, mode=mode, operation_id=op.operation_id):
            yield item

    def _url(self, op: Operation, path_params: Mapping[str, int | str]) -> str:
        path = op.path
        for name, value in path_params.items():
            path = path.replace("{" + name + "}", encode_path_segment(value))
        if "{" in path:
            raise ValueError(f"{op.operation_id}: missing path parameter in {path}")
        return self.api_url + path

    async def _call(
        self,
        op: Operation,
        path_params: Mapping[str, int | str],
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        budget: _Budget | None = None,
    ) -> httpx.Response:
        url = self._url(op, path_params)
        limiter = self._limiters.limiter(self.account_id, op.category)
        policy = self._retry
        failures = 0
        rate_limited = 0
        renewed_token = False
        last_error: errors.ZoomError | None = None
        while True:
            now = self._clock()
            self._check_account_daily(op, now)
            if budget is not None and not await budget.take(now):
                if last_error is None:  # callers check first; this is a race with another task
                    raise errors.DailyLimitReached(
                        f"The daily limit of {budget.what} was reached.",
                        resume_at=next_utc_midnight(now),
                        capped=budget.what,
                        operation_id=op.operation_id,
                    )
                last_error.user_message += (
                    f" Not retried: a retry would exceed Zoom's daily limit of {budget.what}."
                )
                raise last_error
            pool = self._account_pool(op)
            if pool is not None and not await self._caps.claim([pool[0]], pool[1], now):
                # Another worker process used the last of the pool: now at cap here too.
                self._check_account_daily(op, now)
            await limiter.acquire()
            token = await self._auth.token()
            request = self._http.build_request(
                op.method,
                url,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {token.value.get_secret_value()}"},
                extensions={OPERATION_EXTENSION: op.operation_id},
            )
            self.stats.calls += 1
            self.stats.by_operation[op.operation_id] += 1
            try:
                response = await self._http.send(request)
            except _MAYBE_SENT as exc:
                sent = not isinstance(exc, _NOT_SENT)
                failures += 1
                log.debug("%s: %s (attempt %d)", op.operation_id, type(exc).__name__, failures)
                last_error = self._network_error(op, exc, sent)
                if not _may_retry(op, sent) or failures >= policy.max_attempts:
                    raise last_error from exc
                self.stats.retries += 1
                await policy.sleep(policy.backoff(failures))
                continue

            status = response.status_code
            self.stats.by_status[status] += 1
            log.debug("%s -> %d", op.operation_id, status)
            if status < 300:
                return response
            body = _body(response)
            code = body.get("code")
            if code == 124 or (status == 401 and code is None):
                if renewed_token:
                    raise errors.error_from_response(
                        status, {**body, "code": 124}, operation_id=op.operation_id
                    )
                renewed_token = True
                self.stats.token_renewals_on_401 += 1
                self._auth.invalidate(token)
                continue
            if status == 429:
                self.stats.rate_limited += 1
                rate_limited += 1
                pause, error = self._rate_limited(op, response, body)
                if isinstance(error, errors.DailyLimitReached):
                    raise error
                if rate_limited >= policy.max_rate_limited_attempts:
                    raise error
                limiter.pause(pause)
                self.stats.retries += 1
                continue
            if status >= 500:
                failures += 1
                last_error = errors.error_from_response(status, body, operation_id=op.operation_id)
                if op.retry is RetryMode.NOT_AFTER_SEND:
                    raise self._outcome_unknown(op, status=status, code=code)
                if failures >= policy.max_attempts:
                    raise last_error
                self.stats.retries += 1
                await policy.sleep(policy.backoff(failures))
                continue
            raise errors.error_from_response(status, body, operation_id=op.operation_id)

    def _network_error(self, op: Operation, exc: Exception, sent: bool) -> errors.ZoomError:
        if sent and op.retry is RetryMode.NOT_AFTER_SEND:
            return self._outcome_unknown(op, status=None, code=None)
        return errors.Unavailable(
            f"Zoom could not be reached ({type(exc).__name__}) for {op.operation_id}. It is "
            "retried later; check the network and https://status.zoom.us if it persists.",
            operation_id=op.operation_id,
        )

    def _outcome_unknown(
        self, op: Operation, *, status: int | None, code: Any
    ) -> errors.OutcomeUnknown:
        return errors.OutcomeUnknown(
            "Zoom failed while creating the meeting/webinar, so it may or may not exist now. "
            "It was not sent again (that could create a duplicate): look for it in the host's "
            "meeting list in Zoom before creating it again.",
            status=status,
            code=code,
            operation_id=op.operation_id,
        )

    def _rate_limited(
        self, op: Operation, response: httpx.Response, body: dict[str, Any]
    ) -> tuple[float, errors.RateLimited]:
        now = self._clock()
        message = str(body.get("message") or "")
        limit_type = response.headers.get("X-RateLimit-Type", "")
        category = response.headers.get("X-RateLimit-Category") or op.category.value
        retry_at = parse_retry_after(response.headers.get("Retry-After"), now)
        daily = "daily" in limit_type.lower() or "daily" in message.lower()
        kw: dict[str, Any] = {
            "status": 429,
            "code": body.get("code", 429),
            "zoom_message": message or None,
            "operation_id": op.operation_id,
        }
        if daily:
            resume = retry_at if retry_at is not None and retry_at > now else next_utc_midnight(now)
            lowered = message.lower()
            if "user" in lowered and ("create" in lowered or "update" in lowered):
                capped = "meeting/webinar creates or updates per host"
            elif "registra" in lowered:
                capped = "registration requests per registrant"
            else:
                capped = f"daily {category} API calls of the account"
                self._caps.block(("category", op.category.value), resume)
            return 0.0, errors.DailyLimitReached(resume_at=resume, capped=capped, **kw)
        pause = self._retry.default_rate_limit_pause
        if retry_at is not None:
            pause = (retry_at - now).total_seconds()
        pause = min(max(pause, 0.0), self._retry.max_rate_limit_pause)
        return pause, errors.RateLimited(retry_after=pause, category=category, **kw)

    @staticmethod
    def _json(response: httpx.Response, operation_id: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise errors.UnexpectedResponse(
                status=response.status_code, operation_id=operation_id
            ) from exc
        if not isinstance(body, dict):
            raise errors.UnexpectedResponse(status=response.status_code, operation_id=operation_id)
        return body


class _Borrowed(httpx.AsyncBaseTransport):
    """A transport the caller owns: closing the client leaves it open for others."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        pass


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


def _may_retry(op: Operation, sent: bool) -> bool:
    if op.retry is RetryMode.NOT_AFTER_SEND:
        return not sent
    return True


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _ref_name(ref: RegistrantRef) -> str:
    # Ids are case-sensitive; emails are not.
    return ref.id if ref.id else (ref.email or "").lower()


def _registration_key(kind: Kind, meeting_id: int | str, email: str) -> CapKey:
    return ("registration", kind, str(meeting_id), email.lower())


def _status_key(kind: Kind, meeting_id: int | str, name: str) -> CapKey:
    return ("status", kind, str(meeting_id), name)
