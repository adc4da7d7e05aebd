"""The engine's loop and its failures: a step that fails as a whole is logged and the next step
runs; an unexpected failure of one item is written on that item's row, retried with backoff
when it may pass later, stopped for a person when it cannot."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from tests.sync.conftest import WorkerFactory, World
from zoombridge.engine.context import SyncContext
from zoombridge.engine.steps import (
    MAX_UNEXPECTED_RETRIES,
    Step,
    describe,
    guard,
    may_pass_later,
)
from zoombridge.events.models import LinkState, MeetingLink


async def test_a_step_that_fails_as_a_whole_is_logged_and_the_next_step_runs(
    make_worker: WorkerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []
    broken = True

    async def flaky(ctx: SyncContext) -> int:
        ran.append("flaky")
        if broken:
            raise RuntimeError("the step's query is wrong")
        return 1

    async def steady(ctx: SyncContext) -> int:
        ran.append("steady")
        return 2

    worker = make_worker(steps=[Step("flaky", flaky), Step("steady", steady)])
    assert await worker.run_once() == 2
    assert ran == ["flaky", "steady"]
    assert worker.step_failures == {"flaky": "RuntimeError: the step's query is wrong"}
    assert "worker step flaky failed" in caplog.text

    broken = False
    assert await worker.run_once() == 3
    assert worker.step_failures == {}


async def test_an_item_that_may_pass_later_is_retried_then_given_up(
    world: World, make_worker: WorkerFactory
) -> None:
    _, link = await world.event()
    worker = make_worker(steps=[])
    ctx = worker.context

    def give_up(row: MeetingLink, message: str) -> None:
        row.state = LinkState.FAILED
        row.last_error = message

    async def database_away() -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    for attempt in range(1, MAX_UNEXPECTED_RETRIES + 1):
        assert (
            await guard(
                ctx, MeetingLink, [link.id], database_away, doing="testing", give_up=give_up
            )
            is None
        )
        row = await world.get(MeetingLink, link.id)
        assert row.state is LinkState.PENDING
        assert row.attempts == attempt
        assert row.not_before is not None
        assert row.not_before > ctx.now() - timedelta(seconds=1)
        assert f"Attempt {attempt}; trying again after" in (row.last_error or "")
        assert row.lease_owner is None

    await guard(ctx, MeetingLink, [link.id], database_away, doing="testing", give_up=give_up)
    row = await world.get(MeetingLink, link.id)
    assert row.state is LinkState.FAILED
    assert (row.last_error or "").startswith("Stopped: something went wrong while testing")


async def test_an_item_that_cannot_pass_is_stopped_at_once(
    world: World, make_worker: WorkerFactory
) -> None:
    _, link = await world.event()
    ctx = make_worker(steps=[]).context

    async def bad_value() -> None:
        raise KeyError("Mars/Olympus_Mons")

    await guard(ctx, MeetingLink, [link.id], bad_value, doing="testing", give_up=_fail)
    row = await world.get(MeetingLink, link.id)
    assert row.state is LinkState.FAILED
    assert row.attempts == 1
    assert "KeyError: 'Mars/Olympus_Mons'" in (row.last_error or "")


def _fail(row: MeetingLink, message: str) -> None:
    row.state = LinkState.FAILED
    row.last_error = message


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OperationalError("SELECT 1", {}, Exception("database is locked")), True),
        (httpx.ConnectError("refused"), True),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
        (ValueError("expected '}' before end of string"), False),
        (KeyError("Mars/Olympus_Mons"), False),
        (UnicodeEncodeError("idna", "x", 0, 1, "label empty or too long"), False),
    ],
)
def test_which_failures_may_pass_later(error: Exception, transient: bool) -> None:
    assert may_pass_later(error) is transient


def test_a_failure_is_described_in_one_short_line() -> None:
    text = describe(ValueError("first line\nsecond line " + "x" * 1000))
    assert text.startswith("ValueError: first line second line")
    assert "\n" not in text
    assert len(text) < 330
