"""Making each booking's Zoom meeting agree with the booking (create, update, move, delete).

A Booking whose `meeting_want` is set is desired state, as a MeetingLink is an event's (B1):
the meeting is hosted by the booked employee's Zoom user, on the service's connection. One
booking at a time: read a snapshot (short transaction), call Zoom outside any transaction, then
record the outcome (short transaction) — only if we still hold the lease, and without losing
changes made meanwhile (a newer desired_version stays PENDING).

Zoom cannot move a meeting between hosts, so a reassigned booking's meeting is deleted on the
old host and made again on the new one. A meeting someone deleted in Zoom is made again: the
booking is the truth.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, Employee, Service
from zoombridge.bookings.values import booking_values
from zoombridge.connections.models import ZoomConnection
from zoombridge.engine import audit, outcomes
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext, log
from zoombridge.engine.outcomes import Verdict
from zoombridge.engine.steps import guard, hand_back
from zoombridge.events.models import LinkState, LinkWant
from zoombridge.events.zoom_body import ZOOM_AGENDA_MAX, ZOOM_TOPIC_MAX, fit
from zoombridge.kit.shortcodes import render
from zoombridge.zoom import (
    DailyLimitReached,
    MeetingCreate,
    MeetingNotFound,
    MeetingUpdate,
    UserNotFound,
    ZoomClient,
    ZoomError,
)
from zoombridge.zoom.models import Meeting

SCHEDULED_MEETING = 2
# A meeting we may have created but never heard back about is looked for among the host's
# meetings created this long before the booking row (clocks of Zoom and ours may differ).
_CREATE_LOOKBACK = timedelta(minutes=10)
# Rounds of claiming within one pass (as the worker does for links): bookings a failure made
# due again at once come back in the next pass, not this one.
_MAX_ROUNDS = 50


@dataclass
class _Snapshot:
    booking: Booking
    service: Service
    employee: Employee
    connection: ZoomConnection | None


class _Step:
    """Times one Zoom call and remembers it for the audit log."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.started = time.monotonic()
        self.duration_ms: int | None = None
        self.error: ZoomError | None = None
        self.note = ""

    def done(self, error: ZoomError | None = None, note: str = "") -> None:
        self.duration_ms = int((time.monotonic() - self.started) * 1000)
        self.error = error
        self.note = note


@dataclass
class _Outcome:
    """What the Zoom calls of one booking came to, for `_record`."""

    steps: list[_Step] = field(default_factory=list)
    meeting: Meeting | None = None
    # The meeting zoombridge knew of is gone (deleted by us, or found deleted in Zoom).
    old_gone: bool = False
    failure: ZoomError | None = None
    other_failure: str | None = None

    def step(self, operation: str) -> _Step:
        step = _Step(operation)
        self.steps.append(step)
        return step


# --- claiming and reading ------------------------------------------------------------------------


async def claim_bookings(ctx: SyncContext, limit: int = 50) -> list[uuid.UUID]:
    now = ctx.now()

    async def work(session: AsyncSession) -> list[uuid.UUID]:
        return await claim(
            session,
            Booking,
            [Booking.meeting_state == LinkState.PENDING, Booking.meeting_want.is_not(None)],
            owner=ctx.owner,
            now=now,
            lease=ctx.lease,
            limit=limit,
            order_by=[Booking.updated_at],
        )

    return await ctx.transaction(work)


async def _snapshot(ctx: SyncContext, booking_id: uuid.UUID) -> _Snapshot | None:
    async def work(session: AsyncSession) -> _Snapshot | None:
        booking = await session.get(Booking, booking_id)
        if booking is None or booking.lease_owner != ctx.owner:
            return None
        service = await session.get(Service, booking.service_id)
        employee = await session.get(Employee, booking.employee_id)
        # RESTRICT foreign keys: both exist.
        assert service is not None
        assert employee is not None
        connection = (
            await session.get(ZoomConnection, service.connection_id)
            if service.connection_id is not None
            else None
        )
        return _Snapshot(booking, service, employee, connection)

    return await ctx.transaction(work)


def meeting_body(booking: Booking, service: Service, employee: Employee) -> MeetingCreate:
    """The create body of the booking's meeting: the templates rendered, Zoom's limits kept."""
    values = booking_values(booking, service, employee)
    topic = fit(render(service.topic_template, values).strip(), ZOOM_TOPIC_MAX)
    agenda = fit(render(service.description_template, values).strip(), ZOOM_AGENDA_MAX)
    return MeetingCreate(
        topic=topic or fit(service.name, ZOOM_TOPIC_MAX),
        type=SCHEDULED_MEETING,
        start_time=booking.start_at,
        duration=booking.duration_minutes,
        timezone=booking.timezone,
        agenda=agenda or None,
        # B4: None means no passcode of ours: the field is left out and Zoom's account
        # settings decide (a passcode it chooses, or none).
        password=booking.passcode,
    )


def meeting_update(body: MeetingCreate) -> MeetingUpdate:
    return MeetingUpdate(
        topic=body.topic,
        agenda=body.agenda,
        start_time=body.start_time,
        duration=body.duration,
        timezone=body.timezone,
        # Resending an unchanged passcode changes nothing; a new one must reach Zoom.
        password=body.password,
    )


# --- the Zoom calls ------------------------------------------------------------------------------


async def _taken_ids(ctx: SyncContext, booking_id: uuid.UUID) -> set[int]:
    """Meetings other bookings own: never mistaken for the one an earlier attempt made."""

    async def work(session: AsyncSession) -> set[int]:
        rows = await session.scalars(
            select(Booking.zoom_meeting_id).where(
                Booking.id != booking_id, Booking.zoom_meeting_id.is_not(None)
            )
        )
        return {int(r) for r in rows if r is not None}

    return await ctx.transaction(work)


async def _find_created(
    zoom: ZoomClient, snap: _Snapshot, host: str, body: MeetingCreate, taken: set[int]
) -> Meeting | None:
    """The meeting an earlier create may have made without us hearing the answer."""
    since = (snap.booking.created_at or datetime.now(UTC)) - _CREATE_LOOKBACK
    async for summary in zoom.list_meetings("meeting", host):
        if summary.id in taken or summary.topic != body.topic:
            continue
        if summary.start_time is not None and summary.start_time != body.start_time:
            continue
        if summary.created_at is not None and summary.created_at < since:
            continue
        return await zoom.get_meeting("meeting", summary.id)
    return None


async def _mark_create_attempt(ctx: SyncContext, booking_id: uuid.UUID) -> None:
    async def work(session: AsyncSession) -> None:
        booking = await session.get(Booking, booking_id)
        if booking is not None and booking.lease_owner == ctx.owner:
            booking.attempts += 1
            booking.lease_expires_at = ctx.now() + ctx.lease

    await ctx.transaction(work)


async def _create(
    ctx: SyncContext,
    zoom: ZoomClient,
    snap: _Snapshot,
    host: str,
    body: MeetingCreate,
    out: _Outcome,
    note: str = "",
) -> None:
    if snap.booking.attempts > 0:
        # An earlier attempt may have made the meeting and died before the answer: find it.
        step = out.step("meetings")
        found = await _find_created(zoom, snap, host, body, await _taken_ids(ctx, snap.booking.id))
        step.done(note="Found the meeting an earlier attempt made." if found else "")
        if found is not None:
            out.meeting = found
            return
    # Noted (committed) before the call: if this process dies before the answer, whoever
    # takes the booking over looks for the meeting first.
    await _mark_create_attempt(ctx, snap.booking.id)
    step = out.step("meetingCreate")
    out.meeting = await zoom.create_meeting("meeting", host, body)
    step.done(note=note)


async def _delete(zoom: ZoomClient, meeting_id: int, out: _Outcome, note: str = "") -> None:
    step = out.step("meetingDelete")
    try:
        await zoom.delete_meeting("meeting", meeting_id)
    except MeetingNotFound:  # already gone: what we wanted
        step.done(note="Already deleted in Zoom.")
    else:
        step.done(note=note)
    out.old_gone = True


async def _calls(ctx: SyncContext, zoom: ZoomClient, snap: _Snapshot, out: _Outcome) -> None:
    booking, employee = snap.booking, snap.employee
    if booking.meeting_want is LinkWant.ABSENT:
        if booking.zoom_meeting_id is not None:
            await _delete(zoom, booking.zoom_meeting_id, out)
        out.old_gone = True
        return
    host = employee.zoom_user_id
    if host is None:
        out.other_failure = (
            f"{employee.name} is not mapped to a Zoom user, so nobody can host this booking's "
            f"meeting: map {employee.name} to a Zoom user of the connection, then sync again."
        )
        return
    body = meeting_body(booking, snap.service, employee)
    if booking.zoom_meeting_id is None:
        await _create(ctx, zoom, snap, host, body, out)
        return
    meeting_id = booking.zoom_meeting_id
    changed = booking.desired_version > booking.synced_version
    if changed and booking.zoom_host_id is not None and booking.zoom_host_id != host:
        # Reassigned: Zoom cannot move a meeting to another host.
        await _delete(zoom, meeting_id, out, note=f"Moving to {employee.name}'s Zoom user.")
        await _create(ctx, zoom, snap, host, body, out)
        return
    try:
        if changed:
            step = out.step("meetingUpdate")
            await zoom.update_meeting("meeting", meeting_id, meeting_update(body), host=host)
            step.done()
        # Read back: what Zoom holds now is what the booking's emails will show.
        step = out.step("meeting")
        out.meeting = await zoom.get_meeting("meeting", meeting_id)
        step.done()
    except MeetingNotFound as exc:
        out.steps[-1].done(exc)
        out.old_gone = True
        await _create(
            ctx, zoom, snap, host, body, out, note="Deleted in Zoom by someone; made again."
        )


async def sync_booking(ctx: SyncContext, booking_id: uuid.UUID) -> bool:
    """Reconcile one claimed booking. True when it was processed (whatever the outcome)."""
    snap = await _snapshot(ctx, booking_id)
    if snap is None:
        return False
    out = _Outcome()
    if snap.connection is None:
        out.other_failure = (
            f"The service {snap.service.name} has no Zoom connection: pick one on the service, "
            "then sync again."
        )
    else:
        zoom = await ctx.clients.client(snap.connection)
        try:
            await _calls(ctx, zoom, snap, out)
        except ZoomError as exc:
            out.failure = exc
            if out.steps and out.steps[-1].duration_ms is None:
                out.steps[-1].done(exc)
        except ValueError as exc:  # a body Zoom would refuse (e.g. a passcode too long)
            out.other_failure = f"The booking cannot be sent to Zoom as it is: {exc}."
    await _record(ctx, snap, out)
    return True


# --- recording the outcome -----------------------------------------------------------------------


def _failure_message(snap: _Snapshot, error: ZoomError) -> str:
    if isinstance(error, UserNotFound):
        employee = snap.employee
        who = employee.zoom_user_email or employee.zoom_user_id
        return (
            f"{employee.name}'s Zoom user ({who}) no longer exists in the Zoom account: map "
            f"{employee.name} to another Zoom user (or add them to Zoom again), then sync again."
        )
    return error.user_message


def _forget_meeting(booking: Booking) -> None:
    booking.zoom_meeting_id = None
    booking.zoom_host_id = None
    booking.join_url = None
    booking.confirmed_start_at = None


def _confirm(booking: Booking, meeting: Meeting, now: datetime) -> None:
    booking.zoom_meeting_id = meeting.id
    booking.zoom_host_id = meeting.host_id
    booking.join_url = meeting.join_url
    booking.confirmed_start_at = meeting.start_time
    booking.meeting_synced_at = now


async def _record(ctx: SyncContext, snap: _Snapshot, out: _Outcome) -> None:
    now = ctx.now()
    seen = snap.booking
    connection_id = snap.connection.id if snap.connection is not None else None

    async def work(session: AsyncSession) -> None:
        concerns = {"connection": connection_id, "booking": seen.id}
        for step in out.steps:
            audit.record(
                session,
                step.operation,
                concerns,
                error=step.error,
                message=step.note,
                duration_ms=step.duration_ms,
            )
        booking = await session.get(Booking, seen.id)
        if booking is None:
            return
        if booking.lease_owner != ctx.owner:
            log.info("lease on booking %s was lost; its outcome is left to the new holder", seen.id)
            return
        release(booking)
        if out.meeting is not None:
            _confirm(booking, out.meeting, now)
        elif out.old_gone:
            # Deleted (by us or in Zoom) and nothing made in its place yet: the next attempt
            # creates, instead of updating a meeting that no longer exists.
            _forget_meeting(booking)
        if out.failure is not None:
            verdict = outcomes.classify(out.failure)
            if verdict == Verdict.DEFERRED:
                assert isinstance(out.failure, DailyLimitReached)
                outcomes.defer(booking, out.failure)
            elif verdict == Verdict.RETRY:
                outcomes.schedule_retry(booking, out.failure, now, ctx.backoff)
            else:
                booking.meeting_state = LinkState.FAILED
                outcomes.fail(booking, _failure_message(snap, out.failure))
            return
        if out.other_failure is not None:
            booking.meeting_state = LinkState.FAILED
            outcomes.fail(booking, out.other_failure)
            return
        outcomes.succeed(booking)
        changed = booking.desired_version > seen.desired_version
        if booking.meeting_want is not seen.meeting_want or changed:
            return  # changed while we were calling Zoom: another pass
        booking.synced_version = seen.desired_version
        booking.meeting_synced_at = now
        if booking.meeting_want is LinkWant.ABSENT:
            booking.meeting_state = LinkState.DELETED
        else:
            booking.meeting_state = LinkState.SYNCED

    await ctx.transaction(work)


def _give_up(booking: Booking, message: str) -> None:
    booking.meeting_state = LinkState.FAILED
    outcomes.fail(booking, message)


async def sync_bookings(ctx: SyncContext) -> int:
    """Every due booking's meeting, a few at a time; the number of bookings processed."""
    done = 0
    seen: set[uuid.UUID] = set()
    gate = asyncio.Semaphore(ctx.batch_concurrency)

    async def one(booking_id: uuid.UUID) -> bool:
        async with gate:
            handled = await guard(
                ctx,
                Booking,
                [booking_id],
                lambda: sync_booking(ctx, booking_id),
                doing="making the booking's Zoom meeting agree with it",
                give_up=_give_up,
            )
            return handled is not False

    for _ in range(_MAX_ROUNDS):
        claimed = await claim_bookings(ctx)
        fresh = [i for i in claimed if i not in seen]
        # Ours again in the same pass (a retry already due): hand them back for the next one.
        await hand_back(ctx, Booking, [i for i in claimed if i in seen])
        if not fresh:
            break
        seen.update(fresh)
        done += sum(await asyncio.gather(*(one(i) for i in fresh)))
    return done
