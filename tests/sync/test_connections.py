"""Test access (C2) and fetch hosts (C3), run by the worker against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from tests.fixtures.db_faults import allow_inserts, refuse_inserts
from tests.sync.conftest import WorkerFactory, World
from zoombridge.connections.models import ZoomConnection, ZoomHost, ZoomMeetingChoice
from zoombridge.engine import audit
from zoombridge.engine.models import AuditEntry
from zoombridge.zoom import LimiterRegistry, ZoomClient, ZoomCredentials


async def request(
    world: World, connection: ZoomConnection, *, test: bool = False, hosts: bool = False
) -> None:
    async with world.maker() as session:
        row = await session.get(ZoomConnection, connection.id)
        now = datetime.now(UTC)
        if test:
            row.test_requested_at = now
        if hosts:
            row.hosts_requested_at = now
        await session.commit()


async def test_client_reports_granted_scopes(
    world: World, zoom_transport: httpx.AsyncBaseTransport
) -> None:
    account = world.admin.create_account(plan="pro", scopes=["meeting:read", "user:read"])
    credentials = ZoomCredentials(
        account_id=account["account_id"],
        client_id=account["client_id"],
        client_secret=SecretStr(account["client_secret"]),
    )
    async with ZoomClient(
        credentials,
        api_url=world.sim.api_url,
        oauth_url=world.sim.oauth_url,
        transport=zoom_transport,
        limiters=LimiterRegistry(),
    ) as zoom:
        assert await zoom.granted_scopes() == {"meeting:read", "user:read"}


async def test_access_ok(world: World, make_worker: WorkerFactory) -> None:
    connection = await world.connect()
    await request(world, connection, test=True)

    assert await make_worker().run_once() == 1

    row = await world.get(ZoomConnection, connection.id)
    assert row.last_test_ok is True
    assert row.last_test_error is None
    assert row.test_requested_at is None
    assert row.last_tested_at is not None
    assert (
        "meeting:write:admin" in row.granted_scope_set or "meeting:write" in row.granted_scope_set
    )
    entries = await world.all(select(AuditEntry).where(audit.about("connection", connection.id)))
    assert [e.operation for e in entries if e.operation in ("oauth.token", "user")]


async def test_access_names_missing_scopes_by_feature(
    world: World, make_worker: WorkerFactory
) -> None:
    account = world.admin.create_account(plan="pro", scopes=["user:read", "meeting:read"])
    connection = await world.connect(
        account_id=account["account_id"],
        client_id=account["client_id"],
        client_secret=SecretStr(account["client_secret"]),
        webinar_addon=False,
    )
    await request(world, connection, test=True)
    await make_worker().run_once()

    row = await world.get(ZoomConnection, connection.id)
    assert row.last_test_ok is False
    assert row.last_test_error is not None
    assert "meetings:" in row.last_test_error
    assert "registrants:" in row.last_test_error
    assert "meeting:write:meeting:admin" in row.last_test_error


async def test_access_with_a_wrong_secret_says_what_to_check(
    world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect(client_secret=SecretStr("wrong-secret"))
    await request(world, connection, test=True)
    await make_worker().run_once()

    row = await world.get(ZoomConnection, connection.id)
    assert row.last_test_ok is False
    assert row.last_test_error
    assert "client secret" in row.last_test_error
    assert "wrong-secret" not in row.last_test_error


async def test_fetch_hosts_and_the_owners_meetings(
    world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    world.admin.add_user(
        "sim-account", email="second@example.com", first_name="Sec", last_name="Ond", type=2
    )
    created = world.zoom(
        "POST",
        "/users/me/meetings",
        {"topic": "Pick me", "type": 2, "start_time": "2031-01-01T10:00:00Z", "duration": 30},
    ).json()
    await request(world, connection, hosts=True)

    await make_worker().run_once()

    hosts = await world.all(select(ZoomHost).where(ZoomHost.connection_id == connection.id))
    assert sorted(h.email for h in hosts) == ["host@example.com", "second@example.com"]
    choices = await world.all(select(ZoomMeetingChoice))
    assert [(c.zoom_meeting_id, c.topic, c.kind) for c in choices] == [
        (created["id"], "Pick me", "meeting")
    ]
    row = await world.get(ZoomConnection, connection.id)
    assert row.hosts_fetched_at is not None
    assert row.hosts_requested_at is None


async def test_a_request_whose_outcome_cannot_be_recorded_is_not_lost(
    world: World, make_worker: WorkerFactory
) -> None:
    connection = await world.connect()
    await request(world, connection, test=True, hosts=True)
    worker = make_worker()
    # The database refuses the audit entries that go with every outcome.
    await refuse_inserts(world.maker, "audit_log")
    try:
        await worker.run_once()
    finally:
        await allow_inserts(world.maker, "audit_log")
    row = await world.get(ZoomConnection, connection.id)
    assert row.test_requested_at is not None  # still asked for: run again
    assert row.hosts_requested_at is not None
    assert row.last_tested_at is None

    await worker.run_once()
    row = await world.get(ZoomConnection, connection.id)
    assert row.test_requested_at is None
    assert row.hosts_requested_at is None
    assert row.last_test_ok is True
    assert row.hosts_fetched_at is not None
