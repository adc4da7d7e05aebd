"""The worker step that sends due emails from the outbox (B5, O6).

Per email, with a lease on its row (engine.claims): one short transaction checks that what the
email shows is ready (the booking's meeting reflects the booking; the attendee's Zoom
registration is done) and reads templates, fresh values and the SMTP settings; then, outside
any transaction, a staff email that shows the host start link gets it from Zoom (it expires
after two hours, so it is fetched now, never stored) and the message goes out through SMTP;
a last transaction records the outcome (sent, retry later, failed) and one audit entry.

A crash between the SMTP send and that last transaction sends the email again when the lease
expires: its Message-ID is `<email id@zoombridge>`, the same on every attempt, so a mail client
or relay can tell it is the same message.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zoombridge.bookings.models import Booking, Employee, Service
from zoombridge.connections.models import ZoomConnection
from zoombridge.engine import outcomes
from zoombridge.engine.audit import Subjects, record
from zoombridge.engine.claims import claim, release
from zoombridge.engine.context import SyncContext
from zoombridge.engine.models import Outcome
from zoombridge.engine.steps import guard, hand_back
from zoombridge.events.models import Event, LinkState, LinkWant, MeetingLink
from zoombridge.notifications import smtp
from zoombridge.notifications.models import Audience, EmailState, OutboundEmail, SmtpSettings
from zoombridge.notifications.render import (
    Draft,
    build_message,
    draft,
    message_id,
    render_text,
)
from zoombridge.orders.models import Attendee, Registration, RegistrationState
from zoombridge.zoom import DailyLimitReached, MeetingNotFound, ZoomError

log = logging.getLogger("zoombridge.notifications.tasks.sending")

BATCH = 20
_MAX_ROUNDS = 20
# How long an email that waits for Zoom (a meeting, a registration) waits before looking again.
READY_RECHECK = timedelta(seconds=5)
NO_SETTINGS_RECHECK = timedelta(seconds=60)
NO_SETTINGS = (
    "No SMTP settings: emails wait unsent until the SMTP server is configured (Settings → Email)."
)


@dataclass
class _HostMeeting:
    connection: ZoomConnection
    meeting_id: int
    booking_id: uuid.UUID


@dataclass
class _Prepared:
    email_id: uuid.UUID
    audience: Audience
    to_address: str
    to_name: str
    concerns: Subjects
    target: smtp.SmtpTarget
    draft: Draft
    host_meeting: _HostMeeting | None


async def send_due_emails(ctx: SyncContext) -> int:
    """Send (or decide to wait on) every due pending email; the number handled."""
    done = 0
    seen: set[uuid.UUID] = set()
    for _ in range(_MAX_ROUNDS):
        claimed = await ctx.transaction(lambda session: _claim(ctx, session))
        fresh = [i for i in claimed if i not in seen]
        if not fresh:
            # Due again within this pass (a short backoff): handed back for the next pass.
            await hand_back(ctx, OutboundEmail, claimed)
            break
        seen.update(fresh)
        for email_id in fresh:
            # One email that cannot be built or sent (a name the message cannot hold …) is
            # recorded on its own row; the emails claimed with it go on.
            await guard(
                ctx,
                OutboundEmail,
                [email_id],
                partial(_handle, ctx, email_id),
                doing="preparing or sending this email",
                give_up=_stop,
            )
            done += 1
    return done


async def _claim(ctx: SyncContext, session: AsyncSession) -> list[uuid.UUID]:
    return await claim(
        session,
        OutboundEmail,
        [OutboundEmail.state == EmailState.PENDING],
        owner=ctx.owner,
        now=ctx.now(),
        lease=ctx.lease,
        limit=BATCH,
        order_by=[OutboundEmail.created_at],
    )


# --- readiness ------------------------------------------------------------------------------


async def _waiting_for(session: AsyncSession, email: OutboundEmail) -> str | None:
    """Why the email cannot leave yet (None: it can)."""
    if email.wait_for_version is not None and email.booking_id is not None:
        booking = await session.get(Booking, email.booking_id)
        if (
            booking is not None
            and booking.meeting_want is not None
            and booking.synced_version < email.wait_for_version
        ):
            if booking.meeting_state is LinkState.FAILED:
                return (
                    "Waiting for the booking's Zoom meeting, which failed: "
                    f"{booking.last_error or 'see the booking'} The email goes out once the "
                    "meeting is in order."
                )
            return (
                "Waiting for the booking's Zoom meeting to be created or updated, so the email "
                "shows it as it is."
            )
    if email.template_key == "event_ticket" and email.attendee_id is not None:
        attendee = await session.get(Attendee, email.attendee_id)
        event = await session.get(Event, email.event_id) if email.event_id else None
        if attendee is not None and event is not None and event.registration_enabled:
            link_ids = select(MeetingLink.id).where(
                MeetingLink.event_id == event.id, MeetingLink.want == LinkWant.PRESENT
            )
            pending = await session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(
                    Registration.link_id.in_(link_ids),
                    Registration.email == attendee.email,
                    Registration.state == RegistrationState.PENDING,
                )
            )
            if pending:
                return (
                    "Waiting for the attendee's Zoom registration, so the ticket carries their "
                    "own join link."
                )
    return None


async def _host_meeting(session: AsyncSession, email: OutboundEmail) -> _HostMeeting | None:
    if email.booking_id is None:
        return None
    booking = await session.get(Booking, email.booking_id)
    if booking is None or booking.zoom_meeting_id is None:
        return None
    service = await session.get(Service, booking.service_id)
    employee = await session.get(Employee, booking.employee_id)
    connection_id = (service.connection_id if service else None) or (
        employee.connection_id if employee else None
    )
    connection = await session.get(ZoomConnection, connection_id) if connection_id else None
    if connection is None:
        return None
    return _HostMeeting(connection, booking.zoom_meeting_id, booking.id)


# --- one email ------------------------------------------------------------------------------


def _concerns(email: OutboundEmail) -> Subjects:
    return {
        "booking": email.booking_id,
        "event": email.event_id,
        "attendee": email.attendee_id,
        "email": email.id,
    }


async def _prepare(ctx: SyncContext, email_id: uuid.UUID) -> _Prepared | None:
    """Read what the send needs, or settle the email (wait, cancel) and answer None."""

    async def work(session: AsyncSession) -> _Prepared | None:
        email = await session.get(OutboundEmail, email_id)
        if email is None or email.lease_owner != ctx.owner:
            return None
        if email.state is not EmailState.PENDING:
            release(email)
            return None
        now = ctx.now()
        reason = await _waiting_for(session, email)
        if reason is not None:
            email.not_before = now + READY_RECHECK
            email.last_error = reason
            release(email)
            return None
        settings = await session.scalar(
            select(SmtpSettings).order_by(SmtpSettings.created_at).limit(1)
        )
        if settings is None:
            email.not_before = now + NO_SETTINGS_RECHECK
            email.last_error = NO_SETTINGS
            release(email)
            return None
        prepared = await draft(session, email)
        if prepared is None:
            email.state = EmailState.CANCELLED
            email.not_before = None
            email.last_error = (
                "Not sent: what it announces is no longer valid (cancelled ticket, order or event)."
            )
            release(email)
            return None
        host = None
        if email.audience is Audience.STAFF and prepared.uses_host_link:
            host = await _host_meeting(session, email)
        return _Prepared(
            email_id=email.id,
            audience=email.audience,
            to_address=email.to_address,
            to_name=email.to_name,
            concerns=_concerns(email),
            target=smtp.SmtpTarget.of(settings),
            draft=prepared,
            host_meeting=host,
        )

    return await ctx.transaction(work)


def _retry(email: OutboundEmail, message: str, now: datetime, ctx: SyncContext) -> None:
    email.attempts = (email.attempts or 0) + 1
    email.not_before = ctx.backoff.next_try(now, email.attempts)
    email.last_error = (
        f"{message} Attempt {email.attempts} failed; trying again after "
        f"{email.not_before:%Y-%m-%d %H:%M:%S} UTC."
    )


def _stop(email: OutboundEmail, message: str) -> None:
    email.state = EmailState.FAILED
    outcomes.fail(email, message)


async def _handle(ctx: SyncContext, email_id: uuid.UUID) -> int:
    prepared = await _prepare(ctx, email_id)
    if prepared is None:
        return 1
    host_link: str | None = None
    zoom_error: ZoomError | None = None
    fetch_note = "Fetched the host start link for a staff email (not stored)."
    host = prepared.host_meeting
    if host is not None:
        try:
            zoom = await ctx.clients.client(host.connection)
            meeting = await zoom.get_meeting("meeting", host.meeting_id)
            host_link = meeting.start_url
        except MeetingNotFound:
            # Gone from Zoom (e.g. the cancellation email of a deleted meeting): there is no
            # start link to give, and the email is still worth sending.
            fetch_note = (
                "The meeting is no longer on Zoom: the staff email goes without a host link."
            )
        except ZoomError as exc:
            zoom_error = exc
    if zoom_error is not None:
        await _record_zoom_failure(ctx, prepared, zoom_error)
        return 1

    rendered = render_text(prepared.draft, prepared.audience, host_link)
    now = ctx.now()
    message = build_message(
        email_id=prepared.email_id,
        from_address=prepared.target.from_address,
        from_name=prepared.target.from_name,
        to_address=prepared.to_address,
        to_name=prepared.to_name,
        subject=rendered.subject,
        body=rendered.body,
        attachments=prepared.draft.attachments,
        now=now,
    )
    failure: smtp.SmtpFailure | None = None
    try:
        await smtp.send(prepared.target, message)
    except smtp.SmtpFailure as exc:
        failure = exc
    if failure is not None:
        log.warning("email %s not sent: %s", prepared.email_id, failure.message)

    async def work(session: AsyncSession) -> None:
        if host is not None:
            record(
                session,
                "meetingGet",
                {
                    "connection": host.connection.id,
                    "booking": host.booking_id,
                    "email": prepared.email_id,
                },
                outcome=Outcome.OK,
                message=fetch_note,
            )
        email = await session.get(OutboundEmail, prepared.email_id)
        if email is None:  # pragma: no cover - outbox rows are never deleted
            return
        summary = f"To {prepared.to_address}: {rendered.stored_subject}"
        if failure is None:
            email.state = EmailState.SENT
            email.sent_at = now
            email.subject = rendered.stored_subject[:255]
            email.body = rendered.stored_body
            email.message_id = message_id(email.id)
            outcomes.succeed(email)
            outcome = Outcome.OK
        elif failure.retryable:
            _retry(email, failure.message, ctx.now(), ctx)
            outcome = Outcome.RETRY
            summary += f" — {failure.message}"
        else:
            _stop(email, failure.message)
            outcome = Outcome.FAILED
            summary += f" — {failure.message}"
        release(email)
        record(session, "emailSend", _concerns(email), outcome=outcome, message=summary)

    await ctx.transaction(work)
    return 1


async def _record_zoom_failure(ctx: SyncContext, prepared: _Prepared, error: ZoomError) -> None:
    host = prepared.host_meeting
    assert host is not None

    async def work(session: AsyncSession) -> None:
        record(
            session,
            "meetingGet",
            {
                "connection": host.connection.id,
                "booking": host.booking_id,
                "email": prepared.email_id,
            },
            error=error,
        )
        email = await session.get(OutboundEmail, prepared.email_id)
        if email is None:  # pragma: no cover
            return
        verdict = outcomes.classify(error)
        prefix = "The host start link could not be fetched from Zoom: "
        if verdict == outcomes.Verdict.RETRY:
            _retry(email, prefix + error.user_message, ctx.now(), ctx)
        elif verdict == outcomes.Verdict.DEFERRED:
            assert isinstance(error, DailyLimitReached)
            outcomes.defer(email, error)
        else:
            _stop(email, prefix + error.user_message)
        release(email)

    await ctx.transaction(work)
