"""The one way a request reaches HubSpot: limits, token, retries, and errors a person can read.

Every operation zoombridge uses is safe to send twice. Batch upserts and participations are
keyed by email, updates and cancels set a state, and creates of named things (property groups,
properties, marketing events) answer 409 when the first attempt did get through, which the
client reads as "it exists". So network errors and 5xx are retried for every operation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from pydantic import SecretStr

from zoombridge.hubspot import errors
from zoombridge.hubspot.operations import Limit, Operation
from zoombridge.hubspot.ratelimit import LimiterRegistry, next_local_midnight
from zoombridge.hubspot.retry import RetryPolicy, parse_retry_after
from zoombridge.hubspot.scopes import features_needing
from zoombridge.hubspot.stats import ClientStats

log = logging.getLogger("zoombridge.hubspot")

OPERATION_EXTENSION = "hubspot_operation"
"""Every request carries its spec operationId here (the contract harness reads it)."""

Clock = Callable[[], datetime]

# Failures after which the request may or may not have reached HubSpot.
_NETWORK = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)
# Failures proving it never left this machine.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
ACCOUNT_WIDE = (errors.TokenInvalid, errors.MissingScopes, errors.DailyLimitReached)


class Sender:
    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        base_url: str,
        token: SecretStr,
        hub_id: str,
        zone: ZoneInfo,
        limiters: LimiterRegistry,
        clock: Clock,
        retry: RetryPolicy,
        stats: ClientStats,
    ) -> None:
        self._http = http
        self._base_url = base_url
        self._token = token
        self._hub_id = hub_id
        self._zone = zone
        self._limiters = limiters
        self._clock = clock
        self._retry = retry
        self.stats = stats

    def url(self, op: Operation, path_params: Mapping[str, str]) -> str:
        path = op.path
        for name, value in path_params.items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        if "{" in path:
            raise ValueError(f"{op.name}: missing path parameter in {path}")
        return self._base_url + path

    async def send(
        self,
        op: Operation,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send until HubSpot answers 2xx, or raise the typed error for why not.

        A 409 raises `errors.Conflict` with `after_uncertain_attempt` set when an earlier
        attempt of this call may have been the one that created the object.
        """
        url = self.url(op, path_params or {})
        limiter = self._limiters.limiter(self._hub_id, op.limit)
        daily = self._limiters.daily(self._hub_id)
        policy = self._retry
        failures = 0
        rate_limited = 0
        uncertain = False
        while True:
            now = self._clock()
            blocked = daily.blocked_until(now)
            if blocked is not None:
                self.stats.refused_before_sending += 1
                raise errors.DailyLimitReached(
                    resume_at=blocked.astimezone(self._zone), operation=op.name
                )
            slot = await limiter.acquire()
            daily.take(self._clock())
            request = self._http.build_request(
                op.method,
                url,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {self._token.get_secret_value()}"},
                extensions={OPERATION_EXTENSION: op.operation_id},
            )
            self.stats.calls += 1
            self.stats.by_operation[op.name] += 1
            try:
                response = await self._http.send(request)
            except _NETWORK as exc:
                limiter.release(slot)
                failures += 1
                uncertain = uncertain or not isinstance(exc, _NOT_SENT)
                log.debug("%s: %s (attempt %d)", op.name, type(exc).__name__, failures)
                if failures >= policy.max_attempts:
                    raise errors.Unavailable(
                        f"HubSpot could not be reached ({type(exc).__name__}) for {op.name} "
                        f"after {failures} tries. It is retried later; check the network and "
                        "https://status.hubspot.com if it persists.",
                        operation=op.name,
                    ) from exc
                self.stats.retries += 1
                await policy.sleep(policy.backoff(failures))
                continue

            limiter.release(slot)
            status = response.status_code
            self.stats.by_status[status] += 1
            log.debug("%s -> %d", op.name, status)
            if op.limit is Limit.STANDARD:
                self._read_limit_headers(response)
            if status < 300:
                return response
            body = _body(response)
            if status == 429:
                self.stats.rate_limited += 1
                self.stats.rate_limited_by_operation[op.name] += 1
                rate_limited += 1
                pause = self._rate_limited(op, response, body, rate_limited)
                limiter.pause(pause)
                self.stats.rate_limit_pauses.append(pause)
                self.stats.retries += 1
                continue
            if status >= 500:
                failures += 1
                uncertain = True
                if failures >= policy.max_attempts:
                    raise self.error(op, status, body)
                self.stats.retries += 1
                await policy.sleep(policy.backoff(failures))
                continue
            error = self.error(op, status, body)
            if isinstance(error, errors.Conflict):
                error.after_uncertain_attempt = uncertain
            raise error

    def _rate_limited(
        self, op: Operation, response: httpx.Response, body: dict[str, Any], count: int
    ) -> float:
        """The pause before trying again, or raise when waiting cannot help today."""
        now = self._clock()
        retry_at = parse_retry_after(response.headers.get("Retry-After"), now)
        message = self.scrub(str(body.get("message") or "")) or None
        if body.get("policyName") == "DAILY":
            self.stats.daily_limited += 1
            resume = retry_at if retry_at is not None and retry_at > now else None
            resume = resume or next_local_midnight(now, self._zone)
            self._limiters.daily(self._hub_id).block(resume)
            raise errors.DailyLimitReached(
                resume_at=resume.astimezone(self._zone),
                status=429,
                hubspot_message=message,
                correlation_id=body.get("correlationId"),
                operation=op.name,
            )
        retry_after = (retry_at - now).total_seconds() if retry_at is not None else None
        pause = self._retry.rate_limit_pause(count, retry_after)
        if count >= self._retry.max_rate_limited_attempts:
            raise errors.RateLimited(
                retry_after=pause,
                status=429,
                category=str(body.get("policyName") or "RATE_LIMIT"),
                hubspot_message=message,
                correlation_id=body.get("correlationId"),
                operation=op.name,
            )
        return pause

    def _read_limit_headers(self, response: httpx.Response) -> None:
        """HubSpot's view of the account's limits re-syncs ours: after a restart our counts are
        gone, and a connection set to the wrong tier would otherwise plan too high."""
        headers = response.headers
        daily = _int(headers.get("X-HubSpot-RateLimit-Daily"))
        remaining = _int(headers.get("X-HubSpot-RateLimit-Daily-Remaining"))
        counter = self._limiters.daily(self._hub_id)
        if remaining is not None:
            self.stats.daily_remaining = remaining
            if daily is not None:
                counter.limit = min(counter.limit, daily)
                counter.used = max(counter.used, daily - remaining)
            if remaining <= 0:
                counter.block(next_local_midnight(self._clock(), self._zone))
        burst = _int(headers.get("X-HubSpot-RateLimit-Max"))
        interval_ms = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
        limiter = self._limiters.limiter(self._hub_id, Limit.STANDARD)
        window = interval_ms / 1000 if interval_ms else limiter.window_s
        if burst and burst > 0 and window > 0 and burst / window < limiter.burst / limiter.window_s:
            limiter.set_limits(burst, window)

    def scrub(self, text: str) -> str:
        secret = self._token.get_secret_value()
        return text.replace(secret, "[token]") if secret else text

    def error(self, op: Operation, status: int, body: dict[str, Any]) -> errors.HubSpotError:
        """The typed error for a refusal, from HubSpot's `Error` body."""
        category = body.get("category") if isinstance(body.get("category"), str) else None
        context = _context(body.get("context"))
        kw: dict[str, Any] = {
            "status": status,
            "category": category,
            "hubspot_message": self.scrub(str(body.get("message") or "")) or None,
            "correlation_id": body.get("correlationId"),
            "context": context,
            "operation": op.name,
        }
        if status == 401:
            return errors.TokenInvalid(**kw)
        if status == 403 and category == "MISSING_SCOPES":
            scopes = context.get("missingScopes") or _detail_scopes(body) or sorted(op.scopes)
            features = [f.label for f in features_needing(scopes)]
            return errors.MissingScopes(scopes=scopes, features=features, **kw)
        if status == 403:
            return errors.Forbidden(**kw)
        if status == 404:
            return _not_found(op)(**kw)
        if status == 409:
            return errors.Conflict(**kw)
        if status == 400 and category == "VALIDATION_ERROR":
            return errors.ValidationFailed(field_errors=field_errors(body, self.scrub), **kw)
        if status >= 500:
            return errors.Unavailable(**kw)
        return errors.RequestRejected(**kw)


def field_errors(body: dict[str, Any], scrub: Callable[[str], str]) -> list[errors.FieldError]:
    found = []
    for item in body.get("errors") or []:
        if isinstance(item, dict) and isinstance(item.get("message"), str):
            found.append(
                errors.FieldError(
                    message=scrub(item["message"]),
                    field=item.get("in") if isinstance(item.get("in"), str) else None,
                    code=item.get("code") if isinstance(item.get("code"), str) else None,
                )
            )
    return found


def _not_found(op: Operation) -> type[errors.NotFound]:
    if op.name.startswith("contacts."):
        return errors.ContactNotFound
    if op.name.startswith(("properties.", "groups.")):
        return errors.PropertyNotFound
    if op.name.startswith(("events.", "participations.")):
        return errors.MarketingEventNotFound
    return errors.NotFound


def _detail_scopes(body: dict[str, Any]) -> list[str]:
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            context = _context(item.get("context"))
            scopes = context.get("missingScopes") or context.get("requiredScopes")
            if scopes:
                return scopes
    return []


def _context(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, dict):
        return {}
    return {
        str(k): [str(v) for v in values] for k, values in raw.items() if isinstance(values, list)
    }


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
