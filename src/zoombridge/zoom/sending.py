"""How the Zoom client sends a request: the one `_call` every operation goes through (daily caps
refused before sending, the account's rate limiter, the token, retries by the operation's
policy, Zoom's errors typed), paging, and the daily-cap bookkeeping of hosts and registrants.

`ZoomClient` (zoom.client) builds on `RequestSender` with one method per Zoom operation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import httpx

from zoombridge.zoom import errors
from zoombridge.zoom.auth import TokenProvider
from zoombridge.zoom.credentials import ZoomCredentials
from zoombridge.zoom.daily_caps import CapKey, DailyCaps, next_utc_midnight
from zoombridge.zoom.models import (
    Meeting,
)
from zoombridge.zoom.operations import (
    Kind,
    Operation,
    RetryMode,
)
from zoombridge.zoom.pagination import PageMode, iterate_items
from zoombridge.zoom.plans import (
    DAILY,
    HOST_CREATE_UPDATE_PER_DAY,
    REGISTRATIONS_PER_REGISTRANT_PER_DAY,
    Plan,
)
from zoombridge.zoom.ratelimit import DEFAULT_LIMITERS, LimiterRegistry
from zoombridge.zoom.retry import RetryPolicy, parse_retry_after
from zoombridge.zoom.stats import ClientStats
from zoombridge.zoom.uuids import encode_path_segment

if TYPE_CHECKING:
    pass

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
class Budget:
    """A per-object daily cap that every attempt of one call draws from."""

    caps: DailyCaps
    keys: list[CapKey]
    limit: int
    what: str

    async def take(self, now: datetime) -> bool:
        return await self.caps.claim(self.keys, self.limit, now)


class RequestSender:
    """The state of one Zoom connection's client and the way its requests are sent."""

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

    def _host_budget(self, host_key: str, shown: str) -> Budget:
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
        return Budget(self._caps, [key], HOST_CREATE_UPDATE_PER_DAY, "creates or updates per host")

    def _capped_emails(
        self, kind: Kind, meeting_id: int | str, emails: Sequence[str], now: datetime
    ) -> list[str]:
        return [
            e
            for e in emails
            if self._caps.at_cap(
                [registration_key(kind, meeting_id, e)], REGISTRATIONS_PER_REGISTRANT_PER_DAY, now
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
    ) -> Budget:
        now = self._clock()
        capped = self._capped_emails(kind, meeting_id, emails, now)
        if capped:
            self.stats.refused_before_sending += 1
            raise self._registrant_cap_error(capped, REGISTRATIONS_PER_REGISTRANT_PER_DAY, now)
        return Budget(
            self._caps,
            [registration_key(kind, meeting_id, e) for e in emails],
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
        budget: Budget | None = None,
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


def registration_key(kind: Kind, meeting_id: int | str, email: str) -> CapKey:
    return ("registration", kind, str(meeting_id), email.lower())


def status_key(kind: Kind, meeting_id: int | str, name: str) -> CapKey:
    return ("status", kind, str(meeting_id), name)
