"""What the courses tests share: API calls as staff and learners, the worker run until a
condition holds, Zoom's meeting.ended delivered signed, the simulator driving a session."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.fixtures.api import ApiHarness
from tests.sync.conftest import WEBHOOK_SECRET
from zoombridge.accounts.service import create_api_token
from zoombridge.notifications.models import SmtpSecurity, SmtpSettings
from zoombridge.simulator import SimulatorServer
from zoombridge.worker import Worker
from zoombridge.zoom.webhooks import sign


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json() if response.content else None


async def token_for(api: ApiHarness, user_id: str) -> httpx.AsyncClient:
    """An API client acting as the user (a token made as `zoombridge token create --user`)."""
    async with api.sessionmaker() as session:
        token, _ = await create_api_token(session, "tests", uuid.UUID(user_id))
        await session.commit()
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app),
        base_url="http://zoombridge.test",
        headers={"Authorization": f"Bearer {token}"},
    )


async def connection(api: ApiHarness, sim: SimulatorServer) -> str:
    body = {
        "name": "Training Zoom",
        "account_id": sim.config.account_id,
        "client_id": sim.config.client_id,
        "client_secret": sim.config.client_secret,
        "webhook_secret_token": WEBHOOK_SECRET,
        "plan": "pro",
        "webinar_addon": True,
        "api_url": sim.api_url,
        "oauth_url": sim.oauth_url,
    }
    return str((await ok(await api.http.post("/api/v1/connections", json=body), 201))["id"])


async def until(
    worker: Worker, done: Callable[[], Awaitable[bool]], rounds: int = 60, pause: float = 0.05
) -> None:
    import asyncio

    for _ in range(rounds):
        await worker.run_once()
        if await done():
            return
        await asyncio.sleep(pause)
    raise AssertionError("the worker did not get there")


async def smtp_to(maker: async_sessionmaker[AsyncSession], port: int) -> None:
    async with maker() as session:
        session.add(
            SmtpSettings(
                host="127.0.0.1",
                port=port,
                security=SmtpSecurity.NONE,
                from_address="desk@zoombridge.test",
                from_name="Training desk",
                timeout_seconds=5,
            )
        )
        await session.commit()


def zoom_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def deliver(api: ApiHarness, connection_id: str, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    headers = {
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": sign(WEBHOOK_SECRET, stamp, raw),
        "content-type": "application/json",
    }
    answer = await api.anonymous.post(
        f"/webhooks/zoom/{connection_id}", content=raw, headers=headers
    )
    assert answer.status_code == 200, answer.text


def ended(meeting_id: int, instance: dict[str, Any], kind: str = "meeting") -> dict[str, Any]:
    return {
        "event": f"{kind}.ended",
        "event_ts": int(time.time() * 1000),
        "payload": {
            "account_id": "sim-account",
            "object": {
                "id": str(meeting_id),
                "uuid": instance["uuid"],
                "start_time": instance["start_time"],
                "end_time": instance["end_time"],
            },
        },
    }


def hold_session(
    admin: Any, meeting_id: int, start: datetime, people: list[dict[str, Any]], minutes: int
) -> dict[str, Any]:
    """The simulator holds one session: its clock is moved to the meeting's end, then the
    whole instance (join/leave segments in seconds from the instance's start) is recorded."""
    longest = max(pair[1] for p in people for pair in p["segments"])
    end = start - timedelta(minutes=10) + timedelta(seconds=longest)
    admin.set_clock(end.isoformat())
    result: dict[str, Any] = admin.attendance(meeting_id, people)
    assert minutes  # the scheduled length the segments were planned against
    return result
