"""Zoom's rate limits: per account and category per second, daily caps, per-host and
per-registrant daily limits (FACTS.md "Rate limits").

Per-second limits are token buckets holding one second's worth (one minute's for
Resource-intensive), refilled continuously on the real monotonic clock: a client pacing itself
exactly at the limit never sees a 429, a burst above it does. Daily counts use the simulator
clock's UTC day, so moving the clock past midnight resets them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Literal

from zoombridge.simulator.clock import next_utc_midnight
from zoombridge.simulator.config import Plan
from zoombridge.simulator.errors import ZoomError

Category = Literal["Light", "Medium", "Heavy", "Resource-intensive"]

# From each operation's "Rate Limit Label" in Zoom's specs (the spec is the authority).
ROUTE_CATEGORY: dict[str, Category] = {
    "users": "Medium",
    "user": "Light",
    "userSettings": "Medium",
    "meetingCreate": "Medium",
    "meetings": "Medium",
    "meeting": "Light",
    "meetingUpdate": "Light",
    "meetingDelete": "Light",
    "webinarCreate": "Light",
    "webinars": "Medium",
    "webinar": "Light",
    "webinarUpdate": "Light",
    "webinarDelete": "Light",
    "meetingRegistrantCreate": "Light",
    "addBatchRegistrants": "Heavy",
    "meetingRegistrants": "Medium",
    "meetingRegistrantGet": "Light",
    "meetingregistrantdelete": "Light",
    "meetingRegistrantStatus": "Medium",
    "webinarRegistrantCreate": "Light",
    "addBatchWebinarRegistrants": "Heavy",
    "webinarRegistrants": "Medium",
    "webinarRegistrantGet": "Light",
    "deleteWebinarRegistrant": "Light",
    "webinarRegistrantStatus": "Medium",
    "pastMeetings": "Medium",
    "pastMeetingDetails": "Light",
    "pastMeetingParticipants": "Medium",
    "pastWebinars": "Light",
    "listWebinarParticipants": "Medium",
    "webinarAbsentees": "Heavy",
    "reportMeetingParticipants": "Heavy",
    "reportWebinarParticipants": "Heavy",
    "recordingGet": "Light",
    "webinarPanelists": "Medium",
    "webinarPanelistCreate": "Medium",
    "webinarRegistrantsQuestionsGet": "Light",
    "webinarRegistrantQuestionUpdate": "Light",
}

# (requests, window in seconds) per plan and category.
WINDOWS: dict[Plan, dict[Category, tuple[int, float]]] = {
    "free": {"Light": (4, 1), "Medium": (2, 1), "Heavy": (1, 1), "Resource-intensive": (10, 60)},
    "pro": {"Light": (30, 1), "Medium": (20, 1), "Heavy": (10, 1), "Resource-intensive": (10, 60)},
    "business": {
        "Light": (80, 1),
        "Medium": (60, 1),
        "Heavy": (40, 1),
        "Resource-intensive": (20, 60),
    },
}

HOST_CREATE_UPDATE_PER_DAY = 100
REGISTRATIONS_PER_REGISTRANT_PER_DAY = 3
STATUS_CHANGES_PER_REGISTRANT_PER_DAY = 10
HOST_LIMITED_ROUTES = frozenset(
    {"meetingCreate", "webinarCreate", "meetingUpdate", "webinarUpdate"}
)

QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. Refer to the response header "
    "for details on when you can make another request."
)


def daily_cap(plan: Plan, category: Category) -> tuple[str, int] | None:
    """The daily bucket a call counts against (name, cap), or None when uncapped."""
    if plan == "free":
        caps: dict[Category, int] = {
            "Light": 6_000,
            "Medium": 2_000,
            "Heavy": 1_000,
            "Resource-intensive": 30_000,
        }
        return category, caps[category]
    if category in ("Heavy", "Resource-intensive"):
        # Heavy and Resource-intensive share one daily cap on paid plans.
        return "Heavy+Resource-intensive", 30_000 if plan == "pro" else 60_000
    return None


def utc_day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


@dataclass
class TokenBucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    last: float = field(default_factory=time.monotonic)

    def take(self) -> tuple[bool, float]:
        """(allowed, seconds until one token is back)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True, 0.0
        return False, (1 - self.tokens) / self.rate


class RateLimiter:
    def __init__(self) -> None:
        self._buckets: dict[tuple[str, Category], TokenBucket] = {}
        self._daily: dict[tuple[str, str, str], int] = {}
        self._host: dict[tuple[str, str], int] = {}
        self._registrant: dict[tuple[str, int, str, str], int] = {}

    def reset_buckets(self) -> None:
        self._buckets.clear()

    def check_account(
        self, account_id: str, plan: Plan, operation_id: str, now: datetime, enforce: bool
    ) -> dict[str, str]:
        """Count one call; raise a 429 ZoomError when over a limit. Returns headers to send."""
        category = ROUTE_CATEGORY.get(operation_id, "Light")
        limit, window = WINDOWS[plan][category]
        bucket = self._buckets.get((account_id, category))
        if bucket is None:
            bucket = TokenBucket(capacity=limit, rate=limit / window, tokens=limit)
            self._buckets[(account_id, category)] = bucket
        allowed, wait = bucket.take()
        if not allowed and enforce:
            raise ZoomError(
                429,
                429,
                QPS_MESSAGE,
                headers={
                    "X-RateLimit-Category": category,
                    "X-RateLimit-Type": "QPS",
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": str(max(1, math.ceil(wait))),
                },
                kind="QPS",
            )
        cap = daily_cap(plan, category)
        if cap is None:
            return {
                "X-RateLimit-Category": category,
                "X-RateLimit-Type": "QPS",
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(max(0, int(bucket.tokens))),
            }
        name, cap_value = cap
        key = (account_id, name, utc_day(now))
        used = self._daily.get(key, 0)
        if used >= cap_value and enforce:
            raise ZoomError(
                429,
                429,
                DAILY_MESSAGE,
                headers=self._daily_headers(category, cap_value, 0, now),
                kind="Daily-limit",
            )
        self._daily[key] = used + 1
        return {
            "X-RateLimit-Category": category,
            "X-RateLimit-Type": "Daily-limit",
            "X-RateLimit-Limit": str(cap_value),
            "X-RateLimit-Remaining": str(max(0, cap_value - used - 1)),
        }

    @staticmethod
    def _daily_headers(category: str, limit: int, remaining: int, now: datetime) -> dict[str, str]:
        return {
            "X-RateLimit-Category": category,
            "X-RateLimit-Type": "Daily-limit",
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "Retry-After": http_date(next_utc_midnight(now)),
        }

    def check_host(self, user_id: str, operation_id: str, now: datetime, enforce: bool) -> None:
        """Zoom's 100 meeting/webinar create-or-update requests per host per day."""
        key = (user_id, utc_day(now))
        used = self._host.get(key, 0)
        if used >= HOST_CREATE_UPDATE_PER_DAY and enforce:
            raise ZoomError(
                429,
                429,
                f"User {user_id} has exceeded the daily rate limit ({HOST_CREATE_UPDATE_PER_DAY}) "
                "of Meeting Create/Update API requests permitted for this particular user. "
                "You may resume these requests at GMT 00:00:00.",
                headers=self._daily_headers(
                    ROUTE_CATEGORY.get(operation_id, "Light"), HOST_CREATE_UPDATE_PER_DAY, 0, now
                ),
                kind="per-host",
            )
        self._host[key] = used + 1

    def host_count(self, user_id: str, now: datetime) -> int:
        return self._host.get((user_id, utc_day(now)), 0)

    def check_registrants(
        self,
        what: Literal["registration", "status"],
        meeting_id: int,
        emails: list[str],
        operation_id: str,
        now: datetime,
        enforce: bool,
    ) -> None:
        """Per registrant × meeting daily limits; every email named in the call counts once."""
        limit = (
            REGISTRATIONS_PER_REGISTRANT_PER_DAY
            if what == "registration"
            else STATUS_CHANGES_PER_REGISTRANT_PER_DAY
        )
        day = utc_day(now)
        keys = [(what, meeting_id, email.lower(), day) for email in dict.fromkeys(emails)]
        if enforce:
            for key in keys:
                if self._registrant.get(key, 0) >= limit:
                    label = "registration" if what == "registration" else "registrant status"
                    raise ZoomError(
                        429,
                        429,
                        f"You have exceeded the daily rate limit ({limit}) of {label} requests "
                        f"for registrant {key[2]} on meeting {meeting_id}. You may resume these "
                        "requests at GMT 00:00:00.",
                        headers=self._daily_headers(
                            ROUTE_CATEGORY.get(operation_id, "Light"), limit, 0, now
                        ),
                        kind="per-registrant",
                    )
        for key in keys:
            self._registrant[key] = self._registrant.get(key, 0) + 1

    def registrant_counts(self, meeting_id: int, email: str, now: datetime) -> dict[str, int]:
        day = utc_day(now)
        return {
            what: self._registrant.get((what, meeting_id, email.lower(), day), 0)
            for what in ("registration", "status")
        }
